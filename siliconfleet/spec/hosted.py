"""Hosted token API targets (``groq``...): a model of a hosted provider, its API key's secret
store, and its rate limits.

A hosted API is rented by the token: there is nothing to deploy and no Terraform provider. What
a platform team owns is the key (in a secret store, never in the fleet file or in Terraform
state), who may read it, which model at what rate limits, and where the endpoint sits in the
fleet's failover order (``routing``). The key itself is stored with ``siliconfleet keys set``, or
through Terraform's write-only arguments (``secret_store.write_only``).

Every provider shares this shape; what differs is the provider's catalog file
(``catalog/data/hosted/<provider>.yaml``: its models and prices, base URL, key variable and
shape), which a kind names in its registry line. ``target_model`` makes the model of a hosted
kind registered without one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from .. import registry
from ..catalog.hosted import HostedModel, HostedProvider, hosted_provider
from .common import AwsRegion, CrossChecked, Name, Tags, _Model, _pattern, field_errors, kind_fields_model, kind_target_model
from .report import show, suggest
from .tpu import GcpProject

IamRoleArn = Annotated[
    str, _pattern(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$", "IAM role ARN", "'arn:aws:iam::123456789012:role/gateway'")
]
ServiceAccountEmail = Annotated[
    str,
    _pattern(
        r"^[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9][a-z0-9.-]*\.gserviceaccount\.com$",
        "Google service account email",
        "'gateway@acme-inference-prod.iam.gserviceaccount.com'",
    ),
]
KmsKeyId = Annotated[
    str,
    _pattern(
        r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/(mrk-)?[0-9a-f-]{32,36}|alias/[\w/+=,.@-]{1,250})"
        r"|(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|alias/[\w/+=,.@-]{1,250})$",
        "KMS key id, key ARN, alias name or alias ARN",
        "'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'",
    ),
]
AwsSecretName = Annotated[
    str, _pattern(r"^[\w/+=.@-]{1,512}$", "Secrets Manager secret name", "'siliconfleet/chat/groq/groq-api-key'")
]
GcpSecretId = Annotated[str, _pattern(r"^[A-Za-z0-9_-]{1,255}$", "Secret Manager secret id", "'chat-groq-api-key'")]
GcpGlobalKmsKey = Annotated[
    str,
    _pattern(
        r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/global/keyRings/[\w-]{1,63}/cryptoKeys/[\w-]{1,63}$",
        "Cloud KMS key name in location global",
        "'projects/acme-ml/locations/global/keyRings/secrets/cryptoKeys/groq'",
    ),
]
HostedModelId = Annotated[
    str, _pattern(r"^[A-Za-z0-9][\w.\-]{0,95}(/[\w.\-:]{1,96})?$", "model id", "'llama-3.3-70b-versatile'")
]


class _SecretStoreFields(_Model):
    recovery_window_days: int = Field(
        30,
        description="AWS: days a deleted secret can still be restored (0 deletes at once, else 7-30). Google: days a "
        "destroyed key version stays restorable (version_destroy_ttl; 0 destroys at once).",
    )
    write_only: bool = Field(
        False,
        description="Terraform >= 1.11 only: Terraform writes the key from an ephemeral, sensitive variable into a "
        "write-only argument (never stored in state or plan); then every plan and apply needs the key. "
        "Default: Terraform creates the empty secret and `siliconfleet keys set` stores the key.",
    )
    write_only_version: int = Field(
        1, ge=1, description="Write-only mode: bump it to make Terraform write the variable's key again (rotation)."
    )


class AwsSecretsManagerStore(_SecretStoreFields):
    """The key lives in AWS Secrets Manager, encrypted with a customer-managed KMS key."""

    type: Literal["aws-secrets-manager"]
    region: AwsRegion = Field(description="Region of the secret; the target joins the AWS stack of that region.")
    secret_name: AwsSecretName | None = Field(None, description="Default: siliconfleet/<fleet>/<target>/<provider>-api-key.")
    kms_key_id: KmsKeyId | None = Field(
        None,
        description="An existing KMS key for the secret; its key policy must let the readers decrypt through Secrets "
        "Manager. Default: a new customer-managed key with yearly rotation and a key policy naming the readers.",
    )

    @model_validator(mode="after")
    def _window(self) -> AwsSecretsManagerStore:
        if self.recovery_window_days != 0 and not 7 <= self.recovery_window_days <= 30:
            raise field_errors([(
                "recovery_window_days",
                f"{self.recovery_window_days} is not allowed; Secrets Manager takes 0 (delete at once) or 7 to 30 days",
            )])
        return self


class GcpSecretManagerStore(_SecretStoreFields):
    """The key lives in Google Secret Manager (automatic replication), encrypted with a
    customer-managed Cloud KMS key, with deletion protection."""

    type: Literal["gcp-secret-manager"]
    project: GcpProject = Field(description="Project of the secret; the target joins that project's stack.")
    secret_id: GcpSecretId | None = Field(None, description="Default: <fleet>-<target>-<provider>-api-key.")
    kms_key_name: GcpGlobalKmsKey | None = Field(
        None,
        description="An existing Cloud KMS key in location global (automatic replication needs one there); Secret "
        "Manager's service agent must be able to use it. Default: a new key ring and key, rotated every 90 days.",
    )
    deletion_protection: bool = Field(
        True,
        description="Terraform may not destroy the secret or its key (a deleted Secret Manager secret cannot be "
        "restored); set false and apply before tearing the stack down.",
    )

    @model_validator(mode="after")
    def _window(self) -> GcpSecretManagerStore:
        if not 0 <= self.recovery_window_days <= 30:
            raise field_errors([(
                "recovery_window_days", f"{self.recovery_window_days} is not allowed; give 0 (destroy at once) to 30 days",
            )])
        return self


SecretStore = Annotated[AwsSecretsManagerStore | GcpSecretManagerStore, Field(discriminator="type")]


class RateLimits(_Model):
    """What the service needs from the provider; `siliconfleet preflight` compares it with the organization's limits."""

    requests_per_minute: int = Field(ge=1, le=10_000_000, description="Requests per minute the service sends to this model.")
    tokens_per_minute: int = Field(ge=1, le=10_000_000_000, description="Tokens per minute (input + output) it needs.")


