"""`terraform init` + `terraform validate` on every synthesized example stack.

Needs the hashicorp/aws and google-beta providers from the Terraform registry, which this
project's machines cannot reach: marked `cloud`, it runs only with SILICONFLEET_CLOUD_TESTS=1.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from siliconfleet import app
from tests.conftest import ROOT

FLEETS = [ROOT / "fleet.yaml", *sorted((ROOT / "examples").glob("*.yaml"))]


@pytest.mark.cloud
@pytest.mark.parametrize("fleet", FLEETS, ids=[f.stem for f in FLEETS])
def test_terraform_validates_every_stack(fleet: Path, tmp_path: Path):
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not on PATH"
    result = app.synth(fleet, tmp_path / "out")
    for stack in result.stacks:
        workdir = tmp_path / "out" / "stacks" / stack.name
        init = subprocess.run([terraform, "init", "-backend=false", "-input=false", "-no-color"], cwd=workdir,
                              capture_output=True, text=True, check=False)
        assert init.returncode == 0, init.stderr
        check = subprocess.run([terraform, "validate", "-no-color"], cwd=workdir, capture_output=True, text=True, check=False)
        assert check.returncode == 0, f"{stack.name}: {check.stdout}{check.stderr}"
