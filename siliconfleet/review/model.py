"""What a review is made of: inventory rows, costs with their prices, findings, the diff, the report.

Plain frozen dataclasses; ``as_dict`` methods give the JSON form (money rounded to cents, no
timestamps), so that the same inputs always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Hours in a billing month, as AWS and Google price monthly estimates (and as the sizing advisor does).
HOURS_PER_MONTH = 730

LEVELS = ("error", "warning")


def usd(value: float | None, places: int = 2) -> float | None:
    """Money for JSON: rounded, None stays None (unpriced is never zero)."""
    return None if value is None else round(value + 0.0, places)


@dataclass(frozen=True)
class Price:
    """One catalog price a figure was computed with, with its date and source."""

    item: str
    usd: float
    unit: str
    as_of: str
    source: str
    unverified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "usd": self.usd, "unit": self.unit, "as_of": self.as_of, "source": self.source,
                "unverified": self.unverified}


@dataclass(frozen=True)
class TargetCost:
    """What a target costs. Every figure is None when it cannot be computed; then ``unpriced`` says why."""

    hourly_usd: float | None = None
    monthly_usd: float | None = None
    max_hourly_usd: float | None = None
    max_monthly_usd: float | None = None
    one_time_usd: float | None = None
    upfront: bool = False
    """The target buys something upfront (a Capacity Block): one_time_usd is its fee, or unpriced."""
    unpriced: tuple[str, ...] = ()
    prices: tuple[Price, ...] = ()
    basis: tuple[str, ...] = ()
    """How each figure was computed, one line each, for the reviewer to check by hand."""
    notes: tuple[str, ...] = ()
    """Assumptions a reviewer should know (upper bounds, what is not counted)."""

    @property
    def priced(self) -> bool:
        return not self.unpriced and self.monthly_usd is not None


@dataclass(frozen=True)
class Hardware:
    """What a target runs on, as the review's inventory shows it."""

    silicon: str | None
    hardware: str | None
    """Instance type, TPU accelerator type, or hosted model id."""
    accelerator: str | None = None
    accelerators_per_unit: int | None = None
    accelerator_memory_gib_per_unit: float | None = None
    unit: str = "instance"
    min_size: int | None = None
    desired_size: int | None = None
    max_size: int | None = None
    location: str | None = None
    capacity: str | None = None


@dataclass(frozen=True)
class TargetReview:
    """One target of one synth output: where it is, what it runs on, what it costs."""

    name: str
    kind: str
    stack: str | None
    hardware: Hardware
    cost: TargetCost
    fields: dict[str, Any]
    """The target as the fleet file gave it (validated), for the diff."""
    resources: int | None = None

    def as_dict(self) -> dict[str, Any]:
        hw, cost = self.hardware, self.cost
        return {
            "name": self.name,
            "kind": self.kind,
            "stack": self.stack,
            "silicon": hw.silicon,
            "hardware": hw.hardware,
            "location": hw.location,
            "capacity": hw.capacity,
            "unit": hw.unit,
            "min_size": hw.min_size,
            "desired_size": hw.desired_size,
            "max_size": hw.max_size,
            "accelerator": hw.accelerator,
            "accelerators_per_unit": hw.accelerators_per_unit,
            "accelerator_memory_gib_per_unit": usd(hw.accelerator_memory_gib_per_unit, 1),
            "resources": self.resources,
            "hourly_usd": usd(cost.hourly_usd, 4),
            "monthly_usd": usd(cost.monthly_usd),
            "max_hourly_usd": usd(cost.max_hourly_usd, 4),
            "max_monthly_usd": usd(cost.max_monthly_usd),
            "one_time_usd": usd(cost.one_time_usd),
            "unpriced": bool(cost.unpriced),
            "unpriced_reasons": list(cost.unpriced),
            "basis": list(cost.basis),
            "notes": list(cost.notes),
            "prices": [p.as_dict() for p in cost.prices],
        }


def priced_sum(targets: tuple[TargetReview, ...] | list[TargetReview], attribute: str) -> float | None:
    """Sum of a cost figure over the priced targets; None when there are targets but none is priced."""
    priced = [t for t in targets if t.cost.priced]
    if targets and not priced:
        return None
    return sum(getattr(t.cost, attribute) or 0.0 for t in priced)


def one_time_sum(targets: tuple[TargetReview, ...] | list[TargetReview]) -> float | None:
    """Upfront purchases in total; None when one of them is unpriced."""
    if any(t.cost.upfront and t.cost.one_time_usd is None for t in targets):
        return None
    return sum(t.cost.one_time_usd or 0.0 for t in targets)


@dataclass(frozen=True)
class StackReview:
    name: str
    cloud: str | None
    location: str | None
    resources: int | None
    targets: tuple[str, ...]
    monthly_usd: float | None
    """Sum over the stack's priced targets; None when none of them is priced."""
    max_monthly_usd: float | None
    one_time_usd: float | None
    unpriced_targets: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "cloud": self.cloud, "location": self.location, "resources": self.resources,
            "targets": list(self.targets), "monthly_usd": usd(self.monthly_usd),
            "max_monthly_usd": usd(self.max_monthly_usd), "one_time_usd": usd(self.one_time_usd),
            "unpriced_targets": list(self.unpriced_targets),
        }


