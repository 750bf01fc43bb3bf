"""`siliconfleet size` end to end: table, JSON, fleet mode, plots, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from siliconfleet.cli import main

REQUIRED_OPTION_KEYS = {"silicon", "fits", "devices", "tensor_parallel_degree", "decode_tokens_per_s", "usd_per_hour", "usd_per_million_tokens"}

FLEET = """\
fleet: chat
cost_center: cc-1
owner: team@example.com
environment: prod
targets:
  - kind: aws-inf2
    name: qwen-big
    region: us-east-1
    instance_type: inf2.48xlarge
    network: {cidr: 10.40.0.0/16}
    serving: {model: Qwen/Qwen3-8B, max_model_len: 8192, max_num_seqs: 8}
  - kind: aws-inf2
    name: llama-small
    region: us-east-1
    instance_type: inf2.8xlarge
    network: {cidr: 10.41.0.0/16}
    serving: {model: meta-llama/Llama-3.1-8B-Instruct, max_model_len: 4096, max_num_seqs: 4}
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["size", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_shows_ranking_recommendation_edge_formula_and_assumptions(capsys):
    code, out, err = run(capsys, "--model", "meta-llama/Llama-3.1-8B-Instruct", "--batch", "8")
    assert code == 0 and err == ""
    assert out.startswith("sizing meta-llama/Llama-3.1-8B-Instruct (llama-3.1-8b): 8.03B parameters")
    assert "memory: weights 16.06 GB + KV cache 4.29 GB" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("#  option"))
    assert lines[header + 1].split()[:2] == ["1", "groq"]
    assert "OVERSIZED" in out
    for heading in ("recommendation: ", "  inferentia2  inf2.xlarge, TP 2", "edge: fits on device", "formula:", "assumptions:",
                    "$/Mtok = $/h / (decode tokens/s x efficiency 0.5 x 3600) x 1e6"):
        assert heading in out, heading


