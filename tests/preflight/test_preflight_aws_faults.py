"""The fault matrix: faults injected at botocore's `before-send` (below its retry logic), each with
the exact number of HTTP attempts and the status it leaves. The factory allows 4 attempts per
call; throttling, 5xx and timeouts use them all, auth failures, opt-in and access denied one.

Every answer here comes from the injector (EC2 XML, Service Quotas JSON); the endpoint is a
closed loopback port, so a call nobody answers fails instead of leaving the machine."""

from __future__ import annotations

import pytest

from siliconfleet.preflight import AwsTargetRequest, Status, run_requests

from .fakes import Fault, aws_response, connect_timeout, ec2_error, http_status, json_error, quotas_answer, read_timeout, throttle

INF = "L-1945791B"


def _xml(request, body: str):
    return aws_response(request, 200, f'<?xml version="1.0"?>{body}'.encode(), "text/xml")


def regions_answer(*regions: tuple[str, str]):
    items = "".join(f"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com</regionEndpoint>"
                    f"<optInStatus>{s}</optInStatus></item>" for r, s in regions)
    return lambda req: _xml(req, f"<DescribeRegionsResponse><requestId>x</requestId><regionInfo>{items}</regionInfo></DescribeRegionsResponse>")


def offerings_answer(req):
    items = "".join(f"<item><instanceType>inf2.xlarge</instanceType><locationType>availability-zone-id</locationType>"
                    f"<location>{az}</location></item>" for az in ("use1-az1", "use1-az2", "usw2-az1", "usw2-az2"))
    return _xml(req, f"<DescribeInstanceTypeOfferingsResponse><requestId>x</requestId><instanceTypeOfferingSet>{items}"
                     f"</instanceTypeOfferingSet></DescribeInstanceTypeOfferingsResponse>")


def instances_answer(req):
    return _xml(req, "<DescribeInstancesResponse><requestId>x</requestId><reservationSet/></DescribeInstancesResponse>")


