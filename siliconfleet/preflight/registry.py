"""Which checks a fleet target kind gets, read from the kind registry (``siliconfleet.registry``).

Each kind's family names the function that turns a validated target into its request
(AwsTargetRequest, TpuRequest or a hosted API's request); the request's type decides which
cloud's checks run. ``TARGET_CHECKS`` is the view of that, per kind, for callers that list it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .. import registry


@dataclass(frozen=True)
class KindChecks:
    cloud: str
    """aws, gcp, or the hosted API's provider (groq...): the ``cloud`` of the kind's check results."""
    request: Callable[[Any], Any]
    """Target -> AwsTargetRequest (aws), TpuRequest (gcp) or the hosted API's request."""


def checks_for(kind: registry.Kind) -> KindChecks:
    return KindChecks(kind.provider or kind.cloud, kind.preflight_request())


class _TargetChecks(Mapping[str, KindChecks]):
    """Kind name -> its checks; aliases resolve, iteration gives each kind once by its name."""

    def __getitem__(self, name: str) -> KindChecks:
        kind = registry.find(name)
        if kind is None:
            raise KeyError(name)
        return checks_for(kind)

    def __iter__(self) -> Iterator[str]:
        return iter([kind.name for kind in registry.kinds()])

    def __len__(self) -> int:
        return len(registry.kinds())


TARGET_CHECKS: Mapping[str, KindChecks] = _TargetChecks()
