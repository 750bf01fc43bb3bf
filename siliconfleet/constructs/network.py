"""A new private VPC for inference clusters: no public instances, NAT egress, flow logs."""

from __future__ import annotations

import ipaddress

from constructs import Construct

from .. import engine
from ._common import assume_role_policy, policy_json

#: Days VPC flow logs are kept (checkov CKV_AWS_338 asks for at least a year).
FLOW_LOG_RETENTION_DAYS = 365


def carve_subnets(cidr: str, az_count: int, public_count: int) -> tuple[list[str], list[str]]:
    """Private and public subnet CIDRs carved from ``cidr`` (/16 to /22).

    The block is split in eight; the first ``az_count`` eighths are private subnets (where the
    instances live), and the last eighth is split in eight again for small public subnets that
    hold only NAT gateways.
    """
    net = ipaddress.ip_network(cidr)
    eighths = list(net.subnets(prefixlen_diff=3))
    private = [str(s) for s in eighths[:az_count]]
    public = [str(s) for s in list(eighths[-1].subnets(prefixlen_diff=3))[:public_count]]
    return private, public


class PrivateNetwork(Construct):
    """A VPC with private subnets in the given AZs (by AZ ID, pinned), NAT egress for package and model downloads, VPC flow
    logs to a KMS-encrypted log group, and a default security group that allows nothing.

    Child ids (``Vpc``, ``PrivateSubnet0``, ``NatGateway0``...) are stable: renaming one replaces it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        region: str,
        cidr: str,
        availability_zone_ids: list[str],
        nat_gateways: str,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, id)
        aws = engine.aws
        az_count = len(availability_zone_ids)
        nat_count = az_count if nat_gateways == "per-az" else 1
        private_cidrs, public_cidrs = carve_subnets(cidr, az_count, nat_count)

        def named(suffix: str) -> dict[str, str]:
            return {**tags, "Name": f"{name}-{suffix}"}

        vpc = aws("vpc").Vpc(
            self, "Vpc", cidr_block=cidr, enable_dns_support=True, enable_dns_hostnames=True, tags=named("vpc")
        )
        # Each attribute read is a round trip to jsii: read every token once.
        vpc_id = vpc.id
        # The default security group of a VPC allows all traffic between its members: take its rules away.
        aws("default_security_group").DefaultSecurityGroup(self, "DefaultSecurityGroup", vpc_id=vpc_id, tags=named("default-deny"))

        igw = aws("internet_gateway").InternetGateway(self, "InternetGateway", vpc_id=vpc_id, tags=named("igw"))
        public_rt_id = aws("route_table").RouteTable(self, "PublicRouteTable", vpc_id=vpc_id, tags=named("public")).id
        aws("route").Route(
            self, "PublicDefaultRoute", route_table_id=public_rt_id, destination_cidr_block="0.0.0.0/0", gateway_id=igw.id
        )
        nat_ids: list[str] = []
        for i, block in enumerate(public_cidrs):
            subnet = aws("subnet").Subnet(
                self,
                f"PublicSubnet{i}",
                vpc_id=vpc_id,
                cidr_block=block,
                availability_zone_id=availability_zone_ids[i],
                map_public_ip_on_launch=False,
                tags={**named(f"public-{i}"), "Tier": "public"},
            )
            subnet_id = subnet.id
            aws("route_table_association").RouteTableAssociation(
                self, f"PublicSubnet{i}Routes", subnet_id=subnet_id, route_table_id=public_rt_id
            )
            eip = aws("eip").Eip(self, f"NatAddress{i}", domain="vpc", tags=named(f"nat-{i}"))
            nat_ids.append(
                aws("nat_gateway").NatGateway(
                    self, f"NatGateway{i}", allocation_id=eip.id, subnet_id=subnet_id, tags=named(f"nat-{i}"),
                    depends_on=[igw],
                ).id
            )

        self.private_subnet_ids: list[str] = []
        for i, block in enumerate(private_cidrs):
            subnet = aws("subnet").Subnet(
                self,
                f"PrivateSubnet{i}",
                vpc_id=vpc_id,
                cidr_block=block,
                availability_zone_id=availability_zone_ids[i],
                map_public_ip_on_launch=False,
                tags={**named(f"private-{i}"), "Tier": "private"},
            )
            subnet_id = subnet.id
            rt_id = aws("route_table").RouteTable(self, f"PrivateRouteTable{i}", vpc_id=vpc_id, tags=named(f"private-{i}")).id
            aws("route").Route(
                self,
                f"PrivateDefaultRoute{i}",
                route_table_id=rt_id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat_ids[i % len(nat_ids)],
            )
            aws("route_table_association").RouteTableAssociation(
                self, f"PrivateSubnet{i}Routes", subnet_id=subnet_id, route_table_id=rt_id
            )
            self.private_subnet_ids.append(subnet_id)

        self._flow_logs(name, region, vpc_id, tags)
        self.vpc_id: str = vpc_id
        self.vpc_cidr: str = cidr

    def _flow_logs(self, name: str, region: str, vpc_id: str, tags: dict[str, str]) -> None:
        aws = engine.aws
        account = aws("data_aws_caller_identity").DataAwsCallerIdentity(self, "Account")
        partition = aws("data_aws_partition").DataAwsPartition(self, "Partition")
        arn_partition, account_id = partition.partition, account.account_id
        log_group_arn = f"arn:{arn_partition}:logs:{region}:{account_id}:log-group:/siliconfleet/{name}/vpc-flow-logs"
        key = aws("kms_key").KmsKey(
            self,
            "FlowLogKey",
            description=f"Encrypts VPC flow logs of {name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_json(
                [
                    {
                        "Sid": "AccountAdministers",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:{arn_partition}:iam::{account_id}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        "Sid": "CloudWatchLogsUsesKey",
                        "Effect": "Allow",
                        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                        "Resource": "*",
                        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
                    },
                ]
            ),
            tags=tags,
        )
        group = aws("cloudwatch_log_group").CloudwatchLogGroup(
            self,
            "FlowLogGroup",
            name=f"/siliconfleet/{name}/vpc-flow-logs",
            retention_in_days=FLOW_LOG_RETENTION_DAYS,
            kms_key_id=key.arn,
            tags=tags,
        )
        group_arn = group.arn
        role = aws("iam_role").IamRole(
            self,
            "FlowLogRole",
            name_prefix="sf-flowlogs-",
            assume_role_policy=assume_role_policy("vpc-flow-logs.amazonaws.com"),
            tags=tags,
        )
        aws("iam_role_policy").IamRolePolicy(
            self,
            "FlowLogPolicy",
            role=role.id,
            policy=policy_json(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        "Resource": [group_arn, f"{group_arn}:*"],
                    }
                ]
            ),
        )
        aws("flow_log").FlowLog(
            self,
            "FlowLog",
            vpc_id=vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group_arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=tags,
        )