#: The name of earlier versions.
GroqRateLimits = RateLimits


class HostedFields(CrossChecked):
    """The fields of a hosted API target; its kind's registry line names the provider."""

    #: The kind these fields belong to (registry name): its ``provider`` is the catalog file read.
    kind_name: ClassVar[str | None] = None

    name: Name
    model: HostedModelId = Field(description="The provider's model id (llama-3.3-70b-versatile...), checked against the catalog.")
    allow_unlisted_model: bool = Field(
        False, description="Let a model the catalog does not list through (a newer model of the provider), with a warning."
    )
    max_model_len: int | None = Field(
        None, ge=128, le=10_000_000, description="Context the service needs; must fit the model's context window."
    )
    secret_store: SecretStore
    rate_limits: RateLimits
    reader_role_arns: list[IamRoleArn] = Field(
        default_factory=list,
        description="aws-secrets-manager: IAM roles that may read the key besides the serving roles of the fleet's "
        "clusters in the same region (a gateway's role...).",
    )
    reader_service_accounts: list[ServiceAccountEmail] = Field(
        default_factory=list,
        description="gcp-secret-manager: service accounts that may read the key besides the TPU slices' service "
        "accounts in the same project.",
    )
    tags: Tags = Field(default_factory=dict, description="Extra tags (GCP labels with gcp-secret-manager).")

    @classmethod
    def hosted_provider(cls) -> HostedProvider:
        """The provider's catalog row (its kind's registry line names it)."""
        return hosted_provider(registry.get(cls.kind_name).provider)

    @property
    def provider(self) -> HostedProvider:
        return self.hosted_provider()

    @model_validator(mode="after")
    def _hosted_checks(self) -> HostedFields:
        problems = self.cross_field_problems()
        if problems:
            raise field_errors(problems)
        return self

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return [self._model_problems, self._reader_problems]

    def _model_problems(self) -> list[tuple[str, str]]:
        provider = self.provider
        models = provider.models
        listed = models.get(self.model)
        if listed is None and not self.allow_unlisted_model:
            return [("model", f"{show(self.model)} is not a {provider.display} model in siliconfleet's catalog; allowed: "
                              f"{', '.join(models)}{suggest(self.model, list(models))} (a newer {provider.display} model "
                              "goes through with allow_unlisted_model: true)")]
        if listed is not None and self.max_model_len is not None and self.max_model_len > listed.context_window:
            return [("max_model_len", f"{self.max_model_len} exceeds the {listed.context_window}-token context window of "
                                      f"{self.model} (catalog as of {listed.price_as_of}); lower it or choose another model")]
        return []

    def _reader_problems(self) -> list[tuple[str, str]]:
        problems = []
        on_aws = self.secret_store.type == "aws-secrets-manager"
        if on_aws and self.reader_service_accounts:
            problems.append(("reader_service_accounts", "service accounts read a gcp-secret-manager secret; with "
                                                        "aws-secrets-manager list IAM roles in reader_role_arns"))
        if not on_aws and self.reader_role_arns:
            problems.append(("reader_role_arns", "IAM roles read an aws-secrets-manager secret; with gcp-secret-manager "
                                                 "list service accounts in reader_service_accounts"))
        for field in ("reader_role_arns", "reader_service_accounts"):
            values = getattr(self, field)
            if len(set(values)) != len(values):
                problems.append((field, f"{field} lists a reader twice; list each once"))
        return problems

    # -----------------------------------------------------------------------------------------

    @property
    def catalog_model(self) -> HostedModel | None:
        """The catalog's row for the model; None for an unlisted model (``allow_unlisted_model``)."""
        return self.provider.models.get(self.model)

    @property
    def on_gcp(self) -> bool:
        """The key lives in Google Secret Manager: tags become GCP labels."""
        return self.secret_store.type == "gcp-secret-manager"

    @property
    def region(self) -> str | None:
        """AWS region of the secret (None on Google Cloud)."""
        return None if self.on_gcp else self.secret_store.region

    def secret_name(self, fleet: str | None = None) -> str:
        """Name (AWS) or secret id (Google) of the key's secret; ``fleet`` defaults to the target's name."""
        fleet = fleet or self.name
        store = self.secret_store
        provider = self.provider.name
        if isinstance(store, AwsSecretsManagerStore):
            return store.secret_name or f"siliconfleet/{fleet}/{self.name}/{provider}-api-key"
        return store.secret_id or f"{fleet}-{self.name}-{provider}-api-key"[:255]

    def write_only_variable(self) -> str:
        """Write-only mode: the Terraform variable that carries the key (TF_VAR_<this>)."""
        return f"{self.name.replace('-', '_')}_{self.provider.name.replace('-', '_')}_api_key"

    def summary_notes(self) -> list[str]:
        store, provider = self.secret_store, self.provider
        where = f"AWS Secrets Manager in {store.region}" if isinstance(store, AwsSecretsManagerStore) else (
            f"Google Secret Manager in {store.project}")
        notes = [f"{provider.display} {self.model} at {self.rate_limits.requests_per_minute} requests/min and "
                 f"{self.rate_limits.tokens_per_minute} tokens/min; API key in {where}"]
        if self.catalog_model is None:
            notes.append(f"warning: {self.model!r} is not in siliconfleet's {provider.display} catalog (allow_unlisted_model): "
                         f"no price or context-window check; run `siliconfleet preflight` to confirm {provider.display} serves it")
        if store.write_only:
            notes.append(f"write-only mode: every plan and apply needs TF_VAR_{self.write_only_variable()} (Terraform >= 1.11)")
        else:
            notes.append(f"after apply, store the key: <your password manager> | {provider.set_key_command} --fleet FILE "
                         f"--target {self.name} (standard input only, never echoed)")
        return notes


# ---------------------------------------------------------------------------------------------
# Models for hosted kinds registered without models of their own


def fields_model(kind: registry.Kind) -> type[HostedFields]:
    """The fields of a hosted kind: its provider is the one its registry line names."""
    return kind_fields_model(HostedFields, kind, f"a {kind.label} model behind its secret and rate limits")


def target_model(kind: registry.Kind) -> Any:
    """The fleet-file model of a hosted kind registered without one: its fields and its ``kind``."""
    return kind_target_model(fields_model(kind), kind, f"a {kind.label} model behind its secret and rate limits")
