"""AWS facts moto does not serve faithfully, with botocore's Stubber: EC2 Service Quotas,
capacity reservations and Capacity Blocks, spot placement scores, and listings of three pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from siliconfleet.preflight import AwsCallError, AwsClients, AwsTargetRequest, CapacityRequest, Status, aws, aws_facts
from siliconfleet.preflight.pool import Fetched

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def stubs(monkeypatch):
    """Stubbers on the factory's clients, made on demand; every stubbed response must be used."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # a stub miss fails to connect, never leaves
    made: dict[tuple[str, str], Stubber] = {}
    clients = AwsClients(max_attempts=3)

    def stub(service: str, region: str = "us-east-1") -> Stubber:
        if (service, region) not in made:
            stubber = Stubber(clients.client(service, region))
            stubber.activate()
            made[(service, region)] = stubber
        return made[(service, region)]

    stub.clients = clients  # type: ignore[attr-defined]
    yield stub
    for stubber in made.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def quota(code: str, name: str, value: float) -> dict[str, Any]:
    return {"ServiceCode": "ec2", "QuotaCode": code, "QuotaName": name, "Value": value, "Adjustable": True}


INF = aws_facts.catalog.ec2_quota("inf", "on_demand")
INF_SPOT = aws_facts.catalog.ec2_quota("inf", "spot")
P5 = aws_facts.catalog.ec2_quota("p5", "on_demand")


# ---------------------------------------------------------------------------------------------
# Pagination across three pages


def test_list_service_quotas_is_read_across_three_pages(stubs):
    sq = stubs("service-quotas")
    sq.add_response("list_service_quotas", {"Quotas": [quota("L-1216C47A", "Running On-Demand Standard", 1152)], "NextToken": "p2"},
                    {"ServiceCode": "ec2"})
    sq.add_response("list_service_quotas", {"Quotas": [quota(INF_SPOT.code, INF_SPOT.name, 8)], "NextToken": "p3"},
                    {"ServiceCode": "ec2", "NextToken": "p2"})
    sq.add_response("list_service_quotas", {"Quotas": [quota(INF.code, INF.name, 384)]}, {"ServiceCode": "ec2", "NextToken": "p3"})
    got = aws_facts.fetch_quotas(stubs.clients, "us-east-1", (INF, INF_SPOT))
    assert got.pages == 3
    assert got.value[INF.code].value == 384 and got.value[INF.code].resolved_by == "name"
    assert got.value[INF_SPOT.code].value == 8
    assert stubs.clients.calls["service-quotas:ListServiceQuotas@us-east-1"] == 3


def test_offerings_are_read_across_three_pages_and_keyed_on_az_ids(stubs):
    ec2 = stubs("ec2")
    filters = [{"Name": "instance-type", "Values": ["inf2.xlarge", "p5.48xlarge"]}]
    base = {"LocationType": "availability-zone-id", "Filters": filters}
    ec2.add_response("describe_instance_type_offerings", {"InstanceTypeOfferings": [
        {"InstanceType": "inf2.xlarge", "LocationType": "availability-zone-id", "Location": "use1-az6"}], "NextToken": "t2"}, base)
    ec2.add_response("describe_instance_type_offerings", {"InstanceTypeOfferings": [
        {"InstanceType": "p5.48xlarge", "LocationType": "availability-zone-id", "Location": "use1-az4"}], "NextToken": "t3"},
        {**base, "NextToken": "t2"})
    ec2.add_response("describe_instance_type_offerings", {"InstanceTypeOfferings": [
        {"InstanceType": "inf2.xlarge", "LocationType": "availability-zone-id", "Location": "use1-az1"}]}, {**base, "NextToken": "t3"})
    got = aws_facts.fetch_offerings(stubs.clients, "us-east-1", ("inf2.xlarge", "p5.48xlarge"))
    assert got.pages == 3
    assert got.value == {"inf2.xlarge": ["use1-az1", "use1-az6"], "p5.48xlarge": ["use1-az4"]}


def _instance(itype: str, lifecycle: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"InstanceId": "i-0123456789abcdef0", "InstanceType": itype, "State": {"Name": "running", "Code": 16}}
    if lifecycle:
        row["InstanceLifecycle"] = lifecycle
    return row


