"""templates/vllm_cuda_user_data.sh.j2: strict rendering, valid bash, safe quoting."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import jinja2
import pytest

from siliconfleet.templates import render

CONTEXT: dict[str, Any] = {
    "fleet": "gpu-fleet",
    "target": "llama-70b",
    "region": "us-east-1",
    "instance_type": "p5.48xlarge",
    "model": "meta-llama/Llama-3.3-70B-Instruct",
    "port": 8000,
    "tensor_parallel_degree": 8,
    "max_model_len": 8192,
    "max_num_seqs": 16,
    "hf_token_secret_arn": "",
    "gpus": 8,
    "efa_interfaces": 32,
    "vllm_image": "vllm/vllm-openai:v0.11.0",
}


def script(**over: Any) -> str:
    return render("vllm_cuda_user_data.sh.j2", **{**CONTEXT, **over})


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    "over",
    [{}, {"efa_interfaces": 0}, {"hf_token_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf"}],
    ids=["efa", "no-efa", "hf-token"],
)
def test_renders_valid_bash(over: dict[str, Any]) -> None:
    proc = subprocess.run(["bash", "-n"], input=script(**over), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_missing_variable_is_an_error() -> None:
    context = dict(CONTEXT)
    del context["gpus"]
    with pytest.raises(jinja2.UndefinedError):
        render("vllm_cuda_user_data.sh.j2", **context)


def test_checks_gpus_and_serves_the_openai_api_under_systemd() -> None:
    text = script()
    assert text.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in text
    assert "nvidia-smi --list-gpus" in text and "EXPECTED_GPUS=8" in text
    assert "--tensor-parallel-size $TENSOR_PARALLEL" in text and "--max-num-seqs $MAX_NUM_SEQS" in text
    assert "/etc/systemd/system/siliconfleet-vllm.service" in text
    assert "install -m 0600 /dev/null \"$ENV_FILE\"" in text
    assert 'curl -fsS "http://127.0.0.1:$PORT/health"' in text


def test_efa_check_only_when_efa_is_attached() -> None:
    without = script(efa_interfaces=0)
    assert "fi_info" not in without and "EFA" not in without
    assert '"$FI_INFO" -p efa' in script() and "(32 interfaces attached)" in script()


def test_hf_token_is_read_at_boot_never_embedded() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf"
    text = script(hf_token_secret_arn=arn)
    assert f"--secret-id {arn}" in text
    assert "secretsmanager" not in script()


def test_values_are_shell_quoted() -> None:
    text = script(model="org/model; rm -rf /")
    assert "MODEL='org/model; rm -rf /'" in text
