"""AWS preflight for EC2 inference clusters (every EC2 accelerator kind): offering, quota headroom,
reserved capacity and spot placement, for every target, before anything is deployed.

The run has three steps: resolve credentials (no call is made without them), read the regions'
opt-in status (DescribeRegions), then fetch every fact the targets need on the fact pool, one
fetch per (API, region), and judge each target from those facts. The judging functions
(``check_*``) take plain arguments, so they are tested without any client.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .. import catalog
from ..catalog import Quota
from . import aws_facts as facts
from .aws_clients import AwsCallError, AwsClients
from .pool import FactPool, outcome
from .results import CheckResult, Evidence, insufficient, ok, unknown

#: Capacity that ends within this many days gets a warning.
ENDS_SOON = timedelta(days=7)
#: Reservation states a deploy can rely on.
USABLE_STATES = ("active", "scheduled")


@dataclass(frozen=True)
class CapacityRequest:
    """Reserved capacity a target relies on, or wants to buy.

    ``kind`` ``reservation`` is an On-Demand Capacity Reservation (ODCR), ``capacity-block`` a
    Capacity Block for ML. With ``reservation_id`` that reservation must fit; without it, any
    reservation of the type in the target's AZs may (a resource group's membership is not read:
    a warning says so). ``purchase`` lists the Capacity Block offerings of ``duration_hours`` that
    start at or after ``start`` and end by ``end`` instead.
    """

    kind: Literal["reservation", "capacity-block"]
    instance_count: int
    reservation_id: str | None = None
    resource_group_arn: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    purchase: bool = False
    duration_hours: int | None = None

    def __post_init__(self) -> None:
        if self.instance_count < 1:
            raise ValueError("instance_count must be at least 1")
        if self.purchase and (self.kind != "capacity-block" or not self.duration_hours):
            raise ValueError("a purchase lists Capacity Block offerings: give kind 'capacity-block' and duration_hours")


@dataclass(frozen=True)
class AwsTargetRequest:
    """What one EC2 cluster target needs, in the terms of the AWS APIs."""

    target: str
    region: str
    instance_type: str
    max_size: int
    spot_fraction: float = 0.0
    vpc_id: str | None = None
    subnet_ids: tuple[str, ...] = ()
    az_ids: tuple[str, ...] = field(default=(), metadata={"doc": "New VPC: the AZ IDs its subnets go to."})
    capacity: CapacityRequest | None = None

    @property
    def vcpu(self) -> int:
        return catalog.aws_instance_type(self.instance_type).vcpu

    def quota(self, market: str) -> Quota:
        """The vCPU quota the instances bought as ``market`` count against (the catalog's)."""
        quota = catalog.ec2_quota_for(self.instance_type, market)  # type: ignore[arg-type]
        assert quota is not None, f"{self.instance_type} has no {market} quota in the catalog"
        return quota

    def counts(self) -> dict[str, int]:
        """Instances per vCPU-quota market at max_size (Capacity Blocks have their own quota)."""
        if self.capacity is not None and self.capacity.kind == "capacity-block":
            return {}
        on_demand, spot = facts.split_counts(self.max_size, self.spot_fraction)
        return {m: n for m, n in (("on_demand", on_demand), ("spot", spot)) if n > 0}


def request_from_target(target: Any) -> AwsTargetRequest:
    """The request of an ``AwsClusterFields`` target (any EC2 accelerator kind)."""
    net = target.network
    return AwsTargetRequest(
        target=target.name,
        region=target.region,
        instance_type=target.instance_type,
        max_size=target.max_size,
        spot_fraction=target.spot_fraction,
        vpc_id=net.vpc_id,
        subnet_ids=tuple(net.subnet_ids or ()),
        az_ids=tuple(target.availability_zone_ids) if net.is_new else (),
        capacity=capacity_from_target(target),
    )


def capacity_from_target(target: Any) -> CapacityRequest | None:
    """The reserved capacity an EC2 target's capacity plan names, as a CapacityRequest.

    ``reservation`` (an ODCR by id, or any ODCR of the type for a resource group) and
    ``capacity-block`` (an existing block by id, or a ``purchase`` whose offerings are listed);
    None for on-demand and spot, whose checks are the vCPU quotas and the spot score.
    """
    cap = target.capacity_plan
    kind = cap.type
    if kind == "reservation":
        return CapacityRequest(
            kind="reservation", instance_count=target.max_size, reservation_id=cap.reservation_id,
            resource_group_arn=getattr(cap, "resource_group_arn", None),
        )
    if kind == "capacity-block":
        purchase = getattr(cap, "purchase", None)
        if purchase is not None:
            return CapacityRequest(
                kind="capacity-block", instance_count=purchase.instance_count, purchase=True,
                duration_hours=purchase.duration_hours, start=purchase.start, end=purchase.end_date_range,
            )
        return CapacityRequest(
            kind="capacity-block", instance_count=getattr(cap, "instance_count", None) or target.max_size,
            reservation_id=cap.reservation_id,
        )
    return None


# ---------------------------------------------------------------------------------------------
# Judging: pure functions over facts (a Fetched, or the AwsCallError that stopped it)


def quota_fix(code: str, desired: int, region: str) -> str:
    return (
        f"aws service-quotas request-service-quota-increase --service-code ec2 --quota-code {code} "
        f"--desired-value {desired} --region {region}"
    )


def _ev(fetched: facts.Fetched, figures: dict[str, Any], location: str | None = None) -> Evidence:
    return Evidence(api=fetched.api, location=location or fetched.location, figures=figures, at=fetched.at)


def check_offering(
    req: AwsTargetRequest,
    offerings: facts.Fetched | AwsCallError,
    subnets: facts.Fetched | AwsCallError | None,
) -> CheckResult:
    """The type is offered in the region, and in every AZ the target's subnets are (or will be) in."""
    name, check, itype, region = req.target, "offering", req.instance_type, req.region
    if isinstance(offerings, AwsCallError):
        return unknown(name, "aws", check, offerings.message, offerings.fix)
    offered = offerings.value.get(itype, [])
    evidence = [_ev(offerings, {"instance_type": itype, "offered_az_ids": offered})]
    if not offered:
        return insufficient(
            name, "aws", check, f"{itype} is not offered in any AZ of {region}",
            f"move the target to a region that offers {itype}: {', '.join(catalog.aws_regions_offering(itype)) or 'see the catalog'} "
            "(catalog snapshot; confirm with DescribeInstanceTypeOfferings)",
            evidence,
        )
    if req.subnet_ids:
        if subnets is None or isinstance(subnets, AwsCallError):
            reason = subnets.message if isinstance(subnets, AwsCallError) else "subnets were not read"
            return unknown(name, "aws", check, f"{itype} is offered in {region} ({', '.join(offered)}), but the subnets' AZs "
                                               f"are unknown: {reason}", getattr(subnets, "fix", None), evidence)
        found: dict[str, facts.SubnetInfo] = subnets.value
        evidence.append(_ev(subnets, {s: {"vpc_id": i.vpc_id, "az_id": i.az_id} for s, i in found.items() if s in req.subnet_ids}))
        missing = [s for s in req.subnet_ids if s not in found]
        if missing:
            return insufficient(
                name, "aws", check, f"subnet{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found in {region}",
                f"check network.subnet_ids and region: list the subnets with `aws ec2 describe-subnets --region {region}`",
                evidence,
            )
        if req.vpc_id:
            strays = [s for s in req.subnet_ids if found[s].vpc_id != req.vpc_id]
            if strays:
                return insufficient(
                    name, "aws", check, f"{', '.join(strays)} {'are' if len(strays) > 1 else 'is'} not in {req.vpc_id}",
                    "use subnets of network.vpc_id, or fix network.vpc_id", evidence,
                )
        az_ids = [found[s].az_id for s in req.subnet_ids]
        where = "the subnets'"
    else:
        az_ids = list(req.az_ids)
        where = "the new VPC's"
    bad = sorted({az for az in az_ids if az not in offered})
    if bad:
        return insufficient(
            name, "aws", check, f"{itype} is not offered in {', '.join(bad)} ({where} AZs in {region}); it is in {', '.join(offered)}",
            (f"set network.availability_zone_ids to AZs among {', '.join(offered)}" if not req.subnet_ids
             else f"use subnets in {', '.join(offered)} only"),
            evidence,
        )
    return ok(name, "aws", check, f"{itype} is offered in {region} and in {where} AZs {', '.join(sorted(set(az_ids)))}", evidence)


def check_quota(
    req: AwsTargetRequest,
    market: str,
    quota: Quota,
    count: int,
    needed_vcpus: int,
    fleet_vcpus: int,
    sharing: list[str],
    usage: facts.Fetched | AwsCallError,
    quotas: facts.Fetched | AwsCallError,
) -> CheckResult:
    """Headroom (quota minus vCPUs running on it) against what the fleet's targets on this quota
    code in this region need at max_size (``fleet_vcpus``, of which this target ``needed_vcpus``
    for ``count`` instances bought as ``market``)."""
    label = "on-demand" if market == "on_demand" else "spot"
    name, check, region = req.target, f"quota-{label}", req.region
    value = quotas.value.get(quota.code) if isinstance(quotas, facts.Fetched) else quotas
    if isinstance(value, AwsCallError) or value is None:
        reason = value.message if isinstance(value, AwsCallError) else f"{quota.code} was not read"
        return unknown(name, "aws", check, f"the {label} quota {quota.code} ({quota.name}) in {region} could not be read: {reason}",
                       getattr(value, "fix", None))
    if isinstance(usage, AwsCallError):
        return unknown(name, "aws", check, f"vCPUs running on {value.code} in {region} could not be counted: {usage.message}", usage.fix)
    in_use = usage.value.vcpus.get(quota.code, 0)
    headroom = value.value - in_use
    assert isinstance(quotas, facts.Fetched)
    evidence = [
        _ev(quotas, {"quota_code": value.code, "quota_name": value.name, "value_vcpus": value.value, "resolved_by": value.resolved_by}),
        _ev(usage, {"quota_code": value.code, "running_vcpus": in_use, "running_instances": usage.value.instances.get(quota.code, {})}),
    ]
    share = f" ({count} x {req.instance_type} at {req.vcpu} vCPUs" + (
        f": the {label} share of max_size {req.max_size} at spot_fraction {req.spot_fraction:g})" if req.spot_fraction else ")"
    )
    together = f"; {fleet_vcpus} with {', '.join(sharing)} on the same quota" if sharing else ""
    text = (
        f"{value.name} ({value.code}) in {region}: quota {value.value:g} vCPUs, {in_use} running, headroom {headroom:g}; "
        f"needs {needed_vcpus}{share}{together}"
    )
    if headroom >= fleet_vcpus:
        return ok(name, "aws", check, text, evidence)
    desired = math.ceil(in_use + fleet_vcpus)
    return insufficient(name, "aws", check, text, quota_fix(value.code, desired, region), evidence)



def _dt(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def check_reserved_capacity(
    *,
    target: str,
    region: str,
    instance_type: str,
    az_ids: tuple[str, ...] | list[str],
    need: CapacityRequest,
    reservations: facts.Fetched | AwsCallError,
    now: datetime | None = None,
) -> CheckResult:
    """An ODCR or Capacity Block exists, is active or scheduled, and matches the type, the count,
    one of ``az_ids`` (any AZ when empty) and the window; warns when it ends within 7 days."""
    check = "capacity"
    now = now or datetime.now(UTC)
    what = "Capacity Block" if need.kind == "capacity-block" else "capacity reservation"
    if isinstance(reservations, AwsCallError):
        return unknown(target, "aws", check, f"{what}s in {region} could not be read: {reservations.message}", reservations.fix)
    rows: list[dict[str, Any]] = reservations.value
    wanted_type = "capacity-block" if need.kind == "capacity-block" else "default"
    if need.reservation_id:
        candidates = [r for r in rows if r.get("CapacityReservationId") == need.reservation_id]
    else:
        candidates = [
            r for r in rows
            if r.get("InstanceType") == instance_type and r.get("ReservationType", "default") == wanted_type
        ]
    fix = _capacity_fix(need, instance_type, region, az_ids)
    if not candidates:
        about = need.reservation_id or f"for {instance_type}"
        return insufficient(target, "aws", check, f"no {what} {about} in {region}", fix,
                            [_ev(reservations, {"reservations_in_region": len(rows)})])
    judged = []
    for r in candidates:
        problems, warnings, figures = _judge_reservation(r, need, instance_type, az_ids, now)
        judged.append((problems, warnings, figures, r))
    if need.resource_group_arn:
        for j in judged:
            j[1].append(f"membership in {need.resource_group_arn} is not checked: any {what} of the type may match")
    judged.sort(key=lambda j: len(j[0]))
    evidence = [_ev(reservations, j[2]) for j in judged[:5]]
    problems, warnings, figures, best = judged[0]
    rid = best.get("CapacityReservationId", "?")
    if not problems:
        window = f"{figures['start'] or 'now'} to {figures['end'] or 'no end date'}"
        return ok(target, "aws", check,
                  f"{what} {rid}: {figures['state']}, {figures['usable_instances']} x {instance_type} in {figures['az_id'] or figures['az']}, "
                  f"{window}", evidence, warnings)
    lines = "; ".join(f"{j[3].get('CapacityReservationId', '?')}: {', '.join(j[0])}" for j in judged[:3])
    return insufficient(target, "aws", check, f"no {what} in {region} fits: {lines}", fix, evidence, warnings)


def _judge_reservation(r: dict[str, Any], need: CapacityRequest, instance_type: str, az_ids, now: datetime):
    problems: list[str] = []
    warnings: list[str] = []
    state = r.get("State", "unknown")
    total = int(r.get("TotalInstanceCount", 0))
    available = int(r.get("AvailableInstanceCount", total))
    usable = available if state == "active" else total
    start, end = _dt(r.get("StartDate")), _dt(r.get("EndDate"))
    unlimited = r.get("EndDateType") == "unlimited" or end is None
    figures = {
        "reservation_id": r.get("CapacityReservationId"), "reservation_type": r.get("ReservationType", "default"),
        "instance_type": r.get("InstanceType"), "state": state, "az": r.get("AvailabilityZone"), "az_id": r.get("AvailabilityZoneId"),
        "total_instances": total, "available_instances": available, "usable_instances": usable,
        "start": start.isoformat() if start else None, "end": None if unlimited else end.isoformat(),
        "instance_match_criteria": r.get("InstanceMatchCriteria"),
    }
    if r.get("InstanceType") != instance_type:
        problems.append(f"is for {r.get('InstanceType')}, not {instance_type}")
    if state not in USABLE_STATES:
        problems.append(f"is {state} (needs active or scheduled)")
    if az_ids and r.get("AvailabilityZoneId") and r["AvailabilityZoneId"] not in az_ids:
        problems.append(f"is in {r['AvailabilityZoneId']}, not in the target's AZs {', '.join(az_ids)}")
    if usable < need.instance_count:
        problems.append(f"has {usable} usable instance(s), {need.instance_count} needed")
    if need.start and start and start > need.start:
        problems.append(f"starts {start.isoformat()}, after the needed start {need.start.isoformat()}")
    if not unlimited and end is not None:
        if end <= now:
            problems.append(f"ended {end.isoformat()}")
        elif need.end and end < need.end:
            problems.append(f"ends {end.isoformat()}, before the needed end {need.end.isoformat()}")
        elif end - now <= ENDS_SOON:
            days = (end - now).total_seconds() / 86400
            warnings.append(f"{r.get('CapacityReservationId')} ends {end.isoformat()} (in {days:.1f} days): extend it or plan the move")
    return problems, warnings, figures


def _capacity_fix(need: CapacityRequest, instance_type: str, region: str, az_ids) -> str:
    if need.kind == "capacity-block":
        hours = f" --capacity-duration-hours {need.duration_hours}" if need.duration_hours else " --capacity-duration-hours 24"
        return (
            f"find a Capacity Block: aws ec2 describe-capacity-block-offerings --instance-type {instance_type} "
            f"--instance-count {need.instance_count}{hours} --region {region}, then aws ec2 purchase-capacity-block"
        )
    az = f"--availability-zone-id {az_ids[0]} " if az_ids else ""
    return (
        f"aws ec2 create-capacity-reservation --instance-type {instance_type} --instance-platform Linux/UNIX {az}"
        f"--instance-count {need.instance_count} --region {region}"
    )


def check_block_offerings(
    *,
    target: str,
    region: str,
    instance_type: str,
    need: CapacityRequest,
    offerings: facts.Fetched | AwsCallError,
    zone_ids: facts.Fetched | AwsCallError | None = None,
    az_ids: tuple[str, ...] | list[str] = (),
) -> CheckResult:
    """A purchase request: the Capacity Block offerings that match, with their upfront fee."""
    check = "capacity-offerings"
    if isinstance(offerings, AwsCallError):
        return unknown(target, "aws", check, f"Capacity Block offerings in {region} could not be read: {offerings.message}", offerings.fix)
    rows: list[dict[str, Any]] = offerings.value
    names = zone_ids.value if isinstance(zone_ids, facts.Fetched) else {}
    listed = []
    for o in rows:
        az_id = names.get(o.get("AvailabilityZone", ""), "")
        if o.get("InstanceType", instance_type) != instance_type or int(o.get("InstanceCount", 0)) < need.instance_count:
            continue
        if az_ids and az_id and az_id not in az_ids:
            continue
        listed.append({
            "offering_id": o.get("CapacityBlockOfferingId"), "az": o.get("AvailabilityZone"), "az_id": az_id or None,
            "instances": int(o.get("InstanceCount", 0)), "start": _iso(o.get("StartDate")), "end": _iso(o.get("EndDate")),
            "duration_hours": o.get("CapacityBlockDurationHours"), "upfront_fee": o.get("UpfrontFee"), "currency": o.get("CurrencyCode", "USD"),
        })
    listed.sort(key=lambda x: float(x["upfront_fee"] or "inf"))
    evidence = [_ev(offerings, {"offerings": listed, "offerings_returned": len(rows)})]
    if not listed:
        return insufficient(
            target, "aws", check,
            f"no Capacity Block offering for {need.instance_count} x {instance_type} for {need.duration_hours} h in {region}"
            + (f" AZs {', '.join(az_ids)}" if az_ids else ""),
            "widen the start/end window, change the duration or count, or try another region that offers the type",
            evidence,
        )
    best = listed[0]
    return ok(
        target, "aws", check,
        f"{len(listed)} Capacity Block offering(s) for {need.instance_count} x {instance_type}, {need.duration_hours} h; cheapest "
        f"{best['upfront_fee']} {best['currency']} upfront in {best['az_id'] or best['az']} from {best['start']} ({best['offering_id']})",
        evidence,
    )


def _iso(value: Any) -> str | None:
    d = _dt(value)
    return d.isoformat() if d else None


def check_spot_score(
    req: AwsTargetRequest, spot_count: int, scores: facts.Fetched | AwsCallError, min_score: int
) -> CheckResult:
    name, check, region = req.target, "spot-score", req.region
    if isinstance(scores, AwsCallError):
        return unknown(name, "aws", check, f"spot placement score in {region} could not be read: {scores.message}", scores.fix)
    rows = [r for r in scores.value if r.get("Region", region) == region]
    if not rows:
        return unknown(name, "aws", check, f"GetSpotPlacementScores returned no score for {region}")
    score = max(int(r.get("Score", 0)) for r in rows)
    evidence = [_ev(scores, {"instance_type": req.instance_type, "target_capacity": spot_count, "score": score,
                             "min_score": min_score, "scores": rows})]
    text = f"spot placement score {score}/10 for {spot_count} x {req.instance_type} in {region} (needs >= {min_score})"
    if score >= min_score:
        return ok(name, "aws", check, text, evidence)
    return insufficient(name, "aws", check, text,
                        "lower spot_fraction, or choose a region or type with a better score "
                        f"(aws ec2 get-spot-placement-scores --instance-types {req.instance_type} --target-capacity {spot_count})",
                        evidence)


# ---------------------------------------------------------------------------------------------
# Running the checks of a fleet


@dataclass
class AwsRun:
    """Plans, fetches and judges the AWS checks of a set of target requests."""

    clients: AwsClients
    pool: FactPool
    min_spot_score: int = 5
    home_region: str | None = None
    notes: list[str] = field(default_factory=list)

    def run(self, requests: list[AwsTargetRequest]) -> Callable[[], list[CheckResult]]:
        """Start every fetch; returns the function that waits for them and judges."""
        if not requests:
            return lambda: []
        problem = self.clients.check_credentials()
        if problem:
            self.notes.append(problem)
            return lambda: [r for req in requests for r in _all_unknown(req, problem)]
        home = self.home_region or self.clients.session.region_name or requests[0].region
        regions = outcome(self.pool.fact(("ec2:DescribeRegions", home), facts.fetch_regions, self.clients, home), AwsCallError, _internal)
        if isinstance(regions, AwsCallError):
            if regions.scope == "global":
                self.notes.append(regions.message)
                return lambda: [r for req in requests for r in _all_unknown(req, regions.message)]
            self.notes.append(f"region opt-in status unknown ({regions.message}); calling every target region")
            status: dict[str, str] = {}
        else:
            status = regions.value
        by_region: dict[str, list[AwsTargetRequest]] = defaultdict(list)
        for req in requests:
            by_region[req.region].append(req)
        skipped: dict[str, str] = {}
        for region in by_region:
            state = status.get(region)
            if status and state is None:
                skipped[region] = f"{region} is not a region this account sees in DescribeRegions"
            elif state == "not-opted-in":
                skipped[region] = f"{region} is not enabled for this account (opt-in status not-opted-in)"
        futures = {region: self._plan_region(region, reqs) for region, reqs in by_region.items() if region not in skipped}

        def judge() -> list[CheckResult]:
            results: list[CheckResult] = []
            for req in requests:
                if req.region in skipped:
                    results.extend(_all_unknown(req, skipped[req.region], f"aws account enable-region --region-name {req.region}"))
                else:
                    results.extend(self._judge(req, by_region[req.region], futures[req.region]))
            return results

        return judge

    def _plan_region(self, region: str, reqs: list[AwsTargetRequest]) -> dict[str, Any]:
        pool, clients = self.pool, self.clients
        types = tuple(sorted({r.instance_type for r in reqs}))
        out: dict[str, Any] = {"offerings": pool.fact(("ec2:DescribeInstanceTypeOfferings", region, types), facts.fetch_offerings, clients, region, types)}
        subnet_ids = tuple(sorted({s for r in reqs for s in r.subnet_ids}))
        if subnet_ids:
            out["subnets"] = pool.fact(("ec2:DescribeSubnets", region, subnet_ids), facts.fetch_subnets, clients, region, subnet_ids)
        quotas = {q.code: q for r in reqs for market in r.counts() for q in [r.quota(market)]}
        if quotas:
            wanted = tuple(quotas[c] for c in sorted(quotas))
            codes = tuple(sorted(quotas))
            out["quotas"] = pool.fact(("service-quotas:ListServiceQuotas", region, codes), facts.fetch_quotas, clients, region, wanted)
            out["usage"] = pool.fact(("ec2:DescribeInstances", region, codes), facts.fetch_usage, clients, region, codes)
        reserved = [r for r in reqs if r.capacity and not r.capacity.purchase]
        if reserved:
            out["reservations"] = pool.fact(("ec2:DescribeCapacityReservations", region), facts.fetch_reservations, clients, region)
        for r in reqs:
            c = r.capacity
            if c and c.purchase:
                key = ("ec2:DescribeCapacityBlockOfferings", region, r.instance_type, c.instance_count, c.duration_hours, c.start, c.end)
                out[f"blocks:{r.target}"] = pool.fact(key, facts.fetch_block_offerings, clients, region, r.instance_type,
                                                      c.instance_count, c.duration_hours, c.start, c.end)
                if r.az_ids or r.subnet_ids:
                    out["zones"] = pool.fact(("ec2:DescribeAvailabilityZones", region), facts.fetch_zone_ids, clients, region)
            spot = r.counts().get("spot", 0)
            if spot:
                out[f"spot:{r.target}"] = pool.fact(("ec2:GetSpotPlacementScores", region, r.instance_type, spot),
                                                    facts.fetch_spot_scores, clients, region, r.instance_type, spot)
        return out

    def _judge(self, req: AwsTargetRequest, peers: list[AwsTargetRequest], fut: dict[str, Any]) -> list[CheckResult]:
        got = {k: outcome(f, AwsCallError, _internal) for k, f in fut.items()}
        for value in got.values():  # credentials that expire mid-run: one line, not one per check
            if isinstance(value, AwsCallError) and value.scope == "global" and value.message not in self.notes:
                self.notes.append(value.message)
        results = [check_offering(req, got["offerings"], got.get("subnets"))]
        for market, count in req.counts().items():
            quota = req.quota(market)
            mine = count * req.vcpu
            sharing, total = [], 0
            for peer in peers:
                for m, n in peer.counts().items():
                    q = peer.quota(m)
                    if q.code == quota.code:
                        total += n * peer.vcpu
                        if peer.target != req.target and peer.target not in sharing:
                            sharing.append(peer.target)
            results.append(check_quota(req, market, quota, count, mine, total, sharing, got["usage"], got["quotas"]))
        if req.capacity is not None:
            if req.capacity.purchase:
                results.append(check_block_offerings(
                    target=req.target, region=req.region, instance_type=req.instance_type, need=req.capacity,
                    offerings=got[f"blocks:{req.target}"], zone_ids=got.get("zones"), az_ids=self._az_ids(req, got),
                ))
            else:
                results.append(check_reserved_capacity(
                    target=req.target, region=req.region, instance_type=req.instance_type, az_ids=self._az_ids(req, got),
                    need=req.capacity, reservations=got["reservations"],
                ))
        spot = req.counts().get("spot", 0)
        if spot:
            results.append(check_spot_score(req, spot, got[f"spot:{req.target}"], self.min_spot_score))
        return results

    @staticmethod
    def _az_ids(req: AwsTargetRequest, got: dict[str, Any]) -> tuple[str, ...]:
        if req.subnet_ids:
            subnets = got.get("subnets")
            if isinstance(subnets, facts.Fetched):
                return tuple(sorted({subnets.value[s].az_id for s in req.subnet_ids if s in subnets.value}))
            return ()
        return req.az_ids


def _internal(exc: BaseException) -> AwsCallError:
    return AwsCallError(api="preflight", location="", kind="internal", scope="call", attempts=0,
                        message=f"the check failed inside preflight: {type(exc).__name__}: {exc}")


def _all_unknown(req: AwsTargetRequest, reason: str, fix: str | None = None) -> list[CheckResult]:
    checks = ["offering"] + [f"quota-{'on-demand' if m == 'on_demand' else 'spot'}" for m in req.counts()]
    if req.capacity is not None:
        checks.append("capacity-offerings" if req.capacity.purchase else "capacity")
    if req.counts().get("spot"):
        checks.append("spot-score")
    return [unknown(req.target, "aws", c, reason, fix) for c in checks]
