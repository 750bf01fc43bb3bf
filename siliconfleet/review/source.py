"""The synth outputs a review reads: up to date with the fleet file, or synthesized first.

A synth output folder holds ``siliconfleet.json`` (the validated fleet and its stacks, written by
``siliconfleet synth``) and one ``stacks/<stack>/cdk.tf.json`` per stack. It is up to date when
the ``fleet_sha256`` it records equals the SHA-256 of the fleet file; otherwise (or when the folder
is missing) the review synthesizes first, and only then imports the CDK engine. A base folder
(``--base``) is read as it is: it was synthesized from another revision of the fleet file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SiliconfleetError


@dataclass
class SynthOutput:
    path: Path
    inventory: dict[str, Any]
    _docs: dict[str, dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def fleet(self) -> dict[str, Any]:
        return self.inventory["fleet"]

    @property
    def stacks(self) -> dict[str, dict[str, Any]]:
        return self.inventory.get("stacks", {})

    def stack_docs(self) -> dict[str, dict[str, Any]]:
        """Each stack's synthesized ``cdk.tf.json``, by stack name (read once)."""
        if self._docs is None:
            docs = {}
            for name, meta in sorted(self.stacks.items()):
                path = self.path / meta.get("path", f"stacks/{name}/cdk.tf.json")
                try:
                    docs[name] = json.loads(path.read_text())
                except FileNotFoundError:
                    raise SiliconfleetError(f"{path} not found: {self.path} is incomplete; synthesize again") from None
                except json.JSONDecodeError as exc:
                    raise SiliconfleetError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}); synthesize again") from None
            self._docs = docs
        return self._docs


def _read(out: Path) -> dict[str, Any]:
    from ..app import read_inventory  # app imports siliconfleet.engine, which loads no CDK module until used

    return read_inventory(out)


def fleet_digest(fleet_file: Path) -> str:
    return hashlib.sha256(fleet_file.read_bytes()).hexdigest()


def staleness(out: Path, fleet_file: Path) -> str | None:
    """Why ``out`` must be synthesized again from ``fleet_file``, or None when it is up to date."""
    inventory = out / "siliconfleet.json"
    if not out.exists():
        return f"{out} does not exist"
    if not inventory.exists():
        return f"{out} has no siliconfleet.json"
    try:
        recorded = _read(out).get("fleet_sha256")
    except SiliconfleetError as exc:
        return str(exc)
    if recorded != fleet_digest(fleet_file):
        return f"{out} was synthesized from another version of {fleet_file} (fleet_sha256 differs)"
    return None


def head_output(
    out: Path,
    fleet_file: Path | None,
    *,
    fleet_given: bool,
    synth: Callable[[Path, Path], Any] | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> SynthOutput:
    """The synth output to review, synthesized first when missing or stale.

    ``fleet_given``: the user named the fleet file (then it must exist); else a missing default
    fleet file means "review the folder as it is".
    """
    if fleet_file is not None and fleet_file.is_file():
        reason = staleness(out, fleet_file)
        if reason is not None:
            log(f"siliconfleet review: {reason}: synthesizing {fleet_file} into {out}")
            if synth is None:
                from ..app import synth as synth  # the CDK engine loads only on this path
            synth(fleet_file, out)
    elif fleet_given:
        raise SiliconfleetError(f"--fleet {fleet_file}: no such file; give the fleet file the output was synthesized from")
    elif (out / "siliconfleet.json").exists():
        log(f"siliconfleet review: no fleet file at {fleet_file}: reviewing {out} as it is, without a staleness check")
    else:
        raise SiliconfleetError(
            f"{out} holds no synth output and there is no fleet file ({fleet_file}) to synthesize; "
            "pass --fleet FILE, or --out a folder written by `siliconfleet synth`"
        )
    return SynthOutput(out, _read(out))


def base_output(base: Path) -> SynthOutput:
    """A base synth output (for example of the main branch), read as it is."""
    if not (base / "siliconfleet.json").exists():
        raise SiliconfleetError(
            f"--base {base}: no siliconfleet.json there; synthesize the base first "
            f"(siliconfleet synth --fleet FILE --out {base})"
        )
    return SynthOutput(base, _read(base))
