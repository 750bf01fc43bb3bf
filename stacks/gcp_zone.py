"""One stack per Google Cloud project and zone of a fleet: the google-beta provider (the TPU v2
resources exist only there) with the fleet's labels as default_labels, the state backend, and one
construct per target in that zone.

A location without a zone (``<project>``) is the project-level stack: Groq endpoints whose key
lives in that project's Secret Manager. Their key is readable by the service accounts of the
fleet's TPU slices in the same project, which the zone stacks create: the project stack depends
on those stacks, so that `cdktf deploy` applies them first.
"""

from __future__ import annotations

from pathlib import Path

from constructs import Construct

from siliconfleet import engine
from siliconfleet.backends import configure_backend
from siliconfleet.constructs import GroqEndpoint, GroqEndpointProps, TpuV5eSlice, TpuV5eSliceProps
from siliconfleet.constructs.groq import tpu_service_account_email
from siliconfleet.spec import Fleet
from siliconfleet.spec.labels import to_labels

CONSTRUCTS = {"gcp-tpu-v5e": (TpuV5eSlice, TpuV5eSliceProps)}
ENDPOINTS = {"groq": (GroqEndpoint, GroqEndpointProps)}


def _has_service_accounts(target) -> bool:
    """A TPU target whose slices run as their own service account (queued slices cannot)."""
    return target.kind == "gcp-tpu-v5e" and target.provisioning != "queued"


class GcpZoneStack(engine.TerraformStack):
    def __init__(
        self, scope: Construct, name: str, *, fleet: Fleet, location: str, targets: list, fleet_dir: Path, stack_dir: Path
    ) -> None:
        super().__init__(scope, name)
        project, _, zone = location.partition("/")
        self.project = project
        engine.google_beta("provider").GoogleBetaProvider(
            self,
            "google-beta",
            project=project,
            **({"region": zone.rsplit("-", 1)[0], "zone": zone} if zone else {}),
            default_labels=to_labels(fleet.fleet_tags())[0],
            add_terraform_attribution_label=False,
        )
        configure_backend(self, fleet.backend, stack_name=name, fleet_dir=fleet_dir, stack_dir=stack_dir)
        self.targets = {}
        for target in (t for t in targets if t.kind in CONSTRUCTS):
            construct, props = CONSTRUCTS[target.kind]
            fields = target.model_dump(exclude={"kind", "tags"})
            self.targets[target.name] = construct(self, target.name, props=props(**fields, **fleet.ownership(target)))
        serving_accounts = [
            tpu_service_account_email(t.name, project)
            for t in fleet.targets if _has_service_accounts(t) and t.project == project
        ]
        for target in (t for t in targets if t.kind in ENDPOINTS):
            construct, props = ENDPOINTS[target.kind]
            fields = target.model_dump(exclude={"kind", "tags"})
            self.targets[target.name] = construct(
                self, target.name, props=props(**fields, **fleet.ownership(target)), serving_service_accounts=serving_accounts
            )
        self._order_after_service_accounts(scope)

    @property
    def reads_service_accounts(self) -> bool:
        return any(isinstance(c, GroqEndpoint) for c in self.targets.values())

    @property
    def creates_service_accounts(self) -> bool:
        return any(isinstance(c, TpuV5eSlice) and c.service_account_email for c in self.targets.values())

    def _order_after_service_accounts(self, scope: Construct) -> None:
        """The project stack applies after the zone stacks that create the service accounts it grants."""
        for other in scope.node.children:
            if not isinstance(other, GcpZoneStack) or other is self or other.project != self.project:
                continue
            if self.reads_service_accounts and other.creates_service_accounts:
                self.add_dependency(other)
            if other.reads_service_accounts and self.creates_service_accounts:
                other.add_dependency(self)
