"""The README's preflight section stays true: its IAM policy grants exactly the AWS operations preflight calls."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT

DOC = ROOT / "README.md"
SOURCE = ROOT / "siliconfleet" / "preflight" / "aws_facts.py"


def policy_actions() -> set[str]:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)
    policy = next(json.loads(b) for b in blocks if '"Version": "2012-10-17"' in b)
    return {a for statement in policy["Statement"] for a in statement["Action"]}


def called_operations() -> set[str]:
    calls = re.findall(r'clients\.(?:call|pages)\(\s*"(ec2|service-quotas)",\s*\w+,\s*"(\w+)"', SOURCE.read_text())
    return {f"{'servicequotas' if service == 'service-quotas' else service}:{op}" for service, op in calls}


def test_the_iam_policy_covers_every_call_and_nothing_else():
    called = called_operations()
    assert len(called) == 11  # if this changes, update the policy in the README (Preflight section)
    assert policy_actions() == called


def test_the_policy_is_read_only():
    assert all(re.match(r"^(ec2|servicequotas):(Describe|List|Get)\w+$", a) for a in policy_actions())
