"""GroqEndpoint: Testing.synth proves what exists (the secret container, its key, the read grants,
the published config) and what never does (a secret version with a value, a plaintext key)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from siliconfleet import engine
from siliconfleet.constructs import GroqEndpoint, GroqEndpointProps, check_cost_center_tags
from siliconfleet.constructs.groq import tpu_service_account_email
from siliconfleet.errors import SiliconfleetError
from tests.conftest import only, resources, synth_stack

from .conftest import CANARY

OWNERSHIP = {"cost_center": "cc-1234", "owner": "ml-team@example.com", "environment": "prod", "fleet": "chat"}
SERVING_ROLES = ["arn:aws:iam::123456789012:role/chat-inf2-instances", "arn:aws:iam::123456789012:role/chat-p5-instances"]
READER = "arn:aws:iam::123456789012:role/chat-gateway"
GCP_SERVING = ["sf-llama-tpu@acme-inference-prod.iam.gserviceaccount.com"]
GCP_READER = "gateway@acme-inference-prod.iam.gserviceaccount.com"
AWS_STORE = {"type": "aws-secrets-manager", "region": "us-east-1"}
GCP_STORE = {"type": "gcp-secret-manager", "project": "acme-inference-prod"}


def props(**over: Any) -> GroqEndpointProps:
    fields: dict[str, Any] = {
        "name": "groq-70b",
        "model": "llama-3.3-70b-versatile",
        "max_model_len": 8192,
        "secret_store": AWS_STORE,
        "rate_limits": {"requests_per_minute": 120, "tokens_per_minute": 250000},
        "reader_role_arns": [READER],
        "tags": {"Project": "assistant"},
        **OWNERSHIP,
    }
    fields.update(over)
    return GroqEndpointProps(**fields)


def synth_aws(p: GroqEndpointProps, roles: list[str] = SERVING_ROLES) -> dict[str, Any]:
    return synth_stack(lambda stack: GroqEndpoint(stack, p.name, props=p, serving_role_arns=roles))


def synth_gcp(p: GroqEndpointProps, accounts: list[str] = GCP_SERVING) -> dict[str, Any]:
    def build(stack):
        engine.google_beta("provider").GoogleBetaProvider(stack, "google-beta", project="acme-inference-prod")
        GroqEndpoint(stack, p.name, props=p, serving_service_accounts=accounts)

    return synth_stack(build, aws_region=None)


@pytest.fixture(scope="module")
def aws_doc(monkeypatch_module) -> dict[str, Any]:
    return synth_aws(props())


@pytest.fixture(scope="module")
def monkeypatch_module():
    """The key in the environment while synthesizing, as on a workstation that exported it."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GROQ_API_KEY", CANARY)
    mp.setenv("TF_VAR_groq_70b_groq_api_key", CANARY)
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def aws_variants(monkeypatch_module) -> dict[str, dict[str, Any]]:
    """Write-only mode, an existing KMS key, and no readers at all: one stack, three endpoints."""
    kms = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    def build(stack):
        GroqEndpoint(stack, "wo", props=props(name="groq-wo", secret_store={**AWS_STORE, "write_only": True, "write_only_version": 3}))
        GroqEndpoint(stack, "byok", props=props(name="groq-byok", secret_store={**AWS_STORE, "kms_key_id": kms, "recovery_window_days": 0}))
        GroqEndpoint(stack, "alone", props=props(name="groq-alone", reader_role_arns=[]))

    return {"doc": synth_stack(build), "kms": kms}


@pytest.fixture(scope="module")
def gcp_doc(monkeypatch_module) -> dict[str, Any]:
    return synth_gcp(props(secret_store=GCP_STORE, reader_role_arns=[], reader_service_accounts=[GCP_READER]))


@pytest.fixture(scope="module")
def gcp_variants(monkeypatch_module) -> dict[str, Any]:
    key = "projects/acme-security/locations/global/keyRings/secrets/cryptoKeys/groq"

    def build(stack):
        engine.google_beta("provider").GoogleBetaProvider(stack, "google-beta", project="acme-inference-prod")
        GroqEndpoint(stack, "wo", props=props(
            name="groq-wo", reader_role_arns=[], tags={}, reader_service_accounts=GCP_SERVING,
            secret_store={**GCP_STORE, "write_only": True, "kms_key_name": key, "deletion_protection": False, "recovery_window_days": 0},
        ), serving_service_accounts=GCP_SERVING)

    return synth_stack(build, aws_region=None)


def by_path(doc: dict[str, Any], rtype: str, construct: str) -> dict[str, Any]:
    """The resource of ``rtype`` under construct ``construct`` (first path element after the stack)."""
    found = [body for name, body in resources(doc, rtype).items() if owner(name) == construct]
    assert len(found) == 1, f"{rtype} under {construct}: {len(found)}"
    return found[0]


