"""Inventory and cost of every target of a synth output, per stack, from ``siliconfleet.json``.

The fleet dump says what each target is; the kind registry (``kinds/``) turns it into an
inventory row and a cost. The stack JSON, when read, adds how many resources each target owns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import kinds
from .model import StackReview, TargetReview, one_time_sum, priced_sum
from .source import SynthOutput


def iter_resources(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every resource of a synthesized stack, sorted."""
    for rtype, group in sorted((doc.get("resource") or {}).items()):
        if isinstance(group, dict):
            for name, body in sorted(group.items()):
                if isinstance(body, dict):
                    yield rtype, name, body


def resource_target(name: str, body: dict[str, Any], targets: tuple[str, ...] | list[str]) -> str | None:
    """Which fleet target a resource belongs to: its Target tag or label, its construct path, or its id prefix."""
    for key in ("tags", "labels"):
        tags = body.get(key)
        if isinstance(tags, dict):
            value = tags.get("Target") or tags.get("target")
            if isinstance(value, str) and value in targets:
                return value
    path = ((body.get("//") or {}).get("metadata") or {}).get("path")
    if isinstance(path, str):
        parts = path.split("/")
        if len(parts) > 1 and parts[1] in targets:
            return parts[1]
    prefix = name.split("_", 1)[0]
    return prefix if prefix in targets else None


def _target_resources(output: SynthOutput, with_docs: bool) -> dict[str, int]:
    if not with_docs:
        return {}
    counts: dict[str, int] = {}
    for stack, doc in output.stack_docs().items():
        names = tuple(output.stacks[stack].get("targets", ()))
        for _, name, body in iter_resources(doc):
            owner = resource_target(name, body, names)
            if owner is not None:
                counts[owner] = counts.get(owner, 0) + 1
    return counts


def review_targets(output: SynthOutput, *, with_docs: bool = True) -> tuple[TargetReview, ...]:
    """Every target of the output, with its stack, inventory row and cost, sorted by stack and name."""
    fleet = output.fleet
    stack_of = {t: name for name, meta in output.stacks.items() for t in meta.get("targets", ())}
    counts = _target_resources(output, with_docs)
    rows = []
    for target in fleet.get("targets", []):
        name = str(target.get("name"))
        rows.append(TargetReview(
            name=name,
            kind=str(target.get("kind")),
            stack=stack_of.get(name),
            hardware=kinds.describe(target, fleet),
            cost=kinds.price(target, fleet),
            fields=target,
            resources=counts.get(name) if with_docs else None,
        ))
    return tuple(sorted(rows, key=lambda r: (r.stack or "", r.name)))


def review_stacks(output: SynthOutput, targets: tuple[TargetReview, ...]) -> tuple[StackReview, ...]:
    by_stack: dict[str, list[TargetReview]] = {}
    for t in targets:
        by_stack.setdefault(t.stack or "", []).append(t)
    stacks = []
    for name, meta in sorted(output.stacks.items()):
        members = by_stack.get(name, [])
        stacks.append(StackReview(
            name=name,
            cloud=meta.get("cloud"),
            location=meta.get("location"),
            resources=meta.get("resources"),
            targets=tuple(t.name for t in members),
            monthly_usd=priced_sum(members, "monthly_usd"),
            max_monthly_usd=priced_sum(members, "max_monthly_usd"),
            one_time_usd=one_time_sum(members),
            unpriced_targets=tuple(t.name for t in members if t.cost.unpriced),
        ))
    return tuple(stacks)
