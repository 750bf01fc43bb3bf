"""The rule pack: each rule with compliant and non-compliant cases.

Compliant cases are the real synthesized stacks of the pull request fixture (what siliconfleet's
constructs build); non-compliant ones are those stacks with one thing broken, or small hand-built
documents.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from siliconfleet.review.findings import RuleContext
from siliconfleet.review.inventory import review_targets
from siliconfleet.review.rules import MODULES, pack, rule
from siliconfleet.review.rules.sf_ec2_001 import imdsv1_problem
from siliconfleet.review.rules.sf_net_001 import open_ingress
from siliconfleet.review.source import base_output

from .builders import fleet_doc, groq, inf2, load_stack, save_stack, stack_doc, write_output

PR_EAST = "review-demo-aws-us-east-1"
PR_WEST = "review-demo-aws-us-west-2"

# Credential-shaped strings, assembled at run time so that no scanner mistakes this file for a leak.
GROQ_KEY = "gsk" + "_" + "Ab12Cd34" * 4
AWS_KEY_ID = "AK" + "IA" + "QWERTYUIOPASDFGH"


def findings(rule_id: str, out: Path) -> list:
    output = base_output(out)
    return list(rule(rule_id).check(RuleContext(output, review_targets(output))))


def first(doc: dict, rtype: str, contains: str = "") -> tuple[str, dict]:
    return next((name, body) for name, body in sorted(doc["resource"][rtype].items()) if contains in name)


def test_the_pack_has_one_rule_per_file_with_stable_ids_levels_and_fixes():
    rules = pack()
    assert [r.id for r in rules] == ["SF-COST-001", "SF-EC2-001", "SF-NET-001", "SF-SEC-001", "SF-TAG-001"]
    assert len(MODULES) == len(rules) == len({r.id for r in rules})
    for r in rules:
        assert r.level in ("error", "warning") and r.title and r.fix
    assert {r.id: r.level for r in rules}["SF-COST-001"] == "warning"
    for name in MODULES:  # one rule per file: each module defines exactly one RULE
        source = (Path(__file__).resolve().parents[2] / "siliconfleet" / "review" / "rules" / f"{name}.py").read_text()
        assert source.count("\nRULE = Rule(") == 1


# --- SF-TAG-001 ---------------------------------------------------------------------------------


def test_sf_tag_001_compliant_on_the_synthesized_stacks(ci_run):
    assert findings("SF-TAG-001", ci_run["pr_out"]) == []


def test_sf_tag_001_flags_untagged_resources_auto_scaling_groups_and_launch_templates(tmp_path):
    resources = {
        "aws_s3_bucket": {"logs": {"bucket": "logs"}, "billing": {"bucket": "billing", "tags": {"CostCenter": "cc-1"}}},
        "aws_autoscaling_group": {"asg": {"max_size": 1, "min_size": 1, "tag": [{"key": "Owner", "value": "x"}]}},
        "aws_launch_template": {"lt": {"tags": {"CostCenter": "cc-1"}, "tag_specifications": [
            {"resource_type": "instance", "tags": {"CostCenter": "cc-1"}}]}},
        "aws_route": {"default": {"route_table_id": "rtb-1"}},  # not taggable
    }
    out = write_output(tmp_path / "o", fleet_doc(inf2("chat")), {"x-aws-us-east-1": (["chat"], stack_doc(resources, default_tags={}))})
    found = {(f.resource, f.message) for f in findings("SF-TAG-001", out.path)}
    assert found == {
        ("x-aws-us-east-1/aws_autoscaling_group.asg",
         "no CostCenter tag block (provider default_tags do not reach Auto Scaling groups)"),
        ("x-aws-us-east-1/aws_launch_template.lt", "tag_specifications do not tag launched volume, network-interface with CostCenter"),
        ("x-aws-us-east-1/aws_s3_bucket.logs", "no CostCenter tag, neither its own nor from provider default_tags"),
    }


def test_sf_tag_001_provider_default_tags_cover_every_taggable_resource(tmp_path):
    resources = {"aws_s3_bucket": {"logs": {"bucket": "logs"}}}
    out = write_output(tmp_path / "o", fleet_doc(inf2("chat")), {"x-aws-us-east-1": (["chat"], stack_doc(resources))})
    assert findings("SF-TAG-001", out.path) == []


def test_sf_net_001_compliant_on_the_synthesized_stacks_whose_only_open_rule_is_https_egress(ci_run):
    doc = load_stack(ci_run["pr_out"], PR_EAST)
    assert any(b.get("cidr_ipv4") == "0.0.0.0/0" for b in doc["resource"]["aws_vpc_security_group_egress_rule"].values())
    assert findings("SF-NET-001", ci_run["pr_out"]) == []


def test_sf_net_001_flags_a_client_ingress_opened_to_the_internet(pr_copy):
    doc = load_stack(pr_copy, PR_EAST)
    name, body = first(doc, "aws_vpc_security_group_ingress_rule", "ClientIngress")
    body["cidr_ipv4"] = "0.0.0.0/0"
    save_stack(pr_copy, PR_EAST, doc)
    (found,) = findings("SF-NET-001", pr_copy)
    assert found.resource == f"{PR_EAST}/aws_vpc_security_group_ingress_rule.{name}"
    assert found.target == "chat-8b" and found.level == "error"
    assert found.message == "allows port 8000 from 0.0.0.0/0: anyone on the internet can connect"


@pytest.mark.parametrize("rtype, body, expected", [
    ("aws_vpc_security_group_ingress_rule", {"cidr_ipv6": "::/0", "ip_protocol": "-1"}, ["allows all ports from ::/0"]),
    ("aws_vpc_security_group_ingress_rule", {"cidr_ipv4": "10.0.0.0/8", "from_port": 22, "to_port": 22}, []),
    ("aws_security_group_rule", {"type": "ingress", "cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "to_port": 22,
                                 "protocol": "tcp"}, ["allows port 22 from 0.0.0.0/0"]),
    ("aws_security_group_rule", {"type": "egress", "cidr_blocks": ["0.0.0.0/0"]}, []),
    ("aws_security_group", {"ingress": [{"cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"], "from_port": 80, "to_port": 443,
                                         "protocol": "tcp"}]}, ["has an ingress block that allows ports 80-443 from 0.0.0.0/0"]),
    ("aws_security_group", {"egress": [{"cidr_blocks": ["0.0.0.0/0"]}]}, []),
    ("aws_default_security_group", {"ingress": [{"ipv6_cidr_blocks": ["::/0"], "protocol": "-1"}]},
     ["has an ingress block that allows all ports from ::/0"]),
    ("google_compute_firewall", {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["8000"]}]},
     ["allows tcp 8000 from 0.0.0.0/0"]),
    ("google_compute_firewall", {"source_ranges": ["10.80.0.0/24"], "allow": [{"protocol": "tcp"}]}, []),
    ("google_compute_firewall", {"source_ranges": ["0.0.0.0/0"], "deny": [{"protocol": "all"}]}, []),
    ("google_compute_firewall", {"direction": "EGRESS", "destination_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}]}, []),
    ("aws_vpc_security_group_ingress_rule", {"cidr_ipv4": "${var.cidr}"}, []),
])
def test_sf_net_001_every_form_of_ingress(rtype, body, expected):
    assert list(open_ingress(rtype, body)) == expected


def test_sf_net_001_flags_an_open_google_firewall_in_a_gcp_stack(tmp_path):
    doc = {"provider": {"google-beta": [{"project": "p"}]}, "resource": {"google_compute_firewall": {
        "tpu_serving": {"name": "tpu-serving", "network": "n", "source_ranges": ["0.0.0.0/0"],
                        "allow": [{"protocol": "tcp", "ports": ["8000"]}], "labels": {"target": "tpu"}}}}}
    out = write_output(tmp_path / "o", fleet_doc(inf2("tpu")), {"x-gcp-p-us-central1-a": (["tpu"], doc)})
    (found,) = findings("SF-NET-001", out.path)
    assert found.resource == "x-gcp-p-us-central1-a/google_compute_firewall.tpu_serving" and found.target == "tpu"


# --- SF-EC2-001 ---------------------------------------------------------------------------------


def test_sf_ec2_001_compliant_on_the_synthesized_launch_templates(ci_run):
    doc = load_stack(ci_run["pr_out"], PR_EAST)
    assert all(lt["metadata_options"]["http_tokens"] == "required" for lt in doc["resource"]["aws_launch_template"].values())
    assert findings("SF-EC2-001", ci_run["pr_out"]) == []


@pytest.mark.parametrize("change, message", [
    (lambda lt: lt["metadata_options"].update(http_tokens="optional"),
     "sets metadata_options.http_tokens to 'optional': IMDSv1 (no session token) is accepted"),
    (lambda lt: lt.pop("metadata_options"),
     "has no metadata_options, so AWS's default applies, which accepts IMDSv1 for most images"),
])
def test_sf_ec2_001_flags_a_launch_template_that_allows_imdsv1(pr_copy, change, message):
    doc = load_stack(pr_copy, PR_WEST)
    name, body = first(doc, "aws_launch_template")
    change(body)
    save_stack(pr_copy, PR_WEST, doc)
    (found,) = findings("SF-EC2-001", pr_copy)
    assert (found.resource, found.message, found.target) == (f"{PR_WEST}/aws_launch_template.{name}", message, "chat-8b-west")


@pytest.mark.parametrize("body, problem", [
    ({"metadata_options": {"http_endpoint": "disabled"}}, False),
    ({"metadata_options": [{"http_tokens": "required"}]}, False),
    ({"metadata_options": {"http_tokens": "${var.tokens}"}}, True),
    ({"instance_type": "t3.micro"}, True),
])
def test_sf_ec2_001_cases(body, problem):
    assert (imdsv1_problem(body) is not None) is problem


def test_sf_ec2_001_covers_plain_instances(tmp_path):
    resources = {"aws_instance": {"bastion": {"ami": "ami-1", "instance_type": "t3.micro"}}}
    out = write_output(tmp_path / "o", fleet_doc(inf2("chat")), {"x-aws-us-east-1": (["chat"], stack_doc(resources))})
    assert [f.resource for f in findings("SF-EC2-001", out.path)] == ["x-aws-us-east-1/aws_instance.bastion"]


# --- SF-SEC-001 ---------------------------------------------------------------------------------


def test_sf_sec_001_compliant_on_the_synthesized_stacks(ci_run):
    assert findings("SF-SEC-001", ci_run["pr_out"]) == []


def test_sf_sec_001_finds_a_key_inside_base64_user_data_without_printing_it(pr_copy):
    doc = load_stack(pr_copy, PR_EAST)
    name, body = first(doc, "aws_launch_template")
    script = base64.b64decode(body["user_data"]).decode()
    body["user_data"] = base64.b64encode(f"{script}\nexport GROQ_API_KEY={GROQ_KEY}\n".encode()).decode()
    save_stack(pr_copy, PR_EAST, doc)
    (found,) = findings("SF-SEC-001", pr_copy)
    assert found.resource == f"{PR_EAST}/aws_launch_template.{name}"
    assert found.message == "user_data (base64-decoded) looks like a Groq API key (value not shown)"
    assert GROQ_KEY not in json.dumps(found.__dict__)
    assert "Secrets Manager" in found.fix


def test_sf_sec_001_finds_keys_in_tags_outputs_and_keys(tmp_path):
    resources = {"aws_s3_bucket": {"b": {"bucket": "b", "tags": {"CostCenter": "cc-1", "Note": f"key {AWS_KEY_ID}"}}}}
    doc = stack_doc(resources) | {"output": {"token": {"value": GROQ_KEY}}, "locals": {GROQ_KEY: "x"}}
    out = write_output(tmp_path / "o", fleet_doc(inf2("chat")), {"x-aws-us-east-1": (["chat"], doc)})
    found = sorted((f.resource, f.message) for f in findings("SF-SEC-001", out.path))
    assert found == [
        ("x-aws-us-east-1/aws_s3_bucket.b", "tags.Note looks like an AWS access key id (value not shown)"),
        ("x-aws-us-east-1/locals.<redacted>", "a value looks like a Groq API key (value not shown)"),
        ("x-aws-us-east-1/output.token", "value looks like a Groq API key (value not shown)"),
    ]


def test_sf_sec_001_ignores_hashes_and_arns(tmp_path):
    resources = {"aws_s3_bucket": {"b": {"bucket": "b", "etag": "0123456789abcdef0123456789abcdef01234567",
                                          "policy": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"}}}
    out = write_output(tmp_path / "o", fleet_doc(inf2("chat")), {"x-aws-us-east-1": (["chat"], stack_doc(resources))})
    assert findings("SF-SEC-001", out.path) == []


# --- SF-COST-001 --------------------------------------------------------------------------------


def test_sf_cost_001_compliant_when_the_instance_fits_the_model(ci_run):
    assert findings("SF-COST-001", ci_run["base_out"]) == []  # Qwen3-8B on inf2.8xlarge


def test_sf_cost_001_flags_an_oversized_target_with_a_cheaper_option(ci_run):
    (found,) = findings("SF-COST-001", ci_run["pr_out"])  # Qwen3-8B on inf2.24xlarge (192 GiB)
    assert (found.resource, found.level, found.target) == ("target/chat-8b", "warning", "chat-8b")
    assert found.message.startswith("inf2.24xlarge has 192 GiB of accelerator memory")
    assert found.fix.startswith("set targets[0].instance_type to inf2.xlarge (saves $")


def test_sf_cost_001_on_a_fleet_with_a_kind_the_fleet_model_does_not_know(tmp_path):
    fleet = fleet_doc(inf2("big", instance_type="inf2.48xlarge"), groq("g"))
    out = write_output(tmp_path / "o", fleet, {"x-aws-us-east-1": (["big", "g"], stack_doc())})
    assert [f.resource for f in findings("SF-COST-001", out.path)] == ["target/big"]


def test_sf_sec_001_first_pass_lets_every_credential_kind_through():
    """The cheap first pass of SF-SEC-001 must never drop a kind that spec/secrets.py knows: one
    sample per kind (a new kind there fails here until it has a sample and a marker)."""
    from siliconfleet.review.rules.sf_sec_001 import MIN_LENGTH, candidate
    from siliconfleet.spec import secrets

    samples = {
        "a Groq API key": GROQ_KEY,
        "an AWS access key id": AWS_KEY_ID,
        "an AWS secret access key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY",
        "a private key (Google service-account key or similar)": '{"private_key_id": "abc"}',
        "a Google API key": "AI" + "za" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "an OpenAI-style API key": "sk" + "-proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2",
        "a Hugging Face token": "hf" + "_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6",
        "a GitHub token": "gh" + "p_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    }
    assert set(samples) == {kind.name for kind in secrets.KINDS}
    for name, sample in samples.items():
        assert secrets.classify(sample).name == name, name
        assert candidate(sample) and candidate(f"x = {sample};"), name
    assert MIN_LENGTH <= min(len(sample) for sample in samples.values())
    assert not candidate("${aws_security_group.chat-8b_InstanceSecurityGroup_FD926C8A.id}")
