"""Cost per kind of target, each figure computed by hand from the catalog (data files quoted inline)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from siliconfleet.review import kinds
from siliconfleet.review.inventory import review_stacks, review_targets
from siliconfleet.review.kinds import Kind, aws_ec2
from siliconfleet.review.model import Hardware, Report, TargetCost

from .builders import fleet_doc, groq, inf2, output_of, p5, tpu

# Catalog figures (siliconfleet/catalog/data, as of 2026-11-01), restated so that a change of the
# data file shows up here as a failing test, not as a silently different bill.
INF2_8XL, INF2_XL, INF2_48XL = 1.96786, 0.7582, 12.98127
P5_48XL, P5_4XL = 55.04, 6.88
TPU_CHIP_HOUR = 1.20
GROQ_70B_IN, GROQ_70B_OUT = 0.59, 0.79
VANTAGE = "instances.vantage.sh (derived from the AWS Price List API), us-east-1 on-demand Linux, 2026-11"


def cost(target: dict, **fleet_fields) -> TargetCost:
    fleet = fleet_doc(target, **fleet_fields)
    return kinds.price(target, fleet)


# --- EC2: aws-inf2 and aws-p5 ------------------------------------------------------------------


def test_inf2_on_demand_at_desired_and_max_size():
    c = cost(inf2(instance_type="inf2.8xlarge", min_size=1, desired_size=1, max_size=2))
    assert c.hourly_usd == pytest.approx(1.96786)
    assert round(c.monthly_usd, 2) == 1436.54  # 1.96786 x 730 = 1436.5378
    assert c.max_hourly_usd == pytest.approx(3.93572)
    assert round(c.max_monthly_usd, 2) == 2873.08  # 2 x 1.96786 x 730 = 2873.0756
    assert c.unpriced == ()
    (price,) = c.prices
    assert (price.item, price.usd, price.unit, price.as_of, price.source) == (
        "inf2.8xlarge on-demand, us-east-1", INF2_8XL, "instance-hour", "2026-11-01", VANTAGE)
    assert c.basis[0] == "desired 1 x $1.96786/h = $1.96786/h; x 730 h = $1,436.54/month"


def test_desired_size_defaults_to_min_size():
    c = cost(inf2(instance_type="inf2.xlarge", min_size=3, desired_size=None, max_size=5))
    assert round(c.monthly_usd, 2) == round(3 * INF2_XL * 730, 2) == 1660.46
    assert round(c.max_monthly_usd, 2) == round(5 * INF2_XL * 730, 2) == 2767.43


def test_spot_share_is_priced_at_the_on_demand_list_price_and_says_it_is_an_upper_bound():
    c = cost(inf2(instance_type="inf2.xlarge", min_size=2, desired_size=2, max_size=6, spot_fraction=0.5))
    assert round(c.monthly_usd, 2) == 1106.97  # 2 x 0.7582 x 730 = 1106.972
    assert round(c.max_monthly_usd, 2) == 3320.92  # 6 x 0.7582 x 730 = 3320.916
    assert any("50% spot" in n and "upper bound" in n for n in c.notes)


def test_a_region_without_a_catalog_price_is_unpriced_with_the_reason_never_zero():
    c = cost(inf2(instance_type="inf2.48xlarge", region="us-west-2"))
    assert (c.monthly_usd, c.max_monthly_usd, c.hourly_usd) == (None, None, None)
    assert not c.priced
    (reason,) = c.unpriced
    assert "inf2.48xlarge in us-west-2" in reason and "2026-11-01" in reason and "us-east-1" in reason


def test_p5_on_demand():
    c = cost(p5(instance_type="p5.48xlarge", min_size=1, desired_size=1, max_size=2))
    assert round(c.monthly_usd, 2) == 40179.20  # 55.04 x 730
    assert round(c.max_monthly_usd, 2) == 80358.40


def test_p5_spot_capacity():
    c = cost(p5(instance_type="p5.4xlarge", min_size=2, desired_size=2, max_size=4,
                capacity={"type": "spot", "spot_fraction": 1.0}, spot_fraction=1.0))
    assert round(c.monthly_usd, 2) == round(2 * P5_4XL * 730, 2) == 10044.80
    assert any("100% spot" in n for n in c.notes)


def test_p5_reservation_is_billed_at_the_on_demand_rate_and_says_what_is_not_counted():
    c = cost(p5(instance_type="p5.4xlarge", min_size=1, desired_size=1, max_size=1,
                capacity={"type": "reservation", "reservation_id": "cr-0123456789abcdef0"}))
    assert round(c.monthly_usd, 2) == 5022.40  # 6.88 x 730
    assert any("unused reserved capacity is not counted" in n for n in c.notes)


def block(**purchase) -> dict:
    spec = {"start": "2026-12-01T11:30:00Z", "latest_start": None, "duration_hours": 48, "instance_count": 2, **purchase}
    return {"type": "capacity-block", "purchase": spec, "reservation_id": None, "instance_count": None,
            "availability_zone_id": None}


def test_capacity_block_purchase_without_a_catalog_fee_is_unpriced_never_zero():
    target = p5(instance_type="p5.48xlarge", min_size=2, desired_size=None, max_size=2, capacity=block())
    c = cost(target)
    assert c.monthly_usd is None and c.one_time_usd is None
    assert c.upfront
    (reason,) = c.unpriced
    assert "AWS quotes the upfront fee per offering" in reason
    # the scale figure is labelled as such and not counted: 2 x 55.04 x 48 = 5283.84
    assert "$5,283.84 (not a quote)" in reason
    review = review_targets(output_of(fleet_doc(target)), with_docs=False)
    report = Report("f", None, "g", review, (), (), None, None)
    assert report.total_one_time_usd is None  # an unpriced purchase makes the one-time total unknown
    assert report.total_monthly_usd is None


def test_p5e_capacity_block_has_no_on_demand_scale_figure():
    c = cost(p5(instance_type="p5e.48xlarge", min_size=2, max_size=2, capacity=block()))
    assert "p5e.48xlarge" in c.unpriced[0] and "for scale only" not in c.unpriced[0]


def test_existing_capacity_block_is_unpriced_and_buys_nothing_upfront():
    cap = {"type": "capacity-block", "purchase": None, "reservation_id": "cr-0123456789abcdef0", "instance_count": 2,
           "availability_zone_id": None}
    c = cost(p5(min_size=2, max_size=2, capacity=cap))
    assert "existing Capacity Block cr-0123456789abcdef0" in c.unpriced[0]
    assert not c.upfront


@dataclass(frozen=True)
class RowWithBlockRate:
    """An instance-type row as the catalog would give it with a Capacity Block rate."""

    price_as_of: str = "2026-11-01"
    price_source: str = "test catalog"
    on_demand_usd_per_hour: dict = None
    capacity_block_usd_per_instance_hour: dict = None

    def price_per_hour(self, region):
        return (self.on_demand_usd_per_hour or {}).get(region)


def test_capacity_block_with_a_catalog_rate_is_an_upfront_fee_over_the_window():
    row = RowWithBlockRate(capacity_block_usd_per_instance_hour={"us-east-1": 31.464})
    target = p5(min_size=2, max_size=2, capacity=block(duration_hours=48, instance_count=2))
    c = aws_ec2.price(target, fleet_doc(target), row=row)
    assert c.one_time_usd == pytest.approx(3020.544)  # 31.464 x 2 x 48
    assert c.monthly_usd == pytest.approx(3020.544)  # a 48 h window lies within one month: the whole fee
    assert c.upfront and c.unpriced == ()
    long = p5(min_size=2, max_size=2, capacity=block(duration_hours=4368, instance_count=2))
    c = aws_ec2.price(long, fleet_doc(long), row=row)
    assert c.one_time_usd == pytest.approx(274869.504)  # 31.464 x 2 x 4368 (182 days)
    # spread over the window: 274869.504 x 730 / 4368 = 31.464 x 2 x 730 = 45937.44
    assert round(c.monthly_usd, 2) == 45937.44


def test_an_instance_type_the_catalog_does_not_know_is_unpriced():
    c = cost(inf2(instance_type="inf9.huge"))
    assert "inf9.huge is not in the instance catalog" in c.unpriced[0]


# --- TPU v5e -------------------------------------------------------------------------------------


def test_tpu_slices_are_chips_times_the_chip_hour_price_times_count():
    c = cost(tpu(accelerator_type="v5litepod-8", count=2, zone="us-central1-a"))
    assert c.hourly_usd == pytest.approx(19.2)  # 2 slices x 8 chips x 1.20
    assert c.monthly_usd == pytest.approx(14016.0)  # x 730
    assert c.max_monthly_usd == c.monthly_usd
    (price,) = c.prices
    assert (price.usd, price.unit, price.unverified) == (TPU_CHIP_HOUR, "chip-hour", True)
    assert price.as_of == "2026-11-01"
    assert any("UNVERIFIED" in n for n in c.notes)


def test_tpu_shape_from_topology():
    c = cost(tpu(accelerator_type=None, topology="2x2", count=1, zone="us-west4-a"))
    assert c.monthly_usd == pytest.approx(4 * 1.20 * 730)  # v5litepod-4: 3504.00
    hw = kinds.describe(tpu(accelerator_type=None, topology="2x2"), fleet_doc())
    assert (hw.hardware, hw.accelerators_per_unit, hw.unit) == ("v5litepod-4", 4, "slice")
    assert hw.accelerator_memory_gib_per_unit == pytest.approx(4 * 16e9 / 2**30)  # 59.6 GiB


@pytest.mark.parametrize("provisioning, note", [("spot", "upper bound"), ("reserved", "upper bound"),
                                                ("queued", "from when the slice is granted")])
def test_tpu_provisioning_modes(provisioning, note):
    c = cost(tpu(accelerator_type="v5litepod-1", provisioning=provisioning))
    assert c.monthly_usd == pytest.approx(1.20 * 730)  # 876.00
    assert any(note in n for n in c.notes)


def test_tpu_in_a_region_without_a_price_and_an_unknown_shape_are_unpriced():
    assert "europe-west4" in cost(tpu(zone="europe-west4-b")).unpriced[0]
    assert "v5litepod-3" in cost(tpu(accelerator_type="v5litepod-3")).unpriced[0]


# --- Groq ----------------------------------------------------------------------------------------

TRAFFIC = {"requests_per_minute": 100, "input_tokens_per_request": 1000, "output_tokens_per_request": 200}


def test_groq_is_tokens_times_the_per_million_prices():
    c = cost(groq(model="llama-3.3-70b-versatile"), traffic=TRAFFIC)
    # 100 req/min x 60 x 730 = 4,380,000 requests; input 4.38e9 tokens x 0.59/1e6 = 2584.20;
    # output 8.76e8 tokens x 0.79/1e6 = 692.04; total 3276.24
    assert c.monthly_usd == pytest.approx(3276.24)
    assert c.max_monthly_usd == c.monthly_usd
    assert [(p.usd, p.unit) for p in c.prices] == [(GROQ_70B_IN, "1M input tokens"), (GROQ_70B_OUT, "1M output tokens")]
    assert c.basis[0] == "100 requests/min x 60 x 730 h = 4,380,000 requests/month"


def test_groq_max_follows_the_targets_rate_limit():
    c = cost(groq(rate_limits={"requests_per_minute": 300, "tokens_per_minute": 1_000_000}), traffic=TRAFFIC)
    assert c.max_monthly_usd == pytest.approx(3 * 3276.24)  # 9828.72
    c = cost(groq(rate_limits={"requests_per_minute": 50}), traffic=TRAFFIC)
    assert c.max_monthly_usd == c.monthly_usd
    assert any("exceeds" in n for n in c.notes)


def test_groq_behind_other_targets_in_the_routing_order_says_it_is_a_failover_figure():
    c = cost(groq("g"), traffic=TRAFFIC, routing={"order": ["chat", "g"]})
    assert c.monthly_usd == pytest.approx(3276.24)
    assert any("routing.order puts it at position 2 of 2" in n for n in c.notes)
    first = cost(groq("g"), traffic=TRAFFIC, routing={"order": ["g", "chat"]})
    assert not any("routing.order" in n for n in first.notes)


def test_groq_without_traffic_or_with_an_unlisted_model_is_unpriced():
    assert "traffic block" in cost(groq()).unpriced[0]
    assert "not in the catalog" in cost(groq(model="some-new-model"), traffic=TRAFFIC).unpriced[0]


# --- the registry and the totals -------------------------------------------------------------


def test_a_kind_nobody_registered_is_listed_as_unpriced_with_the_reason():
    target = {"kind": "edge-device", "name": "phone", "model": "Qwen/Qwen3-0.6B"}
    c = cost(target)
    assert "no cost model for kind 'edge-device'" in c.unpriced[0]
    assert kinds.describe(target, fleet_doc()).hardware == "Qwen/Qwen3-0.6B"


def test_a_new_kind_plugs_in_through_the_registry(monkeypatch):
    def describe(target, fleet):
        return Hardware(silicon="npu", hardware="npu-1", min_size=1, desired_size=1, max_size=1)

    def price(target, fleet):
        return TargetCost(hourly_usd=1.0, monthly_usd=730.0, max_hourly_usd=1.0, max_monthly_usd=730.0)

    monkeypatch.setitem(kinds._REGISTRY, "edge-device", Kind("edge-device", describe, price))
    assert cost({"kind": "edge-device", "name": "phone"}).monthly_usd == 730.0
    assert {"aws-inf2", "aws-p5", "gcp-tpu-v5e", "groq"} <= set(kinds.registry())


def test_totals_per_stack_and_fleet_count_the_priced_and_list_the_unpriced():
    fleet = fleet_doc(
        inf2("a", instance_type="inf2.8xlarge", min_size=1, desired_size=1, max_size=2),
        tpu("b", accelerator_type="v5litepod-4", count=1),
        inf2("c", instance_type="inf2.48xlarge", region="us-west-2"),
        groq("d"),
    )
    out = output_of(fleet)
    targets = review_targets(out, with_docs=False)
    report = Report("f", None, "g", targets, review_stacks(out, targets), (), None, None)
    assert report.total_monthly_usd == pytest.approx(INF2_8XL * 730 + 4 * TPU_CHIP_HOUR * 730)  # 1436.54 + 3504.00
    assert report.total_max_monthly_usd == pytest.approx(2 * INF2_8XL * 730 + 4 * TPU_CHIP_HOUR * 730)
    assert [t.name for t in report.unpriced] == ["c", "d"]
    stacks = {s.name: s for s in report.stacks}
    assert stacks["s-c"].monthly_usd is None and stacks["s-c"].unpriced_targets == ("c",)
    assert stacks["s-a"].monthly_usd == pytest.approx(INF2_8XL * 730)
