"""AWS checks against moto in-process (mock_aws), where moto is faithful: instance type offerings,
subnets and their AZ IDs, running instances. Service Quotas, which moto does not serve for EC2,
are answered at `before-send` by a ListServiceQuotas fake."""

from __future__ import annotations

import pytest

from siliconfleet.preflight import AwsTargetRequest, Status, preflight, run_requests
from siliconfleet.spec import validate_fleet

from .conftest import fleet_doc, inf2, run_instances, subnet_in
from .fakes import Fault, quotas_answer

pytestmark = pytest.mark.usefixtures("moto", "quotas_fake")

INF_OD, INF_SPOT = "L-1945791B", "L-B5D1601B"


def by_check(report, target: str | None = None):
    return {(r.target, r.check) if target is None else r.check: r for r in report.results if target in (None, r.target)}


def test_new_vpc_target_is_ok_when_offered_and_quota_has_room(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64})
    fleet = validate_fleet(fleet_doc(inf2(max_size=2)))
    report = preflight(fleet, aws_clients=clients, options=options)
    checks = by_check(report, "llama-8b")
    assert set(checks) == {"offering", "quota-on-demand"}
    assert checks["offering"].status is Status.OK
    quota = checks["quota-on-demand"]
    assert quota.status is Status.OK, quota.summary
    assert "quota 64 vCPUs, 0 running, headroom 64; needs 64" in quota.summary
    assert quota.evidence[0].figures["resolved_by"] == "name"
    assert quota.evidence[0].api == "service-quotas:ListServiceQuotas"
    assert report.exit_code == 0


def test_running_instances_use_up_the_headroom_and_the_fix_names_the_value_needed(clients, injector, options):
    run_instances("inf2.xlarge", 3)  # 3 x 4 vCPUs on the Inf on-demand quota
    run_instances("inf2.xlarge", 1, spot=True)  # spot: counts on the spot quota, not this one
    run_instances("m5.large", 2)  # standard family: another quota
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64})
    fleet = validate_fleet(fleet_doc(inf2(max_size=2)))
    quota = by_check(preflight(fleet, aws_clients=clients, options=options), "llama-8b")["quota-on-demand"]
    assert quota.status is Status.INSUFFICIENT
    assert "quota 64 vCPUs, 12 running, headroom 52; needs 64" in quota.summary
    assert quota.evidence[1].figures["running_instances"] == {"inf2.xlarge": 3}
    assert quota.fix == (
        "aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-1945791B "
        "--desired-value 76 --region us-east-1"
    )


def test_spot_share_is_checked_on_the_spot_quota_and_spot_instances_count_there(clients, injector, options):
    run_instances("inf2.xlarge", 2, spot=True)
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64, INF_SPOT: 64})
    injector.faults[("ec2", "GetSpotPlacementScores")] = Fault("not in moto", lambda r: NotImplementedError("spot scores"))
    fleet = validate_fleet(fleet_doc(inf2(max_size=4, spot_fraction=0.5)))
    checks = by_check(preflight(fleet, aws_clients=clients, options=options), "llama-8b")
    assert checks["quota-on-demand"].status is Status.OK
    assert "needs 64 (2 x inf2.8xlarge at 32 vCPUs: the on-demand share of max_size 4 at spot_fraction 0.5)" in (
        checks["quota-on-demand"].summary
    )
    assert checks["quota-on-demand"].summary.startswith("Running On-Demand Inf instances (L-1945791B)")
    spot = checks["quota-spot"]
    assert spot.status is Status.INSUFFICIENT
    assert "quota 64 vCPUs, 8 running, headroom 56; needs 64" in spot.summary
    assert "--quota-code L-B5D1601B --desired-value 72" in spot.fix
    assert checks["spot-score"].status is Status.UNKNOWN  # moto has no spot scores: unknown, never ok


