"""The result model, the report's exit code and renderings, and the client factory's settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from siliconfleet.errors import SiliconfleetError
from siliconfleet.preflight import AwsClients, Evidence, PreflightOptions, Report, Status, aws_clients_for
from siliconfleet.preflight.results import insufficient, ok, unknown

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def report(*statuses: Status) -> Report:
    make = {Status.OK: lambda i: ok(f"t{i}", "aws", "offering", "fine"),
            Status.INSUFFICIENT: lambda i: insufficient(f"t{i}", "aws", "quota-on-demand", "short", "aws service-quotas ..."),
            Status.UNKNOWN: lambda i: unknown(f"t{i}", "aws", "spot-score", "could not run")}
    return Report(fleet="f", results=tuple(make[s](i) for i, s in enumerate(statuses)), api_calls={"ec2:X@us-east-1": 2})


@pytest.mark.parametrize(
    ("statuses", "code"),
    [((Status.OK, Status.OK), 0), ((Status.OK, Status.INSUFFICIENT), 1), ((Status.OK, Status.UNKNOWN), 3),
     ((Status.UNKNOWN, Status.INSUFFICIENT), 1), ((), 0)],
)
def test_exit_codes(statuses, code):
    assert report(*statuses).exit_code == code


def test_table_shows_fixes_and_warnings_only_where_they_apply():
    rep = Report(fleet="f", results=(
        ok("llama", "aws", "capacity", "reservation fits", warnings=("ends in 2.0 days",)),
        insufficient("llama", "aws", "quota-on-demand", "short by 32", "aws service-quotas request-service-quota-increase ..."),
    ))
    lines = rep.render_table().splitlines()
    assert lines[0] == "TARGET  CHECK            STATUS        DETAIL"
    assert lines[1] == "llama   capacity         ok            reservation fits"
    assert lines[2].strip() == "warning: ends in 2.0 days"
    assert lines[4].strip() == "fix: aws service-quotas request-service-quota-increase ..."
    assert lines[-1] == "2 checks: 1 ok, 1 insufficient, 0 unknown; 0 API calls -> exit 1"


def test_json_carries_evidence_with_api_location_figures_and_time():
    rep = Report(fleet="f", results=(ok("t", "aws", "offering", "fine", evidence=[
        Evidence(api="ec2:DescribeInstanceTypeOfferings", location="us-east-1", figures={"offered_az_ids": ["use1-az4"]}, at=AT)]),))
    doc = json.loads(rep.to_json())
    assert doc["exit_code"] == 0 and doc["summary"] == {"ok": 1, "insufficient": 0, "unknown": 0}
    assert doc["results"][0]["evidence"] == [{"api": "ec2:DescribeInstanceTypeOfferings", "location": "us-east-1",
                                              "figures": {"offered_az_ids": ["use1-az4"]}, "at": "2026-11-26T12:00:00Z"}]


def test_results_are_frozen():
    result = ok("t", "aws", "offering", "fine")
    with pytest.raises(ValueError):
        result.status = Status.UNKNOWN  # type: ignore[misc]


def test_the_client_factory_settings():
    made = aws_clients_for(PreflightOptions(concurrency=24, max_attempts=5, connect_timeout=3, read_timeout=11))
    config = made.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 5}
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (3, 11, 24)
    client = made.client("ec2", "eu-west-1")
    assert made.client("ec2", "eu-west-1") is client  # one client per (service, region)
    assert client.meta.config.retries["total_max_attempts"] == 5
    assert client.meta.config.max_pool_connections == 24


def test_bad_options_are_bad_input():
    with pytest.raises(SiliconfleetError, match="concurrency must be at least 1"):
        PreflightOptions(concurrency=0)
    with pytest.raises(SiliconfleetError, match="spot placement score from 1 to 10"):
        PreflightOptions(min_spot_score=11)
    with pytest.raises(ValueError, match="at least 1"):
        AwsClients(max_attempts=0)
