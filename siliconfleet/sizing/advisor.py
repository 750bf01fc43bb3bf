"""Every option in the catalog against one request: fit, parallel degree, decode bound, price.

The decode bound is the roofline of one decode step (one new token for each of ``batch`` sequences):

    memory bound  = batch x bandwidth of the units used / bytes read per step
    compute bound = peak FLOPS of the units used / FLOPs per generated token
    decode tokens/s = min(memory bound, compute bound)

where a step reads the weights (for a mixture of experts: at most active parameters x batch) plus
the whole KV cache (every sequence at the full context: a conservative bound), and a token costs
2 x active parameters + 4 x layers x attention heads x head dim x context FLOPs.
Price per million output tokens = $/h / (decode tokens/s x efficiency x 3600) x 1e6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .. import catalog
from ..catalog.edge import edge_devices
from ..catalog.hosted import hosted_models_serving, hosted_providers
from ..catalog.tpu import tpu_generations, tpu_types
from .model import MemoryEstimate, SizingRequest, memory_estimate

GIB = 2**30
HOURS_PER_MONTH = 730

#: The kinds of option that are not a hosted API (whose options are of kind <provider>: groq...):
#: EC2 instance types, TPU accelerator types, edge devices. Not fleet target kinds.
OPTION_AWS, OPTION_TPU, OPTION_EDGE = "aws", "gcp-tpu", "edge"
HARDWARE_KINDS = (OPTION_AWS, OPTION_TPU, OPTION_EDGE)
#: Display order of silicons in recommendations: the catalog's EC2 silicons, its TPU generations,
#: its hosted providers (groq...), edge.
SILICONS = (*catalog.aws_silicons(), *(g.silicon for g in tpu_generations().values()), *hosted_providers(), "edge")


@dataclass(frozen=True)
class Option:
    silicon: str
    kind: str
    """``aws`` (instance type), ``gcp-tpu`` (accelerator type), ``edge`` (device), or a hosted provider
    (``groq``...: one of its models)."""
    name: str
    fits: bool
    devices: int | None = None
    """Accelerator chips or GPUs the replica uses (edge: 1; Groq: not applicable)."""
    devices_available: int | None = None
    device_name: str = ""
    unit_name: str = ""
    """What tensor parallelism splits over: NeuronCore, GPU, TPU chip."""
    units_available: int | None = None
    tensor_parallel_degree: int | None = None
    tensor_parallel_degrees: tuple[int, ...] = ()
    """Every valid degree at which the model fits."""
    memory_needed_per_unit_bytes: float | None = None
    memory_usable_per_unit_bytes: float | None = None
    accelerator_memory_bytes: float | None = None
    memory_bound_tokens_per_s: float | None = None
    compute_bound_tokens_per_s: float | None = None
    decode_tokens_per_s: float | None = None
    bound: str | None = None
    """``memory`` or ``compute`` (roofline), ``published`` (Groq's advertised speed)."""
    usd_per_hour: float | None = None
    usd_per_million_tokens: float | None = None
    oversized: bool = False
    replicas_for_target: int | None = None
    usd_per_hour_for_target: float | None = None
    reason: str = ""
    unverified: tuple[str, ...] = ()

    @property
    def priced(self) -> bool:
        return self.usd_per_million_tokens is not None

    @property
    def hosted(self) -> bool:
        """An option of a hosted API: priced per token, no parallelism of ours."""
        return self.kind not in HARDWARE_KINDS

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}" if self.hosted else self.name


@dataclass(frozen=True)
class EdgeVerdict:
    fits: bool
    device: str | None
    reason: str


