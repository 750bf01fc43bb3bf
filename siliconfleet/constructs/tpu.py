"""TpuSlice: Cloud TPU slices of any generation in the catalog serving an OpenAI-compatible API
(google-beta provider). What differs between generations (the accelerator_config type, the
serving package, the startup script) is the generation's catalog row. ``TpuV5eSlice`` and
``TpuV5eSliceProps`` are the names of earlier versions."""

from __future__ import annotations

from typing import Any

from constructs import Construct
from pydantic import model_validator

from .. import engine
from ..spec.common import DirectlyBuilt, Ownership, field_errors
from ..spec.labels import to_labels
from ..spec.tpu import TpuFields
from ..templates import render
from ._common import aws_name

#: Roles of the slice's own service account: write its logs and metrics, nothing else.
SERVICE_ACCOUNT_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter")
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


class TpuSliceProps(DirectlyBuilt, TpuFields, Ownership):
    """The fields of a TPU fleet target plus who pays and owns it (as GCP labels)."""

    @model_validator(mode="after")
    def _labels_representable(self) -> TpuSliceProps:
        _, problems = to_labels(self.all_tags)
        if problems:
            raise field_errors([(f"tags.{key}" if key in self.tags else "tags", message) for key, message in problems])
        return self


def gcp_name(*parts: str, max_len: int) -> str:
    """A GCP resource name: lowercase, starts with a letter, within ``max_len`` (hashed when longer)."""
    return aws_name(*parts, max_len=max_len)


