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

from importlib import import_module
from typing import TYPE_CHECKING, Any

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
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "Finding",
    "GITHUB_COMMENT_LIMIT",
    "HOURS_PER_MONTH",
    "Kind",
    "Price",
    "Report",
    "Rule",
    "RuleContext",
    "SynthOutput",
    "TargetCost",
    "TargetReview",
    "acknowledge",
    "base_output",
    "build_report",
    "head_output",
    "pack",
    "rebuild_fleet",
    "register",
    "render_json",
    "render_markdown",
    "report_dict",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .core import build_report
    from .findings import Rule, RuleContext, acknowledge, rebuild_fleet
    from .jsonout import render_json, report_dict
    from .kinds import Kind, register
    from .markdown import GITHUB_COMMENT_LIMIT, render_markdown
    from .model import HOURS_PER_MONTH, Finding, Price, Report, TargetCost, TargetReview
    from .rules import pack
    from .source import SynthOutput, base_output, head_output
