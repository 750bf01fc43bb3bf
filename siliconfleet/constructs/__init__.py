"""Reusable CDK constructs. Import them into any CDK Terrain or CDKTF stack.

The provider bindings load on first use, through siliconfleet.engine.
"""

from .aws_cluster import AwsInferenceCluster
from .inf2 import Inf2Cluster, Inf2ClusterProps
from .network import PrivateNetwork
from .p5 import P5Cluster, P5ClusterProps
from .tagging import UntaggedResource, check_cost_center_tags

__all__ = [
    "AwsInferenceCluster",
    "Inf2Cluster",
    "Inf2ClusterProps",
    "P5Cluster",
    "P5ClusterProps",
    "PrivateNetwork",
    "UntaggedResource",
    "check_cost_center_tags",
]
