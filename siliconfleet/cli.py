"""`siliconfleet synth | validate | catalog | size | preflight | groq | keys | review`: the command line.

User errors print one line per problem on stderr and exit 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .errors import SiliconfleetError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its one-line style
        self.print_usage(sys.stderr)
        print(f"siliconfleet: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="siliconfleet", description="Inference fleets on the silicon that fits, as reviewable Terraform.")
    parser.add_argument("--version", action="version", version=f"siliconfleet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("synth", help="synthesize the fleet file into Terraform JSON (what `python main.py` does)")
    p.add_argument("--fleet", default="fleet.yaml", help="fleet file, YAML or JSON (default: fleet.yaml)")
    p.add_argument("--out", default=None, help="output folder (default: $CDKTF_OUTDIR or cdktf.out)")
    p.set_defaults(func=_synth)

    p = sub.add_parser("validate", help="check a fleet file and report every problem (no synth)")
    p.add_argument("--fleet", default="fleet.yaml")
    p.set_defaults(func=_validate)

    p = sub.add_parser("catalog", help="list the instance types, prices and quota codes siliconfleet knows")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=_catalog)

    from .sizing.cli import add_parser as add_size_parser  # `size`: pure arithmetic, no CDK import

    add_size_parser(sub)
    from .preflight.cli import add_parser as add_preflight_parser  # `preflight`: boto3 loads only when it runs

    add_preflight_parser(sub)
    from .groq.cli import add_parser as add_groq_parser  # `groq set-key`: key from standard input only

    add_groq_parser(sub)
    from .hosted.cli import add_parser as add_keys_parser  # `keys set`: any hosted API's key, from standard input only

    add_keys_parser(sub)
    from .review.cli import add_parser as add_review_parser  # `review`: reads JSON; the CDK loads only to synth a stale output

    add_review_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SiliconfleetError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        n = len(exc.problems)
        if n > 1:
            print(f"{n} problems; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _synth(args: argparse.Namespace) -> int:
    from .app import synth

    result = synth(args.fleet, args.out)
    print("\n".join(result.lines()))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .spec import load_fleet

    fleet = load_fleet(args.fleet)
    n = len(fleet.targets)
    print(f"{args.fleet}: fleet {fleet.fleet!r} is valid ({n} target{'s' if n != 1 else ''})")
    return 0


def _catalog(args: argparse.Namespace) -> int:
    from . import catalog

    rows = catalog.aws_instance_types()
    if args.format == "json":
        print(json.dumps({name: row.model_dump() for name, row in rows.items()}, indent=2, sort_keys=True))
        return 0
    print(f"{'instance type':<16}{'silicon':<13}{'vCPU':>5}{'accel':>6}{'cores':>6}{'mem GiB':>9}{'GiB/s':>10}{'$/h us-east-1':>15}  quota (on-demand / spot)")
    for name, row in rows.items():
        on_demand, spot = (catalog.ec2_quota_for(name, market) for market in ("on_demand", "spot"))
        price = row.price_per_hour("us-east-1")
        print(
            f"{name:<16}{row.silicon:<13}{row.vcpu:>5}{row.accelerators:>6}{row.neuron_cores or row.gpus:>6}"
            f"{row.accelerator_memory_gib:>9g}{row.memory_bandwidth_gib_s:>10.0f}{(f'{price:.4f}' if price else 'unpriced'):>15}"
            f"  {on_demand.code if on_demand else '-'} / {spot.code if spot else '-'}"
        )
    first = next(iter(rows.values()))
    print(f"\nprices as of {first.price_as_of}: {first.price_source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
