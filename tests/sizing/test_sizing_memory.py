"""Memory arithmetic, model resolution and input validation, with hand-computed figures."""

from __future__ import annotations

import math

import pytest

from siliconfleet.catalog.llm_models import find_llm_model, llm_models
from siliconfleet.errors import SiliconfleetError
from siliconfleet.sizing import build_request, memory_estimate
from siliconfleet.sizing.advisor import flops_per_token, weights_read_bytes


def test_8b_bf16_weights_are_about_16_gb():
    req = build_request("meta-llama/Llama-3.1-8B-Instruct", dtype="bf16")
    mem = memory_estimate(req)
    assert mem.weights_bytes == 8_030_261_248 * 2
    assert mem.weights_bytes / 1e9 == pytest.approx(16.06, abs=0.01)


def test_kv_cache_formula_by_hand():
    # Llama 3.1 8B: 2 (K and V) x 32 layers x 8 KV heads x 128 head dim x 2 bytes = 131,072 bytes per token
    req = build_request("llama-3.1-8b", context=4096, batch=8)
    mem = memory_estimate(req)
    assert mem.kv_bytes_per_token == 2 * 32 * 8 * 128 * 2 == 131_072
    assert mem.kv_cache_bytes == 131_072 * 4096 * 8  # 4.29 GB
    assert mem.overhead_bytes == pytest.approx(0.10 * (mem.weights_bytes + mem.kv_cache_bytes))
    assert mem.total_bytes == pytest.approx(1.1 * (16_060_522_496 + 4_294_967_296))


@pytest.mark.parametrize(
    ("dtype", "bytes_per_param"),
    [("bf16", 2), ("fp8", 1), ("int8", 1), ("int4", 0.5), ("mxfp4", 4.25 / 8), ("ternary", math.log2(3) / 8), ("1.58-bit", math.log2(3) / 8)],
)
def test_bytes_per_parameter(dtype, bytes_per_param):
    req = build_request(params=10, layers=1, kv_heads=1, head_dim=1, dtype=dtype)
    assert memory_estimate(req).weights_bytes == pytest.approx(10e9 * bytes_per_param)


def test_kv_dtype_halves_the_cache():
    bf16 = memory_estimate(build_request("llama-3.1-8b", kv_dtype="bf16"))
    fp8 = memory_estimate(build_request("llama-3.1-8b", kv_dtype="fp8"))
    assert fp8.kv_cache_bytes * 2 == bf16.kv_cache_bytes


def test_model_defaults_to_its_published_dtype():
    assert build_request("openai/gpt-oss-120b").dtype.name == "mxfp4"
    assert build_request("Qwen/Qwen3-8B").dtype.name == "bf16"


def test_mixture_of_experts_reads_active_parameters_per_token():
    one = build_request("gpt-oss-120b", dtype="bf16", batch=1)
    assert weights_read_bytes(one) == 5_130_000_000 * 2
    # 64 sequences may touch every expert: never more than the whole model
    many = build_request("gpt-oss-120b", dtype="bf16", batch=64)
    assert weights_read_bytes(many) == 116_829_156_672 * 2
    assert flops_per_token(one) == 2 * 5_130_000_000 + 4 * 36 * 64 * 64 * 4096


@pytest.mark.parametrize(
    ("given", "entry"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("meta-llama/llama-3.1-8b-instruct", "llama-3.1-8b"),
        ("Qwen/Qwen3-8B", "qwen3-8b"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b"),
        ("openai/gpt-oss-120b", "gpt-oss-120b"),
        ("llama-3.2-3b", "llama-3.2-3b"),
    ],
)
def test_hugging_face_ids_map_to_catalog_entries(given, entry):
    assert find_llm_model(given).name == entry
    assert build_request(given).model.catalog_name == entry


def test_catalog_has_the_models_the_issue_names_with_sources():
    names = set(llm_models())
    assert {"llama-3.1-8b", "llama-3.1-70b", "llama-3.2-1b", "llama-3.2-3b", "qwen3-8b", "mistral-7b", "gpt-oss-120b"} <= names
    seen: dict[str, str] = {}
    for model in llm_models().values():
        assert model.source and "config.json" in model.source
        assert model.attention_heads % model.kv_heads == 0, model.name
        for hf_id in model.hf_ids:
            assert seen.setdefault(hf_id.lower(), model.name) == model.name, f"{hf_id} maps to two entries"


def test_explicit_numbers_size_an_unknown_model():
    req = build_request("acme/private-13b", params="13B", layers=40, kv_heads=8, head_dim=128, dtype="int4")
    assert req.model.parameters == 13_000_000_000
    assert req.model.catalog_name is None
    assert memory_estimate(req).weights_bytes == 6.5e9


def test_explicit_numbers_override_the_catalog():
    req = build_request("llama-3.1-8b", params=8)
    assert req.model.parameters == 8_000_000_000
    assert req.model.layers == 32
    assert "overridden: parameters" in req.model.source


def test_millions_suffix():
    assert build_request(params="500M", layers=4, kv_heads=2, head_dim=64).model.parameters == 500_000_000


def _problems(**kwargs) -> list[str]:
    with pytest.raises(SiliconfleetError) as info:
        build_request(**kwargs)
    return info.value.lines()


def test_bad_input_names_every_field():
    lines = _problems(params=-8, layers=0, kv_heads="x", head_dim=128, dtype="fp3", batch=-1, context="4k")
    joined = "\n".join(lines)
    assert len(lines) == 6
    for field in ("params", "layers", "kv_heads", "dtype", "batch", "context"):
        assert any(line.startswith(f"{field}: ") for line in lines), (field, joined)
    assert "negative" in joined
    assert "allowed: bf16, fp16, fp8, int8, mxfp4, int4, ternary" in joined


def test_unknown_model_without_numbers_is_rejected_naming_the_missing_fields():
    lines = _problems(model="acme/secret-model", labels={"model": "--model", "params": "--params", "layers": "--layers",
                                                         "kv_heads": "--kv-heads", "head_dim": "--head-dim"})
    assert len(lines) == 1
    assert lines[0].startswith("--model: 'acme/secret-model' is not in the model catalog")
    assert "--params, --layers, --kv-heads, --head-dim" in lines[0]


def test_no_model_and_no_numbers_names_each_required_field():
    lines = _problems()
    assert [line.split(":")[0] for line in lines] == ["params", "layers", "kv_heads", "head_dim"]


def test_context_beyond_the_model_window_is_rejected():
    (line,) = _problems(model="qwen3-8b", context=65536)
    assert line.startswith("context: 65536 tokens exceed the 32768-token context window")


def test_efficiency_must_be_a_share():
    (line,) = _problems(model="qwen3-8b", efficiency=1.5)
    assert line.startswith("efficiency: ")


def test_raw_parameter_count_is_caught():
    (line,) = _problems(params="8030261248", layers=32, kv_heads=8, head_dim=128)
    assert "looks like a raw count" in line


def test_kv_heads_must_divide_attention_heads():
    (line,) = _problems(params=7, layers=32, kv_heads=6, head_dim=128, attention_heads=32)
    assert line.startswith("kv_heads: 6 KV heads must divide the 32 attention heads")


def test_package_exports_resolve_lazily():
    import siliconfleet.sizing as sizing

    assert sorted(sizing.__all__) == sorted(name for names in sizing._EXPORTS.values() for name in names)
    for name in sizing.__all__:
        assert getattr(sizing, name) is not None
    with pytest.raises(AttributeError):
        sizing.no_such_name  # noqa: B018
