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


#: Google Cloud label key of CostCenter (see siliconfleet/spec/labels.py).
REQUIRED_LABEL = "cost_center"


@cache
def taggable(resource_type: str) -> bool:
    """Whether a resource type takes ``tags`` (AWS) or ``labels`` (Google), read from the bindings."""
    if resource_type.startswith("aws_"):
        module_name, load, attribute = resource_type[len("aws_"):], engine.aws, "tags_input"
    elif resource_type.startswith("google_"):
        module_name, load, attribute = resource_type, engine.google_beta, "labels_input"
    else:
        return False
    try:
        module = load(module_name)
    except ImportError:
        return False
    class_name = "".join(part.capitalize() for part in module_name.split("_"))
    cls = next((v for k, v in vars(module).items() if k.lower() == class_name.lower() and isinstance(v, type)), None)
    return cls is not None and hasattr(cls, attribute)


def _default_tags(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """default_tags (AWS) or default_labels (Google) per provider reference ("aws", "google-beta.<alias>")."""
    out: dict[str, dict[str, str]] = {}
    for name, blocks in doc.get("provider", {}).items():
        for block in blocks:
            ref = f"{name}.{block['alias']}" if block.get("alias") else name
            tags: dict[str, str] = {}
            for default in block.get("default_tags", []) or []:
                tags.update(default.get("tags") or {})
            tags.update(block.get("default_labels") or {})
            out[ref] = tags
    return out


def _has_key(tags: Any, key: str = REQUIRED_KEY) -> bool:
    if isinstance(tags, str):  # a Terraform expression: cannot know, trust only literal maps
        return False
    return isinstance(tags, dict) and bool(tags.get(key))


def check_cost_center_tags(doc: dict[str, Any]) -> list[UntaggedResource]:
    """Every resource in a synthesized stack that would be created without CostCenter."""
    defaults = _default_tags(doc)
    problems: list[UntaggedResource] = []
    for rtype, resources in sorted(doc.get("resource", {}).items()):
        for name, body in sorted(resources.items()):
            address = f"{rtype}.{name}"
            google = rtype.startswith("google_")
            provider = re.sub(r"^\$\{(.*)\}$", r"\1", body.get("provider", "google-beta" if google else "aws"))
            inherited = defaults.get(provider, {})
            if google:
                if taggable(rtype) and not (_has_key(inherited, REQUIRED_LABEL) or _has_key(body.get("labels"), REQUIRED_LABEL)):
                    problems.append(UntaggedResource(address, f"no {REQUIRED_LABEL} label, neither its own nor from provider default_labels"))
                continue
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
