"""Policy rules, what they see, and acknowledgements.

A rule (one per file under ``rules/``) has a stable id, a level, a title, a default fix, and a
check that reads a :class:`RuleContext` (the synthesized stacks, the fleet, the targets) and
yields findings. Resources are named ``<stack>/<type>.<name>`` (a resource of a synthesized
stack) or ``target/<name>`` (a fleet target), which is what an acknowledgement's ``resource``
glob matches.

Acknowledgements live in the fleet file (``acknowledgements: [{rule, resource, reason}]``): a
finding they cover stays in the report, marked acknowledged with the reason, and no longer counts
for ``--fail-on``. One that covers nothing is reported too, so that stale ones get removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any

from .inventory import resource_target
from .model import Finding, TargetReview
from .source import SynthOutput


def stack_resource(stack: str, rtype: str, name: str) -> str:
    return f"{stack}/{rtype}.{name}"


def target_resource(name: str) -> str:
    return f"target/{name}"


@dataclass
class RuleContext:
    output: SynthOutput
    targets: tuple[TargetReview, ...]
    _fleet_model: Any = field(default=None, repr=False)

    @property
    def fleet(self) -> dict[str, Any]:
        return self.output.fleet

    def stack_docs(self) -> dict[str, dict[str, Any]]:
        return self.output.stack_docs()

    def stack_targets(self, stack: str) -> tuple[str, ...]:
        return tuple(self.output.stacks.get(stack, {}).get("targets", ()))

    def owner(self, stack: str, name: str, body: dict[str, Any]) -> str | None:
        return resource_target(name, body, self.stack_targets(stack))

    def fleet_model(self) -> Any:
        """The fleet rebuilt from the inventory (see rebuild_fleet), once."""
        if self._fleet_model is None:
            self._fleet_model = rebuild_fleet(self.fleet)
        return self._fleet_model


class _Loose:
    """A target of a kind this siliconfleet's fleet model does not know, read by attribute.

    Missing attributes are None, as the duck-typed readers (the sizing lint) expect.
    """

    def __init__(self, data: dict[str, Any]):
        for key, value in data.items():
            setattr(self, key, _Loose(value) if isinstance(value, dict) else value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None


@dataclass(frozen=True)
class _LooseFleet:
    targets: tuple[Any, ...]


def rebuild_fleet(fleet: dict[str, Any]) -> Any:
    """The Fleet model from a fleet dump; when it does not validate as a whole (a kind that this
    siliconfleet does not know, a dump from another version), each target on its own: its kind's
    model when known and valid, else a loose attribute view of the dump."""
    from ..spec.models import TARGET_KINDS, Fleet

    try:
        return Fleet.model_validate(fleet)
    except ValueError:
        pass
    targets = []
    for target in fleet.get("targets", []):
        model = TARGET_KINDS.get(str(target.get("kind")))
        try:
            targets.append(model.model_validate(target) if model else _Loose(target))
        except ValueError:
            targets.append(_Loose(target))
    return _LooseFleet(tuple(targets))


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    title: str
    fix: str
    check: Callable[[RuleContext], Iterable[Finding]]

    def finding(self, resource: str, message: str, *, fix: str | None = None, target: str | None = None) -> Finding:
        return Finding(id=self.id, level=self.level, resource=resource, message=message,
                       fix=self.fix if fix is None else fix, target=target)


def run_rules(rules: Iterable[Rule], ctx: RuleContext) -> list[Finding]:
    found: list[Finding] = []
    for rule in rules:
        found.extend(rule.check(ctx))
    return found


def covers(ack: dict[str, Any], finding: Finding) -> bool:
    if ack.get("rule") != finding.id:
        return False
    pattern = ack.get("resource")
    return pattern is None or fnmatchcase(finding.resource, pattern)


def acknowledge(findings: Iterable[Finding], acknowledgements: list[dict[str, Any]]) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Findings with the first covering acknowledgement's reason, and the acknowledgements that covered nothing."""
    used: set[int] = set()
    out = []
    for finding in findings:
        for i, ack in enumerate(acknowledgements):
            if covers(ack, finding):
                used.add(i)
                finding = replace(finding, acknowledged=str(ack.get("reason")))
                break
        out.append(finding)
    unused = [dict(ack) for i, ack in enumerate(acknowledgements) if i not in used]
    return out, unused
