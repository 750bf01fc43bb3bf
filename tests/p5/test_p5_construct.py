"""P5Cluster: Testing.synth assertions for EFA, the placement group and each capacity type."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from siliconfleet import catalog
from siliconfleet.constructs import (
    AwsInferenceCluster,
    Inf2Cluster,
    Inf2ClusterProps,
    P5Cluster,
    P5ClusterProps,
    check_cost_center_tags,
)
from siliconfleet.errors import SiliconfleetError
from tests.conftest import ROOT, only, resources, synth_stack

OWNERSHIP = {"cost_center": "cc-4242", "owner": "gpu-team@example.com", "environment": "prod", "fleet": "h100s"}
BLOCK_ID = "cr-0123456789abcdef0"
PURCHASE = {"start": "2026-12-01T11:30:00Z", "duration_hours": 48, "instance_count": 2}


def props(**over: Any) -> P5ClusterProps:
    fields: dict[str, Any] = {
        "name": "llama-70b",
        "region": "us-east-1",
        "instance_type": "p5.48xlarge",
        "network": {"cidr": "10.50.0.0/16"},
        "serving": {"model": "meta-llama/Llama-3.3-70B-Instruct", "max_model_len": 8192},
        **OWNERSHIP,
    }
    fields.update(over)
    return P5ClusterProps(**fields)


def synth(p: P5ClusterProps) -> dict[str, Any]:
    return synth_stack(lambda stack: P5Cluster(stack, p.name, props=p))


def launch_template(doc: dict[str, Any]) -> dict[str, Any]:
    return only(doc, "aws_launch_template")


def user_data(doc: dict[str, Any]) -> str:
    return base64.b64decode(launch_template(doc)["user_data"]).decode()


def outputs(doc: dict[str, Any]) -> dict[str, Any]:
    return doc.get("output", {})


def assert_tagged(doc: dict[str, Any]) -> None:
    assert check_cost_center_tags(doc) == []


# ---------------------------------------------------------------------------------------------
# Synthesized once per module: each synth costs about a second.


@pytest.fixture(scope="module")
def efa_on_demand() -> dict[str, Any]:
    """p5.48xlarge, max_size 2: EFA on by default, on-demand capacity."""
    return synth(props(max_size=2))


@pytest.fixture(scope="module")
def p5en_spot() -> dict[str, Any]:
    return synth(props(instance_type="p5en.48xlarge", max_size=2, capacity={"type": "spot", "spot_fraction": 0.75}))


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return synth(props(instance_type="p5.4xlarge", max_size=3))


@pytest.fixture(scope="module")
def odcr() -> dict[str, Any]:
    return synth(props(capacity={"type": "reservation", "reservation_id": BLOCK_ID, "availability_zone_id": "use1-az4"}))


@pytest.fixture(scope="module")
def existing_block() -> dict[str, Any]:
    """An existing block of 4 in an existing VPC: sizes default to the block's count."""
    return synth(props(
        capacity={"type": "capacity-block", "reservation_id": BLOCK_ID, "instance_count": 4},
        network={"vpc_id": "vpc-0a1b2c3d4e5f67890", "subnet_ids": ["subnet-0a1b2c3d4e5f67891", "subnet-0a1b2c3d4e5f67892"]},
    ))


@pytest.fixture(scope="module")
def purchase() -> dict[str, Any]:
    return synth(props(capacity={"type": "capacity-block", "purchase": PURCHASE}))


# ---------------------------------------------------------------------------------------------
# EFA


def test_p5_48xlarge_attaches_32_efa_interfaces_one_per_network_card(efa_on_demand: dict[str, Any]) -> None:
    interfaces = launch_template(efa_on_demand)["network_interfaces"]
    assert len(interfaces) == 32 == catalog.aws_instance_type("p5.48xlarge").efa_interfaces
    primary, rest = interfaces[0], interfaces[1:]
    assert (primary["network_card_index"], primary["device_index"], primary["interface_type"]) == (0, 0, "efa")
    assert [i["network_card_index"] for i in rest] == list(range(1, 32))
    assert {i["device_index"] for i in rest} == {1}
    assert {i["interface_type"] for i in rest} == {"efa-only"}
    sg = "${aws_security_group.llama-70b_InstanceSecurityGroup_"
    for interface in interfaces:
        assert interface["associate_public_ip_address"] == "false"
        assert interface["delete_on_termination"] == "true"
        assert len(interface["security_groups"]) == 1 and interface["security_groups"][0].startswith(sg)


