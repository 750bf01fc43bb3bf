"""TPU v5e checks against a loopback HTTP fake of the TPU (v2), Compute (zones) and Cloud Quotas
REST APIs, driven by the real google-cloud-tpu, google-cloud-compute and google-cloud-quotas
clients with AnonymousCredentials; endpoints come from SILICONFLEET_*_ENDPOINT."""

from __future__ import annotations

import pytest
from google.auth.credentials import AnonymousCredentials

from siliconfleet.errors import SiliconfleetError
from siliconfleet.preflight import GcpClients, Status, TpuRequest, preflight, requests_of, run_requests
from siliconfleet.preflight.gcp import GcpRun, chips_of
from siliconfleet.preflight.pool import FactPool
from siliconfleet.spec import validate_fleet

from .conftest import fleet_doc
from .fakes import LoopbackServer, google_error, sequence

P, Z = "acme-ml", "us-central1-a"
TPU = rf"/v2/projects/{P}/locations/(?P<zone>[^/]+)"
ON_DEMAND, SPOT = "TPUV5sLitepodPerProjectPerZoneForTPUAPI", "TPUV5sPreemptibleLitepodPerProjectPerZoneForTPUAPI"


def paged(key: str, pages: list[list[dict]]):
    """A list handler serving ``pages`` by pageToken ('1', '2', ...)."""
    def handler(req):
        i = int(req.query.get("pageToken", ["0"])[0] or 0)
        body = {key: pages[i]}
        if i + 1 < len(pages):
            body["nextPageToken"] = str(i + 1)
        return 200, {}, body
    return handler


def node(name: str, atype: str, state: str = "READY", **sched) -> dict:
    return {"name": f"projects/{P}/locations/{Z}/nodes/{name}", "acceleratorType": atype, "state": state, "schedulingConfig": sched}


def quota_info(quota_id: str, zone_value: int | None = None, default: int | None = None) -> dict:
    dims = []
    if zone_value is not None:
        dims.append({"dimensions": {"zone": Z}, "details": {"value": str(zone_value)}, "applicableLocations": [Z]})
    if default is not None:
        dims.append({"dimensions": {}, "details": {"value": str(default)}, "applicableLocations": ["global"]})
    return {"name": f"projects/{P}/locations/global/services/tpu.googleapis.com/quotaInfos/{quota_id}", "quotaId": quota_id,
            "service": "tpu.googleapis.com", "dimensionsInfos": dims}


@pytest.fixture
def google(monkeypatch):
    server = LoopbackServer()
    server.route("GET", rf"/compute/v1/projects/{P}/zones/(?P<zone>[^/]+)",
                 lambda r: (200, {}, {"name": r.match["zone"], "status": "UP", "region": f"https://x/compute/v1/projects/{P}/regions/us-central1"})
                 if r.match["zone"].startswith("us-") else (404, {}, google_error(404, "NOT_FOUND", "The resource was not found")))
    server.route("GET", TPU + "/acceleratorTypes", paged("acceleratorTypes", [
        [{"name": f"projects/{P}/locations/{Z}/acceleratorTypes/v5litepod-1", "type": "v5litepod-1"}],
        [{"name": f"projects/{P}/locations/{Z}/acceleratorTypes/v5litepod-4", "type": "v5litepod-4"}],
        [{"name": f"projects/{P}/locations/{Z}/acceleratorTypes/v5litepod-8", "type": "v5litepod-8"}],
    ]))
    server.route("GET", TPU + "/runtimeVersions", paged("runtimeVersions", [
        [{"name": f"projects/{P}/locations/{Z}/runtimeVersions/v2-alpha-tpuv5-lite", "version": "v2-alpha-tpuv5-lite"},
         {"name": f"projects/{P}/locations/{Z}/runtimeVersions/tpu-ubuntu2204-base", "version": "tpu-ubuntu2204-base"}],
    ]))
    server.route("GET", TPU + "/nodes", paged("nodes", [
        [node("serving-a", "v5litepod-4"), node("old", "v5litepod-8", state="DELETING")],
        [node("batch", "v5litepod-8", spot=True), node("v4", "v4-8")],
    ]))
    server.route("GET", rf"/v1/projects/{P}/locations/global/services/tpu.googleapis.com/quotaInfos", paged("quotaInfos", [
        [quota_info(ON_DEMAND, zone_value=16, default=0)],
        [quota_info(SPOT, zone_value=32)],
    ]))
    with server:
        for name in ("SILICONFLEET_TPU_ENDPOINT", "SILICONFLEET_COMPUTE_ENDPOINT", "SILICONFLEET_QUOTAS_ENDPOINT"):
            monkeypatch.setenv(name, server.url)
        yield server


