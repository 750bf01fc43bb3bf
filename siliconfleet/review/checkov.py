"""checkov on the same stacks, when it is installed, folded into the review's findings.

Found as ``.venv-checkov/bin/checkov`` in the working directory or in the checkout siliconfleet
runs from (where ``make install`` puts it, in its own virtual environment because it pins its own
boto3), else ``checkov`` on PATH. It runs once per stack with the flags of
``scripts/checkov_gate.py``: ``--framework terraform_json --skip-download -o json --config-file
.checkov.yaml --quiet --compact`` (the config file holds the exceptions, each with its reason, and
the custom checks). Each failed check becomes an error finding with checkov's own id. A stack
checkov could not parse, or where no check ran, is an error too (SF-CKV-001): checkov exits 0 with
zero checks when it cannot read a file, so silence proves nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .findings import stack_resource
from .model import CheckovSummary, Finding

PARSE_RULE = "SF-CKV-001"
CHECKOUT = Path(__file__).resolve().parent.parent.parent
VENV_CHECKOV = Path(".venv-checkov") / "bin" / "checkov"
CONFIG = ".checkov.yaml"


def find_checkov(cwd: Path | None = None) -> str | None:
    """The checkov to run: the project's .venv-checkov, else one on PATH; None when there is none."""
    for root in (cwd or Path.cwd(), CHECKOUT):
        candidate = root / VENV_CHECKOV
        if candidate.is_file():
            return str(candidate)
    return shutil.which("checkov")


def config_root(cwd: Path | None = None) -> Path | None:
    """The folder whose .checkov.yaml to use (its relative paths resolve from there)."""
    for root in (cwd or Path.cwd(), CHECKOUT):
        if (root / CONFIG).is_file():
            return root
    return None


@dataclass(frozen=True)
class StackScan:
    stack: str
    report: dict[str, Any]


def run_checkov(checkov: str, stack_dir: Path, root: Path | None) -> dict[str, Any]:
    cmd = [checkov, "-d", str(stack_dir.resolve()), "--framework", "terraform_json", "--skip-download", "-o", "json"]
    if root is not None:
        cmd += ["--config-file", str(root / CONFIG)]
    cmd += ["--quiet", "--compact"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=root)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": f"checkov gave no JSON (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"}
    reports = report if isinstance(report, list) else [report]
    return next((r for r in reports if r.get("check_type") == "terraform_json"), reports[0] if reports else {})


def scan_stacks(checkov: str, out: Path, stacks: dict[str, dict[str, Any]], root: Path | None) -> list[StackScan]:
    scans = []
    for name, meta in sorted(stacks.items()):
        stack_dir = (out / meta.get("path", f"stacks/{name}/cdk.tf.json")).parent
        scans.append(StackScan(name, run_checkov(checkov, stack_dir, root)))
    return scans


def _locate(resource: str, doc: dict[str, Any] | None) -> tuple[str, str, dict[str, Any]]:
    """(type, name, body) of a resource as checkov names it in terraform_json: ``resource.<name>``
    (the type is left out: looked up in the stack), or ``<type>.<name>``."""
    kind, _, name = resource.partition(".")
    for rtype, group in ((doc or {}).get("resource") or {}).items():
        if isinstance(group, dict) and name in group:
            return rtype, name, group[name]
    return kind, name, {}


def fold(
    scans: list[StackScan],
    docs: dict[str, dict[str, Any]] | None = None,
    stack_targets: dict[str, tuple[str, ...]] | None = None,
) -> tuple[CheckovSummary, list[Finding]]:
    """checkov's reports as the review's summary and findings; ``docs`` (the stacks' JSON) name
    each resource by its type, ``stack_targets`` tell which target owns it."""
    from .inventory import resource_target

    findings: list[Finding] = []
    passed = failed = skipped = parsing = 0
    version = None
    for scan in scans:
        report = scan.report
        if "error" in report and "summary" not in report:
            findings.append(Finding(PARSE_RULE, "error", f"{scan.stack}/(stack)", f"checkov did not run: {report['error']}",
                                    fix="run checkov by hand on the stack folder to see why", source="checkov"))
            continue
        summary = report.get("summary") or {}
        version = version or summary.get("checkov_version")
        s_passed, s_failed = int(summary.get("passed", 0)), int(summary.get("failed", 0))
        s_parsing = int(summary.get("parsing_errors", 0))
        passed, failed, parsing = passed + s_passed, failed + s_failed, parsing + s_parsing
        skipped += int(summary.get("skipped", 0))
        if s_parsing or (s_passed + s_failed) == 0:
            findings.append(Finding(
                PARSE_RULE, "error", f"{scan.stack}/(stack)",
                f"checkov read the stack with {s_parsing} parsing error(s) and {s_passed + s_failed} check(s) run: "
                "its silence proves nothing (checkov exits 0 when it cannot parse a file)",
                fix="look for a construct that writes terraform.required_version (checkov issue #7454) or malformed JSON",
                source="checkov",
            ))
        for check in (report.get("results") or {}).get("failed_checks", []) or []:
            resource = str(check.get("resource", ""))
            rtype, rname, body = _locate(resource, (docs or {}).get(scan.stack))
            owner = resource_target(rname, body, (stack_targets or {}).get(scan.stack, ()))
            findings.append(Finding(
                id=str(check.get("check_id")),
                level="error",
                resource=stack_resource(scan.stack, rtype, rname) if rname else f"{scan.stack}/{resource}",
                message=str(check.get("check_name", "")),
                fix=str(check.get("guideline") or "see the check on checkov.io; if it cannot apply here, acknowledge it "
                        "in the fleet file with the reason"),
                source="checkov",
                target=owner,
            ))
    return CheckovSummary(ran=True, version=version, passed=passed, failed=failed, skipped=skipped,
                          parsing_errors=parsing), findings
