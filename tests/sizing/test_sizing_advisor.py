"""Options, fits, tensor-parallel degrees and decode bounds, against figures computed by hand.

Hand figures use the data sheet numbers directly (820 GiB/s per Inferentia2 chip, 3.35 TB/s per
H100), not the catalog, so that a wrong catalog row fails here.
"""

from __future__ import annotations

import math

import pytest

from siliconfleet import catalog
from siliconfleet.sizing import build_request, size
from siliconfleet.sizing.advisor import valid_tensor_parallel

GIB = 2**30
W_8B = 8_030_261_248 * 2  # bf16 weights of Llama 3.1 8B, bytes
KV_8B = 131_072  # bytes per token


@pytest.fixture(scope="module")
def eight_b():
    return size(build_request("meta-llama/Llama-3.1-8B-Instruct", dtype="bf16", context=128, batch=1))


@pytest.fixture(scope="module")
def seventy_b():
    return size(build_request("meta-llama/Llama-3.1-70B-Instruct", dtype="bf16", context=4096, batch=1))


def test_8b_bf16_fits_one_inferentia2_chip(eight_b):
    for name in ("inf2.xlarge", "inf2.8xlarge"):
        opt = eight_b.option(name)
        assert opt.fits
        assert opt.devices == 1  # one chip
        assert opt.tensor_parallel_degree == 2  # both NeuronCores: one core holds 16 GiB, less than 16 GB x 1.1
        assert opt.tensor_parallel_degrees == (2,)


def test_8b_bf16_fits_one_h100(eight_b):
    opt = eight_b.option("p5.4xlarge")
    assert opt.fits and opt.devices == 1 and opt.tensor_parallel_degree == 1


def test_8b_batch1_decode_bound_on_inferentia2_is_820_gib_s_over_16_gb(eight_b):
    opt = eight_b.option("inf2.xlarge")
    hand = 820 * GIB / (W_8B + KV_8B * 128)  # about 54.8 tokens/s
    assert opt.decode_tokens_per_s == pytest.approx(hand, rel=1e-9)
    assert opt.decode_tokens_per_s == pytest.approx(820 * GIB / 16.06e9, rel=0.002)
    assert opt.bound == "memory"


def test_8b_batch1_decode_bound_on_one_h100_is_3_35_tb_s_over_16_gb(eight_b):
    opt = eight_b.option("p5.4xlarge")
    hand = 3.35e12 / (W_8B + KV_8B * 128)  # about 208.6 tokens/s
    assert opt.decode_tokens_per_s == pytest.approx(hand, rel=1e-5)
    assert opt.bound == "memory"


def test_price_per_million_tokens_by_hand(eight_b):
    opt = eight_b.option("inf2.xlarge")
    tokens_per_hour = 820 * GIB / (W_8B + KV_8B * 128) * 0.5 * 3600
    assert opt.usd_per_hour == 0.7582
    assert opt.usd_per_million_tokens == pytest.approx(0.7582 / tokens_per_hour * 1e6, rel=1e-9)


def test_70b_bf16_does_not_fit_inf2_8xlarge(seventy_b):
    opt = seventy_b.option("inf2.8xlarge")
    assert not opt.fits
    assert "GiB per NeuronCore" in opt.reason


def test_70b_bf16_needs_tensor_parallelism_on_inf2_48xlarge(seventy_b):
    assert not seventy_b.option("inf2.24xlarge").fits  # 12 cores: valid TP 1, 2, 4 only, 4 x 16 GiB < 141 GB
    opt = seventy_b.option("inf2.48xlarge")
    assert opt.fits
    assert opt.tensor_parallel_degree == 24
    assert opt.devices == 12
    # 141 GB of weights over 24 cores, KV heads copied 3x (8 heads over 24 cores), plus 10%
    weights = 70_553_706_496 * 2
    kv = 2 * 80 * 8 * 128 * 2 * 4096
    assert opt.memory_needed_per_unit_bytes == pytest.approx((weights + 3 * kv) * 1.1 / 24)


