"""EC2 cluster targets (every EC2 accelerator kind: ``aws-inf2``, ``aws-gpu``...): instances x the catalog's on-demand price.

Hourly and monthly (730 h) figures at the desired and at the max size. How capacity is bought
changes what can be said:

- on-demand: the catalog's on-demand price in the target's region;
- spot (``spot_fraction`` > 0): the spot share is priced at the on-demand list price, an upper
  bound, because the catalog holds no spot prices (they move hourly);
- reservation (an On-Demand Capacity Reservation): billed at the on-demand rate; the
  reservation's own size is not in the fleet file, so unused reserved capacity is not counted;
- capacity-block purchase: an upfront fee for the whole window, one time. AWS quotes it per
  offering; the catalog may hold a Capacity Block rate per instance-hour
  (``capacity_block_usd_per_instance_hour``, by region). Without one the block is unpriced, never
  zero; an existing block (``reservation_id``) was paid when it was bought and is unpriced too.

A region the catalog has no price for makes the target unpriced, with the reason.
"""

from __future__ import annotations

from typing import Any

from ... import catalog
from ...spec.aws import effective_desired_size
from ..fmt import money, number, rate
from ..model import HOURS_PER_MONTH, Hardware, Price, TargetCost


def _row(target: dict[str, Any]) -> catalog.AwsInstanceType | None:
    return catalog.aws_instance_types().get(str(target.get("instance_type")))


def _sizes(target: dict[str, Any]) -> tuple[int, int, int]:
    low = int(target.get("min_size") or 0)
    desired = target.get("desired_size")
    return low, effective_desired_size(low, None if desired is None else int(desired)), int(target.get("max_size") or 0)


def _capacity(target: dict[str, Any]) -> dict[str, Any]:
    cap = target.get("capacity")
    if isinstance(cap, dict) and cap.get("type"):
        return cap
    share = float(target.get("spot_fraction") or 0.0)
    return {"type": "spot", "spot_fraction": share} if share > 0 else {"type": "on-demand"}


def capacity_text(target: dict[str, Any]) -> str:
    cap = _capacity(target)
    kind = cap["type"]
    if kind == "spot":
        share = float(cap.get("spot_fraction") or target.get("spot_fraction") or 1.0)
        return "spot" if share >= 1.0 else f"{round(share * 100)}% spot, rest on-demand"
    if kind == "reservation":
        return f"reservation {cap.get('reservation_id') or cap.get('resource_group_arn')}"
    if kind == "capacity-block":
        purchase = cap.get("purchase")
        if purchase:
            return f"Capacity Block purchase ({purchase.get('instance_count')} x {purchase.get('duration_hours')} h)"
        return f"Capacity Block {cap.get('reservation_id')}"
    return "on-demand"


def describe(target: dict[str, Any], fleet: dict[str, Any]) -> Hardware:
    row = _row(target)
    low, desired, high = _sizes(target)
    return Hardware(
        silicon=row.silicon if row else None,
        hardware=target.get("instance_type"),
        accelerator=row.accelerator if row else None,
        accelerators_per_unit=row.accelerators if row else None,
        accelerator_memory_gib_per_unit=row.accelerator_memory_gib if row else None,
        unit="instance",
        min_size=low,
        desired_size=desired,
        max_size=high,
        location=target.get("region"),
        capacity=capacity_text(target),
    )


def capacity_block_rate(row: Any, region: str) -> float | None:
    """The catalog's Capacity Block price per instance-hour in ``region``, when it holds one."""
    rates = getattr(row, "capacity_block_usd_per_instance_hour", None) or {}
    return rates.get(region)


