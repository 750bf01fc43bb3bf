"""Shared test helpers.

The CDK engine is imported lazily by the fixtures that need it, so pure spec and catalog tests
stay fast. Tests marked ``cdktf`` run only under SILICONFLEET_ENGINE=cdktf (`make test-cdktf`).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

#: A minimal valid fleet; tests deep-copy it and change what they are about.
BASE_FLEET: dict[str, Any] = {
    "fleet": "test-fleet",
    "cost_center": "cc-1234",
    "owner": "team@example.com",
    "environment": "dev",
    "targets": [
        {
            "kind": "aws-inf2",
            "name": "llama-8b",
            "region": "us-east-1",
            "instance_type": "inf2.8xlarge",
            "network": {"cidr": "10.40.0.0/16"},
            "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct"},
        }
    ],
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_cdktf = os.environ.get("SILICONFLEET_ENGINE") == "cdktf"
    skip_cdktf = pytest.mark.skip(reason="CDKTF-engine test: run with SILICONFLEET_ENGINE=cdktf (make test-cdktf)")
    skip_cloud = pytest.mark.skip(
        reason="needs provider downloads or a cloud account, unreachable here: set SILICONFLEET_CLOUD_TESTS=1 where they are"
    )
    cloud = os.environ.get("SILICONFLEET_CLOUD_TESTS") == "1"
    for item in items:
        if item.get_closest_marker("cdktf") and not on_cdktf:
            item.add_marker(skip_cdktf)
        if item.get_closest_marker("cloud") and not cloud:
            item.add_marker(skip_cloud)


@pytest.fixture
def fleet_dict() -> dict[str, Any]:
    return copy.deepcopy(BASE_FLEET)


@pytest.fixture
def write_fleet(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    def write(doc: dict[str, Any], name: str = "fleet.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    return write


def synth_stack(build: Callable[[Any], None], *, aws_region: str | None = "us-east-1") -> dict[str, Any]:
    """Build a stack with ``build(stack)`` (after an AWS provider, unless aws_region is None) and
    return its synthesized JSON through the engine's ``Testing.synth``."""
    from siliconfleet import engine

    app = engine.Testing.app()
    stack = engine.TerraformStack(app, "test")
    if aws_region:
        engine.aws("provider").AwsProvider(stack, "aws", region=aws_region)
    build(stack)
    return json.loads(engine.Testing.synth(stack))


def resources(doc: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    """All resources of one type in a synthesized stack, keyed by logical id."""
    return doc.get("resource", {}).get(rtype, {})


def only(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    """The one resource of ``rtype`` in ``doc`` (fails if there are zero or several)."""
    found = resources(doc, rtype)
    assert len(found) == 1, f"expected one {rtype}, found {sorted(found)}"
    return next(iter(found.values()))
