"""Inventory and cost per target kind, read from the kind registry (``siliconfleet.registry``).

Each kind's family names a module here with two functions over plain data, the target as
``siliconfleet.json`` stores it (the validated fleet file, dumped as JSON) and the fleet dump
around it: ``describe`` gives the inventory row, ``price`` the cost with the catalog prices it used.
Neither imports the CDK engine or a cloud SDK. A kind the registry does not know (a synth output
of another siliconfleet) is still listed, as unpriced, with the reason; aliases resolve, so an
output written by an older version under an old kind name is priced as its kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ... import registry as kinds_registry
from ..model import Hardware, TargetCost

Describe = Callable[[dict[str, Any], dict[str, Any]], Hardware]
PriceFn = Callable[[dict[str, Any], dict[str, Any]], TargetCost]


@dataclass(frozen=True)
class Kind:
    name: str
    describe: Describe
    price: PriceFn


#: Entries placed here by hand (tests); everything else comes from the kind registry.
_REGISTRY: dict[str, Kind] = {}


def _entry(kind: kinds_registry.Kind, name: str) -> Kind:
    module = kind.review_module()
    return Kind(name, module.describe, module.price)


def registry() -> dict[str, Kind]:
    """Kind name (aliases included) -> its inventory and cost functions."""
    out = {name: _entry(kind, name) for kind in kinds_registry.kinds() for name in kind.names}
    out.update(_REGISTRY)
    return out


def _unknown(kind: str) -> Kind:
    def describe(target: dict[str, Any], fleet: dict[str, Any]) -> Hardware:
        hardware = next((target.get(k) for k in ("instance_type", "accelerator_type", "model") if target.get(k)), None)
        return Hardware(silicon=None, hardware=hardware, location=target.get("region") or target.get("zone"))

    def price(target: dict[str, Any], fleet: dict[str, Any]) -> TargetCost:
        return TargetCost(unpriced=(f"no cost model for kind {kind!r} in this siliconfleet; "
                                    f"known kinds: {', '.join(sorted(registry()))}",))

    return Kind(kind, describe, price)


def kind_for(name: str) -> Kind:
    """The kind's entry, or one that lists the target as unpriced."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    kind = kinds_registry.find(name)
    return _entry(kind, name) if kind is not None else _unknown(name)


def describe(target: dict[str, Any], fleet: dict[str, Any]) -> Hardware:
    return kind_for(str(target.get("kind"))).describe(target, fleet)


def price(target: dict[str, Any], fleet: dict[str, Any]) -> TargetCost:
    return kind_for(str(target.get("kind"))).price(target, fleet)


__all__ = ["Kind", "describe", "kind_for", "price", "registry"]
