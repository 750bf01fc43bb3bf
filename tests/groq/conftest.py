"""Shared fixtures of the Groq tests: one synth of examples/all-silicon.yaml through the command
line, with a canary Groq key in the environment, reused by every test that reads its output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

#: Shaped like a Groq key (the load-time guard rejects it anywhere in a fleet file); not a real one.
CANARY = "gsk_" + "Cn4ry7Qz" * 6
EXAMPLE = ROOT / "examples" / "all-silicon.yaml"
AWS_STACK = "assistant-aws-us-east-1"
TPU_STACK = "assistant-gcp-acme-inference-prod-us-west4-a"
GCP_GROQ_STACK = "assistant-gcp-acme-inference-prod"
ROUTING = ["llama-70b-inf2", "llama-70b-p5", "llama-8b-tpu", "groq-llama-70b", "groq-llama-8b"]


@dataclass(frozen=True)
class Synth:
    out: Path
    proc: subprocess.CompletedProcess

    def doc(self, stack: str) -> dict[str, Any]:
        return json.loads((self.out / "stacks" / stack / "cdk.tf.json").read_text())

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.out / "manifest.json").read_text())


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "siliconfleet.cli", *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


@pytest.fixture(scope="session")
def all_silicon(tmp_path_factory) -> Synth:
    """`siliconfleet synth` of the all-silicon example while GROQ_API_KEY (and a write-only
    variable) hold the canary, as on a workstation where the key is exported."""
    work = tmp_path_factory.mktemp("all-silicon")
    shutil.copy(EXAMPLE, work / "fleet.yaml")
    proc = run_cli(
        "synth", "--fleet", "fleet.yaml", "--out", "out", cwd=work,
        env={"GROQ_API_KEY": CANARY, "TF_VAR_groq_llama_70b_groq_api_key": CANARY},
    )
    assert proc.returncode == 0, proc.stderr
    return Synth(work / "out", proc)
