"""Valid aws-p5 targets: the defaults siliconfleet computes and the round trip into construct props."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from siliconfleet import catalog
from siliconfleet.constructs import P5ClusterProps
from siliconfleet.spec import P5Target, validate_fleet
from siliconfleet.spec.models import TARGET_KINDS
from tests.p5.test_p5_malformed import BLOCK, FLEET, PURCHASE, fleet_with


def target(**changes: Any) -> P5Target:
    fleet = validate_fleet(fleet_with(**changes))
    (t,) = fleet.targets
    assert isinstance(t, P5Target)
    return t


def test_aws_p5_is_a_registered_target_kind() -> None:
    assert TARGET_KINDS["aws-p5"] is P5Target


@pytest.mark.parametrize(
    ("instance_type", "max_size", "expected"),
    [("p5.48xlarge", 1, False), ("p5.48xlarge", 2, True), ("p5en.48xlarge", 4, True), ("p5.4xlarge", 4, False)],
)
def test_efa_defaults_on_for_several_48xlarge_instances(instance_type: str, max_size: int, expected: bool) -> None:
    t = target(instance_type=instance_type, max_size=max_size)
    assert t.efa is None and t.effective_efa is expected


def test_efa_can_be_switched_off_on_a_48xlarge() -> None:
    assert target(max_size=4, efa=False).effective_efa is False


def test_capacity_defaults_to_on_demand() -> None:
    t = target()
    assert t.capacity.type == "on-demand" and t.spot_fraction == 0.0


def test_top_level_spot_fraction_means_spot_capacity() -> None:
    t = target(spot_fraction=0.5)
    assert t.capacity.type == "spot" and t.capacity.spot_fraction == 0.5 and t.spot_fraction == 0.5


def test_spot_capacity_fills_the_shared_spot_fraction() -> None:
    assert target(capacity={"type": "spot"}).spot_fraction == 1.0
    assert target(capacity={"type": "spot", "spot_fraction": 0.3}).spot_fraction == 0.3


def test_capacity_block_sizes_default_to_its_instance_count() -> None:
    t = target(capacity={**BLOCK, "purchase": {**PURCHASE, "instance_count": 4}})
    assert (t.min_size, t.max_size, t.effective_desired_size) == (4, 4, 4)
    existing = target(capacity={"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0", "instance_count": 8})
    assert (existing.min_size, existing.max_size) == (8, 8)


def test_purchase_covers_every_az_offering_the_type() -> None:
    t = target(capacity=BLOCK)
    assert t.network.availability_zone_ids == catalog.aws_offered_az_ids("us-east-1", "p5.48xlarge")[:6]
    assert t.availability_zone_ids == t.network.availability_zone_ids


def test_purchase_keeps_an_explicit_az_count() -> None:
    t = target(capacity=BLOCK, network={"cidr": "10.50.0.0/16", "az_count": 3})
    assert t.network.availability_zone_ids is None
    assert t.availability_zone_ids == catalog.aws_offered_az_ids("us-east-1", "p5.48xlarge")[:3]


def test_known_reservation_az_becomes_the_new_vpc_az() -> None:
    cap = {"type": "reservation", "reservation_id": "cr-0123456789abcdef0", "availability_zone_id": "use1-az4"}
    assert target(capacity=cap).availability_zone_ids == ["use1-az4"]
    two = target(capacity=cap, network={"cidr": "10.50.0.0/16", "az_count": 2}).availability_zone_ids
    assert two[0] == "use1-az4" and len(two) == 2 and two[1] != "use1-az4"


def test_p5e_with_a_capacity_block_is_valid() -> None:
    t = target(instance_type="p5e.48xlarge", region="us-east-2", capacity=BLOCK)
    assert t.instance.silicon == "h200" and t.instance.price_per_hour("us-east-2") is None


def test_tensor_parallel_defaults_to_every_gpu() -> None:
    assert target().effective_tensor_parallel_degree == 8
    assert target(instance_type="p5.4xlarge").effective_tensor_parallel_degree == 1


def test_summary_notes_show_the_block_window_and_prices() -> None:
    block = target(capacity={**BLOCK, "purchase": {**PURCHASE, "latest_start": "2026-12-03T11:30:00+00:00"}})
    assert block.summary_notes() == [
        "buys a Capacity Block of 2 x p5.48xlarge: starts between 2026-12-01T11:30:00Z and 2026-12-03T11:30:00Z, "
        "48 h (2 days), ends by 2026-12-05T11:30:00Z",
        "EFA: 32 interfaces per instance",
    ]
    exact = target(capacity=BLOCK).summary_notes()[0]
    assert exact.endswith("starts 2026-12-01T11:30:00Z, ends 2026-12-03T11:30:00Z, 48 h (2 days)")
    on_demand = target(max_size=1).summary_notes()
    assert on_demand == ["up to 1 x p5.48xlarge on demand (on-demand list price $55.04/h each, 2026-11-01)"]


def test_block_start_with_an_offset_is_written_in_utc() -> None:
    t = target(capacity={**BLOCK, "purchase": {**PURCHASE, "start": "2026-12-01T06:30:00-05:00"}})
    assert "starts 2026-12-01T11:30:00Z" in t.summary_notes()[0]


def test_target_round_trips_into_construct_props() -> None:
    doc = copy.deepcopy(FLEET)
    doc["targets"][0].update(capacity=BLOCK, spot_fraction=0.0)
    fleet = validate_fleet(doc)
    (t,) = fleet.targets
    fields = t.model_dump(exclude={"kind", "tags"})
    props = P5ClusterProps(**fields, **fleet.ownership(t))
    assert props.model_dump(exclude={"cost_center", "owner", "environment", "fleet", "tags"}) == fields
    assert props.all_tags["CostCenter"] == "cc-4242"
