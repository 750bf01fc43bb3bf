"""The app's stacks: thin compositions of siliconfleet constructs, one stack per cloud account/region
(AWS) or project/zone (Google Cloud). ``STACKS`` maps a target's cloud to its stack class."""

from .aws_region import AwsRegionStack
from .gcp_zone import GcpZoneStack

STACKS = {"aws": AwsRegionStack, "gcp": GcpZoneStack}

__all__ = ["STACKS", "AwsRegionStack", "GcpZoneStack"]
