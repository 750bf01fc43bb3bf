"""SF-TAG-001: a taggable resource would be created without a CostCenter tag (or cost_center label).

The check is siliconfleet's own cost-center check (``siliconfleet/tagcheck.py``, the one synth
runs; it needs no CDK engine): a resource is tagged when its own tags or its provider's
default tags carry CostCenter; an Auto Scaling group needs a CostCenter tag block, and a launch
template must tag the instances, volumes and network interfaces it launches.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...tagcheck import check_cost_center_tags
from ..findings import Rule, RuleContext, stack_resource
from ..model import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    for stack, doc in ctx.stack_docs().items():
        resources = doc.get("resource") or {}
        for problem in check_cost_center_tags(doc):
            rtype, _, name = problem.address.partition(".")
            body = (resources.get(rtype) or {}).get(name) or {}
            yield RULE.finding(stack_resource(stack, rtype, name), problem.reason, target=ctx.owner(stack, name, body))


RULE = Rule(
    id="SF-TAG-001",
    level="error",
    title="taggable resource without CostCenter",
    fix="tag it with CostCenter (its own tags, the provider's default_tags, or tag_specifications for what a launch "
        "template launches); resources built by siliconfleet's constructs are tagged from the fleet's cost_center",
    check=check,
)
