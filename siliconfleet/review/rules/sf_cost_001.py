"""SF-COST-001: accelerator memory far larger than the model needs, with cheaper options that fit.

The sizing advisor's lint (``sizing.oversize_findings``) on the fleet rebuilt from the synth
output's inventory: a target whose accelerator memory is at least 4x what its model needs at its
own max_model_len x max_num_seqs, named with cheaper catalog options that fit and what each saves.
A warning: a bigger instance can be a deliberate choice (latency, headroom); acknowledge it then.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Rule, RuleContext, target_resource
from ..model import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    from ...sizing import oversize_findings

    for found in oversize_findings(ctx.fleet_model()):
        best = found.alternatives[0] if found.alternatives else None
        fix = (
            f"set {found.path} to {best['option']} (saves ${best['monthly_savings_usd']:,.2f}/month), or acknowledge "
            "SF-COST-001 for this target with the reason for the headroom"
            if best else RULE.fix
        )
        yield RULE.finding(target_resource(found.target), found.message, fix=fix, target=found.target)


RULE = Rule(
    id="SF-COST-001",
    level="warning",
    title="accelerator memory far larger than the model needs",
    fix="choose a smaller instance or accelerator type that fits the model, or acknowledge the finding with the reason",
    check=check,
)
