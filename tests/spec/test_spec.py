"""Fleet file loading: defaults, every-problem reporting, line numbers, JSON, secrets, tags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siliconfleet.errors import SiliconfleetError
from siliconfleet.spec import load_fleet, parse_fleet, validate_fleet
from siliconfleet.spec.secrets import classify
from tests.conftest import ROOT


def messages(exc: SiliconfleetError) -> list[str]:
    return [f"{p.path}: {p.message}" for p in exc.problems]


def test_example_fleet_and_defaults():
    fleet = load_fleet(ROOT / "fleet.yaml")
    (target,) = fleet.targets
    assert target.kind == "aws-inf2" and target.instance.neuron_cores == 2
    assert target.effective_desired_size == 1
    assert target.effective_root_volume_gib == 120
    assert target.availability_zone_ids == ["use1-az2", "use1-az4"]  # the first AZs offering inf2.8xlarge
    assert fleet.tags_for(target)["CostCenter"] == "infrastructure-survival"


def test_defaults_for_a_minimal_target(fleet_dict):
    target = validate_fleet(fleet_dict).targets[0]
    assert (target.min_size, target.max_size, target.effective_desired_size) == (1, 1, 1)
    assert target.effective_tensor_parallel_degree == 2
    assert target.serving.port == 8000 and target.spot_fraction == 0.0
    assert target.load_balancer_deletion_protection is True


def test_every_problem_is_reported_even_when_cross_field_checks_would_be_skipped(fleet_dict):
    target = fleet_dict["targets"][0]
    target.update(region="us-east1", allowed_cidrs=["0.0.0.0/0"], min_size=3, max_size=2)
    target["serving"]["tensor_parallel_degree"] = 4
    with pytest.raises(SiliconfleetError) as info:
        validate_fleet(fleet_dict)
    paths = sorted(p.path for p in info.value.problems)
    assert paths == [
        "targets[0].allowed_cidrs[0]",
        "targets[0].min_size",
        "targets[0].region",
        "targets[0].serving.tensor_parallel_degree",
    ]


def test_problems_in_several_targets_all_reported(fleet_dict):
    second = json.loads(json.dumps(fleet_dict["targets"][0]))
    second.update(name="qwen", instance_type="inf2.9xlarge")
    fleet_dict["targets"].append(second)
    fleet_dict["targets"][0]["serving"]["port"] = 22
    with pytest.raises(SiliconfleetError) as info:
        validate_fleet(fleet_dict)
    assert sorted(p.path for p in info.value.problems) == ["targets[0].serving.port", "targets[1].instance_type"]


def test_line_numbers_point_at_the_field():
    text = (ROOT / "fleet.yaml").read_text().replace("instance_type: inf2.8xlarge", "instance_type: inf2.8xl")
    with pytest.raises(SiliconfleetError) as info:
        parse_fleet(text, source="fleet.yaml")
    (problem,) = info.value.problems
    assert text.splitlines()[problem.line - 1].strip() == "instance_type: inf2.8xl"
    assert info.value.lines()[0].startswith(f"fleet.yaml:{problem.line}: targets[0].instance_type:")


def test_json_fleet_files(fleet_dict, tmp_path: Path):
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(fleet_dict, indent=2))
    assert load_fleet(path).fleet == "test-fleet"
    fleet_dict["targets"][0]["max_size"] = 0
    path.write_text(json.dumps(fleet_dict, indent=2))
    with pytest.raises(SiliconfleetError) as info:
        load_fleet(path)
    (problem,) = info.value.problems
    assert problem.path == "targets[0].max_size" and problem.line == path.read_text().splitlines().index('      "max_size": 0') + 1


def test_unknown_key_suggests_the_near_one(fleet_dict):
    fleet_dict["targets"][0]["instnace_type"] = fleet_dict["targets"][0].pop("instance_type")
    with pytest.raises(SiliconfleetError) as info:
        validate_fleet(fleet_dict)
    text = "\n".join(messages(info.value))
    assert "targets[0].instnace_type: unknown key; allowed keys here:" in text
    assert "(did you mean 'instance_type'?)" in text
    assert "targets[0].instance_type: is required but missing" in text


def test_too_many_tags(fleet_dict):
    fleet_dict["tags"] = {f"Extra{i}": "x" for i in range(45)}
    with pytest.raises(SiliconfleetError) as info:
        validate_fleet(fleet_dict)
    assert messages(info.value) == [
        "targets[0].tags: would carry 51 tags; AWS allows at most 50 (siliconfleet sets 6): drop some extra tags"
    ]
    fleet_dict["tags"] = {f"Extra{i}": "x" for i in range(44)}
    validate_fleet(fleet_dict)  # 44 + 6 = 50 is allowed


def test_tag_rules(fleet_dict):
    fleet_dict["tags"] = {"team": "ml+ops@acme: a/b=c_d.e", "k" * 127: "v" * 256}
    validate_fleet(fleet_dict)
    fleet_dict["tags"] = {"AWS:Team": "x", "ok": "v" * 257}
    with pytest.raises(SiliconfleetError) as info:
        validate_fleet(fleet_dict)
    assert sorted(p.path for p in info.value.problems) == ["tags.AWS:Team", "tags.ok"]


def test_availability_zone_ids_set_the_az_count(fleet_dict):
    fleet_dict["targets"][0]["network"] = {"cidr": "10.1.0.0/16", "availability_zone_ids": ["use1-az6", "use1-az5", "use1-az4"]}
    target = validate_fleet(fleet_dict).targets[0]
    assert target.network.az_count == 3 and target.availability_zone_ids == ["use1-az6", "use1-az5", "use1-az4"]


@pytest.mark.parametrize(
    "value",
    ["meta-llama/Llama-3.1-8B-Instruct", "infrastructure-survival", "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf",
     "10.40.0.0/16", "inf2.48xlarge", "a" * 40, "use1-az4", "vpc-0123456789abcdef0"],
)
def test_no_false_secret_alarms(value: str):
    assert classify(value) is None


@pytest.mark.parametrize(
    "value,kind",
    [
        ("gsk_" + "x1Y2" * 13, "Groq"),
        ("AKIAIOSFODNN7EXAMPLE", "access key"),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret access key"),
        ("-----BEGIN PRIVATE KEY-----\nMIIE", "private key"),
        ('{"type": "service_account", "private_key_id": "abc"}', "private key"),
        ("hf_" + "a1B2c3" * 6, "Hugging Face"),
    ],
)
def test_secret_kinds(value: str, kind: str):
    found = classify(value)
    assert found is not None and kind in found.name


def test_secret_in_a_key_name_is_caught_too(fleet_dict):
    fleet_dict["tags"] = {"gsk_" + "x1Y2" * 13: "v"}
    with pytest.raises(SiliconfleetError) as info:
        validate_fleet(fleet_dict)
    assert "gsk_" not in "\n".join(info.value.lines())