def test_running_usage_is_summed_across_three_pages_per_quota_code(stubs):
    ec2 = stubs("ec2")
    states = {"Filters": [{"Name": "instance-state-name", "Values": ["pending", "running"]}]}
    ec2.add_response("describe_instances", {"Reservations": [{"Instances": [_instance("inf2.48xlarge"), _instance("inf2.xlarge", "spot")]}],
                                            "NextToken": "n2"}, states)
    ec2.add_response("describe_instances", {"Reservations": [{"Instances": [_instance("p5.48xlarge", "capacity-block")]}], "NextToken": "n3"},
                     {**states, "NextToken": "n2"})
    ec2.add_response("describe_instances", {"Reservations": [{"Instances": [_instance("trn1.2xlarge"), _instance("inf2.xlarge")]}]},
                     {**states, "NextToken": "n3"})
    got = aws_facts.fetch_usage(stubs.clients, "us-east-1", (INF.code, INF_SPOT.code, P5.code))
    usage: aws_facts.Usage = got.value
    assert got.pages == 3
    assert usage.vcpus == {INF.code: 196, INF_SPOT.code: 4, P5.code: 0}  # capacity-block instances have their own quota
    assert usage.instances[INF.code] == {"inf2.48xlarge": 1, "inf2.xlarge": 1}


def test_quota_falls_back_to_get_service_quota_when_the_listing_is_denied(stubs):
    sq = stubs("service-quotas")
    sq.add_client_error("list_service_quotas", "AccessDeniedException", "not allowed", 400)
    sq.add_response("get_service_quota", {"Quota": quota(INF.code, INF.name, 96)}, {"ServiceCode": "ec2", "QuotaCode": INF.code})
    got = aws_facts.fetch_quotas(stubs.clients, "us-east-1", (INF,))
    assert got.value[INF.code].value == 96 and got.value[INF.code].resolved_by == "GetServiceQuota"
    assert got.api == "service-quotas:GetServiceQuota"


def test_a_quota_neither_call_can_read_is_an_error_with_both_reasons(stubs):
    sq = stubs("service-quotas")
    sq.add_client_error("list_service_quotas", "AccessDeniedException", "list denied", 400)
    sq.add_client_error("get_service_quota", "NoSuchResourceException", "no such quota", 400)
    got = aws_facts.fetch_quotas(stubs.clients, "us-east-1", (INF,))
    err = got.value[INF.code]
    assert isinstance(err, AwsCallError)
    assert "NoSuchResourceException" in err.message and "ListServiceQuotas also failed" in err.message
    req = AwsTargetRequest(target="t", region="us-east-1", instance_type="inf2.xlarge", max_size=1)
    usage = Fetched("ec2:DescribeInstances", "us-east-1", aws_facts.Usage({INF.code: 0}, {}))
    result = aws.check_quota(req, "on_demand", INF, 1, 4, 4, [], usage, got)
    assert result.status is Status.UNKNOWN and "quota 0" not in result.summary


# ---------------------------------------------------------------------------------------------
# Reserved capacity


def reservation(**fields: Any) -> dict[str, Any]:
    row = {
        "CapacityReservationId": "cr-0123456789abcdef0", "InstanceType": "p5.48xlarge", "AvailabilityZone": "us-east-1a",
        "AvailabilityZoneId": "use1-az4", "TotalInstanceCount": 4, "AvailableInstanceCount": 4, "State": "active",
        "StartDate": NOW - timedelta(days=1), "EndDate": NOW + timedelta(days=30), "EndDateType": "limited",
        "InstanceMatchCriteria": "targeted", "ReservationType": "default", "InstancePlatform": "Linux/UNIX",
    }
    row.update(fields)
    return {k: v for k, v in row.items() if v is not None}


def reservations_from_pages(stubs, *pages: list[dict[str, Any]]) -> Fetched:
    ec2 = stubs("ec2")
    for i, rows in enumerate(pages):
        answer: dict[str, Any] = {"CapacityReservations": rows}
        if i + 1 < len(pages):
            answer["NextToken"] = f"r{i + 2}"
        ec2.add_response("describe_capacity_reservations", answer, {"NextToken": f"r{i + 1}"} if i else {})
    return aws_facts.fetch_reservations(stubs.clients, "us-east-1")


def judge(fetched, need: CapacityRequest, az_ids=("use1-az4",), instance_type="p5.48xlarge"):
    return aws.check_reserved_capacity(target="t", region="us-east-1", instance_type=instance_type, az_ids=az_ids,
                                       need=need, reservations=fetched, now=NOW)


