"""Sizing results as a ranked text table (for people) or a JSON document (for machines)."""

from __future__ import annotations

from typing import Any

from ..catalog.hosted import hosted_providers
from ..catalog.tpu import tpu_generations
from .advisor import GIB, HOURS_PER_MONTH, Option, SizingResult
from .model import SizingRequest


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def _num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if x is None else fmt.format(x)


def _money(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.4f}" if x < 1 else f"{x:.2f}"


def describe_request(req: SizingRequest) -> str:
    m = req.model
    label = m.name if m.catalog_name in (None, m.name) else f"{m.name} ({m.catalog_name})"
    params = f"{m.parameters / 1e9:.2f}B parameters" + (f", {m.active_parameters / 1e9:.2f}B active" if m.is_moe else "")
    return (f"{label}: {params}, {m.layers} layers, {m.kv_heads} KV heads x {m.head_dim}; weights {req.dtype.name}, "
            f"KV cache {req.kv_dtype.name}; context {req.context} tokens x batch {req.batch}")


def formula_lines(result: SizingResult) -> list[str]:
    req, mem = result.request, result.memory
    m = req.model
    a = req.assumptions
    moe = " (mixture of experts: a step reads at most active parameters x batch)" if m.is_moe else ""
    return [
        f"weights  = parameters x bytes/param = {m.parameters / 1e9:.3f}e9 x {req.dtype.bytes_per_param:g} = {_gb(mem.weights_bytes)}",
        f"KV cache = 2 x layers x KV heads x head dim x bytes x context x batch = 2 x {m.layers} x {m.kv_heads} x "
        f"{m.head_dim} x {req.kv_dtype.bytes_per_param:g} x {req.context} x {req.batch} = {_gb(mem.kv_cache_bytes)}",
        f"overhead = {a.overhead_fraction:.0%} of weights + KV cache = {_gb(mem.overhead_bytes)}; "
        f"total {_gb(mem.total_bytes)} ({mem.total_bytes / GIB:.2f} GiB), split over the tensor-parallel degree",
        "decode tokens/s = min(batch x bandwidth of the units used / bytes read per step, "
        "peak FLOPS of the units used / FLOPs per token)",
        f"  bytes read per step = weights + KV cache{moe}; FLOPs per token = 2 x active parameters + "
        "4 x layers x heads x head dim x context",
        f"$/Mtok = $/h / (decode tokens/s x efficiency {a.efficiency:g} x 3600) x 1e6",
    ]


def assumption_lines(result: SizingResult) -> list[str]:
    a = result.request.assumptions
    lines = [
        f"efficiency {a.efficiency:g}: real servers reach a fraction of the bound (the README's Sizing section compares published measurements)",
        f"a server fills at most {a.usable_memory_fraction:.0%} of each accelerator's memory (vLLM's gpu_memory_utilization default)",
        "one model replica per instance, at the widest tensor-parallel degree that fits: TP divides the NeuronCores/GPUs/chips, "
        "divides the KV heads or is a multiple of them (KV heads are then copied), and on GPU/TPU divides the attention heads",
        "every sequence at the full context: the KV cache read per step is an upper bound",
        f"oversized: accelerator memory at least {a.oversize_ratio:g}x what the model needs while a smaller option of the same silicon fits",
        f"prices: AWS on-demand in {a.aws_region}, {' / '.join(g.display for g in tpu_generations().values())} on-demand in "
        f"{a.gcp_region}, "
        f"{', '.join(p.display for p in hosted_providers().values())} per output token; "
        "figures marked UNVERIFIED in the catalog are flagged with *",
    ]
    if result.request.model.notes:
        lines.append(f"model note: {result.request.model.notes}")
    return lines


