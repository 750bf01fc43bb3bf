"""The ``groq`` target: a model on GroqCloud, its API key's secret store, and its rate limits.

A hosted API target (spec/hosted.py) whose provider is Groq: its models, prices and API facts
are the catalog's (catalog/data/hosted/groq.yaml). The names of earlier versions stay here.
"""

from __future__ import annotations

from typing import ClassVar

from .. import registry
from ..catalog.hosted import hosted_provider
from .hosted import (
    AwsSecretName,
    AwsSecretsManagerStore,
    GcpGlobalKmsKey,
    GcpSecretId,
    GcpSecretManagerStore,
    GroqRateLimits,
    HostedFields,
    HostedModelId,
    IamRoleArn,
    KmsKeyId,
    RateLimits,
    SecretStore,
    ServiceAccountEmail,
)

__all__ = [
    "GROQ_API_KEY_ENV", "GROQ_BASE_URL", "GROQ_KEY_SHAPE", "AwsSecretName", "AwsSecretsManagerStore", "GcpGlobalKmsKey",
    "GcpSecretId", "GcpSecretManagerStore", "GroqFields", "GroqModelId", "GroqRateLimits", "GroqTarget", "IamRoleArn",
    "KmsKeyId", "RateLimits", "SecretStore", "ServiceAccountEmail",
]

_GROQ = hosted_provider("groq")
#: Groq's OpenAI-compatible API (console.groq.com/docs/openai), from the catalog.
GROQ_BASE_URL = _GROQ.base_url
#: Where a gateway or a client reads the key from (LiteLLM: ``os.environ/GROQ_API_KEY``).
GROQ_API_KEY_ENV = _GROQ.api_key_env
#: The shape of a Groq API key; the load-time guard (secrets.py) rejects this anywhere in a fleet file.
GROQ_KEY_SHAPE = _GROQ.key_shape
GroqModelId = HostedModelId


class GroqFields(HostedFields):
    kind_name: ClassVar[str | None] = "groq"


#: The names of the kind (its aliases included), from the registry.
GroqKind = registry.kind_literal(GroqFields.kind_name)


class GroqTarget(GroqFields):
    """A fleet target of kind ``groq``: a GroqCloud model behind its secret and rate limits."""

    kind: GroqKind
