"""Small helpers every construct uses: names within AWS limits, tag specifications, IAM documents."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .. import engine


def aws_name(*parts: str, max_len: int) -> str:
    """A readable, deterministic resource name within ``max_len``.

    Too-long names keep their start and end with a short hash of the whole, so two long names
    never collide (load balancer and target group names allow only 32 characters).
    """
    full = "-".join(p for p in parts if p)
    if len(full) <= max_len:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:6]
    keep = max_len - len(digest) - 1
    return f"{full[:keep].rstrip('-')}-{digest}"


def policy_json(statements: list[dict[str, Any]]) -> str:
    """An IAM policy document as compact, key-sorted JSON (stable across runs)."""
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True, separators=(",", ":"))


def assume_role_policy(service: str) -> str:
    return policy_json(
        [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
    )


def is_token(value: object) -> bool:
    """True for values Terraform only knows at apply time (references, functions)."""
    return isinstance(value, str) and engine.Token.is_unresolved(value)
