"""siliconfleet's own checkov checks (policies/checkov), each with passing and failing fixtures."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is installed by `make test` into .venv-checkov")


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], str]:
    proc = subprocess.run(
        [str(CHECKOV), "-d", str(FIXTURES), "--framework", "terraform_json", "--skip-download", "-o", "json",
         "--external-checks-dir", str(ROOT / "policies" / "checkov"), "--check", "CKV_SF_AWS_1,CKV_SF_AWS_2,CKV_SF_GCP_1,CKV_SF_GCP_2"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    report = json.loads(proc.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["parsing_errors"] == 0
    out = {}
    for status in ("passed_checks", "failed_checks"):
        for check in report["results"][status]:
            out[(check["check_id"], check["resource"].split(".")[-1])] = status.split("_")[0]
    return out


@pytest.mark.parametrize(
    "check_id,resource,expected",
    [
        ("CKV_SF_AWS_1", "good", "passed"),
        ("CKV_SF_AWS_1", "unencrypted_public", "failed"),
        ("CKV_SF_AWS_1", "ami_defaults", "failed"),
        ("CKV_SF_AWS_2", "good", "passed"),
        ("CKV_SF_AWS_2", "unencrypted_public", "failed"),
        ("CKV_SF_AWS_2", "ami_defaults", "failed"),
        ("CKV_SF_GCP_1", "good", "passed"),
        ("CKV_SF_GCP_1", "no_secure_boot", "failed"),
        ("CKV_SF_GCP_2", "private", "passed"),
        ("CKV_SF_GCP_2", "default_network", "failed"),
    ],
)
def test_custom_check(results, check_id, resource, expected):
    assert results[(check_id, resource)] == expected
