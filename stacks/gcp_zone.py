"""One stack per Google Cloud project and zone of a fleet: the google-beta provider (the TPU v2
resources exist only there) with the fleet's labels as default_labels, the state backend, and one
construct per target in that zone."""

from __future__ import annotations

from pathlib import Path

from constructs import Construct

from siliconfleet import engine
from siliconfleet.backends import configure_backend
from siliconfleet.constructs import TpuV5eSlice, TpuV5eSliceProps
from siliconfleet.spec import Fleet
from siliconfleet.spec.labels import to_labels

CONSTRUCTS = {"gcp-tpu-v5e": (TpuV5eSlice, TpuV5eSliceProps)}


class GcpZoneStack(engine.TerraformStack):
    def __init__(
        self, scope: Construct, name: str, *, fleet: Fleet, location: str, targets: list, fleet_dir: Path, stack_dir: Path
    ) -> None:
        super().__init__(scope, name)
        project, zone = location.split("/")
        engine.google_beta("provider").GoogleBetaProvider(
            self,
            "google-beta",
            project=project,
            region=zone.rsplit("-", 1)[0],
            zone=zone,
            default_labels=to_labels(fleet.fleet_tags())[0],
            add_terraform_attribution_label=False,
        )
        configure_backend(self, fleet.backend, stack_name=name, fleet_dir=fleet_dir, stack_dir=stack_dir)
        self.targets = {}
        for target in targets:
            construct, props = CONSTRUCTS[target.kind]
            fields = target.model_dump(exclude={"kind", "tags"})
            self.targets[target.name] = construct(self, target.name, props=props(**fields, **fleet.ownership(target)))