def clients() -> GcpClients:
    return GcpClients(credentials=AnonymousCredentials(), timeout=5, retry_deadline=5, retry_initial=0.01)


def tpu(name: str = "tpu-a", **fields) -> TpuRequest:
    base = dict(target=name, project=P, zone=Z, accelerator_type="v5litepod-4", runtime_version="v2-alpha-tpuv5-lite", chips=4)
    base.update(fields)
    return TpuRequest(**base)


def checks(report, target="tpu-a"):
    return {r.check: r for r in report.results if r.target == target}


def test_a_tpu_target_that_fits_is_ok(google):
    made = clients()
    report = run_requests([tpu()], gcp_clients=made)
    got = checks(report)
    assert {c: r.status for c, r in got.items()} == {
        "tpu-accelerator-type": Status.OK, "tpu-runtime-version": Status.OK, "tpu-quota": Status.OK,
    }
    quota = got["tpu-quota"]
    # 16 chips in the zone; 4 in use on demand (the DELETING node and the spot node do not count)
    assert quota.summary == f"{ON_DEMAND} in {Z}: limit 16 chips, 4 in use, headroom 12; needs 4"
    assert quota.evidence[0].figures["quota_id_unverified"] is True
    assert quota.evidence[1].figures["nodes"] == ["serving-a (v5litepod-4, 4 chips)"]
    # every listing paged: 3 pages of accelerator types, 2 of nodes, 2 of quota infos
    assert made.calls == {
        f"compute:zones.get@{P}/{Z}": 1, f"tpu:acceleratorTypes.list@{P}/{Z}": 3, f"tpu:runtimeVersions.list@{P}/{Z}": 1,
        f"tpu:nodes.list@{P}/{Z}": 2, f"cloudquotas:quotaInfos.list@{P}": 2,
    }
    assert report.api_calls == made.calls
    assert google.requests[0].headers.get("authorization") is None  # anonymous: no token sent anywhere


def test_two_targets_in_a_zone_share_each_call_and_the_quota(google):
    made = clients()
    report = run_requests([tpu("tpu-a", chips=8, accelerator_type="v5litepod-8"), tpu("tpu-b", chips=8, accelerator_type="v5litepod-8")],
                          gcp_clients=made)
    a = checks(report, "tpu-a")["tpu-quota"]
    assert a.status is Status.INSUFFICIENT
    assert a.summary == f"{ON_DEMAND} in {Z}: limit 16 chips, 4 in use, headroom 12; needs 8; 16 with tpu-b"
    assert a.fix == (f"request 20 chips: gcloud beta quotas preferences create --service=tpu.googleapis.com --quota-id={ON_DEMAND} "
                     f"--dimensions=zone={Z} --preferred-value=20 --project={P}")
    assert made.calls[f"tpu:nodes.list@{P}/{Z}"] == 2  # one listing (two pages) for both targets


def test_spot_uses_the_preemptible_quota_and_counts_only_spot_nodes(google):
    report = run_requests([tpu(provisioning="spot", chips=16, accelerator_type="v5litepod-16")], gcp_clients=clients())
    quota = checks(report)["tpu-quota"]
    assert quota.status is Status.OK
    assert quota.summary == f"{SPOT} in {Z}: limit 32 chips, 8 in use, headroom 24; needs 16"
    accel = checks(report)["tpu-accelerator-type"]
    assert accel.status is Status.INSUFFICIENT
    assert accel.summary == f"v5litepod-16 is not offered in {Z}"
    assert accel.fix == f"choose one of v5litepod-1, v5litepod-4, v5litepod-8 in {Z}"


