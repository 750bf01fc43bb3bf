"""On-device memory tiers (Apple M-series, Jetson, phones) for the edge verdict: data/edge_devices.yaml."""

from __future__ import annotations

from functools import cache

from . import _load, _Row


class EdgeDevice(_Row):
    name: str
    display: str
    vendor: str
    memory_gb: float
    usable_fraction: float
    memory_bandwidth_gb_s: float
    source: str
    unverified: tuple[str, ...] = ()
    as_of: str

    @property
    def usable_bytes(self) -> float:
        return self.memory_gb * 1e9 * self.usable_fraction


@cache
def edge_devices() -> dict[str, EdgeDevice]:
    """Every edge tier, keyed by name, smallest memory first (catalog order)."""
    doc = _load("edge_devices.yaml")
    return {name: EdgeDevice(name=name, as_of=doc["as_of"], **row) for name, row in doc["devices"].items()}
