"""The fleet file: the Fleet model and the union of target kinds.

Every model is frozen and forbids unknown keys. Field validators report near misses through
``choice_error`` so that the loader can add a did-you-mean; cross-field checks report the exact
sub-field they are about through ``field_errors``. Each family of target kinds lives in its own
module (inf2.py, p5.py, tpu.py, groq.py...); which kinds exist, and by which names, is the
registry's (``siliconfleet.registry``): ``Target`` and ``TARGET_KINDS`` are read from it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Union

from pydantic import AfterValidator, Field, model_validator
from pydantic.fields import FieldInfo

from .. import registry
from .aws import AwsClusterFields, AwsNetwork, ServingSpec
from .common import (
    MAX_TAGS,
    STANDARD_TAG_KEYS,
    Backend,
    DirectlyBuilt,
    GcsBackend,
    LocalBackend,
    Name,
    Ownership,
    S3Backend,
    Tags,
    TagValue,
    _environment,
    _Model,
    _pattern,
    choice_error,
    field_errors,
    standard_tags,
    tag_problems,
    target_tags,
)
from .groq import GroqFields, GroqTarget
from .inf2 import Inf2Fields, Inf2Target
from .labels import to_labels
from .p5 import GpuFields, GpuTarget, P5Fields, P5Target
from .tpu import TpuFields, TpuTarget, TpuV5eFields, TpuV5eTarget

__all__ = [
    "MAX_TAGS", "STANDARD_TAG_KEYS", "Acknowledgement", "AwsClusterFields", "AwsNetwork", "Backend", "DirectlyBuilt", "Fleet",
    "GcsBackend", "GpuFields", "GpuTarget", "Inf2Fields", "Inf2Target", "LocalBackend", "Ownership", "P5Fields", "P5Target", "S3Backend", "ServingSpec", "Traffic",
    "TARGET_KINDS", "TpuFields", "TpuTarget", "TpuV5eFields", "TpuV5eTarget", "Target", "choice_error", "field_errors", "standard_tags",
    "GroqFields", "GroqTarget", "Routing",
]



class _TargetKinds(Mapping[str, type]):
    """Kind name (aliases included) -> the spec model of that kind, read from the registry."""

    def __getitem__(self, name: str) -> type:
        kind = registry.find(name)
        if kind is None:
            raise KeyError(name)
        return kind.spec_model()

    def __iter__(self) -> Iterator[str]:
        return iter(registry.names())

    def __len__(self) -> int:
        return len(registry.names())


TARGET_KINDS: Mapping[str, type] = _TargetKinds()


def _target_union() -> Any:
    """The union of every registered kind's spec model, told apart by ``kind``."""
    models = tuple(dict.fromkeys(kind.spec_model() for kind in registry.kinds()))
    return Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 - a runtime tuple of models


Target = _target_union()

#: Fleet fields whose values become tags, by tag key: where a tag problem points.
_STANDARD_TAG_FIELDS = {"CostCenter": "cost_center", "Owner": "owner", "Environment": "environment", "Fleet": "fleet"}


# ---------------------------------------------------------------------------------------------
# Review settings: the fleet's traffic (prices per-token targets) and acknowledged findings

RuleId = Annotated[
    str,
    _pattern(
        r"^(SF-[A-Z]{2,8}-[0-9]{3}|CKV2?_[A-Z0-9]+(_[A-Z0-9]+)*_[0-9]+)$",
        "rule id (a siliconfleet rule or a checkov check)",
        "'SF-NET-001' or 'CKV_AWS_79'",
    ),
]


class Traffic(_Model):
    """The traffic the service expects: `siliconfleet review` prices per-token targets (Groq) with it."""

    requests_per_minute: float = Field(gt=0, description="Average requests per minute across the fleet.")
    input_tokens_per_request: float = Field(gt=0, description="Average prompt tokens per request.")
    output_tokens_per_request: float = Field(gt=0, description="Average generated tokens per request.")


class Acknowledgement(_Model):
    """A review finding the team accepts: the rule, optionally which resources, and why."""

    rule: RuleId = Field(description="The finding's id: SF-... (siliconfleet's rule pack) or a checkov check id.")
    resource: str | None = Field(
        None, min_length=1,
        description="Glob over the finding's resource as the review shows it ('<stack>/<type>.<name>' or "
        "'target/<name>'); default: every resource the rule flags.",
    )
    reason: Annotated[
        str, _pattern(r"\s*\S", "reason (it is blank)", "'internal load balancer; accepted by security, review 2027-03'")
    ] = Field(description="Why the finding is accepted (who decided, until when); required and not blank.")


class Routing(_Model):
    """How the fleet's gateway routes: the first target serves, the others are fallbacks in this order."""

    order: list[Name] = Field(
        min_length=1, description="Every target name exactly once, primary first; default: the order of targets."
    )


# ---------------------------------------------------------------------------------------------
# The fleet


