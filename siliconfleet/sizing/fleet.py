"""Sizing the targets of a fleet against their own serving settings, and the SF-COST-001 lint.

A target's hardware comes from its kind's sizing function in the kind registry: an EC2 kind's
``instance_type`` (an AWS catalog row, priced in ``region``), a TPU kind's shape (priced in the
region of ``zone``); a hosted API has none, and targets of a kind the registry does not know (a
synth output of another siliconfleet) neither: the lint skips them. Every target that serves a
model (``serving.model``, ``max_model_len``, ``max_num_seqs``) is sized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import catalog, registry
from ..catalog.llm_models import find_llm_model
from ..catalog.tpu import tpu_type, tpu_types
from ..errors import Problem, SiliconfleetError
from ..spec.aws import effective_desired_size
from .advisor import GIB, HOURS_PER_MONTH, OPTION_AWS, OPTION_TPU, SizingResult, size
from .model import DEFAULT_OVERSIZE_RATIO, build_request

RULE_OVERSIZE = "SF-COST-001"


@dataclass(frozen=True)
class Finding:
    """One review finding: which rule, how serious, where in the fleet file, what to do."""

    rule_id: str
    severity: str
    target: str
    path: str
    message: str
    monthly_savings_usd: float | None = None
    alternatives: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def render(self) -> str:
        return f"{self.severity} {self.rule_id} {self.path}: {self.message}"


@dataclass(frozen=True)
class Hardware:
    """What a target runs on today, from the catalog."""

    kind: str
    name: str
    silicon: str
    accelerator_memory_bytes: float
    usd_per_hour: float | None
    region: str | None
    units: int = 1
    """How many of it run: an EC2 cluster's effective desired size (0 when scaled to zero), a TPU target's slices."""
    unit_name: str = "instance"


@dataclass(frozen=True)
class TargetSizing:
    index: int
    target: Any
    hardware: Hardware | None
    result: SizingResult


def aws_hardware(target: Any) -> Hardware | None:
    """An EC2 kind's instance type, priced in its region; None when the catalog lacks the type."""
    itype = target.instance_type
    if itype not in catalog.aws_instance_types():
        return None
    row = catalog.aws_instance_type(itype)
    region = target.region
    return Hardware(OPTION_AWS, itype, row.silicon, row.accelerator_memory_gib * GIB, row.price_per_hour(region) if region else None,
                    region, effective_desired_size(target.min_size, target.desired_size))


def tpu_hardware(target: Any) -> Hardware | None:
    """A TPU kind's accelerator type, priced in the region of its zone; None when the catalog lacks it."""
    atype = target.accelerator_type
    if not isinstance(atype, str) or atype not in tpu_types():
        return None
    shape = tpu_type(atype)
    region = catalog.gcp_zone_region(target.zone)
    return Hardware(OPTION_TPU, atype, shape.tpu_generation.silicon, shape.chips * shape.chip.hbm_gb * 1e9,
                    shape.price_per_hour(region) if region else None, region, getattr(target, "count", None) or 1, "slice")


def hosted_hardware(target: Any) -> Hardware | None:
    """A hosted API runs on the provider's hardware, priced per token: nothing to size against."""
    return None


def target_hardware(target: Any) -> Hardware | None:
    """The catalog hardware a target runs on, through its kind's sizing function; None for hosted
    endpoints, types the catalog lacks, and kinds the registry does not know."""
    kind = registry.find(getattr(target, "kind", None))
    return kind.sizing_hardware()(target) if kind is not None else None


def size_fleet(fleet: Any, *, dtype: Any = None, kv_dtype: Any = None, efficiency: Any = None, overhead: Any = None,
               target_tokens_per_s: Any = None, source: str | None = None,
               labels: dict[str, str] | None = None) -> list[TargetSizing]:
    """Size every target that serves a model, with its own model, max_model_len and max_num_seqs.

    Raises SiliconfleetError listing every target whose model cannot be sized.
    """
    labels = labels or {}
    problems: list[Problem] = []
    out: list[TargetSizing] = []
    for i, target in enumerate(getattr(fleet, "targets", [])):
        serving = getattr(target, "serving", None)
        if serving is None or not getattr(serving, "model", None):
            continue
        hardware = target_hardware(target)
        prefix = f"targets[{i}].serving"
        names = {
            "model": f"{prefix}.model", "context": f"{prefix}.max_model_len", "batch": f"{prefix}.max_num_seqs",
            "dtype": labels.get("dtype", "dtype"), "kv_dtype": labels.get("kv_dtype", "kv_dtype"),
            "efficiency": labels.get("efficiency", "efficiency"), "overhead": labels.get("overhead", "overhead"),
            "target_tokens_per_s": labels.get("target_tokens_per_s", "target_tokens_per_s"),
        }
        if find_llm_model(serving.model) is None:
            problems.append(Problem(names["model"], (
                f"{serving.model!r} is not in the model catalog, so this target cannot be sized; add it to "
                "siliconfleet/catalog/data/llm_models.yaml, or size it alone by its numbers: siliconfleet size "
                "--params B --layers N --kv-heads N --head-dim N")))
            continue
        try:
            req = build_request(
                serving.model, dtype=dtype, kv_dtype=kv_dtype, context=serving.max_model_len, batch=serving.max_num_seqs,
                efficiency=efficiency, overhead=overhead, target_tokens_per_s=target_tokens_per_s,
                aws_region=hardware.region if hardware and hardware.kind == OPTION_AWS else None,
                gcp_region=hardware.region if hardware and hardware.kind == OPTION_TPU else None,
                labels=names,
            )
        except SiliconfleetError as exc:
            problems.extend(_dedupe(exc.problems, problems))
            continue
        out.append(TargetSizing(i, target, hardware, size(req)))
    if problems:
        raise SiliconfleetError(problems, source)
    return out