@pytest.fixture
def answered(injector, monkeypatch):
    """Everything a one-target run calls, answered well; tests add faults on top."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    injector.answers.update({
        ("ec2", "DescribeRegions"): regions_answer(("us-east-1", "opt-in-not-required"), ("us-west-2", "opt-in-not-required")),
        ("ec2", "DescribeInstanceTypeOfferings"): offerings_answer,
        ("ec2", "DescribeInstances"): instances_answer,
        ("service-quotas", "ListServiceQuotas"): quotas_answer({INF: 64}),
        ("service-quotas", "GetServiceQuota"): lambda r: json_error(r, 400, "NoSuchResourceException", "not used here"),
    })
    return injector


def request(region: str = "us-east-1") -> AwsTargetRequest:
    az = {"us-east-1": "use1-az1", "us-west-2": "usw2-az1"}[region]
    return AwsTargetRequest(target=f"t-{region}", region=region, instance_type="inf2.xlarge", max_size=2, az_ids=(az,))


def run(clients, options, *reqs):
    return run_requests(list(reqs) or [request()], aws_clients=clients, options=options)


def test_with_no_fault_every_call_takes_one_attempt(answered, clients, options):
    report = run(clients, options)
    assert [r.status for r in report.results] == [Status.OK, Status.OK]
    assert set(answered.attempts.values()) == {1}
    assert report.attempts == report.api_calls  # one HTTP attempt per call


EC2, SQ = "ec2", "service-quotas"
OFFERINGS, INSTANCES, LIST, GET = "DescribeInstanceTypeOfferings", "DescribeInstances", "ListServiceQuotas", "GetServiceQuota"

#: (fault id, service, operations faulted, fault, times, attempts per faulted call, check, status, words in the summary)
MATRIX = [
    ("RequestLimitExceeded", EC2, (OFFERINGS,), throttle("RequestLimitExceeded"), None, 4, "offering", Status.UNKNOWN,
     "still throttled after 4 attempts (RequestLimitExceeded)"),
    ("Throttling", EC2, (INSTANCES,), throttle("Throttling"), None, 4, "quota-on-demand", Status.UNKNOWN,
     "still throttled after 4 attempts (Throttling)"),
    ("ThrottlingException once", SQ, (LIST,), throttle("ThrottlingException", "json"), 1, 2, "quota-on-demand", Status.OK, "quota 64 vCPUs"),
    ("TooManyRequestsException", SQ, (LIST, GET), throttle("TooManyRequestsException", "json"), None, 4, "quota-on-demand",
     Status.UNKNOWN, "ListServiceQuotas also failed"),
    ("HTTP 500", EC2, (INSTANCES,), http_status(500), None, 4, "quota-on-demand", Status.UNKNOWN, "failed after 4 attempts with InternalError (HTTP 500)"),
    ("HTTP 502", EC2, (OFFERINGS,), http_status(502), None, 4, "offering", Status.UNKNOWN, "failed after 4 attempts with Unavailable (HTTP 502)"),
    ("HTTP 503 twice", EC2, (OFFERINGS,), http_status(503), 2, 3, "offering", Status.OK, "is offered in us-east-1"),
    ("HTTP 504", EC2, (INSTANCES,), http_status(504), None, 4, "quota-on-demand", Status.UNKNOWN, "(HTTP 504)"),
    ("HTTP 500 with an HTML page (a proxy, not AWS)", EC2, (OFFERINGS,),
     lambda r: aws_response(r, 500, b"<!doctype html><title>500</title><h1>Internal Server Error</h1>", "text/html"), None, 1,
     "offering", Status.UNKNOWN, "the endpoint's answer is not a valid AWS response (1 attempt)"),
    ("HTTP 503 on quotas", SQ, (LIST, GET), http_status(503, "json"), None, 4, "quota-on-demand", Status.UNKNOWN, "(HTTP 503)"),
    ("read timeout", EC2, (OFFERINGS,), read_timeout(), None, 4, "offering", Status.UNKNOWN, "no answer within the read timeout, 4 attempts"),
    ("read timeout once", EC2, (OFFERINGS,), read_timeout(), 1, 2, "offering", Status.OK, "is offered"),
    ("connect timeout", EC2, (INSTANCES,), connect_timeout(), None, 4, "quota-on-demand", Status.UNKNOWN,
     "could not connect to the endpoint, 4 attempts"),
    ("AuthFailure", EC2, (OFFERINGS,), lambda r: ec2_error(r, 401, "AuthFailure", "not valid"), None, 1, "offering", Status.UNKNOWN,
     "failed after 1 attempt with AuthFailure (HTTP 401): not valid: these credentials are not valid in us-east-1"),
    ("OptInRequired", EC2, (OFFERINGS,), lambda r: ec2_error(r, 401, "OptInRequired", "opt in"), None, 1, "offering", Status.UNKNOWN,
     "failed after 1 attempt with OptInRequired: the region is not enabled for this account"),
    ("UnauthorizedOperation", EC2, (INSTANCES,), lambda r: ec2_error(r, 403, "UnauthorizedOperation", "no"), None, 1, "quota-on-demand",
     Status.UNKNOWN, "was denied after 1 attempt (UnauthorizedOperation)"),
    ("AccessDeniedException", SQ, (LIST, GET), lambda r: json_error(r, 400, "AccessDeniedException", "no"), None, 1, "quota-on-demand",
     Status.UNKNOWN, "service-quotas:GetServiceQuota in us-east-1 was denied after 1 attempt (AccessDeniedException)"),
]


@pytest.mark.parametrize(("fault_id", "service", "operations", "make", "times", "attempts", "check", "status", "words"),
                         MATRIX, ids=[m[0] for m in MATRIX])
def test_fault_matrix(answered, clients, options, fault_id, service, operations, make, times, attempts, check, status, words):
    assert options.max_attempts == 4
    for op in operations:
        answered.faults[(service, op)] = Fault(fault_id, make, times)
    report = run(clients, options)
    for op in operations:
        assert answered.attempts[(service, op, "us-east-1")] == attempts, op
        assert report.attempts[f"{service}:{op}@us-east-1"] == attempts
        assert report.api_calls[f"{service}:{op}@us-east-1"] == 1  # retries are attempts of one call
    result = next(r for r in report.results if r.check == check)
    assert result.status is status, result.summary
    assert words in result.summary
    others = [r for r in report.results if r.check != check]
    assert all(r.status is Status.OK for r in others), [r.summary for r in others]
    assert report.exit_code == (0 if status is Status.OK else 3)


def test_the_matrix_covers_every_fault_kind_the_issue_names():
    ids = " ".join(m[0] for m in MATRIX)
    for kind in ("Throttling", "RequestLimitExceeded", "500", "502", "503", "504", "read timeout", "connect timeout",
                 "AuthFailure", "OptInRequired", "AccessDenied"):
        assert kind in ids
    assert len(MATRIX) >= 10


def test_an_auth_failure_in_one_region_leaves_the_other_region_ok(answered, clients, options):
    for op in (OFFERINGS, INSTANCES, "DescribeRegions"):
        answered.faults[(EC2, op, "us-west-2")] = Fault("AuthFailure", lambda r: ec2_error(r, 401, "AuthFailure", "region"))
    answered.faults[(SQ, LIST, "us-west-2")] = Fault("denied", lambda r: json_error(r, 400, "UnrecognizedClientException", "bad token"))
    report = run(clients, options, request("us-east-1"), request("us-west-2"))
    east = [r for r in report.results if r.target == "t-us-east-1"]
    west = [r for r in report.results if r.target == "t-us-west-2"]
    assert [r.status for r in east] == [Status.OK, Status.OK]
    assert [r.status for r in west] == [Status.UNKNOWN, Status.UNKNOWN]
    assert all("us-west-2" in r.summary for r in west)
    for op in (OFFERINGS, INSTANCES):
        assert answered.attempts[(EC2, op, "us-west-2")] == 1
    assert answered.attempts[(SQ, LIST, "us-west-2")] == 1
    assert answered.attempts[(SQ, GET, "us-west-2")] == 0  # a region failure is not worth the fallback
    assert report.exit_code == 3


def test_describe_regions_failing_is_a_note_and_the_target_regions_are_still_checked(answered, clients, options):
    answered.faults[(EC2, "DescribeRegions")] = Fault("denied", lambda r: ec2_error(r, 403, "UnauthorizedOperation", "no"))
    report = run(clients, options)
    assert [r.status for r in report.results] == [Status.OK, Status.OK]
    assert report.notes == ("region opt-in status unknown (ec2:DescribeRegions in us-east-1 was denied after 1 attempt "
                            "(UnauthorizedOperation)); calling every target region",)


def test_credentials_expiring_mid_run_are_one_note(answered, clients, options):
    answered.faults[(EC2, INSTANCES)] = Fault("expired", lambda r: ec2_error(r, 400, "RequestExpired", "Request has expired."))
    report = run(clients, options)
    quota = next(r for r in report.results if r.check == "quota-on-demand")
    assert quota.status is Status.UNKNOWN
    assert report.notes == ("AWS: the session credentials have expired; refresh them (`aws sso login`, or new STS credentials) and retry",)
    assert answered.attempts[(EC2, INSTANCES, "us-east-1")] == 1
