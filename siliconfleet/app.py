"""Fleet file to synthesized Terraform: what `python main.py`, `cdktf synth` and `siliconfleet synth` run.

Synthesis writes into a temporary folder beside the output, checks the result (every taggable
resource carries CostCenter), and only then replaces the output folder: a failed synth leaves the
previous output untouched and nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, engine, gateway, registry
from ._preload import start_preload
from .errors import Problem, SiliconfleetError
from .spec import Fleet, load_fleet

DEFAULT_FLEET = "fleet.yaml"
DEFAULT_OUT = "cdktf.out"
#: Written beside manifest.json: the validated fleet and its stacks, so that tools reading a synth
#: output (`siliconfleet review`, with a base synth from another branch) need no fleet file.
INVENTORY = "siliconfleet.json"
INVENTORY_SCHEMA = 1


@dataclass(frozen=True)
class StackSummary:
    name: str
    resources: int
    targets: list[str]
    path: str


@dataclass(frozen=True)
class SynthResult:
    fleet: Fleet
    out: Path
    engine: str
    stacks: list[StackSummary] = field(default_factory=list)

    def lines(self) -> list[str]:
        n = len(self.fleet.targets)
        out = [f"siliconfleet: fleet {self.fleet.fleet!r}, {n} target{'s' if n != 1 else ''}, engine {self.engine}"]
        width = max(len(s.name) for s in self.stacks)
        for s in self.stacks:
            out.append(f"  {s.name:<{width}}  {s.resources:>4} resources  {', '.join(s.targets)}")
        for target in self.fleet.targets:
            # what a reviewer must see before apply (a Capacity Block's window...), when the kind has any
            out.extend(f"  {target.name}: {note}" for note in target.summary_notes())
        out.append(f"Terraform written to {self.out}/stacks/<stack>/cdk.tf.json")
        return out


def stack_location(target) -> tuple[str, str]:
    """(cloud, location) of the stack a target belongs to, as its kind's registry entry places it:
    an AWS region, a GCP project/zone, or (a hosted API) the stack of its secret store: the AWS
    region, or the GCP project (no zone)."""
    return registry.kind_of(target).placement.location(target)


def stack_plan(fleet: Fleet) -> dict[str, tuple[str, str, list]]:
    """Stack name -> (cloud, location, targets), one stack per cloud account/region or project/zone,
    in target order."""
    groups: dict[str, tuple[str, str, list]] = {}
    for target in fleet.targets:
        cloud, location = stack_location(target)
        name = f"{fleet.fleet}-{cloud}-{location.replace('/', '-')}"
        groups.setdefault(name, (cloud, location, []))[2].append(target)
    return groups


def _stacks_module():
    """The app's stacks: shipped inside the wheel as siliconfleet.stacks, or stacks/ in a checkout."""
    try:
        from . import stacks  # type: ignore[attr-defined]
    except ImportError:
        import stacks  # type: ignore[no-redef]
    return stacks


def resolve_out(out: str | os.PathLike | None) -> Path:
    """--out if given; else CDKTF_OUTDIR (set by `cdktf synth` / `cdktn synth`); else cdktf.out."""
    chosen = out if out is not None else os.environ.get("CDKTF_OUTDIR") or DEFAULT_OUT
    return Path(chosen).absolute()


def synth(fleet_path: str | os.PathLike = DEFAULT_FLEET, out: str | os.PathLike | None = None) -> SynthResult:
    fleet_file = Path(fleet_path)
    fleet = load_fleet(fleet_file)
    digest = hashlib.sha256(fleet_file.read_bytes()).hexdigest()
    return synth_fleet(fleet, fleet_dir=fleet_file.absolute().parent, out=out, fleet_sha256=digest)


def synth_fleet(
    fleet: Fleet, *, fleet_dir: Path, out: str | os.PathLike | None = None, fleet_sha256: str | None = None
) -> SynthResult:
    out_dir = resolve_out(out)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        stacks = _synth_into(fleet, fleet_dir, staging, final_out=out_dir)
        write_inventory(staging / INVENTORY, fleet, stacks, fleet_sha256)
        gateway.write_preview(staging, fleet, stack_plan(fleet))
        _replace_dir(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SynthResult(fleet=fleet, out=_display(out_dir), engine=engine.engine_name(), stacks=stacks)


def _synth_into(fleet: Fleet, fleet_dir: Path, staging: Path, final_out: Path) -> list[StackSummary]:
    plan = stack_plan(fleet)
    # Node loads the provider bindings while Python imports the stacks and constructs; the thread
    # is joined before the first CDK call (the jsii kernel serves one caller at a time).
    preload = start_preload({cloud for cloud, _, _ in plan.values()})
    try:
        stacks_mod = _stacks_module()
    finally:
        preload.join()
    app = engine.App(outdir=str(staging))
    built = {
        name: stacks_mod.STACKS[cloud](
            app, name, fleet=fleet, location=location, targets=targets,
            fleet_dir=fleet_dir, stack_dir=final_out / "stacks" / name,
        )
        for name, (cloud, location, targets) in plan.items()
    }
    from .gateway.publish import publish

    publish(fleet, built, plan)  # the gateway config Terraform completes, in the primary target's stack
    app.synth()

    from .tagcheck import check_cost_center_tags

    summaries, problems = [], []
    for name, (_, _, targets) in plan.items():
        doc = json.loads((staging / "stacks" / name / "cdk.tf.json").read_text())
        problems += [Problem(f"stack {name}", str(p)) for p in check_cost_center_tags(doc)]
        count = sum(len(v) for v in doc.get("resource", {}).values())
        summaries.append(StackSummary(name, count, [t.name for t in targets], f"stacks/{name}/cdk.tf.json"))
    if problems:
        raise SiliconfleetError(problems)
    return summaries


def write_inventory(path: Path, fleet: Fleet, stacks: list[StackSummary], fleet_sha256: str | None) -> None:
    plan = stack_plan(fleet)
    doc = {
        "schema": INVENTORY_SCHEMA,
        "generator": f"siliconfleet {__version__}",
        "fleet_sha256": fleet_sha256,
        "fleet": fleet.model_dump(mode="json"),
        "stacks": {
            s.name: {"cloud": plan[s.name][0], "location": plan[s.name][1], "targets": s.targets, "path": s.path, "resources": s.resources}
            for s in stacks
        },
    }
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def read_inventory(out: str | os.PathLike) -> dict:
    """The inventory of a synth output folder; SiliconfleetError when there is none."""
    path = Path(out) / INVENTORY
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise SiliconfleetError(f"{path} not found: {out} is not a siliconfleet synth output; run `siliconfleet synth --out {out}`") from None
    except json.JSONDecodeError as exc:
        raise SiliconfleetError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}); synthesize again") from None
    if doc.get("schema") != INVENTORY_SCHEMA:
        raise SiliconfleetError(f"{path} has schema {doc.get('schema')!r}, this siliconfleet reads {INVENTORY_SCHEMA}; synthesize again")
    return doc


def _replace_dir(new: Path, target: Path) -> None:
    """Swap ``new`` into place of ``target`` with renames on the same filesystem."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rename(target, old / target.name)
    os.rename(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _display(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
