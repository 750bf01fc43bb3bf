"""Run the preflight checks of a fleet (or of explicit requests) and collect one Report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SiliconfleetError
from .aws import AwsRun, AwsTargetRequest
from .aws_clients import AwsClients
from .gcp import GcpClients, GcpRun, TpuRequest
from .groq import GroqClient
from .hosted import HostedClient, HostedRequest, HostedRun
from .pool import FactPool, Progress
from .registry import TARGET_CHECKS
from .results import CheckResult, Report, unknown


@dataclass(frozen=True)
class PreflightOptions:
    concurrency: int = 16
    """Threads fetching facts at once (and the size of each boto3 client's connection pool)."""
    max_attempts: int = 4
    """HTTP attempts per AWS call, the first included (botocore's total_max_attempts)."""
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    min_spot_score: int = 5
    """Spot placement scores below this (1-10) are insufficient."""

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise SiliconfleetError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.max_attempts < 1:
            raise SiliconfleetError(f"max_attempts counts the first attempt too: give at least 1, got {self.max_attempts}")
        if not 1 <= self.min_spot_score <= 10:
            raise SiliconfleetError(f"min_spot_score is a spot placement score from 1 to 10, got {self.min_spot_score}")


Request = AwsTargetRequest | TpuRequest | HostedRequest


def aws_clients_for(options: PreflightOptions, session: Any = None) -> AwsClients:
    """The client factory sized for ``options``: the one way preflight makes boto3 clients."""
    return AwsClients(
        session=session, max_attempts=options.max_attempts, connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout, max_pool_connections=options.concurrency,
    )


def requests_of(fleet: Any) -> tuple[list[Request], list[CheckResult]]:
    """Each target's request through the registry; targets of a kind without checks are unknown."""
    requests: list[Request] = []
    orphans: list[CheckResult] = []
    for target in fleet.targets:
        entry = TARGET_CHECKS.get(target.kind)
        if entry is None:
            orphans.append(unknown(target.name, "fleet", "preflight", f"no preflight checks exist for target kind {target.kind!r} yet"))
            continue
        requests.append(entry.request(target))
    return requests, orphans


def run_requests(
    requests: Iterable[Request],
    *,
    fleet_name: str = "",
    options: PreflightOptions | None = None,
    aws_clients: AwsClients | None = None,
    gcp_clients: GcpClients | None = None,
    groq_client: GroqClient | None = None,
    hosted_clients: dict[str, HostedClient] | None = None,
    progress: Progress | None = None,
    home_region: str | None = None,
    extra_results: Iterable[CheckResult] = (),
) -> Report:
    """Run the checks of explicit requests: the API behind ``preflight`` and the way to check a
    TPU or hosted API target before its kind exists in the fleet file. ``hosted_clients`` gives a
    client per hosted provider (``groq_client``: Groq's); others are made from the catalog."""
    options = options or PreflightOptions()
    requests = list(requests)
    aws_reqs = [r for r in requests if isinstance(r, AwsTargetRequest)]
    gcp_reqs = [r for r in requests if isinstance(r, TpuRequest)]
    hosted_reqs: dict[str, list[HostedRequest]] = {}
    for r in requests:
        if isinstance(r, HostedRequest):
            hosted_reqs.setdefault(r.provider, []).append(r)
    clients: dict[str, HostedClient] = dict(hosted_clients or {})
    if groq_client is not None:
        clients.setdefault(groq_client.provider.name, groq_client)
    notes: list[str] = []
    order = {r.target: i for i, r in enumerate(requests)}
    with FactPool(options.concurrency, progress) as pool:
        aws_clients = aws_clients or (aws_clients_for(options) if aws_reqs else None)
        runs = []
        if aws_reqs:
            assert aws_clients is not None
            runs.append(AwsRun(aws_clients, pool, min_spot_score=options.min_spot_score, home_region=home_region, notes=notes).run(aws_reqs))
        if gcp_reqs:
            gcp = GcpRun(gcp_clients, pool, notes=notes)
            runs.append(gcp.run(gcp_reqs))
            gcp_clients = gcp_clients or gcp.clients
        for provider, reqs in hosted_reqs.items():
            run = HostedRun(reqs[0].hosted_provider, clients.get(provider), pool, notes=notes)
            runs.append(run.run(reqs))
            clients[provider] = run.client
        results = [r for judge in runs for r in judge()]
    results.sort(key=lambda r: order.get(r.target, len(order)))
    calls: dict[str, int] = {}
    attempts: dict[str, int] = {}
    for source in (aws_clients, gcp_clients, *clients.values()):
        if source is not None:
            calls.update(source.calls)
    if aws_clients is not None:
        attempts.update(aws_clients.attempts)
    return Report(
        fleet=fleet_name, results=tuple(list(extra_results) + results), notes=tuple(dict.fromkeys(notes)),
        api_calls=calls, attempts=attempts,
    )


def preflight(fleet: Any, **kwargs: Any) -> Report:
    """Every check of every target of a validated Fleet; keyword arguments as for run_requests."""
    requests, orphans = requests_of(fleet)
    report = run_requests(requests, fleet_name=fleet.fleet, extra_results=orphans, **kwargs)
    order = {t.name: i for i, t in enumerate(fleet.targets)}
    return report.model_copy(update={"results": tuple(sorted(report.results, key=lambda r: order.get(r.target, len(order))))})


def preflight_file(path: str | Path, **kwargs: Any) -> Report:
    """Load and validate a fleet file (SiliconfleetError on bad input), then run its checks."""
    from ..spec import load_fleet

    return preflight(load_fleet(path), **kwargs)
