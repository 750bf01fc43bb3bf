"""The ``aws-inf2`` target: vLLM on AWS Inferentia2.

Everything that depends on the silicon (NeuronCores for tensor parallelism, the Neuron DLAMI and
its root volume, the bootstrap) is catalog data read by the shared EC2 fields (spec/aws.py). The
kind keeps the schema it has always had: no ``capacity`` or ``efa`` (no inf2 type has EFA or is
sold as Capacity Blocks), so fleet files and synth outputs of earlier versions read the same.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from .. import registry
from .aws import AwsClusterFields
from .common import field_errors


class Inf2Fields(AwsClusterFields):
    kind_name: ClassVar[str | None] = "aws-inf2"

    instance_type: str = Field(
        description="inf2.xlarge, inf2.8xlarge, inf2.24xlarge or inf2.48xlarge."
    )

    @model_validator(mode="after")
    def _inf2_checks(self) -> Inf2Fields:
        problems = self.cross_field_problems()
        if problems:
            raise field_errors(problems)
        return self


#: The names of the kind (its aliases included), from the registry.
Inf2Kind = registry.kind_literal(Inf2Fields.kind_name)


class Inf2Target(Inf2Fields):
    """A fleet target of kind ``aws-inf2``: an auto-scaled vLLM cluster on AWS Inferentia2."""

    kind: Inf2Kind
