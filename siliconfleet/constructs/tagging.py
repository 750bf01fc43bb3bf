"""The cost-center check: no taggable AWS resource without a CostCenter tag.

It reads a synthesized stack (the ``cdk.tf.json`` document), so it sees exactly what Terraform
will create, including resources that user code added beside siliconfleet's constructs.
A resource is tagged when its own ``tags`` or its provider's ``default_tags`` carry the key.
Auto Scaling groups carry tags as ``tag`` blocks; a launch template must also tag the
instances and volumes it launches (``tag_specifications``), or those would escape the bill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import engine

REQUIRED_KEY = "CostCenter"

#: What a launch template must tag through tag_specifications.
LAUNCHED_KINDS = ("instance", "volume", "network-interface")


@dataclass(frozen=True)
class UntaggedResource:
    address: str
    reason: str

    def __str__(self) -> str:
        return f"{self.address}: {self.reason}"


@cache
def taggable(resource_type: str) -> bool:
    """Whether an AWS resource type takes a ``tags`` argument, read from the provider bindings."""
    if not resource_type.startswith("aws_"):
        return False
    module_name = resource_type[len("aws_"):]
    try:
        module = engine.aws(module_name)
    except ImportError:
        return False
    class_name = "".join(part.capitalize() for part in module_name.split("_"))
    cls = next((v for k, v in vars(module).items() if k.lower() == class_name.lower() and isinstance(v, type)), None)
    return cls is not None and hasattr(cls, "tags_input")


def _default_tags(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """default_tags per provider reference ("aws" or "aws.<alias>")."""
    out: dict[str, dict[str, str]] = {}
    for block in doc.get("provider", {}).get("aws", []):
        ref = f"aws.{block['alias']}" if block.get("alias") else "aws"
        tags: dict[str, str] = {}
        for default in block.get("default_tags", []) or []:
            tags.update(default.get("tags") or {})
        out[ref] = tags
    return out


def _has_key(tags: Any) -> bool:
    if isinstance(tags, str):  # a Terraform expression: cannot know, trust only literal maps
        return False
    return isinstance(tags, dict) and bool(tags.get(REQUIRED_KEY))


def check_cost_center_tags(doc: dict[str, Any]) -> list[UntaggedResource]:
    """Every resource in a synthesized stack that would be created without CostCenter."""
    defaults = _default_tags(doc)
    problems: list[UntaggedResource] = []
    for rtype, resources in sorted(doc.get("resource", {}).items()):
        for name, body in sorted(resources.items()):
            address = f"{rtype}.{name}"
            provider = re.sub(r"^\$\{(.*)\}$", r"\1", body.get("provider", "aws"))
            inherited = defaults.get(provider, {})
            if rtype == "aws_autoscaling_group":
                keys = {t.get("key") for t in body.get("tag", []) or []}
                if REQUIRED_KEY not in keys:
                    problems.append(UntaggedResource(address, f"no {REQUIRED_KEY} tag block (provider default_tags do not reach Auto Scaling groups)"))
                continue
            if not taggable(rtype):
                continue
            if not (_has_key(inherited) or _has_key(body.get("tags"))):
                problems.append(UntaggedResource(address, f"no {REQUIRED_KEY} tag, neither its own nor from provider default_tags"))
            if rtype == "aws_launch_template":
                tagged = {s.get("resource_type") for s in body.get("tag_specifications", []) or [] if _has_key(s.get("tags"))}
                missing = [k for k in LAUNCHED_KINDS if k not in tagged]
                if missing:
                    problems.append(
                        UntaggedResource(address, f"tag_specifications do not tag launched {', '.join(missing)} with {REQUIRED_KEY}")
                    )
    return problems
