"""The fleet's LiteLLM gateway config: the preview beside the synthesized stacks, the copy Terraform
completes at apply, and the rendering rules (routing order, fallbacks, no key)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from siliconfleet.app import stack_plan
from siliconfleet.gateway import OUTPUT, PREVIEW, preview, ssm_parameter_name, write_preview
from siliconfleet.gateway.config import home_stack, published
from siliconfleet.spec import validate_fleet
from siliconfleet.spec.load import load_fleet
from tests.conftest import BASE_FLEET

from .conftest import AWS_STACK, CANARY, EXAMPLE, ROUTING, TPU_STACK

GROQ = {
    "kind": "groq", "name": "groq-70b", "model": "llama-3.3-70b-versatile",
    "secret_store": {"type": "aws-secrets-manager", "region": "us-east-1"},
    "rate_limits": {"requests_per_minute": 100, "tokens_per_minute": 200000},
}
TPU = {
    "kind": "gcp-tpu-v5e", "name": "qwen-tpu", "project": "acme-inference-prod", "zone": "us-central1-a", "topology": "2x2",
    "count": 2, "provisioning": "spot", "network": {"network": "shared-vpc", "subnetwork": "inference"},
    "serving": {"model": "Qwen/Qwen3-8B"},
}
QUEUED = {**TPU, "name": "big-queued", "count": 1, "topology": None, "accelerator_type": "v5litepod-8", "provisioning": "queued",
          "network": {"cidr": "10.81.0.0/20"}}


def check_litellm_config(config: dict[str, Any]) -> list[str]:
    """A structural check of LiteLLM's proxy config (what its loader reads); returns the problems."""
    problems = []
    if set(config) - {"model_list", "router_settings", "litellm_settings", "general_settings", "environment_variables"}:
        problems.append(f"unknown top-level keys {sorted(set(config))}")
    entries = config.get("model_list")
    if not isinstance(entries, list) or not entries:
        return problems + ["model_list must be a non-empty list"]
    ids = [e.get("model_info", {}).get("id") for e in entries]
    if len(set(ids)) != len(ids):
        problems.append("model_info.id must be unique")
    for i, entry in enumerate(entries):
        if not isinstance(entry.get("model_name"), str) or not entry["model_name"]:
            problems.append(f"model_list[{i}].model_name missing")
        params = entry.get("litellm_params") or {}
        if not re.fullmatch(r"(hosted_vllm|groq)/\S+", str(params.get("model", ""))):
            problems.append(f"model_list[{i}].litellm_params.model {params.get('model')!r} has no provider prefix")
        if not isinstance(params.get("api_base"), str) or not params["api_base"]:
            problems.append(f"model_list[{i}].litellm_params.api_base missing")
        key = params.get("api_key")
        if key is not None and not str(key).startswith("os.environ/"):
            problems.append(f"model_list[{i}].litellm_params.api_key is a literal, not os.environ/...")
        for limit in ("rpm", "tpm"):
            if limit in params and not (isinstance(params[limit], int) and params[limit] > 0):
                problems.append(f"model_list[{i}].litellm_params.{limit} must be a positive integer")
    names = {e["model_name"] for e in entries}
    for rule in config.get("router_settings", {}).get("fallbacks", []):
        if not (isinstance(rule, dict) and len(rule) == 1):
            problems.append(f"fallback {rule!r} must map one model_name to a list")
            continue
        (source, targets), = rule.items()
        if source not in names or not isinstance(targets, list) or not set(targets) <= names:
            problems.append(f"fallback {rule!r} names a model_name that is not in model_list")
    return problems


def fleet_of(*targets: dict[str, Any], **top: Any):
    doc = copy.deepcopy(BASE_FLEET)
    doc["targets"].extend(copy.deepcopy(list(targets)))
    doc.update(top)
    return validate_fleet(doc)


def targets_in_order(config: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(e["model_info"]["siliconfleet_target"] for e in config["model_list"]))


# ---------------------------------------------------------------------------------------------
# the example with all four kinds


@pytest.fixture(scope="module")
def preview_config(all_silicon) -> dict[str, Any]:
    return yaml.safe_load((all_silicon.out / PREVIEW).read_text())