def test_an_active_reservation_found_on_the_third_page_is_ok(stubs):
    fetched = reservations_from_pages(stubs, [reservation(CapacityReservationId="cr-00000000000000001", InstanceType="inf2.xlarge")],
                                      [], [reservation()])
    assert fetched.pages == 3
    result = judge(fetched, CapacityRequest(kind="reservation", instance_count=4, reservation_id="cr-0123456789abcdef0"))
    assert result.status is Status.OK, result.summary
    assert result.summary.startswith("capacity reservation cr-0123456789abcdef0: active, 4 x p5.48xlarge in use1-az4")
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("fields", "need", "problem"),
    [
        ({"State": "expired"}, {}, "is expired (needs active or scheduled)"),
        ({"State": "cancelled"}, {}, "is cancelled"),
        ({"AvailabilityZoneId": "use1-az1"}, {}, "is in use1-az1, not in the target's AZs use1-az4"),
        ({"AvailableInstanceCount": 1}, {}, "has 1 usable instance(s), 4 needed"),
        ({"InstanceType": "p5e.48xlarge"}, {}, "is for p5e.48xlarge, not p5.48xlarge"),
        ({"EndDate": NOW + timedelta(days=3)}, {"end": NOW + timedelta(days=10)}, "before the needed end"),
        ({"StartDate": NOW + timedelta(days=5), "State": "scheduled"}, {"start": NOW + timedelta(days=1)}, "after the needed start"),
        ({"EndDate": NOW - timedelta(hours=1)}, {}, "ended 2026-11-26T11:00:00+00:00"),
    ],
)
def test_a_reservation_that_does_not_fit_is_insufficient(stubs, fields, need, problem):
    fetched = reservations_from_pages(stubs, [reservation(**fields)])
    result = judge(fetched, CapacityRequest(kind="reservation", instance_count=4, reservation_id="cr-0123456789abcdef0", **need))
    assert result.status is Status.INSUFFICIENT
    assert problem in result.summary
    assert result.fix.startswith("aws ec2 create-capacity-reservation --instance-type p5.48xlarge --instance-platform Linux/UNIX "
                                 "--availability-zone-id use1-az4 --instance-count 4 --region us-east-1")


def test_a_scheduled_reservation_counts_its_total_and_one_ending_within_7_days_warns(stubs):
    fetched = reservations_from_pages(stubs, [reservation(State="scheduled", AvailableInstanceCount=0, StartDate=NOW + timedelta(days=1),
                                                          EndDate=NOW + timedelta(days=6, hours=12))])
    result = judge(fetched, CapacityRequest(kind="reservation", instance_count=4))
    assert result.status is Status.OK
    assert result.warnings == ("cr-0123456789abcdef0 ends 2026-12-03T00:00:00+00:00 (in 6.5 days): extend it or plan the move",)


def test_an_unlimited_reservation_never_warns(stubs):
    fetched = reservations_from_pages(stubs, [reservation(EndDateType="unlimited", EndDate=None)])
    result = judge(fetched, CapacityRequest(kind="reservation", instance_count=2))
    assert result.status is Status.OK and "to no end date" in result.summary and result.warnings == ()


def test_a_missing_reservation_id_is_insufficient(stubs):
    fetched = reservations_from_pages(stubs, [reservation()])
    result = judge(fetched, CapacityRequest(kind="reservation", instance_count=1, reservation_id="cr-0fffffffffffffff0"))
    assert result.status is Status.INSUFFICIENT
    assert result.summary == "no capacity reservation cr-0fffffffffffffff0 in us-east-1"


def test_capacity_blocks_are_matched_only_against_capacity_blocks(stubs):
    fetched = reservations_from_pages(stubs, [
        reservation(),  # an ODCR of the same type does not count as a block
        reservation(CapacityReservationId="cr-0b10c0000000000b1", ReservationType="capacity-block", State="scheduled",
                    TotalInstanceCount=8, AvailableInstanceCount=0, StartDate=NOW + timedelta(days=2), EndDate=NOW + timedelta(days=16)),
    ])
    result = judge(fetched, CapacityRequest(kind="capacity-block", instance_count=8))
    assert result.status is Status.OK
    assert result.summary.startswith("Capacity Block cr-0b10c0000000000b1: scheduled, 8 x p5.48xlarge in use1-az4")
    none = judge(fetched, CapacityRequest(kind="capacity-block", instance_count=16))
    assert none.status is Status.INSUFFICIENT and "has 8 usable instance(s), 16 needed" in none.summary
    assert none.fix.startswith("find a Capacity Block: aws ec2 describe-capacity-block-offerings --instance-type p5.48xlarge")