def test_p5en_48xlarge_attaches_16_efa_interfaces(p5en_spot: dict[str, Any]) -> None:
    interfaces = launch_template(p5en_spot)["network_interfaces"]
    assert len(interfaces) == 16
    assert [(i["network_card_index"], i["device_index"], i["interface_type"]) for i in interfaces] == [
        (0, 0, "efa"), *[(card, 1, "efa-only") for card in range(1, 16)]
    ]


def test_p5_4xlarge_has_one_plain_interface_and_no_efa(small: dict[str, Any]) -> None:
    interfaces = launch_template(small)["network_interfaces"]
    assert len(interfaces) == 1
    assert interfaces[0]["device_index"] == 0
    assert "interface_type" not in interfaces[0] and "network_card_index" not in interfaces[0]
    assert resources(small, "aws_placement_group") == {}
    assert "placement_group" not in only(small, "aws_autoscaling_group")
    rules = {**resources(small, "aws_vpc_security_group_ingress_rule"), **resources(small, "aws_vpc_security_group_egress_rule")}
    assert all(r.get("ip_protocol") != "-1" for r in rules.values())
    assert "fi_info" not in user_data(small)


def test_efa_allows_all_traffic_from_and_to_the_instance_security_group(efa_on_demand: dict[str, Any]) -> None:
    ingress = resources(efa_on_demand, "aws_vpc_security_group_ingress_rule")
    egress = resources(efa_on_demand, "aws_vpc_security_group_egress_rule")
    self_in = [r for r in ingress.values() if r["ip_protocol"] == "-1"]
    self_out = [r for r in egress.values() if r["ip_protocol"] == "-1"]
    assert len(self_in) == len(self_out) == 1
    for rule in (*self_in, *self_out):
        assert rule["security_group_id"] == rule["referenced_security_group_id"]
        assert "InstanceSecurityGroup" in rule["security_group_id"]
        assert "cidr_ipv4" not in rule and "from_port" not in rule
        assert rule["tags"]["CostCenter"] == "cc-4242"


def test_efa_cluster_placement_group_holds_the_instances(efa_on_demand: dict[str, Any]) -> None:
    group = only(efa_on_demand, "aws_placement_group")
    assert group["strategy"] == "cluster"
    assert group["name"] == "h100s-llama-70b"
    assert group["tags"]["CostCenter"] == "cc-4242" and group["tags"]["Target"] == "llama-70b"
    asg = only(efa_on_demand, "aws_autoscaling_group")
    assert asg["placement_group"].startswith("${aws_placement_group.") and asg["placement_group"].endswith(".name}")
    # EFA OS-bypass stays inside one subnet and a cluster placement group inside one AZ
    (subnet,) = asg["vpc_zone_identifier"]
    assert "Network_PrivateSubnet0_" in subnet
    assert len(only(efa_on_demand, "aws_lb")["subnets"]) == 2
    assert "llama_70b_placement_group_name" in outputs(efa_on_demand)


def test_spot_with_efa_keeps_the_placement_group_and_mixes_markets(p5en_spot: dict[str, Any]) -> None:
    assert only(p5en_spot, "aws_placement_group")["strategy"] == "cluster"
    asg = only(p5en_spot, "aws_autoscaling_group")
    distribution = asg["mixed_instances_policy"]["instances_distribution"]
    assert distribution["on_demand_percentage_above_base_capacity"] == 25
    assert asg["capacity_rebalance"] is True
    lt = launch_template(p5en_spot)
    assert "instance_market_options" not in lt and "capacity_reservation_specification" not in lt


def test_efa_off_explicitly_on_a_48xlarge(efa_on_demand: dict[str, Any]) -> None:
    doc = synth(props(max_size=2, efa=False))
    assert len(launch_template(doc)["network_interfaces"]) == 1
    assert resources(doc, "aws_placement_group") == {}
    assert len(only(doc, "aws_autoscaling_group")["vpc_zone_identifier"]) == 2


# ---------------------------------------------------------------------------------------------
# Capacity


