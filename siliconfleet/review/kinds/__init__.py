"""Inventory and cost per target kind: a registry, so that a new kind plugs in with one module.

A kind module registers a :class:`Kind` with two functions over plain data, the target as
``siliconfleet.json`` stores it (the validated fleet file, dumped as JSON) and the fleet dump
around it: ``describe`` gives the inventory row, ``price`` the cost with the catalog prices it used.
Neither imports the CDK engine or a cloud SDK. A kind nobody registered is still listed, as
unpriced, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from ..model import Hardware, TargetCost

Describe = Callable[[dict[str, Any], dict[str, Any]], Hardware]
PriceFn = Callable[[dict[str, Any], dict[str, Any]], TargetCost]


@dataclass(frozen=True)
class Kind:
    name: str
    describe: Describe
    price: PriceFn


_REGISTRY: dict[str, Kind] = {}

#: Modules that register the kinds siliconfleet ships; imported on first use of the registry.
BUILTIN_MODULES = ("aws_ec2", "gcp_tpu_v5e", "groq")
_loaded = False


def register(kind: Kind) -> Kind:
    """Add (or replace) the inventory and cost functions of one target kind."""
    _REGISTRY[kind.name] = kind
    return kind


def registry() -> dict[str, Kind]:
    global _loaded
    if not _loaded:
        for module in BUILTIN_MODULES:
            import_module(f".{module}", __name__)
        _loaded = True
    return dict(_REGISTRY)


def _unknown(kind: str) -> Kind:
    def describe(target: dict[str, Any], fleet: dict[str, Any]) -> Hardware:
        hardware = next((target.get(k) for k in ("instance_type", "accelerator_type", "model") if target.get(k)), None)
        return Hardware(silicon=None, hardware=hardware, location=target.get("region") or target.get("zone"))

    def price(target: dict[str, Any], fleet: dict[str, Any]) -> TargetCost:
        return TargetCost(unpriced=(f"no cost model for kind {kind!r} in this siliconfleet; "
                                    f"known kinds: {', '.join(sorted(registry()))}",))

    return Kind(kind, describe, price)


def kind_for(name: str) -> Kind:
    """The registered kind, or one that lists the target as unpriced."""
    return registry().get(name) or _unknown(name)


def describe(target: dict[str, Any], fleet: dict[str, Any]) -> Hardware:
    return kind_for(str(target.get("kind"))).describe(target, fleet)


def price(target: dict[str, Any], fleet: dict[str, Any]) -> TargetCost:
    return kind_for(str(target.get("kind"))).price(target, fleet)


__all__ = ["BUILTIN_MODULES", "Kind", "describe", "kind_for", "price", "register", "registry"]
