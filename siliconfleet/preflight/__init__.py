"""Preflight: quotas, capacity and availability of every target, before anything is deployed.

::

    from siliconfleet.preflight import preflight_file
    report = preflight_file("fleet.yaml")
    report.exit_code           # 0 ok, 1 insufficient, 3 unknown
    print(report.render_table())

The same checks run from explicit requests, without a fleet file::

    from siliconfleet.preflight import TpuRequest, GroqRequest, run_requests
    run_requests([TpuRequest(target="tpu", project="p", zone="us-central1-a", accelerator_type="v5litepod-4",
                             runtime_version="v2-alpha-tpuv5-lite", chips=4)])

Names are imported on first use (PEP 562): building the command line imports
``siliconfleet.preflight.cli`` without loading boto3. Nothing here imports the CDK engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "api": ("PreflightOptions", "aws_clients_for", "preflight", "preflight_file", "requests_of", "run_requests"),
    "aws": ("AwsTargetRequest", "CapacityRequest", "check_block_offerings", "check_reserved_capacity"),
    "aws_clients": ("AwsCallError", "AwsClients"),
    "gcp": ("GcpClients", "TpuRequest"),
    "groq": ("GroqClient", "GroqRequest"),
    "registry": ("TARGET_CHECKS", "KindChecks"),
    "results": ("CheckResult", "EXIT_BAD_INPUT", "EXIT_INSUFFICIENT", "EXIT_OK", "EXIT_UNKNOWN", "Evidence", "Report", "Status"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'siliconfleet.preflight' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