def test_on_demand_launch_template_has_no_market_or_reservation(efa_on_demand: dict[str, Any]) -> None:
    lt = launch_template(efa_on_demand)
    assert "instance_market_options" not in lt and "capacity_reservation_specification" not in lt
    assert outputs(efa_on_demand)["llama_70b_capacity_type"]["value"] == "on-demand"


def test_reservation_targets_the_odcr_and_only_its_az(odcr: dict[str, Any]) -> None:
    lt = launch_template(odcr)
    assert lt["capacity_reservation_specification"] == {"capacity_reservation_target": {"capacity_reservation_id": BLOCK_ID}}
    assert "instance_market_options" not in lt
    # A reservation's instances are placed by the reservation: no placement group of our own.
    assert resources(odcr, "aws_placement_group") == {}
    subnets = resources(odcr, "aws_subnet")
    private = {k: v for k, v in subnets.items() if v["tags"].get("Tier") == "private"}
    assert [s["availability_zone_id"] for s in private.values()] == ["use1-az4"]
    asg = only(odcr, "aws_autoscaling_group")
    assert len(asg["vpc_zone_identifier"]) == 1 and "PrivateSubnet0" in asg["vpc_zone_identifier"][0]
    assert outputs(odcr)["llama_70b_capacity_reservation_target"]["value"] == BLOCK_ID


def test_reservation_resource_group_target() -> None:
    arn = "arn:aws:resource-groups:us-east-1:123456789012:group/p5-odcrs"
    doc = synth(props(capacity={"type": "reservation", "resource_group_arn": arn}))
    target = launch_template(doc)["capacity_reservation_specification"]["capacity_reservation_target"]
    assert target == {"capacity_reservation_resource_group_arn": arn}


def test_existing_capacity_block_is_targeted_with_market_type_and_checked_at_plan(existing_block: dict[str, Any]) -> None:
    lt = launch_template(existing_block)
    assert lt["instance_market_options"] == {"market_type": "capacity-block"}
    assert lt["capacity_reservation_specification"] == {"capacity_reservation_target": {"capacity_reservation_id": BLOCK_ID}}
    block = only({"resource": existing_block["data"]}, "aws_ec2_capacity_block_reservation")
    assert block["id"] == BLOCK_ID
    asg = only(existing_block, "aws_autoscaling_group")
    assert (asg["min_size"], asg["max_size"], asg["desired_capacity"]) == (4, 4, 4)
    assert asg["wait_for_capacity_timeout"] == "0"
    conditions = [p["condition"] for p in asg["lifecycle"]["precondition"]]
    assert any("instance_type == \"p5.48xlarge\"" in c for c in conditions)
    assert any("instance_count == 4" in c for c in conditions)
    assert any(c.startswith("${contains([data.aws_subnet.") and "availability_zone_id" in c for c in conditions)
    # existing subnets: their AZs are read at plan and the group keeps those in the block's AZ
    assert len(existing_block["data"]["aws_subnet"]) == 2
    (subnet,) = asg["vpc_zone_identifier"]
    assert subnet.startswith("${element(matchkeys([\"subnet-0a1b2c3d4e5f67891\", \"subnet-0a1b2c3d4e5f67892\"], [data.aws_subnet.")
    assert subnet.endswith(".availability_zone_id]), 0)}")
    assert resources(existing_block, "aws_placement_group") == {}
    out = outputs(existing_block)
    assert out["llama_70b_capacity_block_start"]["value"].endswith(".start_date}")
    assert out["llama_70b_capacity_block_end"]["value"].endswith(".end_date}")
    assert out["llama_70b_capacity_reservation_id"]["value"] == BLOCK_ID
    assert "llama_70b_capacity_block_upfront_fee" not in out


