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

from .._lazy import lazy_exports

_EXPORTS = {
    "advisor": ("EdgeVerdict", "Option", "Recommendation", "SizingResult", "size"),
    "fleet": ("RULE_OVERSIZE", "Finding", "TargetSizing", "oversize_findings", "size_fleet", "target_hardware"),
    "model": ("DTYPES", "Assumptions", "Dtype", "MemoryEstimate", "ModelShape", "SizingRequest", "build_request",
              "memory_estimate"),
    "plot": ("render_svg", "write_plot"),
    "render": ("render_table", "result_dict"),
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