def test_a_missing_runtime_version_is_insufficient_with_the_versions_offered(google):
    report = run_requests([tpu(runtime_version="v2-tpuv5-litepod")], gcp_clients=clients())
    runtime = checks(report)["tpu-runtime-version"]
    assert runtime.status is Status.INSUFFICIENT
    assert runtime.fix == "use one of v2-alpha-tpuv5-lite"
    assert report.exit_code == 1


def test_an_unknown_zone_is_insufficient(google):
    report = run_requests([tpu(zone="europe-west9-z")], gcp_clients=clients())
    assert checks(report)["tpu-accelerator-type"].status is Status.INSUFFICIENT
    assert checks(report)["tpu-accelerator-type"].summary == f"zone europe-west9-z does not exist for project {P}"


def test_a_disabled_api_is_one_actionable_line_and_unknown(google):
    google.route("GET", TPU + "/(acceleratorTypes|runtimeVersions|nodes)", lambda r: (403, {}, google_error(
        403, "PERMISSION_DENIED",
        f"Cloud TPU API has not been used in project {P} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/tpu.googleapis.com/overview?project={P} then retry.",
        reason="SERVICE_DISABLED", metadata={"service": "tpu.googleapis.com", "consumer": f"projects/{P}"})))
    report = run_requests([tpu()], gcp_clients=clients())
    line = f"Google Cloud: the tpu.googleapis.com API is disabled in project {P}; run `gcloud services enable tpu.googleapis.com --project {P}`"
    assert report.notes == (line,)
    assert {c: r.status for c, r in checks(report).items()} == {
        "tpu-accelerator-type": Status.UNKNOWN, "tpu-runtime-version": Status.UNKNOWN, "tpu-quota": Status.UNKNOWN,
    }
    assert checks(report)["tpu-runtime-version"].fix == f"gcloud services enable tpu.googleapis.com --project {P}"
    assert report.exit_code == 3


def test_a_transient_503_is_retried_with_the_explicit_retry(google):
    ok = {"name": Z, "status": "UP", "region": f"https://x/compute/v1/projects/{P}/regions/us-central1"}
    google.route("GET", rf"/compute/v1/projects/{P}/zones/{Z}", sequence(
        (503, {}, google_error(503, "UNAVAILABLE", "try again")), (200, {}, ok)))
    report = run_requests([tpu()], gcp_clients=clients())
    assert checks(report)["tpu-accelerator-type"].status is Status.OK
    assert google.count(rf"/compute/v1/projects/{P}/zones/{Z}") == 2


def test_a_permanent_503_is_unknown_after_the_retry_deadline(google):
    google.route("GET", TPU + "/runtimeVersions", lambda r: (503, {}, google_error(503, "UNAVAILABLE", "down")))
    made = GcpClients(credentials=AnonymousCredentials(), timeout=2, retry_deadline=0.3, retry_initial=0.05)
    runtime = checks(run_requests([tpu()], gcp_clients=made))["tpu-runtime-version"]
    assert runtime.status is Status.UNKNOWN
    assert "retry deadline" in runtime.summary
    assert google.count(TPU + "/runtimeVersions") >= 2


def test_permission_denied_is_unknown_with_the_roles_to_grant(google):
    google.route("GET", rf"/v1/projects/{P}/locations/global/services/tpu.googleapis.com/quotaInfos",
                 lambda r: (403, {}, google_error(403, "PERMISSION_DENIED", "caller lacks cloudquotas.quotas.get")))
    quota = checks(run_requests([tpu()], gcp_clients=clients()))["tpu-quota"]
    assert quota.status is Status.UNKNOWN
    assert "roles/cloudquotas.viewer" in quota.fix