def price(target: dict[str, Any], fleet: dict[str, Any], *, row: Any = None) -> TargetCost:
    """The cost of an EC2 cluster target; ``row`` overrides the catalog row (tests)."""
    itype, region = target.get("instance_type"), target.get("region")
    row = row if row is not None else _row(target)
    if row is None:
        return TargetCost(unpriced=(f"{itype} is not in the instance catalog (siliconfleet/catalog/data/aws_instances.yaml)",))
    cap = _capacity(target)
    if cap["type"] == "capacity-block":
        return _capacity_block(target, cap, row, region)
    hourly_each = row.price_per_hour(region)
    if hourly_each is None:
        priced = ", ".join(sorted(row.on_demand_usd_per_hour)) or "none"
        return TargetCost(unpriced=(
            f"no on-demand price for {itype} in {region} in the catalog (prices as of {row.price_as_of}; "
            f"regions with a price: {priced})",
        ))
    low, desired, high = _sizes(target)
    the_price = Price(f"{itype} on-demand, {region}", hourly_each, "instance-hour", row.price_as_of, row.price_source)
    basis = (
        f"desired {desired} x {rate(hourly_each)}/h = {rate(hourly_each * desired)}/h; x {HOURS_PER_MONTH} h = "
        f"{money(hourly_each * desired * HOURS_PER_MONTH)}/month",
        f"max {high} x {rate(hourly_each)}/h = {rate(hourly_each * high)}/h; x {HOURS_PER_MONTH} h = "
        f"{money(hourly_each * high * HOURS_PER_MONTH)}/month",
    )
    notes: list[str] = []
    if cap["type"] == "spot":
        share = float(cap.get("spot_fraction") or 1.0)
        notes.append(f"{round(share * 100)}% spot priced at the on-demand list price: an upper bound "
                     "(the catalog holds no spot prices; they change hourly)")
    elif cap["type"] == "reservation":
        notes.append("On-Demand Capacity Reservation: billed at the on-demand rate whether instances run or not; "
                     "the reservation's size is not in the fleet file, so unused reserved capacity is not counted")
    return TargetCost(
        hourly_usd=hourly_each * desired,
        monthly_usd=hourly_each * desired * HOURS_PER_MONTH,
        max_hourly_usd=hourly_each * high,
        max_monthly_usd=hourly_each * high * HOURS_PER_MONTH,
        prices=(the_price,),
        basis=basis,
        notes=tuple(notes),
    )


def _capacity_block(target: dict[str, Any], cap: dict[str, Any], row: Any, region: str) -> TargetCost:
    itype = target.get("instance_type")
    purchase = cap.get("purchase")
    if not purchase:
        return TargetCost(unpriced=(  # bought before: nothing upfront in this fleet
            f"existing Capacity Block {cap.get('reservation_id')}: its upfront fee was paid when it was bought and is "
            "in neither the fleet file nor the catalog",
        ))
    count, hours = int(purchase["instance_count"]), int(purchase["duration_hours"])
    window = f"{count} x {itype} for {number(hours)} h from {purchase.get('start')}"
    if purchase.get("latest_start") and purchase.get("latest_start") != purchase.get("start"):
        window += f" (latest start {purchase['latest_start']})"
    block_rate = capacity_block_rate(row, region)
    if block_rate is None:
        on_demand = row.price_per_hour(region)
        scale = (
            f"; for scale only, the on-demand list price would be {count} x {rate(on_demand)}/h x {number(hours)} h = "
            f"{money(on_demand * count * hours)} (not a quote)" if on_demand is not None else ""
        )
        return TargetCost(
            upfront=True,
            unpriced=(
                f"Capacity Block purchase of {window}: AWS quotes the upfront fee per offering at purchase, and the "
                f"catalog holds no Capacity Block price for {itype} in {region} (as of {row.price_as_of}){scale}",
            ),
        )
    fee = block_rate * count * hours
    # the fee buys the whole window: in full in one month when the window is shorter, else spread over it
    monthly = fee * HOURS_PER_MONTH / max(hours, HOURS_PER_MONTH)
    return TargetCost(
        hourly_usd=block_rate * count,
        monthly_usd=monthly,
        max_hourly_usd=block_rate * count,
        max_monthly_usd=monthly,
        one_time_usd=fee,
        upfront=True,
        prices=(Price(f"{itype} Capacity Block, {region}", block_rate, "instance-hour", row.price_as_of, row.price_source),),
        basis=(
            f"upfront fee {count} x {rate(block_rate)}/h x {number(hours)} h = {money(fee)}, paid once at purchase",
            f"per month: {money(fee)} x {HOURS_PER_MONTH} h / max({number(hours)} h, {HOURS_PER_MONTH} h) = {money(monthly)}",
        ),
        notes=(f"Capacity Block purchase of {window}: cannot be cancelled once bought",),
    )

