"""Fixtures for preflight tests: AWS credentials that point nowhere real, moto in-process and over
HTTP (moto_server on 127.0.0.1), an injector for `before-send` faults, and no retry backoff.

No test reaches a real cloud: every endpoint is moto, a Stubber, or a loopback server.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from siliconfleet.preflight import AwsClients, PreflightOptions

from .fakes import Injector

AMI = "ami-12c6146b"  # an image id moto knows


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Fake static credentials and no shared config: nothing can reach a real account."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_SERVICE_QUOTAS", "GROQ_API_KEY", "GROQ_BASE_URL",
                 "SILICONFLEET_TPU_ENDPOINT", "SILICONFLEET_COMPUTE_ENDPOINT", "SILICONFLEET_QUOTAS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's standard mode sleeps up to seconds between attempts: tests count attempts, not time."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture
def moto() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


#: A closed port: anything not answered by a fake fails to connect instead of leaving the machine.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture
def quotas_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Service Quotas (which moto does not serve for EC2) only through the injector's answers:
    its endpoint is a closed loopback port, so moto never sees the calls and nothing leaves."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SERVICE_QUOTAS", NOWHERE)


@pytest.fixture(scope="session")
def moto_server_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_server(moto_server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto_server over HTTP, reset for the test; boto3 reaches it through AWS_ENDPOINT_URL."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server_url}/moto-api/reset", method="POST"), timeout=10).close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server_url)
    yield moto_server_url


@pytest.fixture
def injector() -> Injector:
    return Injector()


@pytest.fixture
def options() -> PreflightOptions:
    return PreflightOptions(concurrency=4, max_attempts=4, connect_timeout=2, read_timeout=5)


@pytest.fixture
def clients(injector: Injector, options: PreflightOptions) -> AwsClients:
    """The production client factory, with the injector on every client it makes."""
    from siliconfleet.preflight import aws_clients_for

    made = aws_clients_for(options)
    made.add_client_hook(injector.hook)
    return made


def ec2(region: str = "us-east-1") -> Any:
    return boto3.client("ec2", region_name=region)


def subnet_in(az_id: str, region: str = "us-east-1", vpc: str | None = None, cidr: str = "10.9.{n}.0/24") -> tuple[str, str]:
    """(vpc id, subnet id) of a new subnet in ``az_id``, in ``vpc`` or a new VPC (moto)."""
    client = ec2(region)
    vpc = vpc or client.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    n = len(client.describe_subnets()["Subnets"])
    subnet = client.create_subnet(VpcId=vpc, CidrBlock=cidr.format(n=n + 1), AvailabilityZoneId=az_id)["Subnet"]["SubnetId"]
    return vpc, subnet


def run_instances(instance_type: str, count: int, region: str = "us-east-1", spot: bool = False) -> None:
    kwargs: dict[str, Any] = {}
    if spot:
        kwargs["InstanceMarketOptions"] = {"MarketType": "spot"}
    ec2(region).run_instances(ImageId=AMI, MinCount=count, MaxCount=count, InstanceType=instance_type, **kwargs)


def fleet_doc(*targets: dict[str, Any]) -> dict[str, Any]:
    from tests.conftest import BASE_FLEET

    doc = copy.deepcopy(BASE_FLEET)
    doc["targets"] = list(targets)
    return doc


def inf2(name: str = "llama-8b", region: str = "us-east-1", **fields: Any) -> dict[str, Any]:
    target = {
        "kind": "aws-inf2", "name": name, "region": region, "instance_type": "inf2.8xlarge",
        "network": {"cidr": "10.40.0.0/16"}, "serving": {"model": "meta-llama/Llama-3.1-8B-Instruct"},
    }
    target.update(fields)
    return target
