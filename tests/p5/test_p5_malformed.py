"""Malformed aws-p5 targets: each is rejected with the field path, the value and how to fix it."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from siliconfleet import catalog
from siliconfleet.errors import SiliconfleetError
from siliconfleet.spec import validate_fleet
from tests.conftest import ROOT

TARGET: dict[str, Any] = {
    "kind": "aws-p5",
    "name": "llama-70b",
    "region": "us-east-1",
    "instance_type": "p5.48xlarge",
    "network": {"cidr": "10.50.0.0/16"},
    "serving": {"model": "meta-llama/Llama-3.3-70B-Instruct"},
}
FLEET: dict[str, Any] = {
    "fleet": "gpu-fleet",
    "cost_center": "cc-4242",
    "owner": "gpu-team@example.com",
    "environment": "prod",
    "targets": [TARGET],
}
PURCHASE = {"start": "2026-12-01T11:30:00Z", "duration_hours": 48, "instance_count": 2}
BLOCK = {"type": "capacity-block", "purchase": PURCHASE}


def fleet_with(**changes: Any) -> dict[str, Any]:
    """The valid fleet with its target changed; a value of None removes the key."""
    doc = copy.deepcopy(FLEET)
    target = doc["targets"][0]
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return doc


def problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(SiliconfleetError) as err:
        validate_fleet(doc)
    return err.value.lines()


def test_the_base_fleet_is_valid() -> None:
    assert validate_fleet(copy.deepcopy(FLEET)).targets[0].kind == "aws-p5"


# (id, changes to the target, field path that must be named, words the message must carry)
CASES: list[tuple[str, dict[str, Any], str, tuple[str, ...]]] = [
    ("efa-on-p5-4xlarge", {"instance_type": "p5.4xlarge", "efa": True},
     "targets[0].efa", ("p5.4xlarge", "p5.48xlarge", "remove efa")),
    ("spot-inside-capacity-block", {"capacity": {**BLOCK, "spot_fraction": 0.5}},
     "targets[0].capacity.spot_fraction", ("0.5", "capacity-block", "remove spot_fraction")),
    ("top-level-spot-with-capacity-block", {"capacity": BLOCK, "spot_fraction": 0.5},
     "targets[0].spot_fraction", ("0.5", "capacity-block", "never mixes with spot")),
    ("spot-with-reservation", {"capacity": {"type": "reservation", "reservation_id": "cr-0123456789abcdef0", "spot_fraction": 1}},
     "targets[0].capacity.spot_fraction", ("reservation", "remove spot_fraction")),
    ("max-size-not-the-block", {"capacity": BLOCK, "min_size": 2, "max_size": 4},
     "targets[0].max_size", ("4", "2 instances", "capacity.purchase.instance_count")),
    ("min-size-not-the-block", {"capacity": BLOCK, "min_size": 1},
     "targets[0].min_size", ("1", "2 instances", "set min_size and max_size to 2")),
    ("desired-not-the-existing-block", {
        "capacity": {"type": "capacity-block", "reservation_id": "cr-0123456789abcdef0", "instance_count": 8},
        "desired_size": 4},
     "targets[0].desired_size", ("4", "8 instances", "capacity.instance_count")),
    ("p5e-on-demand", {"instance_type": "p5e.48xlarge", "region": "us-east-2"},
     "targets[0].capacity.type", ("'on-demand'", "p5e.48xlarge", "capacity-block")),
    ("p5e-spot", {"instance_type": "p5e.48xlarge", "region": "us-east-2", "capacity": {"type": "spot"}},
     "targets[0].capacity.type", ("'spot'", "not sold on demand or as spot")),
    ("tensor-parallel-above-gpus", {"instance_type": "p5.4xlarge", "serving": {"model": "a/b", "tensor_parallel_degree": 2}},
     "targets[0].serving.tensor_parallel_degree", ("2 exceeds the 1 GPU of p5.4xlarge", "p5.48xlarge")),
    ("tensor-parallel-above-eight", {"serving": {"model": "a/b", "tensor_parallel_degree": 16}},
     "targets[0].serving.tensor_parallel_degree", ("16 exceeds the 8 GPUs", "use at most 8")),
    ("near-miss-instance-type", {"instance_type": "p5.48xl"},
     "targets[0].instance_type", ("'p5.48xl'", "p5 instance type", "did you mean 'p5.48xlarge'")),
    ("inf2-type-on-p5-kind", {"instance_type": "inf2.48xlarge"},
     "targets[0].instance_type", ("inf2.48xlarge", "allowed: p5.4xlarge, p5.48xlarge, p5e.48xlarge, p5en.48xlarge")),
    ("block-with-id-and-purchase", {"capacity": {**BLOCK, "reservation_id": "cr-0123456789abcdef0"}},
     "targets[0].capacity.reservation_id", ("both", "give exactly one")),
    ("block-with-neither", {"capacity": {"type": "capacity-block"}},
     "targets[0].capacity.reservation_id", ("neither", "purchase")),
    ("block-duration-not-whole-days", {"capacity": {**BLOCK, "purchase": {**PURCHASE, "duration_hours": 50}}},
     "targets[0].capacity.purchase.duration_hours", ("50 hours", "whole days")),
    ("block-duration-not-whole-weeks", {"capacity": {**BLOCK, "purchase": {**PURCHASE, "duration_hours": 15 * 24}}},
     "targets[0].capacity.purchase.duration_hours", ("360 hours", "whole weeks")),
    ("block-size-not-sold", {"capacity": {**BLOCK, "purchase": {**PURCHASE, "instance_count": 3}}},
     "targets[0].capacity.purchase.instance_count", ("3 instances", "1, 2, 4, 8, 16, 32, 64")),
    ("block-start-without-time-zone", {"capacity": {**BLOCK, "purchase": {**PURCHASE, "start": "2026-12-01T11:30:00"}}},
     "targets[0].capacity.purchase.start", ("timezone",)),
    ("block-latest-start-before-start", {"capacity": {**BLOCK, "purchase": {**PURCHASE, "latest_start": "2026-11-30T11:30:00Z"}}},
     "targets[0].capacity.purchase.latest_start", ("2026-11-30T11:30:00Z is before start",)),
    ("purchase-with-existing-block-count", {"capacity": {**BLOCK, "instance_count": 2}},
     "targets[0].capacity.instance_count", ("existing block", "purchase.instance_count")),
    ("bad-reservation-id", {"capacity": {"type": "reservation", "reservation_id": "cr-123"}},
     "targets[0].capacity.reservation_id", ("'cr-123'", "capacity reservation id")),
    ("reservation-id-and-group", {"capacity": {
        "type": "reservation", "reservation_id": "cr-0123456789abcdef0",
        "resource_group_arn": "arn:aws:resource-groups:us-east-1:123456789012:group/odcrs"}},
     "targets[0].capacity.reservation_id", ("both", "give exactly one")),
    ("reservation-az-elsewhere", {"capacity": {"type": "reservation", "reservation_id": "cr-0123456789abcdef0", "availability_zone_id": "usw2-az1"}},
     "targets[0].capacity.availability_zone_id", ("usw2-az1", "does not offer p5.48xlarge in us-east-1")),
    ("azs-without-the-reservation", {
        "capacity": {"type": "reservation", "reservation_id": "cr-0123456789abcdef0", "availability_zone_id": "use1-az4"},
        "network": {"cidr": "10.50.0.0/16", "availability_zone_ids": ["use1-az1", "use1-az2"]}},
     "targets[0].network.availability_zone_ids", ("use1-az1, use1-az2 do not include use1-az4", "add it")),
    ("spot-fraction-contradiction", {"capacity": {"type": "spot", "spot_fraction": 0.5}, "spot_fraction": 0.25},
     "targets[0].spot_fraction", ("0.25 contradicts capacity.spot_fraction 0.5",)),
    ("on-demand-with-spot-fraction", {"capacity": {"type": "on-demand"}, "spot_fraction": 0.5},
     "targets[0].spot_fraction", ("'on-demand'", "type: spot")),
    ("capacity-type-typo", {"capacity": {"type": "capacity_block"}},
     "targets[0].capacity.type", ("'capacity_block'", "did you mean 'capacity-block'")),
    ("root-volume-too-small", {"root_volume_gib": 100},
     "targets[0].root_volume_gib", ("100 GiB", "at least 200")),
    ("type-not-offered-in-region", {"instance_type": "p5en.48xlarge", "region": "ca-central-1"},
     "targets[0].region", ("p5en.48xlarge is not offered in ca-central-1", "us-east-1")),
    ("unpinned-vllm-image", {"vllm_image": "vllm/vllm-openai"},
     "targets[0].vllm_image", ("'vllm/vllm-openai'", "pinned by a version tag")),
    ("latest-vllm-image", {"vllm_image": "vllm/vllm-openai:latest"},
     "targets[0].vllm_image", ("'vllm/vllm-openai:latest'", "(not latest)")),
    ("spot-share-zero", {"capacity": {"type": "spot", "spot_fraction": 0}},
     "targets[0].capacity.spot_fraction", ("greater than 0",)),
]


@pytest.mark.parametrize(("changes", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_p5_target_names_the_field(changes: dict[str, Any], path: str, words: tuple[str, ...]) -> None:
    lines = problems(fleet_with(**changes))
    hits = [line for line in lines if line.startswith(f"<fleet>: {path}: ")]
    assert hits, f"no problem at {path}: {lines}"
    for word in words:
        assert any(word in line for line in hits), f"{word!r} not in {hits}"


def test_inf2_target_with_capacity_block_fields_is_rejected() -> None:
    doc = copy.deepcopy(FLEET)
    doc["targets"] = [{
        "kind": "aws-inf2", "name": "llama-8b", "region": "us-east-1", "instance_type": "inf2.48xlarge",
        "network": {"cidr": "10.40.0.0/16"}, "serving": {"model": "a/b"}, "capacity": BLOCK, "efa": True,
    }]
    lines = problems(doc)
    assert any(line.startswith("<fleet>: targets[0].capacity: unknown key; allowed keys here:") for line in lines)
    assert any(line.startswith("<fleet>: targets[0].efa: unknown key") for line in lines)


def test_capacity_block_on_a_type_without_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = dict(catalog.aws_instance_types())
    rows["p5.48xlarge"] = rows["p5.48xlarge"].model_copy(update={"capacity_blocks": False})
    monkeypatch.setattr(catalog, "aws_instance_types", lambda: rows)
    lines = problems(fleet_with(capacity=BLOCK))
    assert any(
        line.startswith("<fleet>: targets[0].capacity.type: 'capacity-block' is not possible for p5.48xlarge") for line in lines
    )


def test_every_problem_of_a_target_is_reported_at_once() -> None:
    lines = problems(fleet_with(
        instance_type="p5.4xlarge", efa=True, root_volume_gib=50,
        serving={"model": "a/b", "tensor_parallel_degree": 4},
        capacity={"type": "capacity-block", "spot_fraction": 0.5, "purchase": {**PURCHASE, "duration_hours": 7, "instance_count": 5}},
    ))
    paths = [line.split(": ")[1] for line in lines]
    assert sorted(paths) == sorted([
        "targets[0].capacity.spot_fraction",
        "targets[0].capacity.purchase.duration_hours",
        "targets[0].capacity.purchase.instance_count",
        "targets[0].efa",
        "targets[0].root_volume_gib",
        "targets[0].serving.tensor_parallel_degree",
    ])


def test_cross_field_problems_are_reported_beside_field_errors() -> None:
    lines = problems(fleet_with(capacity=BLOCK, max_size=4, vllm_image="latest"))
    paths = {line.split(": ")[1] for line in lines}
    assert paths == {"targets[0].vllm_image", "targets[0].max_size"}


# ---------------------------------------------------------------------------------------------
# Through the command line: exit 2, one line per problem, no traceback


CLI_CASES = ["efa-on-p5-4xlarge", "top-level-spot-with-capacity-block", "max-size-not-the-block", "p5e-on-demand",
             "tensor-parallel-above-gpus"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_validate_exits_2_naming_the_field(case: str, tmp_path: Path) -> None:
    _, changes, path, _ = next(c for c in CASES if c[0] == case)
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump(fleet_with(**changes), sort_keys=False))
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "siliconfleet"), "validate", "--fleet", str(fleet)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert f"{fleet}:" in proc.stderr and f": {path}: " in proc.stderr
    assert all(line.startswith("error: ") or line.endswith("nothing was written") for line in proc.stderr.splitlines())
