"""What every EC2 inference cluster has, whatever its silicon.

``AwsInferenceCluster`` builds the network (or uses an existing one), security groups, the
instance role, a launch template, an auto scaling group, an internal network load balancer and
the outputs. ``AcceleratorCluster`` (accelerator.py) states the rest from catalog data: the user
data, and the extra resources, launch-template, auto-scaling and output settings that EFA and
reserved capacity need.
"""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

from constructs import Construct

from .. import catalog, engine
from ..spec.models import AwsClusterFields, Ownership
from ._common import assume_role_policy, aws_name, policy_json
from .network import PrivateNetwork

#: Seconds a new instance may take before load-balancer health counts: compiling a model for the
#: accelerator and loading its weights takes many minutes.
HEALTH_CHECK_GRACE_SECONDS = 1800

MANAGED_POLICIES = ("AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy")


class AwsInferenceCluster(Construct):
    """Base of ``AcceleratorCluster`` (and so of ``Inf2Cluster`` and ``P5Cluster``); not used directly.

    Public attributes (read-only): ``endpoint_url`` (and ``endpoint_urls``, the list of it, as
    every target construct has), ``load_balancer_dns_name``,
    ``autoscaling_group_name``, ``security_group_id``, ``instance_role_arn``,
    ``launch_template_id``, ``vpc_id``, ``subnet_ids``.
    """

    def __init__(self, scope: Construct, id: str, *, props: AwsClusterFields) -> None:
        super().__init__(scope, id)
        if not isinstance(props, Ownership):
            raise TypeError(f"{type(self).__name__} needs its own props class, got {type(props).__name__}")
        self.props = props
        self.tags: dict[str, str] = props.all_tags
        fleet = props.fleet or props.name
        #: prefix of every name this cluster gives a resource: "<fleet>-<target>"
        self.resource_name = props.name if fleet == props.name else aws_name(fleet, props.name, max_len=48)
        self.instance = catalog.aws_instance_type(props.instance_type)
        aws = engine.aws

        self._network()
        self._security_groups()
        self._instance_role()
        self.silicon_resources()

        image = aws("data_aws_ssm_parameter").DataAwsSsmParameter(
            self, "MachineImage", name=props.machine_image.ssm_parameter
        )
        lt = aws("launch_template")
        self.launch_template = lt.LaunchTemplate(
            self,
            "LaunchTemplate",
            name=self.resource_name,
            description=f"siliconfleet {props.name}: {props.instance_type} serving {props.serving.model}",
            update_default_version=True,
            image_id=image.insecure_value,
            instance_type=props.instance_type,
            ebs_optimized="true",
            iam_instance_profile={"arn": self.instance_profile.arn},
            monitoring={"enabled": True},
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
                "instance_metadata_tags": "disabled",
            },
            block_device_mappings=[
                lt.LaunchTemplateBlockDeviceMappings(
                    device_name="/dev/sda1",
                    ebs={
                        "volume_size": props.effective_root_volume_gib,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                )
            ],
            network_interfaces=self.network_interfaces(),
            user_data=base64.b64encode(self.user_data().encode()).decode(),
            tag_specifications=[
                lt.LaunchTemplateTagSpecifications(resource_type=kind, tags={**self.tags, "Name": self.resource_name})
                for kind in ("instance", "volume", "network-interface")
            ],
            tags=self.tags,
            **self.launch_template_extra(),
        )
        self._load_balancer()
        self._autoscaling_group()
        self._outputs()

    @property
    def endpoint_urls(self) -> list[str]:
        """The cluster's one endpoint, as a list: what the gateway reads of every target construct."""
        return [self.endpoint_url]

    # -----------------------------------------------------------------------------------------
    # What a silicon states

    def silicon_resources(self) -> None:
        """Create what the launch template or the group refer to beyond the shared parts (placement
        group, capacity reservation...). Runs after the network, security groups and role exist."""

    def user_data(self) -> str:
        """The instance bootstrap script (rendered from templates/)."""
        raise TypeError(f"{type(self).__name__} must define user_data()")

    def serving_context(self) -> dict[str, Any]:
        """Template variables every silicon's bootstrap shares: who, where and the serving settings."""
        props = self.props
        return {
            "fleet": props.fleet or props.name,
            "target": props.name,
            "region": props.region,
            "model": props.serving.model,
            "port": props.serving.port,
            "tensor_parallel_degree": props.effective_tensor_parallel_degree,
            "max_model_len": props.serving.max_model_len,
            "max_num_seqs": props.serving.max_num_seqs,
            "hf_token_secret_arn": props.serving.hf_token_secret_arn or "",
        }

    def network_interfaces(self) -> list[Any]:
        """One private interface, no public address; EFA silicon adds more."""
        return [
            engine.aws("launch_template").LaunchTemplateNetworkInterfaces(
                device_index=0,
                associate_public_ip_address="false",
                delete_on_termination="true",
                security_groups=[self.security_group_id],
            )
        ]

    def launch_template_extra(self) -> dict[str, Any]:
        """Extra LaunchTemplate arguments (placement, market options, capacity reservations)."""
        return {}

    def autoscaling_extra(self) -> dict[str, Any]:
        """Extra AutoscalingGroup arguments (placement group...)."""
        return {}

    def instance_subnet_ids(self) -> list[str]:
        """Subnets the group launches into; default: every subnet of the cluster."""
        return self.subnet_ids

    def output_values(self) -> dict[str, tuple[Any, str]]:
        """Terraform outputs of the cluster: key -> (value, description)."""
        return {
            "endpoint_url": (self.endpoint_url, "OpenAI-compatible base URL of the cluster (internal load balancer)"),
            "autoscaling_group_name": (self.autoscaling_group_name, "Auto Scaling group running the serving instances"),
            "security_group_id": (self.security_group_id, "Security group of the serving instances"),
            "instance_role_arn": (self.instance_role_arn, "IAM role of the serving instances (attach extra read grants here)"),
        }

    def role_statements(self) -> list[dict[str, Any]]:
        """IAM statements of the instance role beyond SSM and the CloudWatch agent."""
        arn = self.props.serving.hf_token_secret_arn
        if not arn:
            return []
        return [{"Sid": "ReadHuggingFaceToken", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn}]

    # -----------------------------------------------------------------------------------------
    # The shared parts

    def _network(self) -> None:
        net = self.props.network
        if net.is_new:
            network = PrivateNetwork(
                self,
                "Network",
                name=self.resource_name,
                region=self.props.region,
                cidr=net.cidr,
                availability_zone_ids=self.props.availability_zone_ids,
                nat_gateways=net.nat_gateways,
                tags=self.tags,
            )
            self.vpc_id, self.subnet_ids, vpc_cidr = network.vpc_id, network.private_subnet_ids, network.vpc_cidr
        else:
            self.vpc_id, self.subnet_ids = net.vpc_id, list(net.subnet_ids or [])
            vpc_cidr = engine.aws("data_aws_vpc").DataAwsVpc(self, "ExistingVpc", id=net.vpc_id).cidr_block
        self.client_cidrs = list(self.props.allowed_cidrs)
        if not self.client_cidrs and not self.props.allowed_security_group_ids:
            self.client_cidrs = [vpc_cidr]

    def _security_groups(self) -> None:
        aws = engine.aws
        port = self.props.serving.port
        lb_sg = aws("security_group").SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            name_prefix=f"{self.resource_name}-lb-",
            description=f"Clients of {self.props.name} reach its load balancer on port {port}",
            vpc_id=self.vpc_id,
            tags={**self.tags, "Name": f"{self.resource_name}-lb"},
            lifecycle={"create_before_destroy": True},
        )
        sg = aws("security_group").SecurityGroup(
            self,
            "InstanceSecurityGroup",
            name_prefix=f"{self.resource_name}-instances-",
            description=f"Instances of {self.props.name}: serving port from the load balancer only",
            vpc_id=self.vpc_id,
            tags={**self.tags, "Name": f"{self.resource_name}-instances"},
            lifecycle={"create_before_destroy": True},
        )
        self.lb_security_group_id: str = lb_sg.id  # each attribute read is a jsii round trip: read once
        self.security_group_id: str = sg.id
        lb_sg_id, sg_id = self.lb_security_group_id, self.security_group_id
        ingress = aws("vpc_security_group_ingress_rule").VpcSecurityGroupIngressRule
        egress = aws("vpc_security_group_egress_rule").VpcSecurityGroupEgressRule

        def tcp_rule(kind: Any, rule_id: str, group_id: str, description: str, tcp_port: int, **peer: str) -> None:
            kind(
                self, rule_id, security_group_id=group_id, description=description, ip_protocol="tcp",
                from_port=tcp_port, to_port=tcp_port, tags=self.tags, **peer,
            )

        for i, cidr in enumerate(self.client_cidrs):
            is_v6 = not engine.Token.is_unresolved(cidr) and ipaddress.ip_network(cidr).version == 6
            tcp_rule(ingress, f"ClientIngress{i}", lb_sg_id, f"Serving port from client network {i}", port,
                     **({"cidr_ipv6": cidr} if is_v6 else {"cidr_ipv4": cidr}))
        for i, group in enumerate(self.props.allowed_security_group_ids):
            tcp_rule(ingress, f"ClientGroupIngress{i}", lb_sg_id, f"Serving port from client security group {i}", port,
                     referenced_security_group_id=group)
        tcp_rule(egress, "LoadBalancerToInstances", lb_sg_id, "Forward to the instances' serving port", port,
                 referenced_security_group_id=sg_id)
        tcp_rule(ingress, "InstancesFromLoadBalancer", sg_id, "Serving port and health checks from the load balancer", port,
                 referenced_security_group_id=lb_sg_id)
        tcp_rule(egress, "InstancesHttpsEgress", sg_id, "HTTPS out: model weights, packages, SSM and CloudWatch endpoints", 443,
                 cidr_ipv4="0.0.0.0/0")

    def _instance_role(self) -> None:
        aws = engine.aws
        partition = aws("data_aws_partition").DataAwsPartition(self, "Partition")
        role = aws("iam_role").IamRole(
            self,
            "InstanceRole",
            name_prefix=aws_name(self.resource_name, max_len=32) + "-",
            description=f"Instances of siliconfleet target {self.props.name}",
            assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
            permissions_boundary=self.props.permissions_boundary_arn,
            tags=self.tags,
        )
        role_name, arn_partition = role.name, partition.partition
        for policy in MANAGED_POLICIES:
            aws("iam_role_policy_attachment").IamRolePolicyAttachment(
                self, policy, role=role_name, policy_arn=f"arn:{arn_partition}:iam::aws:policy/{policy}"
            )
        statements = self.role_statements()
        if statements:
            aws("iam_role_policy").IamRolePolicy(self, "InstancePolicy", role=role.id, policy=policy_json(statements))
        self.instance_profile = aws("iam_instance_profile").IamInstanceProfile(
            self, "InstanceProfile", name_prefix=aws_name(self.resource_name, max_len=32) + "-", role=role_name, tags=self.tags
        )
        self.instance_role_arn: str = role.arn

    def _load_balancer(self) -> None:
        aws = engine.aws
        port = self.props.serving.port
        lb = aws("lb").Lb(
            self,
            "LoadBalancer",
            name=aws_name(self.resource_name, max_len=32),
            internal=True,
            load_balancer_type="network",
            subnets=self.subnet_ids,
            security_groups=[self.lb_security_group_id],
            enable_cross_zone_load_balancing=True,
            enable_deletion_protection=self.props.load_balancer_deletion_protection,
            tags=self.tags,
        )
        self.target_group = aws("lb_target_group").LbTargetGroup(
            self,
            "TargetGroup",
            name=aws_name(self.resource_name, max_len=32),
            port=port,
            protocol="TCP",
            target_type="instance",
            vpc_id=self.vpc_id,
            deregistration_delay="120",
            health_check={
                "enabled": True,
                "protocol": "HTTP",
                "path": "/health",
                "port": "traffic-port",
                "matcher": "200",
                "interval": 30,
                "healthy_threshold": 3,
                "unhealthy_threshold": 3,
            },
            tags=self.tags,
        )
        aws("lb_listener").LbListener(
            self,
            "Listener",
            load_balancer_arn=lb.arn,
            port=port,
            protocol="TCP",
            default_action=[aws("lb_listener").LbListenerDefaultAction(type="forward", target_group_arn=self.target_group.arn)],
            tags=self.tags,
        )
        self.load_balancer_dns_name: str = lb.dns_name
        self.endpoint_url: str = f"http://{lb.dns_name}:{port}/v1"

    def _autoscaling_group(self) -> None:
        props = self.props
        version = engine.Token.as_string(self.launch_template.latest_version)
        template_id = self.launch_template.id
        template = {"id": template_id, "version": version}
        placement: dict[str, Any] = {}
        if props.spot_fraction > 0:
            placement["mixed_instances_policy"] = {
                "launch_template": {"launch_template_specification": {"launch_template_id": template_id, "version": version}},
                "instances_distribution": {
                    "on_demand_base_capacity": 0,
                    "on_demand_percentage_above_base_capacity": round((1 - props.spot_fraction) * 100),
                    "spot_allocation_strategy": "price-capacity-optimized",
                },
            }
            placement["capacity_rebalance"] = True
        else:
            placement["launch_template"] = template
        asg = engine.aws("autoscaling_group").AutoscalingGroup(
            self,
            "AutoScalingGroup",
            name=self.resource_name,
            min_size=props.min_size,
            max_size=props.max_size,
            desired_capacity=props.effective_desired_size,
            vpc_zone_identifier=self.instance_subnet_ids(),
            target_group_arns=[self.target_group.arn],
            health_check_type="ELB",
            health_check_grace_period=HEALTH_CHECK_GRACE_SECONDS,
            default_instance_warmup=HEALTH_CHECK_GRACE_SECONDS,
            instance_refresh={
                "strategy": "Rolling",
                "preferences": {"min_healthy_percentage": 50, "instance_warmup": str(HEALTH_CHECK_GRACE_SECONDS)},
            },
            enabled_metrics=["GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances", "GroupTotalInstances"],
            tag=[
                engine.aws("autoscaling_group").AutoscalingGroupTag(key=k, value=v, propagate_at_launch=True)
                for k, v in sorted({**self.tags, "Name": self.resource_name}.items())
            ],
            **placement,
            **self.autoscaling_extra(),
        )
        self.autoscaling_group_name: str = asg.name

    def _outputs(self) -> None:
        for key, (value, description) in self.output_values().items():
            out = engine.TerraformOutput(self, key, value=value, description=f"{self.props.name}: {description}")
            out.override_logical_id(f"{self.props.name}_{key}".replace("-", "_"))