def test_a_resource_group_reservation_warns_that_membership_is_not_read(stubs):
    fetched = reservations_from_pages(stubs, [reservation()])
    result = judge(fetched, CapacityRequest(kind="reservation", instance_count=2,
                                            resource_group_arn="arn:aws:resource-groups:us-east-1:123456789012:group/p5"))
    assert result.status is Status.OK
    assert any("membership in arn:aws:resource-groups" in w for w in result.warnings)


def test_reservations_that_could_not_be_read_are_unknown():
    err = AwsCallError(api="ec2:DescribeCapacityReservations", location="us-east-1", kind="access-denied", scope="region",
                       message="ec2:DescribeCapacityReservations in us-east-1 was denied after 1 attempt (UnauthorizedOperation)", attempts=1)
    result = judge(err, CapacityRequest(kind="reservation", instance_count=1))
    assert result.status is Status.UNKNOWN and "was denied" in result.summary


# ---------------------------------------------------------------------------------------------
# Capacity Block offerings (a purchase request)


def offering(oid: str, fee: str, az: str = "us-east-1a", count: int = 2, start_days: int = 3) -> dict[str, Any]:
    return {"CapacityBlockOfferingId": oid, "InstanceType": "p5.48xlarge", "AvailabilityZone": az, "InstanceCount": count,
            "StartDate": NOW + timedelta(days=start_days), "EndDate": NOW + timedelta(days=start_days + 2),
            "CapacityBlockDurationHours": 48, "UpfrontFee": fee, "CurrencyCode": "USD", "Tenancy": "default"}


def test_a_purchase_lists_matching_offerings_cheapest_first_with_the_upfront_fee(stubs):
    need = CapacityRequest(kind="capacity-block", instance_count=2, purchase=True, duration_hours=48,
                           start=NOW + timedelta(days=1), end=NOW + timedelta(days=10))
    ec2 = stubs("ec2")
    params = {"InstanceType": "p5.48xlarge", "InstanceCount": 2, "CapacityDurationHours": 48,
              "StartDateRange": need.start, "EndDateRange": need.end}
    ec2.add_response("describe_capacity_block_offerings", {"CapacityBlockOfferings": [offering("cbo-1", "5284.80")], "NextToken": "o2"}, params)
    ec2.add_response("describe_capacity_block_offerings", {"CapacityBlockOfferings": [offering("cbo-2", "4900.00", az="us-east-1b")],
                                                           "NextToken": "o3"}, {**params, "NextToken": "o2"})
    ec2.add_response("describe_capacity_block_offerings", {"CapacityBlockOfferings": [offering("cbo-3", "4100.00", az="us-east-1c")]},
                     {**params, "NextToken": "o3"})
    ec2.add_response("describe_availability_zones", {"AvailabilityZones": [
        {"ZoneName": "us-east-1a", "ZoneId": "use1-az4"}, {"ZoneName": "us-east-1b", "ZoneId": "use1-az6"},
        {"ZoneName": "us-east-1c", "ZoneId": "use1-az1"}]}, {"AllAvailabilityZones": True})
    fetched = aws_facts.fetch_block_offerings(stubs.clients, "us-east-1", "p5.48xlarge", 2, 48, need.start, need.end)
    zones = aws_facts.fetch_zone_ids(stubs.clients, "us-east-1")
    result = aws.check_block_offerings(target="t", region="us-east-1", instance_type="p5.48xlarge", need=need,
                                       offerings=fetched, zone_ids=zones, az_ids=("use1-az4", "use1-az6"))
    assert result.status is Status.OK
    listed = result.evidence[0].figures["offerings"]
    assert [o["offering_id"] for o in listed] == ["cbo-2", "cbo-1"]  # use1-az1 is not one of the target's AZs
    assert listed[0]["upfront_fee"] == "4900.00" and listed[0]["az_id"] == "use1-az6"
    assert result.summary.startswith("2 Capacity Block offering(s) for 2 x p5.48xlarge, 48 h; cheapest 4900.00 USD upfront in use1-az6")


