"""`siliconfleet keys set`: store a hosted API key (Groq...) in a target's secret, from standard input only.

`siliconfleet groq set-key` (siliconfleet/groq/cli.py) is the same command for Groq targets.
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


def add_arguments(p: argparse.ArgumentParser, *, what: str) -> None:
    """The arguments of a set-key command (``what``: the targets it stores keys of)."""
    p.add_argument("--fleet", default="fleet.yaml", help="fleet file, YAML or JSON (default: fleet.yaml)")
    p.add_argument("--target", required=True, help=f"name of a target of {what}")
    p.add_argument("--prompt", action="store_true",
                   help="when standard input is a terminal, ask for the key without echo (getpass)")
    # a key given by mistake as an argument is refused without being repeated back
    p.add_argument("misplaced", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("--key", "--api-key", "--value", dest="misplaced_option", action="append", help=argparse.SUPPRESS)


def add_parser(subparsers: Any) -> None:
    """Add `keys set` to the main parser's subcommands."""
    keys = subparsers.add_parser("keys", help="hosted API endpoints (Groq...): store a target's API key in its secret")
    sub = keys.add_subparsers(dest="keys_command", required=True, parser_class=type(keys))
    p = sub.add_parser(
        "set",
        help="store a hosted API key, read from standard input, in a hosted target's secret",
        description="Read the API key of a hosted API target (Groq...) from standard input and store it as a new "
        "version of the target's secret (AWS Secrets Manager or Google Secret Manager). The key must have the shape "
        "of its provider's keys, and is never echoed, printed or logged.",
    )
    add_arguments(p, what="a hosted API kind (groq...)")
    p.set_defaults(func=_set_key)


def read_key(stream: TextIO, provider: Any, *, prompt: bool, ask: Callable[[str], str] | None = None) -> str:
    """The key from ``stream``, or typed without echo (getpass) when it is a terminal and ``prompt``
    is set; checked for the ``provider``'s key shape."""
    from .keys import MAX_INPUT, check_key_shape  # imported when the command runs: building the CLI stays cheap

    if stream.isatty():
        if not prompt:
            raise SiliconfleetError(
                "standard input is a terminal: pipe the key in (for example from your password manager) "
                "or pass --prompt to type it without echo; nothing was stored"
            )
        return check_key_shape((ask or getpass.getpass)(f"{provider.display} API key (not echoed): "), provider)
    text = stream.read(MAX_INPUT + 1)
    if len(text) > MAX_INPUT:
        raise SiliconfleetError(f"standard input holds more than {MAX_INPUT} characters: pipe the key alone; nothing was stored")
    return check_key_shape(text, provider)


def _stores(target: Any, provider: str | None) -> bool:
    """A target of a hosted kind (of ``provider``, when given)."""
    from .. import registry

    kind_provider = registry.kind_of(target).provider
    return kind_provider is not None and (provider is None or kind_provider == provider)


def _target(fleet: Any, name: str, provider: str | None = None) -> Any:
    from ..spec.report import suggest

    what = f"{provider} targets" if provider else "hosted API targets"
    mine = [t.name for t in fleet.targets if _stores(t, provider)]
    for target in fleet.targets:
        if target.name == name:
            if not _stores(target, provider):
                raise SiliconfleetError(f"--target: {name!r} is a {target.kind} target; set-key stores keys of {what}: "
                                        f"{', '.join(mine) or 'this fleet has none'}")
            return target
    raise SiliconfleetError(f"--target: {name!r} is not a target of fleet {fleet.fleet!r}; {what}: "
                            f"{', '.join(mine) or 'none'}{suggest(name, mine)}")


def _set_key(args: argparse.Namespace, stdin: TextIO | None = None, client: Any = None, provider: str | None = None) -> int:
    if args.misplaced or args.misplaced_option:
        console = "the provider's console"
        if provider:
            from ..catalog.hosted import hosted_provider

            console = f"the {hosted_provider(provider).display} console"
        raise SiliconfleetError(
            "set-key reads the key from standard input only: an argument lands in shell history and the process list "
            f"(it is not repeated here); nothing was stored; if that was a real key, revoke it in {console}"
        )
    from ..app import stack_location, stack_plan
    from ..spec import load_fleet
    from .keys import KeyStoreError, store_key

    fleet = load_fleet(args.fleet)
    target = _target(fleet, args.target, provider)
    stack = next(name for name, (_, _, targets) in stack_plan(fleet).items() if target in targets)
    key = read_key(stdin or sys.stdin, target.provider, prompt=args.prompt)
    try:
        stored = store_key(key, target, fleet=fleet.fleet, client=client, stack=stack)
    except KeyStoreError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_STORE_FAILED
    cloud, location = stack_location(target)
    print(f"stored a new version of the {target.provider.display} API key of {target.name}: {stored.secret} (version {stored.version}, "
          f"{cloud} {location}); the key was not printed")
    return 0
