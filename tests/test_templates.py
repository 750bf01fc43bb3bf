"""Templates render strictly and produce valid shell."""

from __future__ import annotations

import shutil
import subprocess

import jinja2
import pytest

from siliconfleet.templates import environment, render, templates_dir

NEURON_CONTEXT = {
    "fleet": "chat",
    "target": "llama-8b",
    "region": "us-east-1",
    "model": "meta-llama/Llama-3.1-8B-Instruct",
    "port": 8000,
    "tensor_parallel_degree": 2,
    "max_model_len": 4096,
    "max_num_seqs": 8,
    "hf_token_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf",
}


def bash_n(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)


def test_templates_are_strict():
    assert environment().undefined is jinja2.StrictUndefined
    context = dict(NEURON_CONTEXT)
    del context["model"]
    with pytest.raises(jinja2.UndefinedError, match="model"):
        render("vllm_neuron_user_data.sh.j2", **context)


@pytest.mark.parametrize("token", [NEURON_CONTEXT["hf_token_secret_arn"], ""])
def test_neuron_user_data_is_valid_bash(token: str):
    script = render("vllm_neuron_user_data.sh.j2", **{**NEURON_CONTEXT, "hf_token_secret_arn": token})
    result = bash_n(script)
    assert result.returncode == 0, result.stderr
    assert ("get-secret-value" in script) is bool(token)


def test_bash_n_catches_a_broken_script():
    # the check above can fail: a truncated script is rejected
    script = render("vllm_neuron_user_data.sh.j2", **NEURON_CONTEXT)
    assert bash_n(script.replace("fi\n", "", 1)).returncode != 0


def test_hostile_values_are_shell_quoted():
    script = render("vllm_neuron_user_data.sh.j2", **{**NEURON_CONTEXT, "model": "x/y; rm -rf / #"})
    assert "MODEL='x/y; rm -rf / #'" in script
    assert bash_n(script).returncode == 0


def test_never_traces_commands():
    # `set -x` would copy the Hugging Face token into the bootstrap log
    script = render("vllm_neuron_user_data.sh.j2", **NEURON_CONTEXT)
    assert "set -x" not in script and "set -euo pipefail" in script


def test_every_template_renders_under_the_shipped_folder():
    names = sorted(p.name for p in templates_dir().glob("*.j2"))
    assert "vllm_neuron_user_data.sh.j2" in names
    assert shutil.which("bash")