def test_preview_is_a_valid_litellm_config_listing_every_target_in_routing_order(preview_config):
    assert check_litellm_config(preview_config) == []
    assert targets_in_order(preview_config) == ROUTING
    assert [e["model_info"]["siliconfleet_kind"] for e in preview_config["model_list"]] == [
        "aws-inf2", "aws-p5", "gcp-tpu-v5e", "groq", "groq"]


def test_one_model_name_for_the_service_and_fallbacks_in_routing_order(preview_config):
    entries = preview_config["model_list"]
    assert entries[0]["model_name"] == "assistant"
    assert [e["model_name"] for e in entries[1:]] == [f"assistant/{name}" for name in ROUTING[1:]]
    assert preview_config["router_settings"]["fallbacks"] == [{"assistant": [f"assistant/{name}" for name in ROUTING[1:]]}]


def test_api_bases_known_and_placeholders_naming_the_output(preview_config):
    bases = {e["model_info"]["id"]: e["litellm_params"]["api_base"] for e in preview_config["model_list"]}
    assert bases == {
        "llama-70b-inf2": f"<apply-time: output llama_70b_inf2_endpoint_url of stack {AWS_STACK}>",
        "llama-70b-p5": f"<apply-time: output llama_70b_p5_endpoint_url of stack {AWS_STACK}>",
        "llama-8b-tpu": f"<apply-time: output llama_8b_tpu_endpoint_urls[0] of stack {TPU_STACK}>",
        "groq-llama-70b": "https://api.groq.com/openai/v1",
        "groq-llama-8b": "https://api.groq.com/openai/v1",
    }


def test_groq_deployments_take_the_key_from_the_environment_and_carry_the_rate_limits(preview_config):
    groq = [e["litellm_params"] for e in preview_config["model_list"] if e["model_info"]["siliconfleet_kind"] == "groq"]
    assert groq == [
        {"model": "groq/llama-3.3-70b-versatile", "api_base": "https://api.groq.com/openai/v1",
         "api_key": "os.environ/GROQ_API_KEY", "rpm": 120, "tpm": 250000},
        {"model": "groq/llama-3.1-8b-instant", "api_base": "https://api.groq.com/openai/v1",
         "api_key": "os.environ/GROQ_API_KEY", "rpm": 60, "tpm": 120000},
    ]
    vllm = [e["litellm_params"] for e in preview_config["model_list"] if e["model_info"]["siliconfleet_kind"] != "groq"]
    assert all("api_key" not in p and p["model"].startswith("hosted_vllm/meta-llama/") for p in vllm)


def test_preview_says_where_terraform_publishes_the_complete_file(all_silicon):
    text = (all_silicon.out / PREVIEW).read_text()
    assert f"output {OUTPUT} of stack {AWS_STACK} and SSM parameter /siliconfleet/assistant/_gateway/litellm.yaml (us-east-1)" in text
    assert CANARY not in text


def terraform_rendered(text: str) -> str:
    """What Terraform makes of the published value: nonsensitive(...) unwrapped, references filled in."""
    text = re.sub(r'\$\{nonsensitive\("((?:[^"\\]|\\.)*)"\)\}', r"\1", text)
    return re.sub(r"\$\{[^}]+\}", "10.1.2.3", text)


def test_terraform_fills_in_the_same_config_in_the_primary_targets_stack(all_silicon, preview_config):
    doc = all_silicon.doc(AWS_STACK)
    output = doc["output"][OUTPUT]
    assert "LiteLLM proxy configuration of fleet assistant" in output["description"] and "sensitive" not in output
    parameter = next(p for p in doc["resource"]["aws_ssm_parameter"].values() if p["name"] == ssm_parameter_name("assistant"))
    assert parameter["value"] == output["value"]
    assert parameter["type"] == "String" and parameter["tier"] == "Intelligent-Tiering"
    assert parameter["tags"]["CostCenter"] == "infrastructure-survival"
    text = output["value"]
    assert "${aws_lb.llama-70b-inf2_LoadBalancer_" in text and "${aws_lb.llama-70b-p5_LoadBalancer_" in text
    # the TPU slice lives in another stack: read through remote state, unwrapped from sensitive
    assert '${nonsensitive("http://${data.terraform_remote_state.cross-stack-reference-input-' + TPU_STACK in text
    filled = yaml.safe_load(terraform_rendered(text))
    assert check_litellm_config(filled) == []
    assert targets_in_order(filled) == ROUTING
    assert filled["router_settings"] == preview_config["router_settings"]
    assert [e["litellm_params"]["api_base"] for e in filled["model_list"][:3]] == [
        "http://10.1.2.3:8000/v1", "http://10.1.2.3:8000/v1", "http://10.1.2.3:8000/v1"]


