"""Pull-request review of a synth output: inventory, monthly cost and its diff, policy findings.

::

    from siliconfleet.review import base_output, build_report, head_output, render_markdown
    head = head_output(Path("build/pr"), Path("fleet.yaml"), fleet_given=True)   # synthesizes when stale
    report = build_report(head, base_output(Path("build/main")))
    print(render_markdown(report))

Pure reading of ``siliconfleet.json`` and the stacks' JSON over the dated catalog: no cloud
credentials, and no CDK engine unless the output must be synthesized first. Cost per target kind
comes from a registry (``kinds/``), policy from a rule pack (``rules/``, one rule per file).
Names are imported on first use (PEP 562), so that building the command line stays cheap.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "core": ("build_report",),
    "findings": ("Rule", "RuleContext", "acknowledge", "rebuild_fleet"),
    "jsonout": ("render_json", "report_dict"),
    "kinds": ("Kind", "register"),
    "markdown": ("GITHUB_COMMENT_LIMIT", "render_markdown"),
    "model": ("HOURS_PER_MONTH", "Finding", "Price", "Report", "TargetCost", "TargetReview"),
    "rules": ("pack",),
    "source": ("SynthOutput", "base_output", "head_output"),
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
