"""TPU targets: vLLM on Google Cloud TPU slices of any generation in the catalog (data/tpu.yaml).

The code names no generation: a target's generation is its accelerator type's (each type
belongs to one), else ``generation``, else the catalog's first; zones, topologies, runtime
versions, chips per host and prices are that generation's row.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, model_validator

from .. import registry
from ..catalog import gcp_zone_region, tpu
from .common import (
    ClientCidr,
    CrossChecked,
    Name,
    ServingBase,
    Tags,
    _cidr,
    _Model,
    _pattern,
    choice_error,
    field_errors,
)

Provisioning = Literal["on-demand", "spot", "reserved", "queued"]

#: Chips on one host of the catalog's first generation (v5e); each generation has its own (``chips_per_host``).
CHIPS_PER_HOST = tpu.default_tpu_generation().chips_per_host

GcpProject = Annotated[
    str, _pattern(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", "Google Cloud project id", "'acme-inference-prod'")
]
GcpResourceName = Annotated[
    str, _pattern(r"^(projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/)?[a-z]([-a-z0-9/]*[a-z0-9])?$", "network or subnetwork name", "'prod-vpc'")
]
GcpSecretName = Annotated[
    str,
    _pattern(
        r"^projects/[a-z0-9-]+/secrets/[A-Za-z0-9_-]{1,255}$", "Secret Manager secret name", "'projects/acme-ml/secrets/hf-token'"
    ),
]


def _sources() -> str:
    return "; ".join(dict.fromkeys(g.zones_source for g in tpu.tpu_generations().values()))


def _zone(value: str) -> str:
    zones = tpu.tpu_zones()
    if value not in zones:
        raise choice_error(value, list(zones), f"TPU {tpu.tpu_generations_text()} zone ({_sources()})")
    return value


def _accelerator_type(value: str) -> str:
    types = tpu.tpu_types()
    if value not in types:
        raise choice_error(value, list(types), f"TPU {tpu.tpu_generations_text()} accelerator type")
    return value


def _topology(value: str) -> str:
    known = list(dict.fromkeys(t.topology for t in tpu.tpu_types().values()))
    if value not in known:
        raise choice_error(value, known, f"TPU {tpu.tpu_generations_text()} topology")
    return value


def _generation(value: str) -> str:
    names = tpu.tpu_generation_names()
    if value not in names:
        raise choice_error(value, names, "TPU generation")
    return value


def _runtime_version(value: str) -> str:
    if not re.match(r"^[a-z0-9][a-z0-9.\-]{2,62}$", value):
        raise choice_error(value, list(tpu.tpu_runtime_versions()), "TPU runtime version")
    return value


def _generation_of(data: dict[str, Any]) -> tpu.TpuGeneration | None:
    """The generation a target's data names: its accelerator type's, else ``generation``, else the first."""
    atype, given = data.get("accelerator_type"), data.get("generation")
    if isinstance(atype, str) and atype in tpu.tpu_types():
        return tpu.tpu_type(atype).tpu_generation
    if given is None:
        return tpu.default_tpu_generation()
    return tpu.tpu_generations().get(given) if isinstance(given, str) else None


def _runtime_default(data: Any) -> Any:
    """runtime_version defaults to the generation's first (catalog); written into the data."""
    if isinstance(data, dict) and "runtime_version" not in data and (gen := _generation_of(data)) is not None:
        return {**data, "runtime_version": gen.default_runtime_version}
    return data


