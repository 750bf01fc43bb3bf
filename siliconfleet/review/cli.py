"""`siliconfleet review`: argument parsing and output. Wired into siliconfleet/cli.py by add_parser().

Exit codes: 0 when no open finding reaches ``--fail-on``; 1 when one does; 2 on bad input (a
missing fleet file or base, a broken synth output), with one line per problem and no traceback.
Building the parser imports nothing but argparse; the CDK engine loads only when the synth
output must be synthesized first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_FINDINGS = 1
FAIL_LEVELS = {"error": ("error",), "warning": ("error", "warning"), "never": ()}

EPILOG = """\
examples:
  siliconfleet review                                   # fleet.yaml, synthesized into cdktf.out/ when stale
  siliconfleet review --fleet fleet.yaml --out build/pr --base build/main --format markdown --output review.md
  siliconfleet review --format json --fail-on warning --checkov off

exit codes: 0 no open finding at the --fail-on level, 1 there is one, 2 bad input.
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `review` subcommand to the subparsers of siliconfleet's command line."""
    p = subparsers.add_parser(
        "review",
        help="pull-request review of a synth output: inventory, monthly cost and its diff, policy findings",
        description="Review synthesized stacks for a pull request: what silicon each target runs on, what it costs per "
                    "month (catalog prices with their date and source), what changed against a base synth output, and "
                    "findings from siliconfleet's rule pack and checkov.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--fleet", default=None, help="fleet file the output is synthesized from (default: fleet.yaml)")
    p.add_argument("--out", default=None,
                   help="synth output to review; synthesized first when missing or stale (default: $CDKTF_OUTDIR or cdktf.out)")
    p.add_argument("--base", default=None, help="a second synth output to compare with (for example of the main branch)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--fail-on", choices=tuple(FAIL_LEVELS), default="error",
                   help="exit 1 when an unacknowledged finding of this level (or worse) remains (default: error)")
    p.add_argument("--checkov", default="auto", metavar="auto|off|PATH",
                   help="run checkov on the stacks: auto (.venv-checkov/bin/checkov or checkov on PATH, when installed), "
                        "off, or the path of a checkov executable")
    p.add_argument("--output", metavar="FILE", default=None, help="write the report to FILE instead of standard output")
    p.set_defaults(func=run)
    return p


def _log(line: str) -> None:
    print(line, file=sys.stderr)


def _checkov(choice: str) -> tuple[str | None, str]:
    from .checkov import find_checkov

    if choice == "off":
        return None, "turned off (--checkov off)"
    if choice == "auto":
        return find_checkov(), "not installed (.venv-checkov/bin/checkov or checkov on PATH)"
    if not Path(choice).is_file():
        from ..errors import SiliconfleetError

        raise SiliconfleetError(f"--checkov {choice}: no such file; give auto, off or the path of a checkov executable")
    return choice, ""


def run(args: argparse.Namespace) -> int:
    from ..app import DEFAULT_FLEET, resolve_out
    from .checkov import config_root
    from .core import build_report
    from .source import base_output, head_output

    checkov, why_not = _checkov(args.checkov)
    base = base_output(Path(args.base)) if args.base else None  # before any synth: a bad --base fails fast
    fleet = Path(args.fleet or DEFAULT_FLEET)
    head = head_output(resolve_out(args.out), fleet, fleet_given=args.fleet is not None, log=_log)
    report = build_report(head, base, checkov=checkov, checkov_off_reason=why_not, checkov_root=config_root())
    if args.format == "json":
        from .jsonout import render_json

        text = render_json(report)
    else:
        from .markdown import render_markdown

        text = render_markdown(report)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    failing = report.open_findings(FAIL_LEVELS[args.fail_on])
    if failing:
        _log(f"siliconfleet review: {len(failing)} open finding(s) at --fail-on {args.fail_on}: "
             + ", ".join(sorted({f.id for f in failing})))
        return EXIT_FINDINGS
    return 0
