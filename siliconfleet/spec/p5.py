"""The ``aws-gpu`` target (``aws-p5`` of earlier versions, still accepted): vLLM on CUDA on AWS GPU
instances, today p5 (H100) and p5e / p5en (H200).

The kind is an EC2 accelerator cluster with every capacity option (``capacity``: on-demand, spot,
a reservation or a Capacity Block; ``efa``): spec/accelerator.py, where what the instance type
allows (EFA, Capacity Blocks, on-demand sales) and what its silicon needs (GPUs for tensor
parallelism, the GPU DLAMI, the vLLM container image) are read from the catalog. Its instance
types are the catalog's types of the kind's silicons (the registry line: h100, h200).

The capacity models and constants (spec/capacity.py) stay importable from here.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .. import catalog, registry
from .accelerator import AcceleratorFields
from .accelerator import efa_fabric_types as _efa_fabric_types
from .aws import kind_instance_types
from .capacity import (
    CAPACITY_BLOCK_DAILY_UP_TO_DAYS,
    CAPACITY_BLOCK_INSTANCE_COUNTS,
    CAPACITY_BLOCK_MAX_DAYS,
    BlockCount,
    Capacity,
    CapacityBlockCapacity,
    CapacityBlockPurchase,
    CapacityReservationId,
    ContainerImage,
    OnDemandCapacity,
    ReservationCapacity,
    ResourceGroupArn,
    SpotCapacity,
    rfc3339_utc,
)

__all__ = [
    "CAPACITY_BLOCK_DAILY_UP_TO_DAYS", "CAPACITY_BLOCK_INSTANCE_COUNTS", "CAPACITY_BLOCK_MAX_DAYS", "DEFAULT_VLLM_IMAGE",
    "BlockCount", "Capacity", "CapacityBlockCapacity", "CapacityBlockPurchase", "CapacityReservationId", "ContainerImage",
    "OnDemandCapacity", "P5Fields", "P5Target", "ReservationCapacity", "ResourceGroupArn", "SpotCapacity",
    "efa_fabric_types", "p5_instance_types", "rfc3339_utc", "GpuFields", "GpuTarget",
]

#: The OpenAI-compatible vLLM server image for CUDA: the catalog's (aws_silicon.yaml, h100).
DEFAULT_VLLM_IMAGE = catalog.aws_silicon("h100").serving_image


class P5Fields(AcceleratorFields):
    kind_name: ClassVar[str | None] = "aws-gpu"

    instance_type: str = Field(
        description="p5.4xlarge (1 H100), p5.48xlarge (8 H100), p5e.48xlarge or p5en.48xlarge (8 H200)."
    )


def p5_instance_types() -> list[str]:
    """Catalog instance types of the kind (H100 and H200)."""
    return kind_instance_types(P5Fields.kind_name)


def efa_fabric_types() -> list[str]:
    """The kind's types with one EFA per network card on several cards: the ones ``efa`` can build."""
    return _efa_fabric_types(P5Fields.kind_name)


#: The names of the kind (its aliases included), from the registry.
P5Kind = registry.kind_literal(P5Fields.kind_name)


class P5Target(P5Fields):
    """A fleet target of kind ``aws-gpu`` (or ``aws-p5``): an auto-scaled vLLM cluster on AWS p5 / p5e / p5en."""

    kind: P5Kind


#: The kind's names since it became ``aws-gpu``.
GpuFields = P5Fields
GpuTarget = P5Target
