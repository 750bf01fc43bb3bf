"""Adding a kind is one registry line plus data: a hosted API that exists only in a test catalog
file (tests/fixtures/kinds/hosted/tokenhost.yaml), and an EC2 kind over an existing silicon, are
registered here and followed through spec, stacks, preflight, review, sizing and the gateway, with
no code of their own."""

from __future__ import annotations

import json

import pytest

from siliconfleet import app, registry
from siliconfleet.errors import SiliconfleetError
from siliconfleet.spec import validate_fleet
from tests.conftest import ROOT
from tests.preflight.fakes import LoopbackServer

FIXTURES = ROOT / "tests" / "fixtures" / "kinds"
KEY = "thk-" + "Ab3dEf6hIj9kLm2nOp5qRs8t"


@pytest.fixture
def tokenhost():
    kind = registry.register(registry.Kind(
        "tokenhost", registry.HOSTED_API, "TokenHost", aliases=("token-host",), provider="tokenhost",
        catalog_dirs=(str(FIXTURES),),
    ))
    try:
        yield kind
    finally:
        registry.unregister("tokenhost")


@pytest.fixture
def gpu_lite():
    kind = registry.register(registry.Kind("aws-h100-lite", registry.EC2_ACCELERATOR, "H100", silicons=("h100",)))
    try:
        yield kind
    finally:
        registry.unregister("aws-h100-lite")


def fleet_doc(*targets: dict) -> dict:
    return {"fleet": "newkind", "cost_center": "cc-7", "owner": "ml@example.com", "environment": "dev",
            "traffic": {"requests_per_minute": 10, "input_tokens_per_request": 500, "output_tokens_per_request": 200},
            "targets": list(targets)}


INF2 = {"kind": "aws-inf2", "name": "chat-inf2", "region": "us-east-1", "instance_type": "inf2.xlarge",
        "network": {"cidr": "10.40.0.0/16"}, "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct"}}
HOSTED = {"kind": "token-host", "name": "chat-th", "model": "llama-3.1-8b",
          "secret_store": {"type": "aws-secrets-manager", "region": "us-east-1"},
          "rate_limits": {"requests_per_minute": 10, "tokens_per_minute": 7000}}


def test_a_kind_unknown_until_registered(tokenhost):
    registry.unregister("tokenhost")
    with pytest.raises(SiliconfleetError) as err:
        validate_fleet(fleet_doc(INF2, HOSTED))
    assert "'token-host' is not a known kind" in "\n".join(err.value.lines())
    registry.register(tokenhost)
    assert validate_fleet(fleet_doc(INF2, HOSTED)).targets[1].kind == "token-host"


def test_the_spec_takes_its_models_key_shape_and_names_from_the_data_file(tokenhost):
    target = validate_fleet(fleet_doc(HOSTED)).targets[0]
    assert type(target).__name__ == "TokenhostTarget"
    assert target.catalog_model.usd_per_million_output_tokens == 0.20
    assert target.secret_name("newkind") == "siliconfleet/newkind/chat-th/tokenhost-api-key"
    assert target.write_only_variable() == "chat_th_tokenhost_api_key"
    with pytest.raises(SiliconfleetError) as err:
        validate_fleet(fleet_doc({**HOSTED, "model": "llama-3.1-8b-instant"}))
    assert "is not a TokenHost model in siliconfleet's catalog; allowed: llama-3.1-8b" in "\n".join(err.value.lines())


def test_it_synthesizes_reads_the_clusters_roles_and_routes_in_the_gateway(tokenhost, tmp_path):
    fleet = validate_fleet(fleet_doc(INF2, HOSTED))
    result = app.synth_fleet(fleet, fleet_dir=tmp_path, out=tmp_path / "out")
    (stack,) = result.stacks
    assert stack.targets == ["chat-inf2", "chat-th"]
    doc = json.loads((result.out / stack.path).read_text())
    (secret,) = doc["resource"]["aws_secretsmanager_secret"].values()
    assert secret["name"] == "siliconfleet/newkind/chat-th/tokenhost-api-key"
    assert secret["description"].startswith("TokenHost API key of siliconfleet target chat-th")
    (policy,) = doc["resource"]["aws_secretsmanager_secret_policy"].values()
    statement = json.loads(policy["policy"])["Statement"][0]
    assert statement["Sid"] == "ReadTheTokenHostApiKey"
    role = next(name for name in doc["resource"]["aws_iam_role"])
    assert statement["Principal"]["AWS"] == [f"${{aws_iam_role.{role}.arn}}"]
    (param,) = [p for p in doc["resource"]["aws_ssm_parameter"].values() if p["name"].endswith("tokenhost-endpoint")]
    config = json.loads(param["value"])
    assert (config["base_url"], config["api_key_env"]) == ("https://api.tokenhost.invalid/v1", "TOKENHOST_API_KEY")
    gateway = (result.out / "gateway" / "litellm.yaml").read_text()
    assert 'model: "openai/llama-3.1-8b"' in gateway and 'api_key: "os.environ/TOKENHOST_API_KEY"' in gateway
    assert 'api_base: "https://api.tokenhost.invalid/v1"' in gateway