def test_json_has_options_recommendation_and_edge(capsys):
    code, out, _ = run(capsys, "--model", "llama-3.1-70b", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["model"]["catalog_name"] == "llama-3.1-70b"
    for opt in doc["options"]:
        assert REQUIRED_OPTION_KEYS <= set(opt)
        assert ("instance_type" in opt) or ("accelerator_type" in opt) or ("model_id" in opt) or ("device" in opt)
    inf2 = {o["instance_type"]: o for o in doc["options"] if o["silicon"] == "inferentia2"}
    assert inf2["inf2.8xlarge"]["fits"] is False
    assert inf2["inf2.48xlarge"]["tensor_parallel_degree"] == 24
    assert doc["recommendation"]["option"] == "inf2.48xlarge"
    assert set(doc["edge"]) >= {"fits", "device"}
    assert doc["edge"]["device"] == "apple-m3-ultra-512gb"
    assert doc["formula"] and doc["assumptions"]["efficiency"] == 0.5


def test_explicit_numbers(capsys):
    code, out, _ = run(capsys, "--params", "14", "--layers", "40", "--kv-heads", "8", "--head-dim", "128",
                       "--dtype", "int4", "--format", "json")
    assert code == 0
    assert json.loads(out)["memory"]["weights_gb"] == 7.0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--params", "-8", "--layers", "32", "--kv-heads", "8", "--head-dim", "128"], ["--params: '-8' is negative"]),
        (["--model", "llama-3.1-8b", "--dtype", "fp3"], ["--dtype: 'fp3' is not a known dtype; allowed: bf16"]),
        (["--model", "acme/unknown-7b"], ["--model: 'acme/unknown-7b' is not in the model catalog; give --params"]),
        (["--model", "llama-3.1-8b", "--batch", "-2", "--context", "0"], ["--context: 0 is too small", "--batch: -2 is negative"]),
        (["--layers", "32"], ["--params: is required without a model", "--kv-heads: is required", "--head-dim: is required"]),
        ([], ["--model: give a model"]),
        (["--model", "llama-3.1-8b", "--fleet", "fleet.yaml"], ["--model: --fleet sizes each target with its own"]),
        (["--model", "llama-3.1-8b", "--plot", "chart.pdf"], ["--plot: 'chart.pdf' must end in .svg or .png"]),
    ],
)
def test_bad_input_exits_2_with_one_line_per_problem(capsys, tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    problem_lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(problem_lines) == len(expected)
    for line, want in zip(problem_lines, expected, strict=True):
        assert line.startswith(f"error: {want}"), line
    assert not list(tmp_path.iterdir())


def test_bad_input_in_a_subprocess_has_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "siliconfleet.cli", "size", "--model", "nope/nope"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --model: 'nope/nope' is not in the model catalog")
    assert "Traceback" not in proc.stderr


def test_size_does_not_import_the_cdk_engine():
    code = (
        "import sys\n"
        "from siliconfleet.cli import main\n"
        "assert main(['size', '--model', 'qwen3-8b', '--format', 'json']) == 0\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('cdktn', 'cdktf', 'constructs', 'jsii') or m == 'siliconfleet.engine']\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_fleet_sizes_each_target_and_reports_sf_cost_001(capsys, tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text(FLEET)
    code, out, err = run(capsys, "--fleet", str(path))
    assert code == 0, err
    assert "== targets[0] qwen-big (aws-inf2, runs on inf2.48xlarge in us-east-1) ==" in out
    assert "== targets[1] llama-small (aws-inf2, runs on inf2.8xlarge in us-east-1) ==" in out
    assert "context 8192 tokens x batch 8" in out and "context 4096 tokens x batch 4" in out
    warnings = [line for line in out.splitlines() if line.startswith("warning SF-COST-001")]
    assert len(warnings) == 1 and warnings[0].startswith("warning SF-COST-001 targets[0].instance_type: inf2.48xlarge has 384 GiB")


def test_fleet_json(capsys, tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text(FLEET)
    code, out, _ = run(capsys, "--fleet", str(path), "--format", "json", "--dtype", "fp8")
    assert code == 0
    doc = json.loads(out)
    assert [t["target"] for t in doc["targets"]] == ["qwen-big", "llama-small"]
    assert doc["targets"][0]["current"] == {"instance_type": "inf2.48xlarge", "region": "us-east-1", "usd_per_hour": 12.98127}
    assert doc["targets"][0]["sizing"]["dtype"] == "fp8"
    assert doc["targets"][0]["findings"][0]["rule_id"] == "SF-COST-001"
    assert doc["targets"][1]["findings"] == []


def test_fleet_with_a_model_outside_the_catalog_names_the_field(capsys, tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text(FLEET.replace("Qwen/Qwen3-8B", "acme/private-model"))
    code, out, err = run(capsys, "--fleet", str(path))
    assert code == 2 and out == ""
    (line,) = [x for x in err.splitlines() if x.startswith("error: ")]
    assert line.startswith(f"error: {path}: targets[0].serving.model: 'acme/private-model' is not in the model catalog")


def test_fleet_file_errors_are_the_loaders(capsys, tmp_path):
    code, _, err = run(capsys, "--fleet", str(tmp_path / "missing.yaml"))
    assert code == 2 and "fleet file not found" in err


def test_svg_plot_has_one_point_per_priced_option_that_fits(capsys, tmp_path):
    chart = tmp_path / "size.svg"
    code, out, _ = run(capsys, "--model", "qwen3-8b", "--batch", "8", "--plot", str(chart))
    assert code == 0 and f"plot written to {chart}" in out
    root = ET.fromstring(chart.read_text())
    ns = "{http://www.w3.org/2000/svg}"
    points = [c for c in root.iter(f"{ns}circle") if c.find(f"{ns}title") is not None]
    code, out, _ = run(capsys, "--model", "qwen3-8b", "--batch", "8", "--format", "json")
    expected = [o for o in json.loads(out)["options"] if o["fits"] and o["usd_per_million_tokens"] and o["decode_tokens_per_s"]]
    assert len(points) == len(expected) > 3
    assert "OVERSIZED v5litepod-8" in {p.find(f"{ns}title").text for p in points}


def test_png_plot_without_matplotlib_says_how_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, out, err = run(capsys, "--model", "qwen3-8b", "--plot", str(tmp_path / "size.png"))
    assert code == 2 and out == ""
    assert "needs matplotlib, which is not installed; install it with `pip install matplotlib`" in err
    assert not (tmp_path / "size.png").exists()


def test_png_plot_with_matplotlib(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    chart = tmp_path / "size.png"
    code, _, _ = run(capsys, "--model", "qwen3-8b", "--plot", str(chart))
    assert code == 0
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
