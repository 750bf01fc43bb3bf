"""CKV_SF_GCP_2: the TPU nodes a queued resource creates get no external IP address.

checkov's CKV2_GCP_32 covers google_tpu_v2_vm only; a queued resource sets the same network
config inside tpu.node_spec.node.network_config, where the API default is to assign external IPs
unless enable_external_ips is false.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def _first(value):
    return value[0] if isinstance(value, list) and value else value


class TpuQueuedNoExternalIp(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure the TPU nodes of a queued resource have no external IP addresses",
            id="CKV_SF_GCP_2",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["google_tpu_v2_queued_resource"],
        )

    def scan_resource_conf(self, conf):
        tpu = _first(conf.get("tpu")) or {}
        specs = tpu.get("node_spec") or []
        if not specs:
            return CheckResult.FAILED
        for spec in specs:
            node = _first((_first(spec) or {}).get("node")) or {}
            network = _first(node.get("network_config")) or {}
            if _first(network.get("enable_external_ips")) is not False:
                return CheckResult.FAILED
        return CheckResult.PASSED


check = TpuQueuedNoExternalIp()
