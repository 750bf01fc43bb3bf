"""`siliconfleet groq set-key` against moto (Secrets Manager and KMS in-process, the secret created
first as Terraform would) and a fake Google client: the key goes in from standard input only and
never comes out again: not on stdout, stderr or in any log record."""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from moto import mock_aws

from siliconfleet.cli import main
from siliconfleet.groq import keys

from .conftest import CANARY, EXAMPLE

SECRET = "siliconfleet/assistant/groq-llama-70b/groq-api-key"
ARGS = ["groq", "set-key", "--fleet", str(EXAMPLE), "--target", "groq-llama-70b"]


class Stdin(io.StringIO):
    def __init__(self, text: str = "", tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "GROQ_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws() -> Any:
    """moto with the secret Terraform creates: encrypted with its own KMS key, no value yet."""
    with mock_aws():
        kms = boto3.client("kms", region_name="us-east-1")
        key = kms.create_key(Description="groq key")["KeyMetadata"]["Arn"]
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        sm.create_secret(Name=SECRET, KmsKeyId=key, Description="Groq API key of siliconfleet target groq-llama-70b")
        yield sm


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything at DEBUG, botocore included, the way a user chasing a problem would run it."""
    caplog.set_level(logging.DEBUG)
    for name in ("botocore", "boto3", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def run(monkeypatch: pytest.MonkeyPatch, stdin: Stdin, *extra: str, args: list[str] = ARGS) -> int:
    monkeypatch.setattr(sys, "stdin", stdin)
    return main([*args, *extra])


def test_stores_the_key_from_standard_input(aws, monkeypatch, capsys, debug_logs):
    debug_logs.clear()
    assert run(monkeypatch, Stdin(CANARY + "\n")) == 0
    out, err = capsys.readouterr()
    assert "stored a new version of the Groq API key of groq-llama-70b: arn:aws:secretsmanager:us-east-1:" in out
    assert "the key was not printed" in out and err == ""
    assert CANARY not in out + err
    assert CANARY not in debug_logs.text and all(CANARY not in str(r.args) for r in debug_logs.records)
    assert logging.getLogger("botocore").level == logging.DEBUG  # restored after the call
    # the same SDK, unquieted, does log secret values at DEBUG: the capture above would have seen one
    debug_logs.clear()
    assert aws.get_secret_value(SecretId=SECRET)["SecretString"] == CANARY
    assert CANARY in debug_logs.text


def test_a_second_key_is_a_new_version(aws, monkeypatch, capsys):
    second = "gsk_" + "Z9y8X7w6" * 6
    assert run(monkeypatch, Stdin(CANARY)) == 0
    assert run(monkeypatch, Stdin(second + "\r\n")) == 0
    assert aws.get_secret_value(SecretId=SECRET)["SecretString"] == second
    assert len(aws.list_secret_version_ids(SecretId=SECRET)["Versions"]) == 2
    assert CANARY not in "".join(capsys.readouterr())


def test_a_secret_terraform_has_not_created_yet(monkeypatch, capsys):
    with mock_aws():
        assert run(monkeypatch, Stdin(CANARY)) == 1
    out, err = capsys.readouterr()
    assert f"error: secret '{SECRET}' in us-east-1 does not exist: apply the stack assistant-aws-us-east-1 first" in err
    assert CANARY not in out + err


def test_access_denied_says_which_permissions(monkeypatch, capsys):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_client_error("put_secret_value", "AccessDeniedException", "User is not authorized", 400)
    stub.activate()
    monkeypatch.setattr(boto3, "client", lambda *a, **k: client)
    assert run(monkeypatch, Stdin(CANARY)) == 1
    err = capsys.readouterr().err
    assert "not allowed to write" in err and "secretsmanager:PutSecretValue" in err and "kms:GenerateDataKey" in err
    assert CANARY not in err


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("", "standard input is empty"),
        ("   \n", "standard input is empty"),
        ("sk-" + "a" * 40, "does not hold a Groq API key"),
        ("gsk_short", "does not hold a Groq API key"),
        (CANARY + "\n" + CANARY, "does not hold a Groq API key"),
        ("x" * 5000, "more than 4096 characters"),
    ],
)
def test_input_that_is_not_a_key_is_refused_unseen(aws, monkeypatch, capsys, text, fragment):
    assert run(monkeypatch, Stdin(text)) == 2
    out, err = capsys.readouterr()
    assert fragment in err and "nothing was stored" in err
    assert CANARY not in out + err and "sk-aaaa" not in err and "gsk_short" not in err
    assert aws.describe_secret(SecretId=SECRET).get("VersionIdsToStages") in (None, {})


def test_a_terminal_is_refused_without_prompt(aws, monkeypatch, capsys):
    assert run(monkeypatch, Stdin(CANARY, tty=True)) == 2
    assert "standard input is a terminal: pipe the key in" in capsys.readouterr().err


def test_prompt_reads_the_terminal_without_echo(aws, monkeypatch, capsys):
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or CANARY)
    assert run(monkeypatch, Stdin("", tty=True), "--prompt") == 0
    assert asked == ["Groq API key (not echoed): "]
    assert aws.get_secret_value(SecretId=SECRET)["SecretString"] == CANARY
    assert CANARY not in "".join(capsys.readouterr())


@pytest.mark.parametrize("extra", [[CANARY], ["--key", CANARY], [f"--api-key={CANARY}"], ["--value", CANARY]])
def test_a_key_given_as_an_argument_is_refused_and_not_repeated(aws, monkeypatch, capsys, extra):
    assert run(monkeypatch, Stdin(CANARY), *extra) == 2
    out, err = capsys.readouterr()
    assert "reads the key from standard input only" in err and "revoke it in the Groq console" in err
    assert CANARY not in out + err
    assert aws.describe_secret(SecretId=SECRET).get("VersionIdsToStages") in (None, {})


@pytest.mark.parametrize(
    "target,fragment",
    [
        ("llama-70b-inf2", "'llama-70b-inf2' is a aws-inf2 target; set-key stores keys of groq targets: groq-llama-70b, groq-llama-8b"),
        ("groq-lama-70b", "is not a target of fleet 'assistant'; groq targets: groq-llama-70b, groq-llama-8b (did you mean 'groq-llama-70b'?)"),
    ],
)
def test_target_must_be_a_groq_target_of_the_fleet(monkeypatch, capsys, target, fragment):
    args = ["groq", "set-key", "--fleet", str(EXAMPLE), "--target", target]
    assert run(monkeypatch, Stdin(CANARY), args=args) == 2
    assert fragment in capsys.readouterr().err


def test_write_only_targets_are_refused(tmp_path, monkeypatch, capsys):
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["targets"][3]["secret_store"]["write_only"] = True
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump(doc))
    assert run(monkeypatch, Stdin(CANARY), args=["groq", "set-key", "--fleet", str(fleet), "--target", "groq-llama-70b"]) == 2
    err = capsys.readouterr().err
    assert "write-only mode: set TF_VAR_groq_llama_70b_groq_api_key and bump secret_store.write_only_version" in err


def test_a_fleet_file_with_a_key_is_refused_before_anything_is_read(monkeypatch, capsys, tmp_path):
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["targets"][3]["tags"] = {"Key": CANARY}
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump(doc))
    stdin = Stdin(CANARY)
    assert run(monkeypatch, stdin, args=["groq", "set-key", "--fleet", str(fleet), "--target", "groq-llama-70b"]) == 2
    assert stdin.tell() == 0  # the key was never read
    assert CANARY not in "".join(capsys.readouterr())


# ---------------------------------------------------------------------------------------------
# Google Secret Manager


class FakeSecretManager:
    """Stands in for google.cloud.secretmanager.SecretManagerServiceClient (not installed here)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.error = error

    def add_secret_version(self, request: dict[str, Any], timeout: float) -> Any:
        self.requests.append(request)
        if self.error:
            raise self.error
        return type("Version", (), {"name": f"{request['parent']}/versions/1"})()


def gcp_target():
    from siliconfleet.spec import load_fleet

    fleet = load_fleet(EXAMPLE)
    return fleet, next(t for t in fleet.targets if t.name == "groq-llama-8b")


def test_gcp_adds_a_secret_version_with_the_key_as_payload():
    fleet, target = gcp_target()
    client = FakeSecretManager()
    stored = keys.store_key(CANARY + "\n", target, fleet=fleet.fleet, client=client)
    parent = "projects/acme-inference-prod/secrets/assistant-groq-llama-8b-groq-api-key"
    assert stored == keys.Stored(secret=parent, version=f"{parent}/versions/1")
    (request,) = client.requests
    assert request["parent"] == parent and request["payload"]["data"] == CANARY.encode()


def test_gcp_errors_say_what_to_do_without_the_key():
    from google.api_core import exceptions

    fleet, target = gcp_target()
    with pytest.raises(keys.KeyStoreError, match="does not exist: apply the stack assistant-gcp-acme-inference-prod first"):
        keys.store_key(CANARY, target, fleet=fleet.fleet, stack="assistant-gcp-acme-inference-prod",
                       client=FakeSecretManager(exceptions.NotFound("no")))
    with pytest.raises(keys.KeyStoreError, match="does not exist: apply the stack that creates it first"):
        keys.store_key(CANARY, target, fleet=fleet.fleet, client=FakeSecretManager(exceptions.NotFound("no")))
    with pytest.raises(keys.KeyStoreError, match="roles/secretmanager.secretVersionAdder") as err:
        keys.store_key(CANARY, target, fleet=fleet.fleet, stack="assistant-gcp-acme-inference-prod",
                       client=FakeSecretManager(exceptions.PermissionDenied(f"denied for {CANARY}")))
    assert CANARY not in str(err.value)


def test_gcp_without_the_client_library_gives_the_install_hint(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "google.cloud.secretmanager", None)
    args = ["groq", "set-key", "--fleet", str(EXAMPLE), "--target", "groq-llama-8b"]
    assert run(monkeypatch, Stdin(CANARY), args=args) == 1
    err = capsys.readouterr().err
    assert "pip install google-cloud-secret-manager" in err and CANARY not in err


# ---------------------------------------------------------------------------------------------


def test_quiet_sdk_logs_raises_and_restores_levels():
    logger = logging.getLogger("botocore.endpoint")
    logger.setLevel(logging.DEBUG)
    try:
        with keys.quiet_sdk_logs():
            assert logger.level == logging.WARNING and not logger.isEnabledFor(logging.DEBUG)
        assert logger.level == logging.DEBUG
    finally:
        logger.setLevel(logging.NOTSET)


def test_help_documents_standard_input_and_prompt(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["groq", "set-key", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--prompt" in out and "standard input" in out and "--key" not in out
