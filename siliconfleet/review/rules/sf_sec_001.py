"""SF-SEC-001: a value (or key) in a synthesized stack looks like an API key or cloud credential.

Terraform JSON is committed, reviewed and copied into state: a key in it is a leaked key. Every
string of every stack is checked with siliconfleet's credential patterns (``spec/secrets.py``:
Groq, AWS access and secret keys, private keys, Google, OpenAI, Hugging Face and GitHub tokens),
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

from ...spec import secrets
from ..findings import Rule, RuleContext, stack_resource
from ..model import Finding

#: Any credential pattern: a cheap first pass, so that classify() runs only on candidates.
_ANY = re.compile("|".join(f"(?:{kind.pattern.pattern})" for kind in secrets.KINDS))
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{24,}={0,2}$")


def _kind(text: str) -> secrets.SecretKind | None:
    return secrets.classify(text) if _ANY.search(text) else None


def _decoded(text: str) -> str | None:
    if len(text) % 4 or not _BASE64.match(text):
        return None
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def scan(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], secrets.SecretKind, bool]]:
    """(path, kind, found inside base64) for every credential-looking key or string under ``value``."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            for key in sorted(item, key=str, reverse=True):
                if isinstance(key, str) and (kind := _kind(key)):
                    yield (*where, secrets.REDACTED), kind, False
                stack.append((item[key], (*where, key)))
        elif isinstance(item, list):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, str):
            if kind := _kind(item):
                yield where, kind, False
            elif (text := _decoded(item)) is not None and (kind := _kind(text)):
                yield where, kind, True


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
