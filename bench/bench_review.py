"""Wall time of `siliconfleet review` on a synthesized fleet of 200 targets (aim: under 2 s, synth excluded).

The 200-target fleet (inf2 and p5 in three regions, a tenth in new VPCs, some oversized so that
SF-COST-001 speaks) is synthesized once into build/bench-review/pr and reused while the generated
fleet file is unchanged (its fleet_sha256 matches): the first run takes a minute or two of jsii.
The base is the same inventory with 10 targets removed, 5 others added and 20 resized: a base
is read from its siliconfleet.json only, so it needs no stacks of its own.

Timed, checkov excluded (it runs one process per stack, several seconds each; --checkov times it):
  - the command as CI runs it, in a fresh process: interpreter start, imports, staleness check,
    reading the stacks, rules, diff and the markdown comment;
  - the same work in-process, warm, phase by phase.

Prints figures; asserts nothing. Usage: python bench/bench_review.py [--targets 200] [--runs 5] [--checkov]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "bench-review"
REGIONS = ("us-east-1", "us-east-2", "us-west-2")
MODELS = ("Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen3-32B")


def fleet(n: int) -> dict:
    targets = []
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        p5 = i % 5 == 4
        target = {
            "kind": "aws-p5" if p5 else "aws-inf2",
            "name": f"svc-{i:03d}",
            "region": region,
            "instance_type": "p5.4xlarge" if p5 else ("inf2.24xlarge" if i % 7 == 0 else "inf2.8xlarge"),
            "min_size": 1, "desired_size": 1 + i % 2, "max_size": 2 + i % 3,
            "serving": {"model": MODELS[i % len(MODELS)] if not p5 else "Qwen/Qwen3-8B", "max_model_len": 4096, "max_num_seqs": 4},
        }
        if i % 10 == 0:
            target["network"] = {"cidr": f"10.{i // 10}.0.0/16", "az_count": 2}
            target["allowed_cidrs"] = [f"10.{i // 10}.0.0/16"]
        else:
            target["network"] = {"vpc_id": "vpc-0a1b2c3d4e5f67890", "subnet_ids": ["subnet-0a1b2c3d4e5f67891", "subnet-0a1b2c3d4e5f67892"]}
            target["allowed_security_group_ids"] = ["sg-0a1b2c3d4e5f67893"]
        if p5 and i % 3 == 0:
            target["capacity"] = {"type": "spot", "spot_fraction": 0.5}
        targets.append(target)
    return {"fleet": "bench", "cost_center": "cc-bench", "owner": "bench@example.com", "environment": "dev",
            "backend": {"type": "local", "path": "state"}, "targets": targets}


def synthesized(n: int) -> tuple[Path, Path, float | None]:
    """(fleet file, synth output, synth seconds or None when reused)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet(n), sort_keys=False))
    out = WORK / "pr"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    inventory = out / "siliconfleet.json"
    if inventory.exists() and json.loads(inventory.read_text()).get("fleet_sha256") == digest:
        return path, out, None
    print(f"synthesizing {n} targets into {out.relative_to(ROOT)} (once; reused while the fleet is unchanged)...", flush=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "siliconfleet.cli", "synth", "--fleet", str(path), "--out", str(out)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return path, out, time.perf_counter() - start


def make_base(out: Path) -> Path:
    inventory = json.loads((out / "siliconfleet.json").read_text())
    doc = copy.deepcopy(inventory["fleet"])
    targets = doc["targets"][:-10]  # the pull request adds the last 10
    for t in targets[:20]:  # and resizes 20
        t["max_size"] = t["max_size"] + 1
    for i in range(5):  # and removes 5
        extra = copy.deepcopy(targets[i])
        extra["name"] = f"old-{i}"
        targets.append(extra)
    doc["targets"] = targets
    base = WORK / "main"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir()
    (base / "siliconfleet.json").write_text(json.dumps({**inventory, "fleet": doc, "fleet_sha256": "base"}, indent=2))
    return base


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def in_process(fleet_file: Path, out: Path, base: Path, runs: int) -> dict[str, list[float]]:
    from siliconfleet.review import rules as rule_pack
    from siliconfleet.review.core import build_report
    from siliconfleet.review.diff import diff
    from siliconfleet.review.findings import RuleContext
    from siliconfleet.review.inventory import review_stacks, review_targets
    from siliconfleet.review.jsonout import render_json
    from siliconfleet.review.markdown import render_markdown
    from siliconfleet.review.source import base_output, head_output

    phases: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        phases.setdefault(name, []).append(seconds)

    for _ in range(runs):
        head, t = timed(head_output, out, fleet_file, fleet_given=True)
        add("staleness check + siliconfleet.json", t)
        base_out, t = timed(base_output, base)
        add("base siliconfleet.json", t)
        _, t = timed(head.stack_docs)
        add("stack JSON (read + parse)", t)
        targets, t = timed(review_targets, head)
        add("inventory + cost", t)
        review_stacks(head, targets)
        ctx = RuleContext(head, targets)
        for rule in rule_pack.pack():
            _, t = timed(lambda r=rule, c=ctx: list(r.check(c)))
            add(f"rule {rule.id}", t)
        base_targets = review_targets(base_out, with_docs=False)
        _, t = timed(diff, base_targets, targets, base_fleet=base_out.fleet, head_fleet=head.fleet)
        add("diff", t)
        report, t = timed(build_report, head_output(out, fleet_file, fleet_given=True), base_output(base))
        add("build_report (all of the above, fresh)", t)
        text, t = timed(render_markdown, report)
        add("markdown", t)
        _, t = timed(render_json, report)
        add("json", t)
    phases["_report"] = [len(report.targets), len(report.findings), len(text), report.total_monthly_usd or 0.0,
                         report.diff.monthly_usd_delta]
    return phases


def fresh_process(fleet_file: Path, out: Path, base: Path, runs: int, checkov: bool) -> list[float]:
    cmd = [str(Path(sys.executable).parent / "siliconfleet"), "review", "--fleet", str(fleet_file), "--out", str(out),
           "--base", str(base), "--format", "markdown", "--output", str(WORK / "review.md"), "--fail-on", "never",
           "--checkov", "auto" if checkov else "off"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkov", action="store_true", help="also time one review with checkov (when installed)")
    args = parser.parse_args()

    fleet_file, out, synth_s = synthesized(args.targets)
    base = make_base(out)
    inventory = json.loads((out / "siliconfleet.json").read_text())
    resources = sum(s["resources"] for s in inventory["stacks"].values())
    size_mb = sum((out / s["path"]).stat().st_size for s in inventory["stacks"].values()) / 1e6
    print(f"fleet: {args.targets} targets, {len(inventory['stacks'])} stacks, {resources:,} resources, "
          f"{size_mb:.1f} MB of stack JSON; synth {'reused' if synth_s is None else f'{synth_s:.1f} s'} (not counted)")

    cli = fresh_process(fleet_file, out, base, args.runs, checkov=False)
    print(f"\nsiliconfleet review (fresh process, checkov off), {args.runs} runs: "
          f"median {statistics.median(cli):.2f} s, min {min(cli):.2f} s, max {max(cli):.2f} s   (aim: < 2 s)")

    phases = in_process(fleet_file, out, base, args.runs)
    targets, findings, chars, total, delta = phases.pop("_report")
    print(f"\nin-process, warm (median of {args.runs}):")
    for name, values in phases.items():
        print(f"  {name:<42} {statistics.median(values) * 1000:8.1f} ms")
    print(f"\nreport: {int(targets)} targets, {int(findings)} findings, markdown {int(chars):,} characters, "
          f"${total:,.2f}/month priced, {delta:+,.2f}/month against the base")

    if args.checkov:
        with_checkov = fresh_process(fleet_file, out, base, 1, checkov=True)
        print(f"\nwith checkov (one process per stack): {with_checkov[0]:.1f} s")


if __name__ == "__main__":
    main()