def owner(logical_id: str) -> str:
    """The construct a resource belongs to: Testing.synth drops paths, logical ids start with it."""
    return logical_id.split("_")[0]


def statements(policy: str) -> list[dict[str, Any]]:
    doc = json.loads(policy)
    assert doc["Version"] == "2012-10-17"
    return doc["Statement"]


def ref(doc: dict[str, Any], rtype: str, attribute: str) -> str:
    """A Terraform reference to the one resource (or ``data_...`` source) of ``rtype``."""
    if rtype.startswith("data_"):
        (name,) = doc["data"][rtype[len("data_"):]]
        return f"${{data.{rtype[len('data_'):]}.{name}.{attribute}}}"
    (name,) = resources(doc, rtype)
    return f"${{{rtype}.{name}.{attribute}}}"


# ---------------------------------------------------------------------------------------------
# never a value


def all_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


def test_default_mode_creates_no_secret_version_and_no_value(aws_doc, gcp_doc):
    for doc in (aws_doc, gcp_doc):
        assert not resources(doc, "aws_secretsmanager_secret_version")
        assert not resources(doc, "google_secret_manager_secret_version")
        assert "variable" not in doc
        text = all_text(doc)
        for word in ("secret_string", "secret_binary", "secret_data", CANARY, "gsk_"):
            assert word not in text


def test_the_key_in_the_environment_reaches_no_stack(aws_variants, gcp_variants):
    for doc in (aws_variants["doc"], gcp_variants):
        assert CANARY not in all_text(doc)


# ---------------------------------------------------------------------------------------------
# AWS


def test_kms_key_rotates_and_its_policy_names_exactly_the_readers(aws_doc):
    key = only(aws_doc, "aws_kms_key")
    assert key["enable_key_rotation"] is True and key["rotation_period_in_days"] == 365 and key["deletion_window_in_days"] == 30
    admin, readers = statements(key["policy"])
    partition, account = ref(aws_doc, "data_aws_partition", "partition"), ref(aws_doc, "data_aws_caller_identity", "account_id")
    assert admin == {
        "Sid": "AccountAdministersTheKey", "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
        "Action": "kms:*", "Resource": "*",
    }
    assert readers == {
        "Sid": "ReadersDecryptTheGroqApiKeyThroughSecretsManager",
        "Effect": "Allow",
        "Principal": {"AWS": [*SERVING_ROLES, READER]},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:SecretARN":
                           f"arn:{partition}:secretsmanager:us-east-1:{account}:secret:siliconfleet/chat/groq-70b/groq-api-key-??????"},
        },
    }
    alias = only(aws_doc, "aws_kms_alias")
    assert alias["name"] == "alias/siliconfleet/chat/groq-70b/groq-api-key"
    assert alias["target_key_id"] == ref(aws_doc, "aws_kms_key", "key_id")


def test_secret_container(aws_doc):
    secret = only(aws_doc, "aws_secretsmanager_secret")
    assert secret["name"] == "siliconfleet/chat/groq-70b/groq-api-key"
    assert secret["kms_key_id"] == ref(aws_doc, "aws_kms_key", "arn")
    assert secret["recovery_window_in_days"] == 30
    assert "set-key" in secret["description"] and "never by Terraform" in secret["description"]
    assert secret["tags"]["CostCenter"] == "cc-1234" and secret["tags"]["Target"] == "groq-70b"
    assert check_cost_center_tags(aws_doc) == []


def test_read_grant_is_get_secret_value_on_exactly_that_secret_for_exactly_the_readers(aws_doc):
    policy = only(aws_doc, "aws_secretsmanager_secret_policy")
    secret_arn = ref(aws_doc, "aws_secretsmanager_secret", "arn")
    assert policy["secret_arn"] == secret_arn and policy["block_public_policy"] is True
    assert statements(policy["policy"]) == [{
        "Sid": "ReadTheGroqApiKey", "Effect": "Allow", "Principal": {"AWS": [*SERVING_ROLES, READER]},
        "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn,
    }]
    # no identity policy widens it elsewhere
    assert not resources(aws_doc, "aws_iam_role_policy") and not resources(aws_doc, "aws_iam_policy")


