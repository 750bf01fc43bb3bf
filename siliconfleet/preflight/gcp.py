"""Google Cloud preflight for TPU slices of any generation in the catalog: the zone is up, the
accelerator type exists in it, the runtime version exists, and the generation's quota of the
provisioning mode leaves room for the chips (quota IDs per generation: catalog/data/tpu.yaml).

Clients: ``google.cloud.tpu_v2.TpuClient`` on its REST transport, ``compute_v1.ZonesClient`` and
``cloudquotas_v1.CloudQuotasClient``, all imported lazily (``pip install 'siliconfleet[gcp]'``).
Every call is given a retry (transient errors only: 429, 500, 502, 503, 504, connection errors)
and a timeout explicitly: the TPU client has no defaults. Endpoints can be overridden with
``SILICONFLEET_TPU_ENDPOINT``, ``SILICONFLEET_COMPUTE_ENDPOINT`` and
``SILICONFLEET_QUOTAS_ENDPOINT`` (scheme included, ``http://127.0.0.1:PORT`` for a fake).

Cloud Quotas gives the limit, not the usage: the chips in use are counted from the zone's TPU
nodes of the same generation and provisioning mode (nodes being deleted, terminated or preempted
do not count).
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import gcp_zone_region
from ..catalog.tpu import TpuGeneration, default_tpu_generation, tpu_generation, tpu_generations, tpu_types
from ..errors import SiliconfleetError
from .pool import FactPool, Fetched, outcome
from .results import CheckResult, Evidence, insufficient, ok, unknown

INSTALL_HINT = "the Google Cloud checks need the gcp extra: pip install 'siliconfleet[gcp]'"
NO_CREDENTIALS = (
    "Google Cloud: no Application Default Credentials; run `gcloud auth application-default login` "
    "or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file"
)
#: Node states whose chips no longer count against the quota.
RELEASED_STATES = {"DELETING", "TERMINATED", "PREEMPTED", "HIDDEN", "HIDING"}


def quota_data(generation: str | None = None) -> dict[str, Any]:
    """The quota data of a generation (the catalog's first when None), as a plain mapping."""
    gen = tpu_generation(generation) if generation else default_tpu_generation()
    return gen.quotas.model_dump()


def provisioning_modes(generation: str | None = None) -> list[str]:
    return list(quota_data(generation)["provisioning"])


def request_from_target(target: Any) -> TpuRequest:
    """The request of a TPU target: its slices' chips of its generation in its zone."""
    shape = target.shape
    return TpuRequest(
        target=target.name, project=target.project, zone=target.zone, accelerator_type=shape.name,
        runtime_version=target.runtime_version, chips=shape.chips * target.count, provisioning=target.provisioning,
        generation=shape.generation,
    )


def _default_generation() -> str:
    return default_tpu_generation().name


@dataclass(frozen=True)
class TpuRequest:
    """What one TPU target needs: ``chips`` of ``accelerator_type`` (of ``generation``) in ``zone`` of ``project``."""

    target: str
    project: str
    zone: str
    accelerator_type: str
    runtime_version: str
    chips: int
    provisioning: str = "on-demand"
    generation: str = field(default_factory=_default_generation)

    def __post_init__(self) -> None:
        if self.generation not in tpu_generations():
            raise SiliconfleetError(
                f"{self.target}: TPU generation {self.generation!r} is not one of {', '.join(tpu_generations())}"
            )
        modes = provisioning_modes(self.generation)
        if self.provisioning not in modes:
            raise SiliconfleetError(f"{self.target}: provisioning {self.provisioning!r} is not one of {', '.join(modes)}")
        if self.chips < 1:
            raise SiliconfleetError(f"{self.target}: chips must be at least 1, got {self.chips}")

    @property
    def tpu_generation(self) -> TpuGeneration:
        return tpu_generation(self.generation)


class GcpCallError(Exception):
    def __init__(self, *, api: str, location: str, kind: str, message: str, fix: str | None = None, note: str | None = None):
        self.api, self.location, self.kind, self.fix, self.note = api, location, kind, fix, note
        self.message = message
        super().__init__(message)


def _internal(exc: BaseException) -> GcpCallError:
    return GcpCallError(api="preflight", location="", kind="internal",
                        message=f"the check failed inside preflight: {type(exc).__name__}: {exc}")


def _zone_region(zone: str) -> str | None:
    return gcp_zone_region(zone)


def chips_of(accelerator_type: str, topology: str | None = None) -> int | None:
    """Chips of a TPU accelerator type: the catalog row, else the topology, else the -N suffix."""
    row = tpu_types().get(accelerator_type)
    if row is not None:
        return row.chips
    if topology and re.fullmatch(r"\d+(x\d+)*", topology):
        n = 1
        for part in topology.split("x"):
            n *= int(part)
        return n
    m = re.search(r"-(\d+)$", accelerator_type)
    return int(m.group(1)) if m else None


class GcpClients:
    """Makes the three Google clients once each, with explicit retry and timeout on every call."""

    def __init__(
        self,
        *,
        credentials: Any = None,
        tpu_endpoint: str | None = None,
        compute_endpoint: str | None = None,
        quotas_endpoint: str | None = None,
        timeout: float = 20.0,
        retry_deadline: float = 30.0,
        retry_initial: float = 0.5,
    ) -> None:
        try:
            from google.api_core import exceptions as gexc
            from google.api_core import retry as gretry
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise SiliconfleetError(INSTALL_HINT) from exc
        import requests

        self._gexc = gexc
        self.credentials = credentials
        self.tpu_endpoint = tpu_endpoint or os.environ.get("SILICONFLEET_TPU_ENDPOINT")
        self.compute_endpoint = compute_endpoint or os.environ.get("SILICONFLEET_COMPUTE_ENDPOINT")
        self.quotas_endpoint = quotas_endpoint or os.environ.get("SILICONFLEET_QUOTAS_ENDPOINT")
        self.timeout = timeout
        transient = (
            gexc.TooManyRequests, gexc.InternalServerError, gexc.BadGateway, gexc.ServiceUnavailable, gexc.GatewayTimeout,
            requests.exceptions.ConnectionError, requests.exceptions.Timeout,
        )
        self.retry = gretry.Retry(
            predicate=gretry.if_exception_type(*transient), initial=retry_initial, maximum=8.0, multiplier=2.0, timeout=retry_deadline,
        )
        self.calls: Counter[str] = Counter()
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def credentials_problem(self) -> str | None:
        if self.credentials is not None:
            return None
        try:
            import google.auth
            from google.auth.exceptions import DefaultCredentialsError
        except ImportError:  # pragma: no cover
            return INSTALL_HINT
        try:
            self.credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        except DefaultCredentialsError:
            return NO_CREDENTIALS
        return None

    def _make(self, name: str) -> Any:
        with self._lock:
            if name not in self._clients:
                try:
                    from google.cloud import cloudquotas_v1, compute_v1, tpu_v2
                except ImportError as exc:  # pragma: no cover
                    raise SiliconfleetError(INSTALL_HINT) from exc
                kind, endpoint = {
                    "tpu": (tpu_v2.TpuClient, self.tpu_endpoint),
                    "zones": (compute_v1.ZonesClient, self.compute_endpoint),
                    "quotas": (cloudquotas_v1.CloudQuotasClient, self.quotas_endpoint),
                }[name]
                options = {"api_endpoint": endpoint} if endpoint else None
                self._clients[name] = kind(transport="rest", client_options=options, credentials=self.credentials)
            return self._clients[name]

    def tpu(self) -> Any:
        return self._make("tpu")

    def zones(self) -> Any:
        return self._make("zones")

    def quotas(self) -> Any:
        return self._make("quotas")

    def count(self, api: str, location: str) -> None:
        with self._lock:
            self.calls[f"{api}@{location}"] += 1

    def listing(self, api: str, location: str, method: Callable[..., Any], **request: Any) -> list[Any]:
        """Every item of a paged listing; each page is counted as a call."""
        try:
            pager = method(request=request, retry=self.retry, timeout=self.timeout)
            items: list[Any] = []
            self.count(api, location)
            first = True
            for page in pager.pages:
                if not first:
                    self.count(api, location)
                first = False
                items.extend(_page_items(page))
            return items
        except Exception as exc:  # noqa: BLE001 - classified below
            raise self.classify(exc, api, location) from exc

    def get(self, api: str, location: str, method: Callable[..., Any], **request: Any) -> Any:
        self.count(api, location)
        try:
            return method(request=request, retry=self.retry, timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001
            raise self.classify(exc, api, location) from exc

    def classify(self, exc: BaseException, api: str, location: str) -> GcpCallError:
        gexc = self._gexc
        service = {"tpu": "tpu.googleapis.com", "compute": "compute.googleapis.com", "cloudquotas": "cloudquotas.googleapis.com"}[api.split(":")[0]]
        project = location.split("/")[0]
        if isinstance(exc, gexc.GoogleAPICallError):
            reason = getattr(exc, "reason", None)
            meta = getattr(exc, "metadata", None) or {}
            text = f"HTTP {exc.code}: {exc.message}" if exc.code else str(exc)
            if reason == "SERVICE_DISABLED" or "has not been used in project" in str(exc.message) or "it is disabled" in str(exc.message):
                service = meta.get("service", service)
                line = f"Google Cloud: the {service} API is disabled in project {project}; run `gcloud services enable {service} --project {project}`"
                return GcpCallError(api=api, location=location, kind="service-disabled", message=line,
                                    fix=f"gcloud services enable {service} --project {project}", note=line)
            if isinstance(exc, gexc.Unauthorized):  # 401; Unauthenticated is its gRPC-status subclass
                return GcpCallError(api=api, location=location, kind="unauthenticated", message=f"{api} in {location}: credentials rejected ({text})",
                                    fix="gcloud auth application-default login", note=NO_CREDENTIALS)
            if isinstance(exc, gexc.Forbidden):  # 403; PermissionDenied is its gRPC-status subclass
                return GcpCallError(api=api, location=location, kind="permission-denied",
                                    message=f"{api} in {location} was denied ({text})",
                                    fix=f"grant roles/tpu.viewer, roles/compute.viewer and roles/cloudquotas.viewer on project {project}")
            if isinstance(exc, gexc.NotFound):
                return GcpCallError(api=api, location=location, kind="not-found", message=f"{api}: {location} not found ({text})")
            return GcpCallError(api=api, location=location, kind="api-error", message=f"{api} in {location} failed: {text}")
        if isinstance(exc, gexc.RetryError):
            cause = exc.cause
            return GcpCallError(api=api, location=location, kind="retries-exhausted",
                                message=f"{api} in {location} still failed when the retry deadline ran out: {cause}")
        try:
            from google.auth.exceptions import DefaultCredentialsError
        except ImportError:  # pragma: no cover
            DefaultCredentialsError = ()  # type: ignore[assignment]  # noqa: N806
        if DefaultCredentialsError and isinstance(exc, DefaultCredentialsError):
            return GcpCallError(api=api, location=location, kind="no-credentials", message=NO_CREDENTIALS, note=NO_CREDENTIALS)
        return GcpCallError(api=api, location=location, kind="error", message=f"{api} in {location} failed: {type(exc).__name__}: {exc}")


def _page_items(page: Any) -> list[Any]:
    for attr in ("accelerator_types", "runtime_versions", "nodes", "quota_infos"):
        if hasattr(page, attr):
            return list(getattr(page, attr))
    return []


# ---------------------------------------------------------------------------------------------
# Facts


def fetch_zone(clients: GcpClients, project: str, zone: str) -> Fetched:
    z = clients.get("compute:zones.get", f"{project}/{zone}", clients.zones().get, project=project, zone=zone)
    return Fetched("compute:zones.get", zone, {"name": z.name, "status": z.status, "region": z.region.rsplit("/", 1)[-1]})


def fetch_accelerator_types(clients: GcpClients, project: str, zone: str) -> Fetched:
    items = clients.listing("tpu:acceleratorTypes.list", f"{project}/{zone}", clients.tpu().list_accelerator_types,
                            parent=f"projects/{project}/locations/{zone}")
    return Fetched("tpu:acceleratorTypes.list", zone, sorted({a.type_ or a.name.rsplit("/", 1)[-1] for a in items}))


def fetch_runtime_versions(clients: GcpClients, project: str, zone: str) -> Fetched:
    items = clients.listing("tpu:runtimeVersions.list", f"{project}/{zone}", clients.tpu().list_runtime_versions,
                            parent=f"projects/{project}/locations/{zone}")
    return Fetched("tpu:runtimeVersions.list", zone, sorted({v.version or v.name.rsplit("/", 1)[-1] for v in items}))


@dataclass(frozen=True)
class NodeUse:
    chips: dict[str, dict[str, int]]
    """Chips in use per generation and node kind (on-demand, spot, reserved)."""
    nodes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def chips_of(self, generation: str, kind: str) -> int:
        return self.chips.get(generation, {}).get(kind, 0)

    def nodes_of(self, generation: str, kind: str) -> list[str]:
        return self.nodes.get(generation, {}).get(kind, [])


def fetch_nodes(clients: GcpClients, project: str, zone: str) -> Fetched:
    items = clients.listing("tpu:nodes.list", f"{project}/{zone}", clients.tpu().list_nodes, parent=f"projects/{project}/locations/{zone}")
    chips: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for node in items:
        state = node.state.name if hasattr(node.state, "name") else str(node.state)
        atype = node.accelerator_type or ""
        topology = node.accelerator_config.topology if node.accelerator_config else None
        config_type = node.accelerator_config.type_ if node.accelerator_config else None
        gen = next((g for g in tpu_generations().values() if g.owns(atype, config_type)), None)
        if state in RELEASED_STATES or gen is None:
            continue
        sched = node.scheduling_config
        kind = "reserved" if sched and sched.reserved else "spot" if sched and (sched.spot or sched.preemptible) else "on-demand"
        n = chips_of(atype, topology) or 0
        chips[gen.name][kind] += n
        names[gen.name][kind].append(f"{node.name.rsplit('/', 1)[-1]} ({atype or topology}, {n} chips)")
    return Fetched("tpu:nodes.list", zone, NodeUse({g: dict(c) for g, c in chips.items()},
                                                   {g: dict(n) for g, n in names.items()}))


def fetch_quota_infos(clients: GcpClients, project: str, service: str) -> Fetched:
    items = clients.listing("cloudquotas:quotaInfos.list", project, clients.quotas().list_quota_infos,
                            parent=f"projects/{project}/locations/global/services/{service}")
    infos = {}
    for q in items:
        dims = [
            {"dimensions": dict(d.dimensions), "value": int(d.details.value) if d.details else None}
            for d in q.dimensions_infos
        ]
        infos[q.quota_id] = dims
    return Fetched("cloudquotas:quotaInfos.list", project, infos)


# ---------------------------------------------------------------------------------------------
# Judging


def _ev(f: Fetched, figures: dict[str, Any]) -> Evidence:
    return Evidence(api=f.api, location=f.location, figures=figures, at=f.at)


def check_accelerator_type(req: TpuRequest, zone: Fetched | GcpCallError, types: Fetched | GcpCallError) -> CheckResult:
    check = "tpu-accelerator-type"
    if isinstance(zone, GcpCallError):
        if zone.kind == "not-found":
            return insufficient(req.target, "gcp", check, f"zone {req.zone} does not exist for project {req.project}",
                                f"gcloud compute zones list --project {req.project}")
        return unknown(req.target, "gcp", check, zone.message, zone.fix)
    evidence = [_ev(zone, zone.value)]
    if zone.value["status"] != "UP":
        return insufficient(req.target, "gcp", check, f"zone {req.zone} is {zone.value['status']}", "choose a zone that is UP", evidence)
    if isinstance(types, GcpCallError):
        return unknown(req.target, "gcp", check, types.message, types.fix, evidence)
    evidence.append(_ev(types, {"accelerator_types": types.value}))
    if req.accelerator_type in types.value:
        return ok(req.target, "gcp", check, f"{req.accelerator_type} exists in {req.zone} (zone UP)", evidence)
    gen = req.tpu_generation
    same = [t for t in types.value if t.startswith(gen.accelerator_type_prefix)]
    return insufficient(
        req.target, "gcp", check, f"{req.accelerator_type} is not offered in {req.zone}",
        f"choose one of {', '.join(same)} in {req.zone}" if same
        else f"choose a zone that offers {gen.display} (gcloud compute tpus accelerator-types list --zone ZONE)",
        evidence,
    )


def check_runtime_version(req: TpuRequest, versions: Fetched | GcpCallError) -> CheckResult:
    check = "tpu-runtime-version"
    if isinstance(versions, GcpCallError):
        return unknown(req.target, "gcp", check, versions.message, versions.fix)
    evidence = [_ev(versions, {"runtime_versions": versions.value})]
    if req.runtime_version in versions.value:
        return ok(req.target, "gcp", check, f"runtime version {req.runtime_version} exists in {req.zone}", evidence)
    pattern = re.compile(req.tpu_generation.runtime_version_pattern)
    near = [v for v in versions.value if pattern.search(v)]
    return insufficient(
        req.target, "gcp", check, f"runtime version {req.runtime_version} does not exist in {req.zone}",
        f"use one of {', '.join(near or versions.value[:8])}", evidence,
    )


def _limit_for(dims: list[dict[str, Any]], zone: str) -> tuple[int | None, dict[str, str]]:
    region = _zone_region(zone)
    for want in ({"zone": zone}, {"region": region}, {}):
        for d in dims:
            if d["dimensions"] == want and d["value"] is not None:
                return d["value"], d["dimensions"]
    return None, {}


def check_tpu_quota(
    req: TpuRequest, fleet_chips: int, sharing: list[str], quota_infos: Fetched | GcpCallError, nodes: Fetched | GcpCallError
) -> CheckResult:
    """Quota of the provisioning mode in the zone, minus chips in use, against the chips needed."""
    check = "tpu-quota"
    quotas = quota_data(req.generation)
    mode = quotas["provisioning"][req.provisioning]
    if not mode["quota_ids"]:
        return unknown(req.target, "gcp", check, f"{req.provisioning} in {req.zone}: {mode['gate'].replace('ZONE', req.zone)}")
    if isinstance(quota_infos, GcpCallError):
        return unknown(req.target, "gcp", check, f"TPU quota could not be read: {quota_infos.message}", quota_infos.fix)
    if isinstance(nodes, GcpCallError):
        return unknown(req.target, "gcp", check, f"chips in use in {req.zone} could not be counted: {nodes.message}", nodes.fix)
    quota_id = next((q for q in mode["quota_ids"] if q in quota_infos.value), None)
    if quota_id is None:
        hint = quotas["quota_id_hint"]
        seen = sorted(q for q in quota_infos.value if hint.upper() in q.upper())
        return unknown(
            req.target, "gcp", check,
            f"none of the quota IDs {', '.join(mode['quota_ids'])} is listed for {quotas['service']} in project {req.project}"
            f" ({hint} quota IDs listed: {', '.join(seen) or 'none'})" + ("; the IDs are UNVERIFIED" if quotas.get("unverified") else ""),
        )
    limit, dims = _limit_for(quota_infos.value[quota_id], req.zone)
    if limit is None:
        return unknown(req.target, "gcp", check, f"{quota_id} has no value for {req.zone} or its region in project {req.project}")
    in_use = nodes.value.chips_of(req.generation, mode["nodes"])
    evidence = [
        _ev(quota_infos, {"quota_id": quota_id, "dimensions": dims, "limit_chips": limit, "quota_id_unverified": bool(quotas.get("unverified"))}),
        _ev(nodes, {"provisioning": req.provisioning, "chips_in_use": in_use, "nodes": nodes.value.nodes_of(req.generation, mode["nodes"])}),
    ]
    together = f"; {fleet_chips} with {', '.join(sharing)}" if sharing else ""
    if limit < 0:
        return ok(req.target, "gcp", check, f"{quota_id} in {req.zone} is unlimited; needs {req.chips} chips", evidence)
    headroom = limit - in_use
    text = f"{quota_id} in {req.zone}: limit {limit} chips, {in_use} in use, headroom {headroom}; needs {req.chips}{together}"
    if headroom >= fleet_chips:
        return ok(req.target, "gcp", check, text, evidence)
    desired = in_use + fleet_chips
    where = f"--dimensions=zone={req.zone} " if dims.get("zone") else ""
    return insufficient(
        req.target, "gcp", check, text,
        f"request {desired} chips: gcloud beta quotas preferences create --service={quotas['service']} --quota-id={quota_id} "
        f"{where}--preferred-value={desired} --project={req.project}",
        evidence,
    )


# ---------------------------------------------------------------------------------------------
# Running


@dataclass
class GcpRun:
    clients: GcpClients | None
    pool: FactPool
    notes: list[str] = field(default_factory=list)
    make_clients: Callable[[], GcpClients] = GcpClients

    def run(self, requests: list[TpuRequest]) -> Callable[[], list[CheckResult]]:
        if not requests:
            return lambda: []
        try:
            clients = self.clients or self.make_clients()
        except SiliconfleetError as exc:
            clients, problem = None, str(exc)
        else:
            problem = clients.credentials_problem()
        if problem:
            self.notes.append(problem)
            return lambda: [unknown(r.target, "gcp", c, problem) for r in requests
                            for c in ("tpu-accelerator-type", "tpu-runtime-version", "tpu-quota")]
        assert clients is not None
        self.clients = clients
        pool = self.pool
        futures: dict[str, dict[str, Any]] = {}
        for r in requests:
            p, z = r.project, r.zone
            futures[r.target] = {
                "zone": pool.fact(("compute:zones.get", p, z), fetch_zone, clients, p, z),
                "types": pool.fact(("tpu:acceleratorTypes.list", p, z), fetch_accelerator_types, clients, p, z),
                "versions": pool.fact(("tpu:runtimeVersions.list", p, z), fetch_runtime_versions, clients, p, z),
                "nodes": pool.fact(("tpu:nodes.list", p, z), fetch_nodes, clients, p, z),
                "quotas": pool.fact(("cloudquotas:quotaInfos.list", p, service := quota_data(r.generation)["service"]),
                                    fetch_quota_infos, clients, p, service),
            }

        def judge() -> list[CheckResult]:
            results: list[CheckResult] = []
            for r in requests:
                got = {k: outcome(f, GcpCallError, _internal) for k, f in futures[r.target].items()}
                for value in got.values():
                    note = getattr(value, "note", None)
                    if note and note not in self.notes:
                        self.notes.append(note)
                same_quota = quota_data(r.generation)["provisioning"][r.provisioning]["quota_ids"]
                peers = [q for q in requests if (q.project, q.zone, q.generation) == (r.project, r.zone, r.generation)
                         and quota_data(q.generation)["provisioning"][q.provisioning]["quota_ids"] == same_quota]
                fleet_chips = sum(q.chips for q in peers)
                sharing = [q.target for q in peers if q.target != r.target]
                results.append(check_accelerator_type(r, got["zone"], got["types"]))
                results.append(check_runtime_version(r, got["versions"]))
                results.append(check_tpu_quota(r, fleet_chips, sharing, got["quotas"], got["nodes"]))
            return results

        return judge
