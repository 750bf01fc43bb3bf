"""Recognise values that look like API keys or cloud credentials.

A fleet file is reviewed in pull requests and ends up in Terraform: a key must never be in it.
The guard names the field and where the key belongs; it never prints the value. The shapes of
hosted API keys (Groq's...) are their providers' catalog data (catalog/data/hosted/), the others
are listed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..catalog.hosted import hosted_providers


@dataclass(frozen=True)
class SecretKind:
    name: str
    pattern: re.Pattern[str]
    belongs: str

    def matches(self, value: str) -> bool:
        if self.name == _AWS_SECRET:
            # 40 characters of base64 with upper, lower and digits: the shape of an AWS secret key.
            return any(
                re.search(r"[a-z]", m) and re.search(r"[A-Z]", m) and re.search(r"[0-9]", m)
                for m in self.pattern.findall(value)
            )
        return self.pattern.search(value) is not None



_AWS_SECRET = "an AWS secret access key"
_AWS_CREDS = "use an AWS profile, SSO or the environment for credentials, never the fleet file"
_STORE = (
    "store it in AWS Secrets Manager or Google Secret Manager and reference the secret "
    "(for a Hugging Face token: serving.hf_token_secret_arn)"
)

#: The keys of the hosted providers the package ships (their catalog files' key_pattern).
HOSTED_KINDS: tuple[SecretKind, ...] = tuple(
    SecretKind(f"a {p.display} API key", p.key_shape, _STORE) for p in hosted_providers().values()
)

KINDS: tuple[SecretKind, ...] = (
    *HOSTED_KINDS,
    SecretKind("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), _AWS_CREDS),
    SecretKind(_AWS_SECRET, re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), _AWS_CREDS),
    SecretKind(
        "a private key (Google service-account key or similar)",
        re.compile(r"-----BEGIN (?:RSA |EC |ENCRYPTED |OPENSSH )?PRIVATE KEY-----|\"private_key_id\"\s*:"),
        "use workload identity or GOOGLE_APPLICATION_CREDENTIALS outside the repository, never the fleet file",
    ),
    SecretKind("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), _STORE),
    SecretKind("an OpenAI-style API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}"), _STORE),
    SecretKind("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}"), _STORE),
    SecretKind("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}"), _STORE),
)


def classify(value: str) -> SecretKind | None:
    """The kind of credential ``value`` looks like, or None."""
    for kind in KINDS:
        if kind.matches(value):
            return kind
    return None


REDACTED = "<redacted>"


def redact(text: str) -> str:
    """``text`` with every credential-looking part replaced by <redacted>."""
    for kind in KINDS:
        text = kind.pattern.sub(lambda m, k=kind: REDACTED if k.matches(m.group(0)) else m.group(0), text)
    return text


def looks_secret(value: object) -> bool:
    return isinstance(value, str) and classify(value) is not None


def scan(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], SecretKind]]:
    """Every (path, kind) in a parsed document where a key or a value looks like a credential."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and (kind := classify(key)):
                yield (*path, REDACTED), kind
            yield from scan(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from scan(value, (*path, i))
    elif isinstance(data, str) and (kind := classify(data)):
        yield path, kind
