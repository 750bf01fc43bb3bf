"""EC2 accelerator clusters with every capacity option: the fields of the ``aws-p5`` kind (H100,
H200), and of any EC2 kind registered without a model of its own (``target_model``).

Besides the fields every EC2 cluster has, such a target chooses how its capacity is bought
(``capacity``: on-demand, spot, an existing On-Demand Capacity Reservation, or a Capacity Block
for ML, existing or purchased) and whether the instances form an EFA fabric (``efa``). What is
possible comes from the catalog row of the instance type, not from the kind: EFA where the type
has several EFA interfaces, Capacity Blocks where AWS sells them, on-demand and spot only where
the type has an on-demand price; the vLLM container image where the silicon serves from one
(``aws_silicon.yaml``: ``serving_image``).

``spot_fraction`` keeps its meaning from the shared fields (the share of instances bought as
spot) and always holds the effective share, so that cost review and preflight read one field for
every silicon. Here it is written under ``capacity: {type: spot, spot_fraction: ...}``; a
top-level ``spot_fraction`` alone is read as that, and any other combination that contradicts
the capacity type is an error.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError, core_schema

from .. import catalog, registry
from .aws import AwsClusterFields, kind_instance_types
from .capacity import CAPACITY_BLOCK_INSTANCE_COUNTS, Capacity, ContainerImage, OnDemandCapacity
from .common import field_errors, kind_fields_model, kind_target_model

_BUILTIN_ERRORS = frozenset(typing.get_args(core_schema.ErrorType))


def _line_error(err: Any) -> Any:
    """An error of ``ValidationError.errors()`` as input for ``ValidationError.from_exception_data``."""
    kind = err["type"]
    if kind not in _BUILTIN_ERRORS:
        kind = PydanticCustomError(kind, err["msg"], err.get("ctx"))
    out = {"type": kind, "loc": err["loc"], "input": err["input"]}
    if err.get("ctx") and isinstance(kind, str):
        out["ctx"] = err["ctx"]
    return out


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if 0.0 < value <= 1.0 else None


def _default_reserved_azs(data: dict, cap: Any) -> None:
    """A new VPC's AZs when the fleet file leaves them out and capacity is reserved in one AZ.

    With the reservation's AZ known: that AZ (first, then others offering the type up to a given
    az_count). A purchased Capacity Block's AZ is AWS's choice, known only at plan: every AZ that
    offers the type (at most 6), so that the block's AZ always has a subnet. Written into the
    data, so the choice shows in the validated model and survives a model_dump round trip.
    """
    net = data.get("network")
    if not isinstance(net, dict) or net.get("cidr") is None or net.get("availability_zone_ids") is not None:
        return
    region, instance_type = data.get("region"), data.get("instance_type")
    if not isinstance(region, str) or not isinstance(instance_type, str):
        return
    offered = catalog.aws_offered_az_ids(region, instance_type)
    az = _get(cap, "availability_zone_id")
    if isinstance(az, str) and az in offered:
        count = net.get("az_count")
        extra = [a for a in offered if a != az][: count - 1] if isinstance(count, int) and count > 1 else []
        data["network"] = {**net, "availability_zone_ids": [az, *extra]}
    elif az is None and _get(cap, "type") == "capacity-block" and "az_count" not in net and offered:
        data["network"] = {**net, "availability_zone_ids": offered[:6]}


def _capacity_defaults(data: Any) -> Any:
    """Sizes default to a Capacity Block's instance count; spot_fraction mirrors capacity; a new
    VPC's AZs follow reserved capacity. Runs before validation (and before partial checks)."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    cap = data.get("capacity")
    kind = _get(cap, "type")
    if cap is None and (share := _fraction(data.get("spot_fraction"))) is not None:
        data["capacity"] = {"type": "spot", "spot_fraction": share}
    elif kind == "spot" and "spot_fraction" not in data:
        given = _get(cap, "spot_fraction")
        share = 1.0 if given is None else _fraction(given)
        if share is not None:
            data["spot_fraction"] = share
    elif kind == "capacity-block":
        count = _get(_get(cap, "purchase"), "instance_count") or _get(cap, "instance_count")
        if count in CAPACITY_BLOCK_INSTANCE_COUNTS:
            data.setdefault("min_size", count)
            data.setdefault("max_size", count)
    if kind in ("reservation", "capacity-block"):
        _default_reserved_azs(data, cap)
    return data


def _serving_image_default(data: Any) -> Any:
    """vllm_image defaults to the catalog's image for the instance type's silicon, where vLLM runs
    from a container; written into the data so that it shows in the validated model."""
    if not isinstance(data, dict) or "vllm_image" in data:
        return data
    row = catalog.aws_instance_types().get(data.get("instance_type")) if isinstance(data.get("instance_type"), str) else None
    silicon = catalog.aws_silicons().get(row.silicon) if row is not None else None
    if silicon is None or silicon.serving_image is None:
        return data
    return {**data, "vllm_image": silicon.serving_image}


