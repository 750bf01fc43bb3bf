"""One stack per Google Cloud project and zone of a fleet: the google-beta provider (the TPU v2
resources exist only there) with the fleet's labels as default_labels, the state backend, and one
construct per target in that zone, as the kind registry builds it.

A location without a zone (``<project>``) is the project-level stack: hosted endpoints whose key
lives in that project's Secret Manager. Their key is readable by the service accounts of the
fleet's targets in the same project that run as one (TPU slices), which the zone stacks create:
the project stack depends on those stacks, so that `cdktf deploy` applies them first.
"""

from __future__ import annotations

from pathlib import Path

from constructs import Construct

from siliconfleet import catalog, engine, registry
from siliconfleet.backends import configure_backend
from siliconfleet.spec import Fleet
from siliconfleet.spec.labels import to_labels

from ._targets import build_targets


def serving_accounts(fleet: Fleet, project: str) -> list[str]:
    """Service accounts of the fleet's targets in ``project`` that run as one (queued slices do not)."""
    accounts = []
    for target in fleet.targets:
        kind = registry.kind_of(target)
        if kind.placement.identity == "gcp-service-account" and target.project == project:
            email = kind.construct_class().service_account_for(target)
            if email:
                accounts.append(email)
    return accounts


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
            **({"region": catalog.gcp_zone_region(zone), "zone": zone} if zone else {}),
            default_labels=to_labels(fleet.fleet_tags())[0],
            add_terraform_attribution_label=False,
        )
        configure_backend(self, fleet.backend, stack_name=name, fleet_dir=fleet_dir, stack_dir=stack_dir)
        built = build_targets(self, name, "gcp", fleet, targets,
                              lambda _: {"serving_service_accounts": serving_accounts(fleet, project)})
        self._built = built
        self.targets = {n: c for n, (_, _, c) in built.items()}
        self._order_after_service_accounts(scope)

    @property
    def reads_service_accounts(self) -> bool:
        return any(kind.placement.reads_identities for _, kind, _ in self._built.values())

    @property
    def creates_service_accounts(self) -> bool:
        return any(
            kind.placement.identity == "gcp-service-account" and c.service_account_email
            for _, kind, c in self._built.values()
        )

    def _order_after_service_accounts(self, scope: Construct) -> None:
        """The project stack applies after the zone stacks that create the service accounts it grants."""
        for other in scope.node.children:
            if not isinstance(other, GcpZoneStack) or other is self or other.project != self.project:
                continue
            if self.reads_service_accounts and other.creates_service_accounts:
                self.add_dependency(other)
            if other.reads_service_accounts and self.creates_service_accounts:
                other.add_dependency(self)
