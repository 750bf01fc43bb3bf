"""Building blocks of the fleet file models: error helpers, validated scalars, tags, backends, ownership."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from .. import catalog, registry
from ..errors import Problem, SiliconfleetError

# ---------------------------------------------------------------------------------------------
# Error helpers


def choice_error(value: object, allowed: list[str] | tuple[str, ...], what: str) -> PydanticCustomError:
    """A value outside a closed set; the loader adds a did-you-mean from ``allowed``."""
    return PydanticCustomError(
        "sf_choice",
        "{received} is not a known {what}; allowed: {allowed_text}",
        {"received": repr(value), "what": what, "allowed": list(allowed), "allowed_text": ", ".join(allowed)},
    )


def field_errors(problems: list[tuple[str, str]]) -> PydanticCustomError:
    """Several cross-field problems at once, each (sub-field path, message)."""
    return PydanticCustomError("sf_fields", "{summary}", {"problems": problems, "summary": "; ".join(m for _, m in problems)})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


@cache
def _field_adapter(model: type, name: str) -> TypeAdapter:
    field = model.model_fields[name]
    return TypeAdapter(Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation)


class CrossChecked(_Model):
    """A model whose cross-field checks are a list of small functions.

    Pydantic skips a model's after-validator when any field fails; ``partial_problems`` runs the
    checks over the fields that are valid on their own, so that a file with k problems reports
    all k. Subclasses list their checks in ``checks()``; each reads only the fields it is about.
    """

    def checks(self) -> list[Callable[[], list[tuple[str, str]]]]:
        return []

    def cross_field_problems(self) -> list[tuple[str, str]]:
        return [problem for check in self.checks() for problem in check()]

    @classmethod
    def partial_problems(cls, data: Any) -> list[tuple[str, str]]:
        """Cross-field problems among the fields of ``data`` that are valid on their own."""
        if not isinstance(data, dict):
            return []
        valid: dict[str, Any] = {}
        invalid: list[str] = []
        for name in cls.model_fields:
            if name in data:
                try:
                    valid[name] = _field_adapter(cls, name).validate_python(data[name])
                except ValidationError:
                    invalid.append(name)
        partial = cls.model_construct(**valid)
        for name in invalid:  # an invalid field is absent, not its default: checks that read it are skipped
            partial.__dict__.pop(name, None)
        problems: list[tuple[str, str]] = []
        for check in partial.checks():
            try:
                problems.extend(check())
            except (AttributeError, KeyError, TypeError, ValueError, StopIteration):
                continue  # the check needs a field that is missing or invalid: reported already
        return problems


class DirectlyBuilt(BaseModel):
    """Mixin for top-level models that user code builds directly (construct props).

    Construction raises the same readable SiliconfleetError as a fleet file. Only for models that
    are never nested: pydantic calls a custom ``__init__`` for nested models too.
    """

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            from .report import problems_from_validation

            problems = problems_from_validation(exc, type(self), data)
            seen = {(p.path, p.message) for p in problems}
            partial = getattr(type(self), "partial_problems", lambda _: [])(data)
            problems += [Problem(path, msg) for path, msg in partial if (path, msg) not in seen]
            raise SiliconfleetError(problems) from None


# ---------------------------------------------------------------------------------------------
# Scalars

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")


def _name(value: str) -> str:
    if not _NAME.match(value) or "--" in value:
        raise PydanticCustomError(
            "sf_name",
            "{received} is not a valid name; use 2-32 characters: lowercase letters, digits and single "
            "hyphens, starting with a letter and not ending with a hyphen (for example 'llama-8b')",
            {"received": repr(value)},
        )
    return value


Name = Annotated[str, AfterValidator(_name)]

# AWS tag rules (EC2's API documents 127 characters for keys: validate at 127).
TAG_KEY_MAX = 127
TAG_VALUE_MAX = 256
MAX_TAGS = 50
_TAG_CHARS = re.compile(r"^[\w +\-=.:/@]*$")


def _tag_text(value: str, what: str, max_len: int) -> str:
    if len(value) > max_len:
        raise PydanticCustomError(
            "sf_tag", "{what} is {n} characters long; AWS allows at most {max}: shorten it",
            {"what": what, "n": len(value), "max": max_len},
        )
    if not _TAG_CHARS.match(value):
        bad = sorted({c for c in value if not _TAG_CHARS.match(c)})
        raise PydanticCustomError(
            "sf_tag",
            "{what} {received} contains {bad}; AWS tags allow only letters, digits, spaces and + - = . _ : / @",
            {"what": what, "received": repr(value), "bad": ", ".join(repr(c) for c in bad)},
        )
    return value


def _tag_key(value: str) -> str:
    if not value:
        raise PydanticCustomError("sf_tag", "tag key is empty; give a key of 1-127 characters", {})
    if value.lower().startswith("aws:"):
        raise PydanticCustomError(
            "sf_tag", "tag key {received} starts with 'aws:', a prefix AWS reserves; choose another key",
            {"received": repr(value)},
        )
    return _tag_text(value, "tag key", TAG_KEY_MAX)


def _tag_value(value: str) -> str:
    return _tag_text(value, "tag value", TAG_VALUE_MAX)


TagKey = Annotated[str, AfterValidator(_tag_key)]
TagValue = Annotated[str, AfterValidator(_tag_value)]
Tags = dict[TagKey, TagValue]

#: Tag keys siliconfleet sets itself; a fleet's extra tags may not override them.
STANDARD_TAG_KEYS = ("CostCenter", "Owner", "Environment", "Fleet", "Target", "ManagedBy")


def _environment(value: str) -> str:
    if not re.match(r"^[a-z][a-z0-9-]{0,31}$", value):
        raise PydanticCustomError(
            "sf_environment",
            "{received} is not a valid environment; use 1-32 lowercase letters, digits and hyphens "
            "starting with a letter (for example 'prod', 'staging')",
            {"received": repr(value)},
        )
    return value


def standard_tags(
    *, cost_center: str, owner: str, environment: str, fleet: str, target: str | None = None
) -> dict[str, str]:
    """The tags siliconfleet puts on every resource of a target (of a fleet when target is None)."""
    tags = {"CostCenter": cost_center, "Owner": owner, "Environment": environment, "Fleet": fleet}
    if target is not None:
        tags["Target"] = target
    tags["ManagedBy"] = "siliconfleet"
    return tags


def target_tags(
    extra: dict[str, str], *, cost_center: str, owner: str, environment: str, fleet: str, target: str
) -> dict[str, str]:
    """Every tag a target's resources carry: its extra tags (the fleet's, then the target's own),
    then the standard ones, Target included. The one place they are merged: the fleet file's
    check (Fleet.tags_for) and the constructs (Ownership.all_tags) both read it."""
    return {**extra, **standard_tags(cost_center=cost_center, owner=owner, environment=environment, fleet=fleet, target=target)}


def tag_problems(tags: dict[str, str], path: str) -> list[tuple[str, str]]:
    """Problems with a merged tag set: overriding a standard key, or more tags than AWS allows."""
    return [] if len(tags) <= MAX_TAGS else [
        (path, f"would carry {len(tags)} tags; AWS allows at most {MAX_TAGS} (siliconfleet sets "
               f"{len(STANDARD_TAG_KEYS)}): drop some extra tags")
    ]


def _region(value: str) -> str:
    regions = catalog.aws_regions()
    if value not in regions:
        raise choice_error(value, regions, "AWS region")
    return value


AwsRegion = Annotated[str, AfterValidator(_region)]


def _cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise PydanticCustomError(
            "sf_cidr", "{received} is not a CIDR block ({why}); write it like '10.20.0.0/16'",
            {"received": repr(value), "why": str(exc)},
        ) from None
    return str(net)


def _client_cidr(value: str) -> str:
    value = _cidr(value)
    if ipaddress.ip_network(value).prefixlen == 0:
        raise PydanticCustomError(
            "sf_open_cidr",
            "{received} opens the serving port to the whole internet; list the networks of your "
            "clients (for example your VPC or VPN range) instead",
            {"received": repr(value)},
        )
    return value


ClientCidr = Annotated[str, AfterValidator(_client_cidr)]


def _pattern(regex: str, what: str, example: str):
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise PydanticCustomError(
                "sf_pattern", "{received} is not a valid {what}; expected something like {example}",
                {"received": repr(value), "what": what, "example": example},
            )
        return value

    return AfterValidator(check)


VpcId = Annotated[str, _pattern(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$", "VPC id", "'vpc-0abc12345def67890'")]
SubnetId = Annotated[str, _pattern(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$", "subnet id", "'subnet-0abc12345def67890'")]
SecurityGroupId = Annotated[str, _pattern(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$", "security group id", "'sg-0abc12345def67890'")]
ModelId = Annotated[
    str,
    _pattern(r"^[A-Za-z0-9][\w.\-]{0,95}(/[\w.\-]{1,96})?$", "model id", "'meta-llama/Llama-3.1-8B-Instruct'"),
]
SecretArn = Annotated[
    str,
    _pattern(
        r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$",
        "Secrets Manager secret ARN",
        "'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-token-AbCdEf'",
    ),
]
PolicyArn = Annotated[
    str, _pattern(r"^arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]+$", "IAM policy ARN", "'arn:aws:iam::123456789012:policy/boundary'")
]
AzId = Annotated[str, _pattern(r"^[a-z]{2,5}[0-9]-az[0-9]+$", "AZ id", "'use1-az4'")]
RelativePath = Annotated[str, _pattern(r"^(?!/)(?!.*(^|/)\.\.(/|$))[\w.\-/]+$", "relative path inside the project", "'state'")]


# ---------------------------------------------------------------------------------------------
# Backend


class LocalBackend(_Model):
    type: Literal["local"]
    path: RelativePath = Field(
        "state",
        description="Folder, relative to the fleet file, that holds one `<stack>.tfstate` per stack.",
    )


class S3Backend(_Model):
    type: Literal["s3"]
    bucket: Annotated[str, _pattern(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$", "S3 bucket name", "'acme-terraform-state'")]
    key: Annotated[str, _pattern(r"^[\w.\-/]+$", "S3 key prefix", "'siliconfleet/llama'")] = Field(
        description="Key prefix; each stack stores `<key>/<stack>.tfstate`."
    )
    region: AwsRegion
    locking: Literal["s3-native", "dynamodb"] = Field(
        "s3-native", description="s3-native uses S3 lock files (Terraform >= 1.10); dynamodb needs dynamodb_table."
    )
    dynamodb_table: str | None = None
    kms_key_id: str | None = Field(None, description="KMS key for state encryption; default: the bucket's SSE.")

    @model_validator(mode="after")
    def _locking(self) -> S3Backend:
        if self.locking == "dynamodb" and not self.dynamodb_table:
            raise field_errors([("dynamodb_table", "locking 'dynamodb' needs dynamodb_table: name the lock table")])
        if self.locking == "s3-native" and self.dynamodb_table:
            raise field_errors(
                [("dynamodb_table", "dynamodb_table is only used with locking 'dynamodb'; remove it or set locking: dynamodb")]
            )
        return self


class GcsBackend(_Model):
    type: Literal["gcs"]
    bucket: Annotated[str, _pattern(r"^[a-z0-9][a-z0-9._\-]{1,220}[a-z0-9]$", "GCS bucket name", "'acme-terraform-state'")]
    prefix: Annotated[str, _pattern(r"^[\w.\-/]+$", "GCS prefix", "'siliconfleet/llama'")] = Field(
        description="Each stack stores its state under `<prefix>/<stack>`."
    )


Backend = Annotated[LocalBackend | S3Backend | GcsBackend, Field(discriminator="type")]


# ---------------------------------------------------------------------------------------------
# Ownership: what every construct's props carry so that nothing it creates is untagged


class Ownership(_Model):
    cost_center: TagValue = Field(min_length=1, description="Tagged as CostCenter on every resource.")
    owner: TagValue = Field(min_length=1, description="Tagged as Owner.")
    environment: Annotated[str, AfterValidator(_environment)]
    fleet: Name | None = Field(None, description="Tagged as Fleet; default: the target's name.")

    @model_validator(mode="after")
    def _ownership_tags(self) -> Ownership:
        tags = getattr(self, "tags", {})
        problems = [(f"tags.{k}", f"{k!r} is set by siliconfleet and cannot be overridden") for k in tags if k in STANDARD_TAG_KEYS]
        problems += tag_problems(self.all_tags, "tags")
        if problems:
            raise field_errors(problems)
        return self

    @property
    def all_tags(self) -> dict[str, str]:
        """Every tag the construct's resources carry."""
        name = self.name
        return target_tags(getattr(self, "tags", {}), cost_center=self.cost_center, owner=self.owner,
                           environment=self.environment, fleet=self.fleet or name, target=name)


