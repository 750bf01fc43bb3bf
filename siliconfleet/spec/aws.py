"""Fields every EC2 inference cluster target has, whatever the silicon (inf2, p5...), and the
checks that follow from the catalog: what the instance type's silicon splits tensor parallelism
over (NeuronCores, GPUs), the root volume its machine image needs, which instance types a kind
offers (its registry line's silicons)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from .. import catalog, registry
from .capacity import Capacity, OnDemandCapacity, SpotCapacity
from .common import (
    AwsRegion,
    AzId,
    ClientCidr,
    CrossChecked,
    Name,
    PolicyArn,
    SecretArn,
    SecurityGroupId,
    ServingBase,
    SubnetId,
    Tags,
    VpcId,
    _cidr,
    _Model,
    choice_error,
    field_errors,
)


def effective_desired_size(min_size: int, desired_size: int | None) -> int:
    """The instances an EC2 cluster runs: desired_size when given, else min_size (which may be 0)."""
    return min_size if desired_size is None else desired_size


class AwsNetwork(_Model):
    """Either an existing VPC (`vpc_id` + `subnet_ids`) or a new private VPC (`cidr`)."""

    vpc_id: VpcId | None = None
    subnet_ids: list[SubnetId] | None = Field(None, description="Private subnets, ideally in several AZs.")
    cidr: Annotated[str, AfterValidator(_cidr)] | None = Field(None, description="CIDR of a new VPC, /16 to /22.")
    az_count: int = Field(2, ge=1, le=6, description="New VPC only: AZs to spread private subnets over.")
    availability_zone_ids: list[AzId] | None = Field(
        None,
        description="New VPC only: AZ IDs for the subnets (AZ IDs, unlike names, are the same in every account); "
        "default: the first az_count AZs that offer the instance type, from the catalog.",
    )
    nat_gateways: Literal["single", "per-az"] = Field(
        "single", description="New VPC only: one NAT gateway (cheaper) or one per AZ (survives an AZ outage)."
    )

    @model_validator(mode="before")
    @classmethod
    def _az_count_from_ids(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("availability_zone_ids"), list) and "az_count" not in data:
            return {**data, "az_count": max(1, len(data["availability_zone_ids"]))}
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> AwsNetwork:
        problems: list[tuple[str, str]] = []
        existing = self.vpc_id is not None or self.subnet_ids is not None
        if existing and self.cidr is not None:
            problems.append(("cidr", "give either vpc_id + subnet_ids (an existing VPC) or cidr (a new VPC), not both"))
        elif existing:
            if self.vpc_id is None:
                problems.append(("vpc_id", "subnet_ids need the vpc_id they belong to"))
            if not self.subnet_ids:
                problems.append(("subnet_ids", "an existing VPC needs at least one subnet id in subnet_ids"))
            elif len(set(self.subnet_ids)) != len(self.subnet_ids):
                problems.append(("subnet_ids", "subnet_ids lists a subnet twice; list each once"))
        elif self.cidr is None:
            problems.append(("cidr", "give either vpc_id + subnet_ids (an existing VPC) or cidr (a new VPC)"))
        else:
            net = ipaddress.ip_network(self.cidr)
            if net.version != 4 or not 16 <= net.prefixlen <= 22:
                problems.append(("cidr", f"{self.cidr!r} must be an IPv4 block from /16 to /22 (room for private and public subnets in up to 6 AZs)"))
        if existing and self.availability_zone_ids is not None:
            problems.append(("availability_zone_ids", "availability_zone_ids is for a new VPC; an existing VPC's subnets already have their AZs"))
        elif self.availability_zone_ids is not None and len(self.availability_zone_ids) != self.az_count:
            problems.append(
                ("availability_zone_ids", f"lists {len(self.availability_zone_ids)} AZs but az_count is {self.az_count}; make them agree or drop az_count")
            )
        if problems:
            raise field_errors(problems)
        return self

    @property
    def is_new(self) -> bool:
        return self.cidr is not None


class ServingSpec(ServingBase):
    tensor_parallel_degree: int | None = Field(
        None, ge=1, description="Devices one replica spans; default: every NeuronCore or GPU of the instance."
    )
    hf_token_secret_arn: SecretArn | None = Field(
        None, description="Secrets Manager secret holding a Hugging Face token for gated models; read at boot."
    )


def kind_instance_types(kind_name: str | None) -> list[str]:
    """Instance types of the catalog whose silicon is one of the kind's (its registry line);
    every accelerator type of the catalog when ``kind_name`` is None."""
    silicons = registry.get(kind_name).silicons if kind_name else tuple(catalog.aws_silicons())
    return catalog.aws_instance_type_names(silicons)


class AwsClusterFields(CrossChecked):
    """Fields every EC2 inference cluster has, whatever the silicon.

    A kind's fields set ``kind_name``, its registry name: its ``instance_type`` must be a catalog
    type of the kind's silicons.
    """

    #: The kind these fields belong to (registry name); None: any EC2 accelerator kind.
    kind_name: ClassVar[str | None] = None
    #: Whether the schema has a ``capacity`` field (reservations, Capacity Blocks) and ``efa``.
    capacity_options: ClassVar[bool] = False

    name: Name
    region: AwsRegion
    instance_type: str
    min_size: int = Field(1, ge=0, le=500)
    max_size: int = Field(1, ge=1, le=500)
    desired_size: int | None = Field(None, ge=0, le=500, description="Default: min_size.")
    root_volume_gib: int | None = Field(
        None, ge=8, le=16384, description="gp3, always encrypted; default: the image's recommended size."
    )
    network: AwsNetwork
    serving: ServingSpec
    spot_fraction: float = Field(0.0, ge=0.0, le=1.0, description="Share of instances bought as spot (0 = all on-demand).")
    allowed_cidrs: list[ClientCidr] = Field(
        default_factory=list,
        description="Client networks that may reach the serving port; default: the VPC's own CIDR.",
    )
    allowed_security_group_ids: list[SecurityGroupId] = Field(
        default_factory=list, description="Client security groups that may reach the serving port."
    )
    permissions_boundary_arn: PolicyArn | None = None
    load_balancer_deletion_protection: bool = Field(
        True, description="Protect the load balancer from deletion; set false to let `destroy` remove it."
    )
    tags: Tags = Field(default_factory=dict, description="Extra tags for this target's resources.")

    @field_validator("instance_type")
    @classmethod
    def _kind_instance_type(cls, value: str) -> str:
        names = kind_instance_types(cls.kind_name)
        if value not in names:
            label = registry.get(cls.kind_name).label if cls.kind_name else "EC2 accelerator"
            raise choice_error(value, names, f"{label} instance type")
        return value

    @classmethod
    def partial_problems(cls, data: Any) -> list[tuple[str, str]]:
        """As for every model, with an instance type outside the kind's left out (the field
        validator above reports it; checks that read the type are then skipped)."""
        itype = data.get("instance_type") if isinstance(data, dict) else None
        if isinstance(itype, str) and itype not in kind_instance_types(cls.kind_name):
            data = {k: v for k, v in data.items() if k != "instance_type"}
        return super().partial_problems(data)

    @property
    def effective_desired_size(self) -> int:
        return effective_desired_size(self.min_size, self.desired_size)

    @property
    def instance(self) -> catalog.AwsInstanceType:
        return catalog.aws_instance_type(self.instance_type)

    @property
    def machine_image(self) -> catalog.MachineImage:
        """The machine image of the instance type's silicon (catalog)."""
        return catalog.machine_image(self.instance.silicon)

    @property
    def effective_root_volume_gib(self) -> int:
        """root_volume_gib, or the size the silicon's machine image needs (catalog)."""
        return self.root_volume_gib or self.machine_image.min_root_volume_gib

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return [self._size_problems, self._cidr_problems, self._offering_problems, self._tensor_parallel_problems,
                self._root_volume_problems]

    def summary_notes(self) -> list[str]:
        """Lines a reviewer should see at synth (a Capacity Block's window...); none by default."""
        return []

    # -- what the catalog says about the instance type ------------------------------------------

    @property
    def silicon(self) -> catalog.AwsSilicon:
        """The catalog row of the instance type's silicon: image, bootstrap, parallelism unit."""
        return catalog.aws_silicon(self.instance.silicon)

    @property
    def capacity_plan(self) -> Capacity:
        """How the instances are bought. Kinds without a ``capacity`` field buy on demand, or the
        ``spot_fraction`` share as spot."""
        if self.spot_fraction > 0:
            return SpotCapacity(type="spot", spot_fraction=self.spot_fraction)
        return OnDemandCapacity(type="on-demand")

    @property
    def capacity_availability_zone_id(self) -> str | None:
        """The AZ ID of the reserved capacity when the fleet file gives it."""
        return getattr(self.capacity_plan, "availability_zone_id", None)

    @property
    def effective_efa(self) -> bool:
        """Whether the instances form an EFA fabric (only kinds with ``efa`` can)."""
        return False

    @property
    def effective_vllm_image(self) -> str | None:
        """The vLLM container image the bootstrap runs; None where vLLM comes with the machine image."""
        return None

    @property
    def effective_tensor_parallel_degree(self) -> int:
        """serving.tensor_parallel_degree, or every NeuronCore or GPU of the instance type."""
        return self.serving.tensor_parallel_degree or self.instance.parallel_units

    def _tensor_parallel_problems(self) -> list[tuple[str, str]]:
        inst, tp = self.instance, self.serving.tensor_parallel_degree
        units, unit = inst.parallel_units, inst.parallelism_unit
        if tp is None or tp <= units:
            return []
        bigger = [n for n in kind_instance_types(self.kind_name) if catalog.aws_instance_type(n).parallel_units >= tp]
        fix = (f", or an instance type with more {unit}s ({', '.join(bigger)})" if bigger
               else " (one vLLM replica spans one instance)")
        return [(
            "serving.tensor_parallel_degree",
            f"{tp} exceeds the {units} {unit}{'s' if units != 1 else ''} of {self.instance_type}; use at most {units}{fix}",
        )]

    def _root_volume_problems(self) -> list[tuple[str, str]]:
        image = self.machine_image
        if self.root_volume_gib is None or self.root_volume_gib >= image.min_root_volume_gib:
            return []
        return [(
            "root_volume_gib",
            f"{self.root_volume_gib} GiB is below the {image.min_root_volume_gib} GiB {self.silicon.root_volume_reason}; "
            f"use at least {image.min_root_volume_gib} or leave it out",
        )]

    def _size_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if self.min_size > self.max_size:
            problems.append(("min_size", f"min_size {self.min_size} is larger than max_size {self.max_size}"))
        if self.desired_size is not None and not self.min_size <= self.desired_size <= self.max_size:
            problems.append(
                ("desired_size", f"desired_size {self.desired_size} must lie between min_size {self.min_size} and max_size {self.max_size}")
            )
        return problems

    def _cidr_problems(self) -> list[tuple[str, str]]:
        if len(set(self.allowed_cidrs)) != len(self.allowed_cidrs):
            return [("allowed_cidrs", "allowed_cidrs lists a block twice; list each once")]
        return []

    def _offering_problems(self) -> list[tuple[str, str]]:
        """Where the catalog knows offerings, the type must be offered in the region and chosen AZs."""
        offered = catalog.aws_offered_az_ids(self.region, self.instance_type)
        source = catalog.aws_offerings_source()
        if not offered:
            elsewhere = catalog.aws_regions_offering(self.instance_type)
            return [(
                "region",
                f"{self.instance_type} is not offered in {self.region} ({source}); regions that offer it: "
                f"{', '.join(elsewhere) or 'none known'}",
            )]
        net = self.network
        if not net.is_new:
            return []
        if net.availability_zone_ids is not None:
            bad = [az for az in net.availability_zone_ids if az not in offered]
            if bad:
                return [(
                    "network.availability_zone_ids",
                    f"{', '.join(bad)} {'does' if len(bad) == 1 else 'do'} not offer {self.instance_type} in {self.region}; "
                    f"AZs that do: {', '.join(offered)} ({source})",
                )]
            if len(set(net.availability_zone_ids)) != len(net.availability_zone_ids):
                return [("network.availability_zone_ids", "lists an AZ twice; list each once")]
        elif net.az_count > len(offered):
            return [(
                "network.az_count",
                f"{self.instance_type} is offered in {len(offered)} AZ(s) of {self.region} ({', '.join(offered)}); "
                f"set az_count to at most {len(offered)} ({source})",
            )]
        return []

    @property
    def availability_zone_ids(self) -> list[str]:
        """AZ IDs of a new VPC's subnets: the ones given, or the first az_count offering the type."""
        net = self.network
        return list(net.availability_zone_ids or catalog.aws_offered_az_ids(self.region, self.instance_type)[: net.az_count])
