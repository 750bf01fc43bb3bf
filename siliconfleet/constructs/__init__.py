"""Reusable CDK constructs. Import them into any CDK Terrain or CDKTF stack.

The provider bindings load on first use, through siliconfleet.engine.
"""

from ..tagcheck import UntaggedResource, check_cost_center_tags
from .accelerator import AcceleratorCluster
from .aws_cluster import AwsInferenceCluster
from .groq import GroqEndpoint, GroqEndpointProps
from .hosted import HostedEndpoint, HostedEndpointProps
from .inf2 import Inf2Cluster, Inf2ClusterProps
from .network import PrivateNetwork
from .p5 import GpuCluster, GpuClusterProps, P5Cluster, P5ClusterProps
from .tpu import TpuSlice, TpuSliceProps, TpuV5eSlice, TpuV5eSliceProps

__all__ = [
    "AcceleratorCluster",
    "AwsInferenceCluster",
    "GpuCluster",
    "GpuClusterProps",
    "GroqEndpoint",
    "GroqEndpointProps",
    "HostedEndpoint",
    "HostedEndpointProps",
    "Inf2Cluster",
    "Inf2ClusterProps",
    "P5Cluster",
    "P5ClusterProps",
    "PrivateNetwork",
    "TpuSlice",
    "TpuSliceProps",
    "TpuV5eSlice",
    "TpuV5eSliceProps",
    "UntaggedResource",
    "check_cost_center_tags",
]
