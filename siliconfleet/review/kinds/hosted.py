"""Hosted API endpoints (``groq``...): tokens x the catalog's price per million input and output tokens.

A hosted API target is billed per token, so its cost follows the traffic the fleet declares
(fleet-level ``traffic``: requests_per_minute, input_tokens_per_request,
output_tokens_per_request). A month is 730 h of that traffic:

    requests = requests_per_minute x 60 x 730
    cost     = requests x input_tokens / 1e6 x input price + requests x output_tokens / 1e6 x output price

The max figure uses the target's own ``rate_limits.requests_per_minute`` when it gives one at or
above the traffic (the most the service asks the provider for), at the same tokens per request; else it
equals the desired one.
The prices are the provider's catalog file's (catalog/data/hosted/<provider>.yaml), the provider
the kind's registry line names. The fleet's whole traffic is priced on each hosted target, an upper bound when a gateway splits the
traffic over several targets. No traffic block, or a model the catalog does not list
(``allow_unlisted_model``), leaves the target unpriced with the reason.
"""

from __future__ import annotations

from typing import Any

from ... import registry
from ...catalog.hosted import HostedModel, HostedProvider, hosted_provider
from ..fmt import money, number, rate
from ..model import HOURS_PER_MONTH, Hardware, Price, TargetCost

MINUTES_PER_MONTH = 60 * HOURS_PER_MONTH


def provider_of(target: dict[str, Any]) -> HostedProvider:
    """The provider of a hosted target dump: the one its kind's registry line names."""
    return hosted_provider(registry.get(target.get("kind")).provider)


def describe(target: dict[str, Any], fleet: dict[str, Any]) -> Hardware:
    provider = provider_of(target)
    return Hardware(
        silicon=provider.silicon,
        hardware=target.get("model"),
        unit="endpoint",
        location=provider.location,
        capacity="per token",
    )


def _monthly(model: HostedModel, rpm: float, tokens_in: float, tokens_out: float) -> tuple[float, float, float]:
    """(requests, input cost, output cost) for a month at ``rpm``."""
    requests = rpm * MINUTES_PER_MONTH
    return (
        requests,
        requests * tokens_in / 1e6 * model.usd_per_million_input_tokens,
        requests * tokens_out / 1e6 * model.usd_per_million_output_tokens,
    )


def price(target: dict[str, Any], fleet: dict[str, Any]) -> TargetCost:
    provider = provider_of(target)
    model_id = target.get("model")
    model = provider.models.get(str(model_id))
    if model is None:
        return TargetCost(unpriced=(
            f"{provider.display} model {model_id!r} is not in the catalog (siliconfleet/catalog/data/hosted/{provider.name}.yaml): "
            "no per-token price",
        ))
    traffic = fleet.get("traffic")
    if not traffic:
        return TargetCost(unpriced=(
            f"{provider.display} bills per token: add the fleet's traffic block (requests_per_minute, input_tokens_per_request, "
            "output_tokens_per_request) to price it",
        ))
    rpm = float(traffic["requests_per_minute"])
    tokens_in, tokens_out = float(traffic["input_tokens_per_request"]), float(traffic["output_tokens_per_request"])
    requests, cost_in, cost_out = _monthly(model, rpm, tokens_in, tokens_out)
    monthly = cost_in + cost_out
    prices = (
        Price(f"{provider.display} {model.id} input", model.usd_per_million_input_tokens, "1M input tokens", model.price_as_of, model.price_source),
        Price(f"{provider.display} {model.id} output", model.usd_per_million_output_tokens, "1M output tokens", model.price_as_of, model.price_source),
    )
    basis = [
        f"{number(rpm)} requests/min x 60 x {HOURS_PER_MONTH} h = {number(requests)} requests/month",
        f"input {number(requests)} x {number(tokens_in)} tokens / 1M x {rate(model.usd_per_million_input_tokens)} = {money(cost_in)}; "
        f"output {number(requests)} x {number(tokens_out)} tokens / 1M x {rate(model.usd_per_million_output_tokens)} = "
        f"{money(cost_out)}; {money(monthly)}/month",
    ]
    notes = ["the fleet's whole traffic is priced on this target: an upper bound when a gateway splits traffic over several targets"]
    order = list((fleet.get("routing") or {}).get("order") or [])
    if target.get("name") in order and order.index(target["name"]) > 0:
        place = order.index(target["name"]) + 1
        notes.append(f"routing.order puts it at position {place} of {len(order)}: "
                     "it serves traffic only when the targets ahead of it fail, so the figure is what a full failover costs")
    limits = target.get("rate_limits") or {}
    ceiling = limits.get("requests_per_minute")
    max_monthly = monthly
    if ceiling:
        _, max_in, max_out = _monthly(model, float(ceiling), tokens_in, tokens_out)
        if float(ceiling) >= rpm:
            max_monthly = max_in + max_out
            basis.append(f"max at rate_limits.requests_per_minute {number(float(ceiling))}: {money(max_monthly)}/month")
        else:
            notes.append(f"traffic ({number(rpm)} requests/min) exceeds the target's rate_limits.requests_per_minute "
                         f"({number(float(ceiling))}): raise the limit or expect 429 responses")
    return TargetCost(
        hourly_usd=monthly / HOURS_PER_MONTH,
        monthly_usd=monthly,
        max_hourly_usd=max_monthly / HOURS_PER_MONTH,
        max_monthly_usd=max_monthly,
        prices=prices,
        basis=tuple(basis),
        notes=tuple(notes),
    )