def test_the_primary_stack_applies_after_the_stacks_it_reads(all_silicon):
    stacks = all_silicon.manifest["stacks"]
    assert stacks[AWS_STACK]["dependencies"] == [TPU_STACK]
    tpu_doc = all_silicon.doc(TPU_STACK)
    assert [o for o in tpu_doc["output"] if o.startswith("cross-stack-output-")]  # what the primary stack reads
    assert OUTPUT not in tpu_doc["output"]


# ---------------------------------------------------------------------------------------------
# rendering rules (pure: stack_plan needs no synth)


def test_routing_order_decides_the_primary():
    fleet = fleet_of(GROQ, routing={"order": ["groq-70b", "llama-8b"]})
    config = yaml.safe_load(preview(fleet, stack_plan(fleet)))
    assert check_litellm_config(config) == []
    assert [e["model_name"] for e in config["model_list"]] == ["test-fleet", "test-fleet/llama-8b"]
    assert config["model_list"][0]["litellm_params"]["model"] == "groq/llama-3.3-70b-versatile"
    assert config["router_settings"]["fallbacks"] == [{"test-fleet": ["test-fleet/llama-8b"]}]


def test_several_slices_share_their_target_model_name_and_queued_slices_wait():
    fleet = fleet_of(QUEUED, TPU, GROQ)
    plan = stack_plan(fleet)
    text = preview(fleet, plan)
    config = yaml.safe_load(text)
    assert check_litellm_config(config) == []
    ids = [e["model_info"]["id"] for e in config["model_list"]]
    assert ids == ["llama-8b", "qwen-tpu-0", "qwen-tpu-1", "groq-70b"]
    assert [e["model_name"] for e in config["model_list"][1:3]] == ["test-fleet/qwen-tpu"] * 2
    assert "# big-queued: queued TPU slices get their addresses once granted" in text
    assert config["router_settings"]["fallbacks"] == [{"test-fleet": ["test-fleet/qwen-tpu", "test-fleet/groq-70b"]}]


def test_a_single_target_fleet_gets_a_preview_but_no_published_copy(tmp_path):
    fleet = fleet_of()
    assert not published(fleet)
    path = write_preview(tmp_path, fleet, stack_plan(fleet))
    assert path == tmp_path / "gateway" / "litellm.yaml"
    config = yaml.safe_load(path.read_text())
    assert check_litellm_config(config) == [] and config["router_settings"]["fallbacks"] == []
    assert "Fill it in from the named output after apply." in path.read_text()


def test_home_stack_on_google_cloud_is_named_without_ssm():
    fleet = fleet_of(TPU, routing={"order": ["qwen-tpu", "llama-8b"]})
    plan = stack_plan(fleet)
    assert home_stack(fleet, plan) == "test-fleet-gcp-acme-inference-prod-us-central1-a"
    text = preview(fleet, plan)
    assert f"output {OUTPUT} of stack test-fleet-gcp-acme-inference-prod-us-central1-a." in text and "SSM" not in text


def test_the_structural_check_catches_broken_configs():
    good = yaml.safe_load(preview(load_fleet(EXAMPLE), stack_plan(load_fleet(EXAMPLE))))
    assert check_litellm_config(good) == []
    broken = copy.deepcopy(good)
    broken["model_list"][3]["litellm_params"]["api_key"] = "sk-literal"
    del broken["model_list"][0]["litellm_params"]["api_base"]
    broken["router_settings"]["fallbacks"] = [{"assistant": ["assistant/nope"]}]
    assert len(check_litellm_config(broken)) == 3


def test_every_emitted_string_is_quoted_so_odd_names_stay_strings():
    fleet = fleet_of(GROQ)
    text = preview(fleet, stack_plan(fleet))
    for line in text.splitlines():
        if re.match(r"\s+(- )?(model_name|model|api_base|api_key|id|siliconfleet_\w+): ", line):
            assert line.rstrip().endswith('"'), line

