"""CKV_SF_AWS_1: every EBS volume a launch template defines is encrypted.

checkov has no built-in check for aws_launch_template block devices (only for aws_instance and
launch configurations), so siliconfleet adds one. Fixtures: tests/policies/.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def _first(value):
    return value[0] if isinstance(value, list) and value else value


class LaunchTemplateEbsEncrypted(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure every EBS volume of a launch template is encrypted",
            id="CKV_SF_AWS_1",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_launch_template"],
        )

    def scan_resource_conf(self, conf):
        mappings = conf.get("block_device_mappings") or []
        if not mappings:
            return CheckResult.FAILED  # the AMI's own mapping decides: not provably encrypted
        for mapping in mappings:
            mapping = _first(mapping) or {}
            if _first(mapping.get("virtual_name")):
                continue  # instance store, not EBS
            ebs = _first(mapping.get("ebs")) or {}
            if str(_first(ebs.get("encrypted"))).lower() != "true":
                return CheckResult.FAILED
        return CheckResult.PASSED


check = LaunchTemplateEbsEncrypted()
