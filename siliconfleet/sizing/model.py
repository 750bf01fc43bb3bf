"""What is being sized: the model's shape, the dtype, the context and batch, and the memory they need.

Pure arithmetic over the model catalog; bad input raises SiliconfleetError with one problem per
field, named as the caller spells it (``--kv-heads`` on the command line, ``kv_heads`` in Python).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..catalog.llm_models import LlmModel, find_llm_model, llm_model_names
from ..errors import Problem, SiliconfleetError


@dataclass(frozen=True)
class Dtype:
    name: str
    bits: float
    compute: str
    """The dtype the matrix multiplies run in: weight-only formats (int4, mxfp4, ternary) are
    dequantized to bf16, so their compute bound is the bf16 peak."""
    description: str

    @property
    def bytes_per_param(self) -> float:
        return self.bits / 8


DTYPES: dict[str, Dtype] = {
    d.name: d
    for d in (
        Dtype("bf16", 16, "bf16", "bfloat16, 2 bytes per parameter"),
        Dtype("fp16", 16, "bf16", "float16, 2 bytes per parameter"),
        Dtype("fp8", 8, "fp8", "8-bit float (e4m3), 1 byte per parameter"),
        Dtype("int8", 8, "int8", "8-bit integer, 1 byte per parameter"),
        Dtype("mxfp4", 4.25, "bf16", "OCP MX fp4: 4 bits plus one 8-bit scale per 32 values"),
        Dtype("int4", 4, "bf16", "4-bit integer weights (GPTQ/AWQ-style), weight-only"),
        Dtype("ternary", math.log2(3), "bf16", "ternary {-1, 0, 1} weights (BitNet b1.58), log2(3) = 1.58 bits"),
    )
}
DTYPE_ALIASES = {"bfloat16": "bf16", "float16": "fp16", "e4m3": "fp8", "1.58-bit": "ternary", "1.58bit": "ternary",
                 "1.58": "ternary", "b1.58": "ternary", "fp4": "mxfp4"}
KV_DTYPES = ("bf16", "fp16", "fp8", "int8")

DEFAULT_CONTEXT = 4096
DEFAULT_BATCH = 1
DEFAULT_EFFICIENCY = 0.5
DEFAULT_OVERHEAD = 0.10
DEFAULT_USABLE_MEMORY = 0.90
DEFAULT_OVERSIZE_RATIO = 4.0
DEFAULT_AWS_REGION = "us-east-1"
DEFAULT_GCP_REGION = "us-central1"


@dataclass(frozen=True)
class ModelShape:
    """The numbers the sizing needs, from the catalog, from explicit input, or both."""

    name: str
    parameters: int
    layers: int
    kv_heads: int
    head_dim: int
    attention_heads: int | None = None
    active_parameters: int | None = None
    native_dtype: str = "bf16"
    context_window: int | None = None
    catalog_name: str | None = None
    hf_ids: tuple[str, ...] = ()
    source: str = "explicit numbers"
    notes: str = ""

    @property
    def is_moe(self) -> bool:
        return self.active_parameters is not None

    @classmethod
    def from_catalog(cls, row: LlmModel, name: str | None = None) -> ModelShape:
        return cls(
            name=name or row.name,
            parameters=row.parameters,
            layers=row.layers,
            kv_heads=row.kv_heads,
            head_dim=row.head_dim,
            attention_heads=row.attention_heads,
            active_parameters=row.active_parameters,
            native_dtype=row.native_dtype,
            context_window=row.context_window,
            catalog_name=row.name,
            hf_ids=row.hf_ids,
            source=row.source,
            notes=row.notes,
        )


@dataclass(frozen=True)
class Assumptions:
    """The stated modelling choices, printed under every table; each can be changed by the caller."""

    efficiency: float = DEFAULT_EFFICIENCY
    """Share of the roofline bound a real server reaches; prices per token are taken at bound x this."""
    overhead_fraction: float = DEFAULT_OVERHEAD
    """Runtime overhead (activations, runtime buffers, fragmentation) as a share of weights + KV cache."""
    usable_memory_fraction: float = DEFAULT_USABLE_MEMORY
    """Share of each accelerator's memory a server may fill (vLLM's default gpu_memory_utilization)."""
    oversize_ratio: float = DEFAULT_OVERSIZE_RATIO
    """An option is oversized when its accelerator memory is at least this many times what the model needs."""
    aws_region: str = DEFAULT_AWS_REGION
    gcp_region: str = DEFAULT_GCP_REGION


@dataclass(frozen=True)
class SizingRequest:
    model: ModelShape
    dtype: Dtype
    kv_dtype: Dtype
    context: int
    batch: int
    target_tokens_per_s: float | None = None
    assumptions: Assumptions = field(default_factory=Assumptions)


@dataclass(frozen=True)
class MemoryEstimate:
    weights_bytes: float
    kv_bytes_per_token: float
    kv_cache_bytes: float
    overhead_bytes: float

    @property
    def total_bytes(self) -> float:
        return self.weights_bytes + self.kv_cache_bytes + self.overhead_bytes


def memory_estimate(req: SizingRequest) -> MemoryEstimate:
    """Weights = parameters x bytes per parameter; KV cache = 2 x layers x KV heads x head dim x
    bytes x context x batch; overhead = a stated share of both."""
    m = req.model
    weights = m.parameters * req.dtype.bytes_per_param
    kv_per_token = 2 * m.layers * m.kv_heads * m.head_dim * req.kv_dtype.bytes_per_param
    kv = kv_per_token * req.context * req.batch
    return MemoryEstimate(weights, kv_per_token, kv, req.assumptions.overhead_fraction * (weights + kv))


# ---------------------------------------------------------------------------------------------
# Building a request from loose input (the command line, a fleet target, Python callers)

_NUMBER = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([bBmMkK]?)\s*$")
_SCALE = {"": 1e9, "b": 1e9, "m": 1e6, "k": 1e3}


class _Collector:
    def __init__(self, labels: dict[str, str] | None):
        self.labels = labels or {}
        self.problems: list[Problem] = []

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def add(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.label(name), message))


def _parse_params(value: Any, name: str, c: _Collector) -> int | None:
    """Parameters in billions: 8, 8.03, '8B', '500M' (millions)."""
    if value is None:
        return None
    if isinstance(value, bool):
        c.add(name, f"{value!r} is not a parameter count; give billions, for example 8 or 8B")
        return None
    if isinstance(value, (int, float)):
        number, suffix = float(value), ""
    else:
        text = str(value).strip()
        if text.startswith("-"):
            c.add(name, f"{value!r} is negative; give a positive number of parameters in billions, for example 8 or 8B")
            return None
        match = _NUMBER.match(text)
        if not match:
            c.add(name, f"{value!r} is not a number; give billions of parameters, for example 8, 70.6 or 8B (500M for millions)")
            return None
        number, suffix = float(match.group(1)), match.group(2).lower()
    if not math.isfinite(number) or number <= 0:
        c.add(name, f"{value!r} must be a positive number of parameters in billions, for example 8 or 8B")
        return None
    if suffix == "" and number >= 100_000:
        c.add(name, f"{value!r} looks like a raw count; give billions (8 or 8B) or millions with M (500M)")
        return None
    return int(round(number * _SCALE[suffix]))


def _parse_int(value: Any, name: str, c: _Collector, *, minimum: int = 1, what: str = "a positive whole number") -> int | None:
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        number = int(value)
    if number is None:
        c.add(name, f"{value!r} is not a whole number; give {what}")
        return None
    if number < minimum:
        adjective = "negative" if number < 0 else "too small"
        c.add(name, f"{number} is {adjective}; give {what} (at least {minimum})")
        return None
    return int(number)


def _parse_float(value: Any, name: str, c: _Collector, *, low: float, high: float | None, what: str,
                 low_inclusive: bool = False) -> float | None:
    if value is None:
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        c.add(name, f"{value!r} is not a number; give {what}")
        return None
    ok_low = number >= low if low_inclusive else number > low
    if not math.isfinite(number) or not ok_low or (high is not None and number > high):
        c.add(name, f"{value!r} is out of range; give {what}")
        return None
    return number


def _parse_dtype(value: Any, name: str, c: _Collector, allowed: tuple[str, ...]) -> Dtype | None:
    if value is None:
        return None
    key = str(value).strip().lower()
    key = DTYPE_ALIASES.get(key, key)
    if key in allowed:
        return DTYPES[key]
    c.add(name, f"{value!r} is not a known dtype; allowed: {', '.join(allowed)}")
    return None


def build_request(
    model: str | None = None,
    *,
    params: Any = None,
    active_params: Any = None,
    layers: Any = None,
    kv_heads: Any = None,
    head_dim: Any = None,
    attention_heads: Any = None,
    dtype: Any = None,
    kv_dtype: Any = None,
    context: Any = None,
    batch: Any = None,
    target_tokens_per_s: Any = None,
    efficiency: Any = None,
    overhead: Any = None,
    aws_region: str | None = None,
    gcp_region: str | None = None,
    labels: dict[str, str] | None = None,
    source: str | None = None,
) -> SizingRequest:
    """A validated request. ``model`` is a catalog name or Hugging Face id; explicit numbers
    override the catalog's (or stand alone when the model is not in the catalog).

    ``labels`` renames fields in error messages (the command line passes its flag names).
    Raises SiliconfleetError listing every problem.
    """
    c = _Collector(labels)
    n_params = _parse_params(params, "params", c)
    n_active = _parse_params(active_params, "active_params", c)
    n_layers = _parse_int(layers, "layers", c, what="the number of transformer layers, for example 32")
    n_kv = _parse_int(kv_heads, "kv_heads", c, what="the number of key/value heads, for example 8")
    n_head_dim = _parse_int(head_dim, "head_dim", c, what="the dimension of one attention head, for example 128")
    n_heads = _parse_int(attention_heads, "attention_heads", c, what="the number of query heads, for example 32")
    w_dtype = _parse_dtype(dtype, "dtype", c, tuple(DTYPES))
    c_kv = _parse_dtype(kv_dtype, "kv_dtype", c, KV_DTYPES)
    n_context = _parse_int(context, "context", c, what="the context length in tokens (prompt + output), for example 4096")
    n_batch = _parse_int(batch, "batch", c, what="the number of sequences decoded together, for example 8")
    target = _parse_float(target_tokens_per_s, "target_tokens_per_s", c, low=0, high=None,
                          what="a positive number of output tokens per second")
    eff = _parse_float(efficiency, "efficiency", c, low=0, high=1, what="a share of the bound between 0 and 1, for example 0.5")
    ovh = _parse_float(overhead, "overhead", c, low=0, high=10, low_inclusive=True,
                       what="a share of weights + KV cache, for example 0.1 for 10%")

    row: LlmModel | None = None
    if model is not None and not str(model).strip():
        c.add("model", "is empty; give a catalog name (llama-3.1-8b) or a Hugging Face id (meta-llama/Llama-3.1-8B-Instruct)")
        model = None
    if model is not None:
        row = find_llm_model(str(model))
    explicit = {"params": n_params, "layers": n_layers, "kv_heads": n_kv, "head_dim": n_head_dim}
    given = {"params": params, "layers": layers, "kv_heads": kv_heads, "head_dim": head_dim}
    shape: ModelShape | None = None
    if row is None:
        missing = [k for k, v in given.items() if v is None]
        if model is not None and missing:
            c.add(
                "model",
                f"{model!r} is not in the model catalog; give {', '.join(c.label(k) for k in missing)} to size it "
                f"by its numbers, or use a known model: {', '.join(llm_model_names())}",
            )
        elif model is None and missing:
            for k in missing:
                c.add(k, f"is required without a model; give it, or name a known model with {c.label('model')}")
        elif None not in explicit.values():
            shape = ModelShape(
                name=str(model) if model is not None else "custom model",
                parameters=n_params, layers=n_layers, kv_heads=n_kv, head_dim=n_head_dim,  # type: ignore[arg-type]
                attention_heads=n_heads, active_parameters=n_active,
                hf_ids=(str(model),) if model is not None and "/" in str(model) else (),
            )
    else:
        base = ModelShape.from_catalog(row, name=str(model))
        overrides = {
            "parameters": n_params, "layers": n_layers, "kv_heads": n_kv, "head_dim": n_head_dim,
            "attention_heads": n_heads, "active_parameters": n_active,
        }
        changed = {k: v for k, v in overrides.items() if v is not None}
        if changed:
            base = ModelShape(**{**base.__dict__, **changed, "source": f"{base.source}; overridden: {', '.join(sorted(changed))}"})
        shape = base
    if shape is not None:
        if shape.active_parameters is not None and shape.active_parameters > shape.parameters:
            c.add("active_params", f"{shape.active_parameters / 1e9:g}B active parameters exceed the {shape.parameters / 1e9:g}B total")
        if shape.attention_heads is not None and shape.attention_heads % shape.kv_heads:
            c.add("kv_heads", f"{shape.kv_heads} KV heads must divide the {shape.attention_heads} attention heads (grouped-query attention)")
    n_context = n_context if n_context is not None else (None if context is not None else DEFAULT_CONTEXT)
    if shape is not None and n_context is not None and shape.context_window and n_context > shape.context_window:
        c.add("context", f"{n_context} tokens exceed the {shape.context_window}-token context window of {shape.name}; give at most {shape.context_window}")
    if c.problems:
        raise SiliconfleetError(c.problems, source)
    assert shape is not None and n_context is not None
    return SizingRequest(
        model=shape,
        dtype=w_dtype or DTYPES.get(shape.native_dtype, DTYPES["bf16"]),
        kv_dtype=c_kv or DTYPES["bf16"],
        context=n_context,
        batch=n_batch if n_batch is not None else DEFAULT_BATCH,
        target_tokens_per_s=target,
        assumptions=Assumptions(
            efficiency=eff if eff is not None else DEFAULT_EFFICIENCY,
            overhead_fraction=ovh if ovh is not None else DEFAULT_OVERHEAD,
            aws_region=aws_region or DEFAULT_AWS_REGION,
            gcp_region=gcp_region or DEFAULT_GCP_REGION,
        ),
    )
