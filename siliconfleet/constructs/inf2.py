"""Inf2Cluster: an auto-scaled vLLM cluster on AWS Inferentia2 behind an internal load balancer.
All of it is ``AcceleratorCluster`` reading the catalog rows of the instance type (the Neuron
DLAMI, the Neuron bootstrap, NeuronCores); this module gives the kind its public props class."""

from __future__ import annotations

from constructs import Construct

from ..spec.models import DirectlyBuilt, Inf2Fields, Ownership
from .accelerator import AcceleratorCluster


class Inf2ClusterProps(DirectlyBuilt, Inf2Fields, Ownership):
    """The fields of an ``aws-inf2`` fleet target plus who pays and owns it.

    ``cost_center``, ``owner`` and ``environment`` are required, so a cluster imported into any
    stack is always tagged. Bad values raise ``SiliconfleetError`` naming each field.
    """


class Inf2Cluster(AcceleratorCluster):
    """vLLM with the Neuron plugin on inf2 instances: the Neuron DLAMI, an encrypted gp3 root
    volume, IMDSv2 only, no public address, an auto scaling group (optionally part spot), an
    internal network load balancer with a /health check, and an instance role with SSM and the
    CloudWatch agent. Optionally a new private VPC.

    Example::

        Inf2Cluster(stack, "llama", props=Inf2ClusterProps(
            name="llama-8b", region="us-east-1", instance_type="inf2.8xlarge",
            network={"cidr": "10.40.0.0/16"}, serving={"model": "Qwen/Qwen3-8B"},
            cost_center="ml-platform", owner="ml@example.com", environment="prod"))
    """

    props_class = Inf2ClusterProps

    def __init__(self, scope: Construct, id: str, *, props: Inf2ClusterProps) -> None:
        super().__init__(scope, id, props=props)
