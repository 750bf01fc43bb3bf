"""`siliconfleet preflight` on examples/all-silicon.yaml: inf2, p5, TPU v5e and two Groq targets in
one run, every cloud a local fake over HTTP: EC2 from moto_server, Service Quotas, the Google APIs
and GroqCloud. Application Default Credentials resolve to anonymous ones (google.auth.default is
the one thing replaced: real ADC would fetch a token from Google)."""

from __future__ import annotations

import json

import pytest
from google.auth.credentials import AnonymousCredentials

from siliconfleet.cli import main
from tests.conftest import ROOT

from .fakes import LoopbackServer, service_quotas_server_handler

FLEET = str(ROOT / "examples" / "all-silicon.yaml")
KEY = "gsk_fake_all_silicon_0123456789abcdefghijklmnopqr"
LIMITS = {"x-ratelimit-limit-requests": "500000", "x-ratelimit-limit-tokens": "400000"}


def google_routes(server: LoopbackServer) -> None:
    server.route("GET", r"/compute/v1/projects/[^/]+/zones/(?P<zone>[^/]+)",
                 lambda r: (200, {}, {"name": r.match["zone"], "status": "UP", "region": "https://x/regions/us-west4"}))
    server.route("GET", r"/v2/projects/[^/]+/locations/[^/]+/acceleratorTypes", lambda r: (200, {}, {"acceleratorTypes": [
        {"name": f"x/acceleratorTypes/v5litepod-{n}", "type": f"v5litepod-{n}"} for n in (1, 4, 8)]}))
    server.route("GET", r"/v2/projects/[^/]+/locations/[^/]+/runtimeVersions", lambda r: (200, {}, {"runtimeVersions": [
        {"name": "x/runtimeVersions/v2-alpha-tpuv5-lite", "version": "v2-alpha-tpuv5-lite"}]}))
    server.route("GET", r"/v2/projects/[^/]+/locations/[^/]+/nodes", lambda r: (200, {}, {"nodes": []}))
    server.route("GET", r"/v1/projects/[^/]+/locations/global/services/tpu.googleapis.com/quotaInfos", lambda r: (200, {}, {"quotaInfos": [{
        "name": "x/quotaInfos/TPUV5sLitepodPerProjectPerZoneForTPUAPI", "quotaId": "TPUV5sLitepodPerProjectPerZoneForTPUAPI",
        "dimensionsInfos": [{"dimensions": {"zone": "us-west4-a"}, "details": {"value": "8"}}]}]}))


def groq_routes(server: LoopbackServer) -> None:
    server.route("GET", "/openai/v1/models", lambda r: (200, {}, {"object": "list", "data": [
        {"id": m, "object": "model", "created": 1, "owned_by": "Meta", "active": True, "context_window": 131072}
        for m in ("llama-3.3-70b-versatile", "llama-3.1-8b-instant")]}))
    server.route("POST", "/openai/v1/chat/completions", lambda r: (200, dict(LIMITS), {
        "id": "c", "object": "chat.completion", "created": 1, "model": r.json()["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "p"}, "finish_reason": "length"}]}))


@pytest.fixture
def clouds(moto_server, monkeypatch):
    server = LoopbackServer()
    server.route("POST", "/", service_quotas_server_handler({"L-1945791B": 384, "L-417A185B": 192}))
    google_routes(server)
    groq_routes(server)
    monkeypatch.setattr("google.auth.default", lambda scopes=None, **_: (AnonymousCredentials(), None))
    with server:
        for name, value in {
            "AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url, "SILICONFLEET_TPU_ENDPOINT": server.url,
            "SILICONFLEET_COMPUTE_ENDPOINT": server.url, "SILICONFLEET_QUOTAS_ENDPOINT": server.url,
            "GROQ_BASE_URL": server.url, "GROQ_API_KEY": KEY,
        }.items():
            monkeypatch.setenv(name, value)
        yield server


def test_every_kind_of_silicon_in_one_run(clouds, capsys):
    code = main(["preflight", "--fleet", FLEET, "--format", "json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert err == ""
    got = {(r["target"], r["check"]): r["status"] for r in doc["results"]}
    assert got == {
        ("llama-70b-inf2", "offering"): "ok", ("llama-70b-inf2", "quota-on-demand"): "ok",
        ("llama-70b-p5", "offering"): "ok", ("llama-70b-p5", "quota-on-demand"): "ok",
        ("llama-8b-tpu", "tpu-accelerator-type"): "ok", ("llama-8b-tpu", "tpu-runtime-version"): "ok",
        ("llama-8b-tpu", "tpu-quota"): "ok",
        ("groq-llama-70b", "groq-model"): "ok", ("groq-llama-70b", "groq-rate-limits"): "ok",
        ("groq-llama-8b", "groq-model"): "ok", ("groq-llama-8b", "groq-rate-limits"): "ok",
    }, [r["summary"] for r in doc["results"] if r["status"] != "ok"]
    assert code == 0
    assert [r["target"] for r in doc["results"]][::2][:3] == ["llama-70b-inf2", "llama-70b-p5", "llama-8b-tpu"]  # fleet order
    calls = doc["api_calls"]
    assert calls["service-quotas:ListServiceQuotas@us-east-1"] == 1  # inf2 and p5 share the region's calls
    assert calls["cloudquotas:quotaInfos.list@acme-inference-prod"] == 1
    assert calls["groq:chat.completions.create@groq"] == 2  # one probe per model
    google_calls = [r for r in clouds.requests if r.path.startswith(("/v2/", "/compute/", "/v1/"))]
    assert len(google_calls) == 5 and all("authorization" not in r.headers for r in google_calls)
    assert KEY not in out
