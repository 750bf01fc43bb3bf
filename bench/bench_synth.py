"""Wall time and peak memory of `siliconfleet synth`, warm, on the example fleet and a 50-target fleet,
on CDK Terrain (default) and on the archived CDKTF engine (the same resources declared with
cdktf-cdktf-provider-aws, whose import alone takes about 20 s here).

Prints figures; asserts nothing. Usage: python bench/bench_synth.py [--runs N] [--targets N]
"""

from __future__ import annotations

import argparse
import copy
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"]


def big_fleet(n: int) -> dict:
    doc = yaml.safe_load((ROOT / "fleet.yaml").read_text())
    template = doc["targets"][0]
    doc["targets"] = []
    for i in range(n):
        t = copy.deepcopy(template)
        t["name"] = f"model-{i:02d}"
        t["region"] = REGIONS[i % len(REGIONS)]
        t["network"] = {"cidr": f"10.{i}.0.0/16", "az_count": 2}
        t["allowed_cidrs"] = [f"10.{i}.0.0/16"]
        doc["targets"].append(t)
    return doc


def run(fleet: Path, engine: str, runs: int) -> tuple[list[float], float]:
    times, peak = [], 0.0
    env = {**os.environ, "SILICONFLEET_ENGINE": engine}
    cmd = [str(Path(sys.executable).parent / "siliconfleet"), "synth", "--fleet", str(fleet), "--out", str(fleet.parent / f"out-{engine}")]
    subprocess.run(cmd, env=env, check=True, capture_output=True)  # warm the OS file cache and bytecode
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return times, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--engines", default="cdktn,cdktf")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    try:
        shutil.copy(ROOT / "fleet.yaml", work / "fleet.yaml")
        big = work / "big" / "fleet.yaml"
        big.parent.mkdir()
        big.write_text(yaml.safe_dump(big_fleet(args.targets), sort_keys=False))
        print(f"siliconfleet synth, warm, median of {args.runs} runs ({os.cpu_count()} CPUs, {sys.version.split()[0]})")
        print(f"{'engine':<7} {'fleet':<22} {'median s':>9} {'min s':>7} {'peak RSS MiB':>13}")
        medians = {}
        for engine in args.engines.split(","):
            for label, path in (("example (1 target)", work / "fleet.yaml"), (f"{args.targets} targets", big)):
                times, peak = run(path, engine, args.runs)
                medians[(engine, label)] = statistics.median(times)
                print(f"{engine:<7} {label:<22} {statistics.median(times):>9.2f} {min(times):>7.2f} {peak:>13.0f}")
        for engine in args.engines.split(","):
            one, many = medians[(engine, "example (1 target)")], medians[(engine, f"{args.targets} targets")]
            print(f"{engine}: {args.targets} targets take {many / one:.2f}x the time of one")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
