"""The cost-center check: no taggable AWS resource without a CostCenter tag.

It reads a synthesized stack (the ``cdk.tf.json`` document), so it sees exactly what Terraform
will create, including resources that user code added beside siliconfleet's constructs.
A resource is tagged when its own ``tags`` or its provider's ``default_tags`` carry the key.
Auto Scaling groups carry tags as ``tag`` blocks; a launch template must also tag the
instances and volumes it launches (``tag_specifications``), or those would escape the bill.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import engine

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


_CLASS = re.compile(r"^class (\w+)\(", re.M)


@cache
def _binding_source(provider: str, module: str) -> str | None:
    """The source of one provider-binding module, located without importing it (no jsii, no Node)."""
    if not re.fullmatch(r"\w+", module):
        return None
    for engine_name in (engine.engine_name(), *[e for e in engine.ENGINES if e != engine.engine_name()]):
        spec = importlib.util.find_spec(engine.ENGINES[engine_name][provider])
        if spec is not None and spec.submodule_search_locations:
            source = Path(next(iter(spec.submodule_search_locations))) / module / "__init__.py"
            if source.is_file():
                return source.read_text(encoding="utf-8")
    return None


@cache
def taggable(resource_type: str) -> bool:
    """Whether a resource type takes ``tags`` (AWS) or ``labels`` (Google).

    Read from the provider bindings' source: the resource class defines ``tags_input`` or
    ``labels_input``. Reading rather than importing keeps the check free of the CDK engine, so
    `siliconfleet review` runs it on JSON alone.
    """
    if resource_type.startswith("aws_"):
        provider, module, attribute = "aws", resource_type[len("aws_"):], "tags_input"
    elif resource_type.startswith("google_"):
        provider, module, attribute = "google-beta", resource_type, "labels_input"
    else:
        return False
    text = _binding_source(provider, module)
    if text is None:
        return False
    wanted = "".join(part.capitalize() for part in module.split("_")).lower()
    starts = [(m.start(), m.group(1)) for m in _CLASS.finditer(text)]
    for i, (start, name) in enumerate(starts):
        if name.lower() == wanted:
            end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
            return f"    def {attribute}(" in text[start:end]
    return False


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
