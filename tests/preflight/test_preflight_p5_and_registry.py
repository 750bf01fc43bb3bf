"""aws-p5 targets: their `capacity` wired to the reserved-capacity, Capacity Block and spot checks,
through the registry keyed by target kind. EC2 offerings, instances and AZs from moto in-process;
what moto does not serve (quotas, reservations, block offerings, spot scores) from the injector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siliconfleet.preflight import TARGET_CHECKS, CapacityRequest, Status, preflight, requests_of
from siliconfleet.spec import validate_fleet

from .conftest import fleet_doc
from .fakes import quotas_answer

pytestmark = pytest.mark.usefixtures("moto", "quotas_fake")

P_OD, P5_SPOT = "L-417A185B", "L-C4BD4855"
SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=14)


def p5(name: str = "h100", **fields) -> dict:
    target = {"kind": "aws-p5", "name": name, "region": "us-east-1", "instance_type": "p5.48xlarge", "max_size": 2,
              "network": {"cidr": "10.50.0.0/16", "az_count": 1}, "serving": {"model": "meta-llama/Llama-3.3-70B-Instruct"}}
    target.update(fields)
    return target


def by_check(report, target="h100"):
    return {r.check: r for r in report.results if r.target == target}


def test_the_registry_covers_every_kind_and_says_so_for_others():
    assert {k: v.cloud for k, v in TARGET_CHECKS.items()} == {
        "aws-inf2": "aws", "aws-gpu": "aws", "gcp-tpu": "gcp", "groq": "groq"}
    assert TARGET_CHECKS["aws-p5"] == TARGET_CHECKS["aws-gpu"] and TARGET_CHECKS["gcp-tpu-v5e"] == TARGET_CHECKS["gcp-tpu"]

    class Odd:
        kind, name = "edge-jetson", "edge"

    class FleetLike:
        targets = [Odd()]

    requests, orphans = requests_of(FleetLike())
    assert requests == []
    assert orphans[0].status is Status.UNKNOWN
    assert orphans[0].summary == "no preflight checks exist for target kind 'edge-jetson' yet"


def test_p5_capacity_maps_to_requests():
    fleet = validate_fleet(fleet_doc(
        p5("odcr", capacity={"type": "reservation", "reservation_id": "cr-0123456789abcdef0", "availability_zone_id": "use1-az4"}),
        p5("block", capacity={"type": "capacity-block", "reservation_id": "cr-0b10c0000000000b1", "instance_count": 2}),
        p5("buy", capacity={"type": "capacity-block", "purchase": {"start": SOON.isoformat(), "duration_hours": 48, "instance_count": 2}}),
        p5("spot", capacity={"type": "spot", "spot_fraction": 0.5}, max_size=4),
    ))
    reqs = {r.target: r for r in requests_of(fleet)[0]}
    assert reqs["odcr"].capacity == CapacityRequest(kind="reservation", instance_count=2, reservation_id="cr-0123456789abcdef0")
    assert reqs["odcr"].az_ids == ("use1-az4",) and reqs["odcr"].counts() == {"on_demand": 2}
    assert reqs["block"].capacity == CapacityRequest(kind="capacity-block", instance_count=2, reservation_id="cr-0b10c0000000000b1")
    assert reqs["block"].counts() == {}  # Capacity Blocks have their own quota, not the vCPU one
    buy = reqs["buy"].capacity
    assert (buy.purchase, buy.duration_hours, buy.instance_count, buy.start) == (True, 48, 2, SOON)
    assert buy.end == SOON + timedelta(hours=48)
    assert reqs["spot"].capacity is None and reqs["spot"].counts() == {"on_demand": 2, "spot": 2}


def test_a_p5_on_an_odcr_checks_offering_quota_and_the_reservation(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({P_OD: 384})
    ends = datetime.now(UTC) + timedelta(days=5)
    injector.parsed[("ec2", "DescribeCapacityReservations")] = lambda params: {"CapacityReservations": [{
        "CapacityReservationId": "cr-0123456789abcdef0", "InstanceType": "p5.48xlarge", "AvailabilityZoneId": "use1-az4",
        "AvailabilityZone": "us-east-1a", "TotalInstanceCount": 2, "AvailableInstanceCount": 2, "State": "active",
        "StartDate": datetime.now(UTC) - timedelta(days=20), "EndDate": ends, "EndDateType": "limited", "ReservationType": "default"}]}
    fleet = validate_fleet(fleet_doc(p5(capacity={"type": "reservation", "reservation_id": "cr-0123456789abcdef0",
                                                  "availability_zone_id": "use1-az4"})))
    report = preflight(fleet, aws_clients=clients, options=options)
    got = by_check(report)
    assert list(got) == ["offering", "quota-on-demand", "capacity"]
    assert got["offering"].status is Status.OK and "AZs use1-az4" in got["offering"].summary
    assert got["quota-on-demand"].status is Status.OK
    assert "Running On-Demand P instances (L-417A185B) in us-east-1: quota 384 vCPUs" in got["quota-on-demand"].summary
    capacity = got["capacity"]
    assert capacity.status is Status.OK
    assert capacity.summary.startswith("capacity reservation cr-0123456789abcdef0: active, 2 x p5.48xlarge in use1-az4")
    assert len(capacity.warnings) == 1 and "(in 5.0 days)" in capacity.warnings[0]
    assert report.api_calls["ec2:DescribeCapacityReservations@us-east-1"] == 1
    assert report.exit_code == 0


def test_a_p5_capacity_block_purchase_lists_offerings_in_the_targets_azs(clients, injector, options):
    def offerings(params):
        assert params["InstanceCount"] == 2 and params["CapacityDurationHours"] == 48
        assert params["StartDateRange"] == SOON and params["EndDateRange"] == SOON + timedelta(hours=48)
        return {"CapacityBlockOfferings": [
            {"CapacityBlockOfferingId": "cbo-0123456789abcdef0", "InstanceType": "p5.48xlarge", "AvailabilityZone": "us-east-1a",
             "InstanceCount": 2, "StartDate": SOON, "EndDate": SOON + timedelta(hours=48), "CapacityBlockDurationHours": 48,
             "UpfrontFee": "5284.80", "CurrencyCode": "USD"}]}

    injector.parsed[("ec2", "DescribeCapacityBlockOfferings")] = offerings
    target = p5(capacity={"type": "capacity-block", "purchase": {"start": SOON.isoformat(), "duration_hours": 48, "instance_count": 2}},
                network={"cidr": "10.50.0.0/16"})  # a block's AZ is AWS's choice: the new VPC spans every AZ offering the type
    report = preflight(validate_fleet(fleet_doc(target)), aws_clients=clients, options=options)
    got = by_check(report)
    assert list(got) == ["offering", "capacity-offerings"]  # no vCPU quota for a Capacity Block
    offer = got["capacity-offerings"]
    assert offer.status is Status.OK, offer.summary
    listed = offer.evidence[0].figures["offerings"]
    assert [(o["offering_id"], o["upfront_fee"], o["az"]) for o in listed] == [("cbo-0123456789abcdef0", "5284.80", "us-east-1a")]
    assert listed[0]["az_id"].startswith("use1-az")  # the AZ name mapped to its ID (DescribeAvailabilityZones, moto)
    assert "cheapest 5284.80 USD upfront" in offer.summary
    assert report.api_calls["ec2:DescribeAvailabilityZones@us-east-1"] == 1


def test_a_p5_spot_target_gets_the_spot_quota_and_score(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({P_OD: 384, P5_SPOT: 192})
    injector.parsed[("ec2", "GetSpotPlacementScores")] = lambda params: {
        "SpotPlacementScores": [{"Region": "us-east-1", "Score": 3 if params["TargetCapacity"] > 1 else 9}]}
    fleet = validate_fleet(fleet_doc(p5(capacity={"type": "spot", "spot_fraction": 0.5}, max_size=4)))
    got = by_check(preflight(fleet, aws_clients=clients, options=options))
    assert got["quota-on-demand"].status is Status.OK
    assert got["quota-spot"].status is Status.INSUFFICIENT
    assert "All P5 Spot Instance Requests (L-C4BD4855) in us-east-1: quota 192 vCPUs, 0 running, headroom 192; needs 384" in got["quota-spot"].summary
    assert got["spot-score"].status is Status.INSUFFICIENT
    assert got["spot-score"].summary == "spot placement score 3/10 for 2 x p5.48xlarge in us-east-1 (needs >= 5)"
