"""The diff against a base: one test per kind of change, deltas computed by hand."""

from __future__ import annotations

import pytest

from siliconfleet.review.diff import diff, field_changes
from siliconfleet.review.inventory import review_targets

from .builders import fleet_doc, groq, inf2, output_of, tpu

INF2_8XL, INF2_24XL = 1.96786, 6.49063
TRAFFIC = {"requests_per_minute": 100, "input_tokens_per_request": 1000, "output_tokens_per_request": 200}


def run(base_fleet, head_fleet):
    base = review_targets(output_of(base_fleet), with_docs=False)
    head = review_targets(output_of(head_fleet), with_docs=False)
    return diff(base, head, base_fleet=base_fleet, head_fleet=head_fleet, base_fleet_sha256="b" * 64)


def test_no_change_is_an_empty_diff():
    fleet = fleet_doc(inf2("a"), tpu("b"))
    d = run(fleet, fleet)
    assert d.empty
    assert (d.added, d.removed, d.changed, d.monthly_usd_delta) == ((), (), (), 0.0)


def test_added_target_adds_its_monthly_cost():
    d = run(fleet_doc(inf2("a")), fleet_doc(inf2("a"), tpu("b", accelerator_type="v5litepod-4", count=1)))
    (added,) = d.added
    assert (added.name, added.kind, added.change) == ("b", "gcp-tpu-v5e", "added")
    assert added.base_monthly_usd is None
    assert added.monthly_usd_delta == pytest.approx(4 * 1.20 * 730)  # +3504.00
    assert d.monthly_usd_delta == pytest.approx(3504.0)
    assert d.removed == () and d.changed == ()


def test_removed_target_subtracts_its_monthly_cost():
    d = run(fleet_doc(inf2("a"), inf2("b", instance_type="inf2.24xlarge", min_size=2, desired_size=2, max_size=2)),
            fleet_doc(inf2("a")))
    (removed,) = d.removed
    assert removed.name == "b" and removed.head_monthly_usd is None
    assert removed.monthly_usd_delta == pytest.approx(-2 * INF2_24XL * 730)  # -9476.32
    assert round(d.monthly_usd_delta, 2) == -9476.32
    assert round(d.max_monthly_usd_delta, 2) == -9476.32


def test_changed_target_lists_each_changed_field_and_the_delta():
    base = fleet_doc(inf2("a", instance_type="inf2.8xlarge", max_size=2))
    head = fleet_doc(inf2("a", instance_type="inf2.24xlarge", max_size=3, allowed_cidrs=["10.40.0.0/16", "10.50.0.0/16"]))
    d = run(base, head)
    (changed,) = d.changed
    assert [(f.path, f.base, f.head) for f in changed.fields] == [
        ("allowed_cidrs", ["10.40.0.0/16"], ["10.40.0.0/16", "10.50.0.0/16"]),
        ("instance_type", "inf2.8xlarge", "inf2.24xlarge"),
        ("max_size", 2, 3),
    ]
    # desired 1: 6.49063 x 730 - 1.96786 x 730 = 4738.1599 - 1436.5378 = 3301.6221
    assert changed.monthly_usd_delta == pytest.approx((INF2_24XL - INF2_8XL) * 730)
    assert round(d.monthly_usd_delta, 2) == 3301.62
    # max: 3 x 6.49063 x 730 - 2 x 1.96786 x 730 = 14214.4797 - 2873.0756 = 11341.4041
    assert round(d.max_monthly_usd_delta, 2) == 11341.40


def test_a_change_of_nested_fields_names_the_path():
    base = fleet_doc(inf2("a"))
    head = fleet_doc(inf2("a", serving={**inf2()["serving"], "max_num_seqs": 16}))
    (changed,) = run(base, head).changed
    assert [(f.path, f.base, f.head) for f in changed.fields] == [("serving.max_num_seqs", 8, 16)]
    assert changed.monthly_usd_delta == 0.0


def test_a_fleet_level_traffic_change_moves_a_groq_bill_and_shows_as_a_cost_only_change():
    d = run(fleet_doc(groq("g"), traffic=TRAFFIC), fleet_doc(groq("g"), traffic={**TRAFFIC, "requests_per_minute": 200}))
    (changed,) = d.changed
    assert changed.fields == ()
    assert changed.monthly_usd_delta == pytest.approx(3276.24)  # twice the traffic: 6552.48 - 3276.24
    assert [(f.path, f.base, f.head) for f in d.fleet_fields] == [("traffic.requests_per_minute", 100, 200)]


def test_a_delta_involving_an_unpriced_side_is_unknown_and_left_out_of_the_total():
    base = fleet_doc(inf2("a"), inf2("b"))
    head = fleet_doc(inf2("a", instance_type="inf2.24xlarge"), inf2("b", region="us-west-2"), inf2("c", region="us-west-2"))
    d = run(base, head)
    by_name = {x.name: x for x in (*d.added, *d.changed)}
    assert by_name["b"].monthly_usd_delta is None and "head unpriced" in by_name["b"].delta_unknown
    assert by_name["c"].monthly_usd_delta is None and "us-west-2" in by_name["c"].delta_unknown
    assert d.monthly_usd_delta == pytest.approx((INF2_24XL - INF2_8XL) * 730)  # a's delta only
    assert len(d.delta_unknown) == 2


def test_added_removed_and_changed_together_are_sorted_by_name():
    base = fleet_doc(inf2("z"), inf2("m"), inf2("b"))
    head = fleet_doc(inf2("y"), inf2("m", max_size=4), inf2("a"))
    d = run(base, head)
    assert [x.name for x in d.added] == ["a", "y"]
    assert [x.name for x in d.removed] == ["b", "z"]
    assert [x.name for x in d.changed] == ["m"]
    assert d.monthly_usd_delta == pytest.approx(0.0)  # two 1-instance clusters in, two out; max grows
    assert round(d.max_monthly_usd_delta, 2) == round(2 * INF2_8XL * 730, 2)


def test_field_changes_keep_scalar_lists_and_new_objects_whole_and_go_into_lists_of_objects():
    base = {"a": {"b": 1}, "c": [1, 2], "d": [{"e": 1}], "f": None, "g": []}
    head = {"a": {"b": 2}, "c": [1, 3], "d": [{"e": 1}, {"e": 2}], "f": {"x": 1}, "g": [{"rule": "SF-NET-001"}]}
    assert [(c.path, c.base, c.head) for c in field_changes(base, head)] == [
        ("a.b", 1, 2), ("c", [1, 2], [1, 3]), ("d[1]", None, {"e": 2}), ("f", None, {"x": 1}),
        ("g[0]", None, {"rule": "SF-NET-001"}),
    ]
    assert [c.path for c in field_changes({"x": 1}, {"y": 1})] == ["x", "y"]


def test_the_diff_as_json_has_the_documented_keys():
    out = run(fleet_doc(inf2("a")), fleet_doc(inf2("a", max_size=3), inf2("b"))).as_dict()
    assert {"monthly_usd_delta", "added", "removed", "changed"} <= set(out)
    assert out["changed"][0]["fields"] == [{"path": "max_size", "base": 2, "head": 3}]
    assert out["added"][0]["monthly_usd_delta"] == 1436.54
