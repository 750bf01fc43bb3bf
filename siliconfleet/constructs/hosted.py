"""HostedEndpoint: a hosted token API's model (Groq...) as infrastructure: the API key's secret,
who may read it, and the endpoint's published configuration. A hosted API has no Terraform
provider and nothing to deploy. Everything that differs between providers (base URL, the key's
environment variable and shape, names) comes from the provider's catalog file.

Terraform creates the secret *container* only, never a version with a value, so the key never
enters Terraform state or plan files: ``siliconfleet keys set`` stores it after apply. The
opt-in write-only mode (Terraform >= 1.11) instead lets Terraform write the key from an ephemeral,
sensitive variable into a write-only argument, which Terraform never persists either.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from constructs import Construct
from pydantic import model_validator

from .. import engine, registry
from ..catalog.hosted import HostedProvider
from ..errors import Problem, SiliconfleetError
from ..spec.common import DirectlyBuilt, Ownership, derived_model, field_errors, kind_model_name
from ..spec.hosted import AwsSecretsManagerStore, HostedFields
from ..spec.labels import to_labels
from ..spec.report import show
from ._common import is_token, policy_json
from .tpu import gcp_name

#: The one action a reader gets, on the one secret: no listing, no metadata beyond the value.
AWS_READ_ACTION = "secretsmanager:GetSecretValue"
GCP_READ_ROLE = "roles/secretmanager.secretAccessor"
#: Seconds per day, for Secret Manager's version_destroy_ttl and Cloud KMS rotation periods.
_DAY = 86_400
#: Cloud KMS rotation of a created key (checkov CKV_GCP_43 and the CIS Google Cloud benchmark: at most 90 days).
GCP_KEY_ROTATION_DAYS = 90
#: CDK's context key for the Terraform / OpenTofu releases a project targets (cdktf.json targetVersions).
TARGET_VERSIONS_CONTEXT = "targetVersions"
#: What write-only mode needs: ephemeral variables (1.10) and write-only arguments (1.11).
WRITE_ONLY_TARGET_VERSIONS = {"terraform": ">=1.11.0", "opentofu": ">=1.11.0"}


class HostedEndpointProps(DirectlyBuilt, HostedFields, Ownership):
    """The fields of a hosted API fleet target plus who pays and owns it (a kind's props subclass this).

    ``cost_center``, ``owner`` and ``environment`` are required, so the secret and its key are
    always tagged (labelled on Google Cloud). Bad values raise ``SiliconfleetError`` naming each field.
    """

    @model_validator(mode="after")
    def _labels_representable(self) -> HostedEndpointProps:
        if self.on_gcp:
            _, problems = to_labels(self.all_tags)
            if problems:
                raise field_errors([(f"tags.{key}" if key in self.tags else "tags", message) for key, message in problems])
        return self


def tpu_service_account_email(target: str, project: str) -> str:
    """The service account TpuSlice creates for ``target`` (its account id depends on the name only)."""
    return f"{gcp_name('sf', target, max_len=30)}@{project}.iam.gserviceaccount.com"


def _key_regex(provider: HostedProvider) -> str:
    """Terraform validates a write-only key's shape before it is sent (the value is never shown)."""
    return f"^{provider.key_pattern}$"


_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_SA_EMAIL = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9][a-z0-9.-]*\.gserviceaccount\.com$")


def _check_readers(values: Sequence[str], pattern: re.Pattern[str], field: str, what: str) -> list[str]:
    problems = [
        Problem(f"{field}[{i}]", f"{show(value)} is not {what}")
        for i, value in enumerate(values)
        if not (isinstance(value, str) and (is_token(value) or pattern.match(value)))
    ]
    if problems:
        raise SiliconfleetError(problems)
    return list(values)