def _dedupe(new: list[Problem], seen: list[Problem]) -> list[Problem]:
    have = {(p.path, p.message) for p in seen}
    return [p for p in new if (p.path, p.message) not in have]


def oversize_findings(fleet: Any, *, oversize_ratio: float = DEFAULT_OVERSIZE_RATIO, dtype: Any = None,
                      max_alternatives: int = 3) -> list[Finding]:
    """SF-COST-001: targets whose accelerator memory is at least ``oversize_ratio`` times what the
    model needs (weights + KV cache at max_model_len x max_num_seqs + overhead), naming cheaper
    options of the same cloud that fit (the cheapest ones, and the cheapest of the same silicon)
    and what each saves a month (730 h x instances).

    The model's dtype is its published one unless ``dtype`` is given. Targets whose model is not in
    the catalog, whose hardware is unpriced, or that run nothing (a cluster scaled to zero), give no
    finding: the rule only speaks when it can name the saving.
    """
    findings: list[Finding] = []
    for i, target in enumerate(getattr(fleet, "targets", [])):
        try:
            sized = size_fleet(_OneTarget(target), dtype=dtype)
        except SiliconfleetError:
            continue
        if not sized:
            continue
        result = sized[0].result
        hw = target_hardware(target)
        if hw is None or hw.usd_per_hour is None or hw.units < 1:
            continue
        need = result.memory.total_bytes
        if hw.accelerator_memory_bytes < oversize_ratio * need:
            continue
        instances = hw.units
        candidates = sorted(
            (o for o in result.options
             if o.fits and o.kind == hw.kind and o.usd_per_hour is not None and o.usd_per_hour < hw.usd_per_hour),
            key=lambda o: (o.usd_per_hour, o.name),
        )
        cheaper = candidates[:max_alternatives]
        same_silicon = [o for o in candidates if o.silicon == hw.silicon]
        if same_silicon and same_silicon[0] not in cheaper:  # the swap that keeps the software stack
            cheaper = sorted(cheaper[: max_alternatives - 1] + same_silicon[:1], key=lambda o: (o.usd_per_hour, o.name))
        if not cheaper:
            continue
        alternatives = tuple(
            {
                "option": o.name, "silicon": o.silicon, "usd_per_hour": o.usd_per_hour,
                "tensor_parallel_degree": o.tensor_parallel_degree,
                "decode_tokens_per_s": None if o.decode_tokens_per_s is None else round(o.decode_tokens_per_s, 1),
                "monthly_savings_usd": round((hw.usd_per_hour - o.usd_per_hour) * HOURS_PER_MONTH * instances, 2),
            }
            for o in cheaper
        )
        serving = target.serving
        named = ", ".join(
            f"{a['option']} (TP {a['tensor_parallel_degree']}, ${a['usd_per_hour']:g}/h, saves ${a['monthly_savings_usd']:,.0f}/month)"
            for a in alternatives
        )
        req = result.request
        message = (
            f"{hw.name} has {hw.accelerator_memory_bytes / GIB:,.0f} GiB of accelerator memory, "
            f"{hw.accelerator_memory_bytes / need:.0f}x the {need / GIB:.1f} GiB that {serving.model} needs at "
            f"{req.dtype.name} (max_model_len {req.context} x max_num_seqs {req.batch}); cheaper options that fit: {named}"
            f" ({HOURS_PER_MONTH} h/month x {instances} {hw.unit_name}{'s' if instances != 1 else ''})"
        )
        findings.append(
            Finding(
                rule_id=RULE_OVERSIZE, severity="warning", target=target.name,
                path=f"targets[{i}].{'instance_type' if hw.kind == OPTION_AWS else 'accelerator_type'}",
                message=message, monthly_savings_usd=alternatives[0]["monthly_savings_usd"], alternatives=alternatives,
            )
        )
    return findings


class _OneTarget:
    def __init__(self, target: Any):
        self.targets = [target]


__all__ = ["Finding", "Hardware", "RULE_OVERSIZE", "TargetSizing", "oversize_findings", "size_fleet", "target_hardware"]
