"""A corpus of malformed fleet files: each is rejected, naming the field (or the file problem)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from siliconfleet.errors import SiliconfleetError
from siliconfleet.spec import load_fleet

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "malformed"
#: files that cannot carry an "# expect:" comment
EXPECT_OTHER = {"47-empty.yaml": "is empty", "48-binary.yaml": "binary file", "49-json-syntax.json": "JSON syntax error"}


def expectation(path: Path) -> str:
    if path.name in EXPECT_OTHER:
        return EXPECT_OTHER[path.name]
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} lacks an '# expect:' line"
    return first.removeprefix("# expect: ")


FILES = sorted(p for p in CORPUS.iterdir() if p.is_file())


def test_corpus_is_large_enough():
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_rejected_with_field_path(path: Path):
    with pytest.raises(SiliconfleetError) as info:
        load_fleet(path)
    text = "\n".join(info.value.lines())
    assert expectation(path) in text, text
    # every line names the file, so a user can jump to it
    assert all(line.startswith(str(path)) for line in info.value.lines())


def test_secret_values_are_never_printed():
    for name in ("35-groq-key-in-tag.yaml", "36-aws-key-in-model.yaml"):
        with pytest.raises(SiliconfleetError) as info:
            load_fleet(CORPUS / name)
        text = "\n".join(info.value.lines())
        assert "gsk_" not in text and "AKIA" not in text
        assert "keys never belong in a fleet file" in text


@pytest.mark.parametrize("name", ["09-near-miss-instance-type.yaml", "44-syntax-error.yaml", "48-binary.yaml", "12-duplicate-target-names.yaml"])
def test_cli_exits_2_without_traceback(name: str):
    proc = subprocess.run(
        [sys.executable, "-m", "siliconfleet.cli", "validate", "--fleet", str(CORPUS / name)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert proc.stdout == ""


def test_missing_file_is_one_clear_line(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "siliconfleet.cli", "validate", "--fleet", str(tmp_path / "nope.yaml")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "fleet file not found" in proc.stderr
