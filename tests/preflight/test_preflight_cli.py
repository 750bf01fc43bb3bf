"""`siliconfleet preflight` end to end over HTTP: EC2 from moto_server (ThreadedMotoServer on
127.0.0.1, reached through AWS_ENDPOINT_URL), Service Quotas from a loopback JSON fake."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import boto3
import pytest
import yaml

from siliconfleet.cli import main
from siliconfleet.preflight.pool import Progress
from tests.conftest import ROOT

from .conftest import AMI, fleet_doc, inf2
from .fakes import LoopbackServer, service_quotas_server_handler

INF = "L-1945791B"


@pytest.fixture
def quotas_server(monkeypatch):
    server = LoopbackServer()
    server.route("POST", "/", service_quotas_server_handler({INF: 96}))
    with server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SERVICE_QUOTAS", server.url)
        yield server


@pytest.fixture
def fleet_file(tmp_path):
    def write(*targets) -> str:
        path = tmp_path / "fleet.yaml"
        path.write_text(yaml.safe_dump(fleet_doc(*targets), sort_keys=False))
        return str(path)

    return write


pytestmark = pytest.mark.usefixtures("moto_server", "quotas_server")


def test_json_report_over_http_all_ok(fleet_file, capsys):
    path = fleet_file(inf2("east", max_size=2), inf2("east-small", instance_type="inf2.xlarge"), inf2("west", region="us-west-2"))
    code = main(["preflight", "--fleet", path, "--format", "json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert code == 0, out
    assert doc["exit_code"] == 0 and doc["summary"] == {"ok": 6, "insufficient": 0, "unknown": 0}
    assert err == ""  # no progress bar, no notes in JSON mode
    assert doc["api_calls"] == {
        "ec2:DescribeRegions@us-east-1": 1,
        "ec2:DescribeInstanceTypeOfferings@us-east-1": 1, "ec2:DescribeInstances@us-east-1": 1,
        "service-quotas:ListServiceQuotas@us-east-1": 1,
        "ec2:DescribeInstanceTypeOfferings@us-west-2": 1, "ec2:DescribeInstances@us-west-2": 1,
        "service-quotas:ListServiceQuotas@us-west-2": 1,
    }
    first = doc["results"][0]
    assert first["target"] == "east" and first["check"] == "offering" and first["status"] == "ok"
    assert first["evidence"][0]["api"] == "ec2:DescribeInstanceTypeOfferings"
    assert first["evidence"][0]["location"] == "us-east-1"
    assert first["evidence"][0]["at"].endswith("Z")


def test_table_report_with_an_insufficient_quota_exits_1_and_prints_the_fix(fleet_file, moto_server, capsys):
    boto3.client("ec2", region_name="us-east-1", endpoint_url=moto_server).run_instances(
        ImageId=AMI, MinCount=2, MaxCount=2, InstanceType="inf2.8xlarge")
    code = main(["preflight", "--fleet", fleet_file(inf2("east", max_size=2))])
    out, _ = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["TARGET", "CHECK", "STATUS", "DETAIL"]
    assert any("quota-on-demand  insufficient" in line and "quota 96 vCPUs, 64 running, headroom 32; needs 64" in line for line in lines)
    assert ("fix: aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-1945791B "
            "--desired-value 128 --region us-east-1") in out
    assert lines[-1] == "2 checks: 1 ok, 1 insufficient, 0 unknown; 4 API calls -> exit 1"


def test_a_quota_nobody_can_read_exits_3(fleet_file, moto_server, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SERVICE_QUOTAS", moto_server)  # moto: no EC2 quotas
    code = main(["preflight", "--fleet", fleet_file(inf2("east")), "--format", "json", "--max-attempts", "2"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    assert doc["summary"] == {"ok": 1, "insufficient": 0, "unknown": 1}
    quota = doc["results"][1]
    assert quota["status"] == "unknown" and "could not be read" in quota["summary"]
    assert doc["attempts"]["service-quotas:ListServiceQuotas@us-east-1"] == 2  # moto answers 5xx: retried once


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["preflight", "--fleet", str(tmp_path / "missing.yaml")]) == 2
    assert "fleet file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(fleet_doc(inf2("east", instance_type="inf9.huge"))))
    assert main(["preflight", "--fleet", str(bad), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "inf9.huge" in captured.err


def test_concurrency_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["preflight", "--concurrency", "0"])
    assert exc.value.code == 2
    assert "0 must be at least 1" in capsys.readouterr().err


def test_progress_is_drawn_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = Progress(stream, width=4)
        bar.add(2)
        bar.step()
        bar.step()
        bar.close()
    assert "preflight [##--] 1/2 API calls" in tty.getvalue() and "[####] 2/2" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_the_command_never_imports_the_cdk_engine(fleet_file, moto_server, quotas_server):
    path = fleet_file(inf2("east"))
    code = (
        "import sys\nfrom siliconfleet.cli import main\nrc = main(['preflight', '--fleet', sys.argv[1], '--format', 'json'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('cdktn', 'cdktf', 'constructs', 'jsii') "
        "or m == 'siliconfleet.engine')\nprint('HEAVY', heavy, file=sys.stderr)\nsys.exit(rc)\n"
    )
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_server, "AWS_ENDPOINT_URL_SERVICE_QUOTAS": quotas_server.url}
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr
    assert json.loads(done.stdout)["summary"]["ok"] == 2


def test_existing_subnets_are_resolved_to_az_ids_over_http(fleet_file, moto_server, capsys):
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto_server)
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    good = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24", AvailabilityZoneId="use1-az6")["Subnet"]["SubnetId"]
    bad = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.2.0/24", AvailabilityZoneId="use1-az1")["Subnet"]["SubnetId"]
    path = fleet_file(inf2("east", network={"vpc_id": vpc, "subnet_ids": [good, bad]}))
    code = main(["preflight", "--fleet", path, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    offering = doc["results"][0]
    assert offering["status"] == "insufficient"
    assert offering["summary"].startswith("inf2.8xlarge is not offered in use1-az1 (the subnets' AZs in us-east-1)")
    assert offering["evidence"][1]["api"] == "ec2:DescribeSubnets"
    assert offering["evidence"][1]["figures"][good] == {"vpc_id": vpc, "az_id": "use1-az6"}
    assert doc["api_calls"]["ec2:DescribeSubnets@us-east-1"] == 1
