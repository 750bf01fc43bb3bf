"""Groq checks against a loopback fake of GroqCloud's OpenAI-compatible API, driven by the real
`groq` SDK, with the key from GROQ_API_KEY and the base URL from GROQ_BASE_URL."""

from __future__ import annotations

import pytest

from siliconfleet.preflight import GroqClient, GroqRequest, Status, run_requests
from siliconfleet.preflight.groq import NO_KEY, request_from_target

from .fakes import LoopbackServer, sequence

KEY = "gsk_fake0123456789abcdefghijklmnopqrstuvwxyzABCD"
MODELS = "/openai/v1/models"
CHAT = "/openai/v1/chat/completions"
LIMITS = {"x-ratelimit-limit-requests": "14400", "x-ratelimit-limit-tokens": "6000", "x-ratelimit-remaining-requests": "14399",
          "x-ratelimit-remaining-tokens": "5990", "x-ratelimit-reset-requests": "6s", "x-ratelimit-reset-tokens": "100ms"}


def model(mid: str, active: bool = True, context: int = 131072) -> dict:
    return {"id": mid, "object": "model", "created": 1700000000, "owned_by": "Meta", "active": active,
            "context_window": context, "max_completion_tokens": 32768}


def completion(req) -> tuple[int, dict, dict]:
    body = req.json()
    return 200, dict(LIMITS), {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "p"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
    }


@pytest.fixture
def groq_api(monkeypatch):
    server = LoopbackServer()
    server.route("GET", MODELS, lambda r: (200, {}, {"object": "list", "data": [
        model("llama-3.1-8b-instant"), model("llama-3.3-70b-versatile", context=32768), model("old-model", active=False)]}))
    server.route("POST", CHAT, completion)
    with server:
        monkeypatch.setenv("GROQ_BASE_URL", server.url)
        monkeypatch.setenv("GROQ_API_KEY", KEY)
        yield server


def run(*reqs: GroqRequest, max_retries: int = 2):
    client = GroqClient(max_retries=max_retries, timeout=5, connect_timeout=2)
    return run_requests(list(reqs), groq_client=client), client


def checks(report, target="chat"):
    return {r.check: r for r in report.results if r.target == target}


def test_an_active_model_with_room_and_limits_is_ok(groq_api):
    report, client = run(GroqRequest("chat", "llama-3.1-8b-instant", max_model_len=8192, requests_per_minute=10, tokens_per_minute=6000))
    got = checks(report)
    assert got["groq-model"].status is Status.OK
    assert got["groq-model"].summary == "llama-3.1-8b-instant is active, context window 131072"
    limits = got["groq-rate-limits"]
    assert limits.status is Status.OK, limits.summary
    assert limits.summary == ("llama-3.1-8b-instant: TPM limit 6000 for 6000 wanted; "
                              "RPD limit 14400 (sustains 10/min) for 10/min wanted")
    assert limits.evidence[0].figures["remaining_tokens"] == 5990
    probe = next(r for r in groq_api.requests if r.path == CHAT)
    assert probe.json()["max_completion_tokens"] == 1  # the probe costs at most one output token
    assert probe.headers["authorization"] == f"Bearer {KEY}"  # the key from GROQ_API_KEY, sent only to GROQ_BASE_URL
    assert report.api_calls == {"groq:models.list@groq": 1, "groq:chat.completions.create@groq": 1}


def test_no_probe_without_rate_limits(groq_api):
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant"))
    assert [r.check for r in report.results] == ["groq-model"]
    assert all(r.path != CHAT for r in groq_api.requests)


@pytest.mark.parametrize(
    ("request_", "summary", "fix"),
    [
        (GroqRequest("chat", "llama-9-imaginary"), "llama-9-imaginary is not in the organization's model list",
         "use one of llama-3.1-8b-instant, llama-3.3-70b-versatile, old-model"),
        (GroqRequest("chat", "old-model"), "old-model is listed but not active", "choose an active model"),
        (GroqRequest("chat", "llama-3.3-70b-versatile", max_model_len=65536),
         "llama-3.3-70b-versatile has a 32768-token context window; max_model_len is 65536",
         "lower max_model_len to at most 32768 or choose a model with a longer context"),
    ],
)
def test_a_model_that_does_not_fit_is_insufficient(groq_api, request_, summary, fix):
    report, _ = run(request_)
    got = checks(report)["groq-model"]
    assert got.status is Status.INSUFFICIENT
    assert (got.summary, got.fix) == (summary, fix)
    assert report.exit_code == 1


