"""Build a stack's targets from the kind registry: each target's construct and props, in order.

Targets that read serving identities (a hosted API key's readers) are built after the others,
and given the identities the others' kinds provide (``registry.Placement``). A target whose kind
the registry does not know, or whose kind belongs in another cloud's stack, is an error: a stack
never drops a target silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from constructs import Construct

from siliconfleet import registry
from siliconfleet.errors import SiliconfleetError


def checked(stack_name: str, cloud: str, targets: list) -> list[tuple[Any, registry.Kind]]:
    """Each target with its kind; raises when a target cannot be built in a ``cloud`` stack."""
    out = []
    for target in targets:
        kind = registry.kind_of(target)
        where, _ = kind.placement.location(target)
        if where != cloud:
            raise SiliconfleetError(
                f"stack {stack_name}: target {target.name!r} of kind {kind.name!r} belongs in a {where} stack, "
                f"and this is a {cloud} stack"
            )
        out.append((target, kind))
    return out


def build_targets(
    stack: Construct, stack_name: str, cloud: str, fleet: Any, targets: list,
    reader_kwargs: Callable[[dict[str, tuple[Any, registry.Kind, Construct]]], dict[str, Any]],
) -> dict[str, tuple[Any, registry.Kind, Construct]]:
    """Build every target of the stack; ``reader_kwargs(built)`` gives the keyword arguments of
    the targets that read serving identities, from the targets built before them."""
    pairs = checked(stack_name, cloud, targets)
    built: dict[str, tuple[Any, registry.Kind, Construct]] = {}
    for readers in (False, True):
        extra = reader_kwargs(built) if readers else {}
        for target, kind in pairs:
            if kind.placement.reads_identities is not readers:
                continue
            fields = target.model_dump(exclude={"kind", "tags"})
            props = kind.props_model()(**fields, **fleet.ownership(target))
            built[target.name] = (target, kind, kind.construct_class()(stack, target.name, props=props, **extra))
    return built
