"""The app's stacks: thin compositions of siliconfleet constructs, one stack per cloud account/region."""

from .aws_region import AwsRegionStack

#: Construct class and props class per target kind.
__all__ = ["AwsRegionStack"]
