"""SF-NET-001: ingress from the whole internet (0.0.0.0/0 or ::/0) in a security group or firewall.

Looks at every form Terraform takes: ``aws_vpc_security_group_ingress_rule`` (cidr_ipv4 /
cidr_ipv6), ``aws_security_group_rule`` of type ingress, inline ``ingress`` blocks of
``aws_security_group`` and ``aws_default_security_group``, and Google ``*_compute_firewall``
rules of direction INGRESS that allow traffic from ``source_ranges``. Any prefix of length 0
counts (0.0.0.0/0, ::/0, and spellings such as 0.0.0.0/00). Egress is not ingress: HTTPS out to
the internet is how instances reach model hubs and AWS endpoints.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from typing import Any

from ..findings import Rule, RuleContext, stack_resource
from ..inventory import iter_resources
from ..model import Finding


def _open(cidr: Any) -> bool:
    if not isinstance(cidr, str) or "${" in cidr:
        return False
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _ports(block: dict[str, Any]) -> str:
    low, high = block.get("from_port"), block.get("to_port")
    proto = block.get("ip_protocol") or block.get("protocol")
    if str(proto) in ("-1", "all"):
        return "all ports"
    if low is None:
        return f"{proto or 'any'} traffic"
    return f"port {low}" if low == high else f"ports {low}-{high}"


def open_ingress(rtype: str, body: dict[str, Any]) -> Iterable[str]:
    """A description of each way ``body`` admits the whole internet (empty when it does not)."""
    if rtype == "aws_vpc_security_group_ingress_rule":
        for key in ("cidr_ipv4", "cidr_ipv6"):
            if _open(body.get(key)):
                yield f"allows {_ports(body)} from {body[key]}"
    elif rtype == "aws_security_group_rule":
        if body.get("type") == "ingress":
            for cidr in _as_list(body.get("cidr_blocks")) + _as_list(body.get("ipv6_cidr_blocks")):
                if _open(cidr):
                    yield f"allows {_ports(body)} from {cidr}"
    elif rtype in ("aws_security_group", "aws_default_security_group"):
        for block in _blocks(body.get("ingress")):
            for cidr in _as_list(block.get("cidr_blocks")) + _as_list(block.get("ipv6_cidr_blocks")):
                if _open(cidr):
                    yield f"has an ingress block that allows {_ports(block)} from {cidr}"
    elif rtype.endswith("_compute_firewall") and rtype.startswith("google"):
        direction = str(body.get("direction") or "INGRESS").upper()
        if direction == "INGRESS" and _blocks(body.get("allow")) and not body.get("disabled"):
            for cidr in _as_list(body.get("source_ranges")):
                if _open(cidr):
                    allowed = ", ".join(
                        f"{b.get('protocol')}" + (f" {','.join(map(str, b['ports']))}" if b.get("ports") else "")
                        for b in _blocks(body.get("allow"))
                    )
                    yield f"allows {allowed} from {cidr}"


def check(ctx: RuleContext) -> Iterator[Finding]:
    for stack, doc in ctx.stack_docs().items():
        for rtype, name, body in iter_resources(doc):
            for what in open_ingress(rtype, body):
                yield RULE.finding(stack_resource(stack, rtype, name), f"{what}: anyone on the internet can connect",
                                   target=ctx.owner(stack, name, body))


RULE = Rule(
    id="SF-NET-001",
    level="error",
    title="ingress from the internet",
    fix="allow only the networks of your clients (allowed_cidrs: your VPC or VPN range) or their security groups "
        "(allowed_security_group_ids); put a load balancer or gateway in front of anything public",
    check=check,
)
