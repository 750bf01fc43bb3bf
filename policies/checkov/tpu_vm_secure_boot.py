"""CKV_SF_GCP_1: a Cloud TPU VM boots with shielded secure boot.

checkov has no check for google_tpu_v2_vm shielded_instance_config; siliconfleet promises it.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def _first(value):
    return value[0] if isinstance(value, list) and value else value


class TpuVmSecureBoot(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure a Cloud TPU VM enables shielded secure boot",
            id="CKV_SF_GCP_1",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["google_tpu_v2_vm"],
        )

    def scan_resource_conf(self, conf):
        shielded = _first(conf.get("shielded_instance_config")) or {}
        return CheckResult.PASSED if _first(shielded.get("enable_secure_boot")) is True else CheckResult.FAILED


check = TpuVmSecureBoot()
