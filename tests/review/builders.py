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


# ---------------------------------------------------------------------------------------------
# The showcase: every kind of target, cost, change and finding in one small pull request

SHOWCASE_KEY = "gsk" + "_" + "Zz98Yy76" * 4  # assembled at run time: no scanner should take this file for a leak


def _lt(name: str, tokens: str = "required") -> dict[str, Any]:
    tagged = {"CostCenter": "cc-1", "Target": name}
    return {
        "instance_type": "x", "metadata_options": {"http_endpoint": "enabled", "http_tokens": tokens},
        "tags": tagged, "tag_specifications": [{"resource_type": k, "tags": tagged} for k in ("instance", "volume", "network-interface")],
    }


def showcase(root: Path) -> tuple[SynthOutput, SynthOutput]:
    """(head, base) synth outputs of a pull request that changes a bit of everything."""
    traffic = {"requests_per_minute": 60, "input_tokens_per_request": 800, "output_tokens_per_request": 300}
    chat = inf2("chat-8b", instance_type="inf2.8xlarge", min_size=1, desired_size=2, max_size=4)
    block = p5("eval-block", instance_type="p5.48xlarge", min_size=2, desired_size=None, max_size=2,
               capacity={"type": "capacity-block", "reservation_id": None, "instance_count": None, "availability_zone_id": None,
                         "purchase": {"start": "2026-12-01T11:30:00Z", "latest_start": None, "duration_hours": 48,
                                      "instance_count": 2}})
    base_fleet = fleet_doc(
        chat | {"max_size": 2},
        block,
        tpu("tpu-qwen", accelerator_type="v5litepod-4", count=1),
        groq("groq-70b"),
        inf2("legacy-8b", instance_type="inf2.xlarge"),
        fleet="showcase", traffic=traffic,
    )
    head_fleet = fleet_doc(
        chat | {"spot_fraction": 0.5},
        block,
        tpu("tpu-qwen", accelerator_type="v5litepod-8", count=2),
        groq("groq-70b", rate_limits={"requests_per_minute": 120, "tokens_per_minute": 200000}),
        inf2("chat-70b-west", instance_type="inf2.48xlarge", region="us-west-2",
             serving={**inf2()["serving"], "model": "meta-llama/Llama-3.3-70B-Instruct", "tensor_parallel_degree": 24}),
        fleet="showcase", traffic={**traffic, "requests_per_minute": 90},
        acknowledgements=[
            {"rule": "SF-NET-001", "resource": "*/google_compute_firewall.*",
             "reason": "public demo endpoint behind Cloud Armor; accepted by security, review 2027-01"},
            {"rule": "SF-EC2-001", "resource": "showcase-aws-eu-west-1/*", "reason": "old bastion, removed in PR 42"},
        ],
    )
    east = stack_doc({
        "aws_launch_template": {"chat-8b_LaunchTemplate_1A": _lt("chat-8b"), "eval-block_LaunchTemplate_2B": _lt("eval-block", "optional")},
        "aws_vpc_security_group_ingress_rule": {"chat-8b_ClientIngress0_3C": {
            "cidr_ipv4": "0.0.0.0/0", "from_port": 8000, "to_port": 8000, "ip_protocol": "tcp", "tags": {"CostCenter": "cc-1"}}},
        "aws_secretsmanager_secret": {"groq-70b_Secret_4D": {"name": "groq-70b", "provider": "aws.untagged"}},
        "aws_ssm_parameter": {"groq-70b_Config_5E": {"name": "/showcase/groq", "type": "String",
                                                       "value": f'{{"base_url": "https://api.groq.com/openai/v1", "key": "{SHOWCASE_KEY}"}}'}},
    }) | {"provider": {"aws": [{"region": "us-east-1", "default_tags": [{"tags": {"CostCenter": "cc-1"}}]},
                               {"region": "us-east-1", "alias": "untagged"}]}}
    west = stack_doc({"aws_launch_template": {"chat-70b-west_LaunchTemplate_6F": _lt("chat-70b-west")}})
    gcp = {"provider": {"google-beta": [{"project": "acme", "default_labels": {"cost_center": "cc-1"}}]},
           "resource": {"google_compute_firewall": {"tpu-qwen_Firewall_7A": {
               "name": "tpu-qwen-serving", "network": "default", "source_ranges": ["0.0.0.0/0"],
               "allow": [{"protocol": "tcp", "ports": ["8000"]}], "labels": {"target": "tpu-qwen"}}}}}
    head = write_output(root / "pr", head_fleet, {
        "showcase-aws-us-east-1": (["chat-8b", "eval-block", "groq-70b"], east),
        "showcase-aws-us-west-2": (["chat-70b-west"], west),
        "showcase-gcp-acme-us-central1-a": (["tpu-qwen"], gcp),
    }, fleet_sha256="1" * 64)
    base = write_output(root / "main", base_fleet, {
        "showcase-aws-us-east-1": (["chat-8b", "eval-block", "groq-70b", "legacy-8b"], stack_doc()),
        "showcase-gcp-acme-us-central1-a": (["tpu-qwen"], {"resource": {}}),
    }, fleet_sha256="2" * 64)
    return head, base
