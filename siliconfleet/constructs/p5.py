"""P5Cluster: an auto-scaled vLLM cluster on AWS p5 (H100) or p5e / p5en (H200), with EFA,
a cluster placement group and reserved capacity (On-Demand Capacity Reservations and Capacity
Blocks for ML) wired correctly by construction. All of it is ``AcceleratorCluster`` reading the
catalog rows of the instance type; this module gives the kind its public props class."""

from __future__ import annotations

from constructs import Construct

from ..spec.models import DirectlyBuilt, Ownership, P5Fields
from .accelerator import INSTANCE_PLATFORM, AcceleratorCluster

__all__ = ["INSTANCE_PLATFORM", "GpuCluster", "GpuClusterProps", "P5Cluster", "P5ClusterProps"]


class P5ClusterProps(DirectlyBuilt, P5Fields, Ownership):
    """The fields of an ``aws-gpu`` (``aws-p5``) fleet target plus who pays and owns it.

    ``cost_center``, ``owner`` and ``environment`` are required, so a cluster imported into any
    stack is always tagged. Bad values raise ``SiliconfleetError`` naming each field.
    """


class P5Cluster(AcceleratorCluster):
    """vLLM on CUDA on p5 instances: the GPU DLAMI, an encrypted gp3 root volume, IMDSv2 only, no
    public address, an auto scaling group behind an internal network load balancer with a /health
    check, and an instance role with SSM and the CloudWatch agent. Optionally a new private VPC;
    ``efa`` and ``capacity`` as ``AcceleratorCluster`` describes.

    Example::

        P5Cluster(stack, "llama-70b", props=P5ClusterProps(
            name="llama-70b", region="us-east-1", instance_type="p5.48xlarge",
            capacity={"type": "capacity-block", "purchase": {
                "start": "2026-12-01T11:30:00Z", "duration_hours": 48, "instance_count": 2}},
            network={"cidr": "10.50.0.0/16"}, serving={"model": "meta-llama/Llama-3.3-70B-Instruct"},
            cost_center="ml-platform", owner="ml@example.com", environment="prod"))

    Public attributes beyond the shared ones: ``placement_group_name`` and
    ``capacity_reservation_id`` (None when not used).
    """

    props_class = P5ClusterProps

    def __init__(self, scope: Construct, id: str, *, props: P5ClusterProps) -> None:
        super().__init__(scope, id, props=props)


#: The kind's names since it became ``aws-gpu``.
GpuCluster = P5Cluster
GpuClusterProps = P5ClusterProps
