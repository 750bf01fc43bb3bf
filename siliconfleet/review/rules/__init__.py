"""siliconfleet's rule pack: one rule per module, each with a stable id, a level and a fix.

Add a rule: a module here that defines ``RULE`` (a :class:`~siliconfleet.review.findings.Rule`),
listed in ``MODULES``; tests give it a compliant and a non-compliant case.
"""

from __future__ import annotations

from importlib import import_module

from ..findings import Rule

MODULES = ("sf_tag_001", "sf_net_001", "sf_ec2_001", "sf_sec_001", "sf_cost_001")


def pack() -> tuple[Rule, ...]:
    """The rules in id order."""
    rules = (import_module(f".{name}", __name__).RULE for name in MODULES)
    return tuple(sorted(rules, key=lambda r: r.id))


def rule(rule_id: str) -> Rule:
    return next(r for r in pack() if r.id == rule_id)


__all__ = ["MODULES", "pack", "rule"]
