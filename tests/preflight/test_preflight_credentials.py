"""Environment problems give one actionable line each, and no API call is made without credentials."""

from __future__ import annotations

import hashlib
import json

import pytest

from siliconfleet.preflight import AwsTargetRequest, Status, aws_clients_for, run_requests
from siliconfleet.preflight.aws_clients import NO_CREDENTIALS

REQ = AwsTargetRequest(target="t", region="us-east-1", instance_type="inf2.xlarge", max_size=1, az_ids=("use1-az1",))


@pytest.fixture
def no_static_keys(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


def sso_profile(tmp_path, monkeypatch) -> None:
    (tmp_path / "aws-config").write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "dev")


def check(options):
    clients = aws_clients_for(options)
    report = run_requests([REQ], aws_clients=clients, options=options)
    assert {r.status for r in report.results} == {Status.UNKNOWN}
    assert report.api_calls == {} and report.attempts == {}
    assert len(report.notes) == 1
    assert all(r.summary == report.notes[0] for r in report.results)
    assert report.exit_code == 3
    return report.notes[0]


@pytest.mark.usefixtures("no_static_keys")
def test_missing_credentials_is_one_line_and_no_call(options):
    assert check(options) == NO_CREDENTIALS
    assert "aws configure sso" in NO_CREDENTIALS


@pytest.mark.usefixtures("no_static_keys")
def test_an_sso_profile_without_a_login_says_to_log_in(options, tmp_path, monkeypatch):
    sso_profile(tmp_path, monkeypatch)
    assert check(options) == "AWS: the SSO session has expired or was never started; run `aws sso login --profile dev` and retry"


@pytest.mark.usefixtures("no_static_keys")
def test_an_expired_sso_session_says_to_log_in_again(options, tmp_path, monkeypatch):
    sso_profile(tmp_path, monkeypatch)
    cache = tmp_path / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    (cache / f"{hashlib.sha1(b'corp').hexdigest()}.json").write_text(json.dumps({
        "startUrl": "https://example.awsapps.com/start", "region": "us-east-1", "accessToken": "expired",
        "expiresAt": "2020-01-01T00:00:00Z",
    }))
    assert check(options) == "AWS: the SSO session has expired or was never started; run `aws sso login --profile dev` and retry"
