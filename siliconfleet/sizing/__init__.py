"""The sizing advisor: from a model to the silicon that fits, with the physics shown.

Pure arithmetic over the catalog (no CDK engine, no cloud SDK)::

    from siliconfleet.sizing import build_request, size
    result = size(build_request("meta-llama/Llama-3.1-8B-Instruct", batch=8))
    result.recommendation.option.name      # cheapest $/Mtok among the options that fit
    result.option("inf2.xlarge").decode_tokens_per_s

``oversize_findings(fleet)`` is the SF-COST-001 lint the review uses.
"""

from .advisor import EdgeVerdict, Option, Recommendation, SizingResult, size
from .fleet import RULE_OVERSIZE, Finding, TargetSizing, oversize_findings, size_fleet, target_hardware
from .model import DTYPES, Assumptions, Dtype, MemoryEstimate, ModelShape, SizingRequest, build_request, memory_estimate
from .plot import render_svg, write_plot
from .render import render_table, result_dict

__all__ = [
    "DTYPES",
    "RULE_OVERSIZE",
    "Assumptions",
    "Dtype",
    "EdgeVerdict",
    "Finding",
    "MemoryEstimate",
    "ModelShape",
    "Option",
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
