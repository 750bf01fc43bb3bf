"""Which checks a fleet target kind gets: one entry per kind.

Each entry names the cloud whose checks run and the function that turns a validated target into
that cloud's request (AwsTargetRequest, TpuRequest or GroqRequest). A new target kind adds one
line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from . import aws, gcp, groq

Cloud = Literal["aws", "gcp", "groq"]


@dataclass(frozen=True)
class KindChecks:
    cloud: Cloud
    request: Callable[[Any], Any]
    """Target -> AwsTargetRequest (aws), TpuRequest (gcp) or GroqRequest (groq)."""


TARGET_CHECKS: dict[str, KindChecks] = {
    "aws-inf2": KindChecks("aws", aws.request_from_target),
    "aws-p5": KindChecks("aws", aws.request_from_target),
    "gcp-tpu-v5e": KindChecks("gcp", gcp.request_from_target),
    "groq": KindChecks("groq", groq.request_from_target),
}