def test_config_parameter_is_a_string_without_a_secret(aws_doc):
    parameter = only(aws_doc, "aws_ssm_parameter")
    assert parameter["name"] == "/siliconfleet/chat/groq-70b/groq-endpoint"
    assert parameter["type"] == "String" and parameter["tier"] == "Standard" and "key_id" not in parameter
    assert json.loads(parameter["value"]) == {
        "target": "groq-70b",
        "base_url": "https://api.groq.com/openai/v1",
        "model": "llama-3.3-70b-versatile",
        "max_model_len": 8192,
        "api_key_env": "GROQ_API_KEY",
        "secret": {"store": "aws-secrets-manager", "name": "siliconfleet/chat/groq-70b/groq-api-key", "region": "us-east-1",
                   "arn": ref(aws_doc, "aws_secretsmanager_secret", "arn")},
        "rate_limits": {"requests_per_minute": 120, "tokens_per_minute": 250000},
    }


def test_outputs_have_descriptions_and_hold_no_secret(aws_doc):
    outputs = aws_doc["output"]
    assert set(outputs) == {f"groq_70b_{k}" for k in ("base_url", "model", "rate_limits", "config_parameter", "secret_arn", "kms_key_arn")}
    assert all(o["description"].startswith("groq-70b: ") for o in outputs.values())
    assert outputs["groq_70b_base_url"]["value"] == "https://api.groq.com/openai/v1"
    assert outputs["groq_70b_secret_arn"]["value"] == ref(aws_doc, "aws_secretsmanager_secret", "arn")
    assert not any(o.get("sensitive") for o in outputs.values())


def test_write_only_mode_feeds_an_ephemeral_sensitive_variable_to_secret_string_wo(aws_variants):
    doc = aws_variants["doc"]
    variable = doc["variable"]["groq_wo_groq_api_key"]
    assert variable["ephemeral"] is True and variable["sensitive"] is True
    assert variable["type"] == "string" and variable["nullable"] is False and "default" not in variable
    (validation,) = variable["validation"]
    assert validation["condition"] == '${can(regex("^gsk_[A-Za-z0-9]{20,}$", var.groq_wo_groq_api_key))}'
    assert "not shown" in validation["error_message"]
    (version,) = resources(doc, "aws_secretsmanager_secret_version").values()
    secret = by_path(doc, "aws_secretsmanager_secret", "wo")
    assert version["secret_string_wo"] == "${var.groq_wo_groq_api_key}" and version["secret_string_wo_version"] == 3
    assert owner(version["secret_id"].split(".")[1]) == "wo" and version["secret_id"].endswith(".id}")
    assert "secret_string" not in version and "secret_binary" not in version
    assert "TF_VAR_groq_wo_groq_api_key" in variable["description"]
    assert "write-only variable groq_wo_groq_api_key" in secret["description"]


def test_an_existing_kms_key_is_used_as_is(aws_variants):
    doc = aws_variants["doc"]
    secret = by_path(doc, "aws_secretsmanager_secret", "byok")
    assert secret["kms_key_id"] == aws_variants["kms"] and secret["recovery_window_in_days"] == 0
    assert {owner(name) for name in resources(doc, "aws_kms_key")} == {"wo", "alone"}
    assert doc["output"]["groq_byok_kms_key_arn"]["value"] == aws_variants["kms"]


def test_no_readers_no_read_policy(aws_variants):
    doc = aws_variants["doc"]
    assert {owner(name) for name in resources(doc, "aws_secretsmanager_secret_policy")} == {"wo", "byok"}
    key = by_path(doc, "aws_kms_key", "alone")
    assert [s["Sid"] for s in statements(key["policy"])] == ["AccountAdministersTheKey"]


# ---------------------------------------------------------------------------------------------
# Google Cloud


