"""The kind registry is the one list of kinds: every registered kind is complete in every layer
(spec, construct, stack placement, preflight, review, sizing, gateway), and no layer knows a kind
the registry does not."""

from __future__ import annotations

import ast
import json
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from siliconfleet import app, registry
from siliconfleet.errors import SiliconfleetError
from siliconfleet.spec import load_fleet
from tests.conftest import ROOT

#: Example fleets that, together, hold a target of every registered kind.
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def example_targets() -> dict[str, list]:
    """Canonical kind name -> the example targets of that kind."""
    out: dict[str, list] = {}
    for path in EXAMPLES:
        for target in load_fleet(path).targets:
            out.setdefault(registry.canonical(target.kind), []).append(target)
    return out


KIND_NAMES = [kind.name for kind in registry.kinds()]


def test_every_kind_has_an_example_fleet_target():
    assert sorted(example_targets()) == sorted(KIND_NAMES)


def test_names_and_aliases_are_unique_and_resolve():
    names = registry.names()
    assert len(names) == len(set(names))
    for kind in registry.kinds():
        for name in kind.names:
            assert registry.get(name) is kind
            assert registry.canonical(name) == kind.name
    assert registry.find("aws-p9") is None and registry.canonical("aws-p9") == "aws-p9"
    with pytest.raises(SiliconfleetError, match="'aws-p9' is not a kind of target"):
        registry.get("aws-p9")


# ---------------------------------------------------------------------------------------------
# Every kind is complete in every layer


@pytest.mark.parametrize("name", KIND_NAMES)
def test_spec_model_answers_to_every_name_of_its_kind(name):
    from siliconfleet.spec.models import TARGET_KINDS, Fleet

    kind = registry.get(name)
    model = kind.spec_model()
    assert issubclass(model, BaseModel)
    assert typing.get_args(model.model_fields["kind"].annotation) == kind.names
    assert all(TARGET_KINDS[n] is model for n in kind.names)
    union = typing.get_args(typing.get_args(Fleet.model_fields["targets"].annotation)[0])[0]
    assert model in typing.get_args(union)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_construct_and_props_cover_the_spec_fields(name):
    from constructs import Construct

    from siliconfleet.spec.common import DirectlyBuilt, Ownership

    kind = registry.get(name)
    assert issubclass(kind.construct_class(), Construct)
    props = kind.props_model()
    assert issubclass(props, DirectlyBuilt) and issubclass(props, Ownership)
    assert set(kind.spec_model().model_fields) - {"kind"} <= set(props.model_fields)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_every_layer_takes_the_kinds_example_targets(name):
    from siliconfleet.gateway.config import route
    from siliconfleet.preflight.registry import TARGET_CHECKS
    from siliconfleet.review import kinds as review_kinds
    from siliconfleet.review.model import Hardware, TargetCost
    from siliconfleet.sizing.fleet import target_hardware
    from stacks import STACKS

    kind = registry.get(name)
    for target in example_targets()[name]:
        cloud, location = app.stack_location(target)
        assert cloud in STACKS and location
        request = TARGET_CHECKS[target.kind].request(target)
        assert request.target == target.name
        dump = target.model_dump(mode="json")
        assert isinstance(review_kinds.describe(dump, {"targets": [dump]}), Hardware)
        assert isinstance(review_kinds.price(dump, {"targets": [dump]}), TargetCost)
        hardware = target_hardware(target)
        assert hardware is None or hardware.name
        way = route(target)
        assert way is kind.gateway_route()
        assert way.litellm_model(target)
        assert way.known_api_bases(target) is not None or way.endpoint_outputs(target) is not None


@pytest.fixture(scope="module")
def one_of_each(tmp_path_factory) -> tuple[app.SynthResult, dict[str, list]]:
    """A synth of one target of every kind, gathered from the examples, in one fleet."""
    from siliconfleet.spec import validate_fleet

    base = load_fleet(ROOT / "examples" / "all-silicon.yaml").model_dump(mode="json", exclude={"routing", "traffic"})
    chosen = [targets[0] for targets in example_targets().values()]
    base["targets"] = [t.model_dump(mode="json") for t in chosen]
    fleet = validate_fleet(base)
    out = tmp_path_factory.mktemp("one-of-each") / "out"
    return app.synth_fleet(fleet, fleet_dir=ROOT, out=out), example_targets()


