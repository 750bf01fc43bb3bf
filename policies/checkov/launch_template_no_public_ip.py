"""CKV_SF_AWS_2: a launch template never gives its instances a public IP address.

checkov's public-IP checks cover aws_instance and subnets, not launch template network interfaces.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def _first(value):
    return value[0] if isinstance(value, list) and value else value


class LaunchTemplateNoPublicIp(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure a launch template does not associate public IP addresses",
            id="CKV_SF_AWS_2",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_launch_template"],
        )

    def scan_resource_conf(self, conf):
        interfaces = conf.get("network_interfaces") or []
        if not interfaces:
            return CheckResult.FAILED  # the subnet's default decides: not provably private
        for interface in interfaces:
            interface = _first(interface) or {}
            if str(_first(interface.get("associate_public_ip_address"))).lower() != "false":
                return CheckResult.FAILED
        return CheckResult.PASSED


check = LaunchTemplateNoPublicIp()