def test_capacity_block_purchase_emits_offering_and_reservation(purchase: dict[str, Any]) -> None:
    offering = only({"resource": purchase["data"]}, "aws_ec2_capacity_block_offering")
    assert offering == {
        "capacity_duration_hours": 48,
        "end_date_range": "2026-12-03T11:30:00Z",
        "instance_count": 2,
        "instance_type": "p5.48xlarge",
        "start_date_range": "2026-12-01T11:30:00Z",
    }
    block = only(purchase, "aws_ec2_capacity_block_reservation")
    assert block["capacity_block_offering_id"].endswith(".capacity_block_offering_id}")
    assert block["instance_platform"] == "Linux/UNIX"
    assert block["tags"]["CostCenter"] == "cc-4242" and block["tags"]["Owner"] == "gpu-team@example.com"
    # nothing is bought unless the offering's AZ has a subnet of the cluster (checked at plan)
    (pre,) = block["lifecycle"]["precondition"]
    offered = catalog.aws_offered_az_ids("us-east-1", "p5.48xlarge")
    assert pre["condition"].startswith("${contains([" + ", ".join(f'"{az}"' for az in offered) + "], data.aws_availability_zone.")
    assert pre["condition"].endswith(".zone_id)}")
    assert "nothing was bought" in pre["error_message"]


def test_capacity_block_purchase_launch_template_and_group(purchase: dict[str, Any]) -> None:
    lt = launch_template(purchase)
    assert lt["instance_market_options"] == {"market_type": "capacity-block"}
    target = lt["capacity_reservation_specification"]["capacity_reservation_target"]["capacity_reservation_id"]
    assert target.startswith("${aws_ec2_capacity_block_reservation.") and target.endswith(".id}")
    asg = only(purchase, "aws_autoscaling_group")
    assert (asg["min_size"], asg["max_size"], asg["desired_capacity"]) == (2, 2, 2)
    assert asg["wait_for_capacity_timeout"] == "0"
    # one subnet: the one in the block's AZ (EFA is on: 2 x p5.48xlarge)
    (subnet,) = asg["vpc_zone_identifier"]
    assert subnet.startswith("${element(matchkeys([aws_subnet.")
    assert "], [data.aws_availability_zone." in subnet and subnet.endswith(".zone_id]), 0)}")
    # a new VPC covers every AZ offering the type, so the block's AZ always has a subnet
    private = [s for s in resources(purchase, "aws_subnet").values() if s["tags"].get("Tier") == "private"]
    assert [s["availability_zone_id"] for s in private] == catalog.aws_offered_az_ids("us-east-1", "p5.48xlarge")[:6]
    # Capacity Blocks are placed in an UltraCluster: no placement group, even with EFA
    assert resources(purchase, "aws_placement_group") == {}
    assert len(lt["network_interfaces"]) == 32


def test_capacity_block_window_is_in_the_outputs(purchase: dict[str, Any]) -> None:
    out = outputs(purchase)
    for key, attribute in (("start", "start_date"), ("end", "end_date"), ("availability_zone", "availability_zone")):
        entry = out[f"llama_70b_capacity_block_{key}"]
        assert entry["value"].startswith("${aws_ec2_capacity_block_reservation.") and entry["value"].endswith(f".{attribute}}}")
        assert entry["description"].startswith("llama-70b: ")
    assert out["llama_70b_capacity_type"]["value"] == "capacity-block"
    fee = out["llama_70b_capacity_block_upfront_fee"]["value"]
    assert fee.startswith("${data.aws_ec2_capacity_block_offering.") and fee.endswith(".currency_code}")
    assert ".upfront_fee} ${data.aws_ec2_capacity_block_offering." in fee


# ---------------------------------------------------------------------------------------------
# Shared parts, image, user data, tags


@pytest.mark.parametrize("fixture", ["efa_on_demand", "p5en_spot", "small", "odcr", "existing_block", "purchase"])
def test_every_case_carries_cost_center_tags(fixture: str, request: pytest.FixtureRequest) -> None:
    doc = request.getfixturevalue(fixture)
    assert_tagged(doc)
    kinds = {s["resource_type"] for s in launch_template(doc)["tag_specifications"]}
    assert kinds == {"instance", "volume", "network-interface"}


def test_gpu_dlami_encrypted_root_volume_and_imdsv2(efa_on_demand: dict[str, Any], p5en_spot: dict[str, Any]) -> None:
    for doc, silicon in ((efa_on_demand, "h100"), (p5en_spot, "h200")):
        image = only({"resource": doc["data"]}, "aws_ssm_parameter")
        assert image["name"] == catalog.machine_image(silicon).ssm_parameter
        assert "/aws/service/deeplearning/" in image["name"]
        lt = launch_template(doc)
        (mapping,) = lt["block_device_mappings"]
        assert mapping["ebs"]["encrypted"] == "true"
        assert mapping["ebs"]["volume_size"] == catalog.machine_image(silicon).min_root_volume_gib
        assert lt["metadata_options"]["http_tokens"] == "required"


