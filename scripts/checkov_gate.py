"""Synthesize example fleets and run checkov over every stack; fail unless each is clean.

A stack passes when checkov reports 0 failed checks, 0 parsing errors and at least one check run:
checkov exits 0 with 0 checks when it cannot parse a file (checkov issue #7454), so its exit code
alone proves nothing. Exceptions live in .checkov.yaml at the repository root, each with a reason.

Usage: python scripts/checkov_gate.py --checkov PATH --work DIR FLEET [FLEET...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_checkov(checkov: str, stack_dir: Path) -> dict:
    cmd = [
        checkov, "-d", str(stack_dir), "--framework", "terraform_json", "--skip-download", "-o", "json",
        "--config-file", str(ROOT / ".checkov.yaml"), "--quiet", "--compact",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"checkov gave no JSON for {stack_dir} (exit {proc.returncode}):\n{proc.stderr[-2000:]}") from None
    reports = report if isinstance(report, list) else [report]
    return next((r for r in reports if r.get("check_type") == "terraform_json"), reports[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("fleets", nargs="+", type=Path)
    args = parser.parse_args(argv)

    from siliconfleet.app import synth

    failed = False
    for fleet in args.fleets:
        out = args.work / fleet.stem
        result = synth(fleet, out)
        for stack in result.stacks:
            report = run_checkov(args.checkov, out / "stacks" / stack.name)
            summary = report.get("summary", {})
            passed, fails = summary.get("passed", 0), summary.get("failed", 0)
            parsing = summary.get("parsing_errors", 0)
            ok = fails == 0 and parsing == 0 and passed > 0
            failed |= not ok
            print(f"{'ok  ' if ok else 'FAIL'} {fleet}: {stack.name}: {passed} passed, {fails} failed, "
                  f"{summary.get('skipped', 0)} skipped, {parsing} parsing errors")
            for check in report.get("results", {}).get("failed_checks", []):
                print(f"     {check['check_id']} {check['resource']}: {check['check_name']}")
            if passed == 0 and not fails:
                print("     no check ran: checkov could not read the stack")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