def _row(rank: str, opt: Option) -> list[str]:
    if opt.kind in ("aws", "gcp-tpu", "edge") and opt.memory_needed_per_unit_bytes is not None:
        mem = f"{opt.memory_needed_per_unit_bytes / GIB:.1f}/{(opt.memory_usable_per_unit_bytes or 0) / GIB:.1f}"
    else:
        mem = "-"
    devices = "-" if opt.devices is None else (f"{opt.devices}/{opt.devices_available}" if opt.kind != "edge" else "1")
    tp = "-" if opt.tensor_parallel_degree is None or opt.hosted or opt.kind == "edge" else str(opt.tensor_parallel_degree)
    flag = "*" if opt.unverified else ""
    note = []
    if opt.oversized:
        note.append("OVERSIZED")
    if opt.replicas_for_target:
        note.append(f"{opt.replicas_for_target} for target, ${_money(opt.usd_per_hour_for_target)}/h")
    elif opt.hosted and opt.usd_per_hour_for_target is not None:
        note.append(f"${_money(opt.usd_per_hour_for_target)}/h at target")
    if opt.reason:
        note.append(opt.reason)
    return [
        rank, opt.label + flag, opt.silicon, "yes" if opt.fits else "no", devices, tp, mem,
        _num(opt.decode_tokens_per_s), opt.bound or "-", _money(opt.usd_per_hour), _money(opt.usd_per_million_tokens),
        "; ".join(note),
    ]


_HEADERS = ["#", "option", "silicon", "fits", "chips", "TP", "GiB/unit need/usable", "decode tok/s", "bound", "$/h", "$/Mtok", "note"]


def render_table(result: SizingResult) -> str:
    req, mem = result.request, result.memory
    lines = [f"sizing {describe_request(req)}"]
    lines.append(
        f"memory: weights {_gb(mem.weights_bytes)} + KV cache {_gb(mem.kv_cache_bytes)} + overhead {_gb(mem.overhead_bytes)} "
        f"= {_gb(mem.total_bytes)} ({mem.total_bytes / GIB:.2f} GiB) for one replica"
    )
    if req.target_tokens_per_s is not None:
        lines.append(f"target: {req.target_tokens_per_s:g} output tokens/s in total")
    lines.append("")
    rows = [_HEADERS]
    rank = 0
    for opt in result.options:
        if opt.fits:
            rank += 1
        rows.append(_row(str(rank) if opt.fits else "-", opt))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS) - 1)]
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i in (1, 2, 8, 3) else c.rjust(w) for i, (c, w) in enumerate(zip(r[:-1], widths, strict=True))) + "  " + r[-1])
    lines.append("")
    rec = result.recommendation
    if rec.option is not None:
        o = rec.option
        extra = f", TP {o.tensor_parallel_degree}" if o.tensor_parallel_degree and o.kind in ("aws", "gcp-tpu") else ""
        lines.append(f"recommendation: {o.label} ({o.silicon}{extra}): {rec.reason}")
    else:
        lines.append(f"recommendation: none: {rec.reason}")
    for silicon, opt in rec.per_silicon.items():
        if opt is None:
            lines.append(f"  {silicon:<12} nothing fits")
        else:
            tp = f", TP {opt.tensor_parallel_degree}" if opt.tensor_parallel_degree and opt.kind in ("aws", "gcp-tpu") else ""
            speed = "published" if opt.bound == "published" else "bound"
            lines.append(f"  {silicon:<12} {opt.label}{tp}: {_num(opt.decode_tokens_per_s)} tok/s {speed}, "
                         f"${_money(opt.usd_per_million_tokens)}/Mtok")
    lines.append(f"edge: {result.edge.reason}")
    lines.append("")
    lines.append("formula:")
    lines += [f"  {x}" for x in formula_lines(result)]
    lines.append("assumptions:")
    lines += [f"  {x}" for x in assumption_lines(result)]
    return "\n".join(lines)


