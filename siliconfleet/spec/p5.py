"""The ``aws-p5`` target: vLLM on CUDA on AWS p5 (H100) and p5e / p5en (H200) instances.

Besides the fields every EC2 cluster has, a p5 target chooses how its capacity is bought
(``capacity``: on-demand, spot, an existing On-Demand Capacity Reservation, or a Capacity Block
for ML, existing or purchased) and whether the instances form an EFA fabric (``efa``).

``spot_fraction`` keeps its meaning from the shared fields (the share of instances bought as
spot) and always holds the effective share, so that cost review and preflight read one field for
every silicon. On a p5 target it is written under ``capacity: {type: spot, spot_fraction: ...}``;
a top-level ``spot_fraction`` alone is read as that, and any other combination that contradicts
the capacity type is an error.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError, core_schema

from .. import catalog, registry
from .aws import AwsClusterFields
from .common import AzId, _Model, _pattern, choice_error, field_errors

#: Capacity Block sizes and durations AWS sells: AWS EC2 User Guide, "Capacity Blocks for ML"
#: (docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-capacity-blocks.html): 1, 2, 4, 8, 16, 32 or
#: 64 instances; 1-day increments up to 14 days, then 7-day increments up to 182 days; a start
#: up to eight weeks ahead (not checked here: a fleet file must not expire; the offering search
#: at plan time finds nothing for a date AWS does not sell).
CAPACITY_BLOCK_INSTANCE_COUNTS = (1, 2, 4, 8, 16, 32, 64)
CAPACITY_BLOCK_MAX_DAYS = 182
CAPACITY_BLOCK_DAILY_UP_TO_DAYS = 14

#: The OpenAI-compatible vLLM server image for CUDA (Docker Hub, vllm/vllm-openai). The GPU DLAMI
#: ships Docker with the NVIDIA container toolkit; pinning a tag makes each rollout a reviewed diff.
DEFAULT_VLLM_IMAGE = "vllm/vllm-openai:v0.11.0"

CapacityReservationId = Annotated[
    str, _pattern(r"^cr-[0-9a-f]{8}([0-9a-f]{9})?$", "capacity reservation id", "'cr-0123456789abcdef0'")
]
ResourceGroupArn = Annotated[
    str,
    _pattern(
        r"^arn:aws[a-z-]*:resource-groups:[a-z0-9-]+:\d{12}:group/[\w.\-]{1,300}$",
        "capacity reservation resource group ARN",
        "'arn:aws:resource-groups:us-east-1:123456789012:group/p5-reservations'",
    ),
]
ContainerImage = Annotated[
    str,
    _pattern(
        r"^[a-z0-9][a-z0-9._\-/]*[a-z0-9](:(?!latest$)[\w][\w.\-]{0,127}|@sha256:[0-9a-f]{64})$",
        "container image pinned by a version tag (not latest) or a digest",
        "'vllm/vllm-openai:v0.11.0'",
    ),
]


def rfc3339_utc(moment: datetime) -> str:
    """RFC 3339 in UTC, as the EC2 API and Terraform write it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Capacity


class OnDemandCapacity(_Model):
    """On-demand instances (the default)."""

    type: Literal["on-demand"]


class SpotCapacity(_Model):
    """Spot instances, optionally mixed with on-demand ones (never with a reservation)."""

    type: Literal["spot"]
    spot_fraction: float = Field(
        1.0, gt=0.0, le=1.0, description="Share of instances bought as spot, the rest on demand; default: all spot."
    )


