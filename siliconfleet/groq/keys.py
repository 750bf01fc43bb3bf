"""The names of earlier versions: storing a Groq key is storing a hosted API key (siliconfleet.hosted.keys)."""

from ..catalog.hosted import hosted_provider
from ..hosted import keys as _keys
from ..hosted.keys import (
    GCP_INSTALL_HINT,
    MAX_INPUT,
    SDK_LOGGERS,
    KeyStoreError,
    Stored,
    put_aws,
    put_gcp,
    quiet_sdk_logs,
    store_key,
)

__all__ = ["GCP_INSTALL_HINT", "MAX_INPUT", "SDK_LOGGERS", "KeyStoreError", "Stored", "check_key_shape", "put_aws", "put_gcp",
           "quiet_sdk_logs", "store_key"]


def check_key_shape(text: str) -> str:
    """The key in ``text`` (one line, surrounding whitespace dropped) if it has Groq's shape."""
    return _keys.check_key_shape(text, hosted_provider("groq"))