class Fleet(_Model):
    """One inference service: who pays, who owns it, and the silicon it runs on."""

    fleet: Name
    cost_center: TagValue = Field(min_length=1)
    owner: TagValue = Field(min_length=1)
    environment: Annotated[str, AfterValidator(_environment)]
    tags: Tags = Field(default_factory=dict, description="Extra tags on every resource of the fleet.")
    backend: Backend | None = Field(None, description="Terraform state; default: local files under state/.")
    targets: list[Target] = Field(min_length=1)
    traffic: Traffic | None = Field(
        None, description="Expected traffic; `siliconfleet review` prices per-token targets (Groq) with it."
    )
    acknowledgements: list[Acknowledgement] = Field(
        default_factory=list,
        description="Review findings the team accepts, each with its rule id and a reason; shown as acknowledged.",
    )
    routing: Routing | None = Field(
        None, description="The gateway's failover order (siliconfleet's LiteLLM config); default: the order of targets."
    )

    @model_validator(mode="after")
    def _fleet_checks(self) -> Fleet:
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, target in enumerate(self.targets):
            if target.name in seen:
                problems.append(
                    (f"targets[{i}].name", f"{target.name!r} is already the name of targets[{seen[target.name]}]; target names must be unique")
                )
            seen.setdefault(target.name, i)
        for key in self.tags:
            if key in STANDARD_TAG_KEYS:
                problems.append((f"tags.{key}", f"{key!r} is set by siliconfleet; use the fleet field instead of a tag"))
        for i, target in enumerate(self.targets):
            for key in target.tags:
                if key in STANDARD_TAG_KEYS:
                    problems.append((f"targets[{i}].tags.{key}", f"{key!r} is set by siliconfleet and cannot be overridden"))
            if labelled(target):
                problems.extend(self._label_problems(i, target))
            else:
                problems.extend(tag_problems(self.tags_for(target), f"targets[{i}].tags"))
        problems.extend(self._routing_problems())
        if problems:
            raise field_errors(problems)
        return self

    def _routing_problems(self) -> list[tuple[str, str]]:
        """routing.order names every target exactly once."""
        if self.routing is None:
            return []
        from .report import suggest

        names = [t.name for t in self.targets]
        problems: list[tuple[str, str]] = []
        seen: set[str] = set()
        for i, name in enumerate(self.routing.order):
            if name not in names:
                problems.append((f"routing.order[{i}]", f"{name!r} is not a target of this fleet; targets: "
                                                        f"{', '.join(names)}{suggest(name, names)}"))
            elif name in seen:
                problems.append((f"routing.order[{i}]", f"{name!r} is listed twice; list each target once"))
            seen.add(name)
        missing = [n for n in names if n not in seen]
        if missing:
            problems.append(("routing.order", f"does not list {', '.join(map(repr, missing))}; name every target once, "
                                              "primary first (or drop routing to use the order of targets)"))
        return problems

    def routed_targets(self) -> list[Any]:
        """The targets in the gateway's order: routing.order, else the order of targets."""
        if self.routing is None:
            return list(self.targets)
        by_name = {t.name: t for t in self.targets}
        return [by_name[name] for name in self.routing.order]

    def _label_problems(self, i: int, target: Any) -> list[tuple[str, str]]:
        """Tags that cannot become GCP labels, pointed at the field they come from."""
        _, problems = to_labels(self.tags_for(target))
        out = []
        for key, message in problems:
            if key in _STANDARD_TAG_FIELDS:
                path = _STANDARD_TAG_FIELDS[key]
            elif key in target.tags:
                path = f"targets[{i}].tags.{key}"
            elif key in self.tags:
                path = f"tags.{key}"
            else:
                path = f"targets[{i}].tags"
            out.append((path, f"{message} (for Google Cloud target {target.name!r})"))
        return out

    def labels_for(self, target: Any) -> dict[str, str]:
        """A target's tags as GCP labels (validated at load: representable, no collision)."""
        return to_labels(self.tags_for(target))[0]

    def fleet_tags(self) -> dict[str, str]:
        """Tags of every resource of the fleet (provider default_tags): extra tags, then the standard ones."""
        return {**self.tags, **standard_tags(
            cost_center=self.cost_center, owner=self.owner, environment=self.environment, fleet=self.fleet
        )}

    def tags_for(self, target: Any) -> dict[str, str]:
        """Every tag a target's resources carry: the fleet's, the target's extra tags, and Target
        (what its construct's props give as ``all_tags``)."""
        return target_tags({**self.tags, **target.tags}, cost_center=self.cost_center, owner=self.owner,
                           environment=self.environment, fleet=self.fleet, target=target.name)

    def ownership(self, target: Any) -> dict[str, Any]:
        """The construct props that carry who pays and owns: for ``XxxClusterProps(**target, **ownership)``."""
        return {
            "cost_center": self.cost_center,
            "owner": self.owner,
            "environment": self.environment,
            "fleet": self.fleet,
            "tags": {**self.tags, **target.tags},
        }


def labelled(target: Any) -> bool:
    """A target whose stack is on Google Cloud: its tags become GCP labels."""
    kind = registry.kind_of(target)
    return kind.placement.location(target)[0] == "gcp"


def _refresh_targets() -> None:
    """Rebuild the fleet model's union of targets after a kind is registered or removed."""
    global Target
    Target = _target_union()
    Fleet.model_fields["targets"] = FieldInfo.from_annotated_attribute(list[Target], Field(min_length=1))
    Fleet.model_rebuild(force=True)


registry.on_change(_refresh_targets)
