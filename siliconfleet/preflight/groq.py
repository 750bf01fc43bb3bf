"""Groq preflight: the hosted API checks (preflight/hosted.py) with Groq's official SDK as client.

The key comes from ``GROQ_API_KEY`` only (never a file) and is never printed: messages are
scrubbed of it. ``GROQ_BASE_URL`` points the SDK elsewhere (a fake, a proxy). The SDK is imported
lazily (``pip install 'siliconfleet[groq]'``). Groq sends its limits per model on completions:
``x-ratelimit-limit-tokens`` is the tokens-per-minute limit and ``x-ratelimit-limit-requests``
the requests-per-day limit (Groq's rate-limit docs; the header names are catalog data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalog.hosted import HostedProvider, hosted_provider
from ..errors import SiliconfleetError
from .hosted import (
    MINUTES_PER_DAY,
    PROBE_PROMPT,
    HostedCallError,
    HostedModelInfo,
    HostedRequest,
    HostedRun,
    RateLimits,
    _Counting,
    bad_key,
    check_model,
    check_rate_limits,
    no_key,
    request_fields,
)
from .pool import FactPool, Fetched

__all__ = [
    "BAD_KEY", "INSTALL_HINT", "MINUTES_PER_DAY", "NO_KEY", "PROBE_PROMPT", "GroqCallError", "GroqClient", "GroqModelInfo",
    "GroqRequest", "GroqRun", "RateLimits", "check_model", "check_rate_limits", "fetch_models", "fetch_rate_limits",
    "request_from_target",
]

PROVIDER = "groq"
INSTALL_HINT = "the Groq checks need the groq extra: pip install 'siliconfleet[groq]'"
NO_KEY = no_key(hosted_provider(PROVIDER))
BAD_KEY = bad_key(hosted_provider(PROVIDER), 0).replace("HTTP 0", "HTTP {status}")

GroqCallError = HostedCallError
GroqModelInfo = HostedModelInfo


@dataclass(frozen=True)
class GroqRequest(HostedRequest):
    """A hosted API request for Groq."""

    provider: str = field(default=PROVIDER, kw_only=True)


def request_from_target(target: Any) -> GroqRequest:
    """The request of a ``groq`` target: its model, context and rate limits."""
    return GroqRequest(**request_fields(target))


class GroqClient(_Counting):
    """The SDK client with explicit retries and timeouts; counts calls; scrubs the key from messages."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, max_retries: int = 2,
                 timeout: float = 20.0, connect_timeout: float = 5.0, client: Any = None,
                 provider: HostedProvider | None = None) -> None:
        super().__init__(provider or hosted_provider(PROVIDER), api_key)
        import os

        self.base_url = base_url or os.environ.get(self.provider.base_url_env) or None
        self.max_retries = max_retries
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

    def ready(self) -> None:
        self.sdk()

    def classify(self, exc: BaseException, api: str) -> HostedCallError:
        import groq

        where = self.base_url or "api.groq.com"
        if isinstance(exc, groq.APIStatusError):
            status = exc.status_code
            headers = {k.lower(): v for k, v in exc.response.headers.items()}
            if status in (401, 403) and isinstance(exc, (groq.AuthenticationError, groq.PermissionDeniedError)):
                line = bad_key(self.provider, status)
                return HostedCallError(api=api, kind="auth", message=line, note=line, fix=f"export a valid {self.provider.api_key_env}")
            text = self.scrub(str(exc))
            kind = "rate-limited" if status == 429 else "not-found" if status == 404 else "api-error"
            return HostedCallError(api=api, kind=kind, headers=headers,
                                   message=f"{api} at {where} failed with HTTP {status} after {self.max_retries + 1} attempts: {text}"
                                   if status == 429 or status >= 500 else f"{api} at {where} failed with HTTP {status}: {text}")
        if isinstance(exc, groq.APITimeoutError):
            return HostedCallError(api=api, kind="timeout", message=f"{api} at {where}: no answer in time after {self.max_retries + 1} attempts")
        if isinstance(exc, groq.APIConnectionError):
            return HostedCallError(api=api, kind="connection", message=f"{api}: could not connect to {where} after {self.max_retries + 1} attempts")
        return HostedCallError(api=api, kind="error", message=self.scrub(f"{api} failed: {type(exc).__name__}: {exc}"))

    def fetch_models(self) -> Fetched:
        api = f"{self.provider.name}:models.list"
        self.count(api)
        try:
            page = self.sdk().models.list()
        except Exception as exc:  # noqa: BLE001
            raise self.classify(exc, api) from None
        models = {}
        for m in page.data:
            extra = m.model_extra or {}
            models[m.id] = HostedModelInfo(m.id, extra.get("active"), extra.get("context_window"), extra.get("max_completion_tokens"))
        return Fetched(api, self.provider.name, models)

    def fetch_rate_limits(self, model: str) -> Fetched:
        """The rate-limit headers for ``model``, from a one-token completion (a 429 still carries them)."""
        api = f"{self.provider.name}:chat.completions.create"
        self.count(api)
        try:
            raw = self.sdk().chat.completions.with_raw_response.create(
                model=model, messages=[{"role": "user", "content": PROBE_PROMPT}], max_completion_tokens=1,
            )
            return Fetched(api, model, RateLimits(self.limit_headers({k.lower(): v for k, v in raw.headers.items()})))
        except Exception as exc:  # noqa: BLE001
            err = self.classify(exc, api)
        limits = self.limit_headers(err.headers)
        if err.kind == "rate-limited" and limits:
            return Fetched(api, model, RateLimits(limits, rate_limited_now=True))
        raise err


def fetch_models(client: GroqClient) -> Fetched:
    return client.fetch_models()


def fetch_rate_limits(client: GroqClient, model: str) -> Fetched:
    return client.fetch_rate_limits(model)


class GroqRun(HostedRun):
    """The hosted checks of Groq requests: ``GroqRun(client, pool, notes=...)`` as in earlier versions."""

    def __init__(self, client: GroqClient | None, pool: FactPool, notes: list[str] | None = None,
                 make_client: Callable[[HostedProvider], Any] | None = None) -> None:
        super().__init__(hosted_provider(PROVIDER), client, pool, notes if notes is not None else [],
                         make_client or (lambda provider: GroqClient(provider=provider)))
