"""TpuV5eSlice: Testing.synth assertions for every field and each provisioning mode."""

from __future__ import annotations

from typing import Any

import pytest

from siliconfleet import engine
from siliconfleet.catalog import tpu as tpu_catalog
from siliconfleet.constructs import TpuV5eSlice, TpuV5eSliceProps, check_cost_center_tags
from siliconfleet.errors import SiliconfleetError
from tests.conftest import only, resources, synth_stack

OWNERSHIP = {"cost_center": "cc-1234", "owner": "ml-team@example.com", "environment": "prod", "fleet": "chat"}


def props(**over: Any) -> TpuV5eSliceProps:
    fields: dict[str, Any] = {
        "name": "llama-tpu",
        "project": "acme-inference-prod",
        "zone": "us-west4-a",
        "accelerator_type": "v5litepod-4",
        "network": {"cidr": "10.80.0.0/20"},
        "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct", "port": 8080, "max_model_len": 8192,
                    "hf_token_secret": "projects/acme-inference-prod/secrets/hf-token"},
        "allowed_cidrs": ["10.40.0.0/16"],
        "tags": {"Project": "Assistant"},
        **OWNERSHIP,
    }
    fields.update(over)
    return TpuV5eSliceProps(**fields)


def synth(p: TpuV5eSliceProps) -> dict[str, Any]:
    def build(stack):
        engine.google_beta("provider").GoogleBetaProvider(stack, "google-beta", project=p.project, zone=p.zone)
        TpuV5eSlice(stack, p.name, props=p)

    return synth_stack(build, aws_region=None)


@pytest.fixture(scope="module")
def on_demand() -> dict[str, Any]:
    return synth(props())


@pytest.fixture(scope="module")
def spot_existing() -> dict[str, Any]:
    return synth(props(name="qwen-spot", accelerator_type=None, topology="2x4", count=2, provisioning="spot",
                       network={"network": "shared-vpc", "subnetwork": "inference-us-west4"}, allowed_cidrs=[],
                       serving={"model": "Qwen/Qwen3-8B"}))


@pytest.fixture(scope="module")
def queued() -> dict[str, Any]:
    return synth(props(name="llama-queued", accelerator_type="v5litepod-16", provisioning="queued"))


def vm(doc: dict[str, Any]) -> dict[str, Any]:
    return only(doc, "google_tpu_v2_vm")


def test_slice_fields(on_demand):
    v = vm(on_demand)
    assert (v["project"], v["zone"], v["name"]) == ("acme-inference-prod", "us-west4-a", "chat-llama-tpu")
    assert v["accelerator_type"] == "v5litepod-4" and "accelerator_config" not in v
    assert v["runtime_version"] == tpu_catalog.tpu_v5e_runtime_versions()[0] == "v2-alpha-tpuv5-lite"
    assert "scheduling_config" not in v


def test_no_external_ip_and_shielded_secure_boot(on_demand, spot_existing):
    for doc in (on_demand, spot_existing):
        for v in resources(doc, "google_tpu_v2_vm").values():
            assert v["network_config"]["enable_external_ips"] is False and v["network_config"]["can_ip_forward"] is False
            assert v["shielded_instance_config"] == {"enable_secure_boot": True}


def test_dedicated_least_privilege_service_account(on_demand):
    account = only(on_demand, "google_service_account")
    assert account["account_id"] == "sf-llama-tpu" and len(account["account_id"]) <= 30
    assert vm(on_demand)["service_account"]["email"].startswith("${google_service_account.")
    roles = sorted(m["role"] for m in resources(on_demand, "google_project_iam_member").values())
    assert roles == ["roles/logging.logWriter", "roles/monitoring.metricWriter"]
    grant = only(on_demand, "google_secret_manager_secret_iam_member")
    assert grant["secret_id"] == "projects/acme-inference-prod/secrets/hf-token"
    assert grant["role"] == "roles/secretmanager.secretAccessor" and grant["member"].startswith("serviceAccount:${")


def test_startup_script_serves_vllm_tpu_with_health(on_demand):
    script = vm(on_demand)["metadata"]["startup-script"]
    assert script.startswith("#!/bin/bash")
    assert "MODEL=meta-llama/Llama-3.1-8B-Instruct" in script and "PORT=8080" in script
    assert "TENSOR_PARALLEL=4" in script and "MAX_MODEL_LEN=8192" in script
    assert f"SERVING_PACKAGE={tpu_catalog.tpu_serving_package()}" in script
    assert "vllm serve" in script and "/health" in script
    assert "gcloud secrets versions access latest --secret=projects/acme-inference-prod/secrets/hf-token" in script


