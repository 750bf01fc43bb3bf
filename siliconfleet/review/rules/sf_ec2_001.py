"""SF-EC2-001: a launch template or instance allows IMDSv1 (instance metadata without a token).

IMDSv1 lets any request an instance can be tricked into sending (SSRF) read its role's
credentials. Compliant: ``metadata_options.http_tokens = "required"``, or the metadata endpoint
disabled (``http_endpoint = "disabled"``). No ``metadata_options`` at all means AWS's default,
which for most AMIs still accepts IMDSv1. A Terraform expression instead of a literal cannot be
checked here and is reported too, so that a reviewer looks at it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Rule, RuleContext, stack_resource
from ..inventory import iter_resources
from ..model import Finding

TYPES = ("aws_launch_template", "aws_instance", "aws_spot_instance_request")


def imdsv1_problem(body: dict[str, Any]) -> str | None:
    options = body.get("metadata_options")
    if isinstance(options, list):
        options = options[0] if options and isinstance(options[0], dict) else None
    if not isinstance(options, dict):
        return "has no metadata_options, so AWS's default applies, which accepts IMDSv1 for most images"
    if str(options.get("http_endpoint", "enabled")).lower() == "disabled":
        return None
    tokens = options.get("http_tokens")
    if tokens == "required":
        return None
    if isinstance(tokens, str) and "${" in tokens:
        return f"sets metadata_options.http_tokens to an expression ({tokens}), which cannot be checked before apply"
    return f"sets metadata_options.http_tokens to {tokens!r}: IMDSv1 (no session token) is accepted"


def check(ctx: RuleContext) -> Iterator[Finding]:
    for stack, doc in ctx.stack_docs().items():
        for rtype, name, body in iter_resources(doc):
            if rtype in TYPES and (problem := imdsv1_problem(body)):
                yield RULE.finding(stack_resource(stack, rtype, name), problem, target=ctx.owner(stack, name, body))


RULE = Rule(
    id="SF-EC2-001",
    level="error",
    title="IMDSv1 allowed",
    fix='set metadata_options { http_tokens = "required", http_put_response_hop_limit = 1 } (IMDSv2 only), as '
        "siliconfleet's launch templates do",
    check=check,
)
