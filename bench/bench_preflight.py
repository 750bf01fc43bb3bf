"""Preflight of a fleet with targets in 12 AWS regions against moto_server over HTTP, with 100 ms
of latency injected into every request, run concurrently and then one call at a time.

The server runs in its own process (as moto_server does): moto's WSGI application behind a small
middleware that sleeps before each answer, counts requests per (operation, region), and answers
Service Quotas' ListServiceQuotas (which moto does not serve for EC2) with fixed quotas. Each run
is timed cold (a fresh client factory, as a command run: boto3 loads the EC2 model and makes
every client, which is CPU work the GIL serializes) and warm (the clients already made: the API
calls alone). Prints the wall times, the speed-ups and the API calls per (operation, region);
asserts nothing, fails on no time.

Usage: python bench/bench_preflight.py [--latency-ms 100] [--concurrency 32] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGIONS = [
    "us-east-1", "us-east-2", "us-west-2", "sa-east-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1", "ap-northeast-1",
]
QUOTAS = {"L-1945791B": 4096.0, "L-B5D1601B": 1024.0}


class Latency:
    """WSGI middleware: ``latency`` seconds per request, a count per (operation, region), and
    ListServiceQuotas answered from QUOTAS."""

    def __init__(self, app, latency: float) -> None:
        self.app, self.latency = app, latency
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/__bench/"):
            with self.lock:
                payload = json.dumps(dict(self.calls)).encode()
                if environ["PATH_INFO"] == "/__bench/reset":
                    self.calls.clear()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        scope = auth.split("Credential=")[1].split(",")[0].split("/") if "Credential=" in auth else []
        region, service = (scope[2], scope[3]) if len(scope) > 3 else ("?", "?")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.rsplit(".", 1)[-1] if target else parse_qs(body.decode()).get("Action", ["?"])[0]
        with self.lock:
            self.calls[f"{service}:{operation}@{region}"] += 1
        time.sleep(self.latency)
        if target.endswith(".ListServiceQuotas"):
            from siliconfleet import catalog

            names = {q.code: q.name for fam in catalog.ec2_quotas().values() for q in (fam.on_demand, fam.spot)}
            payload = json.dumps({"Quotas": [
                {"ServiceCode": "ec2", "QuotaCode": c, "QuotaName": names[c], "Value": v, "Adjustable": True} for c, v in QUOTAS.items()
            ]}).encode()
            start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))])
            return [payload]
        return self.app(environ, start_response)


def serve(latency: float) -> None:
    """The server process: print the URL, serve until stdin closes."""
    import logging

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Latency(DomainDispatcherApplication(create_backend_app), latency)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    print(f"http://{host}:{port}", flush=True)
    sys.stdin.read()
    server.shutdown()


def served(url: str, reset: bool = False) -> Counter:
    import urllib.request

    with urllib.request.urlopen(f"{url}/__bench/{'reset' if reset else 'calls'}", timeout=10) as answer:
        return Counter(json.loads(answer.read()))


def fleet_doc(subnets: dict[str, tuple[str, str]]) -> dict:
    """Two targets per region: a new VPC with inf2.xlarge and an existing VPC's subnet
    with inf2.48xlarge, 24 targets sharing each (API, region)."""
    targets = []
    for i, region in enumerate(REGIONS):
        targets.append({
            "kind": "aws-inf2", "name": f"small-{region}", "region": region, "instance_type": "inf2.xlarge",
            "max_size": 4, "network": {"cidr": f"10.{i}.0.0/16", "az_count": 1}, "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct"},
        })
        vpc, subnet = subnets[region]
        targets.append({
            "kind": "aws-inf2", "name": f"large-{region}", "region": region, "instance_type": "inf2.48xlarge",
            "max_size": 2, "network": {"vpc_id": vpc, "subnet_ids": [subnet]}, "serving": {"model": "meta-llama/Llama-3.3-70B-Instruct"},
        })
    return {"fleet": "bench", "cost_center": "cc-1", "owner": "team@example.com", "environment": "dev", "targets": targets}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency_ms / 1000)
        return 0

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      AWS_EC2_METADATA_DISABLED="true")
    os.environ.pop("AWS_PROFILE", None)
    import subprocess

    proc = subprocess.Popen([sys.executable, __file__, "--serve", "--latency-ms", str(args.latency_ms)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    os.environ["AWS_ENDPOINT_URL"] = url

    import boto3

    from siliconfleet import catalog
    from siliconfleet.preflight import PreflightOptions, aws_clients_for, preflight
    from siliconfleet.spec import validate_fleet

    subnets = {}
    for region in REGIONS:  # also warms moto's per-region backends, outside the timings
        ec2 = boto3.client("ec2", region_name=region)
        az = catalog.aws_offered_az_ids(region, "inf2.48xlarge")[0]
        vpc = ec2.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
        subnets[region] = (vpc, ec2.create_subnet(VpcId=vpc, CidrBlock="10.200.1.0/24", AvailabilityZoneId=az)["Subnet"]["SubnetId"])
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="inf2.xlarge")
        ec2.describe_instance_type_offerings(LocationType="availability-zone-id")
    fleet = validate_fleet(fleet_doc(subnets))

    def run(concurrency: int, clients=None):
        """One preflight; ``clients`` None: a fresh factory (cold: boto3 loads the EC2 model and
        makes every client, as a command run does); else reused (warm: only the API calls)."""
        options = PreflightOptions(concurrency=concurrency)
        if clients is None:
            clients = aws_clients_for(options)
        clients.calls.clear()
        clients.attempts.clear()
        served(url, reset=True)
        start = time.perf_counter()
        report = preflight(fleet, options=options, aws_clients=clients)
        elapsed = time.perf_counter() - start
        return elapsed, report, served(url)

    warm = {n: aws_clients_for(PreflightOptions(concurrency=n)) for n in (args.concurrency, 1)}
    for n, clients in warm.items():  # warm-up: imports, moto's lazy state, the warm factories' clients
        run(n, clients)
    modes = {"cold": lambda n: run(n), "warm": lambda n: run(n, warm[n])}
    timings: dict[tuple[str, str], list[float]] = {}
    last = {}
    for _ in range(args.runs):
        for kind, runner in modes.items():
            for mode, concurrency in (("concurrent", args.concurrency), ("sequential", 1)):
                elapsed, report, calls = runner(concurrency)
                timings.setdefault((kind, mode), []).append(elapsed)
                last[(kind, mode)] = (report, calls)
    proc.stdin.close()
    proc.wait(timeout=30)

    print(f"fleet: {len(fleet.targets)} targets in {len(REGIONS)} regions; {args.latency_ms:g} ms injected per request "
          f"(moto_server in its own process); median of {args.runs} runs; {os.cpu_count()} CPUs")
    for kind, what in (("cold", "fresh client factory per run: boto3 loads the EC2 model and makes 24 clients, as the command does"),
                       ("warm", "clients already made: the API calls alone")):
        conc = statistics.median(timings[(kind, "concurrent")])
        seq = statistics.median(timings[(kind, "sequential")])
        print(f"{kind} ({what}):")
        print(f"  concurrent ({args.concurrency} threads): {conc:6.2f} s   "
              f"[{', '.join(f'{t:.2f}' for t in timings[(kind, 'concurrent')])}]")
        print(f"  sequential (1 thread):     {seq:6.2f} s   [{', '.join(f'{t:.2f}' for t in timings[(kind, 'sequential')])}]")
        print(f"  speed-up: {seq / conc:.1f}x")
    report, calls = last[("cold", "concurrent")]
    per_api = Counter(key.split("@")[0] for key in calls)
    repeats = {k: n for k, n in last.items() for k, n in last[k][1].items() if n > 1}
    totals = {f"{k[0]}/{k[1]}": sum(v[1].values()) for k, v in last.items()}
    same = len({tuple((r.target, r.check, r.status) for r in v[0].results) for v in last.values()}) == 1
    print(f"API calls served per run: {totals}; counted by the client: {sum(report.api_calls.values())}")
    for api, n in sorted(per_api.items()):
        regions = sorted({k.split("@")[1] for k in calls if k.startswith(api + "@")})
        print(f"  {api:<40} {n:>3} call(s) over {len(regions)} region(s)")
    print(f"repeated (API, region) pairs in any run: {repeats or 'none'}")
    print(f"checks: {report.summary_line()}; same results in every mode: {same}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