def test_70b_bf16_needs_8_gpus(seventy_b):
    assert not seventy_b.option("p5.4xlarge").fits
    h100 = [o for o in seventy_b.options if o.silicon == "h100" and o.fits]
    assert [o.name for o in h100] == ["p5.48xlarge"]
    assert h100[0].devices == 8 and h100[0].tensor_parallel_degree == 8
    assert 1 not in h100[0].tensor_parallel_degrees and 2 not in h100[0].tensor_parallel_degrees


def test_70b_bf16_does_not_fit_single_host_tpu_v5e(seventy_b):
    # 8 chips x 16 GB = 128 GB < 141 GB of weights
    assert not seventy_b.option("v5litepod-8").fits


def test_3b_int4_fits_the_edge_class():
    result = size(build_request("meta-llama/Llama-3.2-3B-Instruct", dtype="int4"))
    # 3.21e9 x 0.5 = 1.61 GB weights + 0.47 GB KV (4096 tokens) + 10%: about 2.3 GB
    assert result.memory.total_bytes == pytest.approx(1.1 * (3_212_749_824 * 0.5 + 2 * 28 * 8 * 128 * 2 * 4096))
    assert result.edge.fits
    assert result.edge.device is not None
    assert result.option(result.edge.device).fits
    assert "fits on device" in result.edge.reason


def test_405b_bf16_does_not_fit_on_device():
    result = size(build_request("llama-3.1-405b", dtype="bf16"))
    assert not result.edge.fits and result.edge.device is None
    assert result.edge.reason.startswith("does not fit on device: needs")


def test_compute_bound_binds_at_a_large_batch():
    result = size(build_request("llama-3.1-8b", dtype="bf16", context=128, batch=1024))
    opt = result.option("p5.48xlarge")
    assert opt.fits and opt.bound == "compute"
    flops = 2 * 8_030_261_248 + 4 * 32 * 32 * 128 * 128
    assert opt.decode_tokens_per_s == pytest.approx(8 * 989e12 / flops)
    assert opt.decode_tokens_per_s < opt.memory_bound_tokens_per_s


def test_fp8_uses_the_fp8_peak():
    bf16 = size(build_request("llama-3.1-8b", dtype="bf16", context=128, batch=1024)).option("p5.48xlarge")
    fp8 = size(build_request("llama-3.1-8b", dtype="fp8", context=128, batch=1024)).option("p5.48xlarge")
    assert fp8.compute_bound_tokens_per_s == pytest.approx(bf16.compute_bound_tokens_per_s * 1979 / 989)


def test_tensor_parallel_rules():
    req70 = build_request("llama-3.1-70b")  # 64 attention heads, 8 KV heads
    assert [t for t in range(1, 13) if valid_tensor_parallel(t, 12, req70, heads_must_divide=False)] == [1, 2, 4]
    assert valid_tensor_parallel(24, 24, req70, heads_must_divide=False)
    assert not valid_tensor_parallel(24, 24, req70, heads_must_divide=True)  # 64 heads % 24 on vLLM GPU
    odd = build_request(params=7, layers=28, kv_heads=4, head_dim=128, attention_heads=28)
    assert valid_tensor_parallel(8, 8, odd, heads_must_divide=False)  # NxD Inference pads query heads
    assert not valid_tensor_parallel(8, 8, odd, heads_must_divide=True)  # 28 heads % 8 on vLLM GPU
    assert not valid_tensor_parallel(3, 24, req70, heads_must_divide=False)  # 8 KV heads % 3


def test_partial_instance_use_is_said():
    opt = size(build_request("llama-3.1-8b")).option("inf2.24xlarge")
    assert opt.tensor_parallel_degree == 4
    assert "TP 4 uses 4 of 12 NeuronCores" in opt.reason


def test_oversized_options_are_marked(eight_b):
    assert eight_b.option("p5.48xlarge").oversized
    assert eight_b.option("inf2.48xlarge").oversized
    assert not eight_b.option("p5.4xlarge").oversized
    assert not eight_b.option("inf2.xlarge").oversized


def test_ranking_cheapest_per_token_first_then_unpriced_then_not_fitting(eight_b):
    opts = list(eight_b.options)
    fits = [o.fits for o in opts]
    assert fits == sorted(fits, reverse=True)
    priced = [o.usd_per_million_tokens for o in opts if o.fits and o.usd_per_million_tokens is not None]
    assert priced == sorted(priced)
    first_unpriced = next(i for i, o in enumerate(opts) if o.fits and o.usd_per_million_tokens is None)
    assert all(o.usd_per_million_tokens is None for o in opts[first_unpriced:])


