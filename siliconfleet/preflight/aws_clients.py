"""The one place preflight makes boto3 clients, and how their failures are read.

Every client comes from :class:`AwsClients`: botocore's standard retry mode with an explicit total
attempt count, connect and read timeouts, and a connection pool as large as the thread pool.
Throttling and 5xx answers, read and connect timeouts are retried within that budget by botocore
itself; authentication failures, opt-in-required regions and access denied are not retried (they
are not retryable in botocore's standard mode) and become an :class:`AwsCallError` whose scope
says what it spoils: the whole run (credentials), one region, or just the one call.

boto3 honours ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``) on its own, which is how
tests and the benchmark point every client at moto.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, Literal

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.parsers import ResponseParserError

Scope = Literal["global", "region", "call"]

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "SlowDown", "EC2ThrottledException", "BandwidthLimitExceeded",
    "LimitExceededException", "ProvisionedThroughputExceededException",
})
ACCESS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
})
REGION_CODES = frozenset({"AuthFailure", "OptInRequired", "InvalidClientTokenId", "UnrecognizedClientException"})
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})

#: One actionable line per environment problem.
NO_CREDENTIALS = (
    "AWS: no credentials found; run `aws configure sso` (or `aws configure`) and set AWS_PROFILE, "
    "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)
SSO_EXPIRED = "AWS: the SSO session has expired or was never started; run `aws sso login{profile}` and retry"
TOKEN_EXPIRED = "AWS: the session credentials have expired; refresh them (`aws sso login{profile}`, or new STS credentials) and retry"


class AwsCallError(Exception):
    """An AWS call that failed for good (after the retries it deserved)."""

    def __init__(self, *, api: str, location: str, kind: str, scope: Scope, message: str, attempts: int, fix: str | None = None):
        self.api = api
        self.location = location
        self.kind = kind
        self.scope = scope
        self.message = message
        self.attempts = attempts
        self.fix = fix
        super().__init__(message)


class _CallState(threading.local):
    """HTTP attempts of the call in progress on this thread (reset by before-call)."""

    attempts = 0


class AwsClients:
    """Makes and caches one client per (service, region); counts calls and HTTP attempts.

    ``max_attempts`` is the total number of HTTP attempts per call, the first included
    (botocore's ``total_max_attempts``).
    """

    def __init__(
        self,
        *,
        session: boto3.session.Session | None = None,
        max_attempts: int = 4,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_pool_connections: int = 16,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts counts the first attempt too: give at least 1")
        self.session = session or boto3.session.Session()
        self.max_attempts = max_attempts
        self.config = Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool_connections,
            user_agent_extra="siliconfleet-preflight",
        )
        self.calls: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}
        self._hooks: list[Callable[[Any], None]] = []
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._state = _CallState()

    # -- clients --------------------------------------------------------------------------

    def add_client_hook(self, hook: Callable[[Any], None]) -> None:
        """Run ``hook(client)`` on every client made, now and later (tests attach Stubbers and faults)."""
        with self._lock:
            self._hooks.append(hook)
            clients = list(self._clients.values())
        for client in clients:
            hook(client)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)  # made clients are read without waiting on one being made
        if client is not None:
            return client
        with self._lock:  # boto3 sessions are not thread-safe (clients are): make one client at a time
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(service, region_name=region, config=self.config)
                self._count_on(client, service, region)
                for hook in self._hooks:
                    hook(client)
                self._clients[key] = client
        return client

    def _count_on(self, client: Any, service: str, region: str) -> None:
        def before_call(model: Any, **_: Any) -> None:
            self._state.attempts = 0
            with self._count_lock:
                self.calls[f"{service}:{model.name}@{region}"] += 1

        def before_send(event_name: str, **_: Any) -> None:
            self._state.attempts += 1
            with self._count_lock:
                self.attempts[f"{service}:{event_name.rsplit('.', 1)[-1]}@{region}"] += 1

        client.meta.events.register_first("before-call.*.*", before_call)
        client.meta.events.register_first("before-send.*.*", before_send)

    # -- calls ----------------------------------------------------------------------------

    def call(self, service: str, region: str, operation: str, **params: Any) -> dict[str, Any]:
        """One API call; failures become AwsCallError (after botocore's retries)."""
        client = self.client(service, region)
        method = getattr(client, xform_name(operation))
        try:
            return method(**params)
        except Exception as exc:  # noqa: BLE001 - every failure is classified, none is swallowed
            raise self.classify(exc, service, operation, region) from exc

    def pages(self, service: str, region: str, operation: str, **params: Any) -> list[dict[str, Any]]:
        """Every page of a listing (botocore's paginator follows NextToken)."""
        client = self.client(service, region)
        try:
            return list(client.get_paginator(xform_name(operation)).paginate(**params))
        except Exception as exc:  # noqa: BLE001
            raise self.classify(exc, service, operation, region) from exc

    def check_credentials(self) -> str | None:
        """None when credentials resolve; else the one actionable line that says how to get them."""
        profile = self.session.profile_name
        suffix = f" --profile {profile}" if profile and profile != "default" else ""
        try:
            creds = self.session.get_credentials()
            if creds is None:
                return NO_CREDENTIALS
            creds.get_frozen_credentials()
        except (UnauthorizedSSOTokenError, SSOTokenLoadError):
            return SSO_EXPIRED.format(profile=suffix)
        except TokenRetrievalError as exc:
            if "sso" in str(exc).lower():
                return SSO_EXPIRED.format(profile=suffix)
            return TOKEN_EXPIRED.format(profile=suffix)
        except (NoCredentialsError, PartialCredentialsError):
            return NO_CREDENTIALS
        except BotoCoreError as exc:
            return f"AWS: credentials could not be loaded ({exc}); check AWS_PROFILE and ~/.aws/config"
        return None

    def classify(self, exc: BaseException, service: str, operation: str, region: str) -> AwsCallError:
        api = f"{service}:{operation}"
        attempts = max(self._state.attempts, 1)
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        profile = self.session.profile_name
        suffix = f" --profile {profile}" if profile and profile != "default" else ""
        if isinstance(exc, (UnauthorizedSSOTokenError, SSOTokenLoadError)):
            return AwsCallError(api=api, location=region, kind="sso-expired", scope="global", attempts=attempts,
                                message=SSO_EXPIRED.format(profile=suffix))
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            return AwsCallError(api=api, location=region, kind="no-credentials", scope="global", attempts=attempts,
                                message=NO_CREDENTIALS)
        if isinstance(exc, TokenRetrievalError):
            return AwsCallError(api=api, location=region, kind="sso-expired", scope="global", attempts=attempts,
                                message=SSO_EXPIRED.format(profile=suffix))
        if isinstance(exc, NoRegionError):
            return AwsCallError(api=api, location=region, kind="no-region", scope="global", attempts=attempts,
                                message="AWS: no region configured; set AWS_REGION")
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            text = _one_line(str(error.get("Message", "")))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            detail = f"{code}{f' (HTTP {status})' if status else ''}{f': {text}' if text else ''}"
            if code == "OptInRequired":
                return AwsCallError(
                    api=api, location=region, kind="opt-in-required", scope="region", attempts=attempts,
                    message=f"{api} in {region} failed after {tries} with OptInRequired: the region is not enabled for this account",
                    fix=f"aws account enable-region --region-name {region}",
                )
            if code in REGION_CODES:
                return AwsCallError(
                    api=api, location=region, kind="auth-failure", scope="region", attempts=attempts,
                    message=f"{api} in {region} failed after {tries} with {detail}: these credentials are not valid in {region}",
                    fix=f"check that {region} is enabled for the account and that the credentials are current",
                )
            if code in EXPIRED_CODES:
                return AwsCallError(api=api, location=region, kind="token-expired", scope="global", attempts=attempts,
                                    message=TOKEN_EXPIRED.format(profile=suffix))
            if code in ACCESS_DENIED_CODES:
                return AwsCallError(
                    api=api, location=region, kind="access-denied", scope="region", attempts=attempts,
                    message=f"{api} in {region} was denied after {tries} ({code})",
                    fix=f"allow {api} to the caller (the README's Preflight section has the minimal read-only policy)",
                )
            if code in THROTTLING_CODES:
                return AwsCallError(api=api, location=region, kind="throttled", scope="call", attempts=attempts,
                                    message=f"{api} in {region} was still throttled after {tries} ({code})",
                                    fix="run preflight again later, or with fewer --concurrency")
            if isinstance(status, int) and status >= 500:
                return AwsCallError(api=api, location=region, kind="server-error", scope="call", attempts=attempts,
                                    message=f"{api} in {region} failed after {tries} with {detail}")
            return AwsCallError(api=api, location=region, kind="client-error", scope="call", attempts=attempts,
                                message=f"{api} in {region} failed after {tries} with {detail}")
        if isinstance(exc, ReadTimeoutError):
            return AwsCallError(api=api, location=region, kind="read-timeout", scope="call", attempts=attempts,
                                message=f"{api} in {region}: no answer within the read timeout, {tries}")
        if isinstance(exc, (ConnectTimeoutError, EndpointConnectionError)):
            return AwsCallError(api=api, location=region, kind="connect-failure", scope="call", attempts=attempts,
                                message=f"{api} in {region}: could not connect to the endpoint, {tries} ({exc})")
        if isinstance(exc, ResponseParserError):
            return AwsCallError(api=api, location=region, kind="bad-response", scope="call", attempts=attempts,
                                message=f"{api} in {region}: the endpoint's answer is not a valid AWS response ({tries}); "
                                        "check AWS_ENDPOINT_URL or any proxy in between")
        if isinstance(exc, NotImplementedError):
            return AwsCallError(api=api, location=region, kind="not-implemented", scope="call", attempts=attempts,
                                message=f"{api} in {region}: the endpoint does not implement this operation ({exc})")
        return AwsCallError(api=api, location=region, kind="error", scope="call", attempts=attempts,
                            message=f"{api} in {region} failed after {tries}: {type(exc).__name__}: {_one_line(str(exc))}")


def _one_line(text: str, limit: int = 300) -> str:
    """Messages go in a table cell: one line, not a page of HTML."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."

