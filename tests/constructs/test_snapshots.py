"""Reviewable JSON snapshots of synthesized stacks.

A change to what siliconfleet synthesizes shows up here as a diff a reviewer can read. After an
intended change, refresh them with `UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/constructs/test_snapshots.py`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from siliconfleet import app
from siliconfleet.constructs import Inf2Cluster, Inf2ClusterProps
from tests.conftest import ROOT, synth_stack

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"


def strip_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value


def check_snapshot(name: str, doc: dict[str, Any]) -> None:
    text = json.dumps(strip_metadata(doc), indent=2, sort_keys=True) + "\n"
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"missing snapshot {path.name}: run with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(), f"{path.name} changed: review the diff, then refresh with UPDATE_SNAPSHOTS=1"


def test_example_fleet_snapshot(tmp_path: Path):
    shutil.copy(ROOT / "fleet.yaml", tmp_path / "fleet.yaml")
    result = app.synth(tmp_path / "fleet.yaml", tmp_path / "out")
    (stack,) = result.stacks
    doc = json.loads((tmp_path / "out" / stack.path).read_text())
    check_snapshot("example-fleet.llama-chat-aws-us-east-1.json", doc)


def test_existing_vpc_spot_cluster_snapshot():
    props = Inf2ClusterProps(
        name="qwen-8b", region="us-west-2", instance_type="inf2.xlarge", min_size=2, max_size=4, spot_fraction=0.5,
        network={"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": ["subnet-0123456789abcdef0"]},
        serving={"model": "Qwen/Qwen3-8B", "max_model_len": 2048},
        allowed_security_group_ids=["sg-0123456789abcdef0"],
        cost_center="cc-1234", owner="team@example.com", environment="staging",
    )
    check_snapshot("inf2-existing-vpc-spot.json", synth_stack(lambda s: Inf2Cluster(s, "qwen", props=props), aws_region="us-west-2"))


@pytest.mark.parametrize("name", ["example-fleet.llama-chat-aws-us-east-1.json", "inf2-existing-vpc-spot.json", "tpu-v5e-slice.json"])
def test_snapshots_hold_no_secrets_or_absolute_paths(name: str):
    text = (SNAPSHOTS / name).read_text()
    assert "/tmp/" not in text and "/work/" not in text and "/home/" not in text


def test_tpu_slice_snapshot():
    from siliconfleet import engine
    from siliconfleet.constructs import TpuV5eSlice, TpuV5eSliceProps

    props = TpuV5eSliceProps(
        name="llama-tpu", project="acme-inference-prod", zone="us-west4-a", accelerator_type="v5litepod-4",
        network={"cidr": "10.80.0.0/20"}, serving={"model": "meta-llama/Llama-3.1-8B-Instruct"},
        allowed_cidrs=["10.40.0.0/16"], cost_center="cc-1234", owner="team@example.com", environment="prod",
    )

    def build(stack):
        engine.google_beta("provider").GoogleBetaProvider(stack, "google-beta", project=props.project, zone=props.zone)
        TpuV5eSlice(stack, "llama", props=props)

    check_snapshot("tpu-v5e-slice.json", synth_stack(build, aws_region=None))