class HostedEndpoint(Construct):
    """A hosted API's model endpoint: the secret container for its API key, read access on exactly that
    secret, and the endpoint's configuration published for gateways and clients.

    AWS (``secret_store.type: aws-secrets-manager``): a Secrets Manager secret encrypted with a
    customer-managed KMS key (created with yearly rotation and a key policy unless
    ``kms_key_id`` is given), a recovery window, a resource policy that lets exactly the serving
    roles and ``reader_role_arns`` call GetSecretValue on it (public policies blocked), and an
    SSM parameter (String: it holds no secret) with the configuration. Google Cloud
    (``gcp-secret-manager``): a Secret Manager secret with deletion protection, encrypted with a
    customer-managed Cloud KMS key (created with 90-day rotation, usable only by Secret Manager's
    service agent, unless ``kms_key_name`` is given), secretAccessor on that secret for the
    serving service accounts and ``reader_service_accounts``, and a Parameter Manager parameter
    with the configuration.

    ``serving_role_arns`` / ``serving_service_accounts``: the fleet's serving identities the stack
    passes in (Terraform references are fine). Public attributes: ``base_url``, ``endpoint_urls``,
    ``model``, ``secret_name``, ``secret_arn`` (AWS) or ``secret_id`` (Google), ``kms_key_arn``
    (AWS) or ``kms_key_name`` (Google), ``config_parameter``, ``readers``, ``api_key_variable``
    (write-only mode, else None).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        props: HostedEndpointProps,
        serving_role_arns: Sequence[str] = (),
        serving_service_accounts: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        wanted = self.props_class
        if not isinstance(props, wanted):
            raise TypeError(f"{type(self).__name__} needs {wanted.__name__}, got {type(props).__name__}")
        self.props = props
        self.provider: HostedProvider = props.provider
        self.fleet = props.fleet or props.name
        self.tags: dict[str, str] = props.all_tags
        self.base_url = self.provider.base_url
        self.endpoint_urls: list[str] = [self.base_url]
        self.model = props.model
        self.secret_name = props.secret_name(self.fleet)
        self.kms_key_arn: str | None = None
        self.kms_key_name: str | None = None
        self.secret_arn: str | None = None
        self.secret_id: str | None = None
        self.api_key_variable: Any = None
        store = props.secret_store
        if store.write_only and self.node.try_get_context(TARGET_VERSIONS_CONTEXT) is None:
            # write-only arguments need Terraform (or OpenTofu) >= 1.11; a project that declares no
            # targets is otherwise held to every release since 1.5.7 and CDK refuses to synthesize
            self.node.set_context(TARGET_VERSIONS_CONTEXT, dict(WRITE_ONLY_TARGET_VERSIONS))
        if isinstance(store, AwsSecretsManagerStore):
            if serving_service_accounts:
                raise SiliconfleetError("serving_service_accounts: an aws-secrets-manager secret is read by IAM roles; pass serving_role_arns")
            serving = _check_readers(serving_role_arns, _ROLE_ARN, "serving_role_arns", "an IAM role ARN")
            self.readers = list(dict.fromkeys([*serving, *props.reader_role_arns]))  # each reader once
            self._aws(store)
        else:
            if serving_role_arns:
                raise SiliconfleetError("serving_role_arns: a gcp-secret-manager secret is read by service accounts; pass serving_service_accounts")
            serving = _check_readers(serving_service_accounts, _SA_EMAIL, "serving_service_accounts", "a service account email")
            self.readers = list(dict.fromkeys([*serving, *props.reader_service_accounts]))
            self._gcp(store)
        self._outputs()

    #: The props class the endpoint takes (a kind's subclass names its own).
    props_class: type = HostedEndpointProps

    # -----------------------------------------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        """What a gateway or client needs, and nothing secret: base URL, model, where the key is, limits."""
        store = self.props.secret_store
        secret: dict[str, Any] = {"store": store.type, "name": self.secret_name}
        if isinstance(store, AwsSecretsManagerStore):
            secret.update(region=store.region, arn=self.secret_arn)
        else:
            secret.update(project=store.project, id=self.secret_id)
        config: dict[str, Any] = {
            "target": self.props.name,
            "base_url": self.base_url,
            "model": self.model,
            "api_key_env": self.provider.api_key_env,
            "secret": secret,
            "rate_limits": self.props.rate_limits.model_dump(),
        }
        if self.props.max_model_len is not None:
            config["max_model_len"] = self.props.max_model_len
        return config

    def _description(self) -> str:
        how = (
            f"written by Terraform from the write-only variable {self.props.write_only_variable()}"
            if self.props.secret_store.write_only
            else f"stored with `{self.provider.set_key_command}`, never by Terraform"
        )
        return f"{self.provider.display} API key of siliconfleet target {self.props.name} ({self.model}); the value is {how}"

    def _write_only_variable(self) -> Any:
        props = self.props
        name = props.write_only_variable()
        variable = engine.TerraformVariable(
            self,
            "ApiKey",
            type="string",
            sensitive=True,
            nullable=False,
            description=f"{self.provider.display} API key of {props.name}, written into a write-only argument: never stored in state or plan. "
            f"Set TF_VAR_{name} for every plan and apply (Terraform >= 1.11).",
        )
        variable.override_logical_id(name)
        variable.add_override("ephemeral", True)
        variable.add_validation(
            condition=engine.Fn.can(engine.Fn.regex(_key_regex(self.provider), variable.string_value)),
            error_message=f"{name} must be a {self.provider.display} API key ({self.provider.key_format}); the value is not shown.",
        )
        self.api_key_variable = variable
        return variable

    # -----------------------------------------------------------------------------------------
    # AWS

    def _aws(self, store: AwsSecretsManagerStore) -> None:
        aws, props = engine.aws, self.props
        partition = aws("data_aws_partition").DataAwsPartition(self, "Partition").partition
        account = aws("data_aws_caller_identity").DataAwsCallerIdentity(self, "Account").account_id
        if store.kms_key_id:
            key_id = store.kms_key_id
            self.kms_key_arn = store.kms_key_id
        else:
            key = aws("kms_key").KmsKey(
                self,
                "Key",
                description=f"Encrypts the {self.provider.display} API key of siliconfleet target {props.name}",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=30,
                policy=self._key_policy(partition, account, store.region),
                tags=self.tags,
            )
            aws("kms_alias").KmsAlias(
                self, "KeyAlias", name="alias/" + re.sub(r"[^A-Za-z0-9/_-]", "-", self.secret_name), target_key_id=key.key_id
            )
            key_id = key.arn
            self.kms_key_arn = key.arn
        secret = aws("secretsmanager_secret").SecretsmanagerSecret(
            self,
            "Secret",
            name=self.secret_name,
            description=self._description(),
            kms_key_id=key_id,
            recovery_window_in_days=store.recovery_window_days,
            tags=self.tags,
        )
        self.secret_arn = secret.arn
        if self.readers:
            aws("secretsmanager_secret_policy").SecretsmanagerSecretPolicy(
                self,
                "ReadPolicy",
                secret_arn=secret.arn,
                block_public_policy=True,
                policy=policy_json([{
                    "Sid": f"ReadThe{self.provider.slug}ApiKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": self.readers},
                    "Action": AWS_READ_ACTION,
                    "Resource": secret.arn,
                }]),
            )
        if store.write_only:
            version = aws("secretsmanager_secret_version")
            version.SecretsmanagerSecretVersion(
                self,
                "WriteOnlyVersion",
                secret_id=secret.id,
                secret_string_wo=self._write_only_variable().string_value,
                secret_string_wo_version=store.write_only_version,
            )
        self.config_parameter = f"/siliconfleet/{self.fleet}/{props.name}/{self.provider.name}-endpoint"
        aws("ssm_parameter").SsmParameter(
            self,
            "Config",
            name=self.config_parameter,
            description=f"siliconfleet {props.name}: {self.provider.display} endpoint configuration (no secret: the key is in {self.secret_name})",
            type="String",
            tier="Standard",
            value=json.dumps(self.config, sort_keys=True),
            tags=self.tags,
        )

    def _key_policy(self, partition: str, account: str, region: str) -> str:
        statements: list[dict[str, Any]] = [{
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }]
        if self.readers:
            statements.append({
                "Sid": f"ReadersDecryptThe{self.provider.slug}ApiKeyThroughSecretsManager",
                "Effect": "Allow",
                "Principal": {"AWS": self.readers},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"},
                    "StringLike": {
                        "kms:EncryptionContext:SecretARN": f"arn:{partition}:secretsmanager:{region}:{account}:secret:{self.secret_name}-??????"
                    },
                },
            })
        return policy_json(statements)

    # -----------------------------------------------------------------------------------------
    # Google Cloud

    def _gcp(self, store: Any) -> None:
        g, props = engine.google_beta, self.props
        labels, _ = to_labels(self.tags)
        depends_on: list[Any] = []
        if store.kms_key_name:
            self.kms_key_name = store.kms_key_name
        else:
            depends_on = [self._gcp_key(store, labels)]
        secret = g("google_secret_manager_secret").GoogleSecretManagerSecret(
            self,
            "Secret",
            project=store.project,
            secret_id=self.secret_name,
            replication={"auto": {"customer_managed_encryption": {"kms_key_name": self.kms_key_name}}},
            deletion_protection=store.deletion_protection,
            labels=labels,
            **({"depends_on": depends_on} if depends_on else {}),
            **({"version_destroy_ttl": f"{store.recovery_window_days * _DAY}s"} if store.recovery_window_days else {}),
        )
        self.secret_id = f"projects/{store.project}/secrets/{self.secret_name}"
        for email in self.readers:
            g("google_secret_manager_secret_iam_member").GoogleSecretManagerSecretIamMember(
                self,
                f"Reader-{email}",
                project=store.project,
                secret_id=secret.secret_id,
                role=GCP_READ_ROLE,
                member=f"serviceAccount:{email}",
            )
        if store.write_only:
            g("google_secret_manager_secret_version").GoogleSecretManagerSecretVersion(
                self,
                "WriteOnlyVersion",
                secret=secret.id,
                secret_data_wo=self._write_only_variable().string_value,
                secret_data_wo_version=str(store.write_only_version),
            )
        self.config_parameter = gcp_name(self.fleet, props.name, f"{self.provider.name}-endpoint", max_len=63)
        parameter = g("google_parameter_manager_parameter").GoogleParameterManagerParameter(
            self, "Config", project=store.project, parameter_id=self.config_parameter, format="JSON", labels=labels
        )
        data = json.dumps(self.config, sort_keys=True)
        # versions are immutable: a changed configuration is a new version, named after its content
        g("google_parameter_manager_parameter_version").GoogleParameterManagerParameterVersion(
            self,
            "ConfigVersion",
            parameter=parameter.id,
            parameter_version_id="v-" + hashlib.sha256(data.encode()).hexdigest()[:16],
            parameter_data=data,
        )

    def _gcp_key(self, store: Any, labels: dict[str, str]) -> Any:
        """A key ring and key in location global, rotated every 90 days, usable by Secret Manager's
        service agent only; returns the grant the secret must wait for."""
        g, props = engine.google_beta, self.props
        ring = g("google_kms_key_ring").GoogleKmsKeyRing(
            self, "KeyRing", project=store.project, location="global", name=gcp_name(self.fleet, props.name, self.provider.name, max_len=63)
        )
        key = g("google_kms_crypto_key").GoogleKmsCryptoKey(
            self,
            "Key",
            name=f"{self.provider.name}-api-key",
            key_ring=ring.id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period=f"{GCP_KEY_ROTATION_DAYS * _DAY}s",
            labels=labels,
            lifecycle={"prevent_destroy": store.deletion_protection},
        )
        agent = g("google_project_service_identity").GoogleProjectServiceIdentity(
            self, "SecretManagerAgent", project=store.project, service="secretmanager.googleapis.com"
        )
        self.kms_key_name = key.id
        return g("google_kms_crypto_key_iam_member").GoogleKmsCryptoKeyIamMember(
            self,
            "SecretManagerUsesKey",
            crypto_key_id=key.id,
            role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
            member=f"serviceAccount:{agent.email}",
        )

    # -----------------------------------------------------------------------------------------

    def _outputs(self) -> None:
        props, key = self.props, self.props.name.replace("-", "_")
        display = self.provider.display
        on_aws = isinstance(props.secret_store, AwsSecretsManagerStore)
        outputs: dict[str, tuple[Any, str]] = {
            "base_url": (self.base_url, f"OpenAI-compatible base URL of {display}"),
            "model": (self.model, f"{display} model id the service uses"),
            "rate_limits": (props.rate_limits.model_dump(), f"requests and tokens per minute the service needs from {display}"),
            "config_parameter": (
                self.config_parameter,
                "SSM parameter (String) with the endpoint configuration; no secret in it" if on_aws
                else "Parameter Manager parameter with the endpoint configuration; no secret in it",
            ),
        }
        if on_aws:
            outputs["secret_arn"] = (self.secret_arn, f"Secrets Manager secret that holds the {display} API key (the value is never in state)")
            outputs["kms_key_arn"] = (self.kms_key_arn, f"KMS key that encrypts the {display} API key")
        else:
            outputs["secret_id"] = (self.secret_id, f"Secret Manager secret that holds the {display} API key (the value is never in state)")
            outputs["kms_key_name"] = (self.kms_key_name, f"Cloud KMS key that encrypts the {display} API key")
        for name, (value, description) in outputs.items():
            out = engine.TerraformOutput(self, name, value=value, description=f"{props.name}: {description}")
            out.override_logical_id(f"{key}_{name}")


# ---------------------------------------------------------------------------------------------
# Props for hosted kinds registered without props of their own


def props_model(kind: registry.Kind) -> type:
    """The props of a hosted kind registered without its own: its fields plus who pays and owns it."""
    from ..spec.hosted import fields_model

    return derived_model(kind_model_name(kind, "EndpointProps"), (fields_model(kind), HostedEndpointProps),
                         f"The fields of a ``{kind.name}`` fleet target plus who pays and owns it.", __name__)