def test_gcp_secret_is_encrypted_with_a_rotating_key_only_secret_manager_uses(gcp_doc):
    secret = only(gcp_doc, "google_secret_manager_secret")
    key_id = ref(gcp_doc, "google_kms_crypto_key", "id")
    assert secret["secret_id"] == "chat-groq-70b-groq-api-key" and secret["project"] == "acme-inference-prod"
    assert secret["replication"] == {"auto": {"customer_managed_encryption": {"kms_key_name": key_id}}}
    assert secret["deletion_protection"] is True and secret["version_destroy_ttl"] == f"{30 * 86400}s"
    assert secret["labels"]["cost_center"] == "cc-1234" and secret["labels"]["target"] == "groq-70b"
    key = only(gcp_doc, "google_kms_crypto_key")
    assert key["rotation_period"] == f"{90 * 86400}s" and key["purpose"] == "ENCRYPT_DECRYPT"
    assert key["lifecycle"] == {"prevent_destroy": True}
    assert only(gcp_doc, "google_kms_key_ring")["location"] == "global"
    agent = only(gcp_doc, "google_project_service_identity")
    assert agent["service"] == "secretmanager.googleapis.com"
    grant = only(gcp_doc, "google_kms_crypto_key_iam_member")
    assert grant["crypto_key_id"] == key_id and grant["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant["member"] == f"serviceAccount:{ref(gcp_doc, 'google_project_service_identity', 'email')}"
    (grant_name,) = resources(gcp_doc, "google_kms_crypto_key_iam_member")
    assert secret["depends_on"] == [f"google_kms_crypto_key_iam_member.{grant_name}"]
    assert check_cost_center_tags(gcp_doc) == []


def test_gcp_read_grants_are_secret_accessor_on_that_secret_for_exactly_the_readers(gcp_doc):
    members = resources(gcp_doc, "google_secret_manager_secret_iam_member").values()
    assert sorted(m["member"] for m in members) == sorted(f"serviceAccount:{a}" for a in [*GCP_SERVING, GCP_READER])
    assert {m["role"] for m in members} == {"roles/secretmanager.secretAccessor"}
    assert {m["secret_id"] for m in members} == {ref(gcp_doc, "google_secret_manager_secret", "secret_id")}
    assert not resources(gcp_doc, "google_project_iam_member")  # never project-wide


def test_gcp_config_parameter(gcp_doc):
    parameter = only(gcp_doc, "google_parameter_manager_parameter")
    assert parameter["parameter_id"] == "chat-groq-70b-groq-endpoint" and parameter["format"] == "JSON"
    version = only(gcp_doc, "google_parameter_manager_parameter_version")
    config = json.loads(version["parameter_data"])
    assert config["secret"] == {"store": "gcp-secret-manager", "name": "chat-groq-70b-groq-api-key", "project": "acme-inference-prod",
                                "id": "projects/acme-inference-prod/secrets/chat-groq-70b-groq-api-key"}
    assert config["base_url"] == "https://api.groq.com/openai/v1" and config["api_key_env"] == "GROQ_API_KEY"
    assert version["parameter_version_id"].startswith("v-")
    assert set(gcp_doc["output"]) == {f"groq_70b_{k}" for k in ("base_url", "model", "rate_limits", "config_parameter", "secret_id", "kms_key_name")}


def test_gcp_write_only_mode_and_an_existing_key(gcp_variants):
    doc = gcp_variants
    variable = doc["variable"]["groq_wo_groq_api_key"]
    assert variable["ephemeral"] is True and variable["sensitive"] is True
    version = only(doc, "google_secret_manager_secret_version")
    assert version["secret_data_wo"] == "${var.groq_wo_groq_api_key}" and version["secret_data_wo_version"] == "1"
    assert "secret_data" not in version
    secret = only(doc, "google_secret_manager_secret")
    key = "projects/acme-security/locations/global/keyRings/secrets/cryptoKeys/groq"
    assert secret["replication"]["auto"]["customer_managed_encryption"]["kms_key_name"] == key
    assert secret["deletion_protection"] is False and "version_destroy_ttl" not in secret
    assert not resources(doc, "google_kms_crypto_key") and not resources(doc, "google_kms_key_ring")
    # a reader that is also a serving account is granted once
    assert [m["member"] for m in resources(doc, "google_secret_manager_secret_iam_member").values()] == [f"serviceAccount:{GCP_SERVING[0]}"]


# ---------------------------------------------------------------------------------------------
# misuse


def test_props_report_every_bad_field_without_the_key():
    with pytest.raises(SiliconfleetError) as err:
        GroqEndpointProps(name="groq-70b", model=CANARY, secret_store=AWS_STORE,
                          rate_limits={"requests_per_minute": 1, "tokens_per_minute": 1}, owner="o", environment="prod")
    text = str(err.value)
    assert "cost_center: is required" in text and "model:" in text
    assert CANARY not in text and "looks like a credential (not shown)" in text


def test_serving_identities_are_checked_unless_they_are_references():
    def build(roles=(), accounts=(), p=None):
        return lambda stack: GroqEndpoint(stack, "g", props=p or props(), serving_role_arns=roles, serving_service_accounts=accounts)

    with pytest.raises(SiliconfleetError, match=r"serving_role_arns\[0\]: 'chat-gateway' is not an IAM role ARN"):
        synth_stack(build(roles=["chat-gateway"]))
    with pytest.raises(SiliconfleetError, match="serving_service_accounts: an aws-secrets-manager secret is read by IAM roles"):
        synth_stack(build(accounts=GCP_SERVING))
    with pytest.raises(TypeError, match="GroqEndpointProps"):
        synth_stack(lambda stack: GroqEndpoint(stack, "g", props=object()))  # type: ignore[arg-type]


def test_tpu_service_account_email_matches_the_slice_naming():
    assert tpu_service_account_email("llama-tpu", "acme-inference-prod") == "sf-llama-tpu@acme-inference-prod.iam.gserviceaccount.com"
    long = tpu_service_account_email("a-very-long-target-name-for-tpu", "p-roject")
    assert len(long.split("@")[0]) <= 30
