"""Hosted API endpoints beyond Terraform: storing a target's API key (`siliconfleet keys set`).

Names load on first use, so that building the command line does not load the fleet models.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {"keys": ("KeyStoreError", "Stored", "check_key_shape", "store_key")}
__all__, __getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
