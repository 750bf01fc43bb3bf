"""The ``gcp-tpu-v5e`` target: vLLM on Google Cloud TPU v5e slices."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Literal

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

#: Chips on one TPU v5e host: what one vLLM server spans on a multi-host slice.
CHIPS_PER_HOST = 8

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


def _zone(value: str) -> str:
    zones = tpu.tpu_v5e_zones()
    if value not in zones:
        raise choice_error(value, list(zones), f"TPU v5e zone ({tpu.tpu_v5e_zones_source()})")
    return value


def _accelerator_type(value: str) -> str:
    types = tpu.tpu_v5e_types()
    if value not in types:
        raise choice_error(value, list(types), "TPU v5e accelerator type")
    return value


def _topology(value: str) -> str:
    known = [t.topology for t in tpu.tpu_v5e_types().values()]
    if value not in known:
        raise choice_error(value, known, "TPU v5e topology")
    return value


def _runtime_version(value: str) -> str:
    if not re.match(r"^[a-z0-9][a-z0-9.\-]{2,62}$", value):
        raise choice_error(value, list(tpu.tpu_v5e_runtime_versions()), "TPU runtime version")
    return value


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


class TpuV5eFields(CrossChecked):
    name: Name
    project: GcpProject
    zone: Annotated[str, AfterValidator(_zone)]
    accelerator_type: Annotated[str, AfterValidator(_accelerator_type)] | None = Field(
        None, description="v5litepod-1 ... v5litepod-256; or give topology instead (not both)."
    )
    topology: Annotated[str, AfterValidator(_topology)] | None = Field(
        None, description="1x1, 2x2, 2x4, 4x4...; the accelerator type follows from the catalog."
    )
    runtime_version: Annotated[str, AfterValidator(_runtime_version)] = Field(
        default_factory=lambda: tpu.tpu_v5e_runtime_versions()[0], description="TPU VM software version; default from the catalog."
    )
    count: int = Field(1, ge=1, le=64, description="Number of slices.")
    provisioning: Provisioning = Field("on-demand", description="on-demand, spot, reserved, or queued (a queued resource).")
    network: GcpNetwork
    serving: TpuServing
    allowed_cidrs: list[ClientCidr] = Field(
        default_factory=list, description="Client networks that may reach the serving port; default: the subnetwork's CIDR."
    )
    tags: Tags = Field(default_factory=dict, description="Extra tags, applied as GCP labels.")

    @model_validator(mode="after")
    def _tpu_checks(self) -> TpuV5eFields:
        problems = self.cross_field_problems()
        if problems:
            raise field_errors(problems)
        return self

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return [self._shape_problems, self._parallel_problems, self._cidr_problems]

    def _shape_problems(self) -> list[tuple[str, str]]:
        if self.accelerator_type is not None and self.topology is not None:
            return [("topology", "give accelerator_type or topology, not both (they are mutually exclusive in the TPU API)")]
        if self.accelerator_type is None and self.topology is None:
            return [("accelerator_type", "is required: give accelerator_type (for example v5litepod-4) or topology (2x2)")]
        return []

    def _parallel_problems(self) -> list[tuple[str, str]]:
        if self.accelerator_type is None and self.topology is None:
            return []  # no shape to check against: _shape_problems reports it
        tp = self.serving.tensor_parallel_degree
        limit = min(self.shape.chips, CHIPS_PER_HOST)
        if tp is not None and tp > limit:
            return [(
                "serving.tensor_parallel_degree",
                f"{tp} exceeds the {limit} chips one server can span on {self.shape.name} "
                f"({'one host' if self.shape.single_host else f'{CHIPS_PER_HOST} chips per host'}); use at most {limit}",
            )]
        return []

    def _cidr_problems(self) -> list[tuple[str, str]]:
        if len(set(self.allowed_cidrs)) != len(self.allowed_cidrs):
            return [("allowed_cidrs", "allowed_cidrs lists a block twice; list each once")]
        return []

    # -----------------------------------------------------------------------------------------

    @property
    def shape(self) -> tpu.TpuAcceleratorType:
        if self.accelerator_type is not None:
            return tpu.tpu_v5e_type(self.accelerator_type)
        return next(t for t in tpu.tpu_v5e_types().values() if t.topology == self.topology)

    @property
    def region(self) -> str:
        return gcp_zone_region(self.zone)

    @property
    def effective_tensor_parallel_degree(self) -> int:
        return self.serving.tensor_parallel_degree or min(self.shape.chips, CHIPS_PER_HOST)

    def summary_notes(self) -> list[str]:
        shape = self.shape
        notes = [f"{self.count} x {shape.name} ({shape.topology}, {shape.chips} chips), {self.provisioning}, {self.zone}"]
        if not shape.single_host:
            notes.append(
                f"multi-host slice: {shape.hosts} hosts x {CHIPS_PER_HOST} chips; vLLM serves from worker 0 over its "
                f"{CHIPS_PER_HOST} local chips (the other hosts need a multi-host serving stack)"
            )
        if self.provisioning == "queued":
            notes.append("queued resource: the google-beta schema has no service account, shielded boot or startup script for it; "
                         "run the startup script output after the slice is granted")
        return notes


#: The names of the kind (its aliases included), from the registry.
TpuKind = registry.kind_literal("gcp-tpu-v5e")


class TpuV5eTarget(TpuV5eFields):
    """A fleet target of kind ``gcp-tpu-v5e``: TPU v5e slices serving an OpenAI-compatible API."""

    kind: TpuKind
