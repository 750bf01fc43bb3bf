"""Read-only AWS facts preflight needs, one fetch per (API, region), every listing paged.

Each function here makes the calls for one fact and returns a :class:`Fetched` (the value, the
API, where and when), or raises :class:`AwsCallError`. They are run on the fact pool; the checks
in :mod:`.aws` only read their results.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import catalog
from ..catalog import Quota
from .aws_clients import AwsCallError, AwsClients
from .pool import Fetched

#: States of instances that count against the "Running ..." vCPU quotas.
COUNTED_STATES = ("pending", "running")


# ---------------------------------------------------------------------------------------------
# Regions


def fetch_regions(clients: AwsClients, home_region: str) -> Fetched:
    """Every region with its opt-in status (DescribeRegions with AllRegions)."""
    out = clients.call("ec2", home_region, "DescribeRegions", AllRegions=True)
    status = {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in out.get("Regions", [])}
    return Fetched("ec2:DescribeRegions", home_region, status)


# ---------------------------------------------------------------------------------------------
# Offerings and subnets


def fetch_offerings(clients: AwsClients, region: str, instance_types: tuple[str, ...]) -> Fetched:
    """AZ IDs of ``region`` that offer each of ``instance_types`` (keyed on AZ IDs, not names)."""
    pages = clients.pages(
        "ec2", region, "DescribeInstanceTypeOfferings",
        LocationType="availability-zone-id",
        Filters=[{"Name": "instance-type", "Values": list(instance_types)}],
    )
    offered: dict[str, set[str]] = {t: set() for t in instance_types}
    for page in pages:
        for row in page.get("InstanceTypeOfferings", []):
            offered.setdefault(row["InstanceType"], set()).add(row["Location"])
    return Fetched("ec2:DescribeInstanceTypeOfferings", region, {t: sorted(a) for t, a in offered.items()}, pages=len(pages))


@dataclass(frozen=True)
class SubnetInfo:
    subnet_id: str
    vpc_id: str
    az_id: str
    az_name: str


def fetch_subnets(clients: AwsClients, region: str, subnet_ids: tuple[str, ...]) -> Fetched:
    """The subnets found among ``subnet_ids`` with their VPC and AZ ID (missing ones are absent)."""
    pages = clients.pages("ec2", region, "DescribeSubnets", Filters=[{"Name": "subnet-id", "Values": list(subnet_ids)}])
    found = {
        s["SubnetId"]: SubnetInfo(s["SubnetId"], s.get("VpcId", ""), s.get("AvailabilityZoneId", ""), s.get("AvailabilityZone", ""))
        for page in pages for s in page.get("Subnets", [])
    }
    return Fetched("ec2:DescribeSubnets", region, found, pages=len(pages))


def fetch_zone_ids(clients: AwsClients, region: str) -> Fetched:
    """AZ name -> AZ ID in ``region`` (names differ per account, IDs do not)."""
    out = clients.call("ec2", region, "DescribeAvailabilityZones", AllAvailabilityZones=True)
    return Fetched(
        "ec2:DescribeAvailabilityZones", region, {z["ZoneName"]: z.get("ZoneId", "") for z in out.get("AvailabilityZones", [])}
    )


# ---------------------------------------------------------------------------------------------
# Quota families and running usage


def quota_for(instance_type: str, market: str) -> Quota | None:
    """The vCPU quota ``instance_type`` counts against when bought as ``market``, if known (the catalog's)."""
    return catalog.ec2_quota_for(instance_type, market)  # type: ignore[arg-type]


def market_of(instance: dict[str, Any]) -> str | None:
    """on_demand or spot; None for capacity-block instances, gated by their own quota."""
    lifecycle = instance.get("InstanceLifecycle")
    if lifecycle == "spot":
        return "spot"
    if lifecycle == "capacity-block":
        return None
    return "on_demand"


@dataclass(frozen=True)
class Usage:
    vcpus: dict[str, int]
    """vCPUs of pending and running instances per quota code."""
    instances: dict[str, dict[str, int]]
    """Instance counts per quota code and instance type."""


def fetch_usage(clients: AwsClients, region: str, codes: tuple[str, ...]) -> Fetched:
    """vCPUs already running in ``region`` per quota code in ``codes`` (DescribeInstances, paged).

    vCPUs come from the catalog; types it does not know are looked up with DescribeInstanceTypes
    (DefaultVCpus), once per region.
    """
    wanted = set(codes)
    pages = clients.pages(
        "ec2", region, "DescribeInstances", Filters=[{"Name": "instance-state-name", "Values": list(COUNTED_STATES)}]
    )
    counted: dict[str, Counter[str]] = {code: Counter() for code in codes}
    for page in pages:
        for reservation in page.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                market = market_of(instance)
                quota = quota_for(instance.get("InstanceType", ""), market) if market else None
                if quota is not None and quota.code in wanted:
                    counted[quota.code][instance["InstanceType"]] += 1
    types = sorted({t for c in counted.values() for t in c})
    known = catalog.aws_instance_types()
    vcpu = {t: known[t].vcpu for t in types if t in known}
    missing = [t for t in types if t not in vcpu]
    for start in range(0, len(missing), 100):
        for page in clients.pages("ec2", region, "DescribeInstanceTypes", InstanceTypes=missing[start:start + 100]):
            for row in page.get("InstanceTypes", []):
                vcpu[row["InstanceType"]] = int(row["VCpuInfo"]["DefaultVCpus"])
    unresolved = [t for t in missing if t not in vcpu]
    if unresolved:
        raise AwsCallError(
            api="ec2:DescribeInstanceTypes", location=region, kind="incomplete", scope="call", attempts=1,
            message=f"vCPUs of running {', '.join(unresolved)} in {region} could not be found, so usage is unknown",
        )
    usage = Usage(
        vcpus={code: sum(n * vcpu[t] for t, n in c.items()) for code, c in counted.items()},
        instances={code: dict(sorted(c.items())) for code, c in counted.items()},
    )
    return Fetched("ec2:DescribeInstances", region, usage, pages=len(pages))


# ---------------------------------------------------------------------------------------------
# Quotas


@dataclass(frozen=True)
class QuotaValue:
    code: str
    name: str
    value: float
    resolved_by: str
    """How the quota was found: 'name' or 'code' in ListServiceQuotas, or 'GetServiceQuota'."""


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def fetch_quotas(clients: AwsClients, region: str, quotas: tuple[Quota, ...]) -> Fetched:
    """Applied values of ``quotas`` in ``region``: by quota NAME in ListServiceQuotas (paged),
    then by code, and where the listing fails or lacks one, GetServiceQuota with the catalog code.

    The value maps each catalog code to a QuotaValue or, when it could not be read, an AwsCallError.
    """
    found: dict[str, QuotaValue | AwsCallError] = {}
    listed: list[dict[str, Any]] | None = None
    list_error: AwsCallError | None = None
    pages = 0
    try:
        raw = clients.pages("service-quotas", region, "ListServiceQuotas", ServiceCode="ec2")
        pages = len(raw)
        listed = [q for page in raw for q in page.get("Quotas", [])]
    except AwsCallError as exc:
        if exc.scope == "global" or exc.kind in ("auth-failure", "opt-in-required"):
            raise
        list_error = exc
    for quota in quotas:
        if listed is not None:
            by_name = [q for q in listed if _norm(q.get("QuotaName", "")) == _norm(quota.name)]
            by_code = [q for q in listed if q.get("QuotaCode") == quota.code]
            match, how = (by_name[0], "name") if by_name else ((by_code[0], "code") if by_code else (None, ""))
            if match is not None:
                found[quota.code] = QuotaValue(match["QuotaCode"], match.get("QuotaName", quota.name), float(match["Value"]), how)
                continue
        try:
            out = clients.call("service-quotas", region, "GetServiceQuota", ServiceCode="ec2", QuotaCode=quota.code)
            q = out["Quota"]
            found[quota.code] = QuotaValue(q.get("QuotaCode", quota.code), q.get("QuotaName", quota.name), float(q["Value"]), "GetServiceQuota")
        except AwsCallError as exc:
            if exc.scope == "global":
                raise
            reasons = [exc.message] + ([f"ListServiceQuotas also failed: {list_error.message}"] if list_error else [])
            found[quota.code] = AwsCallError(
                api=exc.api, location=region, kind=exc.kind, scope=exc.scope, attempts=exc.attempts, fix=exc.fix,
                message="; ".join(reasons),
            )
    api = "service-quotas:ListServiceQuotas" if listed is not None else "service-quotas:GetServiceQuota"
    return Fetched(api, region, found, pages=max(pages, 1))


# ---------------------------------------------------------------------------------------------
# Reserved capacity, Capacity Block offerings, spot placement scores


def fetch_reservations(clients: AwsClients, region: str) -> Fetched:
    """Every On-Demand Capacity Reservation and Capacity Block in ``region`` (paged)."""
    pages = clients.pages("ec2", region, "DescribeCapacityReservations")
    rows = [r for page in pages for r in page.get("CapacityReservations", [])]
    return Fetched("ec2:DescribeCapacityReservations", region, rows, pages=len(pages))


def fetch_block_offerings(
    clients: AwsClients, region: str, instance_type: str, count: int, duration_hours: int,
    start: datetime | None, end: datetime | None,
) -> Fetched:
    """Capacity Block offerings for ``count`` x ``instance_type`` of ``duration_hours`` (paged)."""
    params: dict[str, Any] = {"InstanceType": instance_type, "InstanceCount": count, "CapacityDurationHours": duration_hours}
    if start is not None:
        params["StartDateRange"] = start
    if end is not None:
        params["EndDateRange"] = end
    pages = clients.pages("ec2", region, "DescribeCapacityBlockOfferings", **params)
    rows = [r for page in pages for r in page.get("CapacityBlockOfferings", [])]
    return Fetched("ec2:DescribeCapacityBlockOfferings", region, rows, pages=len(pages))


def fetch_spot_scores(clients: AwsClients, region: str, instance_type: str, count: int) -> Fetched:
    """Spot placement scores (1-10) of ``region`` for ``count`` x ``instance_type`` (paged)."""
    pages = clients.pages(
        "ec2", region, "GetSpotPlacementScores",
        InstanceTypes=[instance_type], TargetCapacity=count, TargetCapacityUnitType="units",
        SingleAvailabilityZone=False, RegionNames=[region],
    )
    rows = [r for page in pages for r in page.get("SpotPlacementScores", [])]
    return Fetched("ec2:GetSpotPlacementScores", region, rows, pages=len(pages))


def split_counts(max_size: int, spot_fraction: float) -> tuple[int, int]:
    """(on-demand, spot) instances at ``max_size``, as the cluster's Auto Scaling group splits them:
    on-demand percentage ``round((1 - spot_fraction) * 100)``, rounded up in favour of on-demand."""
    if spot_fraction <= 0:
        return max_size, 0
    percent = round((1 - spot_fraction) * 100)
    on_demand = math.ceil(max_size * percent / 100)
    return on_demand, max_size - on_demand
