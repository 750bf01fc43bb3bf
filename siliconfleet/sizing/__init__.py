"""The sizing advisor: from a model to the silicon that fits, with the physics shown.

Pure arithmetic over the catalog (no CDK engine, no cloud SDK)::

    from siliconfleet.sizing import build_request, size
    result = size(build_request("meta-llama/Llama-3.1-8B-Instruct", batch=8))
    result.recommendation.option.name      # cheapest $/Mtok among the options that fit
    result.option("inf2.xlarge").decode_tokens_per_s

``oversize_findings(fleet)`` is the SF-COST-001 lint the review uses.

Names are imported on first use (PEP 562), so that building the command line, which imports
``siliconfleet.sizing.cli``, does not load the catalog for every other subcommand.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "advisor": ("EdgeVerdict", "Option", "Recommendation", "SizingResult", "size"),
    "fleet": ("RULE_OVERSIZE", "Finding", "TargetSizing", "oversize_findings", "size_fleet", "target_hardware"),
    "model": ("DTYPES", "Assumptions", "Dtype", "MemoryEstimate", "ModelShape", "SizingRequest", "build_request",
              "memory_estimate"),
    "plot": ("render_svg", "write_plot"),
    "render": ("render_table", "result_dict"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "Assumptions",
    "DTYPES",
    "Dtype",
    "EdgeVerdict",
    "Finding",
    "MemoryEstimate",
    "ModelShape",
    "Option",
    "RULE_OVERSIZE",
    "Recommendation",
    "SizingRequest",
    "SizingResult",
    "TargetSizing",
    "build_request",
    "memory_estimate",
    "oversize_findings",
    "render_svg",
    "render_table",
    "result_dict",
    "size",
    "size_fleet",
    "target_hardware",
    "write_plot",
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
    from .advisor import EdgeVerdict, Option, Recommendation, SizingResult, size
    from .fleet import RULE_OVERSIZE, Finding, TargetSizing, oversize_findings, size_fleet, target_hardware
    from .model import DTYPES, Assumptions, Dtype, MemoryEstimate, ModelShape, SizingRequest, build_request, memory_estimate
    from .plot import render_svg, write_plot
    from .render import render_table, result_dict
