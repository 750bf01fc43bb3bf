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

from .._lazy import lazy_exports

_EXPORTS = {
    "api": ("PreflightOptions", "aws_clients_for", "preflight", "preflight_file", "requests_of", "run_requests"),
    "aws": ("AwsTargetRequest", "CapacityRequest", "check_block_offerings", "check_reserved_capacity"),
    "aws_clients": ("AwsCallError", "AwsClients"),
    "gcp": ("GcpClients", "TpuRequest"),
    "groq": ("GroqClient", "GroqRequest"),
    "hosted": ("HostedRequest", "OpenAICompatibleClient"),
    "registry": ("TARGET_CHECKS", "KindChecks"),
    "results": ("CheckResult", "EXIT_BAD_INPUT", "EXIT_INSUFFICIENT", "EXIT_OK", "EXIT_UNKNOWN", "Evidence", "Report", "Status"),
}
__all__, __getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