class ServingBase(_Model):
    """Serving settings every silicon has; each kind adds its own (parallelism, token secret)."""

    model: ModelId = Field(description="Hugging Face model id served by vLLM.")
    port: int = Field(8000, ge=1024, le=65535, description="Port of the OpenAI-compatible server and its /health.")
    max_model_len: int = Field(4096, ge=128, le=1_048_576, description="Longest sequence (prompt + output) in tokens.")
    max_num_seqs: int = Field(8, ge=1, le=1024, description="Sequences decoded together (the batch).")


# ---------------------------------------------------------------------------------------------
# Models of kinds registered without models of their own: made from their family's fields


def kind_model_name(kind: registry.Kind, suffix: str) -> str:
    """``aws-trn2`` + ``Target`` -> ``AwsTrn2Target``."""
    return "".join(part.capitalize() for part in kind.name.replace("_", "-").split("-")) + suffix


@cache
def derived_model(name: str, bases: tuple[type, ...], doc: str, module: str, kind_name: str | None = None) -> type:
    """A model class made of ``bases`` (made once per arguments), bound to ``kind_name`` when given."""
    namespace: dict[str, Any] = {"__module__": module, "__doc__": doc}
    if kind_name is not None:
        namespace["kind_name"] = kind_name
    return type(name, bases, namespace)


def kind_fields_model(base: type, kind: registry.Kind, what: str) -> type:
    """The family's fields ``base`` bound to ``kind`` (its registry line: silicons, provider...)."""
    return derived_model(kind_model_name(kind, "Fields"), (base,), f"The fields of a ``{kind.name}`` target: {what}.",
                         base.__module__, kind.name)


def kind_target_model(fields: type, kind: registry.Kind, what: str) -> Any:
    """The fleet-file model of ``kind``: its fields and its ``kind`` (the names of its registry line)."""
    return create_model(
        kind_model_name(kind, "Target"), __base__=fields, __module__=fields.__module__,
        __doc__=f"A fleet target of kind ``{kind.name}``: {what}.", kind=(registry.kind_literal(kind.name), ...),
    )

