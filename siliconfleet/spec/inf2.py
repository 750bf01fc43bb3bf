"""The ``aws-inf2`` target: vLLM on AWS Inferentia2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field, model_validator

from .. import catalog, registry
from .aws import AwsClusterFields, known_instance_type
from .common import field_errors


class Inf2Fields(AwsClusterFields):
    instance_type: Annotated[str, known_instance_type("inferentia2", "Inferentia2 instance type")] = Field(
        description="inf2.xlarge, inf2.8xlarge, inf2.24xlarge or inf2.48xlarge."
    )

    @model_validator(mode="after")
    def _inf2_checks(self) -> Inf2Fields:
        problems = self.cross_field_problems()
        if problems:
            raise field_errors(problems)
        return self

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return [*super().checks(), self._tensor_parallel_problems, self._root_volume_problems]

    def _tensor_parallel_problems(self) -> list[tuple[str, str]]:
        cores = self.instance.neuron_cores
        tp = self.serving.tensor_parallel_degree
        if tp is not None and tp > cores:
            return [(
                "serving.tensor_parallel_degree",
                f"{tp} exceeds the {cores} NeuronCores of {self.instance_type}; use at most {cores} or a larger instance type",
            )]
        return []

    def _root_volume_problems(self) -> list[tuple[str, str]]:
        image = catalog.machine_image("inferentia2")
        if self.root_volume_gib is not None and self.root_volume_gib < image.min_root_volume_gib:
            return [(
                "root_volume_gib",
                f"{self.root_volume_gib} GiB is below the {image.min_root_volume_gib} GiB the Neuron DLAMI "
                f"needs; use at least {image.min_root_volume_gib} or leave it out",
            )]
        return []

    @property
    def effective_tensor_parallel_degree(self) -> int:
        return self.serving.tensor_parallel_degree or self.instance.neuron_cores


#: The names of the kind (its aliases included), from the registry.
Inf2Kind = registry.kind_literal("aws-inf2")


class Inf2Target(Inf2Fields):
    """A fleet target of kind ``aws-inf2``: an auto-scaled vLLM cluster on AWS Inferentia2."""

    kind: Inf2Kind
