"""Google Cloud TPU generations: chip figures, accelerator types, zones, prices, quotas, runtimes.

Data: ``data/tpu.yaml``, one row per generation (v5e today). The accessors are the same for
every generation (SkyPilot's catalog style: one set of functions, dispatch by name): the
accelerator types of all generations are one map (their names are unique: ``v5litepod-4``...),
and each type knows its generation. Prices are per chip-hour; a shape's price is chips x that.
The ``tpu_v5e_*`` names of earlier versions stay, for the v5e generation.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from . import _load, _Row, gcp_zone_region


class TpuChip(_Row):
    name: str
    hbm_gb: float
    memory_bandwidth_gb_s: float
    peak_dense_tflops: dict[str, float]
    unverified: tuple[str, ...] = ()


class TpuQuotaMode(_Row):
    """The chip quota a provisioning mode draws on, and which existing nodes count against it."""

    quota_ids: tuple[str, ...]
    nodes: str
    gate: str | None = None
    """Without quota IDs: what gates the mode instead (shown as the reason the check cannot run)."""


class TpuQuotas(_Row):
    as_of: str
    source: str
    unverified: bool = False
    service: str
    quota_id_hint: str
    provisioning: dict[str, TpuQuotaMode]


class TpuZone(_Row):
    name: str
    region: str
    unverified: bool = False


class TpuGeneration(_Row):
    name: str
    display: str
    """How reports name it: 'TPU v5e'."""
    silicon: str
    """Its silicon in sizing and review ('tpu-v5e')."""
    as_of: str
    sources: dict[str, str]
    chip: TpuChip
    chips_per_host: int
    accelerator_type_prefix: str
    accelerator_config_type: str
    on_demand_usd_per_chip_hour: dict[str, float]
    price_unverified: bool
    zones_source: str
    zones: dict[str, TpuZone]
    runtime_versions_source: str
    runtime_versions: tuple[str, ...]
    runtime_version_pattern: str
    serving_package: str
    serving_package_source: str
    startup_template: str
    quotas: TpuQuotas

    @property
    def default_runtime_version(self) -> str:
        return self.runtime_versions[0]

    def owns(self, accelerator_type: str | None, config_type: str | None = None) -> bool:
        """Whether a TPU node's accelerator type (or accelerator_config type) is of this generation."""
        if accelerator_type and accelerator_type.startswith(self.accelerator_type_prefix):
            return True
        return bool(config_type) and self.accelerator_config_type in str(config_type)


class TpuAcceleratorType(_Row):
    name: str
    chips: int
    topology: str
    hosts: int
    generation: str
    chip: TpuChip
    on_demand_usd_per_chip_hour: dict[str, float]
    price_unverified: bool
    price_as_of: str
    price_source: str
    spec_source: str

    @property
    def single_host(self) -> bool:
        return self.hosts == 1

    @property
    def tpu_generation(self) -> TpuGeneration:
        return tpu_generation(self.generation)

    def price_per_hour(self, region: str) -> float | None:
        """On-demand $/h of the whole slice in ``region``, or None when unpriced there."""
        per_chip = self.on_demand_usd_per_chip_hour.get(region)
        return None if per_chip is None else per_chip * self.chips


def _generation(name: str, row: dict[str, Any]) -> TpuGeneration:
    zones = {zone: TpuZone(name=zone, region=gcp_zone_region(zone), **(extra or {})) for zone, extra in row["zones"].items()}
    fields = {k: v for k, v in row.items() if k != "accelerator_types"}  # the types are rows of their own
    return TpuGeneration(name=name, **{**fields, "zones": zones})


@cache
def tpu_generations() -> dict[str, TpuGeneration]:
    """Every TPU generation of the catalog, keyed by name (``v5e``), in catalog order."""
    return {name: _generation(name, row) for name, row in _load("tpu.yaml")["generations"].items()}


def tpu_generation(name: str) -> TpuGeneration:
    """The catalog row of generation ``name``; KeyError if the catalog does not know it."""
    return tpu_generations()[name]


def default_tpu_generation() -> TpuGeneration:
    """The generation a target without an accelerator type or a generation means: the catalog's first."""
    return next(iter(tpu_generations().values()))


def tpu_generation_names() -> list[str]:
    return list(tpu_generations())


def tpu_generations_text() -> str:
    """The catalog's generations as messages name them: 'v5e', 'v5e / v6e'."""
    return " / ".join(tpu_generations())


@cache
def _all_types() -> dict[str, TpuAcceleratorType]:
    out: dict[str, TpuAcceleratorType] = {}
    for gen in tpu_generations().values():
        raw = _load("tpu.yaml")["generations"][gen.name]["accelerator_types"]
        for name, row in raw.items():
            out[name] = TpuAcceleratorType(
                name=name, generation=gen.name, chip=gen.chip,
                on_demand_usd_per_chip_hour=gen.on_demand_usd_per_chip_hour, price_unverified=gen.price_unverified,
                price_as_of=gen.as_of, price_source=gen.sources["prices"], spec_source=gen.sources["specs"], **row,
            )
    return out


def tpu_types(generation: str | None = None) -> dict[str, TpuAcceleratorType]:
    """Accelerator types keyed by name, smallest first per generation: every generation's, or one's."""
    types = _all_types()
    return dict(types) if generation is None else {n: t for n, t in types.items() if t.generation == generation}


def tpu_type(name: str) -> TpuAcceleratorType:
    """The catalog row for accelerator type ``name``; KeyError if the catalog does not know it."""
    return _all_types()[name]


def tpu_type_by_topology(generation: str, topology: str) -> TpuAcceleratorType | None:
    """The generation's accelerator type of ``topology`` (2x2...), or None."""
    return next((t for t in tpu_types(generation).values() if t.topology == topology), None)


def tpu_zones(generation: str | None = None) -> dict[str, TpuZone]:
    """Zones known to offer a generation (every generation's when None), keyed by name;
    ``unverified`` marks zones no primary source listed."""
    gens = tpu_generations().values() if generation is None else [tpu_generation(generation)]
    out: dict[str, TpuZone] = {}
    for gen in gens:
        for name, zone in gen.zones.items():
            out.setdefault(name, zone)
    return out


def tpu_runtime_versions(generation: str | None = None) -> tuple[str, ...]:
    """Known TPU VM runtime versions of a generation (the first is its default), or of every one."""
    gens = tpu_generations().values() if generation is None else [tpu_generation(generation)]
    return tuple(dict.fromkeys(v for gen in gens for v in gen.runtime_versions))


def tpu_serving_package(generation: str | None = None) -> str:
    """The pinned pip requirement of a generation's serving stack (vllm-tpu==X); default generation when None."""
    return (tpu_generation(generation) if generation else default_tpu_generation()).serving_package


# ---------------------------------------------------------------------------------------------
# The names of earlier versions, for the v5e generation

V5E = "v5e"


def tpu_v5e_types() -> dict[str, TpuAcceleratorType]:
    """Every TPU v5e accelerator type, keyed by name (``v5litepod-4``), smallest first."""
    return tpu_types(V5E)


def tpu_v5e_type(name: str) -> TpuAcceleratorType:
    """The catalog row for a v5e type; KeyError if the catalog does not know it."""
    return tpu_v5e_types()[name]


def tpu_v5e_zones() -> dict[str, TpuZone]:
    return tpu_zones(V5E)


def tpu_v5e_zones_source() -> str:
    return tpu_generation(V5E).zones_source


def tpu_v5e_runtime_versions() -> tuple[str, ...]:
    return tpu_runtime_versions(V5E)