class TpuSlice(Construct):
    """``count`` TPU slices with no external IP, shielded secure boot, a dedicated service
    account that may only write logs and metrics, and a startup script that runs vLLM TPU under
    systemd; optionally a new VPC (subnetwork with flow logs and Private Google Access, Cloud NAT
    for downloads) and, always, a firewall rule that opens the serving port to the listed client
    networks only. Provisioning: on-demand, spot, reserved, or queued (a queued resource).

    Public attributes: ``endpoint_urls`` (one per slice; empty for queued slices, whose addresses
    exist only once granted), ``service_account_email`` (None when queued), ``network``.
    """

    def __init__(self, scope: Construct, id: str, *, props: TpuSliceProps) -> None:
        super().__init__(scope, id)
        if not isinstance(props, TpuSliceProps):
            raise TypeError(f"{type(self).__name__} needs TpuSliceProps, got {type(props).__name__}")
        self.props = props
        fleet = props.fleet or props.name
        self.resource_name = props.name if fleet == props.name else gcp_name(fleet, props.name, max_len=48)
        self.labels, _ = to_labels(props.all_tags)
        self.queued = props.provisioning == "queued"
        self.service_account_email: str | None = None
        if not self.queued:  # a queued resource cannot name a service account: it gets the project default
            self._service_account()
        self._network()
        self._firewall()
        self.endpoint_urls: list[str] = []
        for index in range(props.count):
            self._slice(index)
        self._outputs()

    @staticmethod
    def service_account_for(target: Any) -> str | None:
        """The service account the slices of ``target`` (a spec target or props) run as; None when
        queued (a queued resource gets the project's default account). Its id depends on the
        target's name only, so other stacks can grant it before it exists."""
        if target.provisioning == "queued":
            return None
        return f"{gcp_name('sf', target.name, max_len=30)}@{target.project}.iam.gserviceaccount.com"

    # -----------------------------------------------------------------------------------------

    def _service_account(self) -> None:
        g, props = engine.google_beta, self.props
        account = g("google_service_account").GoogleServiceAccount(
            self,
            "ServiceAccount",
            project=props.project,
            account_id=gcp_name("sf", props.name, max_len=30),
            display_name=f"siliconfleet {props.name}",
            description=f"TPU slices of siliconfleet target {props.name}: writes logs and metrics only",
        )
        self.service_account_email = account.email
        member = f"serviceAccount:{account.email}"
        for role in SERVICE_ACCOUNT_ROLES:
            g("google_project_iam_member").GoogleProjectIamMember(
                self, f"Role-{role.split('/')[-1]}", project=props.project, role=role, member=member
            )
        if props.serving.hf_token_secret:
            g("google_secret_manager_secret_iam_member").GoogleSecretManagerSecretIamMember(
                self,
                "ReadHuggingFaceToken",
                project=props.project,
                secret_id=props.serving.hf_token_secret,
                role="roles/secretmanager.secretAccessor",
                member=member,
            )

    def _network(self) -> None:
        g, props = engine.google_beta, self.props
        if not props.network.is_new:
            self.network, self.subnetwork = props.network.network, props.network.subnetwork
            if not props.allowed_cidrs:  # clients default to the subnetwork's own range: read it
                subnet = g("data_google_compute_subnetwork").DataGoogleComputeSubnetwork(
                    self, "ExistingSubnetwork", project=props.project, region=props.region, name=props.network.subnetwork
                )
                self.subnet_cidr = subnet.ip_cidr_range
            return
        network = g("google_compute_network").GoogleComputeNetwork(
            self,
            "Network",
            project=props.project,
            name=gcp_name(self.resource_name, max_len=63),
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            description=f"siliconfleet {props.name}: private network for TPU slices",
        )
        subnetwork = g("google_compute_subnetwork").GoogleComputeSubnetwork(
            self,
            "Subnetwork",
            project=props.project,
            region=props.region,
            name=gcp_name(self.resource_name, max_len=63),
            network=network.id,
            ip_cidr_range=props.network.cidr,
            private_ip_google_access=True,
            log_config={"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5, "metadata": "INCLUDE_ALL_METADATA"},
        )
        router = g("google_compute_router").GoogleComputeRouter(
            self, "Router", project=props.project, region=props.region, name=gcp_name(self.resource_name, "nat", max_len=63), network=network.id
        )
        g("google_compute_router_nat").GoogleComputeRouterNat(
            self,
            "Nat",
            project=props.project,
            region=props.region,
            name=gcp_name(self.resource_name, "nat", max_len=63),
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config={"enable": True, "filter": "ERRORS_ONLY"},
        )
        self.network, self.subnetwork, self.subnet_cidr = network.id, subnetwork.id, props.network.cidr

    def _firewall(self) -> None:
        props = self.props
        sources = list(props.allowed_cidrs) or [self.subnet_cidr]
        engine.google_beta("google_compute_firewall").GoogleComputeFirewall(
            self,
            "ServingFirewall",
            project=props.project,
            name=gcp_name(self.resource_name, "serving", max_len=63),
            network=self.network,
            direction="INGRESS",
            description=f"Serving port {props.serving.port} of {props.name} from its client networks only",
            allow=[engine.google_beta("google_compute_firewall").GoogleComputeFirewallAllow(protocol="tcp", ports=[str(props.serving.port)])],
            source_ranges=sources,
            # only the slices' own service account; a queued resource has none, so its rule covers the network
            **({"target_service_accounts": [self.service_account_email]} if self.service_account_email else {}),
            log_config={"metadata": "INCLUDE_ALL_METADATA"},
        )

    def _startup_script(self) -> str:
        props = self.props
        gen = props.tpu_generation
        return render(
            gen.startup_template,
            fleet=props.fleet or props.name,
            target=props.name,
            model=props.serving.model,
            port=props.serving.port,
            tensor_parallel_degree=props.effective_tensor_parallel_degree,
            max_model_len=props.serving.max_model_len,
            max_num_seqs=props.serving.max_num_seqs,
            serving_package=gen.serving_package,
            tpu_display=gen.display,
            hf_token_secret=props.serving.hf_token_secret or "",
        )

    def _slice(self, index: int) -> None:
        g, props = engine.google_beta, self.props
        name = gcp_name(self.resource_name, str(index), max_len=63) if props.count > 1 else gcp_name(self.resource_name, max_len=63)
        cid = f"Slice{index}"
        network_config = {"network": self.network, "subnetwork": self.subnetwork, "enable_external_ips": False}
        if props.provisioning == "queued":
            queued = g("google_tpu_v2_queued_resource")
            queued.GoogleTpuV2QueuedResource(
                self,
                cid,
                project=props.project,
                zone=props.zone,
                name=name,
                tpu={
                    "node_spec": [
                        queued.GoogleTpuV2QueuedResourceTpuNodeSpec(
                            parent=f"projects/{props.project}/locations/{props.zone}",
                            node_id=name,
                            node_attribute={
                                "runtime_version": props.runtime_version,
                                "accelerator_type": props.shape.name,
                                "description": f"siliconfleet {props.name} slice {index}",
                                "network_config": network_config,
                            },
                        )
                    ]
                },
            )
            return  # its address is known only once the slice is granted
        shape: dict[str, Any] = (
            {"accelerator_type": props.accelerator_type}
            if props.accelerator_type
            else {"accelerator_config": {"type": props.tpu_generation.accelerator_config_type, "topology": props.topology}}
        )
        scheduling = {"spot": {"spot": True}, "reserved": {"reserved": True}}.get(props.provisioning)
        vm = g("google_tpu_v2_vm").GoogleTpuV2Vm(
            self,
            cid,
            project=props.project,
            zone=props.zone,
            name=name,
            description=f"siliconfleet {props.name} slice {index}: {props.serving.model}",
            runtime_version=props.runtime_version,
            network_config={**network_config, "can_ip_forward": False},
            service_account={"email": self.service_account_email, "scope": [CLOUD_PLATFORM_SCOPE]},
            shielded_instance_config={"enable_secure_boot": True},
            labels=self.labels,
            metadata={"startup-script": self._startup_script()},
            **({"scheduling_config": scheduling} if scheduling else {}),
            **shape,
        )
        self.endpoint_urls.append(f"http://{vm.network_endpoints.get(0).ip_address}:{props.serving.port}/v1")

    def _outputs(self) -> None:
        props, key = self.props, self.props.name.replace("-", "_")
        if self.queued:
            out = engine.TerraformOutput(
                self,
                "startup_script",
                value=self._startup_script(),
                description=f"{props.name}: the serving startup script; the queued-resource schema cannot carry it, "
                "so apply it once the slice is granted (gcloud compute tpus tpu-vm ssh --worker=all --command)",
            )
            out.override_logical_id(f"{key}_startup_script")
            return
        out = engine.TerraformOutput(
            self,
            "endpoint_urls",
            value=self.endpoint_urls,
            description=f"{props.name}: OpenAI-compatible base URLs of the TPU slices (internal addresses)",
        )
        out.override_logical_id(f"{key}_endpoint_urls")
        out = engine.TerraformOutput(
            self, "service_account_email", value=self.service_account_email,
            description=f"{props.name}: service account of the TPU slices (grant extra reads to it)",
        )
        out.override_logical_id(f"{key}_service_account_email")


#: The names of earlier versions.
TpuV5eSlice = TpuSlice
TpuV5eSliceProps = TpuSliceProps