def test_every_kind_synthesizes_in_the_stack_its_placement_names(one_of_each):
    result, _ = one_of_each
    placed = {t for s in result.stacks for t in s.targets}
    assert placed == {t.name for t in result.fleet.targets}
    inventory = json.loads((result.out / app.INVENTORY).read_text())
    for target in result.fleet.targets:
        cloud, location = app.stack_location(target)
        stack = next(name for name, meta in inventory["stacks"].items() if target.name in meta["targets"])
        assert (inventory["stacks"][stack]["cloud"], inventory["stacks"][stack]["location"]) == (cloud, location)
        doc = json.loads((result.out / "stacks" / stack / "cdk.tf.json").read_text())
        assert any(name.startswith(target.name.replace("-", "_")) for name in doc.get("output", {})), target.name


# ---------------------------------------------------------------------------------------------
# No layer knows a kind the registry does not


def test_no_layer_lists_a_kind_the_registry_does_not():
    from siliconfleet.preflight.registry import TARGET_CHECKS
    from siliconfleet.review import kinds as review_kinds
    from siliconfleet.spec.models import TARGET_KINDS, Fleet

    assert set(TARGET_KINDS) == set(registry.names())
    assert set(TARGET_CHECKS) == set(KIND_NAMES)
    assert set(review_kinds.registry()) == set(registry.names())
    union = typing.get_args(typing.get_args(Fleet.model_fields["targets"].annotation)[0])[0]
    assert set(typing.get_args(union)) == {k.spec_model() for k in registry.kinds()}


#: Modules whose "kind" is the sizing advisor's kind of catalog offering (aws, gcp-tpu, groq, edge),
#: not a fleet target's kind.
OPTION_KIND_MODULES = {"siliconfleet/sizing/advisor.py", "siliconfleet/sizing/render.py", "siliconfleet/sizing/plot.py",
                       "siliconfleet/sizing/cli.py"}


def _is_kind(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "kind") or (isinstance(node, ast.Name) and node.id == "kind")


def _constants(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [c for elt in node.elts for c in _constants(elt)]
    return []


def kind_names_in_code(path: Path, names: set[str]) -> list[str]:
    """Where ``path`` names a kind: a kind compared with (or looked up in) a literal kind name, or
    any string literal that is a kind name with a hyphen (a dict keyed by kind...). How a spec
    model names its own kind is allowed: ``registry.kind_literal("...")`` or ``kind_name = "..."``."""
    tree = ast.parse(path.read_text())
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "kind_literal":
            for arg in node.args:
                arg.kind_literal = True  # type: ignore[attr-defined]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "kind_name" and node.value:
            node.value.kind_literal = True  # type: ignore[attr-defined]
        if isinstance(node, ast.Compare) and (_is_kind(node.left) or any(_is_kind(c) for c in node.comparators)):
            found = [c for side in (node.left, *node.comparators) for c in _constants(side) if c in names]
            hits += [f"{path.relative_to(ROOT)}:{node.lineno}: compares a kind with {c!r}" for c in found]
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names and "-" in node.value
                and not getattr(node, "kind_literal", False)):
            hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: names kind {node.value!r}")
    return sorted(set(hits))


def test_no_code_outside_the_registry_names_a_kind():
    """Kind names appear in the registry only; a spec model names its own kind once, to take its
    names from the registry (``registry.kind_literal``). Anything else (a dict keyed by kind, a
    comparison with a kind name) would be a second registry that can fall out of step."""
    names = set(registry.names())
    hits = []
    for path in sorted([*(ROOT / "siliconfleet").rglob("*.py"), *(ROOT / "stacks").rglob("*.py")]):
        rel = str(path.relative_to(ROOT))
        if rel == "siliconfleet/registry.py" or rel in OPTION_KIND_MODULES:
            continue
        hits += kind_names_in_code(path, names)
    assert hits == []


