"""Hosted token API preflight (Groq...): the model is listed and active, its context window covers
``max_model_len``, and the organization's rate limits cover the target's traffic.

One shape for every provider; the provider's catalog file (catalog/data/hosted/<provider>.yaml)
says where its API is, which environment variables hold its key and base URL override, which
client talks to it (``groq``: the official SDK, preflight/groq.py; ``openai-compatible``: plain
HTTP with httpx, here) and which response headers carry its limits. The key comes from the
environment only (never a file) and is never printed: messages are scrubbed of it.

Rate limits are read from the provider's headers on a one-token completion per model, made only
for targets that give rate limits: a tokens-per-minute limit, and a requests-per-day limit against
which a target's ``requests_per_minute`` is judged as a sustained rate (x 1,440 minutes).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import registry
from ..catalog.hosted import HostedProvider, hosted_provider
from ..errors import SiliconfleetError
from .pool import FactPool, Fetched, outcome
from .results import CheckResult, Evidence, insufficient, ok, unknown

MINUTES_PER_DAY = 1440
PROBE_PROMPT = "ping"
HTTP_INSTALL_HINT = "the hosted API checks need httpx: pip install 'siliconfleet[hosted]'"


def no_key(provider: HostedProvider) -> str:
    return (f"{provider.display}: {provider.api_key_env} is not set; export it in the environment (a key never goes in "
            "the fleet file or a file preflight reads)")


def bad_key(provider: HostedProvider, status: int) -> str:
    return (f"{provider.display}: {provider.api_key_env} was rejected (HTTP {status}); create a key at "
            f"{provider.keys_url} and export {provider.api_key_env}")


@dataclass(frozen=True)
class HostedRequest:
    target: str
    model: str
    max_model_len: int | None = None
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    provider: str = field(default="", kw_only=True)
    """The provider's catalog name (groq...); its checks are named ``<provider>-model``, ``<provider>-rate-limits``."""

    def __post_init__(self) -> None:
        if not self.provider:
            raise SiliconfleetError(f"{self.target}: a hosted API request needs its provider")

    @property
    def wants_limits(self) -> bool:
        return bool(self.requests_per_minute or self.tokens_per_minute)

    @property
    def hosted_provider(self) -> HostedProvider:
        return hosted_provider(self.provider)


def request_fields(target: Any) -> dict[str, Any]:
    """A hosted target's model, context and rate limits, as request fields."""
    limits = target.rate_limits
    return dict(target=target.name, model=target.model, max_model_len=target.max_model_len,
                requests_per_minute=limits.requests_per_minute, tokens_per_minute=limits.tokens_per_minute)


def request_from_target(target: Any) -> HostedRequest:
    """The request of a hosted API target: its model, context and rate limits, for its kind's provider."""
    return HostedRequest(**request_fields(target), provider=registry.kind_of(target).provider)


class HostedCallError(Exception):
    def __init__(self, *, api: str, kind: str, message: str, fix: str | None = None, note: str | None = None,
                 headers: dict[str, str] | None = None):
        self.api, self.kind, self.message, self.fix, self.note = api, kind, message, fix, note
        self.headers = headers or {}
        super().__init__(message)


