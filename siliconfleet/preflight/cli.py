"""`siliconfleet preflight`: quotas, capacity and availability of every target, before a deploy.

Building the parser imports nothing heavy: boto3 and the checks load when the command runs.
Exit codes: 0 every check ok, 1 something insufficient, 3 something unknown (and nothing
insufficient), 2 bad input (the fleet file; raised as SiliconfleetError, mapped by cli.main).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "preflight",
        help="check quotas, capacity and availability of every target before a deploy (read-only API calls)",
        description="Check, for every target of the fleet file, that the silicon is offered where it goes (EC2 types in "
        "the AZs, TPU types and runtimes in the zone, hosted API models), that quota headroom covers max_size (vCPU or "
        "chip quotas, hosted API rate limits), that reserved capacity fits, and that spot is likely to be found. Read-only. "
        "Exit 0 all ok, 1 something insufficient, 3 something unknown, 2 bad input.",
    )
    p.add_argument("--fleet", default="fleet.yaml", help="fleet file, YAML or JSON (default: fleet.yaml)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json on stdout")
    p.add_argument("--concurrency", type=_positive, default=16, help="API calls in flight at once (default: 16)")
    p.add_argument("--max-attempts", type=_positive, default=4,
                   help="HTTP attempts per AWS call, retries included (default: 4)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..spec import load_fleet
    from .api import PreflightOptions, preflight
    from .pool import Progress

    fleet = load_fleet(args.fleet)
    options = PreflightOptions(concurrency=args.concurrency, max_attempts=args.max_attempts)
    progress = Progress(sys.stderr, enabled=None if args.format == "table" else False)
    report = preflight(fleet, options=options, progress=progress)
    for note in report.notes:
        print(f"preflight: {note}", file=sys.stderr)
    print(report.to_json() if args.format == "json" else report.render_table())
    return report.exit_code