def test_the_scan_finds_a_second_registry(tmp_path):
    sample = ROOT / "siliconfleet" / "_scan_sample.py"
    try:
        sample.write_text('CLUSTERS = {"aws-inf2": 1}\nif target.kind == "groq":\n    pass\nK = registry.kind_literal("aws-inf2")\n'
                          'class F:\n    kind_name: ClassVar[str] = "aws-inf2"\n')
        hits = kind_names_in_code(sample, set(registry.names()))
    finally:
        sample.unlink()
    assert hits == ["siliconfleet/_scan_sample.py:1: names kind 'aws-inf2'", "siliconfleet/_scan_sample.py:2: compares a kind with 'groq'"]


def test_a_stack_raises_on_a_target_it_cannot_build(tmp_path):
    from siliconfleet import engine
    from stacks import AwsRegionStack

    fleet = load_fleet(ROOT / "examples" / "mixed-inf2-tpu.yaml")
    tpu = next(t for t in fleet.targets if app.stack_location(t)[0] == "gcp")
    with pytest.raises(SiliconfleetError, match=f"target {tpu.name!r} of kind .* belongs in a gcp stack"):
        AwsRegionStack(engine.App(outdir=str(tmp_path)), "wrong", fleet=fleet, location="us-east-1", targets=[tpu],
                       fleet_dir=tmp_path, stack_dir=tmp_path)

    class Unknown:
        kind, name = "edge-jetson", "edge"

    with pytest.raises(SiliconfleetError, match="'edge-jetson' is not a kind of target"):
        AwsRegionStack(engine.App(outdir=str(tmp_path)), "odd", fleet=fleet, location="us-east-1", targets=[Unknown()],
                       fleet_dir=tmp_path, stack_dir=tmp_path)


# ---------------------------------------------------------------------------------------------
# Kind names: aliases are accepted wherever a kind name is read, and written back as given


ALIASES = [("aws-gpu", "aws-p5"), ("gcp-tpu", "gcp-tpu-v5e")]


@pytest.mark.parametrize(("name", "alias"), ALIASES)
def test_an_alias_is_the_same_kind_and_is_written_back_as_given(name, alias):
    from siliconfleet.spec import validate_fleet

    kind = registry.get(name)
    assert alias in kind.aliases and registry.get(alias) is kind
    doc = load_fleet(ROOT / "examples" / "all-silicon.yaml").model_dump(mode="json", exclude={"routing"})
    (old,) = [t for t in doc["targets"] if t["kind"] == alias]
    for spelling in (name, alias):
        target = validate_fleet({**doc, "targets": [{**old, "kind": spelling}]}).targets[0]
        assert type(target) is kind.spec_model() and target.kind == spelling
        assert target.model_dump(mode="json")["kind"] == spelling  # the inventory keeps the fleet file's spelling


def test_an_older_inventory_under_an_alias_reviews_as_its_kind(tmp_path):
    """`review --base` over a synth written by an older version (kind aws-p5, gcp-tpu-v5e) against a
    head that renamed them: the same kinds, priced alike, and no change shown."""
    from siliconfleet.review.diff import diff
    from siliconfleet.review.inventory import review_targets
    from tests.review.builders import fleet_doc, output_of, p5, tpu

    base_fleet = fleet_doc(p5("gpu"), tpu("tpu"))
    head_fleet = fleet_doc(p5("gpu", kind="aws-gpu"), tpu("tpu", kind="gcp-tpu"))
    base = review_targets(output_of(base_fleet), with_docs=False)
    head = review_targets(output_of(head_fleet), with_docs=False)
    assert [t.cost.monthly_usd for t in base] == [t.cost.monthly_usd for t in head]
    assert all(t.cost.priced for t in base)
    d = diff(base, head, base_fleet=base_fleet, head_fleet=head_fleet)
    assert d.empty and d.changed == ()
