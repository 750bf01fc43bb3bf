"""checkov folded into the review: canned reports for the logic, one real run when checkov is installed."""

from __future__ import annotations

import pytest

from siliconfleet.review.checkov import PARSE_RULE, StackScan, config_root, find_checkov, fold
from siliconfleet.review.core import build_report
from siliconfleet.review.jsonout import report_dict
from siliconfleet.review.source import base_output

from .builders import load_stack, save_stack

DOC = {"resource": {"aws_launch_template": {"chat_LaunchTemplate_1": {"tags": {"Target": "chat"}}},
                    "aws_lb": {"chat_LoadBalancer_2": {}}}}


def test_failed_checks_become_error_findings_with_checkovs_id_and_the_resource_type():
    report = {"check_type": "terraform_json",
              "summary": {"passed": 10, "failed": 1, "skipped": 1, "parsing_errors": 0, "checkov_version": "3.3.30"},
              "results": {"failed_checks": [{"check_id": "CKV_AWS_79", "resource": "resource.chat_LaunchTemplate_1",
                                             "check_name": "Ensure Instance Metadata Service Version 1 is not enabled",
                                             "guideline": None}]}}
    summary, findings = fold([StackScan("s", report)], {"s": DOC}, {"s": ("chat",)})
    assert (summary.ran, summary.version, summary.passed, summary.failed, summary.skipped) == (True, "3.3.30", 10, 1, 1)
    (f,) = findings
    assert (f.id, f.level, f.resource, f.source, f.target) == (
        "CKV_AWS_79", "error", "s/aws_launch_template.chat_LaunchTemplate_1", "checkov", "chat")
    assert f.message == "Ensure Instance Metadata Service Version 1 is not enabled"


@pytest.mark.parametrize("summary", [
    {"passed": 0, "failed": 0, "parsing_errors": 1},  # checkov issue #7454: a parsing error and exit 0
    {"passed": 0, "failed": 0, "parsing_errors": 0},  # nothing ran: silence proves nothing
])
def test_a_stack_checkov_could_not_read_is_an_error(summary):
    _, findings = fold([StackScan("s", {"summary": summary, "results": {}})])
    (f,) = findings
    assert (f.id, f.level, f.resource) == (PARSE_RULE, "error", "s/(stack)")


def test_checkov_without_json_output_is_an_error_not_a_pass():
    _, findings = fold([StackScan("s", {"error": "checkov gave no JSON (exit 2): boom"})])
    assert [f.id for f in findings] == [PARSE_RULE] and "boom" in findings[0].message


def test_the_report_says_why_checkov_did_not_run(ci_run):
    report = build_report(base_output(ci_run["base_out"]), checkov=None, checkov_off_reason="turned off (--checkov off)")
    assert report_dict(report)["checkov"] == {"ran": False, "version": None, "passed": 0, "failed": 0, "skipped": 0,
                                               "parsing_errors": 0, "reason": "turned off (--checkov off)"}


CHECKOV = find_checkov()


@pytest.mark.skipif(CHECKOV is None, reason="checkov is not installed (.venv-checkov/bin/checkov or on PATH)")
def test_checkov_runs_on_the_same_stacks_and_its_failures_are_folded_in(pr_copy):
    stack = "review-demo-aws-us-west-2"
    doc = load_stack(pr_copy, stack)
    name, lt = next(iter(doc["resource"]["aws_launch_template"].items()))
    lt["metadata_options"]["http_tokens"] = "optional"
    save_stack(pr_copy, stack, doc)

    report = build_report(base_output(pr_copy), checkov=CHECKOV, checkov_root=config_root())
    assert report.checkov.ran and report.checkov.version and report.checkov.passed > 0
    assert report.checkov.parsing_errors == 0
    ours = [(f.id, f.resource, f.level) for f in report.findings if f.source == "checkov"]
    assert len(ours) == report.checkov.failed  # every failed check is a finding
    assert ("CKV_AWS_79", f"{stack}/aws_launch_template.{name}", "error") in ours
    assert all(resource.startswith(f"{stack}/") for _, resource, _ in ours)  # the untouched east stack is clean
    assert ("SF-EC2-001", f"{stack}/aws_launch_template.{name}") in [(f.id, f.resource) for f in report.findings]
    assert report.open_findings(("error",))