def test_capacity_block_only_type_is_unpriced_and_never_recommended(eight_b):
    opt = eight_b.option("p5e.48xlarge")
    assert opt.fits and opt.usd_per_hour is None and opt.usd_per_million_tokens is None
    assert "Capacity Blocks only" in opt.reason
    assert eight_b.recommendation.per_silicon["h200"].name == "p5en.48xlarge"


def test_recommendation_per_silicon(eight_b):
    per = eight_b.recommendation.per_silicon
    assert per["inferentia2"].name == "inf2.xlarge"
    assert per["h100"].name == "p5.4xlarge"  # same $/Mtok as p5.48xlarge, the smaller commitment wins
    assert per["groq"].name == "llama-3.1-8b-instant"
    assert eight_b.recommendation.option.usd_per_million_tokens == min(
        o.usd_per_million_tokens for o in eight_b.options if o.fits and o.usd_per_million_tokens is not None
    )


def test_groq_only_when_it_serves_the_model():
    assert not [o for o in size(build_request("qwen3-8b")).options if o.silicon == "groq"]
    (groq,) = [o for o in size(build_request("llama-3.3-70b")).options if o.silicon == "groq"]
    assert groq.name == "llama-3.3-70b-versatile" and groq.usd_per_million_tokens == 0.79 and groq.bound == "published"


def test_target_throughput_adds_replicas_and_picks_the_cheapest_hour():
    result = size(build_request("llama-3.1-8b", batch=8, target_tokens_per_s=1000))
    opt = result.option("inf2.xlarge")
    assert opt.replicas_for_target == math.ceil(1000 / (opt.decode_tokens_per_s * 0.5))
    assert opt.usd_per_hour_for_target == pytest.approx(opt.replicas_for_target * 0.7582)
    groq = result.option("llama-3.1-8b-instant")
    assert groq.usd_per_hour_for_target == pytest.approx(1000 * 3600 * 0.08 / 1e6)
    best = result.recommendation.option
    assert best.usd_per_hour_for_target == min(o.usd_per_hour_for_target for o in result.options if o.usd_per_hour_for_target is not None)


def test_region_without_prices_leaves_options_unpriced():
    result = size(build_request("llama-3.1-8b", aws_region="eu-west-1"))
    opt = result.option("inf2.xlarge")
    assert opt.fits and opt.usd_per_hour is None
    assert "no on-demand price in eu-west-1" in opt.reason


def test_catalog_p5_rows():
    rows = catalog.aws_instance_types()
    expected = {"p5.4xlarge": (1, 1, 80, 6.88), "p5.48xlarge": (8, 32, 640, 55.04),
                "p5e.48xlarge": (8, 32, 1128, None), "p5en.48xlarge": (8, 16, 1128, 63.296)}
    for name, (gpus, efa, mem, price) in expected.items():
        row = rows[name]
        assert (row.gpus, row.efa_interfaces, row.accelerator_memory_gib, row.price_per_hour("us-east-1")) == (gpus, efa, mem, price)
        assert row.capacity_blocks is (name != "p5.4xlarge") and row.family == "p5"  # AWS sells blocks of the 48xlarge types only
        assert "memory_bandwidth_gib_s" in row.unverified
    assert rows["p5e.48xlarge"].on_demand_usd_per_hour == {}
    assert catalog.ec2_quota("p5", "spot").code == "L-C4BD4855"


def test_inf2_rows_keep_their_published_figures():
    rows = catalog.aws_instance_types()
    for name, cores, mem, bw, price in [("inf2.xlarge", 2, 32, 820, 0.7582), ("inf2.8xlarge", 2, 32, 820, 1.96786),
                                        ("inf2.24xlarge", 12, 192, 4920, 6.49063), ("inf2.48xlarge", 24, 384, 9840, 12.98127)]:
        row = rows[name]
        assert (row.neuron_cores, row.accelerator_memory_gib, row.memory_bandwidth_gib_s, row.price_per_hour("us-east-1")) == (cores, mem, bw, price)
        assert row.peak_dense_tflops["bf16"] == 190