def option_dict(opt: Option) -> dict[str, Any]:
    ident = "model_id" if opt.hosted else {"aws": "instance_type", "gcp-tpu": "accelerator_type", "edge": "device"}[opt.kind]
    return {
        "silicon": opt.silicon,
        "kind": opt.kind,
        ident: opt.name,
        "fits": opt.fits,
        "devices": opt.devices if opt.fits else None,
        "devices_available": opt.devices_available,
        "device_name": opt.device_name or None,
        "parallel_unit": opt.unit_name or None,
        "tensor_parallel_degree": opt.tensor_parallel_degree if opt.fits else None,
        "tensor_parallel_degrees": list(opt.tensor_parallel_degrees),
        "memory_needed_per_unit_gib": None if opt.memory_needed_per_unit_bytes is None else round(opt.memory_needed_per_unit_bytes / GIB, 3),
        "memory_usable_per_unit_gib": None if opt.memory_usable_per_unit_bytes is None else round(opt.memory_usable_per_unit_bytes / GIB, 3),
        "accelerator_memory_gib": None if opt.accelerator_memory_bytes is None else round(opt.accelerator_memory_bytes / GIB, 3),
        "decode_tokens_per_s": None if opt.decode_tokens_per_s is None else round(opt.decode_tokens_per_s, 3),
        "memory_bound_tokens_per_s": None if opt.memory_bound_tokens_per_s is None else round(opt.memory_bound_tokens_per_s, 3),
        "compute_bound_tokens_per_s": None if opt.compute_bound_tokens_per_s is None else round(opt.compute_bound_tokens_per_s, 3),
        "bound": opt.bound,
        "usd_per_hour": opt.usd_per_hour,
        "usd_per_million_tokens": None if opt.usd_per_million_tokens is None else round(opt.usd_per_million_tokens, 6),
        "oversized": opt.oversized,
        "replicas_for_target": opt.replicas_for_target,
        "usd_per_hour_for_target": None if opt.usd_per_hour_for_target is None else round(opt.usd_per_hour_for_target, 6),
        "usd_per_month_for_target": None if opt.usd_per_hour_for_target is None else round(opt.usd_per_hour_for_target * HOURS_PER_MONTH, 2),
        "note": opt.reason or None,
        "unverified": list(opt.unverified),
    }


def result_dict(result: SizingResult) -> dict[str, Any]:
    req, mem = result.request, result.memory
    m, a = req.model, req.assumptions
    rec = result.recommendation
    return {
        "model": {
            "name": m.name, "catalog_name": m.catalog_name, "hf_ids": list(m.hf_ids), "parameters": m.parameters,
            "active_parameters": m.active_parameters, "layers": m.layers, "attention_heads": m.attention_heads,
            "kv_heads": m.kv_heads, "head_dim": m.head_dim, "source": m.source, "notes": m.notes or None,
        },
        "dtype": req.dtype.name,
        "kv_dtype": req.kv_dtype.name,
        "context": req.context,
        "batch": req.batch,
        "target_tokens_per_s": req.target_tokens_per_s,
        "memory": {
            "weights_bytes": mem.weights_bytes, "kv_cache_bytes": mem.kv_cache_bytes, "kv_bytes_per_token": mem.kv_bytes_per_token,
            "overhead_bytes": mem.overhead_bytes, "total_bytes": mem.total_bytes,
            "weights_gb": round(mem.weights_bytes / 1e9, 3), "total_gib": round(mem.total_bytes / GIB, 3),
        },
        "options": [option_dict(o) for o in result.options],
        "recommendation": {
            "option": None if rec.option is None else rec.option.name,
            "silicon": None if rec.option is None else rec.option.silicon,
            "reason": rec.reason,
            "per_silicon": {k: (None if v is None else v.name) for k, v in rec.per_silicon.items()},
        },
        "edge": {"fits": result.edge.fits, "device": result.edge.device, "reason": result.edge.reason},
        "assumptions": {
            "efficiency": a.efficiency, "overhead_fraction": a.overhead_fraction,
            "usable_memory_fraction": a.usable_memory_fraction, "oversize_ratio": a.oversize_ratio,
            "aws_region": a.aws_region, "gcp_region": a.gcp_region, "notes": assumption_lines(result),
        },
        "formula": formula_lines(result),
    }
