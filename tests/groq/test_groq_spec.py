"""groq targets and fleet routing: pure spec tests (no CDK engine)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from siliconfleet import spec
from siliconfleet.app import stack_location, stack_plan
from siliconfleet.catalog.groq import groq_models
from siliconfleet.errors import SiliconfleetError
from siliconfleet.spec import GroqTarget, validate_fleet
from siliconfleet.spec.groq import GROQ_BASE_URL, GROQ_KEY_SHAPE
from siliconfleet.spec.models import TARGET_KINDS
from siliconfleet.spec.secrets import classify
from tests.conftest import BASE_FLEET

from .conftest import CANARY

GROQ: dict[str, Any] = {
    "kind": "groq",
    "name": "groq-70b",
    "model": "llama-3.3-70b-versatile",
    "secret_store": {"type": "aws-secrets-manager", "region": "us-east-1"},
    "rate_limits": {"requests_per_minute": 100, "tokens_per_minute": 200000},
}
GCP_STORE = {"type": "gcp-secret-manager", "project": "acme-inference-prod"}


def fleet_with(*targets: dict[str, Any], **top: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE_FLEET)
    doc["targets"].extend(copy.deepcopy(list(targets)))
    doc.update(copy.deepcopy(top))
    return doc


def problems(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(SiliconfleetError) as err:
        validate_fleet(doc)
    return {p.path: p.message for p in err.value.problems}


def groq(**over: Any) -> dict[str, Any]:
    return {**copy.deepcopy(GROQ), **over}


def test_registered_and_exported():
    assert TARGET_KINDS["groq"] is GroqTarget
    assert spec.GroqTarget is GroqTarget and "GroqTarget" in spec.__all__ and "Routing" in spec.__all__


def test_defaults():
    fleet = validate_fleet(fleet_with(groq()))
    target = fleet.targets[1]
    store = target.secret_store
    assert (store.recovery_window_days, store.write_only, store.kms_key_id, store.secret_name) == (30, False, None, None)
    assert target.catalog_model is groq_models()["llama-3.3-70b-versatile"]
    assert target.reader_role_arns == [] and target.reader_service_accounts == [] and target.max_model_len is None
    assert target.secret_name("chat") == "siliconfleet/chat/groq-70b/groq-api-key"
    assert target.write_only_variable() == "groq_70b_groq_api_key"
    assert not target.on_gcp and target.region == "us-east-1"
    assert GROQ_BASE_URL == "https://api.groq.com/openai/v1"


def test_gcp_store_defaults():
    target = validate_fleet(fleet_with(groq(secret_store=GCP_STORE))).targets[1]
    assert target.on_gcp and target.region is None
    assert target.secret_name("chat") == "chat-groq-70b-groq-api-key"
    assert target.secret_store.deletion_protection is True and target.secret_store.kms_key_name is None


def test_unknown_model_names_the_catalog_and_a_near_miss():
    found = problems(fleet_with(groq(model="llama-3.3-70b-versatil")))
    message = found["targets[1].model"]
    assert "'llama-3.3-70b-versatil' is not a Groq model" in message
    assert "did you mean 'llama-3.3-70b-versatile'?" in message and "allow_unlisted_model: true" in message


def test_allow_unlisted_model_passes_with_a_warning():
    target = validate_fleet(fleet_with(groq(model="moonshotai/kimi-k3-instruct", allow_unlisted_model=True))).targets[1]
    assert target.catalog_model is None
    warnings = [n for n in target.summary_notes() if n.startswith("warning:")]
    assert len(warnings) == 1 and "'moonshotai/kimi-k3-instruct' is not in siliconfleet's Groq catalog" in warnings[0]
    assert not [n for n in validate_fleet(fleet_with(groq())).targets[1].summary_notes() if n.startswith("warning:")]


def test_max_model_len_must_fit_the_context_window():
    window = groq_models()["llama-3.3-70b-versatile"].context_window
    assert validate_fleet(fleet_with(groq(max_model_len=window))).targets[1].max_model_len == window
    message = problems(fleet_with(groq(max_model_len=window + 1)))["targets[1].max_model_len"]
    assert f"exceeds the {window}-token context window" in message


@pytest.mark.parametrize(
    "over,path,fragment",
    [
        ({"secret_store": {"type": "aws-secrets-manager", "region": "us-east-1", "recovery_window_days": 3}},
         "targets[1].secret_store.recovery_window_days", "0 (delete at once) or 7 to 30"),
        ({"secret_store": {**GCP_STORE, "recovery_window_days": 31}}, "targets[1].secret_store.recovery_window_days", "0 (destroy at once) to 30"),
        ({"secret_store": {"type": "vault", "region": "us-east-1"}}, "targets[1].secret_store.type", "allowed: aws-secrets-manager, gcp-secret-manager"),
        ({"secret_store": {"type": "aws-secrets-manager"}}, "targets[1].secret_store.region", "required"),
        ({"secret_store": {"type": "aws-secrets-manager", "region": "us-east-1", "kms_key_id": "my-key"}},
         "targets[1].secret_store.kms_key_id", "KMS key id"),
        ({"secret_store": {**GCP_STORE, "kms_key_name": "projects/acme-inference-prod/locations/us-east1/keyRings/r/cryptoKeys/k"}},
         "targets[1].secret_store.kms_key_name", "in location global"),
        ({"secret_store": {**GCP_STORE, "region": "us-east-1"}}, "targets[1].secret_store.region", "unknown key"),
        ({"rate_limits": {"requests_per_minute": 0, "tokens_per_minute": 10}}, "targets[1].rate_limits.requests_per_minute", "greater than or equal to 1"),
        ({"rate_limits": {"requests_per_minute": 10}}, "targets[1].rate_limits.tokens_per_minute", "required"),
        ({"reader_role_arns": ["arn:aws:iam::123456789012:user/alice"]}, "targets[1].reader_role_arns[0]", "IAM role ARN"),
        ({"reader_service_accounts": ["gateway@example.com"]}, "targets[1].reader_service_accounts[0]", "service account email"),
        ({"reader_service_accounts": ["gw@acme-inference-prod.iam.gserviceaccount.com"]}, "targets[1].reader_service_accounts",
         "with aws-secrets-manager list IAM roles in reader_role_arns"),
        ({"secret_store": GCP_STORE, "reader_role_arns": ["arn:aws:iam::123456789012:role/gw"]}, "targets[1].reader_role_arns",
         "with gcp-secret-manager list service accounts"),
        ({"reader_role_arns": ["arn:aws:iam::123456789012:role/gw"] * 2}, "targets[1].reader_role_arns", "lists a reader twice"),
        ({"max_model_len": 64}, "targets[1].max_model_len", "greater than or equal to 128"),
        ({"api_key": "x"}, "targets[1].api_key", "unknown key"),
    ],
)
def test_malformed_groq_targets(over, path, fragment):
    found = problems(fleet_with(groq(**over)))
    assert path in found, found
    assert fragment in found[path]


def test_every_problem_of_a_target_at_once():
    found = problems(fleet_with(groq(
        model="llama-3.3-70b-versatil",
        secret_store={"type": "aws-secrets-manager", "region": "us-east-1", "recovery_window_days": 3},
        rate_limits={"requests_per_minute": 0, "tokens_per_minute": 1},
    )))
    assert {"targets[1].model", "targets[1].secret_store.recovery_window_days", "targets[1].rate_limits.requests_per_minute"} <= set(found)


def test_gcp_store_tags_must_be_labels():
    found = problems(fleet_with(groq(secret_store=GCP_STORE, tags={"9lives": "x"})))
    assert any(path.startswith("targets[1].tags") and "Google Cloud target 'groq-70b'" in msg for path, msg in found.items()), found
    # the same tag is fine on AWS, where it stays a tag
    assert validate_fleet(fleet_with(groq(tags={"9lives": "x"}))).targets[1].tags == {"9lives": "x"}


# ---------------------------------------------------------------------------------------------
# routing


def test_routing_defaults_to_the_order_of_targets():
    fleet = validate_fleet(fleet_with(groq()))
    assert fleet.routing is None
    assert [t.name for t in fleet.routed_targets()] == ["llama-8b", "groq-70b"]


def test_routing_order():
    fleet = validate_fleet(fleet_with(groq(), routing={"order": ["groq-70b", "llama-8b"]}))
    assert [t.name for t in fleet.routed_targets()] == ["groq-70b", "llama-8b"]


@pytest.mark.parametrize(
    "order,path,fragment",
    [
        (["groq-70b", "llama-8c"], "routing.order[1]", "'llama-8c' is not a target of this fleet; targets: llama-8b, groq-70b (did you mean 'llama-8b'?)"),
        (["groq-70b", "groq-70b", "llama-8b"], "routing.order[1]", "'groq-70b' is listed twice"),
        (["groq-70b"], "routing.order", "does not list 'llama-8b'"),
        ([], "routing.order", "at least 1 item"),
        (["Groq 70B"], "routing.order[0]", "is not a valid name"),
    ],
)
def test_malformed_routing(order, path, fragment):
    found = problems(fleet_with(groq(), routing={"order": order}))
    assert path in found, found
    assert fragment in found[path]


def test_routing_rejects_unknown_keys():
    found = problems(fleet_with(groq(), routing={"order": ["groq-70b", "llama-8b"], "strategy": "latency"}))
    assert "unknown key" in found["routing.strategy"]


# ---------------------------------------------------------------------------------------------
# where a groq target goes


def test_stack_location_follows_the_secret_store():
    fleet = validate_fleet(fleet_with(groq(), groq(name="groq-gcp", secret_store=GCP_STORE),
                                      groq(name="groq-west", secret_store={"type": "aws-secrets-manager", "region": "us-west-2"})))
    assert [stack_location(t) for t in fleet.targets] == [
        ("aws", "us-east-1"), ("aws", "us-east-1"), ("gcp", "acme-inference-prod"), ("aws", "us-west-2"),
    ]
    plan = stack_plan(fleet)
    assert {name: [t.name for t in targets] for name, (_, _, targets) in plan.items()} == {
        "test-fleet-aws-us-east-1": ["llama-8b", "groq-70b"],
        "test-fleet-gcp-acme-inference-prod": ["groq-gcp"],
        "test-fleet-aws-us-west-2": ["groq-west"],
    }


def test_summary_notes_say_how_the_key_gets_in():
    notes = validate_fleet(fleet_with(groq())).targets[1].summary_notes()
    assert any("siliconfleet groq set-key --fleet FILE --target groq-70b" in n for n in notes)
    write_only = {"type": "aws-secrets-manager", "region": "us-east-1", "write_only": True}
    notes = validate_fleet(fleet_with(groq(secret_store=write_only))).targets[1].summary_notes()
    assert any("TF_VAR_groq_70b_groq_api_key" in n and "Terraform >= 1.11" in n for n in notes)
    assert not any("set-key" in n for n in notes)


def test_the_key_shape_is_what_the_guard_rejects():
    assert GROQ_KEY_SHAPE.fullmatch(CANARY)
    assert classify(CANARY).name == "a Groq API key"
    assert not GROQ_KEY_SHAPE.fullmatch("gsk_short")
