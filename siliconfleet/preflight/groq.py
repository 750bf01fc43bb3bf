"""Groq preflight: the model is listed and active, its context window covers ``max_model_len``,
and the organization's rate limits cover the target's traffic.

The key comes from ``GROQ_API_KEY`` only (never a file) and is never printed: messages are
scrubbed of it. ``GROQ_BASE_URL`` points the official ``groq`` SDK elsewhere (a fake, a proxy).
The SDK is imported lazily (``pip install 'siliconfleet[groq]'``).

Rate limits are read from the ``x-ratelimit-*`` headers, which Groq sends per model on
completions: ``x-ratelimit-limit-tokens`` is the tokens-per-minute limit and
``x-ratelimit-limit-requests`` the requests-per-day limit (Groq's rate-limit docs). So a target's
``requests_per_minute`` is judged as a sustained rate (x 1,440 minutes against the daily limit),
and the probe is one chat completion of at most one output token per model, made only for
targets that give rate limits.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import SiliconfleetError
from .pool import FactPool, Fetched, outcome
from .results import CheckResult, Evidence, insufficient, ok, unknown

INSTALL_HINT = "the Groq checks need the groq extra: pip install 'siliconfleet[groq]'"
NO_KEY = "Groq: GROQ_API_KEY is not set; export it in the environment (a key never goes in the fleet file or a file preflight reads)"
BAD_KEY = "Groq: GROQ_API_KEY was rejected (HTTP {status}); create a key at https://console.groq.com/keys and export GROQ_API_KEY"
MINUTES_PER_DAY = 1440
PROBE_PROMPT = "ping"


@dataclass(frozen=True)
class GroqRequest:
    target: str
    model: str
    max_model_len: int | None = None
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None

    @property
    def wants_limits(self) -> bool:
        return bool(self.requests_per_minute or self.tokens_per_minute)


def request_from_target(target: Any) -> GroqRequest:
    """The request of a ``groq`` target: its model, context and rate limits."""
    limits = getattr(target, "rate_limits", None)
    return GroqRequest(
        target=target.name, model=target.model, max_model_len=getattr(target, "max_model_len", None),
        requests_per_minute=getattr(limits, "requests_per_minute", None), tokens_per_minute=getattr(limits, "tokens_per_minute", None),
    )


class GroqCallError(Exception):
    def __init__(self, *, api: str, kind: str, message: str, fix: str | None = None, note: str | None = None,
                 headers: dict[str, str] | None = None):
        self.api, self.kind, self.message, self.fix, self.note = api, kind, message, fix, note
        self.headers = headers or {}
        super().__init__(message)


class GroqClient:
    """The SDK client with explicit retries and timeouts; counts calls; scrubs the key from messages."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, max_retries: int = 2,
                 timeout: float = 20.0, connect_timeout: float = 5.0, client: Any = None) -> None:
        self.api_key = api_key if api_key is not None else os.environ.get("GROQ_API_KEY")
        self.base_url = base_url or os.environ.get("GROQ_BASE_URL") or None
        self.max_retries = max_retries
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._client = client
        self._timeout = (timeout, connect_timeout)

    def sdk(self) -> Any:
        if self._client is None:
            try:
                import groq
                import httpx
            except ImportError as exc:  # pragma: no cover - depends on the installed extras
                raise SiliconfleetError(INSTALL_HINT) from exc
            read, connect = self._timeout
            self._client = groq.Groq(
                api_key=self.api_key, base_url=self.base_url, max_retries=self.max_retries,
                timeout=httpx.Timeout(read, connect=connect),
            )
        return self._client

    def scrub(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def count(self, api: str) -> None:
        with self._lock:
            self.calls[f"{api}@groq"] += 1

    def classify(self, exc: BaseException, api: str) -> GroqCallError:
        import groq

        where = self.base_url or "api.groq.com"
        if isinstance(exc, groq.APIStatusError):
            status = exc.status_code
            headers = {k.lower(): v for k, v in exc.response.headers.items()}
            if status in (401, 403) and isinstance(exc, (groq.AuthenticationError, groq.PermissionDeniedError)):
                line = BAD_KEY.format(status=status)
                return GroqCallError(api=api, kind="auth", message=line, note=line, fix="export a valid GROQ_API_KEY")
            text = self.scrub(str(exc))
            kind = "rate-limited" if status == 429 else "not-found" if status == 404 else "api-error"
            return GroqCallError(api=api, kind=kind, headers=headers,
                                 message=f"{api} at {where} failed with HTTP {status} after {self.max_retries + 1} attempts: {text}"
                                 if status == 429 or status >= 500 else f"{api} at {where} failed with HTTP {status}: {text}")
        if isinstance(exc, groq.APITimeoutError):
            return GroqCallError(api=api, kind="timeout", message=f"{api} at {where}: no answer in time after {self.max_retries + 1} attempts")
        if isinstance(exc, groq.APIConnectionError):
            return GroqCallError(api=api, kind="connection", message=f"{api}: could not connect to {where} after {self.max_retries + 1} attempts")
        return GroqCallError(api=api, kind="error", message=self.scrub(f"{api} failed: {type(exc).__name__}: {exc}"))


def _internal(exc: BaseException) -> GroqCallError:
    return GroqCallError(api="preflight", kind="internal", message=f"the check failed inside preflight: {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------------------
# Facts


@dataclass(frozen=True)
class GroqModelInfo:
    id: str
    active: bool | None
    context_window: int | None
    max_completion_tokens: int | None


def fetch_models(client: GroqClient) -> Fetched:
    api = "groq:models.list"
    client.count(api)
    try:
        page = client.sdk().models.list()
    except Exception as exc:  # noqa: BLE001
        raise client.classify(exc, api) from None
    models = {}
    for m in page.data:
        extra = m.model_extra or {}
        models[m.id] = GroqModelInfo(m.id, extra.get("active"), extra.get("context_window"), extra.get("max_completion_tokens"))
    return Fetched(api, "groq", models)


@dataclass(frozen=True)
class RateLimits:
    headers: dict[str, str]
    rate_limited_now: bool = False

    def number(self, name: str) -> int | None:
        value = self.headers.get(f"x-ratelimit-{name}")
        try:
            return int(float(value)) if value is not None else None
        except ValueError:
            return None


def fetch_rate_limits(client: GroqClient, model: str) -> Fetched:
    """The x-ratelimit-* headers for ``model``, from a one-token completion (a 429 still carries them)."""
    api = "groq:chat.completions.create"
    client.count(api)
    try:
        raw = client.sdk().chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": PROBE_PROMPT}], max_completion_tokens=1,
        )
        headers = {k.lower(): v for k, v in raw.headers.items() if k.lower().startswith("x-ratelimit-")}
        return Fetched(api, model, RateLimits(headers))
    except Exception as exc:  # noqa: BLE001
        err = client.classify(exc, api)
    limits = {k: v for k, v in err.headers.items() if k.startswith("x-ratelimit-")}
    if err.kind == "rate-limited" and limits:
        return Fetched(api, model, RateLimits(limits, rate_limited_now=True))
    raise err


# ---------------------------------------------------------------------------------------------
# Judging


def _ev(f: Fetched, figures: dict[str, Any]) -> Evidence:
    return Evidence(api=f.api, location=f.location, figures=figures, at=f.at)


def check_model(req: GroqRequest, models: Fetched | GroqCallError) -> CheckResult:
    check = "groq-model"
    if isinstance(models, GroqCallError):
        return unknown(req.target, "groq", check, models.message, models.fix)
    info: GroqModelInfo | None = models.value.get(req.model)
    if info is None:
        return insufficient(req.target, "groq", check, f"{req.model} is not in the organization's model list",
                            f"use one of {', '.join(sorted(models.value)[:12])}",
                            [_ev(models, {"models_listed": len(models.value)})])
    figures = {"model": info.id, "active": info.active, "context_window": info.context_window,
               "max_completion_tokens": info.max_completion_tokens, "max_model_len": req.max_model_len}
    evidence = [_ev(models, figures)]
    if info.active is False:
        return insufficient(req.target, "groq", check, f"{req.model} is listed but not active", "choose an active model", evidence)
    if req.max_model_len is not None:
        if info.context_window is None:
            return unknown(req.target, "groq", check, f"{req.model} is listed but its context window is not given", evidence=evidence)
        if info.context_window < req.max_model_len:
            return insufficient(
                req.target, "groq", check,
                f"{req.model} has a {info.context_window}-token context window; max_model_len is {req.max_model_len}",
                f"lower max_model_len to at most {info.context_window} or choose a model with a longer context", evidence,
            )
    window = f", context window {info.context_window}" if info.context_window else ""
    state = "active" if info.active else "listed (active flag not given)"
    return ok(req.target, "groq", check, f"{req.model} is {state}{window}", evidence)


def check_rate_limits(req: GroqRequest, limits: Fetched | GroqCallError, peers: tuple[GroqRequest, ...] = ()) -> CheckResult:
    """The model's limits against the traffic of this target plus ``peers`` (other targets on the
    same model: Groq's limits are per organization and model)."""
    check = "groq-rate-limits"
    rpm = (req.requests_per_minute or 0) + sum(p.requests_per_minute or 0 for p in peers)
    tpm_wanted = (req.tokens_per_minute or 0) + sum(p.tokens_per_minute or 0 for p in peers)
    together = f" (with {', '.join(p.target for p in peers)})" if peers else ""
    if isinstance(limits, GroqCallError):
        return unknown(req.target, "groq", check, limits.message, limits.fix)
    rl: RateLimits = limits.value
    rpd, tpm = rl.number("limit-requests"), rl.number("limit-tokens")
    figures = {"requests_per_day_limit": rpd, "tokens_per_minute_limit": tpm,
               "remaining_requests": rl.number("remaining-requests"), "remaining_tokens": rl.number("remaining-tokens"),
               "reset_requests": rl.headers.get("x-ratelimit-reset-requests"), "reset_tokens": rl.headers.get("x-ratelimit-reset-tokens"),
               "wanted_requests_per_minute": rpm or None, "wanted_tokens_per_minute": tpm_wanted or None,
               "shared_with": [p.target for p in peers],
               "rate_limited_now": rl.rate_limited_now}
    evidence = [_ev(limits, figures)]
    warnings = ("the probe was answered 429: the organization is at its limit right now",) if rl.rate_limited_now else ()
    missing, short, parts = [], [], []
    if tpm_wanted:
        if tpm is None:
            missing.append("x-ratelimit-limit-tokens")
        else:
            parts.append(f"TPM limit {tpm} for {tpm_wanted} wanted{together}")
            if tpm < tpm_wanted:
                short.append(f"tokens per minute: limit {tpm} < {tpm_wanted} wanted{together}")
    if rpm:
        if rpd is None:
            missing.append("x-ratelimit-limit-requests")
        else:
            sustained = round(rpd / MINUTES_PER_DAY, 1)
            parts.append(f"RPD limit {rpd} (sustains {sustained:g}/min) for {rpm}/min wanted{together}")
            if rpd < rpm * MINUTES_PER_DAY:
                short.append(f"requests: {rpd} per day sustain {sustained:g} per minute < {rpm} wanted{together}")
    if short:
        return insufficient(req.target, "groq", check, f"{req.model}: " + "; ".join(short),
                            "ask Groq for higher limits (console.groq.com/settings/limits) or lower rate_limits", evidence, warnings)
    if missing:
        return unknown(req.target, "groq", check, f"{req.model}: the answer carried no {', '.join(missing)} header", evidence=evidence)
    return ok(req.target, "groq", check, f"{req.model}: " + "; ".join(parts), evidence, warnings)


# ---------------------------------------------------------------------------------------------
# Running


@dataclass
class GroqRun:
    client: GroqClient | None
    pool: FactPool
    notes: list[str] = field(default_factory=list)
    make_client: Callable[[], GroqClient] = GroqClient

    def run(self, requests: list[GroqRequest]) -> Callable[[], list[CheckResult]]:
        if not requests:
            return lambda: []
        client = self.client or self.make_client()
        if not client.api_key:
            self.notes.append(NO_KEY)
            return lambda: [unknown(r.target, "groq", c, NO_KEY) for r in requests
                            for c in ("groq-model",) + (("groq-rate-limits",) if r.wants_limits else ())]
        try:
            client.sdk()
        except SiliconfleetError as exc:
            missing = str(exc)
            self.notes.append(missing)
            return lambda: [unknown(r.target, "groq", "groq-model", missing) for r in requests]
        models = self.pool.fact(("groq:models.list",), fetch_models, client)
        probes = {r.model: self.pool.fact(("groq:chat.completions.create", r.model), fetch_rate_limits, client, r.model)
                  for r in requests if r.wants_limits}

        def judge() -> list[CheckResult]:
            results = []
            listed = outcome(models, GroqCallError, _internal)
            for value in [listed] + [outcome(f, GroqCallError, _internal) for f in probes.values()]:
                note = getattr(value, "note", None)
                if note and note not in self.notes:
                    self.notes.append(note)
            for r in requests:
                results.append(check_model(r, listed))
                if r.wants_limits:
                    peers = tuple(q for q in requests if q.model == r.model and q.target != r.target and q.wants_limits)
                    results.append(check_rate_limits(r, outcome(probes[r.model], GroqCallError, _internal), peers))
            return results

        return judge
