"""Store a hosted API key (Groq...) in a fleet target's secret, never echoing or logging it.

Terraform creates the secret (HostedEndpoint); this module adds its value: AWS Secrets Manager
PutSecretValue with boto3, or Google Secret Manager AddSecretVersion with
google-cloud-secret-manager (imported lazily: ``pip install google-cloud-secret-manager``).

The key is held in one local string for the length of one call. While the SDK runs, its loggers
(botocore logs request bodies at DEBUG) are raised to WARNING, and every message that leaves
this module is scrubbed of the key. The key's shape is the provider's (its catalog file).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..catalog.hosted import HostedProvider
from ..errors import SiliconfleetError
from ..spec import secrets
from ..spec.hosted import AwsSecretsManagerStore, GcpSecretManagerStore

#: The longest input read from standard input: a key is about 56 characters.
MAX_INPUT = 4096
GCP_INSTALL_HINT = (
    "storing a key in Google Secret Manager needs google-cloud-secret-manager: "
    "pip install google-cloud-secret-manager (or the siliconfleet extra that ships it)"
)
#: SDK loggers that could see a request body; quiet while the key is in flight.
SDK_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "google", "grpc", "httpx", "httpcore")


class KeyStoreError(SiliconfleetError):
    """The secret store refused the key or could not be reached (exit 1, not bad input)."""


@dataclass(frozen=True)
class Stored:
    """Where a key went: the secret (ARN or resource name) and its new version."""

    secret: str
    version: str


def check_key_shape(text: str, provider: HostedProvider) -> str:
    """The key in ``text`` (one line, surrounding whitespace dropped) if it has the provider's shape."""
    key = text.strip()
    if not key:
        raise SiliconfleetError(f"standard input is empty: pipe the {provider.display} API key in (one line); nothing was stored")
    if "\n" in key or not provider.key_shape.fullmatch(key):
        raise SiliconfleetError(
            f"standard input does not hold a {provider.display} API key (one line: {provider.key_format}); "
            "it is not shown, and nothing was stored"
        )
    return key


@contextlib.contextmanager
def quiet_sdk_logs() -> Iterator[None]:
    """Raise every SDK logger to WARNING for the duration (restored afterwards)."""
    manager = logging.root.manager
    names = [n for n in list(manager.loggerDict) if n.split(".")[0] in SDK_LOGGERS] + list(SDK_LOGGERS)
    saved = {}
    for name in dict.fromkeys(names):
        logger = logging.getLogger(name)
        saved[name] = logger.level
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _stack(stack: str | None) -> str:
    return f"the stack {stack}" if stack else "the stack that creates it"


def _scrub(text: str, key: str) -> str:
    return secrets.redact(text.replace(key, secrets.REDACTED))


def put_aws(key: str, store: AwsSecretsManagerStore, secret_id: str, *, client: Any = None, stack: str | None = None) -> Stored:
    """PutSecretValue on the target's secret; errors say what to do, never the key."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    where = f"secret {secret_id!r} in {store.region}"
    try:
        with quiet_sdk_logs():
            client = client or boto3.client(
                "secretsmanager", region_name=store.region,
                config=Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=5, read_timeout=20),
            )
            answer = client.put_secret_value(SecretId=secret_id, SecretString=key)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), _scrub(str(error.get("Message", "")), key)
        if code == "ResourceNotFoundException":
            raise KeyStoreError(f"{where} does not exist: apply {_stack(stack)} first (Terraform creates the secret, "
                                "set-key fills it); nothing was stored") from None
        if code in ("AccessDeniedException", "AccessDenied"):
            raise KeyStoreError(f"not allowed to write {where} ({message}): it takes secretsmanager:PutSecretValue on the "
                                "secret and kms:GenerateDataKey on its KMS key; nothing was stored") from None
        raise KeyStoreError(f"PutSecretValue on {where} failed: {code}: {message}; nothing was stored") from None
    except NoCredentialsError:
        raise KeyStoreError("no AWS credentials: use an AWS profile, SSO or the environment; nothing was stored") from None
    except BotoCoreError as exc:
        raise KeyStoreError(f"PutSecretValue on {where} failed: {_scrub(str(exc), key)}; nothing was stored") from None
    return Stored(secret=answer["ARN"], version=answer["VersionId"])


def _crc32c(data: bytes) -> int | None:
    try:
        import google_crc32c
    except ImportError:
        return None
    return int(google_crc32c.value(data))


def put_gcp(key: str, store: GcpSecretManagerStore, secret_id: str, *, client: Any = None, stack: str | None = None) -> Stored:
    """AddSecretVersion on the target's secret; errors say what to do, never the key."""
    if client is None:
        try:
            from google.cloud import secretmanager
        except ImportError:
            raise KeyStoreError(GCP_INSTALL_HINT) from None
        with quiet_sdk_logs():
            client = secretmanager.SecretManagerServiceClient()
    from google.api_core import exceptions as gexc

    parent = f"projects/{store.project}/secrets/{secret_id}"
    data = key.encode()
    payload: dict[str, Any] = {"data": data}
    crc = _crc32c(data)
    if crc is not None:
        payload["data_crc32c"] = crc
    try:
        with quiet_sdk_logs():
            version = client.add_secret_version(request={"parent": parent, "payload": payload}, timeout=30)
    except gexc.NotFound:
        raise KeyStoreError(f"secret {parent} does not exist: apply {_stack(stack)} first (Terraform creates the secret, "
                            "set-key fills it); nothing was stored") from None
    except gexc.PermissionDenied as exc:
        raise KeyStoreError(f"not allowed to add a version to {parent} ({_scrub(exc.message or '', key)}): it takes "
                            "roles/secretmanager.secretVersionAdder; nothing was stored") from None
    except gexc.GoogleAPIError as exc:
        raise KeyStoreError(f"AddSecretVersion on {parent} failed: {_scrub(str(exc), key)}; nothing was stored") from None
    return Stored(secret=parent, version=str(version.name))


def store_key(key: str, target: Any, *, fleet: str, client: Any = None, stack: str | None = None) -> Stored:
    """Store ``key`` (checked for its provider's shape) in the secret of the hosted ``target`` of fleet ``fleet``."""
    key = check_key_shape(key, target.provider)
    store = target.secret_store
    if store.write_only:
        raise SiliconfleetError(
            f"{target.name} keeps its key in Terraform's write-only mode: set TF_VAR_{target.write_only_variable()} "
            "and bump secret_store.write_only_version to store a new key (a key stored here would be replaced by the "
            "next apply); nothing was stored"
        )
    secret_id = target.secret_name(fleet)
    if isinstance(store, AwsSecretsManagerStore):
        return put_aws(key, store, secret_id, client=client, stack=stack)
    return put_gcp(key, store, secret_id, client=client, stack=stack)