def test_review_prices_it_from_its_data_file(tokenhost, tmp_path):
    from siliconfleet.review.inventory import review_targets
    from siliconfleet.review.source import SynthOutput

    fleet = validate_fleet(fleet_doc(INF2, HOSTED))
    result = app.synth_fleet(fleet, fleet_dir=tmp_path, out=tmp_path / "out")
    output = SynthOutput(result.out, app.read_inventory(result.out))
    row = {t.name: t for t in review_targets(output)}["chat-th"]
    assert (row.kind, row.hardware.silicon, row.hardware.location) == ("token-host", "tokenhost-asic", "TokenHost Cloud")
    requests = 10 * 60 * 730
    assert row.cost.monthly_usd == pytest.approx(requests * (500 * 0.10 + 200 * 0.20) / 1e6)
    assert row.cost.prices[0].item == "TokenHost llama-3.1-8b input"


@pytest.fixture
def tokenhost_api(monkeypatch):
    server = LoopbackServer()
    limits = {"x-ratelimit-limit-tokens-minute": "6000", "x-ratelimit-limit-requests-day": "14400",
              "x-ratelimit-remaining-tokens-minute": "5990"}
    server.route("GET", "/v1/models", lambda r: (200, {}, {"object": "list", "data": [
        {"id": "llama-3.1-8b", "object": "model", "owned_by": "Meta", "context_length": 32768}]}))
    server.route("POST", "/v1/chat/completions", lambda r: (200, dict(limits), {
        "id": "c", "object": "chat.completion", "model": r.json()["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "p"}, "finish_reason": "length"}]}))
    with server:
        monkeypatch.setenv("TOKENHOST_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("TOKENHOST_API_KEY", KEY)
        yield server


def test_preflight_checks_its_models_and_reads_its_own_limit_headers(tokenhost, tokenhost_api):
    from siliconfleet.preflight import Status, requests_of, run_requests

    fleet = validate_fleet(fleet_doc(HOSTED))
    (request,), _ = requests_of(fleet)
    assert request.provider == "tokenhost"
    report = run_requests([request])
    got = {r.check: r for r in report.results}
    assert got["tokenhost-model"].status is Status.OK and got["tokenhost-model"].cloud == "tokenhost"
    limits = got["tokenhost-rate-limits"]
    assert limits.status is Status.INSUFFICIENT  # 7000 tokens/min wanted, 6000 allowed
    assert limits.summary == "llama-3.1-8b: tokens per minute: limit 6000 < 7000 wanted"
    assert limits.fix == "ask TokenHost for higher limits (console.tokenhost.invalid/limits) or lower rate_limits"
    assert limits.evidence[0].figures["remaining_tokens"] == 5990
    probe = next(r for r in tokenhost_api.requests if r.path == "/v1/chat/completions")
    assert probe.headers["authorization"] == f"Bearer {KEY}" and probe.json()["max_completion_tokens"] == 1
    assert KEY not in report.to_json()


def test_preflight_without_its_key_says_which_variable(tokenhost, monkeypatch):
    from siliconfleet.preflight import requests_of, run_requests

    monkeypatch.delenv("TOKENHOST_API_KEY", raising=False)
    report = run_requests(requests_of(validate_fleet(fleet_doc(HOSTED)))[0])
    assert report.notes[0].startswith("TokenHost: TOKENHOST_API_KEY is not set")


def test_sizing_lists_its_models_and_skips_it_in_the_lint(tokenhost):
    from siliconfleet.sizing import build_request, oversize_findings, size
    from siliconfleet.sizing.fleet import target_hardware

    option = size(build_request("llama-3.1-8b")).option("llama-3.1-8b")
    assert (option.kind, option.silicon, option.usd_per_million_tokens, option.label) == (
        "tokenhost", "tokenhost", 0.20, "tokenhost llama-3.1-8b")
    fleet = validate_fleet(fleet_doc(HOSTED))
    assert target_hardware(fleet.targets[0]) is None and oversize_findings(fleet) == []


def test_keys_set_stores_a_key_of_its_shape(tokenhost, tmp_path, monkeypatch, capsys):
    import io

    import yaml

    from siliconfleet.cli import main

    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet_doc(HOSTED)))
    monkeypatch.setattr("sys.stdin", io.StringIO("gsk_" + "x" * 30 + "\n"))
    assert main(["keys", "set", "--fleet", str(path), "--target", "chat-th"]) == 2
    err = capsys.readouterr().err
    assert "does not hold a TokenHost API key (one line: thk- followed by letters and digits)" in err
    assert "gsk_" not in err


def test_an_ec2_kind_is_a_registry_line_over_catalog_silicon(gpu_lite, tmp_path):
    target = {"kind": "aws-h100-lite", "name": "gpu", "region": "us-east-1", "instance_type": "p5.4xlarge",
              "network": {"cidr": "10.50.0.0/16"}, "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct"}}
    fleet = validate_fleet(fleet_doc(target))
    spec = fleet.targets[0]
    assert spec.effective_tensor_parallel_degree == 1 and spec.vllm_image == "vllm/vllm-openai:v0.11.0"
    with pytest.raises(SiliconfleetError) as err:
        validate_fleet(fleet_doc({**target, "instance_type": "inf2.xlarge"}))
    assert "'inf2.xlarge' is not a known H100 instance type; allowed: p5.4xlarge, p5.48xlarge" in "\n".join(err.value.lines())
    result = app.synth_fleet(fleet, fleet_dir=tmp_path, out=tmp_path / "out")
    doc = json.loads((result.out / result.stacks[0].path).read_text())
    (lt,) = doc["resource"]["aws_launch_template"].values()
    assert lt["instance_type"] == "p5.4xlarge" and lt["block_device_mappings"][0]["ebs"]["volume_size"] == 200
    assert "gpu_capacity_type" in doc["output"]
    from siliconfleet.preflight import requests_of

    assert requests_of(fleet)[0][0].instance_type == "p5.4xlarge"
