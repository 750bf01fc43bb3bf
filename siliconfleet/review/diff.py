"""The pull request against its base: targets added, removed and changed, and the monthly delta.

Targets are matched by name (unique within a fleet). A target is changed when any field of the
fleet file differs (a kind renamed to its canonical name, ``aws-p5`` to ``aws-gpu``, is no change), or when its cost does (a fleet-level ``traffic`` change moves a Groq bill
without touching the target). Both sides are priced with this siliconfleet's catalog, so the
delta is what the change does, not what a catalog update does. A delta is only a number when
both sides are priced; otherwise it is unknown, with the reason, and left out of the total.
"""

from __future__ import annotations

from typing import Any

from .. import registry
from .model import Diff, FieldChange, TargetDelta, TargetReview

#: Differences below half a cent are rounding, not change.
EPSILON_USD = 0.005


def _objects(value: Any) -> bool:
    """A list of objects (or an empty list): compared item by item."""
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _changes(old: Any, new: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            _changes(old.get(key), new.get(key), f"{path}.{key}" if path else str(key), out)
    elif _objects(old) and _objects(new):
        for i in range(max(len(old), len(new))):
            _changes(old[i] if i < len(old) else None, new[i] if i < len(new) else None, f"{path}[{i}]", out)
    elif old != new:
        out.append(FieldChange(path, old, new))


def field_changes(base: Any, head: Any) -> tuple[FieldChange, ...]:
    """What differs between two JSON documents, by path: objects field by field, lists of objects
    item by item, anything else (a list of CIDRs, an object that appears) as a whole."""
    out: list[FieldChange] = []
    _changes(base, head, "", out)
    return tuple(out)


def _canonical(fields: dict[str, Any]) -> dict[str, Any]:
    """A target's fields with its kind by its canonical name: an alias is the same kind."""
    return {**fields, "kind": registry.canonical(fields.get("kind"))} if "kind" in fields else fields


def _reason(side: str, target: TargetReview) -> str:
    return f"{target.name}: {side} unpriced ({'; '.join(target.cost.unpriced)})"


def _delta(base: TargetReview | None, head: TargetReview | None) -> tuple[float | None, float | None, str | None]:
    """(monthly delta, max monthly delta, why unknown)."""
    if base is not None and not base.cost.priced:
        return None, None, _reason("base", base)
    if head is not None and not head.cost.priced:
        return None, None, _reason("head", head)
    old = base.cost.monthly_usd if base else 0.0
    new = head.cost.monthly_usd if head else 0.0
    old_max = (base.cost.max_monthly_usd or 0.0) if base else 0.0
    new_max = (head.cost.max_monthly_usd or 0.0) if head else 0.0
    return new - old, new_max - old_max, None


def diff(
    base_targets: tuple[TargetReview, ...],
    head_targets: tuple[TargetReview, ...],
    *,
    base_fleet: dict[str, Any],
    head_fleet: dict[str, Any],
    base_fleet_sha256: str | None = None,
) -> Diff:
    base = {t.name: t for t in base_targets}
    head = {t.name: t for t in head_targets}
    added, removed, changed, unknown = [], [], [], []
    total = total_max = 0.0

    def record(name: str, kind: str, change: str, old: TargetReview | None, new: TargetReview | None,
               fields: tuple[FieldChange, ...] = ()) -> TargetDelta:
        nonlocal total, total_max
        delta, delta_max, why = _delta(old, new)
        if why is None:
            total += delta
            total_max += delta_max
        else:
            unknown.append(why)
        return TargetDelta(
            name=name, kind=kind, change=change,
            base_monthly_usd=old.cost.monthly_usd if old else None,
            head_monthly_usd=new.cost.monthly_usd if new else None,
            monthly_usd_delta=delta, delta_unknown=why, fields=fields,
        )

    for name in sorted(set(head) - set(base)):
        added.append(record(name, head[name].kind, "added", None, head[name]))
    for name in sorted(set(base) - set(head)):
        removed.append(record(name, base[name].kind, "removed", base[name], None))
    for name in sorted(set(base) & set(head)):
        old, new = base[name], head[name]
        fields = field_changes(_canonical(old.fields), _canonical(new.fields))
        cost_moved = (old.cost.priced != new.cost.priced) or (
            old.cost.priced and new.cost.priced and abs(new.cost.monthly_usd - old.cost.monthly_usd) >= EPSILON_USD
        )
        if fields or cost_moved:
            changed.append(record(name, new.kind, "changed", old, new, fields))

    fleet_fields = field_changes(
        {k: v for k, v in base_fleet.items() if k != "targets"},
        {k: v for k, v in head_fleet.items() if k != "targets"},
    )
    return Diff(
        base_fleet=base_fleet.get("fleet"),
        base_fleet_sha256=base_fleet_sha256,
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        fleet_fields=fleet_fields,
        monthly_usd_delta=total,
        max_monthly_usd_delta=total_max,
        delta_unknown=tuple(unknown),
    )
