"""Builders of the review tests: hand-made synth outputs and the example workflow's commands.

A synth output is only ``siliconfleet.json`` plus one ``cdk.tf.json`` per stack, so rules, costs
and the diff are tested on small documents whose every line the test controls.
"""

from __future__ import annotations

import copy
import json
import shlex
from pathlib import Path
from typing import Any

import yaml

from siliconfleet.review.source import SynthOutput

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = HERE / "fixtures"
WORKFLOW = ROOT / "examples" / "ci" / "review.yml"


# ---------------------------------------------------------------------------------------------
# Hand-built synth outputs


def fleet_doc(*targets: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A fleet dump as siliconfleet.json holds it."""
    return {"fleet": "hand-built", "cost_center": "cc-1", "owner": "team@example.com", "environment": "dev",
            "tags": {}, "backend": None, "targets": list(targets), "traffic": None, "acknowledgements": [], **extra}


def inf2(name: str = "chat", **fields: Any) -> dict[str, Any]:
    target = {
        "kind": "aws-inf2", "name": name, "region": "us-east-1", "instance_type": "inf2.8xlarge",
        "min_size": 1, "desired_size": 1, "max_size": 2, "spot_fraction": 0.0,
        "network": {"cidr": "10.40.0.0/16", "az_count": 2, "availability_zone_ids": None, "nat_gateways": "single",
                    "subnet_ids": None, "vpc_id": None},
        "serving": {"model": "Qwen/Qwen3-8B", "port": 8000, "tensor_parallel_degree": None, "max_model_len": 4096,
                    "max_num_seqs": 8, "hf_token_secret_arn": None},
        "allowed_cidrs": ["10.40.0.0/16"], "allowed_security_group_ids": [], "root_volume_gib": None,
        "permissions_boundary_arn": None, "load_balancer_deletion_protection": True, "tags": {},
    }
    return {**target, **fields}


def p5(name: str = "gpu", **fields: Any) -> dict[str, Any]:
    target = inf2(name, kind="aws-p5", instance_type="p5.48xlarge")
    target.update({"efa": None, "capacity": {"type": "on-demand"}, "vllm_image": "vllm/vllm-openai:v0.11.0"})
    return {**target, **fields}


def tpu(name: str = "tpu", **fields: Any) -> dict[str, Any]:
    """A gcp-tpu-v5e target with the fields of issue 4."""
    target = {
        "kind": "gcp-tpu-v5e", "name": name, "project": "acme-inference", "zone": "us-central1-a",
        "accelerator_type": "v5litepod-8", "topology": None, "count": 1, "provisioning": "on-demand",
        "network": {"cidr": "10.80.0.0/24", "network": None, "subnetwork": None},
        "serving": {"model": "Qwen/Qwen3-8B", "port": 8000, "max_model_len": 4096, "max_num_seqs": 8},
        "allowed_cidrs": ["10.80.0.0/24"], "tags": {},
    }
    return {**target, **fields}


def groq(name: str = "groq", **fields: Any) -> dict[str, Any]:
    """A groq target with the fields of issue 5."""
    target = {
        "kind": "groq", "name": name, "model": "llama-3.3-70b-versatile",
        "secret_store": {"type": "aws-secrets-manager", "region": "us-east-1"},
        "rate_limits": None, "tags": {},
    }
    return {**target, **fields}


def stack_doc(resources: dict[str, dict[str, dict[str, Any]]] | None = None, *,
              default_tags: dict[str, str] | None = None) -> dict[str, Any]:
    tags = {"CostCenter": "cc-1"} if default_tags is None else default_tags
    return {
        "provider": {"aws": [{"region": "us-east-1", "default_tags": [{"tags": tags}]}]},
        "resource": resources or {},
        "terraform": {"backend": {"local": {"path": "state.tfstate"}}},
    }


def write_output(root: Path, fleet: dict[str, Any], stacks: dict[str, tuple[list[str], dict[str, Any]]],
                 *, fleet_sha256: str | None = "0" * 64) -> SynthOutput:
    """A synth output folder: siliconfleet.json and stacks/<name>/cdk.tf.json, as app.synth writes them."""
    root.mkdir(parents=True, exist_ok=True)
    meta = {}
    for name, (targets, doc) in stacks.items():
        path = f"stacks/{name}/cdk.tf.json"
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(doc, indent=2, sort_keys=True))
        cloud = "gcp" if "-gcp-" in name else "aws"
        meta[name] = {"cloud": cloud, "location": name.split(f"-{cloud}-", 1)[-1], "targets": targets, "path": path,
                      "resources": sum(len(v) for v in doc.get("resource", {}).values())}
    inventory = {"schema": 1, "generator": "siliconfleet 0.1.0", "fleet_sha256": fleet_sha256, "fleet": fleet, "stacks": meta}
    (root / "siliconfleet.json").write_text(json.dumps(inventory, indent=2, sort_keys=True) + "\n")
    return SynthOutput(root, inventory)


def output_of(fleet: dict[str, Any]) -> SynthOutput:
    """An in-memory synth output with one stack per target and no stack documents (cost and diff tests)."""
    stacks = {f"s-{t['name']}": {"cloud": "aws", "location": "x", "targets": [t["name"]], "path": "", "resources": 0}
              for t in fleet["targets"]}
    return SynthOutput(Path("/nonexistent"), {"schema": 1, "fleet_sha256": None, "fleet": fleet, "stacks": stacks})


# ---------------------------------------------------------------------------------------------
# The example CI workflow's commands


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def workflow_commands() -> list[tuple[str, str, list[str]]]:
    """(step name, where it runs: "base" or "pr", argv) of every siliconfleet command of the workflow."""
    job = next(iter(workflow()["jobs"].values()))
    out = []
    for step in job["steps"]:
        where = "base" if "runner.temp" in str(step.get("working-directory", "")) else "pr"
        for line in str(step.get("run", "")).splitlines():
            line = line.strip()
            if line.startswith("siliconfleet "):
                out.append((step.get("name", ""), where, shlex.split(line)))
    return out


def expand(argv: list[str], env: dict[str, str]) -> list[str]:
    out = []
    for arg in argv:
        for key, value in env.items():
            arg = arg.replace(f"${{{key}}}", value).replace(f"${key}", value)
        out.append(arg)
    return out


def load_stack(out: Path, stack: str) -> dict[str, Any]:
    return json.loads((out / "stacks" / stack / "cdk.tf.json").read_text())


def save_stack(out: Path, stack: str, doc: dict[str, Any]) -> None:
    (out / "stacks" / stack / "cdk.tf.json").write_text(json.dumps(doc, indent=2))


def deep(value: Any) -> Any:
    return copy.deepcopy(value)
