"""Where groq targets land: the AWS stack of their secret's region (read by that region's serving
roles), or a project-level Google Cloud stack (read by the TPU slices' service accounts), applied
after the stacks that create those accounts whatever the order of targets."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from siliconfleet import app

from .conftest import AWS_STACK, GCP_GROQ_STACK, TPU_STACK


def iam_role_refs(doc: dict[str, Any]) -> dict[str, str]:
    """Target -> reference to its instance role's ARN."""
    return {name.split("_")[0]: f"${{aws_iam_role.{name}.arn}}" for name in doc["resource"]["aws_iam_role"] if "_InstanceRole_" in name}


def test_one_stack_per_region_project_zone_and_project(all_silicon):
    assert set(all_silicon.manifest["stacks"]) == {AWS_STACK, TPU_STACK, GCP_GROQ_STACK}
    inventory = json.loads((all_silicon.out / "siliconfleet.json").read_text())
    assert inventory["stacks"][GCP_GROQ_STACK]["cloud"] == "gcp"
    assert inventory["stacks"][GCP_GROQ_STACK]["location"] == "acme-inference-prod"
    assert inventory["stacks"][GCP_GROQ_STACK]["targets"] == ["groq-llama-8b"]
    assert inventory["stacks"][AWS_STACK]["targets"] == ["llama-70b-inf2", "llama-70b-p5", "groq-llama-70b"]
    assert re.search(rf"^  {GCP_GROQ_STACK} +\d+ resources  groq-llama-8b$", all_silicon.proc.stdout, re.M)


def test_aws_groq_key_is_read_by_the_regions_serving_roles_and_the_listed_reader(all_silicon):
    doc = all_silicon.doc(AWS_STACK)
    roles = iam_role_refs(doc)
    assert set(roles) == {"llama-70b-inf2", "llama-70b-p5"}
    (policy,) = doc["resource"]["aws_secretsmanager_secret_policy"].values()
    (statement,) = json.loads(policy["policy"])["Statement"]
    assert statement["Principal"]["AWS"] == [roles["llama-70b-inf2"], roles["llama-70b-p5"], "arn:aws:iam::123456789012:role/assistant-gateway"]
    key = next(k for name, k in doc["resource"]["aws_kms_key"].items() if name.startswith("groq-llama-70b_"))
    readers = next(s for s in json.loads(key["policy"])["Statement"] if s["Action"] == "kms:Decrypt")
    assert readers["Principal"]["AWS"] == statement["Principal"]["AWS"]
    assert "aws_secretsmanager_secret_version" not in doc["resource"]


def test_gcp_groq_stack_is_project_level_and_grants_the_tpu_service_account(all_silicon):
    doc = all_silicon.doc(GCP_GROQ_STACK)
    (provider,) = doc["provider"]["google-beta"]
    assert provider["project"] == "acme-inference-prod" and "zone" not in provider and "region" not in provider
    assert provider["default_labels"]["cost_center"] == "infrastructure-survival"
    tpu = all_silicon.doc(TPU_STACK)
    (account,) = tpu["resource"]["google_service_account"].values()
    email = f"{account['account_id']}@{account['project']}.iam.gserviceaccount.com"
    members = sorted(m["member"] for m in doc["resource"]["google_secret_manager_secret_iam_member"].values())
    assert members == sorted([f"serviceAccount:{email}", "serviceAccount:assistant-gateway@acme-inference-prod.iam.gserviceaccount.com"])
    assert all_silicon.manifest["stacks"][GCP_GROQ_STACK]["dependencies"] == [TPU_STACK]
    assert "google_secret_manager_secret_version" not in doc["resource"]
    assert all_silicon.manifest["stacks"][TPU_STACK]["dependencies"] == []


@pytest.fixture(scope="module")
def groq_first(tmp_path_factory) -> dict[str, Any]:
    """A Google Cloud fleet whose groq target comes before the TPU slices it grants, plus a queued
    slice (no service account) in the same project: the order of targets must not matter."""
    work = tmp_path_factory.mktemp("groq-first")
    doc = {
        "fleet": "chat", "cost_center": "cc-1", "owner": "ml@example.com", "environment": "dev",
        "targets": [
            {"kind": "groq", "name": "groq-8b", "model": "llama-3.1-8b-instant",
             "secret_store": {"type": "gcp-secret-manager", "project": "acme-inference-prod"},
             "rate_limits": {"requests_per_minute": 10, "tokens_per_minute": 10000}},
            {"kind": "gcp-tpu-v5e", "name": "qwen-tpu", "project": "acme-inference-prod", "zone": "us-central1-a",
             "topology": "2x2", "network": {"network": "shared-vpc", "subnetwork": "inference"},
             "serving": {"model": "Qwen/Qwen3-8B"}, "allowed_cidrs": ["10.0.0.0/8"]},
            {"kind": "gcp-tpu-v5e", "name": "big-queued", "project": "acme-inference-prod", "zone": "us-west4-a",
             "accelerator_type": "v5litepod-8", "provisioning": "queued", "network": {"cidr": "10.81.0.0/20"},
             "serving": {"model": "Qwen/Qwen3-8B"}},
        ],
    }
    (work / "fleet.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    result = app.synth(work / "fleet.yaml", work / "out")
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    docs = {s.name: json.loads((work / "out" / s.path).read_text()) for s in result.stacks}
    assert [s.name for s in result.stacks][0] == "chat-gcp-acme-inference-prod"  # built before the TPU stacks
    return {"manifest": manifest, "docs": docs, "out": work / "out"}


def test_project_stack_depends_on_the_zone_stack_that_creates_the_accounts_even_when_built_first(groq_first):
    stacks = groq_first["manifest"]["stacks"]
    assert set(stacks) == {"chat-gcp-acme-inference-prod", "chat-gcp-acme-inference-prod-us-central1-a",
                           "chat-gcp-acme-inference-prod-us-west4-a"}
    # the queued slice has no service account of its own: nothing to wait for there
    assert stacks["chat-gcp-acme-inference-prod"]["dependencies"] == ["chat-gcp-acme-inference-prod-us-central1-a"]
    members = [m["member"] for m in groq_first["docs"]["chat-gcp-acme-inference-prod"]["resource"]
               ["google_secret_manager_secret_iam_member"].values()]
    assert members == ["serviceAccount:sf-qwen-tpu@acme-inference-prod.iam.gserviceaccount.com"]


def test_gateway_home_on_google_cloud_is_an_output_only(groq_first):
    home = groq_first["docs"]["chat-gcp-acme-inference-prod"]
    assert "gateway_litellm_config" in home["output"]
    assert "aws_ssm_parameter" not in home.get("resource", {})
    config = yaml.safe_load((groq_first["out"] / "gateway" / "litellm.yaml").read_text())
    assert [e["model_info"]["id"] for e in config["model_list"]] == ["groq-8b", "qwen-tpu"]
