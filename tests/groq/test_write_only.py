"""Write-only mode through the whole app: CDK's own validation (write-only arguments need Terraform
>= 1.11) and checkov over the result, with the key in the environment while synthesizing."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
import yaml

from siliconfleet import app, engine
from siliconfleet.constructs import GroqEndpoint, GroqEndpointProps
from tests.conftest import ROOT

from .conftest import CANARY, EXAMPLE

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="module")
def write_only_synth(tmp_path_factory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("write-only")
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["targets"] = [t for t in doc["targets"] if t["kind"] == "groq"]
    for target in doc["targets"]:
        target["secret_store"]["write_only"] = True
    doc["routing"]["order"] = [t["name"] for t in doc["targets"]]
    (work / "fleet.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    mp = pytest.MonkeyPatch()
    mp.setenv("TF_VAR_groq_llama_70b_groq_api_key", CANARY)
    mp.setenv("TF_VAR_groq_llama_8b_groq_api_key", CANARY)
    try:
        result = app.synth(work / "fleet.yaml", work / "out")
    finally:
        mp.undo()
    return {"out": work / "out", "stacks": {s.name: json.loads((work / "out" / s.path).read_text()) for s in result.stacks}}


def test_full_app_synth_passes_cdk_validation_with_write_only_arguments(write_only_synth):
    aws = write_only_synth["stacks"]["assistant-aws-us-east-1"]
    gcp = write_only_synth["stacks"]["assistant-gcp-acme-inference-prod"]
    assert aws["variable"]["groq_llama_70b_groq_api_key"]["ephemeral"] is True
    assert gcp["variable"]["groq_llama_8b_groq_api_key"]["ephemeral"] is True
    (version,) = aws["resource"]["aws_secretsmanager_secret_version"].values()
    assert version["secret_string_wo"] == "${var.groq_llama_70b_groq_api_key}"
    # no required_version in the JSON: checkov cannot parse a stack that sets one (checkov #7454)
    assert "required_version" not in aws["terraform"]


def test_the_variable_value_is_never_synthesized(write_only_synth):
    for path in write_only_synth["out"].rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_a_project_that_declares_older_terraform_is_told_so(tmp_path):
    props = GroqEndpointProps(
        name="groq-wo", model="llama-3.1-8b-instant", secret_store={"type": "aws-secrets-manager", "region": "us-east-1", "write_only": True},
        rate_limits={"requests_per_minute": 1, "tokens_per_minute": 1}, cost_center="cc", owner="o", environment="dev",
    )
    application = engine.App(outdir=str(tmp_path), context={"targetVersions": {"terraform": ">=1.5.7"}})
    stack = engine.TerraformStack(application, "old")
    engine.aws("provider").AwsProvider(stack, "aws", region="us-east-1")
    GroqEndpoint(stack, "groq-wo", props=props)
    with pytest.raises(RuntimeError, match="write-only attributes requires terraform >=1.11.0"):
        application.synth()


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is installed by `make test` into .venv-checkov")
def test_checkov_reads_and_passes_the_write_only_stacks(write_only_synth):
    for stack in write_only_synth["stacks"]:
        proc = subprocess.run(
            [str(CHECKOV), "-d", str(write_only_synth["out"] / "stacks" / stack), "--framework", "terraform_json",
             "--skip-download", "-o", "json", "--config-file", str(ROOT / ".checkov.yaml"), "--quiet", "--compact"],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )
        report = json.loads(proc.stdout)
        report = next(r for r in (report if isinstance(report, list) else [report]) if r.get("check_type") == "terraform_json")
        summary = report["summary"]
        assert (summary["failed"], summary["parsing_errors"]) == (0, 0), report["results"].get("failed_checks")
        assert summary["passed"] > 0