def efa_fabric_types(kind_name: str | None = None) -> list[str]:
    """The kind's instance types with one EFA per network card on several cards: the ones ``efa`` can build."""
    return [name for name in kind_instance_types(kind_name) if catalog.aws_instance_type(name).efa_interfaces > 1]


class AcceleratorFields(AwsClusterFields):
    """An EC2 accelerator cluster with reserved capacity and EFA where its instance type has them."""

    capacity_options: ClassVar[bool] = True

    efa: bool | None = Field(
        None,
        description="Attach every EFA interface of the type (one per network card), let the instances talk to each "
        "other on all ports, and hold them in a cluster placement group; default: on when max_size > 1 on a "
        "48xlarge, off otherwise.",
    )
    capacity: Capacity = Field(
        default_factory=lambda: OnDemandCapacity(type="on-demand"),
        description="How instances are bought: on-demand (default), spot, reservation or capacity-block.",
    )
    vllm_image: ContainerImage | None = Field(
        None,
        description="vLLM OpenAI-compatible server image, pinned by tag or digest, for silicon that serves from a "
        "container (CUDA); default: the silicon's image in the catalog. Not used where vLLM comes with the machine "
        "image (Neuron).",
    )

    @field_validator("capacity", mode="wrap")
    @classmethod
    def _no_spot_in_reserved(cls, value: Any, handler: Any) -> Any:
        """Reserved capacity is paid for in advance and never mixes with spot. Reported together
        with any other problem of the capacity block, not instead of it."""
        kind = value.get("type") if isinstance(value, dict) else None
        if kind not in ("reservation", "capacity-block") or "spot_fraction" not in value:
            return handler(value)
        spot = field_errors([(
            "spot_fraction",
            f"{value['spot_fraction']!r} is not allowed with capacity.type {kind!r}: reserved capacity is paid for "
            "in advance and never mixes with spot; remove spot_fraction, or use capacity.type 'spot' without a "
            "reservation",
        )])
        ours = {"type": spot, "loc": (), "input": value}
        try:
            handler({k: v for k, v in value.items() if k != "spot_fraction"})
        except ValidationError as exc:
            raise ValidationError.from_exception_data(exc.title, [ours, *map(_line_error, exc.errors())]) from None
        raise ValidationError.from_exception_data(cls.__name__, [ours])

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_capacity(cls, data: Any) -> Any:
        return _serving_image_default(_capacity_defaults(data))

    @model_validator(mode="after")
    def _accelerator_checks(self) -> AcceleratorFields:
        problems = self.cross_field_problems()
        if problems:
            raise field_errors(problems)
        return self

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return [
            *super().checks(),
            self._serving_image_problems,
            self._efa_problems,
            self._market_problems,
            self._spot_problems,
            self._capacity_block_problems,
            self._reserved_az_problems,
        ]

    @classmethod
    def partial_problems(cls, data: Any) -> list[tuple[str, str]]:
        """As for every cluster, with the sizes and spot share a capacity implies filled in first."""
        return super().partial_problems(_serving_image_default(_capacity_defaults(data)))

    def _serving_image_problems(self) -> list[tuple[str, str]]:
        silicon = self.silicon
        if silicon.serving_image is None and self.vllm_image is not None:
            return [(
                "vllm_image",
                f"{self.vllm_image!r} is not used on {self.instance_type}: vLLM comes with its machine image "
                f"({silicon.image.description}); remove vllm_image",
            )]
        return []

    def _efa_problems(self) -> list[tuple[str, str]]:
        inst = self.instance
        if not self.efa or inst.efa_interfaces > 1:
            return []
        return [(
            "efa",
            f"true is not possible on {self.instance_type}: it has one network card ({inst.efa_interfaces} EFA "
            f"interface in the catalog), and efa builds a fabric of one EFA per network card, which only "
            f"{', '.join(efa_fabric_types(self.kind_name))} have; remove efa or choose one of those types",
        )]

    def _market_problems(self) -> list[tuple[str, str]]:
        cap, inst = self.capacity, self.instance
        if cap.type not in ("on-demand", "spot") or inst.on_demand_usd_per_hour:
            return []
        return [(
            "capacity.type",
            f"{cap.type!r} is not possible for {self.instance_type}: it is not sold on demand or as spot (the "
            f"catalog has no on-demand price; AWS sells it through Capacity Blocks); use capacity.type "
            f"'capacity-block' (or 'reservation' for a reservation you hold)",
        )]

    def _spot_problems(self) -> list[tuple[str, str]]:
        cap = self.capacity
        if "spot_fraction" not in self.model_fields_set:
            return []  # the shared default (0, all on demand) or an invalid value reported already
        if cap.type == "spot":
            if self.spot_fraction == cap.spot_fraction:
                return []
            return [(
                "spot_fraction",
                f"{self.spot_fraction} contradicts capacity.spot_fraction {cap.spot_fraction}; give the spot share "
                "once, under capacity",
            )]
        if self.spot_fraction == 0:
            return []
        fix = (
            "reserved capacity never mixes with spot: remove spot_fraction"
            if cap.type in ("reservation", "capacity-block")
            else "set capacity: {type: spot, spot_fraction: ...} or remove spot_fraction"
        )
        return [("spot_fraction", f"{self.spot_fraction} asks for spot instances, but capacity.type is {cap.type!r}; {fix}")]

    def _capacity_block_problems(self) -> list[tuple[str, str]]:
        cap, problems = self.capacity, []
        if cap.type != "capacity-block":
            return []
        if not self.instance.capacity_blocks:
            sold = [n for n in kind_instance_types(self.kind_name) if catalog.aws_instance_type(n).capacity_blocks]
            problems.append((
                "capacity.type",
                f"'capacity-block' is not possible for {self.instance_type}: AWS sells no Capacity Blocks for it "
                f"(catalog); types with Capacity Blocks: {', '.join(sold) or 'none'}",
            ))
        count = cap.block_instance_count
        if count is None:
            return problems
        source = "capacity.purchase.instance_count" if cap.purchase else "capacity.instance_count"
        for key in ("min_size", "max_size", "desired_size"):
            value = getattr(self, key)
            if key in self.model_fields_set and value is not None and value != count:
                problems.append((
                    key,
                    f"{value} does not match the Capacity Block's {count} instance{'s' if count != 1 else ''} "
                    f"({source}); a block is paid for whole: set min_size and max_size to {count}, or leave the "
                    "sizes out",
                ))
        return problems

    def _reserved_az_problems(self) -> list[tuple[str, str]]:
        az = self.capacity_availability_zone_id
        if az is None:
            return []
        offered = catalog.aws_offered_az_ids(self.region, self.instance_type)
        if offered and az not in offered:
            return [(
                "capacity.availability_zone_id",
                f"{az} does not offer {self.instance_type} in {self.region}; AZs that do: {', '.join(offered)} "
                f"({catalog.aws_offerings_source()}); check the reservation's AZ ID",
            )]
        given = self.network.availability_zone_ids
        if self.network.is_new and given is not None and az not in given:
            return [(
                "network.availability_zone_ids",
                f"{', '.join(given)} do not include {az}, the AZ of the reserved capacity "
                f"(capacity.availability_zone_id); instances launch only there: add it, or drop "
                f"availability_zone_ids to default to it",
            )]
        return []

    # -----------------------------------------------------------------------------------------

    @property
    def capacity_plan(self) -> Capacity:
        return self.capacity

    @property
    def effective_vllm_image(self) -> str | None:
        return self.vllm_image

    @property
    def effective_efa(self) -> bool:
        if self.efa is not None:
            return self.efa
        return self.max_size > 1 and self.instance.efa_interfaces > 1

    def summary_notes(self) -> list[str]:
        """One line per fact a reviewer should see at synth: capacity (with a block's window) and EFA."""
        cap = self.capacity
        n = self.max_size
        if cap.type == "capacity-block":
            if cap.purchase is not None:
                line = f"buys a Capacity Block of {cap.purchase.instance_count} x {self.instance_type}: {cap.purchase.describe()}"
            else:
                line = f"Capacity Block {cap.reservation_id} (window and AZ read from AWS at plan; see the capacity_block_* outputs)"
        elif cap.type == "reservation":
            line = f"launches into reservation {cap.reservation_id or cap.resource_group_arn}"
        elif cap.type == "spot":
            line = f"up to {n} x {self.instance_type}, {round(cap.spot_fraction * 100)}% spot"
        else:
            line = f"up to {n} x {self.instance_type} on demand"
        price = self.instance.price_per_hour(self.region)
        if price is not None and cap.type in ("on-demand", "spot"):
            line += f" (on-demand list price ${price:,.2f}/h each, {self.instance.price_as_of})"
        notes = [line]
        if self.effective_efa:
            notes.append(f"EFA: {self.instance.efa_interfaces} interfaces per instance")
        return notes




# ---------------------------------------------------------------------------------------------
# Models for kinds registered without models of their own


def fields_model(kind: registry.Kind) -> type[AcceleratorFields]:
    """The fields of an EC2 kind with every capacity option, limited to the kind's instance types."""
    return kind_fields_model(AcceleratorFields, kind, f"a {kind.label} cluster")


def target_model(kind: registry.Kind) -> Any:
    """The fleet-file model of an EC2 kind registered without one: its fields and its ``kind``."""
    return kind_target_model(fields_model(kind), kind, f"an auto-scaled vLLM cluster on {kind.label}")
