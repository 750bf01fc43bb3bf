"""Google Cloud TPU v5e: chip figures, accelerator types (v5litepod-N) and prices.

Data: ``data/tpu_v5e.yaml``. Prices are per chip-hour; a shape's price is chips x that.
"""

from __future__ import annotations

from functools import cache

from . import _load, _Row, gcp_zone_region


class TpuChip(_Row):
    name: str
    hbm_gb: float
    memory_bandwidth_gb_s: float
    peak_dense_tflops: dict[str, float]
    unverified: tuple[str, ...] = ()


class TpuAcceleratorType(_Row):
    name: str
    chips: int
    topology: str
    hosts: int
    chip: TpuChip
    on_demand_usd_per_chip_hour: dict[str, float]
    price_unverified: bool
    price_as_of: str
    price_source: str
    spec_source: str

    @property
    def single_host(self) -> bool:
        return self.hosts == 1

    def price_per_hour(self, region: str) -> float | None:
        """On-demand $/h of the whole slice in ``region``, or None when unpriced there."""
        per_chip = self.on_demand_usd_per_chip_hour.get(region)
        return None if per_chip is None else per_chip * self.chips


@cache
def tpu_v5e_types() -> dict[str, TpuAcceleratorType]:
    """Every TPU v5e accelerator type, keyed by name (``v5litepod-4``), smallest first."""
    doc = _load("tpu_v5e.yaml")
    chip = TpuChip(**doc["chip"])
    return {
        name: TpuAcceleratorType(
            name=name,
            chip=chip,
            on_demand_usd_per_chip_hour=doc["on_demand_usd_per_chip_hour"],
            price_unverified=doc["price_unverified"],
            price_as_of=doc["as_of"],
            price_source=doc["sources"]["prices"],
            spec_source=doc["sources"]["specs"],
            **row,
        )
        for name, row in doc["accelerator_types"].items()
    }


def tpu_v5e_type(name: str) -> TpuAcceleratorType:
    """The catalog row for ``name``; KeyError if the catalog does not know it."""
    return tpu_v5e_types()[name]


class TpuZone(_Row):
    name: str
    region: str
    unverified: bool = False


@cache
def tpu_v5e_zones() -> dict[str, TpuZone]:
    """Zones known to offer TPU v5e, keyed by name; ``unverified`` marks zones no primary source listed."""
    doc = _load("tpu_v5e.yaml")
    return {name: TpuZone(name=name, region=gcp_zone_region(name), **(row or {})) for name, row in doc["zones"].items()}


def tpu_v5e_zones_source() -> str:
    return _load("tpu_v5e.yaml")["zones_source"]


@cache
def tpu_v5e_runtime_versions() -> tuple[str, ...]:
    """Known TPU VM runtime versions for v5e; the first is the default."""
    return tuple(_load("tpu_v5e.yaml")["runtime_versions"])


def tpu_serving_package() -> str:
    """The pinned pip requirement of the TPU serving stack (vllm-tpu==X)."""
    return _load("tpu_v5e.yaml")["serving_package"]
