"""Google Cloud TPU slices (a TPU kind, any generation): slices x chips x the chip-hour price.

The target names its shape by ``accelerator_type`` (v5litepod-4) or ``topology`` (2x2, of its
``generation``, else the catalog's first); the catalog gives the chips and the generation's
prices. ``count`` slices always run, so the desired and the max size are both
``count``. The price is the catalog's on-demand chip-hour price in the zone's region:

- on-demand and queued (a queued resource is billed on demand from when it is granted): as is;
- spot and reserved: the catalog holds only on-demand prices, so the figure is the on-demand
  list price, an upper bound, and says so.
"""

from __future__ import annotations

from typing import Any

from ...catalog import gcp_zone_region
from ...catalog.tpu import (
    TpuAcceleratorType,
    TpuGeneration,
    default_tpu_generation,
    tpu_generations,
    tpu_type_by_topology,
    tpu_types,
)
from ..fmt import money, rate
from ..model import HOURS_PER_MONTH, Hardware, Price, TargetCost

GIB = 2**30


def generation(target: dict[str, Any]) -> TpuGeneration | None:
    """The generation a target dump names (``generation``, else the catalog's first); None when unknown."""
    given = target.get("generation")
    return default_tpu_generation() if given is None else tpu_generations().get(str(given))


def shape(target: dict[str, Any]) -> TpuAcceleratorType | None:
    if target.get("accelerator_type"):
        return tpu_types().get(str(target["accelerator_type"]))
    gen = generation(target)
    return tpu_type_by_topology(gen.name, str(target.get("topology"))) if gen is not None else None


def region_of(zone: str | None) -> str | None:
    return gcp_zone_region(zone)


def describe(target: dict[str, Any], fleet: dict[str, Any]) -> Hardware:
    found = shape(target)
    gen = found.tpu_generation if found else generation(target)
    count = int(target.get("count") or 1)
    return Hardware(
        silicon=gen.silicon if gen else None,
        hardware=found.name if found else target.get("accelerator_type") or target.get("topology"),
        accelerator=found.chip.name if found else None,
        accelerators_per_unit=found.chips if found else None,
        accelerator_memory_gib_per_unit=found.chips * found.chip.hbm_gb * 1e9 / GIB if found else None,
        unit="slice",
        min_size=count,
        desired_size=count,
        max_size=count,
        location=target.get("zone"),
        capacity=str(target.get("provisioning") or "on-demand"),
    )


def price(target: dict[str, Any], fleet: dict[str, Any]) -> TargetCost:
    found = shape(target)
    if found is None:
        wanted = target.get("accelerator_type") or target.get("topology")
        gen = generation(target)
        what = gen.display if gen else f"TPU {target.get('generation')}"
        return TargetCost(unpriced=(f"{what} shape {wanted!r} is not in the catalog (siliconfleet/catalog/data/tpu.yaml)",))
    display = found.tpu_generation.display
    zone = target.get("zone")
    region = region_of(zone)
    per_chip = found.on_demand_usd_per_chip_hour.get(region) if region else None
    if per_chip is None:
        priced = ", ".join(sorted(found.on_demand_usd_per_chip_hour)) or "none"
        return TargetCost(unpriced=(
            f"no {display} chip-hour price for {region or zone} in the catalog (prices as of {found.price_as_of}; "
            f"regions with a price: {priced})",
        ))
    count = int(target.get("count") or 1)
    hourly = per_chip * found.chips * count
    monthly = hourly * HOURS_PER_MONTH
    provisioning = str(target.get("provisioning") or "on-demand")
    notes: list[str] = []
    if provisioning in ("spot", "reserved"):
        notes.append(f"{provisioning} priced at the on-demand list price: an upper bound (the catalog holds only "
                     "on-demand TPU prices)")
    elif provisioning == "queued":
        notes.append("queued resource: billed at the on-demand rate from when the slice is granted")
    if found.price_unverified:
        notes.append(f"the {display} chip-hour price is UNVERIFIED against Google's official table (catalog)")
    return TargetCost(
        hourly_usd=hourly,
        monthly_usd=monthly,
        max_hourly_usd=hourly,
        max_monthly_usd=monthly,
        prices=(Price(f"{display} on-demand, {region}", per_chip, "chip-hour", found.price_as_of, found.price_source,
                      unverified=found.price_unverified),),
        basis=(
            f"{count} slice{'s' if count != 1 else ''} x {found.chips} chips ({found.name}) x {rate(per_chip)}/chip-hour = "
            f"{rate(hourly)}/h; x {HOURS_PER_MONTH} h = {money(monthly)}/month (desired = max: slices always run)",
        ),
        notes=tuple(notes),
    )

