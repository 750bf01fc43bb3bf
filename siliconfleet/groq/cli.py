"""`siliconfleet groq set-key`: store a Groq API key in a groq target's secret, from standard input
only: `siliconfleet keys set` (siliconfleet/hosted/cli.py) for Groq targets, kept under its name
of earlier versions.

Exit codes: 0 stored, 1 the secret store refused it or could not be reached, 2 bad input.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TextIO

from ..hosted.cli import EXIT_STORE_FAILED, add_arguments
from ..hosted.cli import _set_key as _set_hosted_key
from ..hosted.cli import read_key as _read_hosted_key

__all__ = ["EXIT_STORE_FAILED", "PROVIDER", "add_parser", "read_key"]

#: The hosted provider whose keys `groq set-key` stores (catalog/data/hosted/groq.yaml).
PROVIDER = "groq"


def add_parser(subparsers: Any) -> None:
    """Add `groq set-key` to the main parser's subcommands."""
    groq = subparsers.add_parser("groq", help="Groq endpoints: store a target's API key in its secret")
    sub = groq.add_subparsers(dest="groq_command", required=True, parser_class=type(groq))
    p = sub.add_parser(
        "set-key",
        help="store a Groq API key, read from standard input, in a groq target's secret",
        description="Read a Groq API key from standard input and store it as a new version of the target's secret "
        "(AWS Secrets Manager or Google Secret Manager). The key is never echoed, printed or logged. "
        "`siliconfleet keys set` does the same for every hosted API.",
    )
    add_arguments(p, what="kind groq")
    p.set_defaults(func=_set_key)


def read_key(stream: TextIO, *, prompt: bool, ask: Callable[[str], str] | None = None) -> str:
    """The Groq key from ``stream``, or typed without echo (getpass) when it is a terminal and ``prompt`` is set."""
    from ..catalog.hosted import hosted_provider

    return _read_hosted_key(stream, hosted_provider(PROVIDER), prompt=prompt, ask=ask)


def _set_key(args: argparse.Namespace, stdin: TextIO | None = None, client: Any = None) -> int:
    return _set_hosted_key(args, stdin, client, provider=PROVIDER)