def test_rate_limits_are_shared_by_targets_on_one_model(groq_api):
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant", tokens_per_minute=4000, requests_per_minute=4),
                    GroqRequest("batch", "llama-3.1-8b-instant", tokens_per_minute=4000, requests_per_minute=8))
    chat = checks(report, "chat")["groq-rate-limits"]
    assert chat.status is Status.INSUFFICIENT
    assert chat.summary == ("llama-3.1-8b-instant: tokens per minute: limit 6000 < 8000 wanted (with batch); "
                            "requests: 14400 per day sustain 10 per minute < 12 wanted (with batch)")
    assert report.api_calls["groq:chat.completions.create@groq"] == 1  # one probe per model


def test_a_429_probe_still_reads_the_limits_and_warns(groq_api):
    groq_api.route("POST", CHAT, lambda r: (429, {**LIMITS, "x-ratelimit-remaining-tokens": "0", "retry-after-ms": "1"},
                                            {"error": {"message": "Rate limit reached", "type": "tokens", "code": "rate_limit_exceeded"}}))
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant", tokens_per_minute=1000), max_retries=2)
    limits = checks(report)["groq-rate-limits"]
    assert limits.status is Status.OK
    assert limits.warnings == ("the probe was answered 429: the organization is at its limit right now",)
    assert groq_api.count(CHAT) == 3  # max_retries=2: three attempts in all


def test_a_transient_error_is_retried(groq_api):
    listing = {"object": "list", "data": [model("llama-3.1-8b-instant")]}
    groq_api.route("GET", MODELS, sequence((503, {"retry-after-ms": "1"}, {"error": {"message": "busy"}}), (200, {}, listing)))
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant"))
    assert checks(report)["groq-model"].status is Status.OK
    assert groq_api.count(MODELS) == 2


def test_a_persistent_error_is_unknown_after_the_retries(groq_api):
    groq_api.route("GET", MODELS, lambda r: (500, {"retry-after-ms": "1"}, {"error": {"message": "down"}}))
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant"), max_retries=1)
    got = checks(report)["groq-model"]
    assert got.status is Status.UNKNOWN and "HTTP 500 after 2 attempts" in got.summary
    assert groq_api.count(MODELS) == 2


def test_missing_limit_headers_are_unknown(groq_api):
    groq_api.route("POST", CHAT, lambda r: (lambda s, h, b: (s, {}, b))(*completion(r)))
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant", tokens_per_minute=10))
    limits = checks(report)["groq-rate-limits"]
    assert limits.status is Status.UNKNOWN
    assert limits.summary == "llama-3.1-8b-instant: the answer carried no x-ratelimit-limit-tokens header"


def test_a_rejected_key_is_one_line_and_never_printed(groq_api):
    groq_api.route("GET", MODELS, lambda r: (401, {}, {"error": {"message": f"Invalid API Key {r.headers['authorization']}",
                                                                  "type": "invalid_request_error", "code": "invalid_api_key"}}))
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant"))
    assert report.notes == ("Groq: GROQ_API_KEY was rejected (HTTP 401); create a key at https://console.groq.com/keys and export GROQ_API_KEY",)
    assert checks(report)["groq-model"].status is Status.UNKNOWN
    assert KEY not in report.to_json() and KEY not in report.render_table()


def test_other_errors_are_scrubbed_of_the_key(groq_api):
    groq_api.route("GET", MODELS, lambda r: (400, {}, {"error": {"message": f"bad request from {r.headers['authorization']}"}}))
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant"))
    got = checks(report)["groq-model"]
    assert got.status is Status.UNKNOWN and "Bearer ***" in got.summary
    assert KEY not in report.to_json()


def test_without_a_key_nothing_is_called(groq_api, monkeypatch):
    monkeypatch.delenv("GROQ_API_KEY")
    report, _ = run(GroqRequest("chat", "llama-3.1-8b-instant", tokens_per_minute=10))
    assert report.notes == (NO_KEY,)
    assert [r.status for r in report.results] == [Status.UNKNOWN, Status.UNKNOWN]
    assert groq_api.requests == [] and report.api_calls == {}


def test_a_groq_target_maps_to_a_request():
    from types import SimpleNamespace

    target = SimpleNamespace(kind="groq", name="groq-70b", model="llama-3.3-70b-versatile", max_model_len=8192,
                             rate_limits=SimpleNamespace(requests_per_minute=60, tokens_per_minute=100000))
    assert request_from_target(target) == GroqRequest("groq-70b", "llama-3.3-70b-versatile", 8192, 60, 100000)