class GcpNetwork(_Model):
    """Either an existing network and subnetwork, or a new VPC with one subnetwork (``cidr``)."""

    network: GcpResourceName | None = None
    subnetwork: GcpResourceName | None = None
    cidr: Annotated[str, AfterValidator(_cidr)] | None = Field(None, description="New VPC: the subnetwork's CIDR, /16 to /28.")

    @model_validator(mode="after")
    def _one_kind(self) -> GcpNetwork:
        problems: list[tuple[str, str]] = []
        existing = self.network is not None or self.subnetwork is not None
        if existing and self.cidr is not None:
            problems.append(("cidr", "give either network + subnetwork (existing) or cidr (a new VPC), not both"))
        elif existing and (self.network is None or self.subnetwork is None):
            missing = "subnetwork" if self.subnetwork is None else "network"
            problems.append((missing, f"an existing network needs both network and subnetwork; add {missing}"))
        elif not existing and self.cidr is None:
            problems.append(("cidr", "give either network + subnetwork (an existing VPC) or cidr (a new VPC)"))
        elif self.cidr is not None:
            net = ipaddress.ip_network(self.cidr)
            if net.version != 4 or not 16 <= net.prefixlen <= 28 or not net.is_private:
                problems.append(("cidr", f"{self.cidr!r} must be a private IPv4 block from /16 to /28"))
        if problems:
            raise field_errors(problems)
        return self

    @property
    def is_new(self) -> bool:
        return self.cidr is not None


class TpuServing(ServingBase):
    tensor_parallel_degree: int | None = Field(
        None, ge=1, description="Chips one server spans; default: every chip of a single-host slice, 8 on multi-host ones."
    )
    hf_token_secret: GcpSecretName | None = Field(
        None, description="Secret Manager secret holding a Hugging Face token for gated models; read at boot."
    )


