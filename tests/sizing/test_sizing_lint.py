"""SF-COST-001: accelerator memory far larger than the model needs, with cheaper options and savings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from siliconfleet.sizing import RULE_OVERSIZE, oversize_findings, size_fleet
from siliconfleet.spec import parse_fleet

FLEET = """\
fleet: chat
cost_center: cc-1
owner: team@example.com
environment: prod
targets:
  - kind: aws-inf2
    name: small-on-big
    region: us-east-1
    instance_type: {instance_type}
    min_size: {instances}
    max_size: 4
    network: {{cidr: 10.40.0.0/16}}
    serving:
      model: {model}
      max_model_len: 8192
      max_num_seqs: 8
"""


def fleet(instance_type="inf2.48xlarge", model="Qwen/Qwen3-8B", instances=1):
    return parse_fleet(FLEET.format(instance_type=instance_type, model=model, instances=instances))


def test_inf2_48xlarge_serving_an_8b_model_is_a_warning_with_savings():
    (finding,) = oversize_findings(fleet(instances=2))
    assert finding.rule_id == RULE_OVERSIZE == "SF-COST-001"
    assert finding.severity == "warning"
    assert finding.target == "small-on-big"
    assert finding.path == "targets[0].instance_type"
    names = [a["option"] for a in finding.alternatives]
    assert names[0] == "inf2.xlarge"
    assert set(names) <= {"inf2.xlarge", "inf2.8xlarge", "p5.4xlarge", "inf2.24xlarge"}
    # (12.98127 - 0.7582) $/h x 730 h x 2 instances
    assert finding.alternatives[0]["monthly_savings_usd"] == pytest.approx((12.98127 - 0.7582) * 730 * 2, abs=0.01)
    assert finding.monthly_savings_usd == finding.alternatives[0]["monthly_savings_usd"]
    assert "inf2.48xlarge has 384 GiB of accelerator memory" in finding.message
    assert "Qwen/Qwen3-8B" in finding.message and "saves $17,846/month" in finding.message


def test_right_sized_target_has_no_finding():
    assert oversize_findings(fleet(instance_type="inf2.8xlarge")) == []


def test_big_model_on_big_instance_has_no_finding():
    assert oversize_findings(fleet(model="meta-llama/Llama-3.3-70B-Instruct")) == []


def test_model_outside_the_catalog_gives_no_finding():
    assert oversize_findings(fleet(model="acme/private-model")) == []


def _target(**kw):
    base = dict(name="gpu", region="us-east-1", min_size=1, desired_size=None,
                serving=SimpleNamespace(model="meta-llama/Llama-3.1-8B-Instruct", max_model_len=4096, max_num_seqs=8))
    return SimpleNamespace(**{**base, **kw})


def test_p5_48xlarge_serving_an_8b_model_names_cheaper_aws_options():
    # a target kind that does not exist yet: the lint reads targets by duck typing
    (finding,) = oversize_findings(SimpleNamespace(targets=[_target(kind="aws-p5", instance_type="p5.48xlarge")]))
    names = [a["option"] for a in finding.alternatives]
    # the two cheapest, and the cheapest of the same silicon (a swap that keeps the CUDA stack)
    assert names == ["inf2.xlarge", "inf2.8xlarge", "p5.4xlarge"]
    assert finding.alternatives[2]["monthly_savings_usd"] == pytest.approx((55.04 - 6.88) * 730, abs=0.01)
    assert finding.alternatives[0]["monthly_savings_usd"] == pytest.approx((55.04 - 0.7582) * 730, abs=0.01)
    assert "p5.48xlarge has 640 GiB" in finding.message


def test_tpu_target_is_compared_with_smaller_tpu_shapes():
    target = _target(kind="gcp-tpu-v5e", accelerator_type="v5litepod-8", zone="us-central1-a",
                     serving=SimpleNamespace(model="meta-llama/Llama-3.2-1B-Instruct", max_model_len=4096, max_num_seqs=1))
    (finding,) = oversize_findings(SimpleNamespace(targets=[target]))
    assert finding.path == "targets[0].accelerator_type"
    assert [a["option"] for a in finding.alternatives] == ["v5litepod-1", "v5litepod-4"]
    assert finding.alternatives[0]["monthly_savings_usd"] == pytest.approx((9.6 - 1.2) * 730, abs=0.01)


def test_a_cluster_scaled_to_zero_runs_nothing_and_gets_no_finding():
    idle = _target(kind="aws-p5", instance_type="p5.48xlarge", min_size=0, desired_size=None)
    assert oversize_findings(SimpleNamespace(targets=[idle])) == []
    two = _target(kind="aws-p5", instance_type="p5.48xlarge", min_size=0, desired_size=2)
    (finding,) = oversize_findings(SimpleNamespace(targets=[two]))
    assert finding.alternatives[0]["monthly_savings_usd"] == pytest.approx((55.04 - 0.7582) * 730 * 2, abs=0.01)
    assert "x 2 instances)" in finding.message


def test_tpu_savings_count_every_slice():
    target = _target(kind="gcp-tpu-v5e", accelerator_type="v5litepod-8", zone="us-central1-a", count=3,
                     serving=SimpleNamespace(model="meta-llama/Llama-3.2-1B-Instruct", max_model_len=4096, max_num_seqs=1))
    (finding,) = oversize_findings(SimpleNamespace(targets=[target]))
    assert finding.alternatives[0]["monthly_savings_usd"] == pytest.approx((9.6 - 1.2) * 730 * 3, abs=0.01)
    assert "(730 h/month x 3 slices)" in finding.message


def test_hosted_target_without_hardware_is_skipped():
    hosted = SimpleNamespace(name="groq", serving=SimpleNamespace(model="meta-llama/Llama-3.1-8B-Instruct", max_model_len=4096, max_num_seqs=1))
    assert oversize_findings(SimpleNamespace(targets=[hosted])) == []


def test_size_fleet_uses_each_targets_serving_settings():
    (sized,) = size_fleet(fleet())
    req = sized.result.request
    assert (req.model.catalog_name, req.context, req.batch) == ("qwen3-8b", 8192, 8)
    assert sized.hardware.name == "inf2.48xlarge" and sized.hardware.usd_per_hour == 12.98127