def test_quota_ids_not_listed_are_unknown_and_say_the_ids_are_unverified(google):
    google.route("GET", rf"/v1/projects/{P}/locations/global/services/tpu.googleapis.com/quotaInfos",
                 paged("quotaInfos", [[quota_info("TPUV5sLitepodSomethingNewPerProjectPerZone", zone_value=8)]]))
    quota = checks(run_requests([tpu()], gcp_clients=clients()))["tpu-quota"]
    assert quota.status is Status.UNKNOWN
    assert "UNVERIFIED" in quota.summary and "TPUV5sLitepodSomethingNewPerProjectPerZone" in quota.summary


def test_missing_application_default_credentials_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # never probe a metadata server
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    report = run_requests([tpu()], gcp_clients=GcpClients())
    assert report.notes == ("Google Cloud: no Application Default Credentials; run `gcloud auth application-default login` "
                            "or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file",)
    assert {r.status for r in report.results} == {Status.UNKNOWN} and report.api_calls == {}


def test_without_the_gcp_extra_the_checks_are_unknown_with_the_install_hint():
    def missing():
        raise SiliconfleetError("the Google Cloud checks need the gcp extra: pip install 'siliconfleet[gcp]'")

    with FactPool(2) as pool:
        run = GcpRun(None, pool, make_clients=missing)
        results = run.run([tpu()])()
    assert {r.status for r in results} == {Status.UNKNOWN}
    assert run.notes == ["the Google Cloud checks need the gcp extra: pip install 'siliconfleet[gcp]'"]


def test_bad_requests_are_bad_input():
    with pytest.raises(SiliconfleetError, match="provisioning 'flex-start' is not one of on-demand, queued, spot, preemptible, reserved"):
        tpu(provisioning="flex-start")
    with pytest.raises(SiliconfleetError, match="chips must be at least 1"):
        tpu(chips=0)


def test_chips_of_accelerator_types():
    assert chips_of("v5litepod-16") == 16
    assert chips_of("v5litepod-512", None) == 512
    assert chips_of("custom", "2x4") == 8
    assert chips_of("custom") is None


def tpu_target(name: str, **fields) -> dict:
    target = {"kind": "gcp-tpu-v5e", "name": name, "project": P, "zone": Z, "network": {"cidr": "10.80.0.0/20"},
              "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct"}}
    target.update(fields)
    return target


def test_gcp_tpu_v5e_targets_map_to_requests():
    fleet = validate_fleet(fleet_doc(tpu_target("tpu-a", accelerator_type="v5litepod-4"),
                                     tpu_target("tpu-b", topology="2x4", count=2, provisioning="spot", runtime_version="v2-tpuv5-litepod")))
    a, b = requests_of(fleet)[0]
    assert a == TpuRequest(target="tpu-a", project=P, zone=Z, accelerator_type="v5litepod-4",
                           runtime_version="v2-alpha-tpuv5-lite", chips=4, provisioning="on-demand")
    assert (b.accelerator_type, b.chips, b.provisioning, b.runtime_version) == ("v5litepod-8", 16, "spot", "v2-tpuv5-litepod")


def test_a_fleet_with_tpu_targets_runs_the_gcp_checks(google):
    fleet = validate_fleet(fleet_doc(tpu_target("tpu-a", accelerator_type="v5litepod-4"),
                                     tpu_target("tpu-q", accelerator_type="v5litepod-4", provisioning="queued"),
                                     tpu_target("tpu-r", accelerator_type="v5litepod-4", provisioning="reserved")))
    report = preflight(fleet, gcp_clients=clients())
    quota = {r.target: r for r in report.results if r.check == "tpu-quota"}
    # on-demand and queued draw on one quota: 4 + 4 chips against a headroom of 12
    assert quota["tpu-a"].status is Status.OK and quota["tpu-a"].summary.endswith("needs 4; 8 with tpu-q")
    assert quota["tpu-r"].status is Status.UNKNOWN
    assert quota["tpu-r"].summary.startswith(f"reserved in {Z}: reserved TPU capacity is gated by the project's reservation")
    assert [r.target for r in report.results][:3] == ["tpu-a"] * 3
    assert report.exit_code == 3
