"""Malformed gcp-tpu-v5e targets: each exits 2 through the CLI, naming the field and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from siliconfleet.cli import main

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "malformed_tpu"
FILES = sorted(CORPUS.glob("*.yaml"))


def header(path: Path, key: str) -> str:
    for line in path.read_text().splitlines():
        if line.startswith(f"# {key}: "):
            return line.removeprefix(f"# {key}: ")
    raise AssertionError(f"{path.name} lacks '# {key}:'")


def test_at_least_fifteen_cases():
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_rejected_with_exit_2_and_the_field_named(path: Path, capsys):
    assert main(["validate", "--fleet", str(path)]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    matching = [line for line in lines if f": {header(path, 'expect')}: " in line]
    assert matching, err
    assert any(header(path, "message") in line for line in matching), err
    assert "Traceback" not in err