def test_user_data_checks_gpus_and_serves_vllm_on_cuda(efa_on_demand: dict[str, Any], small: dict[str, Any]) -> None:
    script = user_data(efa_on_demand)
    assert "nvidia-smi --list-gpus" in script
    assert "EXPECTED_GPUS=8" in script and "TENSOR_PARALLEL=8" in script
    assert "MAX_MODEL_LEN=8192" in script
    assert "MODEL=meta-llama/Llama-3.3-70B-Instruct" in script
    assert "/opt/amazon/efa/bin/fi_info" in script
    assert "VLLM_IMAGE=vllm/vllm-openai:" in script and "--gpus all" in script
    assert "/health" in script
    small_script = user_data(small)
    assert "EXPECTED_GPUS=1" in small_script and "TENSOR_PARALLEL=1" in small_script


def test_hf_token_grant_reaches_the_role() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-token-AbCdEf"
    doc = synth(props(serving={"model": "meta-llama/Llama-3.3-70B-Instruct", "hf_token_secret_arn": arn}))
    (instance_policy,) = [v for k, v in resources(doc, "aws_iam_role_policy").items() if "InstancePolicy" in k]
    policy = json.loads(instance_policy["policy"])
    assert policy["Statement"][0]["Resource"] == arn
    assert "secretsmanager get-secret-value" in user_data(doc)


def test_props_errors_are_readable_and_typed() -> None:
    with pytest.raises(SiliconfleetError) as err:
        props(instance_type="p5.4xlarge", efa=True)
    assert "efa: true is not possible on p5.4xlarge" in str(err.value)
    inf2 = Inf2ClusterProps(
        name="x1", region="us-east-1", instance_type="inf2.xlarge", network={"cidr": "10.1.0.0/16"},
        serving={"model": "a/b"}, **OWNERSHIP,
    )
    with pytest.raises(TypeError, match="P5Cluster needs P5ClusterProps"):
        synth_stack(lambda stack: P5Cluster(stack, "x", props=inf2))  # type: ignore[arg-type]
    assert issubclass(P5Cluster, AwsInferenceCluster) and issubclass(Inf2Cluster, AwsInferenceCluster)


def test_example_fleet_synthesizes_with_window_in_the_summary(tmp_path: Path) -> None:
    from siliconfleet.app import synth as synth_fleet_file

    result = synth_fleet_file(ROOT / "examples" / "p5-capacity-block.yaml", tmp_path / "out")
    text = "\n".join(result.lines())
    assert "llama-70b-block: buys a Capacity Block of 2 x p5.48xlarge: starts between 2026-12-01T11:30:00Z and 2026-12-08T11:30:00Z" in text
    assert "48 h (2 days), ends by 2026-12-10T11:30:00Z" in text
    assert "llama-70b-block: EFA: 32 interfaces per instance" in text
    (stack,) = result.stacks
    doc = json.loads((tmp_path / "out" / stack.path).read_text())
    assert_tagged(doc)
    assert len(resources(doc, "aws_ec2_capacity_block_reservation")) == 1


# ---------------------------------------------------------------------------------------------
# The archived CDKTF engine (make test-cdktf): its AWS bindings (aws 6.25) can buy a block but
# cannot read an existing one.


@pytest.mark.cdktf
def test_cdktf_engine_synthesizes_a_purchase_with_efa() -> None:
    doc = synth(props(capacity={"type": "capacity-block", "purchase": PURCHASE}))
    assert len(launch_template(doc)["network_interfaces"]) == 32
    assert only(doc, "aws_ec2_capacity_block_reservation")["instance_platform"] == "Linux/UNIX"
    assert_tagged(doc)


@pytest.mark.cdktf
def test_cdktf_engine_explains_it_cannot_read_an_existing_block() -> None:
    p = props(capacity={"type": "capacity-block", "reservation_id": BLOCK_ID, "instance_count": 2})
    with pytest.raises(SiliconfleetError, match="capacity.reservation_id: an existing Capacity Block .*the .cdktf. engine lack.*SILICONFLEET_ENGINE=cdktn"):
        synth(p)
