"""One stack per AWS region of a fleet: the provider with cost-center default tags, the state
backend, one cluster construct per target in that region, and one GroqEndpoint per Groq target
whose key lives in that region's Secrets Manager (readable by the region's serving roles)."""

from __future__ import annotations

from pathlib import Path

from constructs import Construct

from siliconfleet import engine
from siliconfleet.backends import configure_backend
from siliconfleet.constructs import GroqEndpoint, GroqEndpointProps, Inf2Cluster, Inf2ClusterProps, P5Cluster, P5ClusterProps
from siliconfleet.spec import Fleet

CLUSTERS = {"aws-inf2": (Inf2Cluster, Inf2ClusterProps), "aws-p5": (P5Cluster, P5ClusterProps)}
ENDPOINTS = {"groq": (GroqEndpoint, GroqEndpointProps)}


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
        self.clusters = {}
        for target in (t for t in targets if t.kind in CLUSTERS):
            construct, props = CLUSTERS[target.kind]
            fields = target.model_dump(exclude={"kind", "tags"})
            self.clusters[target.name] = construct(
                self, target.name, props=props(**fields, **fleet.ownership(target))
            )
        # Groq keys are read by the serving roles of this region's clusters, built first
        serving_roles = [cluster.instance_role_arn for cluster in self.clusters.values()]
        self.endpoints = {}
        for target in (t for t in targets if t.kind in ENDPOINTS):
            construct, props = ENDPOINTS[target.kind]
            fields = target.model_dump(exclude={"kind", "tags"})
            self.endpoints[target.name] = construct(
                self, target.name, props=props(**fields, **fleet.ownership(target)), serving_role_arns=serving_roles
            )