def test_subnets_in_an_az_without_the_type_are_insufficient(clients, injector, options):
    # moto's snapshot: inf2.8xlarge is offered in use1-az2/4/5/6, not in use1-az1
    vpc, good = subnet_in("use1-az4")
    _, bad = subnet_in("use1-az1", vpc=vpc)
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64})
    target = inf2(network={"vpc_id": vpc, "subnet_ids": [good]})
    ok_report = preflight(validate_fleet(fleet_doc(target)), aws_clients=clients, options=options)
    assert by_check(ok_report, "llama-8b")["offering"].status is Status.OK
    assert "AZs use1-az4" in by_check(ok_report, "llama-8b")["offering"].summary

    target = inf2(network={"vpc_id": "vpc-0a1b2c3d4e5f67890", "subnet_ids": [good, bad]})
    offering = by_check(preflight(validate_fleet(fleet_doc(target)), aws_clients=clients, options=options), "llama-8b")["offering"]
    assert offering.status is Status.INSUFFICIENT
    assert "not in vpc-0a1b2c3d4e5f67890" in offering.summary  # the wrong VPC is caught first

    target = inf2(network={"vpc_id": vpc, "subnet_ids": [good, bad]})
    offering = by_check(preflight(validate_fleet(fleet_doc(target)), aws_clients=clients, options=options), "llama-8b")["offering"]
    assert offering.status is Status.INSUFFICIENT
    assert "inf2.8xlarge is not offered in use1-az1 (the subnets' AZs in us-east-1)" in offering.summary
    assert offering.fix.startswith("use subnets in use1-az2, use1-az4")


def test_unknown_subnets_are_insufficient_not_an_error(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64})
    target = inf2(network={"vpc_id": "vpc-0a1b2c3d4e5f67890", "subnet_ids": ["subnet-0a1b2c3d4e5f67891"]})
    offering = by_check(preflight(validate_fleet(fleet_doc(target)), aws_clients=clients, options=options), "llama-8b")["offering"]
    assert offering.status is Status.INSUFFICIENT
    assert offering.summary == "subnet subnet-0a1b2c3d4e5f67891 not found in us-east-1"


def test_new_vpc_azs_without_the_type_are_insufficient(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64})
    req = AwsTargetRequest(target="t", region="us-east-1", instance_type="inf2.8xlarge", max_size=1, az_ids=("use1-az1", "use1-az4"))
    offering = run_requests([req], aws_clients=clients, options=options).results[0]
    assert offering.status is Status.INSUFFICIENT
    assert "not offered in use1-az1 (the new VPC's AZs in us-east-1)" in offering.summary
    assert offering.fix == "set network.availability_zone_ids to AZs among use1-az2, use1-az4, use1-az5, use1-az6"


def test_a_type_the_region_does_not_offer_is_insufficient(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({"L-417A185B": 1000})
    # moto's snapshot has no p5en.48xlarge in ca-central-1
    req = AwsTargetRequest(target="t", region="ca-central-1", instance_type="p5en.48xlarge", max_size=1, az_ids=("cac1-az1",))
    offering = run_requests([req], aws_clients=clients, options=options).results[0]
    assert offering.status is Status.INSUFFICIENT
    assert offering.summary == "p5en.48xlarge is not offered in any AZ of ca-central-1"
    assert offering.fix.startswith("move the target to a region that offers p5en.48xlarge: ")


def test_targets_sharing_a_region_share_each_call_and_the_quota(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 96})
    fleet = validate_fleet(fleet_doc(
        inf2("east-a", max_size=2), inf2("east-b", instance_type="inf2.xlarge", max_size=4), inf2("west-c", region="us-west-2", max_size=1),
    ))
    report = preflight(fleet, aws_clients=clients, options=options)
    # one call per (API, region), whatever the number of targets
    assert report.api_calls == {
        "ec2:DescribeRegions@us-east-1": 1,
        "ec2:DescribeInstanceTypeOfferings@us-east-1": 1, "ec2:DescribeInstances@us-east-1": 1,
        "service-quotas:ListServiceQuotas@us-east-1": 1,
        "ec2:DescribeInstanceTypeOfferings@us-west-2": 1, "ec2:DescribeInstances@us-west-2": 1,
        "service-quotas:ListServiceQuotas@us-west-2": 1,
    }
    a, b = by_check(report, "east-a")["quota-on-demand"], by_check(report, "east-b")["quota-on-demand"]
    # 2 x 32 + 4 x 4 = 80 vCPUs on one quota of 96: both fit together
    assert a.status is Status.OK and "needs 64 (2 x inf2.8xlarge at 32 vCPUs); 80 with east-b on the same quota" in a.summary
    assert b.status is Status.OK and "80 with east-a on the same quota" in b.summary
    assert [r.target for r in report.results] == ["east-a", "east-a", "east-b", "east-b", "west-c", "west-c"]


