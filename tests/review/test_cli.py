"""`siliconfleet review` end to end: staleness, exit codes, acknowledgements, determinism, no CDK import."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from siliconfleet.cli import main
from siliconfleet.review.findings import acknowledge, covers
from siliconfleet.review.model import Finding
from siliconfleet.review.source import head_output, staleness

from .builders import FIXTURES, fleet_doc, inf2, stack_doc, write_output

ENGINE_MODULES = ("cdktn", "cdktf", "constructs", "jsii", "cdktn_provider_aws", "cdktf_cdktf_provider_aws")


def review(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["review", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- staleness -----------------------------------------------------------------------------------


class Recorder:
    def __init__(self, sha: str):
        self.calls: list[tuple[Path, Path]] = []
        self.sha = sha

    def __call__(self, fleet: Path, out: Path) -> None:
        self.calls.append((fleet, out))
        write_output(out, fleet_doc(inf2("chat")), {"s-aws-us-east-1": (["chat"], stack_doc())}, fleet_sha256=self.sha)


def test_a_missing_output_is_synthesized_first(tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("fleet: x\n")
    synth = Recorder(hashlib.sha256(fleet.read_bytes()).hexdigest())
    log: list[str] = []
    out = head_output(tmp_path / "out", fleet, fleet_given=True, synth=synth, log=log.append)
    assert synth.calls == [(fleet, tmp_path / "out")]
    assert out.fleet["targets"][0]["name"] == "chat"
    assert "does not exist: synthesizing" in log[0]


def test_an_up_to_date_output_is_read_as_it_is_and_a_stale_one_synthesized_again(tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("fleet: x\n")
    digest = hashlib.sha256(fleet.read_bytes()).hexdigest()
    write_output(tmp_path / "out", fleet_doc(inf2("chat")), {"s-aws-us-east-1": (["chat"], stack_doc())}, fleet_sha256=digest)
    synth = Recorder(digest)
    head_output(tmp_path / "out", fleet, fleet_given=True, synth=synth)
    assert synth.calls == []
    fleet.write_text("fleet: y\n")  # the fleet file changed since the synth
    assert "fleet_sha256 differs" in staleness(tmp_path / "out", fleet)
    synth.sha = hashlib.sha256(fleet.read_bytes()).hexdigest()
    head_output(tmp_path / "out", fleet, fleet_given=True, synth=synth)
    assert len(synth.calls) == 1


def test_without_a_fleet_file_the_output_is_reviewed_as_it_is(tmp_path, capsys, monkeypatch):
    write_output(tmp_path / "out", fleet_doc(inf2("chat")), {"s-aws-us-east-1": (["chat"], stack_doc())})
    monkeypatch.chdir(tmp_path)
    code, out, err = review(capsys, "--out", "out", "--checkov", "off")
    assert code == 0 and out.startswith("## siliconfleet review: `hand-built`")
    assert "without a staleness check" in err


@pytest.mark.parametrize("argv, message", [
    (["--fleet", "nope.yaml"], "--fleet nope.yaml: no such file"),
    (["--out", "missing"], "{tmp}/missing holds no synth output and there is no fleet file"),
    (["--base", "missing-base"], "--base missing-base: no siliconfleet.json there"),
    (["--checkov", "/no/such/checkov"], "--checkov /no/such/checkov: no such file"),
])
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, capsys, monkeypatch, argv, message):
    write_output(tmp_path / "cdktf.out", fleet_doc(inf2("chat")), {"s-aws-us-east-1": (["chat"], stack_doc())})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CDKTF_OUTDIR", raising=False)
    code, out, err = review(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {message.format(tmp=tmp_path)}") and "Traceback" not in err


# --- exit codes and acknowledgements -----------------------------------------------------------


def drop_acknowledgements(out: Path) -> None:
    inventory = json.loads((out / "siliconfleet.json").read_text())
    inventory["fleet"]["acknowledgements"] = []
    (out / "siliconfleet.json").write_text(json.dumps(inventory))


@pytest.mark.parametrize("fail_on, acknowledged, code", [
    ("error", False, 0), ("warning", False, 1), ("never", False, 0),
    ("warning", True, 0),  # the acknowledged SF-COST-001 does not count
])
def test_exit_code_follows_fail_on_and_acknowledgements(pr_copy, capsys, monkeypatch, fail_on, acknowledged, code):
    if not acknowledged:
        drop_acknowledgements(pr_copy)
    monkeypatch.chdir(pr_copy.parent)  # no fleet.yaml here: reviewed as it is
    result, out, err = review(capsys, "--out", str(pr_copy), "--checkov", "off", "--fail-on", fail_on, "--format", "json")
    assert result == code
    finding = next(f for f in json.loads(out)["findings"] if f["id"] == "SF-COST-001")
    assert finding["acknowledged"] is acknowledged
    if code:
        assert "1 open finding(s) at --fail-on warning: SF-COST-001" in err


def test_an_acknowledged_finding_shows_its_reason(ci_run):
    text = (ci_run["pr_dir"] / "review.md").read_text()
    assert ":ballot_box_with_check: acknowledged: headroom for a 32B model next quarter" in text


def test_acknowledgements_match_by_rule_and_resource_glob():
    f = Finding("SF-NET-001", "error", "s-aws-us-east-1/aws_vpc_security_group_ingress_rule.chat_ClientIngress0", "m")
    assert covers({"rule": "SF-NET-001", "reason": "r"}, f)
    assert covers({"rule": "SF-NET-001", "resource": "*/aws_vpc_security_group_ingress_rule.chat_*", "reason": "r"}, f)
    assert not covers({"rule": "SF-NET-001", "resource": "*/aws_security_group.*", "reason": "r"}, f)
    assert not covers({"rule": "SF-EC2-001", "reason": "r"}, f)
    assert not covers({"rule": "SF-NET-001", "resource": "S-AWS-*", "reason": "r"}, f)  # globs are case-sensitive
    out, unused = acknowledge([f], [{"rule": "SF-TAG-001", "reason": "x"}, {"rule": "SF-NET-001", "reason": "because"}])
    assert out[0].acknowledged == "because"
    assert unused == [{"rule": "SF-TAG-001", "reason": "x"}]


def test_the_fleet_file_rejects_an_acknowledgement_without_a_reason(tmp_path, capsys):
    text = (FIXTURES / "pr.yaml").read_text().replace(
        '    reason: "headroom for a 32B model next quarter; accepted by platform-team, review 2027-03"\n', "")
    (tmp_path / "fleet.yaml").write_text(text)
    code, out, err = review(capsys, "--fleet", str(tmp_path / "fleet.yaml"), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "acknowledgements[0].reason: is required but missing" in err
    assert not (tmp_path / "out").exists()


# --- output, determinism and the import boundary ----------------------------------------------


def test_output_goes_to_the_file_named_by_output(pr_copy, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(pr_copy.parent)
    code, out, _ = review(capsys, "--out", str(pr_copy), "--checkov", "off", "--output", str(tmp_path / "r.md"))
    assert code == 0 and out == ""
    assert (tmp_path / "r.md").read_text().startswith("## siliconfleet review: `review-demo`")


def test_the_same_inputs_give_byte_identical_markdown_and_json(ci_run, capsys, monkeypatch, tmp_path):
    """Twice in this process, and once more in a fresh one with another hash seed, from a copy of
    the outputs in another folder: the bytes do not change."""
    monkeypatch.chdir(ci_run["pr_dir"])
    args = ["--fleet", "fleet.yaml", "--out", "build/pr", "--base", str(ci_run["base_out"]), "--checkov", "off"]
    first = {fmt: review(capsys, *args, "--format", fmt)[1] for fmt in ("markdown", "json")}
    second = {fmt: review(capsys, *args, "--format", fmt)[1] for fmt in ("markdown", "json")}
    assert first == second
    elsewhere = tmp_path / "copy"
    shutil.copytree(ci_run["pr_dir"], elsewhere, ignore=shutil.ignore_patterns("review.*"))
    shutil.copytree(ci_run["base_out"], tmp_path / "base")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    for fmt in ("markdown", "json"):
        proc = subprocess.run(
            [sys.executable, "-m", "siliconfleet.cli", "review", "--fleet", "fleet.yaml", "--out", "build/pr",
             "--base", str(tmp_path / "base"), "--checkov", "off", "--format", fmt],
            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == first[fmt]
    assert "synthesizing" not in proc.stderr


def test_reviewing_an_up_to_date_output_does_not_import_the_cdk_engine(ci_run):
    code = (
        "import sys\n"
        "from siliconfleet.cli import main\n"
        f"rc = main(['review', '--fleet', 'fleet.yaml', '--out', 'build/pr', '--base', {str(ci_run['base_out'])!r},\n"
        "            '--checkov', 'off', '--format', 'json', '--output', 'nocdk.json'])\n"
        "assert rc == 0, rc\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {ENGINE_MODULES!r} or m.startswith('siliconfleet.constructs'))\n"
        "assert not bad, bad\n"
        "assert 'siliconfleet.tagcheck' in sys.modules  # SF-TAG-001 ran, engine-free\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ci_run["pr_dir"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((ci_run["pr_dir"] / "nocdk.json").read_text())
    assert report["diff"]["monthly_usd_delta"] == 3301.62


def test_the_review_command_is_listed_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    out = capsys.readouterr().out
    for flag in ("--fleet", "--out", "--base", "--format", "--fail-on", "--checkov", "--output"):
        assert flag in out


def test_the_siliconfleet_error_of_a_broken_inventory_names_the_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "siliconfleet.json").write_text("{not json")
    monkeypatch.chdir(tmp_path)
    code, _, err = review(capsys, "--out", "out")
    assert code == 2 and "siliconfleet.json is not valid JSON" in err


def test_review_synthesizes_a_missing_output_and_reports_as_on_one_synthesized_by_synth(ci_run, capsys, tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "base.yaml", tmp_path / "fleet.yaml")
    monkeypatch.chdir(tmp_path)
    code, fresh, err = review(capsys, "--out", "out", "--checkov", "off", "--format", "json")
    assert code == 0 and "out does not exist: synthesizing fleet.yaml" in err
    assert (tmp_path / "out" / "siliconfleet.json").exists()
    monkeypatch.chdir(ci_run["base_dir"])
    code, reference, _ = review(capsys, "--out", str(ci_run["base_out"]), "--checkov", "off", "--format", "json")
    assert code == 0 and fresh == reference