def test_a_purchase_with_no_offering_is_insufficient(stubs):
    need = CapacityRequest(kind="capacity-block", instance_count=4, purchase=True, duration_hours=24)
    stubs("ec2").add_response("describe_capacity_block_offerings", {"CapacityBlockOfferings": []},
                              {"InstanceType": "p5.48xlarge", "InstanceCount": 4, "CapacityDurationHours": 24})
    fetched = aws_facts.fetch_block_offerings(stubs.clients, "us-east-1", "p5.48xlarge", 4, 24, None, None)
    result = aws.check_block_offerings(target="t", region="us-east-1", instance_type="p5.48xlarge", need=need, offerings=fetched)
    assert result.status is Status.INSUFFICIENT
    assert result.summary == "no Capacity Block offering for 4 x p5.48xlarge for 24 h in us-east-1"


# ---------------------------------------------------------------------------------------------
# Spot placement scores


@pytest.mark.parametrize(("score", "status"), [(9, Status.OK), (5, Status.OK), (4, Status.INSUFFICIENT), (1, Status.INSUFFICIENT)])
def test_spot_placement_score_against_the_threshold(stubs, score, status):
    stubs("ec2").add_response(
        "get_spot_placement_scores", {"SpotPlacementScores": [{"Region": "us-east-1", "Score": score}]},
        {"InstanceTypes": ["inf2.xlarge"], "TargetCapacity": 3, "TargetCapacityUnitType": "units",
         "SingleAvailabilityZone": False, "RegionNames": ["us-east-1"]},
    )
    fetched = aws_facts.fetch_spot_scores(stubs.clients, "us-east-1", "inf2.xlarge", 3)
    req = AwsTargetRequest(target="t", region="us-east-1", instance_type="inf2.xlarge", max_size=3, spot_fraction=1.0)
    result = aws.check_spot_score(req, 3, fetched, min_score=5)
    assert result.status is status
    assert result.summary == f"spot placement score {score}/10 for 3 x inf2.xlarge in us-east-1 (needs >= 5)"


def test_no_spot_score_is_unknown_not_ok(stubs):
    stubs("ec2").add_response("get_spot_placement_scores", {"SpotPlacementScores": []}, {
        "InstanceTypes": ANY, "TargetCapacity": 1, "TargetCapacityUnitType": "units", "SingleAvailabilityZone": False,
        "RegionNames": ["us-east-1"]})
    fetched = aws_facts.fetch_spot_scores(stubs.clients, "us-east-1", "inf2.xlarge", 1)
    req = AwsTargetRequest(target="t", region="us-east-1", instance_type="inf2.xlarge", max_size=1, spot_fraction=1.0)
    assert aws.check_spot_score(req, 1, fetched, min_score=5).status is Status.UNKNOWN


# ---------------------------------------------------------------------------------------------
# Auto Scaling's split of max_size into on-demand and spot


@pytest.mark.parametrize(
    ("max_size", "fraction", "split"),
    [(4, 0.0, (4, 0)), (4, 0.5, (2, 2)), (3, 0.5, (2, 1)), (5, 0.3, (4, 1)), (2, 1.0, (0, 2)), (1, 0.9, (1, 0))],
)
def test_split_counts_round_in_favour_of_on_demand(max_size, fraction, split):
    assert aws_facts.split_counts(max_size, fraction) == split


def test_quota_families_of_uncatalogued_types():
    q = aws_facts.quota_for
    assert q("inf1.xlarge", "on_demand").code == "L-1945791B"
    assert q("trn2.48xlarge", "spot").code == "L-6B0D517C"
    assert q("p4d.24xlarge", "spot").code == "L-7212CCBC"
    assert q("p5e.48xlarge", "spot").code == "L-C4BD4855"
    assert q("p6-b200.48xlarge", "on_demand").code == "L-417A185B"
    assert q("p6-b200.48xlarge", "spot") is None  # its spot quota is not in the catalog: not counted anywhere
    assert q("g6e.xlarge", "on_demand").code == "L-DB2E81BA"
    assert q("m7i.large", "on_demand").code == "L-1216C47A"
    assert q("x2idn.16xlarge", "on_demand") is None