def test_new_network_with_flow_logs_private_access_and_nat(on_demand):
    network = only(on_demand, "google_compute_network")
    assert network["auto_create_subnetworks"] is False
    subnet = only(on_demand, "google_compute_subnetwork")
    assert subnet["ip_cidr_range"] == "10.80.0.0/20" and subnet["region"] == "us-west4"
    assert subnet["private_ip_google_access"] is True and subnet["log_config"]["metadata"] == "INCLUDE_ALL_METADATA"
    nat = only(on_demand, "google_compute_router_nat")
    assert nat["source_subnetwork_ip_ranges_to_nat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"


def test_firewall_opens_the_serving_port_to_listed_clients_only(on_demand):
    rule = only(on_demand, "google_compute_firewall")
    assert rule["direction"] == "INGRESS" and rule["allow"] == [{"protocol": "tcp", "ports": ["8080"]}]
    assert rule["source_ranges"] == ["10.40.0.0/16"]
    assert rule["target_service_accounts"] == [vm(on_demand)["service_account"]["email"]]


def test_existing_network_defaults_clients_to_the_subnetwork(spot_existing):
    assert not resources(spot_existing, "google_compute_network")
    (subnet,) = spot_existing["data"]["google_compute_subnetwork"].values()
    assert subnet["name"] == "inference-us-west4"
    rule = only(spot_existing, "google_compute_firewall")
    assert rule["network"] == "shared-vpc" and rule["source_ranges"][0].endswith(".ip_cidr_range}")


def test_spot_topology_and_count(spot_existing):
    slices = sorted(resources(spot_existing, "google_tpu_v2_vm").values(), key=lambda v: v["name"])
    assert [v["name"] for v in slices] == ["chat-qwen-spot-0", "chat-qwen-spot-1"]
    for v in slices:
        assert v["accelerator_config"] == {"type": "V5LITE_POD", "topology": "2x4"} and "accelerator_type" not in v
        assert v["scheduling_config"] == {"spot": True}
        assert v["network_config"]["subnetwork"] == "inference-us-west4"
    assert len(spot_existing["output"]["qwen_spot_endpoint_urls"]["value"]) == 2


def test_reserved_provisioning():
    doc = synth(props(name="llama-reserved", provisioning="reserved"))
    assert vm(doc)["scheduling_config"] == {"reserved": True}


def test_queued_resource_form(queued):
    assert not resources(queued, "google_tpu_v2_vm")
    q = only(queued, "google_tpu_v2_queued_resource")
    (spec,) = q["tpu"]["node_spec"]
    assert spec["parent"] == "projects/acme-inference-prod/locations/us-west4-a" and spec["node_id"] == "chat-llama-queued"
    node = spec["node"]
    assert node["accelerator_type"] == "v5litepod-16" and node["runtime_version"] == "v2-alpha-tpuv5-lite"
    assert node["network_config"]["enable_external_ips"] is False
    assert not resources(queued, "google_service_account")  # the queued schema cannot attach one
    assert "target_service_accounts" not in only(queued, "google_compute_firewall")
    script = queued["output"]["llama_queued_startup_script"]
    assert script["value"].startswith("#!/bin/bash") and "TENSOR_PARALLEL=8" in script["value"]  # 8 chips per host


def test_labels_reach_every_labelable_resource(on_demand):
    labels = vm(on_demand)["labels"]
    assert labels == {
        "cost_center": "cc-1234", "owner": "ml-team_example_com", "environment": "prod", "fleet": "chat",
        "target": "llama-tpu", "managed_by": "siliconfleet", "project": "assistant",
    }
    assert check_cost_center_tags(on_demand) == []  # the provider here has no default_labels


def test_outputs(on_demand):
    outputs = on_demand["output"]
    assert outputs["llama_tpu_endpoint_urls"]["value"] == [
        "http://${google_tpu_v2_vm.llama-tpu_Slice0_" + vm_id(on_demand) + ".network_endpoints[0].ip_address}:8080/v1"
    ]
    assert all(o["description"].startswith("llama-tpu: ") for o in outputs.values())


def vm_id(doc: dict[str, Any]) -> str:
    (key,) = resources(doc, "google_tpu_v2_vm")
    return key.rsplit("_", 1)[1]


def test_props_reject_labels_that_would_collide():
    with pytest.raises(SiliconfleetError) as info:
        props(tags={"TeamName": "a", "team_name": "b"})
    assert "both become GCP label 'team_name'" in "\n".join(info.value.lines())


def test_multi_host_summary_note():
    p = props(accelerator_type="v5litepod-32")
    notes = p.summary_notes()
    assert any("multi-host slice: 4 hosts x 8 chips" in n for n in notes)
    assert not any("multi-host" in n for n in props().summary_notes())

