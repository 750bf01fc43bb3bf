"""Dated, sourced hardware data: instance types, prices, quota codes, machine images.

The data lives in YAML files under ``data/``; this module gives typed, cached accessors.
Nothing here imports the CDK or a cloud SDK.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

Market = Literal["on_demand", "spot"]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AwsInstanceType(_Row):
    name: str
    family: str
    silicon: str
    vcpu: int
    memory_gib: int
    accelerator: str
    accelerators: int
    neuron_cores: int = 0
    gpus: int = 0
    accelerator_memory_gib: float
    memory_bandwidth_gib_s: float
    efa_interfaces: int
    capacity_blocks: bool
    on_demand_usd_per_hour: dict[str, float]
    price_as_of: str
    price_source: str
    peak_dense_tflops: dict[str, float] = {}
    """Peak dense TFLOPS (TOPS for int8) per accelerator chip or GPU, by compute dtype (bf16, fp8, int8)."""
    peak_tflops_source: str = ""
    unverified: tuple[str, ...] = ()
    """Fields whose figures only third-party pages gave (UNVERIFIED in the data file)."""

    def price_per_hour(self, region: str) -> float | None:
        """On-demand $/h in ``region``, or None when the catalog has no price there."""
        return self.on_demand_usd_per_hour.get(region)

    @property
    def parallelism_unit(self) -> str:
        """What tensor parallelism splits over on this type: NeuronCore, GPU (its silicon's row)."""
        return aws_silicon(self.silicon).parallelism_unit

    @property
    def parallel_units(self) -> int:
        """How many of its parallelism unit the type has (NeuronCores or GPUs)."""
        return self.neuron_cores if self.parallelism_unit == "NeuronCore" else self.gpus


class Quota(_Row):
    code: str
    name: str


class FamilyQuotas(_Row):
    on_demand: Quota
    spot: Quota


class MachineImage(_Row):
    name: str
    ssm_parameter: str
    description: str
    min_root_volume_gib: int


class AwsSilicon(_Row):
    """What the instance types of one EC2 silicon share: data/aws_silicon.yaml."""

    name: str
    software: Literal["neuron", "cuda"]
    parallelism_unit: Literal["NeuronCore", "GPU"]
    image: MachineImage
    bootstrap_template: str
    """The user-data template under templates/ that checks the devices and starts vLLM."""
    serving_image: str | None = None
    """The vLLM container image, pinned, for silicon that serves from a container (None: vLLM is in the image)."""
    root_volume_reason: str


def catalog_data(name: str) -> dict:
    """A parsed data file of the catalog (``data/<name>``), cached; callers must not mutate it."""
    return _load(name)


@cache
def _load(name: str) -> dict:
    """A parsed data file (cached: callers must not mutate it)."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def aws_instance_types() -> dict[str, AwsInstanceType]:
    """Every AWS instance type in the catalog, keyed by name, in catalog order."""
    doc = _load("aws_instances.yaml")
    return {
        name: AwsInstanceType(
            name=name, price_as_of=doc["as_of"], price_source=doc["sources"]["prices"], **row
        )
        for name, row in doc["instance_types"].items()
    }


def aws_instance_type(name: str) -> AwsInstanceType:
    """The catalog row for ``name``; KeyError if the catalog does not know it."""
    return aws_instance_types()[name]


def aws_instance_type_names(silicon: str | tuple[str, ...] | None = None) -> list[str]:
    """Instance type names, optionally only those of one silicon (``inferentia2``, ``h100``...) or of several."""
    wanted = (silicon,) if isinstance(silicon, str) else silicon
    return [n for n, t in aws_instance_types().items() if wanted is None or t.silicon in wanted]


@cache
def ec2_quotas() -> dict[str, FamilyQuotas]:
    """EC2 vCPU quotas per family (``inf``, ``p5``...), for on-demand and spot."""
    return {k: FamilyQuotas(**v) for k, v in _load("aws_quotas.yaml")["families"].items()}


def ec2_quota(family: str, market: Market) -> Quota:
    return getattr(ec2_quotas()[family], market)


@cache
def _quota_family_rules() -> tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...]:
    doc = _load("aws_quota_families.yaml")
    return tuple(
        (re.compile(rule["match"]), rule["family"], tuple(rule.get("markets", ("on_demand", "spot"))))
        for rule in doc["rules"]
    )


def ec2_quota_family(instance_type: str, market: Market = "on_demand") -> str | None:
    """The EC2 vCPU quota family (a key of aws_quotas.yaml) ``instance_type`` counts against when
    bought as ``market``: the catalog row's ``family``, else the first rule of
    aws_quota_families.yaml that matches the type's name; None when neither knows it."""
    row = aws_instance_types().get(instance_type)
    if row is not None:
        return row.family
    for pattern, family, markets in _quota_family_rules():
        if pattern.match(instance_type):
            return family if market in markets and family in ec2_quotas() else None
    return None


def ec2_quota_for(instance_type: str, market: Market) -> Quota | None:
    """The vCPU quota ``instance_type`` counts against when bought as ``market``, if known."""
    family = ec2_quota_family(instance_type, market)
    return None if family is None else ec2_quota(family, market)


@cache
def machine_images() -> dict[str, MachineImage]:
    """Every machine image, keyed by image name (data/aws_images.yaml)."""
    return {k: MachineImage(name=k, **v) for k, v in _load("aws_images.yaml")["images"].items()}


@cache
def aws_silicons() -> dict[str, AwsSilicon]:
    """Every EC2 accelerator silicon, keyed by name (``inferentia2``, ``h100``...)."""
    images = machine_images()
    return {
        name: AwsSilicon(name=name, **{**row, "image": images[row["image"]]})
        for name, row in _load("aws_silicon.yaml")["silicon"].items()
    }


def aws_silicon(name: str) -> AwsSilicon:
    """The silicon row for ``name``; KeyError if the catalog does not know it."""
    return aws_silicons()[name]


def machine_image(silicon: str) -> MachineImage:
    """The machine image instances of ``silicon`` boot."""
    return aws_silicon(silicon).image


@cache
def _offerings() -> dict:
    return _load("aws_offerings.yaml")


def aws_offered_az_ids(region: str, instance_type: str) -> list[str]:
    """AZ IDs of ``region`` that offer ``instance_type`` per the catalog snapshot (empty: not offered)."""
    return list(_offerings()["offerings"].get(region, {}).get(instance_type, []))


def aws_regions_offering(instance_type: str) -> list[str]:
    return [r for r, types in _offerings()["offerings"].items() if instance_type in types]


def aws_offerings_source() -> str:
    doc = _offerings()
    return f"{doc['source']}, as of {doc['as_of']}"


def gcp_zone_region(zone: object) -> str | None:
    """The Google Cloud region of a zone: its name without the zone letter (``us-central1-a`` ->
    ``us-central1``, Google's naming); None for anything that is not a zone name."""
    if not isinstance(zone, str) or "-" not in zone:
        return None
    return zone.rsplit("-", 1)[0]


@cache
def aws_regions() -> tuple[str, ...]:
    """AWS commercial regions known to the catalog."""
    return tuple(_load("aws_regions.yaml")["regions"])
