"""The fleet file: pydantic models and a loader that reports every problem with its field path."""

from .load import load_fleet, parse_fleet, validate_fleet
from .models import (
    STANDARD_TAG_KEYS,
    Acknowledgement,
    AwsNetwork,
    Fleet,
    GcsBackend,
    Inf2Fields,
    Inf2Target,
    LocalBackend,
    P5Fields,
    P5Target,
    S3Backend,
    ServingSpec,
    TpuV5eFields,
    TpuV5eTarget,
    Traffic,
)

__all__ = [
    "Acknowledgement",
    "AwsNetwork",
    "Fleet",
    "GcsBackend",
    "Inf2Fields",
    "Inf2Target",
    "LocalBackend",
    "P5Fields",
    "P5Target",
    "S3Backend",
    "STANDARD_TAG_KEYS",
    "ServingSpec",
    "TpuV5eFields",
    "TpuV5eTarget",
    "Traffic",
    "load_fleet",
    "parse_fleet",
    "validate_fleet",
]
