"""Canaries: a Groq-style key in every place a fleet could carry one is rejected at load (exit 2,
field named, value never printed); where the key is legitimately in the environment while
synthesizing, it reaches no file of the output, no Terraform output and no line of the log."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from siliconfleet.cli import main

from .conftest import CANARY, EXAMPLE

ROLE = f"arn:aws:iam::123456789012:role/{CANARY}"

#: (what, path into the example fleet, value, the field path the error must name)
PLACES: list[tuple[str, tuple, Any, str]] = [
    ("fleet tag value", ("tags", "Project"), CANARY, "tags.Project"),
    ("groq target tag value", ("targets", 3, "tags"), {"Team": CANARY}, "targets[3].tags.Team"),
    ("tag key", ("targets", 0, "tags"), {CANARY: "x"}, "targets[0].tags.<redacted>"),
    ("groq model name", ("targets", 3, "model"), CANARY, "targets[3].model"),
    ("serving model (vLLM settings)", ("targets", 0, "serving", "model"), CANARY, "targets[0].serving.model"),
    ("TPU startup-script variable", ("targets", 2, "serving", "hf_token_secret"), f"projects/acme/secrets/{CANARY}",
     "targets[2].serving.hf_token_secret"),
    ("CUDA user-data variable", ("targets", 1, "serving", "hf_token_secret_arn"),
     f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{CANARY}", "targets[1].serving.hf_token_secret_arn"),
    ("reader role", ("targets", 3, "reader_role_arns", 0), ROLE, "targets[3].reader_role_arns[0]"),
    ("reader service account", ("targets", 4, "reader_service_accounts", 0), f"{CANARY}@p.iam.gserviceaccount.com",
     "targets[4].reader_service_accounts[0]"),
    ("routing order", ("routing", "order", 0), CANARY, "routing.order[0]"),
    ("backend bucket", ("backend",), {"type": "s3", "bucket": CANARY.lower(), "key": "k", "region": "us-east-1"}, None),
    ("secret name", ("targets", 3, "secret_store", "secret_name"), CANARY, "targets[3].secret_store.secret_name"),
    ("owner", ("owner",), f"{CANARY}@example.com", "owner"),
    ("acknowledgement reason", ("acknowledgements",), [{"rule": "CKV_AWS_91", "reason": f"approved with {CANARY}"}],
     "acknowledgements[0].reason"),
    ("traffic as a string", ("traffic", "requests_per_minute"), CANARY, "traffic.requests_per_minute"),
]


def place(path: tuple, value: Any) -> dict[str, Any]:
    doc = yaml.safe_load(EXAMPLE.read_text())
    node = doc
    for part in path[:-1]:
        node = node[part]
    if isinstance(node, list) and path[-1] >= len(node):
        node.append(copy.deepcopy(value))
    else:
        node[path[-1]] = copy.deepcopy(value)
    return doc


@pytest.mark.parametrize("what,path,value,field", PLACES, ids=[p[0] for p in PLACES])
@pytest.mark.parametrize("command", ["validate", "synth"])
def test_a_key_anywhere_in_the_fleet_file_is_rejected_without_being_printed(what, path, value, field, command, tmp_path, capsys):
    doc = place(path, value)
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump(doc, sort_keys=False))
    args = [command, "--fleet", str(fleet)] + (["--out", str(tmp_path / "out")] if command == "synth" else [])
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert CANARY not in out + err and CANARY.lower() not in out + err
    expected = field or "backend.bucket"
    lines = [line for line in err.splitlines() if f": {expected}: " in line]
    assert lines, err
    assert "looks like a Groq API key; keys never belong in a fleet file: store it in AWS Secrets Manager or Google " \
           "Secret Manager" in lines[0]
    assert re.match(rf"^error: {re.escape(str(fleet))}:\d+: ", lines[0])  # file and line
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------
# the key in the environment while synthesizing


def decoded_strings(value: Any) -> list[str]:
    """Every string in a JSON document, plus the base64-decoded form of those that are base64
    (launch-template user data)."""
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += [k, *decoded_strings(v)]
    elif isinstance(value, list):
        for v in value:
            out += decoded_strings(v)
    elif isinstance(value, str):
        out.append(value)
        if len(value) >= 64 and re.fullmatch(r"[A-Za-z0-9+/=]+", value):
            try:
                out.append(base64.b64decode(value, validate=True).decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                pass
    return out


def test_env_key_reaches_no_file_of_the_output(all_silicon):
    files = [p for p in all_silicon.out.rglob("*") if p.is_file()]
    assert any(p.name == "cdk.tf.json" for p in files) and any(p.name == "litellm.yaml" for p in files)
    for path in files:
        raw = path.read_bytes()
        assert CANARY.encode() not in raw, path
        if path.suffix == ".json":
            assert not [s for s in decoded_strings(json.loads(raw)) if CANARY in s], path


def test_env_key_reaches_no_terraform_output(all_silicon):
    stacks = [p for p in (all_silicon.out / "stacks").iterdir() if p.is_dir()]
    assert len(stacks) == 3
    outputs = 0
    for stack in stacks:
        for name, output in json.loads((stack / "cdk.tf.json").read_text()).get("output", {}).items():
            outputs += 1
            assert CANARY not in json.dumps(output), name
    assert outputs > 20


def test_env_key_reaches_no_log_line(all_silicon):
    log = all_silicon.proc.stdout + all_silicon.proc.stderr
    assert "Terraform written to" in log
    assert CANARY not in log


def test_user_data_is_scanned_decoded(all_silicon):
    """The scan above sees through base64: the user data it decodes holds the serving script."""
    doc = json.loads(Path(all_silicon.out / "stacks" / "assistant-aws-us-east-1" / "cdk.tf.json").read_text())
    decoded = decoded_strings(doc["resource"]["aws_launch_template"])
    assert any("vllm serve" in s or "vllm/vllm-openai" in s for s in decoded)