class ReservationCapacity(_Model):
    """An existing On-Demand Capacity Reservation (ODCR), or a resource group of them, targeted by
    the launch template: instances launch only into the reservation."""

    type: Literal["reservation"]
    reservation_id: CapacityReservationId | None = Field(None, description="The reservation, 'cr-...'.")
    resource_group_arn: ResourceGroupArn | None = Field(
        None, description="A Capacity Reservation resource group; instances use any matching reservation in it."
    )
    availability_zone_id: AzId | None = Field(
        None,
        description="AZ ID of the reservation, when known: a new VPC then defaults to it, and given AZs must include it.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> ReservationCapacity:
        if (self.reservation_id is None) == (self.resource_group_arn is None):
            given = "both" if self.reservation_id else "neither"
            raise field_errors([(
                "reservation_id",
                f"{given} of reservation_id and resource_group_arn given; give exactly one: the 'cr-...' id of "
                "an On-Demand Capacity Reservation, or the ARN of a Capacity Reservation resource group",
            )])
        return self


def _duration_hours(value: int) -> int:
    days, rest = divmod(value, 24)
    weekly = days > CAPACITY_BLOCK_DAILY_UP_TO_DAYS and days % 7 == 0
    if rest or days < 1 or days > CAPACITY_BLOCK_MAX_DAYS or not (days <= CAPACITY_BLOCK_DAILY_UP_TO_DAYS or weekly):
        raise PydanticCustomError(
            "sf_duration",
            "{received} hours is not a Capacity Block duration; AWS sells whole days from 1 to "
            "{daily} (24-336 hours), then whole weeks up to {max_days} days (504, 672 ... 4368 hours)",
            {"received": value, "daily": CAPACITY_BLOCK_DAILY_UP_TO_DAYS, "max_days": CAPACITY_BLOCK_MAX_DAYS},
        )
    return value


def _block_count(value: int) -> int:
    if value not in CAPACITY_BLOCK_INSTANCE_COUNTS:
        raise PydanticCustomError(
            "sf_block_count",
            "{received} instances is not a Capacity Block size; AWS sells blocks of {allowed} instances",
            {"received": value, "allowed": ", ".join(map(str, CAPACITY_BLOCK_INSTANCE_COUNTS))},
        )
    return value


BlockCount = Annotated[int, AfterValidator(_block_count)]


class CapacityBlockPurchase(_Model):
    """Buy a Capacity Block for ML at apply time: the offering is looked up at plan time and
    bought by ``aws_ec2_capacity_block_reservation``. A purchase cannot be cancelled."""

    start: AwareDatetime = Field(
        description="Earliest start, with a time zone (for example 2026-12-01T11:30:00Z); AWS sells up to 8 weeks ahead."
    )
    latest_start: AwareDatetime | None = Field(
        None, description="Latest acceptable start; default: start (the block must begin exactly then)."
    )
    duration_hours: Annotated[int, AfterValidator(_duration_hours)] = Field(
        description="Length of the block: whole days up to 14 days, then whole weeks up to 182 days."
    )
    instance_count: BlockCount = Field(description="Instances in the block: 1, 2, 4, 8, 16, 32 or 64.")

    @model_validator(mode="after")
    def _window(self) -> CapacityBlockPurchase:
        if self.latest_start is not None and self.latest_start < self.start:
            raise field_errors([(
                "latest_start",
                f"{rfc3339_utc(self.latest_start)} is before start {rfc3339_utc(self.start)}; latest_start must be at or after start",
            )])
        return self

    @property
    def end_date_range(self) -> datetime:
        """The latest end the offering search accepts: latest start plus the duration."""
        return (self.latest_start or self.start) + timedelta(hours=self.duration_hours)

    def describe(self) -> str:
        start = rfc3339_utc(self.start)
        hours = f"{self.duration_hours} h ({self.duration_hours // 24} days)"
        if self.latest_start is None or self.latest_start == self.start:
            return f"starts {start}, ends {rfc3339_utc(self.end_date_range)}, {hours}"
        return f"starts between {start} and {rfc3339_utc(self.latest_start)}, {hours}, ends by {rfc3339_utc(self.end_date_range)}"


class CapacityBlockCapacity(_Model):
    """A Capacity Block for ML: an existing one (``reservation_id``) or a purchase request
    (``purchase``). The launch template uses market type ``capacity-block`` and targets it."""

    type: Literal["capacity-block"]
    reservation_id: CapacityReservationId | None = Field(None, description="An existing Capacity Block, 'cr-...'.")
    purchase: CapacityBlockPurchase | None = Field(None, description="Buy a new block at apply time.")
    instance_count: BlockCount | None = Field(
        None, description="Existing block only: its size, when known; the sizes must equal it (Terraform checks it again at plan)."
    )
    availability_zone_id: AzId | None = Field(
        None, description="Existing block only: its AZ ID, when known; a new VPC then defaults to it."
    )

    @model_validator(mode="after")
    def _one_source(self) -> CapacityBlockCapacity:
        problems: list[tuple[str, str]] = []
        if (self.reservation_id is None) == (self.purchase is None):
            given = "both" if self.reservation_id else "neither"
            problems.append((
                "reservation_id",
                f"{given} of reservation_id and purchase given; give exactly one: reservation_id of a Capacity "
                "Block you already bought, or purchase: {start, duration_hours, instance_count} to buy one",
            ))
        elif self.purchase is not None:
            for key in ("instance_count", "availability_zone_id"):
                if getattr(self, key) is not None:
                    where = "purchase.instance_count" if key == "instance_count" else "AWS's offering"
                    problems.append((key, f"{key} describes an existing block; with a purchase it comes from {where}: remove it"))
        if problems:
            raise field_errors(problems)
        return self

    @property
    def block_instance_count(self) -> int | None:
        return self.purchase.instance_count if self.purchase else self.instance_count


Capacity = Annotated[
    OnDemandCapacity | SpotCapacity | ReservationCapacity | CapacityBlockCapacity, Field(discriminator="type")
]


# ---------------------------------------------------------------------------------------------
# The target


def p5_instance_types() -> list[str]:
    """Catalog instance types of the p5 family (H100 and H200)."""
    return [name for name, row in catalog.aws_instance_types().items() if row.family == "p5"]


def efa_fabric_types() -> list[str]:
    """p5 types with one EFA per network card on several cards: the ones ``efa`` can build."""
    return [name for name in p5_instance_types() if catalog.aws_instance_type(name).efa_interfaces > 1]


def _p5_instance_type(value: str) -> str:
    names = p5_instance_types()
    if value not in names:
        raise choice_error(value, names, "p5 instance type")
    return value


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


class P5Fields(AwsClusterFields):
    instance_type: Annotated[str, AfterValidator(_p5_instance_type)] = Field(
        description="p5.4xlarge (1 H100), p5.48xlarge (8 H100), p5e.48xlarge or p5en.48xlarge (8 H200)."
    )
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
    vllm_image: ContainerImage = Field(
        DEFAULT_VLLM_IMAGE, description="vLLM OpenAI-compatible server image for CUDA, pinned by tag or digest."
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
        return _capacity_defaults(data)

    @model_validator(mode="after")
    def _p5_checks(self) -> P5Fields:
        problems = self.cross_field_problems()
        if problems:
            raise field_errors(problems)
        return self

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return [
            *super().checks(),
            self._tensor_parallel_problems,
            self._root_volume_problems,
            self._efa_problems,
            self._market_problems,
            self._spot_problems,
            self._capacity_block_problems,
            self._reserved_az_problems,
        ]

    @classmethod
    def partial_problems(cls, data: Any) -> list[tuple[str, str]]:
        """As for every cluster, with the sizes and spot share a capacity implies filled in first."""
        return super().partial_problems(_capacity_defaults(data))

    def _tensor_parallel_problems(self) -> list[tuple[str, str]]:
        inst, tp = self.instance, self.serving.tensor_parallel_degree
        if tp is None or tp <= inst.gpus:
            return []
        bigger = [n for n in p5_instance_types() if catalog.aws_instance_type(n).gpus >= tp]
        fix = f", or an instance type with more GPUs ({', '.join(bigger)})" if bigger else " (one vLLM replica spans one instance)"
        return [(
            "serving.tensor_parallel_degree",
            f"{tp} exceeds the {inst.gpus} GPU{'s' if inst.gpus != 1 else ''} of {self.instance_type}; use at most {inst.gpus}{fix}",
        )]

    def _root_volume_problems(self) -> list[tuple[str, str]]:
        image = catalog.machine_image(self.instance.silicon)
        if self.root_volume_gib is None or self.root_volume_gib >= image.min_root_volume_gib:
            return []
        return [(
            "root_volume_gib",
            f"{self.root_volume_gib} GiB is below the {image.min_root_volume_gib} GiB the GPU DLAMI and the vLLM "
            f"image need; use at least {image.min_root_volume_gib} or leave it out",
        )]

    def _efa_problems(self) -> list[tuple[str, str]]:
        inst = self.instance
        if not self.efa or inst.efa_interfaces > 1:
            return []
        return [(
            "efa",
            f"true is not possible on {self.instance_type}: it has one network card ({inst.efa_interfaces} EFA "
            f"interface in the catalog), and efa builds a fabric of one EFA per network card, which only "
            f"{', '.join(efa_fabric_types())} have; remove efa or choose one of those types",
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
            sold = [n for n in p5_instance_types() if catalog.aws_instance_type(n).capacity_blocks]
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
    def capacity_availability_zone_id(self) -> str | None:
        """The AZ ID of the reserved capacity when the fleet file gives it."""
        return getattr(self.capacity, "availability_zone_id", None)

    @property
    def effective_efa(self) -> bool:
        if self.efa is not None:
            return self.efa
        return self.max_size > 1 and self.instance.efa_interfaces > 1

    @property
    def effective_tensor_parallel_degree(self) -> int:
        return self.serving.tensor_parallel_degree or self.instance.gpus

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


#: The names of the kind (its aliases included), from the registry.
P5Kind = registry.kind_literal("aws-p5")


class P5Target(P5Fields):
    """A fleet target of kind ``aws-p5``: an auto-scaled vLLM cluster on AWS p5 / p5e / p5en."""

    kind: P5Kind
