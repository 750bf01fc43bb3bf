"""`siliconfleet groq set-key`: store a Groq API key in a target's secret, from standard input only.

The key never comes from an argument (shell history, the process list), an environment variable
or a file the command opens: it is piped in (``<password manager> | siliconfleet groq set-key``),
or typed at a terminal with ``--prompt`` (getpass: no echo). Without ``--prompt``, a terminal on
standard input is refused rather than echo what is typed. The key is never printed or logged.

Exit codes: 0 stored, 1 the secret store refused it or could not be reached, 2 bad input.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ..errors import SiliconfleetError

EXIT_STORE_FAILED = 1
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
        "(AWS Secrets Manager or Google Secret Manager). The key is never echoed, printed or logged.",
    )
    p.add_argument("--fleet", default="fleet.yaml", help="fleet file, YAML or JSON (default: fleet.yaml)")
    p.add_argument("--target", required=True, help="name of a target of kind groq")
    p.add_argument("--prompt", action="store_true",
                   help="when standard input is a terminal, ask for the key without echo (getpass)")
    # a key given by mistake as an argument is refused without being repeated back
    p.add_argument("misplaced", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("--key", "--api-key", "--value", dest="misplaced_option", action="append", help=argparse.SUPPRESS)
    p.set_defaults(func=_set_key)


def read_key(stream: TextIO, *, prompt: bool, ask: Callable[[str], str] | None = None) -> str:
    """The key from ``stream``, or typed without echo (getpass) when it is a terminal and ``prompt`` is set."""
    from .keys import MAX_INPUT, check_key_shape  # imported when the command runs: building the CLI stays cheap

    if stream.isatty():
        if not prompt:
            raise SiliconfleetError(
                "standard input is a terminal: pipe the key in (for example from your password manager) "
                "or pass --prompt to type it without echo; nothing was stored"
            )
        return check_key_shape((ask or getpass.getpass)("Groq API key (not echoed): "))
    text = stream.read(MAX_INPUT + 1)
    if len(text) > MAX_INPUT:
        raise SiliconfleetError(f"standard input holds more than {MAX_INPUT} characters: pipe the key alone; nothing was stored")
    return check_key_shape(text)


def _is_groq(target: Any) -> bool:
    """A target of a kind whose hosted provider is Groq."""
    from .. import registry

    return registry.kind_of(target).provider == PROVIDER


def _target(fleet: Any, name: str) -> Any:
    from ..spec.report import suggest

    groq = [t.name for t in fleet.targets if _is_groq(t)]
    for target in fleet.targets:
        if target.name == name:
            if not _is_groq(target):
                raise SiliconfleetError(f"--target: {name!r} is a {target.kind} target; set-key stores keys of groq targets: "
                                        f"{', '.join(groq) or 'this fleet has none'}")
            return target
    raise SiliconfleetError(f"--target: {name!r} is not a target of fleet {fleet.fleet!r}; groq targets: "
                            f"{', '.join(groq) or 'none'}{suggest(name, groq)}")


def _set_key(args: argparse.Namespace, stdin: TextIO | None = None, client: Any = None) -> int:
    if args.misplaced or args.misplaced_option:
        raise SiliconfleetError(
            "set-key reads the key from standard input only: an argument lands in shell history and the process list "
            "(it is not repeated here); nothing was stored; if that was a real key, revoke it in the Groq console"
        )
    from ..app import stack_location, stack_plan
    from ..spec import load_fleet
    from .keys import KeyStoreError, store_key

    fleet = load_fleet(args.fleet)
    target = _target(fleet, args.target)
    stack = next(name for name, (_, _, targets) in stack_plan(fleet).items() if target in targets)
    key = read_key(stdin or sys.stdin, prompt=args.prompt)
    try:
        stored = store_key(key, target, fleet=fleet.fleet, client=client, stack=stack)
    except KeyStoreError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_STORE_FAILED
    cloud, location = stack_location(target)
    print(f"stored a new version of the Groq API key of {target.name}: {stored.secret} (version {stored.version}, "
          f"{cloud} {location}); the key was not printed")
    return 0
