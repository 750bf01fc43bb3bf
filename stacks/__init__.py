"""The app's stacks: thin compositions of siliconfleet constructs, one stack per cloud account/region
(AWS) or project/zone (Google Cloud). ``STACKS`` maps a stack's cloud to its stack class; which
targets go in which stack, and how each is built, is the kind registry's (siliconfleet.registry)."""

from .aws_region import AwsRegionStack
from .gcp_zone import GcpZoneStack

STACKS = {"aws": AwsRegionStack, "gcp": GcpZoneStack}

__all__ = ["STACKS", "AwsRegionStack", "GcpZoneStack"]
