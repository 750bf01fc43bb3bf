"""The wheel ships templates/ and stacks/ inside the package, and the installed layout works."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (path,) = out.glob("siliconfleet-*.whl")
    return path


@pytest.mark.slow
def test_wheel_contents(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "siliconfleet/templates/vllm_neuron_user_data.sh.j2" in names
    assert "siliconfleet/stacks/aws_region.py" in names
    assert "siliconfleet/catalog/data/aws_instances.yaml" in names
    assert not any(n.startswith(("constructs/", "constructs.py", "tests/", "stacks/")) for n in names)


@pytest.mark.slow
def test_installed_layout_finds_templates_and_stacks(wheel: Path, tmp_path: Path):
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = (
        "import siliconfleet, siliconfleet.app as a, siliconfleet.templates as t;"
        "print(siliconfleet.__file__); print(t.templates_dir()); print(a._stacks_module().__name__)"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    module_file, templates, stacks = proc.stdout.split()
    assert module_file.startswith(str(tmp_path / "site"))
    assert templates == str(tmp_path / "site" / "siliconfleet" / "templates")
    assert stacks == "siliconfleet.stacks"
