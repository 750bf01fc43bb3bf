"""Fleet to synthesized Terraform: stacks, backends, atomic output, determinism, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from siliconfleet import app
from siliconfleet.errors import Problem, SiliconfleetError
from siliconfleet.spec import validate_fleet
from tests.conftest import ROOT


def stack_doc(out: Path, name: str) -> dict[str, Any]:
    return json.loads((out / "stacks" / name / "cdk.tf.json").read_text())


@pytest.fixture(scope="module")
def two_region_synth(tmp_path_factory) -> tuple[app.SynthResult, Path]:
    base = tmp_path_factory.mktemp("multi")
    shutil.copy(ROOT / "examples" / "inf2-multi-region.yaml", base / "fleet.yaml")
    out = base / "out"
    return app.synth(base / "fleet.yaml", out), out


def test_one_stack_per_region_with_its_provider_and_backend(two_region_synth):
    result, out = two_region_synth
    assert [s.name for s in result.stacks] == ["support-bot-aws-us-east-1", "support-bot-aws-us-west-2"]
    east = stack_doc(out, "support-bot-aws-us-east-1")
    (provider,) = east["provider"]["aws"]
    assert provider["region"] == "us-east-1"
    assert provider["default_tags"][0]["tags"]["CostCenter"] == "cc-4711"
    assert provider["default_tags"][0]["tags"]["DataClassification"] == "internal"
    s3 = east["terraform"]["backend"]["s3"]
    assert s3["key"] == "siliconfleet/support-bot/support-bot-aws-us-east-1.tfstate"
    assert s3["encrypt"] is True and s3["use_lockfile"] is True and "dynamodb_table" not in s3
    west = stack_doc(out, "support-bot-aws-us-west-2")
    assert west["terraform"]["backend"]["s3"]["key"].endswith("/support-bot-aws-us-west-2.tfstate")
    assert result.stacks[0].resources == sum(len(v) for v in east["resource"].values())


def test_summary_names_stacks_resources_and_where(two_region_synth):
    result, _ = two_region_synth
    lines = result.lines()
    assert lines[0].startswith("siliconfleet: fleet 'support-bot', 2 targets, engine ")
    assert "support-bot-aws-us-east-1" in lines[1] and "resources" in lines[1] and "llama-8b-east" in lines[1]
    assert lines[-1].startswith("Terraform written to ")


def test_no_absolute_paths_in_the_output(two_region_synth, fleet_dict, tmp_path):
    _, out = two_region_synth
    for path in out.rglob("*.json"):
        assert str(out.parent) not in path.read_text(), path
    # the default local backend is relative to the stack's working directory too
    result = app.synth_fleet(validate_fleet(fleet_dict), fleet_dir=tmp_path, out=tmp_path / "o")
    backend = stack_doc(tmp_path / "o", result.stacks[0].name)["terraform"]["backend"]["local"]
    assert backend == {"path": "../../../state/test-fleet-aws-us-east-1.tfstate"}


def test_gcs_and_dynamodb_backends(fleet_dict, tmp_path):
    fleet_dict["backend"] = {"type": "s3", "bucket": "acme-state", "key": "sf/", "region": "eu-west-1", "locking": "dynamodb", "dynamodb_table": "locks"}
    result = app.synth_fleet(validate_fleet(fleet_dict), fleet_dir=tmp_path, out=tmp_path / "s3")
    s3 = stack_doc(tmp_path / "s3", result.stacks[0].name)["terraform"]["backend"]["s3"]
    assert s3["dynamodb_table"] == "locks" and "use_lockfile" not in s3 and s3["key"] == "sf/test-fleet-aws-us-east-1.tfstate"
    fleet_dict["backend"] = {"type": "gcs", "bucket": "acme-state", "prefix": "siliconfleet"}
    result = app.synth_fleet(validate_fleet(fleet_dict), fleet_dir=tmp_path, out=tmp_path / "gcs")
    gcs = stack_doc(tmp_path / "gcs", result.stacks[0].name)["terraform"]["backend"]["gcs"]
    assert gcs == {"bucket": "acme-state", "prefix": "siliconfleet/test-fleet-aws-us-east-1"}


def test_targets_in_one_region_share_a_stack(fleet_dict, tmp_path):
    second = dict(fleet_dict["targets"][0], name="qwen-8b", network={"cidr": "10.41.0.0/16"})
    fleet_dict["targets"].append(second)
    result = app.synth_fleet(validate_fleet(fleet_dict), fleet_dir=tmp_path, out=tmp_path / "o")
    assert [(s.name, s.targets) for s in result.stacks] == [("test-fleet-aws-us-east-1", ["llama-8b", "qwen-8b"])]
    doc = stack_doc(tmp_path / "o", "test-fleet-aws-us-east-1")
    assert len(doc["resource"]["aws_launch_template"]) == 2


def test_failed_check_leaves_previous_output_untouched(fleet_dict, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.txt").write_text("last good synth")
    import siliconfleet.tagcheck as tagging

    monkeypatch.setattr(tagging, "check_cost_center_tags", lambda doc: [tagging.UntaggedResource("aws_vpc.x", "no CostCenter tag")])
    with pytest.raises(SiliconfleetError) as info:
        app.synth_fleet(validate_fleet(fleet_dict), fleet_dir=tmp_path, out=out)
    assert info.value.problems == [Problem("stack test-fleet-aws-us-east-1", "aws_vpc.x: no CostCenter tag")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left behind
    assert [p.name for p in out.iterdir()] == ["previous.txt"]


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "siliconfleet.cli", *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})},
    )


def test_synth_is_byte_identical_across_folders_and_hash_seeds(tmp_path):
    outputs = []
    for folder, seed in (("a", "1"), ("b/deeper", "4242")):
        work = tmp_path / folder
        work.mkdir(parents=True)
        shutil.copy(ROOT / "fleet.yaml", work / "fleet.yaml")
        proc = run_cli("synth", cwd=work, env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        outputs.append({str(p.relative_to(work)): p.read_bytes() for p in sorted((work / "cdktf.out").rglob("*")) if p.is_file()})
    assert outputs[0].keys() == outputs[1].keys()
    assert "cdktf.out/stacks/llama-chat-aws-us-east-1/cdk.tf.json" in outputs[0]
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], name


def test_main_py_honours_the_cli_outdir(tmp_path):
    shutil.copy(ROOT / "fleet.yaml", tmp_path / "fleet.yaml")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py")], cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, "CDKTF_OUTDIR": str(tmp_path / "cli-out")},
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "cli-out" / "manifest.json").is_file()
    assert "Terraform written to" in proc.stdout
    assert "end-of-life" not in proc.stdout + proc.stderr  # no Node banner to learn to ignore


def test_bad_fleet_writes_nothing(tmp_path):
    (tmp_path / "fleet.yaml").write_text((ROOT / "fleet.yaml").read_text().replace("inf2.8xlarge", "inf2.8xl"))
    proc = run_cli("synth", cwd=tmp_path)
    assert proc.returncode == 2
    assert "did you mean 'inf2.8xlarge'?" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.yaml"]


def test_preload_loads_the_bindings_of_the_fleets_clouds(monkeypatch):
    from siliconfleet import _preload, engine

    loaded: list[str] = []
    monkeypatch.setattr(engine, "core", lambda: loaded.append("core"))
    monkeypatch.setattr(engine, "aws", lambda module: loaded.append(f"aws.{module}"))
    monkeypatch.setattr(engine, "google_beta", lambda module: loaded.append(f"google-beta.{module}"))
    _preload.start_preload({"aws", "gcp"}).join()
    assert loaded == ["core", "aws.provider", "google-beta.provider"]
    loaded.clear()
    _preload.start_preload({"gcp"}).join()
    assert loaded == ["core", "google-beta.provider"]