@dataclass(frozen=True)
class Finding:
    """One policy finding: rule id, level, the resource, what is wrong and how to fix it."""

    id: str
    level: str
    resource: str
    message: str
    fix: str = ""
    source: str = "siliconfleet"
    target: str | None = None
    acknowledged: str | None = None
    """The reason from the fleet file's acknowledgements, when a team accepted this finding."""

    def sort_key(self) -> tuple:
        return (LEVELS.index(self.level) if self.level in LEVELS else len(LEVELS), self.id, self.resource, self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "level": self.level, "resource": self.resource, "message": self.message, "fix": self.fix,
            "source": self.source, "target": self.target, "acknowledged": self.acknowledged is not None,
            "acknowledgement_reason": self.acknowledged,
        }


@dataclass(frozen=True)
class FieldChange:
    path: str
    base: Any
    head: Any

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "base": self.base, "head": self.head}


@dataclass(frozen=True)
class TargetDelta:
    """One target added, removed or changed, and what it does to the monthly bill."""

    name: str
    kind: str
    change: str
    """added, removed or changed"""
    base_monthly_usd: float | None
    head_monthly_usd: float | None
    monthly_usd_delta: float | None
    delta_unknown: str | None = None
    """Why the delta cannot be computed (a side is unpriced)."""
    fields: tuple[FieldChange, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name, "kind": self.kind, "base_monthly_usd": usd(self.base_monthly_usd),
            "head_monthly_usd": usd(self.head_monthly_usd), "monthly_usd_delta": usd(self.monthly_usd_delta),
            "delta_unknown": self.delta_unknown,
        }
        if self.change == "changed":
            out["fields"] = [f.as_dict() for f in self.fields]
        return out


@dataclass(frozen=True)
class Diff:
    base_fleet: str | None
    base_fleet_sha256: str | None
    added: tuple[TargetDelta, ...] = ()
    removed: tuple[TargetDelta, ...] = ()
    changed: tuple[TargetDelta, ...] = ()
    fleet_fields: tuple[FieldChange, ...] = ()
    """Changes outside the targets (traffic, tags, acknowledgements...)."""
    monthly_usd_delta: float = 0.0
    """Sum of the per-target deltas that could be computed."""
    max_monthly_usd_delta: float = 0.0
    delta_unknown: tuple[str, ...] = ()
    """Targets whose delta is unknown, each with the reason."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.fleet_fields)

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": {"fleet": self.base_fleet, "fleet_sha256": self.base_fleet_sha256},
            "monthly_usd_delta": usd(self.monthly_usd_delta),
            "max_monthly_usd_delta": usd(self.max_monthly_usd_delta),
            "added": [d.as_dict() for d in self.added],
            "removed": [d.as_dict() for d in self.removed],
            "changed": [d.as_dict() for d in self.changed],
            "fleet_fields": [f.as_dict() for f in self.fleet_fields],
            "delta_unknown": list(self.delta_unknown),
        }


@dataclass(frozen=True)
class CheckovSummary:
    """How checkov ran on the same stacks (or why it did not)."""

    ran: bool
    version: str | None = None
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    parsing_errors: int = 0
    reason: str | None = None
    """Why checkov did not run (not installed, turned off)."""

    def as_dict(self) -> dict[str, Any]:
        return {"ran": self.ran, "version": self.version, "passed": self.passed, "failed": self.failed,
                "skipped": self.skipped, "parsing_errors": self.parsing_errors, "reason": self.reason}


@dataclass(frozen=True)
class Report:
    fleet: str
    fleet_sha256: str | None
    generator: str
    targets: tuple[TargetReview, ...]
    stacks: tuple[StackReview, ...]
    findings: tuple[Finding, ...]
    diff: Diff | None
    checkov: CheckovSummary
    unused_acknowledgements: tuple[dict[str, Any], ...] = ()

    @property
    def total_monthly_usd(self) -> float | None:
        """Sum over the priced targets; None when no target could be priced (never a zero for 'unknown')."""
        return priced_sum(self.targets, "monthly_usd")

    @property
    def total_max_monthly_usd(self) -> float | None:
        return priced_sum(self.targets, "max_monthly_usd")

    @property
    def total_one_time_usd(self) -> float | None:
        return one_time_sum(self.targets)

    @property
    def unpriced(self) -> tuple[TargetReview, ...]:
        return tuple(t for t in self.targets if t.cost.unpriced)

    def open_findings(self, levels: tuple[str, ...] = LEVELS) -> list[Finding]:
        """Findings at one of ``levels`` that no acknowledgement covers."""
        return [f for f in self.findings if f.level in levels and f.acknowledged is None]
