"""AcceleratorCluster: an auto-scaled vLLM cluster on any EC2 accelerator, what its instance type
allows wired by catalog data, not by class: the machine image, the bootstrap template and the
unit tensor parallelism splits over come from the silicon's row (aws_silicon.yaml); EFA (one
interface per network card, a cluster placement group) where the type has several EFA interfaces;
reserved capacity (On-Demand Capacity Reservations and Capacity Blocks for ML) where the kind's
schema has ``capacity`` and the type is sold that way. ``Inf2Cluster`` and ``P5Cluster`` are this
construct with their own props; a kind registered without a construct of its own uses it
directly, with props from ``props_model``."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .. import engine, registry
from ..errors import SiliconfleetError
from ..spec.accelerator import fields_model
from ..spec.aws import AwsClusterFields
from ..spec.capacity import rfc3339_utc
from ..spec.common import DirectlyBuilt, Ownership, derived_model, kind_model_name
from ..templates import render
from .aws_cluster import AwsInferenceCluster

#: Operating system of the instances, as EC2 names it for Capacity Block purchases.
INSTANCE_PLATFORM = "Linux/UNIX"


class AcceleratorCluster(AwsInferenceCluster):
    """vLLM on an EC2 accelerator: the silicon's machine image, an encrypted gp3 root volume,
    IMDSv2 only, no public address, an auto scaling group behind an internal network load
    balancer with a /health check, and an instance role with SSM and the CloudWatch agent.
    Optionally a new private VPC.

    Where the props and the instance type ask for it:

    - ``efa``: every EFA interface of the type (32 on p5.48xlarge and p5e.48xlarge, 16 on
      p5en.48xlarge), instance-to-instance traffic allowed inside the security group, one subnet
      for the instances, and a ``cluster`` placement group for capacity the cluster buys itself
      (on-demand, spot).
    - ``capacity``: ``reservation`` targets an existing On-Demand Capacity Reservation (or a
      resource group of them); ``capacity-block`` targets an existing Capacity Block or buys one
      (offering looked up at plan time, ``aws_ec2_capacity_block_reservation`` at apply) with the
      launch template's market type ``capacity-block``. Instances launch only in the subnets of the
      reservation's AZ, and Terraform checks the block's AZ, size and type at plan, before a purchase.

    Public attributes beyond the shared ones: ``placement_group_name`` and
    ``capacity_reservation_id`` (None when not used).
    """

    #: The props class the cluster takes (a kind's subclass names its own).
    props_class: type | None = None

    def __init__(self, scope: Construct, id: str, *, props: AwsClusterFields) -> None:
        wanted = self.props_class
        if wanted is not None and not isinstance(props, wanted):
            raise TypeError(f"{type(self).__name__} needs {wanted.__name__}, got {type(props).__name__}")
        super().__init__(scope, id, props=props)

    @property
    def silicon(self) -> str:  # type: ignore[override]
        """Catalog silicon of the instance type (inferentia2, h100, h200...)."""
        return self.props.instance.silicon

    # -----------------------------------------------------------------------------------------
    # Hooks of AwsInferenceCluster

    def silicon_resources(self) -> None:
        props = self.props
        self.placement_group_name: str | None = None
        self.capacity_reservation_id: str | None = None
        self._window: dict[str, tuple[Any, str]] = {}
        self._preconditions: list[Any] = []
        self._subnet_azs: list[str] | None = None
        #: AZ ID instances must launch in: a literal, a plan-time reference, or None (anywhere)
        self._capacity_az: str | None = props.capacity_availability_zone_id
        if props.effective_efa:
            self._efa_security_rules()
            if props.capacity_plan.type in ("on-demand", "spot"):
                self._placement_group()
        if props.capacity_plan.type == "capacity-block":
            self._capacity_block()

    def network_interfaces(self) -> list[Any]:
        """With EFA, one interface per network card. Per AWS, "Maximize network bandwidth on Amazon
        EC2 instances with multiple network cards" and its "EFA configuration for P5 instances"
        (docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html): the primary interface
        is network card 0, device index 0, an EFA (with ENA) interface; every other network card
        gets device index 1 and an EFA-only interface (no IP address, so a 32-card instance does
        not use 32 addresses of the subnet; "EFA-only" interfaces, AWS What's New, 2024-10-28).
        A later revision of that page also allows an ENA primary interface with an EFA-only one on
        card 0, device index 1; the layout here keeps the primary interface an EFA. Every interface says ``associate_public_ip_address = "false"`` explicitly, as the EFA launch
        templates of terraform-aws-modules/terraform-aws-eks do: EC2 accepts false on each card,
        and only ``true`` is limited to a single interface."""
        if not self.props.effective_efa:
            return super().network_interfaces()
        lt = engine.aws("launch_template")
        cards = self.instance.efa_interfaces
        primary = lt.LaunchTemplateNetworkInterfaces(
            network_card_index=0,
            device_index=0,
            interface_type="efa",
            associate_public_ip_address="false",
            delete_on_termination="true",
            security_groups=[self.security_group_id],
            description=f"{self.props.name}: primary EFA interface",
        )
        efa_only = [
            lt.LaunchTemplateNetworkInterfaces(
                network_card_index=card,
                device_index=1,
                interface_type="efa-only",
                associate_public_ip_address="false",
                delete_on_termination="true",
                security_groups=[self.security_group_id],
                description=f"{self.props.name}: EFA-only interface, network card {card}",
            )
            for card in range(1, cards)
        ]
        return [primary, *efa_only]

    def launch_template_extra(self) -> dict[str, Any]:
        cap = self.props.capacity_plan
        lt = engine.aws("launch_template")
        spec = lt.LaunchTemplateCapacityReservationSpecification
        target = lt.LaunchTemplateCapacityReservationSpecificationCapacityReservationTarget
        if cap.type == "reservation":
            chosen = (
                {"capacity_reservation_id": cap.reservation_id}
                if cap.reservation_id
                else {"capacity_reservation_resource_group_arn": cap.resource_group_arn}
            )
            return {"capacity_reservation_specification": spec(capacity_reservation_target=target(**chosen))}
        if cap.type == "capacity-block":
            return {
                "instance_market_options": lt.LaunchTemplateInstanceMarketOptions(market_type="capacity-block"),
                "capacity_reservation_specification": spec(
                    capacity_reservation_target=target(capacity_reservation_id=self.capacity_reservation_id)
                ),
            }
        return {}

    def autoscaling_extra(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.placement_group_name is not None:
            extra["placement_group"] = self.placement_group_name
        if self.props.capacity_plan.type == "capacity-block":
            # A block may start days after apply; until then no instance can launch. Do not make
            # apply wait for capacity (Terraform's default is 10 minutes, then an error).
            extra["wait_for_capacity_timeout"] = "0"
        purchase = getattr(self.props.capacity_plan, "purchase", None)
        if self._capacity_az is not None and purchase is None and not self._is_literal_new_vpc_az():
            self._preconditions.append(engine.Precondition(
                condition=engine.Fn.contains(self._subnet_az_ids(), self._capacity_az),
                error_message=f"{self.props.name}: none of the cluster's subnets is in the AZ of its reserved "
                "capacity; add a subnet in that AZ (network.subnet_ids) or choose network.availability_zone_ids "
                "that include it",
            ))
        if self._preconditions:
            extra["lifecycle"] = engine.TerraformResourceLifecycle(precondition=self._preconditions)
        return extra

    def instance_subnet_ids(self) -> list[str]:
        """Only the subnets in the reserved capacity's AZ, when the capacity has one: an instance
        can launch into a reservation or a Capacity Block only in its AZ. With EFA, only one
        subnet: "EFA OS-bypass traffic is limited to a single subnet" (AWS EC2 User Guide, Elastic
        Fabric Adapter, limitations), and a cluster placement group lives in one AZ."""
        if self._capacity_az is None:
            subnets: Any = self.subnet_ids
        elif self._is_literal_new_vpc_az():
            azs = self._subnet_az_ids()
            subnets = [subnet for subnet, az in zip(self.subnet_ids, azs, strict=True) if az == self._capacity_az]
        else:
            subnets = engine.Fn.matchkeys(self.subnet_ids, self._subnet_az_ids(), [self._capacity_az])
        if not self.props.effective_efa:
            return subnets
        return [subnets[0]] if isinstance(subnets, list) and not engine.Token.is_unresolved(subnets) else [
            engine.Fn.element(subnets, 0)
        ]

    def output_values(self) -> dict[str, tuple[Any, str]]:
        values = super().output_values()
        if not self.props.capacity_options:
            return values  # a kind without capacity options publishes the shared outputs only
        cap = self.props.capacity_plan
        values["capacity_type"] = (cap.type, "How the instances are bought: on-demand, spot, reservation or capacity-block")
        if self.placement_group_name is not None:
            values["placement_group_name"] = (self.placement_group_name, "Cluster placement group holding the EFA instances")
        if cap.type == "reservation":
            values["capacity_reservation_target"] = (
                cap.reservation_id or cap.resource_group_arn,
                "On-Demand Capacity Reservation (or resource group) the instances launch into",
            )
        if self.capacity_reservation_id is not None:
            values["capacity_reservation_id"] = (self.capacity_reservation_id, "Capacity Block the instances launch into")
        values.update(self._window)
        return values

    def user_data(self) -> str:
        """The silicon's bootstrap template (catalog), with what every bootstrap may need."""
        props = self.props
        return render(
            props.silicon.bootstrap_template,
            **self.serving_context(),
            instance_type=props.instance_type,
            gpus=self.instance.gpus,
            neuron_cores=self.instance.neuron_cores,
            parallel_units=self.instance.parallel_units,
            efa_interfaces=self.instance.efa_interfaces if props.effective_efa else 0,
            vllm_image=props.effective_vllm_image or "",
        )

    # -----------------------------------------------------------------------------------------
    # EFA, placement and reserved capacity, where the instance type and the capacity ask for them

    def _efa_security_rules(self) -> None:
        """EFA needs all traffic allowed between the instances: in from and out to the group itself."""
        aws = engine.aws
        common = {
            "security_group_id": self.security_group_id,
            "ip_protocol": "-1",
            "referenced_security_group_id": self.security_group_id,
            "tags": self.tags,
        }
        aws("vpc_security_group_ingress_rule").VpcSecurityGroupIngressRule(
            self, "EfaIngressFromCluster", description="EFA: all traffic from the cluster's own instances", **common
        )
        aws("vpc_security_group_egress_rule").VpcSecurityGroupEgressRule(
            self, "EfaEgressToCluster", description="EFA: all traffic to the cluster's own instances", **common
        )

    def _placement_group(self) -> None:
        group = engine.aws("placement_group").PlacementGroup(
            self,
            "PlacementGroup",
            name=self.resource_name,
            strategy="cluster",
            tags={**self.tags, "Name": self.resource_name},
        )
        self.placement_group_name = group.name

    def _capacity_block(self) -> None:
        """An existing Capacity Block (read at plan time) or a purchase. Instances in a block are
        already placed close together in an EC2 UltraCluster, so no placement group is added: "there
        is no need to use a cluster placement group with a Capacity Block" (AWS EC2 User Guide,
        "Work with Capacity Blocks", docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-using.html)."""
        aws = engine.aws
        props, cap = self.props, self.props.capacity_plan
        name = self.props.name
        if cap.purchase is not None:
            purchase = cap.purchase
            offering = aws("data_aws_ec2_capacity_block_offering").DataAwsEc2CapacityBlockOffering(
                self,
                "CapacityBlockOffering",
                instance_type=props.instance_type,
                instance_count=purchase.instance_count,
                capacity_duration_hours=purchase.duration_hours,
                start_date_range=rfc3339_utc(purchase.start),
                end_date_range=rfc3339_utc(purchase.end_date_range),
            )
            zone = aws("data_aws_availability_zone").DataAwsAvailabilityZone(
                self, "CapacityBlockZone", name=offering.availability_zone
            )
            self._capacity_az = zone.zone_id
            # Checked at plan, before the purchase (which cannot be cancelled).
            block = aws("ec2_capacity_block_reservation").Ec2CapacityBlockReservation(
                self,
                "CapacityBlock",
                capacity_block_offering_id=offering.capacity_block_offering_id,
                instance_platform=INSTANCE_PLATFORM,
                tags={**self.tags, "Name": self.resource_name},
                lifecycle=engine.TerraformResourceLifecycle(precondition=[engine.Precondition(
                    condition=engine.Fn.contains(self._subnet_az_ids(), zone.zone_id),
                    error_message=f"{name}: the Capacity Block offering is in an AZ without a subnet of the "
                    "cluster; nothing was bought. Add that AZ (network.availability_zone_ids or a subnet in "
                    "network.subnet_ids) or choose another start",
                )]),
            )
            self.capacity_reservation_id = block.id
            zone_name = block.availability_zone
            price = {
                "capacity_block_upfront_fee": (
                    f"{offering.upfront_fee} {offering.currency_code}",
                    "Price of the Capacity Block offering, paid in full at purchase (known at plan)",
                )
            }
        else:
            try:
                lookup = aws("data_aws_ec2_capacity_block_reservation")
            except SiliconfleetError:
                raise SiliconfleetError(
                    f"{name}: capacity.reservation_id: an existing Capacity Block is read at plan time with the "
                    f"aws_ec2_capacity_block_reservation data source, which the AWS bindings of the "
                    f"{engine.engine_name()!r} engine lack; synthesize with the default engine (SILICONFLEET_ENGINE=cdktn)"
                ) from None
            block = lookup.DataAwsEc2CapacityBlockReservation(self, "CapacityBlock", id=cap.reservation_id)
            if self._capacity_az is None:
                self._capacity_az = block.availability_zone_id
            self.capacity_reservation_id = cap.reservation_id
            zone_name = block.availability_zone
            price = {}
            self._preconditions += [
                engine.Precondition(
                    condition=engine.Op.eq(block.instance_type, props.instance_type),
                    error_message=f"{name}: Capacity Block {cap.reservation_id} is not for {props.instance_type}; "
                    "set instance_type to the block's type",
                ),
                engine.Precondition(
                    condition=engine.Op.eq(block.instance_count, props.max_size),
                    error_message=f"{name}: Capacity Block {cap.reservation_id} does not hold {props.max_size} "
                    "instances; set min_size and max_size (and capacity.instance_count) to the block's size",
                ),
            ]
        self._window = {
            "capacity_block_start": (block.start_date, "Start of the Capacity Block (UTC); instances launch from then"),
            "capacity_block_end": (
                block.end_date,
                "End of the Capacity Block (UTC); EC2 starts terminating its instances 30 minutes before",
            ),
            "capacity_block_availability_zone": (zone_name, "Availability Zone of the Capacity Block"),
            **price,
        }

    def _is_literal_new_vpc_az(self) -> bool:
        """The capacity's AZ is given in the fleet file and the cluster makes its own VPC: the
        subnets are chosen at synth, and the spec has already checked that one is in that AZ."""
        return self.props.network.is_new and isinstance(self._capacity_az, str) and not engine.Token.is_unresolved(
            self._capacity_az
        )

    def _subnet_az_ids(self) -> list[str]:
        """AZ IDs of ``subnet_ids``, in order: from the spec for a new VPC, read at plan otherwise."""
        if self._subnet_azs is None:
            if self.props.network.is_new:
                self._subnet_azs = list(self.props.availability_zone_ids)
            else:
                subnet = engine.aws("data_aws_subnet").DataAwsSubnet
                self._subnet_azs = [
                    subnet(self, f"ExistingSubnet{i}", id=subnet_id).availability_zone_id
                    for i, subnet_id in enumerate(self.subnet_ids)
                ]
        return self._subnet_azs



def props_model(kind: registry.Kind) -> type:
    """The props of an EC2 kind registered without its own: its fields plus who pays and owns it."""
    fields = fields_model(kind)
    return derived_model(kind_model_name(kind, "ClusterProps"), (DirectlyBuilt, fields, Ownership),
                         f"The fields of a ``{kind.name}`` fleet target plus who pays and owns it.", __name__)
