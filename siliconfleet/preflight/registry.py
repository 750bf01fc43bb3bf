"""Which checks a fleet target kind gets: one entry per kind.

Each entry names the cloud whose checks run and the function that turns a validated target into
that cloud's request. A new target kind adds one line here, for example (issue 4 and 5)::

    "gcp-tpu-v5e": KindChecks("gcp", lambda t: gcp.TpuRequest(
        target=t.name, project=t.project, zone=t.zone, accelerator_type=t.accelerator_type,
        runtime_version=t.runtime_version, chips=t.chips, provisioning=t.provisioning)),
    "groq": KindChecks("groq", lambda t: groq.GroqRequest(
        target=t.name, model=t.model, max_model_len=t.max_model_len,
        requests_per_minute=t.rate_limits.requests_per_minute, tokens_per_minute=t.rate_limits.tokens_per_minute)),
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from . import aws

Cloud = Literal["aws", "gcp", "groq"]


@dataclass(frozen=True)
class KindChecks:
    cloud: Cloud
    request: Callable[[Any], Any]
    """Target -> AwsTargetRequest (aws), TpuRequest (gcp) or GroqRequest (groq)."""


TARGET_CHECKS: dict[str, KindChecks] = {
    "aws-inf2": KindChecks("aws", aws.request_from_target),
    "aws-p5": KindChecks("aws", aws.request_from_target),
}