def _internal(exc: BaseException) -> HostedCallError:
    return HostedCallError(api="preflight", kind="internal", message=f"the check failed inside preflight: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class HostedModelInfo:
    id: str
    active: bool | None
    context_window: int | None
    max_completion_tokens: int | None


@dataclass(frozen=True)
class RateLimits:
    headers: dict[str, str]
    rate_limited_now: bool = False

    def number(self, header: str | None) -> int | None:
        value = self.headers.get(header) if header else None
        try:
            return int(float(value)) if value is not None else None
        except ValueError:
            return None


class HostedClient(Protocol):
    """What the checks need of a provider's client; every call is counted, every message scrubbed."""

    provider: HostedProvider
    api_key: str | None
    calls: Counter[str]

    def ready(self) -> None:
        """Raise SiliconfleetError (an install hint) when the client library is missing."""

    def fetch_models(self) -> Fetched: ...

    def fetch_rate_limits(self, model: str) -> Fetched: ...


class _Counting:
    """Counting and scrubbing shared by the clients."""

    def __init__(self, provider: HostedProvider, api_key: str | None) -> None:
        self.provider = provider
        self.api_key = api_key if api_key is not None else os.environ.get(provider.api_key_env)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def scrub(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def count(self, api: str) -> None:
        with self._lock:
            self.calls[f"{api}@{self.provider.name}"] += 1

    def limit_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """The headers that carry the provider's limits (lower-cased names)."""
        names = {h.lower() for h in self.provider.rate_limit_headers.model_dump().values() if h}
        return {k: v for k, v in headers.items() if k in names or k.startswith("x-ratelimit-")}


class OpenAICompatibleClient(_Counting):
    """An OpenAI-compatible API over HTTP (httpx): ``GET {base}/models`` and a one-token
    ``POST {base}/chat/completions``, with explicit timeouts and retries of 429, 5xx and
    connection errors (honouring ``retry-after-ms`` / ``retry-after``, at most 8 s each)."""

    def __init__(self, provider: HostedProvider, *, api_key: str | None = None, base_url: str | None = None,
                 max_retries: int = 2, timeout: float = 20.0, connect_timeout: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(provider, api_key)
        self.base_url = (base_url or os.environ.get(provider.base_url_env) or provider.base_url).rstrip("/")
        self.max_retries = max_retries
        self._timeout = (timeout, connect_timeout)
        self._sleep = sleep
        self._http: Any = None

    def ready(self) -> None:
        try:
            import httpx
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise SiliconfleetError(HTTP_INSTALL_HINT) from exc
        if self._http is None:
            read, connect = self._timeout
            self._http = httpx.Client(timeout=httpx.Timeout(read, connect=connect))

    def _call(self, api: str, method: str, path: str, **body: Any) -> Any:
        import httpx

        self.ready()
        headers = {"authorization": f"Bearer {self.api_key}", "accept": "application/json"}
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            self.count(api)
            try:
                answer = self._http.request(method, f"{self.base_url}{path}", headers=headers, **body)
            except httpx.TimeoutException:
                if attempt < attempts:
                    self._sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
                    continue
                raise HostedCallError(api=api, kind="timeout", message=f"{api} at {self.base_url}: no answer in time after {attempts} attempts") from None
            except httpx.HTTPError:
                if attempt < attempts:
                    self._sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
                    continue
                raise HostedCallError(api=api, kind="connection", message=f"{api}: could not connect to {self.base_url} after {attempts} attempts") from None
            status = answer.status_code
            if (status == 429 or status >= 500) and attempt < attempts:
                self._sleep(_retry_after(answer.headers, attempt))
                continue
            return answer
        return answer  # pragma: no cover - the loop returns or raises

    def _error(self, api: str, answer: Any) -> HostedCallError:
        status = answer.status_code
        headers = {k.lower(): v for k, v in answer.headers.items()}
        if status in (401, 403):
            line = bad_key(self.provider, status)
            return HostedCallError(api=api, kind="auth", message=line, note=line, fix=f"export a valid {self.provider.api_key_env}")
        try:
            detail = answer.json().get("error", {}).get("message") or answer.text
        except ValueError:
            detail = answer.text
        text = self.scrub(str(detail))[:300]
        kind = "rate-limited" if status == 429 else "not-found" if status == 404 else "api-error"
        tried = f" after {self.max_retries + 1} attempts" if status == 429 or status >= 500 else ""
        return HostedCallError(api=api, kind=kind, headers=headers,
                               message=f"{api} at {self.base_url} failed with HTTP {status}{tried}: {text}")

    def fetch_models(self) -> Fetched:
        api = f"{self.provider.name}:models.list"
        answer = self._call(api, "GET", "/models")
        if answer.status_code != 200:
            raise self._error(api, answer)
        models = {}
        for m in answer.json().get("data", []):
            models[m["id"]] = HostedModelInfo(m["id"], m.get("active"), m.get("context_window") or m.get("context_length"),
                                              m.get("max_completion_tokens"))
        return Fetched(api, self.provider.name, models)

    def fetch_rate_limits(self, model: str) -> Fetched:
        api = f"{self.provider.name}:chat.completions.create"
        answer = self._call(api, "POST", "/chat/completions",
                            json={"model": model, "messages": [{"role": "user", "content": PROBE_PROMPT}], "max_completion_tokens": 1})
        headers = self.limit_headers({k.lower(): v for k, v in answer.headers.items()})
        if answer.status_code == 200:
            return Fetched(api, model, RateLimits(headers))
        err = self._error(api, answer)
        if err.kind == "rate-limited" and headers:
            return Fetched(api, model, RateLimits(headers, rate_limited_now=True))
        raise err


def _retry_after(headers: Any, attempt: int) -> float:
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return min(max(float(value) * scale, 0.0), 8.0)
            except ValueError:
                pass
    return min(0.5 * 2 ** (attempt - 1), 8.0)


def make_client(provider: HostedProvider) -> HostedClient:
    """The client the provider's catalog file names (``client``)."""
    if provider.client == "groq":
        from .groq import GroqClient

        return GroqClient(provider=provider)
    return OpenAICompatibleClient(provider)


# ---------------------------------------------------------------------------------------------
# Judging


def _ev(f: Fetched, figures: dict[str, Any]) -> Evidence:
    return Evidence(api=f.api, location=f.location, figures=figures, at=f.at)


def check_model(req: HostedRequest, models: Fetched | HostedCallError) -> CheckResult:
    cloud, check = req.provider, f"{req.provider}-model"
    if isinstance(models, HostedCallError):
        return unknown(req.target, cloud, check, models.message, models.fix)
    info: HostedModelInfo | None = models.value.get(req.model)
    if info is None:
        return insufficient(req.target, cloud, check, f"{req.model} is not in the organization's model list",
                            f"use one of {', '.join(sorted(models.value)[:12])}",
                            [_ev(models, {"models_listed": len(models.value)})])
    figures = {"model": info.id, "active": info.active, "context_window": info.context_window,
               "max_completion_tokens": info.max_completion_tokens, "max_model_len": req.max_model_len}
    evidence = [_ev(models, figures)]
    if info.active is False:
        return insufficient(req.target, cloud, check, f"{req.model} is listed but not active", "choose an active model", evidence)
    if req.max_model_len is not None:
        if info.context_window is None:
            return unknown(req.target, cloud, check, f"{req.model} is listed but its context window is not given", evidence=evidence)
        if info.context_window < req.max_model_len:
            return insufficient(
                req.target, cloud, check,
                f"{req.model} has a {info.context_window}-token context window; max_model_len is {req.max_model_len}",
                f"lower max_model_len to at most {info.context_window} or choose a model with a longer context", evidence,
            )
    window = f", context window {info.context_window}" if info.context_window else ""
    state = "active" if info.active else "listed (active flag not given)"
    return ok(req.target, cloud, check, f"{req.model} is {state}{window}", evidence)


def check_rate_limits(req: HostedRequest, limits: Fetched | HostedCallError, peers: tuple[HostedRequest, ...] = ()) -> CheckResult:
    """The model's limits against the traffic of this target plus ``peers`` (other targets on the
    same model: limits are per organization and model)."""
    provider = req.hosted_provider
    cloud, check = req.provider, f"{req.provider}-rate-limits"
    names = provider.rate_limit_headers
    rpm = (req.requests_per_minute or 0) + sum(p.requests_per_minute or 0 for p in peers)
    tpm_wanted = (req.tokens_per_minute or 0) + sum(p.tokens_per_minute or 0 for p in peers)
    together = f" (with {', '.join(p.target for p in peers)})" if peers else ""
    if isinstance(limits, HostedCallError):
        return unknown(req.target, cloud, check, limits.message, limits.fix)
    rl: RateLimits = limits.value
    rpd, tpm = rl.number(names.requests_per_day), rl.number(names.tokens_per_minute)
    figures = {"requests_per_day_limit": rpd, "tokens_per_minute_limit": tpm,
               "remaining_requests": rl.number(names.remaining_requests), "remaining_tokens": rl.number(names.remaining_tokens),
               "reset_requests": rl.headers.get(names.reset_requests or ""), "reset_tokens": rl.headers.get(names.reset_tokens or ""),
               "wanted_requests_per_minute": rpm or None, "wanted_tokens_per_minute": tpm_wanted or None,
               "shared_with": [p.target for p in peers],
               "rate_limited_now": rl.rate_limited_now}
    evidence = [_ev(limits, figures)]
    warnings = ("the probe was answered 429: the organization is at its limit right now",) if rl.rate_limited_now else ()
    missing, short, parts = [], [], []
    if tpm_wanted:
        if tpm is None:
            missing.append(names.tokens_per_minute)
        else:
            parts.append(f"TPM limit {tpm} for {tpm_wanted} wanted{together}")
            if tpm < tpm_wanted:
                short.append(f"tokens per minute: limit {tpm} < {tpm_wanted} wanted{together}")
    if rpm:
        if rpd is None:
            missing.append(names.requests_per_day)
        else:
            sustained = round(rpd / MINUTES_PER_DAY, 1)
            parts.append(f"RPD limit {rpd} (sustains {sustained:g}/min) for {rpm}/min wanted{together}")
            if rpd < rpm * MINUTES_PER_DAY:
                short.append(f"requests: {rpd} per day sustain {sustained:g} per minute < {rpm} wanted{together}")
    if short:
        return insufficient(req.target, cloud, check, f"{req.model}: " + "; ".join(short),
                            f"ask {provider.display} for higher limits ({provider.limits_url}) or lower rate_limits", evidence, warnings)
    if missing:
        return unknown(req.target, cloud, check, f"{req.model}: the answer carried no {', '.join(missing)} header", evidence=evidence)
    return ok(req.target, cloud, check, f"{req.model}: " + "; ".join(parts), evidence, warnings)


# ---------------------------------------------------------------------------------------------
# Running


@dataclass
class HostedRun:
    """The checks of one provider's requests."""

    provider: HostedProvider
    client: HostedClient | None
    pool: FactPool
    notes: list[str] = field(default_factory=list)
    make_client: Callable[[HostedProvider], HostedClient] = make_client

    def run(self, requests: list[HostedRequest]) -> Callable[[], list[CheckResult]]:
        if not requests:
            return lambda: []
        name = self.provider.name
        client = self.client or self.make_client(self.provider)
        self.client = client
        if not client.api_key:
            line = no_key(self.provider)
            self.notes.append(line)
            return lambda: [unknown(r.target, name, c, line) for r in requests
                            for c in (f"{name}-model",) + ((f"{name}-rate-limits",) if r.wants_limits else ())]
        try:
            client.ready()
        except SiliconfleetError as exc:
            missing = str(exc)
            self.notes.append(missing)
            return lambda: [unknown(r.target, name, f"{name}-model", missing) for r in requests]
        models = self.pool.fact((f"{name}:models.list",), client.fetch_models)
        probes = {r.model: self.pool.fact((f"{name}:chat.completions.create", r.model), client.fetch_rate_limits, r.model)
                  for r in requests if r.wants_limits}

        def judge() -> list[CheckResult]:
            results = []
            listed = outcome(models, HostedCallError, _internal)
            for value in [listed] + [outcome(f, HostedCallError, _internal) for f in probes.values()]:
                note = getattr(value, "note", None)
                if note and note not in self.notes:
                    self.notes.append(note)
            for r in requests:
                results.append(check_model(r, listed))
                if r.wants_limits:
                    peers = tuple(q for q in requests if q.model == r.model and q.target != r.target and q.wants_limits)
                    results.append(check_rate_limits(r, outcome(probes[r.model], HostedCallError, _internal), peers))
            return results

        return judge
