"""One review: inventory and cost, the diff against a base, findings, checkov, acknowledgements."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from . import checkov as checkov_mod
from .diff import diff
from .findings import RuleContext, acknowledge, run_rules
from .inventory import review_stacks, review_targets
from .model import CheckovSummary, Report
from .rules import pack
from .source import SynthOutput


def build_report(
    head: SynthOutput,
    base: SynthOutput | None = None,
    *,
    checkov: str | None = None,
    checkov_off_reason: str = "not installed (.venv-checkov/bin/checkov or checkov on PATH)",
    checkov_root: Path | None = None,
) -> Report:
    """Review ``head`` (and compare it with ``base``); run checkov when ``checkov`` names one."""
    targets = review_targets(head)
    stacks = review_stacks(head, targets)
    findings = run_rules(pack(), RuleContext(head, targets))
    if checkov:
        summary, more = checkov_mod.fold(
            checkov_mod.scan_stacks(checkov, head.path, head.stacks, checkov_root),
            head.stack_docs(),
            {name: tuple(meta.get("targets", ())) for name, meta in head.stacks.items()},
        )
        findings += more
    else:
        summary = CheckovSummary(ran=False, reason=checkov_off_reason)
    acks = list(head.fleet.get("acknowledgements") or [])
    findings, unused = acknowledge(sorted(findings, key=lambda f: f.sort_key()), acks)
    delta = None
    if base is not None:
        base_targets = review_targets(base, with_docs=False)
        delta = diff(base_targets, targets, base_fleet=base.fleet, head_fleet=head.fleet,
                     base_fleet_sha256=base.inventory.get("fleet_sha256"))
    return Report(
        fleet=str(head.fleet.get("fleet")),
        fleet_sha256=head.inventory.get("fleet_sha256"),
        generator=f"siliconfleet {__version__}",
        targets=targets,
        stacks=stacks,
        findings=tuple(findings),
        diff=delta,
        checkov=summary,
        unused_acknowledgements=tuple(unused),
    )
