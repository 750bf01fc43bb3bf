"""The synth-time cost-center check."""

from __future__ import annotations

from typing import Any

import pytest

from siliconfleet.constructs import check_cost_center_tags
from siliconfleet.tagcheck import taggable

TAGS = {"CostCenter": "cc-1", "Owner": "o"}


def doc(resources: dict[str, Any], default_tags: dict[str, str] | None = None) -> dict[str, Any]:
    provider: dict[str, Any] = {"region": "us-east-1"}
    if default_tags is not None:
        provider["default_tags"] = [{"tags": default_tags}]
    return {"provider": {"aws": [provider]}, "resource": resources}


def addresses(problems) -> list[str]:
    return [p.address for p in problems]


def test_untagged_resource_is_named():
    problems = check_cost_center_tags(doc({"aws_s3_bucket": {"logs": {"bucket": "b"}}, "aws_vpc": {"v": {"tags": TAGS}}}))
    assert addresses(problems) == ["aws_s3_bucket.logs"]
    assert "CostCenter" in str(problems[0])


def test_provider_default_tags_cover_resources():
    assert check_cost_center_tags(doc({"aws_s3_bucket": {"logs": {}}}, default_tags=TAGS)) == []


def test_default_tags_of_the_right_provider_alias():
    d = doc({"aws_s3_bucket": {"logs": {"provider": "aws.west"}}}, default_tags=TAGS)
    d["provider"]["aws"].append({"alias": "west", "region": "us-west-2"})
    assert addresses(check_cost_center_tags(d)) == ["aws_s3_bucket.logs"]


def test_untaggable_resources_are_ignored():
    assert not taggable("aws_route")
    assert taggable("aws_vpc") and taggable("aws_launch_template")
    assert check_cost_center_tags(doc({"aws_route": {"r": {}}, "aws_iam_role_policy_attachment": {"a": {}}})) == []


def test_autoscaling_group_needs_tag_blocks_even_with_default_tags():
    asg = {"tag": [{"key": "Owner", "value": "o", "propagate_at_launch": True}]}
    problems = check_cost_center_tags(doc({"aws_autoscaling_group": {"g": asg}}, default_tags=TAGS))
    assert addresses(problems) == ["aws_autoscaling_group.g"]


@pytest.mark.parametrize("kinds", [["instance"], ["instance", "volume"], []])
def test_launch_template_must_tag_what_it_launches(kinds):
    lt = {"tags": TAGS, "tag_specifications": [{"resource_type": k, "tags": TAGS} for k in kinds]}
    problems = check_cost_center_tags(doc({"aws_launch_template": {"lt": lt}}))
    assert addresses(problems) == ["aws_launch_template.lt"]
    assert "network-interface" in str(problems[0])


def test_tag_expression_is_not_trusted():
    assert addresses(check_cost_center_tags(doc({"aws_vpc": {"v": {"tags": "${var.tags}"}}}))) == ["aws_vpc.v"]


@pytest.mark.parametrize(
    "rtype",
    ["aws_vpc", "aws_route", "aws_launch_template", "aws_lb", "aws_iam_role_policy_attachment", "aws_kms_key",
     "aws_ec2_capacity_block_reservation", "google_tpu_v2_vm", "google_compute_firewall", "google_service_account",
     "google_secret_manager_secret"],
)
def test_reading_the_binding_source_agrees_with_importing_it(rtype: str):
    from siliconfleet import engine

    prefix, load, attribute = ("aws_", engine.aws, "tags_input") if rtype.startswith("aws_") else ("", engine.google_beta, "labels_input")
    module_name = rtype[len(prefix):]
    module = load(module_name)
    cls = getattr(module, "".join(part.capitalize() for part in module_name.split("_")))
    assert taggable(rtype) is hasattr(cls, attribute)


def test_unknown_types_are_not_taggable():
    assert not taggable("aws_not_a_resource") and not taggable("random_id") and not taggable("aws_../x")


def test_the_check_imports_no_cdk_engine():
    import subprocess
    import sys

    code = (
        "import sys; from siliconfleet.tagcheck import check_cost_center_tags, taggable;"
        "assert taggable('aws_vpc') and taggable('google_tpu_v2_vm');"
        "print(sorted(m for m in ('cdktn', 'cdktf', 'constructs', 'jsii') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.strip() == "[]", proc.stderr
