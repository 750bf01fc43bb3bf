"""How an EC2 cluster's instances are bought: on demand, spot, an On-Demand Capacity Reservation,
or a Capacity Block for ML (existing or purchased). Which of these a cluster may use is the
catalog's say per instance type (a Capacity Block needs ``capacity_blocks``; a type without an
on-demand price is sold through blocks only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, model_validator
from pydantic_core import PydanticCustomError

from .common import AzId, _Model, _pattern, field_errors

#: Capacity Block sizes and durations AWS sells: AWS EC2 User Guide, "Capacity Blocks for ML"
#: (docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-capacity-blocks.html): 1, 2, 4, 8, 16, 32 or
#: 64 instances; 1-day increments up to 14 days, then 7-day increments up to 182 days; a start
#: up to eight weeks ahead (not checked here: a fleet file must not expire; the offering search
#: at plan time finds nothing for a date AWS does not sell).
CAPACITY_BLOCK_INSTANCE_COUNTS = (1, 2, 4, 8, 16, 32, 64)
CAPACITY_BLOCK_MAX_DAYS = 182
CAPACITY_BLOCK_DAILY_UP_TO_DAYS = 14

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