class TpuFields(CrossChecked):
    #: The kind these fields belong to (registry name).
    kind_name: ClassVar[str] = "gcp-tpu"

    name: Name
    project: GcpProject
    zone: Annotated[str, AfterValidator(_zone)]
    accelerator_type: Annotated[str, AfterValidator(_accelerator_type)] | None = Field(
        None, description="An accelerator type of the catalog (v5litepod-1 ... v5litepod-256); or give topology instead (not both)."
    )
    topology: Annotated[str, AfterValidator(_topology)] | None = Field(
        None, description="1x1, 2x2, 2x4, 4x4...; the accelerator type follows from the catalog (of the generation)."
    )
    generation: Annotated[str, AfterValidator(_generation)] | None = Field(
        None, exclude_if=lambda value: value is None,
        description="TPU generation (v5e...); default: the accelerator type's, else the catalog's first. Needed only to "
        "give a topology of another generation.",
    )
    runtime_version: Annotated[str, AfterValidator(_runtime_version)] = Field(
        default_factory=lambda: tpu.default_tpu_generation().default_runtime_version,
        description="TPU VM software version; default: the generation's, from the catalog.",
    )
    count: int = Field(1, ge=1, le=64, description="Number of slices.")
    provisioning: Provisioning = Field("on-demand", description="on-demand, spot, reserved, or queued (a queued resource).")
    network: GcpNetwork
    serving: TpuServing
    allowed_cidrs: list[ClientCidr] = Field(
        default_factory=list, description="Client networks that may reach the serving port; default: the subnetwork's CIDR."
    )
    tags: Tags = Field(default_factory=dict, description="Extra tags, applied as GCP labels.")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _runtime_default(data)

    @model_validator(mode="after")
    def _tpu_checks(self) -> TpuFields:
        problems = self.cross_field_problems()
        if problems:
            raise field_errors(problems)
        return self

    @classmethod
    def partial_problems(cls, data: Any) -> list[tuple[str, str]]:
        return super().partial_problems(_runtime_default(data))

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return [self._shape_problems, self._generation_problems, self._parallel_problems, self._cidr_problems]

    def _shape_problems(self) -> list[tuple[str, str]]:
        if self.accelerator_type is not None and self.topology is not None:
            return [("topology", "give accelerator_type or topology, not both (they are mutually exclusive in the TPU API)")]
        if self.accelerator_type is None and self.topology is None:
            return [("accelerator_type", "is required: give accelerator_type (for example v5litepod-4) or topology (2x2)")]
        return []

    def _generation_problems(self) -> list[tuple[str, str]]:
        """The accelerator type, topology and zone belong to one generation."""
        gen = self.tpu_generation
        problems = []
        if self.accelerator_type is not None and self.generation is not None and self.generation != gen.name:
            problems.append(("generation", f"{self.generation!r} contradicts accelerator_type {self.accelerator_type} "
                                           f"(TPU {gen.name}); remove generation or choose a {self.generation} type"))
        if self.topology is not None and tpu.tpu_type_by_topology(gen.name, self.topology) is None:
            known = ", ".join(t.topology for t in tpu.tpu_types(gen.name).values())
            problems.append(("topology", f"{self.topology!r} is not a topology of {gen.display}; its topologies: {known}"))
        if self.zone not in gen.zones:
            problems.append(("zone", f"{self.zone} does not offer {gen.display} ({gen.zones_source}); zones that do: "
                                     f"{', '.join(gen.zones)}"))
        return problems

    def _parallel_problems(self) -> list[tuple[str, str]]:
        if self.accelerator_type is None and self.topology is None:
            return []  # no shape to check against: _shape_problems reports it
        tp = self.serving.tensor_parallel_degree
        per_host = self.tpu_generation.chips_per_host
        limit = min(self.shape.chips, per_host)
        if tp is not None and tp > limit:
            return [(
                "serving.tensor_parallel_degree",
                f"{tp} exceeds the {limit} chips one server can span on {self.shape.name} "
                f"({'one host' if self.shape.single_host else f'{per_host} chips per host'}); use at most {limit}",
            )]
        return []

    def _cidr_problems(self) -> list[tuple[str, str]]:
        if len(set(self.allowed_cidrs)) != len(self.allowed_cidrs):
            return [("allowed_cidrs", "allowed_cidrs lists a block twice; list each once")]
        return []

    # -----------------------------------------------------------------------------------------

    @property
    def tpu_generation(self) -> tpu.TpuGeneration:
        """The target's generation: its accelerator type's, else ``generation``, else the catalog's first."""
        if self.accelerator_type is not None:
            return tpu.tpu_type(self.accelerator_type).tpu_generation
        return tpu.tpu_generation(self.generation) if self.generation else tpu.default_tpu_generation()

    @property
    def shape(self) -> tpu.TpuAcceleratorType:
        if self.accelerator_type is not None:
            return tpu.tpu_type(self.accelerator_type)
        found = tpu.tpu_type_by_topology(self.tpu_generation.name, self.topology)
        if found is None:
            raise KeyError(self.topology)
        return found

    @property
    def region(self) -> str:
        return gcp_zone_region(self.zone)

    @property
    def effective_tensor_parallel_degree(self) -> int:
        return self.serving.tensor_parallel_degree or min(self.shape.chips, self.tpu_generation.chips_per_host)

    def summary_notes(self) -> list[str]:
        shape = self.shape
        per_host = self.tpu_generation.chips_per_host
        notes = [f"{self.count} x {shape.name} ({shape.topology}, {shape.chips} chips), {self.provisioning}, {self.zone}"]
        if not shape.single_host:
            notes.append(
                f"multi-host slice: {shape.hosts} hosts x {per_host} chips; vLLM serves from worker 0 over its "
                f"{per_host} local chips (the other hosts need a multi-host serving stack)"
            )
        if self.provisioning == "queued":
            notes.append("queued resource: the google-beta schema has no service account, shielded boot or startup script for it; "
                         "run the startup script output after the slice is granted")
        return notes


#: The names of the kind (its aliases included), from the registry.
TpuKind = registry.kind_literal(TpuFields.kind_name)


class TpuTarget(TpuFields):
    """A fleet target of kind ``gcp-tpu`` (or ``gcp-tpu-v5e``, its name in earlier versions): TPU
    slices of any generation in the catalog serving an OpenAI-compatible API."""

    kind: TpuKind


#: The names of earlier versions.
TpuV5eFields = TpuFields
TpuV5eTarget = TpuTarget