def test_together_the_targets_can_exceed_a_quota_each_one_fits(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64})
    fleet = validate_fleet(fleet_doc(inf2("east-a", max_size=1), inf2("east-b", max_size=2)))
    report = preflight(fleet, aws_clients=clients, options=options)
    a = by_check(report, "east-a")["quota-on-demand"]
    assert a.status is Status.INSUFFICIENT
    assert "needs 32 (1 x inf2.8xlarge at 32 vCPUs); 96 with east-b on the same quota" in a.summary
    assert "--desired-value 96 " in a.fix


def test_quota_is_resolved_by_name_even_when_aws_lists_another_code(clients, injector, options):
    # AWS renumbering a quota: the name wins over the catalog code, and the fix uses AWS's code
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer(
        {"L-NEWCODE1": 128, INF_OD: 0}, names={"L-NEWCODE1": "Running On-Demand Inf instances", INF_OD: "Something else"}
    )
    fleet = validate_fleet(fleet_doc(inf2(max_size=8)))
    quota = by_check(preflight(fleet, aws_clients=clients, options=options), "llama-8b")["quota-on-demand"]
    assert quota.status is Status.INSUFFICIENT
    assert quota.summary.startswith("Running On-Demand Inf instances (L-NEWCODE1) in us-east-1: quota 128 vCPUs")
    assert "--quota-code L-NEWCODE1 --desired-value 256" in quota.fix


def test_a_quota_moto_cannot_serve_is_unknown_never_zero(clients, options, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SERVICE_QUOTAS")  # moto's own Service Quotas
    # no fake: moto's ListServiceQuotas is not implemented and GetServiceQuota has no ec2 quotas
    fleet = validate_fleet(fleet_doc(inf2()))
    report = preflight(fleet, aws_clients=clients, options=options)
    quota = by_check(report, "llama-8b")["quota-on-demand"]
    assert quota.status is Status.UNKNOWN
    assert "could not be read" in quota.summary and "NoSuchResourceException" in quota.summary
    assert "quota 0" not in quota.summary
    assert report.api_calls["service-quotas:GetServiceQuota@us-east-1"] == 1  # the fallback by code was tried
    assert report.exit_code == 3


def test_a_region_not_opted_in_is_never_called(clients, injector, options):
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 64})
    # moto lists ap-east-1 as not-opted-in (real AWS would answer OptInRequired)
    req = AwsTargetRequest(target="hk", region="ap-east-1", instance_type="inf2.xlarge", max_size=1, az_ids=("ape1-az1",))
    report = run_requests([req], aws_clients=clients, options=options)
    assert {r.status for r in report.results} == {Status.UNKNOWN}
    assert report.results[0].summary == "ap-east-1 is not enabled for this account (opt-in status not-opted-in)"
    assert report.results[0].fix == "aws account enable-region --region-name ap-east-1"
    assert all("ap-east-1" not in key for key in report.api_calls)


def test_uncatalogued_running_types_get_their_vcpus_from_describe_instance_types(clients, injector, options):
    run_instances("inf1.xlarge", 2)  # not in the catalog: 4 vCPUs each, on the Inf quota
    injector.answers[("service-quotas", "ListServiceQuotas")] = quotas_answer({INF_OD: 100})
    report = preflight(validate_fleet(fleet_doc(inf2(max_size=2))), aws_clients=clients, options=options)
    quota = by_check(report, "llama-8b")["quota-on-demand"]
    assert "8 running" in quota.summary
    assert quota.evidence[1].figures["running_instances"] == {"inf1.xlarge": 2}
    assert report.api_calls["ec2:DescribeInstanceTypes@us-east-1"] == 1
