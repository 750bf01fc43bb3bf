"""One stack per AWS region of a fleet: the provider with cost-center default tags, the state
backend, and one construct per target in that region, as the kind registry builds it: clusters
first, then the hosted endpoints whose key lives in that region's Secrets Manager (readable by
the region's serving roles)."""

from __future__ import annotations

from pathlib import Path

from constructs import Construct

from siliconfleet import engine
from siliconfleet.backends import configure_backend
from siliconfleet.spec import Fleet

from ._targets import build_targets


class AwsRegionStack(engine.TerraformStack):
    def __init__(
        self, scope: Construct, name: str, *, fleet: Fleet, location: str, targets: list, fleet_dir: Path, stack_dir: Path
    ) -> None:
        super().__init__(scope, name)
        provider = engine.aws("provider")
        provider.AwsProvider(
            self, "aws", region=location, default_tags=[provider.AwsProviderDefaultTags(tags=fleet.fleet_tags())]
        )
        configure_backend(self, fleet.backend, stack_name=name, fleet_dir=fleet_dir, stack_dir=stack_dir)

        def readers(built: dict) -> dict:
            # hosted API keys are read by the instance roles of this region's clusters, built first
            roles = [c.instance_role_arn for _, kind, c in built.values() if kind.placement.identity == "aws-role"]
            return {"serving_role_arns": roles}

        built = build_targets(self, name, "aws", fleet, targets, readers)
        self.targets = {n: c for n, (_, _, c) in built.items()}
        self.clusters = {n: c for n, (_, kind, c) in built.items() if kind.placement.identity == "aws-role"}
        self.endpoints = {n: c for n, (_, kind, c) in built.items() if kind.placement.reads_identities}
