"""Inf2Cluster: Testing.synth assertions on every attribute the foundation issue lists."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from siliconfleet import catalog
from siliconfleet.constructs import Inf2Cluster, Inf2ClusterProps, check_cost_center_tags
from siliconfleet.errors import SiliconfleetError
from tests.conftest import only, resources, synth_stack

OWNERSHIP = {"cost_center": "cc-1234", "owner": "team@example.com", "environment": "prod", "fleet": "chat"}
HF_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-token-AbCdEf"


def props(**over: Any) -> Inf2ClusterProps:
    fields: dict[str, Any] = {
        "name": "llama-8b",
        "region": "us-east-1",
        "instance_type": "inf2.8xlarge",
        "min_size": 1,
        "desired_size": 2,
        "max_size": 3,
        "network": {"cidr": "10.40.0.0/16"},
        "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct", "port": 8080, "max_model_len": 8192, "hf_token_secret_arn": HF_ARN},
        "allowed_cidrs": ["10.40.0.0/16", "192.168.10.0/24"],
        **OWNERSHIP,
    }
    fields.update(over)
    return Inf2ClusterProps(**fields)


def synth(p: Inf2ClusterProps) -> dict[str, Any]:
    return synth_stack(lambda stack: Inf2Cluster(stack, p.name, props=p))


@pytest.fixture(scope="module")
def new_vpc() -> dict[str, Any]:
    return synth(props())


@pytest.fixture(scope="module")
def existing_vpc_spot() -> dict[str, Any]:
    return synth(
        props(
            network={"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]},
            spot_fraction=0.25,
            allowed_cidrs=[],
            serving={"model": "Qwen/Qwen3-8B"},
            instance_type="inf2.48xlarge",
            root_volume_gib=400,
        )
    )


def user_data(doc: dict[str, Any]) -> str:
    return base64.b64decode(only(doc, "aws_launch_template")["user_data"]).decode()


# ----------------------------------------------------------------------------- launch template


def test_image_is_the_neuron_dlami_from_its_public_ssm_parameter(new_vpc):
    (param,) = new_vpc["data"]["aws_ssm_parameter"].values()
    assert param["name"] == catalog.machine_image("inferentia2").ssm_parameter
    assert param["name"].startswith("/aws/service/neuron/")
    lt = only(new_vpc, "aws_launch_template")
    assert lt["image_id"].startswith("${data.aws_ssm_parameter.") and lt["image_id"].endswith(".insecure_value}")


def test_imdsv2_required_with_hop_limit_one(new_vpc):
    meta = only(new_vpc, "aws_launch_template")["metadata_options"]
    assert meta == {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1, "instance_metadata_tags": "disabled"}


def test_root_volume_is_encrypted_gp3_of_the_requested_size(new_vpc, existing_vpc_spot):
    (mapping,) = only(new_vpc, "aws_launch_template")["block_device_mappings"]
    assert mapping["ebs"] == {"volume_size": 120, "volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"}
    (mapping,) = only(existing_vpc_spot, "aws_launch_template")["block_device_mappings"]
    assert mapping["ebs"]["volume_size"] == 400 and mapping["ebs"]["encrypted"] == "true"


def test_no_public_ip_detailed_monitoring_ebs_optimized(new_vpc):
    lt = only(new_vpc, "aws_launch_template")
    (nic,) = lt["network_interfaces"]
    assert nic["associate_public_ip_address"] == "false" and nic["device_index"] == 0
    (group,) = nic["security_groups"]
    assert group.startswith("${aws_security_group.") and "InstanceSecurityGroup" in group
    assert lt["monitoring"] == {"enabled": True}
    assert lt["ebs_optimized"] == "true"
    assert lt["instance_type"] == "inf2.8xlarge"
    assert "vpc_security_group_ids" not in lt  # security groups sit on the interface


def test_tag_specifications_tag_instances_volumes_and_interfaces(new_vpc):
    specs = only(new_vpc, "aws_launch_template")["tag_specifications"]
    assert [s["resource_type"] for s in specs] == ["instance", "volume", "network-interface"]
    for spec in specs:
        assert spec["tags"]["CostCenter"] == "cc-1234"
        assert spec["tags"]["Target"] == "llama-8b" and spec["tags"]["Fleet"] == "chat"


def test_user_data_starts_vllm_on_neuron_with_the_serving_settings(new_vpc):
    script = user_data(new_vpc)
    assert script.startswith("#!/bin/bash")
    assert "neuron-ls" in script
    assert "MODEL=meta-llama/Llama-3.1-8B-Instruct" in script
    assert "PORT=8080" in script and "TENSOR_PARALLEL=2" in script and "MAX_MODEL_LEN=8192" in script
    assert '"$VENV/bin/vllm" serve' in script
    assert "/health" in script
    assert f"--secret-id {HF_ARN}" in script


def test_user_data_without_token_never_calls_secrets_manager(existing_vpc_spot):
    script = user_data(existing_vpc_spot)
    assert "secretsmanager" not in script
    assert "TENSOR_PARALLEL=24" in script  # default: every NeuronCore of inf2.48xlarge


# ----------------------------------------------------------------------------- auto scaling group


def test_asg_sizes_subnets_health_and_refresh(new_vpc):
    asg = only(new_vpc, "aws_autoscaling_group")
    assert (asg["min_size"], asg["desired_capacity"], asg["max_size"]) == (1, 2, 3)
    assert asg["health_check_type"] == "ELB"
    assert asg["health_check_grace_period"] >= 900
    assert asg["instance_refresh"]["strategy"] == "Rolling"
    assert len(asg["vpc_zone_identifier"]) == 2
    assert all(s.startswith("${aws_subnet.") for s in asg["vpc_zone_identifier"])
    assert asg["launch_template"]["version"].endswith(".latest_version}")
    assert "mixed_instances_policy" not in asg
    assert len(asg["target_group_arns"]) == 1


def test_asg_tags_propagate_at_launch(new_vpc):
    tags = {t["key"]: t for t in only(new_vpc, "aws_autoscaling_group")["tag"]}
    assert tags["CostCenter"]["value"] == "cc-1234"
    assert all(t["propagate_at_launch"] for t in tags.values())
    assert {"CostCenter", "Owner", "Environment", "Fleet", "Target", "ManagedBy", "Name"} <= set(tags)


def test_spot_fraction_becomes_a_mixed_instances_policy(existing_vpc_spot):
    asg = only(existing_vpc_spot, "aws_autoscaling_group")
    assert "launch_template" not in asg
    policy = asg["mixed_instances_policy"]
    assert policy["instances_distribution"]["on_demand_percentage_above_base_capacity"] == 75
    assert policy["instances_distribution"]["spot_allocation_strategy"] == "price-capacity-optimized"
    assert asg["capacity_rebalance"] is True
    assert asg["vpc_zone_identifier"] == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]


# ----------------------------------------------------------------------------- load balancer


def test_internal_network_load_balancer_with_health_check(new_vpc):
    lb = only(new_vpc, "aws_lb")
    assert lb["internal"] is True and lb["load_balancer_type"] == "network"
    assert lb["enable_deletion_protection"] is True
    assert len(lb["name"]) <= 32
    tg = only(new_vpc, "aws_lb_target_group")
    assert (tg["port"], tg["protocol"], tg["target_type"]) == (8080, "TCP", "instance")
    assert tg["health_check"]["path"] == "/health" and tg["health_check"]["protocol"] == "HTTP"
    listener = only(new_vpc, "aws_lb_listener")
    assert (listener["port"], listener["protocol"]) == (8080, "TCP")
    assert listener["default_action"][0]["type"] == "forward"


# ----------------------------------------------------------------------------- security groups


def ingress_rules(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(resources(doc, "aws_vpc_security_group_ingress_rule").values())


def test_no_ingress_from_the_internet(new_vpc, existing_vpc_spot):
    for doc in (new_vpc, existing_vpc_spot):
        for rule in ingress_rules(doc):
            assert rule.get("cidr_ipv4") != "0.0.0.0/0" and rule.get("cidr_ipv6") != "::/0"
        for group in resources(doc, "aws_security_group").values():
            assert "ingress" not in group  # rules are separate resources, each with a description


def test_serving_port_open_only_to_allowed_cidrs_and_the_load_balancer(new_vpc):
    rules = ingress_rules(new_vpc)
    assert {r["from_port"] for r in rules} == {8080} and {r["to_port"] for r in rules} == {8080}
    assert sorted(r["cidr_ipv4"] for r in rules if "cidr_ipv4" in r) == ["10.40.0.0/16", "192.168.10.0/24"]
    from_lb = [r for r in rules if "referenced_security_group_id" in r]
    assert len(from_lb) == 1 and "LoadBalancerSecurityGroup" in from_lb[0]["referenced_security_group_id"]
    assert all(r["description"] for r in rules)


def test_default_clients_are_the_existing_vpc_cidr(existing_vpc_spot):
    rules = [r for r in ingress_rules(existing_vpc_spot) if "cidr_ipv4" in r]
    assert len(rules) == 1 and rules[0]["cidr_ipv4"].startswith("${data.aws_vpc.") and rules[0]["cidr_ipv4"].endswith(".cidr_block}")


def test_client_security_groups():
    doc = synth(props(allowed_cidrs=[], allowed_security_group_ids=["sg-0123456789abcdef0"], serving={"model": "a/b"}))
    refs = [r["referenced_security_group_id"] for r in ingress_rules(doc) if "referenced_security_group_id" in r]
    assert "sg-0123456789abcdef0" in refs
    assert not [r for r in ingress_rules(doc) if "cidr_ipv4" in r]


def test_instance_egress_is_https_only(new_vpc):
    egress = list(resources(new_vpc, "aws_vpc_security_group_egress_rule").values())
    to_world = [r for r in egress if r.get("cidr_ipv4") == "0.0.0.0/0"]
    assert len(to_world) == 1 and (to_world[0]["from_port"], to_world[0]["to_port"]) == (443, 443)
    assert all(r["ip_protocol"] == "tcp" for r in egress)


# ----------------------------------------------------------------------------- IAM


def test_instance_role_least_privilege(new_vpc):
    roles = resources(new_vpc, "aws_iam_role")
    role = next(r for k, r in roles.items() if "InstanceRole" in k)
    assert json.loads(role["assume_role_policy"])["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    ]
    attached = sorted(a["policy_arn"].rsplit("/", 1)[1] for a in resources(new_vpc, "aws_iam_role_policy_attachment").values())
    assert attached == ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"]
    inline = [p for k, p in resources(new_vpc, "aws_iam_role_policy").items() if "InstancePolicy" in k]
    assert len(inline) == 1
    assert json.loads(inline[0]["policy"])["Statement"] == [
        {"Sid": "ReadHuggingFaceToken", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": HF_ARN}
    ]
    assert only(new_vpc, "aws_iam_instance_profile")["role"].endswith(".name}")


def test_no_inline_policy_without_a_token(existing_vpc_spot):
    assert not [k for k in resources(existing_vpc_spot, "aws_iam_role_policy") if "InstancePolicy" in k]


def test_permissions_boundary():
    arn = "arn:aws:iam::123456789012:policy/ml-boundary"
    doc = synth(props(permissions_boundary_arn=arn))
    role = next(r for k, r in resources(doc, "aws_iam_role").items() if "InstanceRole" in k)
    assert role["permissions_boundary"] == arn


# ----------------------------------------------------------------------------- network


def test_new_private_vpc(new_vpc):
    vpc = only(new_vpc, "aws_vpc")
    assert vpc["cidr_block"] == "10.40.0.0/16" and vpc["enable_dns_hostnames"] is True
    subnets = resources(new_vpc, "aws_subnet")
    private = [s for s in subnets.values() if s["tags"]["Tier"] == "private"]
    public = [s for s in subnets.values() if s["tags"]["Tier"] == "public"]
    assert sorted(s["availability_zone_id"] for s in private) == ["use1-az2", "use1-az4"]
    assert [s["cidr_block"] for s in private] == ["10.40.0.0/19", "10.40.32.0/19"]
    assert len(public) == 1 and all(s["map_public_ip_on_launch"] is False for s in subnets.values())
    assert len(resources(new_vpc, "aws_nat_gateway")) == 1
    assert "ingress" not in only(new_vpc, "aws_default_security_group")
    flow = only(new_vpc, "aws_flow_log")
    assert flow["traffic_type"] == "ALL" and flow["log_destination_type"] == "cloud-watch-logs"
    group = only(new_vpc, "aws_cloudwatch_log_group")
    assert group["retention_in_days"] >= 365 and group["kms_key_id"].startswith("${aws_kms_key.")
    assert only(new_vpc, "aws_kms_key")["enable_key_rotation"] is True


def test_nat_per_az_and_pinned_zones():
    doc = synth(props(network={"cidr": "10.50.0.0/20", "availability_zone_ids": ["use1-az5", "use1-az6", "use1-az2"], "nat_gateways": "per-az"}))
    assert len(resources(doc, "aws_nat_gateway")) == 3
    private = [s for s in resources(doc, "aws_subnet").values() if s["tags"]["Tier"] == "private"]
    assert [s["availability_zone_id"] for s in private] == ["use1-az5", "use1-az6", "use1-az2"]
    assert "aws_availability_zones" not in doc.get("data", {})  # zones are pinned, never looked up


def test_existing_vpc_creates_no_network(existing_vpc_spot):
    for rtype in ("aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_internet_gateway", "aws_flow_log"):
        assert not resources(existing_vpc_spot, rtype)
    assert only(existing_vpc_spot, "aws_lb")["subnets"] == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]


# ----------------------------------------------------------------------------- outputs and tags


def test_outputs_with_descriptions(new_vpc):
    outputs = new_vpc["output"]
    assert set(outputs) == {f"llama_8b_{k}" for k in ("endpoint_url", "autoscaling_group_name", "security_group_id", "instance_role_arn")}
    assert all(o["description"].startswith("llama-8b: ") for o in outputs.values())
    assert outputs["llama_8b_endpoint_url"]["value"].startswith("http://${aws_lb.") and outputs["llama_8b_endpoint_url"]["value"].endswith(":8080/v1")


def test_every_taggable_resource_carries_cost_center_without_provider_default_tags(new_vpc, existing_vpc_spot):
    # synth_stack's provider has no default_tags: the construct tags everything itself
    assert check_cost_center_tags(new_vpc) == []
    assert check_cost_center_tags(existing_vpc_spot) == []


def test_public_attributes():
    captured: dict[str, Any] = {}

    def build(stack):
        captured["cluster"] = Inf2Cluster(stack, "c", props=props(name="attrs"))

    synth_stack(build)
    cluster = captured["cluster"]
    for attr in ("endpoint_url", "load_balancer_dns_name", "autoscaling_group_name", "security_group_id", "instance_role_arn", "vpc_id"):
        assert isinstance(getattr(cluster, attr), str)


# ----------------------------------------------------------------------------- props


def test_props_without_cost_center_raise_naming_the_field():
    fields = props().model_dump()
    fields.pop("cost_center")
    with pytest.raises(SiliconfleetError) as info:
        Inf2ClusterProps(**fields)
    assert info.value.lines() == ["cost_center: is required but missing; add it"]


def test_props_reject_unknown_fields_and_bad_values_together():
    fields = props().model_dump()
    fields.update(instance_type="inf2.9xlarge", colour="red")
    with pytest.raises(SiliconfleetError) as info:
        Inf2ClusterProps(**fields)
    text = "\n".join(info.value.lines())
    assert "instance_type: 'inf2.9xlarge' is not a known Inferentia2 instance type" in text
    assert "colour: unknown key" in text


def test_props_cannot_override_cost_center_through_tags():
    with pytest.raises(SiliconfleetError, match="tags.CostCenter"):
        props(tags={"CostCenter": "someone-else"})


def test_construct_requires_its_own_props_class():
    with pytest.raises(TypeError, match="Inf2ClusterProps"):
        synth_stack(lambda stack: Inf2Cluster(stack, "x", props=props().model_dump()))