@dataclass(frozen=True)
class Recommendation:
    option: Option | None
    reason: str
    per_silicon: dict[str, Option | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SizingResult:
    request: SizingRequest
    memory: MemoryEstimate
    options: tuple[Option, ...]
    recommendation: Recommendation
    edge: EdgeVerdict

    def option(self, name: str) -> Option:
        """The option called ``name`` (instance type, accelerator type, Groq id or edge device)."""
        for opt in self.options:
            if opt.name == name:
                return opt
        raise KeyError(name)


# ---------------------------------------------------------------------------------------------
# The arithmetic shared by every option


def weights_read_bytes(req: SizingRequest) -> float:
    """Weight bytes one decode step reads: all of them, or for a mixture of experts at most
    active parameters x batch (each sequence may route to different experts)."""
    m = req.model
    params = m.parameters if m.active_parameters is None else min(m.parameters, m.active_parameters * req.batch)
    return params * req.dtype.bytes_per_param


def flops_per_token(req: SizingRequest) -> float:
    m = req.model
    active = m.active_parameters or m.parameters
    heads = m.attention_heads or m.kv_heads
    return 2 * active + 4 * m.layers * heads * m.head_dim * req.context


def kv_replication(tp: int, kv_heads: int) -> int:
    """KV heads are copied when the tensor-parallel degree exceeds them (each unit holds whole heads)."""
    return tp // kv_heads if tp > kv_heads else 1


def valid_tensor_parallel(tp: int, units: int, req: SizingRequest, *, heads_must_divide: bool) -> bool:
    """TP must divide the units of the instance; it must divide the KV heads or be a multiple of
    them (vLLM and NxD Inference replicate KV heads only to a multiple); GPU and TPU servers (vLLM)
    also need it to divide the attention heads, which NxD Inference on Neuron pads instead."""
    m = req.model
    if tp > units or units % tp:
        return False
    if m.kv_heads % tp and tp % m.kv_heads:
        return False
    if heads_must_divide and m.attention_heads and m.attention_heads % tp:
        return False
    return True


def needed_per_unit(req: SizingRequest, mem: MemoryEstimate, tp: int) -> float:
    kv = mem.kv_cache_bytes * kv_replication(tp, req.model.kv_heads)
    return (mem.weights_bytes + kv) * (1 + req.assumptions.overhead_fraction) / tp


def _usd_per_million(usd_per_hour: float | None, tokens_per_s: float | None, efficiency: float) -> float | None:
    if usd_per_hour is None or not tokens_per_s:
        return None
    return usd_per_hour / (tokens_per_s * efficiency * 3600) * 1e6


@dataclass(frozen=True)
class _Hardware:
    """One catalog offering, normalized to the unit tensor parallelism splits over."""

    silicon: str
    kind: str
    name: str
    device_name: str
    devices: int
    unit_name: str
    units: int
    unit_memory_bytes: float
    unit_bandwidth_bytes_s: float
    unit_peak_flops: dict[str, float]
    usd_per_hour: float | None
    heads_must_divide: bool
    unverified: tuple[str, ...] = ()
    note: str = ""


def _aws_hardware(region: str) -> list[_Hardware]:
    out = []
    for name, row in catalog.aws_instance_types().items():
        units = row.neuron_cores or row.gpus
        if not units:
            continue
        neuron = row.neuron_cores > 0
        per_device_peak = {k: v * 1e12 for k, v in row.peak_dense_tflops.items()}
        out.append(
            _Hardware(
                silicon=row.silicon, kind="aws", name=name, device_name=row.accelerator, devices=row.accelerators,
                unit_name="NeuronCore" if neuron else "GPU", units=units,
                unit_memory_bytes=row.accelerator_memory_gib * GIB / units,
                unit_bandwidth_bytes_s=row.memory_bandwidth_gib_s * GIB / units,
                unit_peak_flops={k: v * row.accelerators / units for k, v in per_device_peak.items()},
                usd_per_hour=row.price_per_hour(region), heads_must_divide=not neuron,
                unverified=row.unverified,
                note="" if row.price_per_hour(region) is not None else
                (f"no on-demand price in {region}" + (" (Capacity Blocks only)" if row.capacity_blocks and not row.on_demand_usd_per_hour else "")),
            )
        )
    return out


def _tpu_hardware(region: str) -> list[_Hardware]:
    out = []
    for name, shape in tpu_types().items():
        if not shape.single_host:
            continue
        chip = shape.chip
        unverified = chip.unverified + (("price",) if shape.price_unverified else ())
        out.append(
            _Hardware(
                silicon=shape.tpu_generation.silicon, kind="gcp-tpu", name=name, device_name=chip.name, devices=shape.chips,
                unit_name="TPU chip", units=shape.chips, unit_memory_bytes=chip.hbm_gb * 1e9,
                unit_bandwidth_bytes_s=chip.memory_bandwidth_gb_s * 1e9,
                unit_peak_flops={k: v * 1e12 for k, v in chip.peak_dense_tflops.items()},
                usd_per_hour=shape.price_per_hour(region), heads_must_divide=True, unverified=unverified,
                note="" if shape.price_per_hour(region) is not None else f"no price in {region}",
            )
        )
    return out


def _size_hardware(req: SizingRequest, mem: MemoryEstimate, hw: _Hardware) -> Option:
    a = req.assumptions
    usable = hw.unit_memory_bytes * a.usable_memory_fraction
    degrees = [t for t in range(1, hw.units + 1) if valid_tensor_parallel(t, hw.units, req, heads_must_divide=hw.heads_must_divide)]
    fitting = tuple(t for t in degrees if needed_per_unit(req, mem, t) <= usable)
    units_per_device = hw.units // hw.devices
    common = dict(
        silicon=hw.silicon, kind=hw.kind, name=hw.name, devices_available=hw.devices, device_name=hw.device_name,
        unit_name=hw.unit_name, units_available=hw.units, memory_usable_per_unit_bytes=usable,
        accelerator_memory_bytes=hw.unit_memory_bytes * hw.units, usd_per_hour=hw.usd_per_hour, unverified=hw.unverified,
    )
    if not fitting:
        widest = max(degrees) if degrees else None
        if widest is None:
            reason = f"no valid tensor-parallel degree over {hw.units} {hw.unit_name}s for {req.model.kv_heads} KV heads"
        else:
            need = needed_per_unit(req, mem, widest)
            reason = (
                f"needs {need / GIB:.1f} GiB per {hw.unit_name} at TP {widest}"
                + (f" (the widest valid degree of {hw.units})" if widest != hw.units else "")
                + f"; {usable / GIB:.1f} GiB usable"
            )
        return Option(fits=False, tensor_parallel_degree=widest,
                      devices=None if widest is None else math.ceil(widest / units_per_device),
                      memory_needed_per_unit_bytes=None if widest is None else needed_per_unit(req, mem, widest),
                      reason=reason, **common)
    tp = max(fitting)
    repl = kv_replication(tp, req.model.kv_heads)
    bytes_per_unit = (weights_read_bytes(req) + mem.kv_cache_bytes * repl) / tp
    memory_bound = req.batch * hw.unit_bandwidth_bytes_s / bytes_per_unit
    peak = hw.unit_peak_flops.get(req.dtype.compute) or hw.unit_peak_flops.get("bf16")
    compute_bound = tp * peak / flops_per_token(req) if peak else None
    decode = min(memory_bound, compute_bound) if compute_bound else memory_bound
    notes = [hw.note] if hw.note else []
    if tp < hw.units:
        notes.append(f"TP {tp} uses {tp} of {hw.units} {hw.unit_name}s")
    return Option(
        fits=True, devices=math.ceil(tp / units_per_device), tensor_parallel_degree=tp, tensor_parallel_degrees=fitting,
        memory_needed_per_unit_bytes=needed_per_unit(req, mem, tp), memory_bound_tokens_per_s=memory_bound,
        compute_bound_tokens_per_s=compute_bound, decode_tokens_per_s=decode,
        bound="compute" if compute_bound is not None and compute_bound < memory_bound else "memory",
        usd_per_million_tokens=_usd_per_million(hw.usd_per_hour, decode, a.efficiency),
        reason="; ".join(notes), **common,
    )


def _hosted_options(req: SizingRequest) -> list[Option]:
    """The models of every hosted provider of the catalog that serve the model (per-token prices)."""
    out = []
    for provider in hosted_providers().values():
        for gm in hosted_models_serving(provider.name, req.model.hf_ids):
            fits = req.context <= gm.context_window
            out.append(
                Option(
                    silicon=provider.name, kind=provider.name, name=gm.id, fits=fits,
                    decode_tokens_per_s=gm.output_tokens_per_s, bound="published" if gm.output_tokens_per_s else None,
                    usd_per_million_tokens=gm.usd_per_million_output_tokens,
                    reason=(f"per-token price (input ${gm.usd_per_million_input_tokens}/Mtok); {provider.display} chooses the precision"
                            if fits else f"context {req.context} exceeds {provider.display}'s {gm.context_window}-token window"),
                    unverified=gm.unverified,
                )
            )
    return out


def _edge_options(req: SizingRequest, mem: MemoryEstimate) -> list[Option]:
    out = []
    total = mem.total_bytes
    for dev in edge_devices().values():
        fits = total <= dev.usable_bytes
        bandwidth = dev.memory_bandwidth_gb_s * 1e9
        decode = req.batch * bandwidth / (weights_read_bytes(req) + mem.kv_cache_bytes)
        out.append(
            Option(
                silicon="edge", kind="edge", name=dev.name, fits=fits, devices=1, devices_available=1,
                device_name=dev.display, unit_name="device", units_available=1, tensor_parallel_degree=1 if fits else None,
                tensor_parallel_degrees=(1,) if fits else (), memory_needed_per_unit_bytes=total,
                memory_usable_per_unit_bytes=dev.usable_bytes, accelerator_memory_bytes=dev.memory_gb * 1e9,
                memory_bound_tokens_per_s=decode if fits else None, decode_tokens_per_s=decode if fits else None,
                bound="memory" if fits else None,
                reason=("owned device: no hourly price" if fits else
                        f"needs {total / 1e9:.1f} GB; {dev.usable_bytes / 1e9:.1f} GB usable of {dev.memory_gb:g} GB"),
                unverified=dev.unverified,
            )
        )
    return out


def _mark_oversized(req: SizingRequest, mem: MemoryEstimate, options: list[Option]) -> list[Option]:
    ratio = req.assumptions.oversize_ratio
    out = []
    for opt in options:
        if opt.fits and opt.kind in ("aws", "gcp-tpu") and opt.accelerator_memory_bytes:
            smaller_fits = any(
                o.fits and o.silicon == opt.silicon and (o.accelerator_memory_bytes or 0) < opt.accelerator_memory_bytes
                for o in options
            )
            if smaller_fits and opt.accelerator_memory_bytes >= ratio * mem.total_bytes:
                opt = replace(opt, oversized=True)
        out.append(opt)
    return out


def _with_target(req: SizingRequest, opt: Option) -> Option:
    target = req.target_tokens_per_s
    if target is None or not opt.fits or opt.usd_per_million_tokens is None:
        return opt
    if opt.hosted:
        return replace(opt, usd_per_hour_for_target=target * 3600 * opt.usd_per_million_tokens / 1e6)
    effective = (opt.decode_tokens_per_s or 0) * req.assumptions.efficiency
    replicas = math.ceil(target / effective) if effective else None
    cost = None if replicas is None or opt.usd_per_hour is None else replicas * opt.usd_per_hour
    return replace(opt, replicas_for_target=replicas, usd_per_hour_for_target=cost)


def _per_million(opt: Option) -> float:
    # six significant digits, so that float noise does not split options of equal price per token
    # (eight p5.4xlarge cost what one p5.48xlarge costs and give the same bound)
    return float(f"{opt.usd_per_million_tokens:.6g}") if opt.usd_per_million_tokens is not None else 0.0


def _rank_key(opt: Option) -> tuple:
    """Fitting before not fitting, priced before unpriced, cheapest per token first; on a tie the
    cheaper hour (the smaller commitment), then the faster option."""
    return (
        not opt.fits,
        opt.usd_per_million_tokens is None,
        _per_million(opt),
        opt.usd_per_hour if opt.usd_per_hour is not None else 0.0,
        -(opt.decode_tokens_per_s or 0.0),
        opt.name,
    )


def _choice_key(req: SizingRequest):
    if req.target_tokens_per_s is not None:
        return lambda o: (o.usd_per_hour_for_target if o.usd_per_hour_for_target is not None else math.inf,) + _rank_key(o)
    return _rank_key


def _recommend(req: SizingRequest, options: list[Option]) -> Recommendation:
    priced = [o for o in options if o.fits and o.priced]
    key = _choice_key(req)
    per_silicon: dict[str, Option | None] = {}
    for silicon in SILICONS:
        if silicon == "edge":
            continue
        candidates = [o for o in priced if o.silicon == silicon]
        per_silicon[silicon] = min(candidates, key=key) if candidates else None
    if not priced:
        return Recommendation(None, "no priced option fits; quantize (--dtype), shorten --context or lower --batch", per_silicon)
    best = min(priced, key=key)
    if req.target_tokens_per_s is not None:
        reason = (f"cheapest way to sustain {req.target_tokens_per_s:g} output tokens/s"
                  + (f" ({best.replicas_for_target} x {best.name})" if best.replicas_for_target else ""))
    else:
        reason = "lowest price per million output tokens among the options that fit"
    return Recommendation(best, reason, per_silicon)


def _edge_verdict(options: list[Option], mem: MemoryEstimate) -> EdgeVerdict:
    edge = sorted((o for o in options if o.kind == "edge"), key=lambda o: (o.accelerator_memory_bytes or 0, o.name))
    for opt in edge:  # smallest tier first
        if opt.fits:
            return EdgeVerdict(True, opt.name, f"fits on device: {opt.device_name}, about {opt.decode_tokens_per_s:.0f} tokens/s bound")
    if not edge:
        return EdgeVerdict(False, None, "no edge tiers in the catalog")
    largest = max(edge, key=lambda o: o.memory_usable_per_unit_bytes or 0)
    return EdgeVerdict(
        False, None,
        f"does not fit on device: needs {mem.total_bytes / 1e9:.1f} GB; the largest tier ({largest.device_name}) "
        f"leaves {(largest.memory_usable_per_unit_bytes or 0) / 1e9:.0f} GB for a model",
    )


def size(req: SizingRequest) -> SizingResult:
    """Size ``req`` against every option in the catalog; options ranked cheapest per million tokens first."""
    mem = memory_estimate(req)
    a = req.assumptions
    options = [_size_hardware(req, mem, hw) for hw in _aws_hardware(a.aws_region) + _tpu_hardware(a.gcp_region)]
    options += _hosted_options(req)
    options += _edge_options(req, mem)
    options = _mark_oversized(req, mem, options)
    options = [_with_target(req, o) for o in options]
    options.sort(key=_rank_key)
    return SizingResult(req, mem, tuple(options), _recommend(req, options), _edge_verdict(options, mem))
