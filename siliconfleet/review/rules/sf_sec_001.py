"""SF-SEC-001: a value (or key) in a synthesized stack looks like an API key or cloud credential.

Terraform JSON is committed, reviewed and copied into state: a key in it is a leaked key. Every
string of every stack is checked with siliconfleet's credential patterns (``spec/secrets.py``:
the hosted APIs' keys (Groq...), AWS access and secret keys, private keys, Google, OpenAI, Hugging Face and GitHub tokens),
including strings that are base64 (``user_data`` is), decoded first: checkov's secret scan does
not look inside user data. The finding names the resource, the field and the kind of key, never
the value.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from ...catalog.hosted import hosted_providers
from ...spec import secrets
from ..findings import Rule, RuleContext, stack_resource
from ..model import Finding

# A cheap first pass, so that secrets.classify() (every pattern of spec/secrets.py) runs only on
# candidates: a synthesized stack holds about 650 strings per target, and running every pattern
# on each of them took most of a 200-target review. No credential kind matches fewer than
# MIN_LENGTH characters; each contains one of MARKERS, except an AWS secret key, which has no
# marker: its own pattern (a bounded run of 40 base64 characters) is the first pass for it.
# tests/review/test_rules.py checks this holds for every kind in KINDS.
MIN_LENGTH = 16
MARKERS = re.compile("|".join([
    *(re.escape(p.key_marker) for p in hosted_providers().values()),  # the hosted APIs' keys (catalog data)
    r"AKIA|ASIA|ABIA|ACCA|PRIVATE KEY|private_key_id|AIza|sk-|hf_|gh[pousr]_",
]))
AWS_SECRET = next(kind.pattern for kind in secrets.KINDS if kind.name == "an AWS secret access key")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{24,}={0,2}$")


def candidate(text: str) -> bool:
    return len(text) >= MIN_LENGTH and (
        MARKERS.search(text) is not None or (len(text) >= 40 and AWS_SECRET.search(text) is not None)
    )


def _kind(text: str) -> secrets.SecretKind | None:
    return secrets.classify(text) if candidate(text) else None


def _decoded(text: str) -> str | None:
    if len(text) % 4 or not _BASE64.match(text):
        return None
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _string(text: str) -> tuple[secrets.SecretKind, bool] | None:
    """(kind, found inside base64) when ``text`` holds a credential."""
    if kind := _kind(text):
        return kind, False
    if (decoded := _decoded(text)) is not None and (kind := _kind(decoded)):
        return kind, True
    return None


def scan(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], secrets.SecretKind, bool]]:
    """(path, kind, found inside base64) for every credential-looking key or string under ``value``.

    Strings are checked where they are met and only containers are queued, with their path: a
    stack is mostly short strings. The order is the document's; findings are sorted later.
    """
    if isinstance(value, str):
        if len(value) >= MIN_LENGTH and (hit := _string(value)):
            yield path, *hit
        return
    queue: list[tuple[Any, tuple[Any, ...]]] = [(value, path)]
    while queue:
        item, where = queue.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            if isinstance(key, str) and len(key) >= MIN_LENGTH and (kind := _kind(key)):
                yield (*where, secrets.REDACTED), kind, False
            if isinstance(child, str):
                if len(child) >= MIN_LENGTH and (hit := _string(child)):
                    yield (*where, key), *hit
            elif isinstance(child, (dict, list)):
                queue.append((child, (*where, key)))


def _address(stack: str, path: tuple[Any, ...]) -> tuple[str, str]:
    """(resource as the review names it, the field path inside it)."""
    parts = [str(p) for p in path]
    if parts[:1] == ["resource"] and len(parts) >= 3:
        return stack_resource(stack, parts[1], parts[2]), _field(path[3:])
    if parts[:1] == ["data"] and len(parts) >= 3:
        return f"{stack}/data.{parts[1]}.{parts[2]}", _field(path[3:])
    if len(parts) >= 2:
        return f"{stack}/{parts[0]}.{parts[1]}", _field(path[2:])
    return f"{stack}/{'.'.join(parts) or '(document)'}", ""


def _field(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check(ctx: RuleContext) -> Iterator[Finding]:
    for stack, doc in ctx.stack_docs().items():
        resources = doc.get("resource") or {}
        for path, kind, encoded in scan(doc):
            resource, field = _address(stack, path)
            where = f"{field} (base64-decoded)" if encoded else field
            body = (resources.get(path[1]) or {}).get(path[2]) if len(path) >= 3 and path[0] == "resource" else None
            yield RULE.finding(
                resource,
                f"{where or 'a value'} looks like {kind.name} (value not shown)",
                fix=f"remove it from the stack and rotate the key; {kind.belongs}",
                target=ctx.owner(stack, str(path[2]), body) if isinstance(body, dict) else None,
            )


RULE = Rule(
    id="SF-SEC-001",
    level="error",
    title="secret-looking value in the synthesized Terraform",
    fix="remove the value, rotate the key, and reference a secret store instead",
    check=check,
)
