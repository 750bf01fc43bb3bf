"""Pydantic models of the fleet file.

Every model is frozen and forbids unknown keys. Field validators report near misses through
``choice_error`` so that the loader can add a did-you-mean; cross-field checks report the exact
sub-field they are about through ``field_errors``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .. import catalog
from ..errors import SiliconfleetError

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

            raise SiliconfleetError(problems_from_validation(exc, type(self), data)) from None


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
    def _locking(self) -> "S3Backend":
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


Backend = Annotated[Union[LocalBackend, S3Backend, GcsBackend], Field(discriminator="type")]


# ---------------------------------------------------------------------------------------------
# AWS cluster targets (shared by every EC2 silicon)


class AwsNetwork(_Model):
    """Either an existing VPC (`vpc_id` + `subnet_ids`) or a new private VPC (`cidr`)."""

    vpc_id: VpcId | None = None
    subnet_ids: list[SubnetId] | None = Field(None, description="Private subnets, ideally in several AZs.")
    cidr: Annotated[str, AfterValidator(_cidr)] | None = Field(None, description="CIDR of a new VPC, /16 to /22.")
    az_count: int = Field(2, ge=1, le=6, description="New VPC only: AZs to spread private subnets over.")
    availability_zone_ids: list[Annotated[str, _pattern(r"^[a-z]{2,5}[0-9]-az[0-9]+$", "AZ id", "'use1-az4'")]] | None = Field(
        None,
        description="New VPC only: AZ IDs for the subnets (AZ IDs, unlike names, are the same in every account); "
        "default: the first az_count AZs that offer the instance type, from the catalog.",
    )
    nat_gateways: Literal["single", "per-az"] = Field(
        "single", description="New VPC only: one NAT gateway (cheaper) or one per AZ (survives an AZ outage)."
    )

    @model_validator(mode="before")
    @classmethod
    def _az_count_from_ids(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("availability_zone_ids"), list) and "az_count" not in data:
            return {**data, "az_count": max(1, len(data["availability_zone_ids"]))}
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> "AwsNetwork":
        problems: list[tuple[str, str]] = []
        existing = self.vpc_id is not None or self.subnet_ids is not None
        if existing and self.cidr is not None:
            problems.append(("cidr", "give either vpc_id + subnet_ids (an existing VPC) or cidr (a new VPC), not both"))
        elif existing:
            if self.vpc_id is None:
                problems.append(("vpc_id", "subnet_ids need the vpc_id they belong to"))
            if not self.subnet_ids:
                problems.append(("subnet_ids", "an existing VPC needs at least one subnet id in subnet_ids"))
            elif len(set(self.subnet_ids)) != len(self.subnet_ids):
                problems.append(("subnet_ids", "subnet_ids lists a subnet twice; list each once"))
        elif self.cidr is None:
            problems.append(("cidr", "give either vpc_id + subnet_ids (an existing VPC) or cidr (a new VPC)"))
        else:
            net = ipaddress.ip_network(self.cidr)
            if net.version != 4 or not 16 <= net.prefixlen <= 22:
                problems.append(("cidr", f"{self.cidr!r} must be an IPv4 block from /16 to /22 (room for private and public subnets in up to 6 AZs)"))
        if existing and self.availability_zone_ids is not None:
            problems.append(("availability_zone_ids", "availability_zone_ids is for a new VPC; an existing VPC's subnets already have their AZs"))
        elif self.availability_zone_ids is not None and len(self.availability_zone_ids) != self.az_count:
            problems.append(
                ("availability_zone_ids", f"lists {len(self.availability_zone_ids)} AZs but az_count is {self.az_count}; make them agree or drop az_count")
            )
        if problems:
            raise field_errors(problems)
        return self

    @property
    def is_new(self) -> bool:
        return self.cidr is not None


class ServingSpec(_Model):
    model: ModelId = Field(description="Hugging Face model id served by vLLM.")
    port: int = Field(8000, ge=1024, le=65535, description="Port of the OpenAI-compatible server and its /health.")
    tensor_parallel_degree: int | None = Field(
        None, ge=1, description="Devices one replica spans; default: every NeuronCore or GPU of the instance."
    )
    max_model_len: int = Field(4096, ge=128, le=1_048_576, description="Longest sequence (prompt + output) in tokens.")
    max_num_seqs: int = Field(8, ge=1, le=1024, description="Sequences decoded together (the batch).")
    hf_token_secret_arn: SecretArn | None = Field(
        None, description="Secrets Manager secret holding a Hugging Face token for gated models; read at boot."
    )


class AwsClusterFields(_Model):
    """Fields every EC2 inference cluster has, whatever the silicon."""

    name: Name
    region: AwsRegion
    instance_type: str
    min_size: int = Field(1, ge=0, le=500)
    max_size: int = Field(1, ge=1, le=500)
    desired_size: int | None = Field(None, ge=0, le=500, description="Default: min_size.")
    root_volume_gib: int | None = Field(
        None, ge=8, le=16384, description="gp3, always encrypted; default: the image's recommended size."
    )
    network: AwsNetwork
    serving: ServingSpec
    spot_fraction: float = Field(0.0, ge=0.0, le=1.0, description="Share of instances bought as spot (0 = all on-demand).")
    allowed_cidrs: list[ClientCidr] = Field(
        default_factory=list,
        description="Client networks that may reach the serving port; default: the VPC's own CIDR.",
    )
    allowed_security_group_ids: list[SecurityGroupId] = Field(
        default_factory=list, description="Client security groups that may reach the serving port."
    )
    permissions_boundary_arn: PolicyArn | None = None
    load_balancer_deletion_protection: bool = Field(
        True, description="Protect the load balancer from deletion; set false to let `destroy` remove it."
    )
    tags: Tags = Field(default_factory=dict, description="Extra tags for this target's resources.")

    @property
    def effective_desired_size(self) -> int:
        return self.min_size if self.desired_size is None else self.desired_size

    @property
    def instance(self) -> catalog.AwsInstanceType:
        return catalog.aws_instance_type(self.instance_type)

    def cross_field_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if self.min_size > self.max_size:
            problems.append(("min_size", f"min_size {self.min_size} is larger than max_size {self.max_size}"))
        if self.desired_size is not None and not self.min_size <= self.desired_size <= self.max_size:
            problems.append(
                ("desired_size", f"desired_size {self.desired_size} must lie between min_size {self.min_size} and max_size {self.max_size}")
            )
        if len(set(self.allowed_cidrs)) != len(self.allowed_cidrs):
            problems.append(("allowed_cidrs", "allowed_cidrs lists a block twice; list each once"))
        problems.extend(self._offering_problems())
        return problems

    def _offering_problems(self) -> list[tuple[str, str]]:
        """Where the catalog knows offerings, the type must be offered in the region and chosen AZs."""
        offered = catalog.aws_offered_az_ids(self.region, self.instance_type)
        source = catalog.aws_offerings_source()
        if not offered:
            elsewhere = catalog.aws_regions_offering(self.instance_type)
            return [(
                "region",
                f"{self.instance_type} is not offered in {self.region} ({source}); regions that offer it: "
                f"{', '.join(elsewhere) or 'none known'}",
            )]
        net = self.network
        if not net.is_new:
            return []
        if net.availability_zone_ids is not None:
            bad = [az for az in net.availability_zone_ids if az not in offered]
            if bad:
                return [(
                    "network.availability_zone_ids",
                    f"{', '.join(bad)} do not offer {self.instance_type} in {self.region}; AZs that do: {', '.join(offered)} ({source})",
                )]
            if len(set(net.availability_zone_ids)) != len(net.availability_zone_ids):
                return [("network.availability_zone_ids", "lists an AZ twice; list each once")]
        elif net.az_count > len(offered):
            return [(
                "network.az_count",
                f"{self.instance_type} is offered in {len(offered)} AZ(s) of {self.region} ({', '.join(offered)}); "
                f"set az_count to at most {len(offered)} ({source})",
            )]
        return []

    @property
    def availability_zone_ids(self) -> list[str]:
        """AZ IDs of a new VPC's subnets: the ones given, or the first az_count offering the type."""
        net = self.network
        return list(net.availability_zone_ids or catalog.aws_offered_az_ids(self.region, self.instance_type)[: net.az_count])


def _known_instance_type(silicon: str, what: str):
    def check(value: str) -> str:
        names = catalog.aws_instance_type_names(silicon)
        if value not in names:
            raise choice_error(value, names, what)
        return value

    return AfterValidator(check)


class Inf2Fields(AwsClusterFields):
    instance_type: Annotated[str, _known_instance_type("inferentia2", "Inferentia2 instance type")] = Field(
        description="inf2.xlarge, inf2.8xlarge, inf2.24xlarge or inf2.48xlarge."
    )

    @model_validator(mode="after")
    def _inf2_checks(self) -> "Inf2Fields":
        problems = self.cross_field_problems()
        cores = self.instance.neuron_cores
        tp = self.serving.tensor_parallel_degree
        if tp is not None and tp > cores:
            problems.append(
                (
                    "serving.tensor_parallel_degree",
                    f"{tp} exceeds the {cores} NeuronCores of {self.instance_type}; use at most {cores} "
                    f"or a larger instance type",
                )
            )
        image = catalog.machine_image("inferentia2")
        if self.root_volume_gib is not None and self.root_volume_gib < image.min_root_volume_gib:
            problems.append(
                (
                    "root_volume_gib",
                    f"{self.root_volume_gib} GiB is below the {image.min_root_volume_gib} GiB the Neuron DLAMI "
                    f"needs; use at least {image.min_root_volume_gib} or leave it out",
                )
            )
        if problems:
            raise field_errors(problems)
        return self

    @property
    def effective_tensor_parallel_degree(self) -> int:
        return self.serving.tensor_parallel_degree or self.instance.neuron_cores

    @property
    def effective_root_volume_gib(self) -> int:
        return self.root_volume_gib or catalog.machine_image("inferentia2").min_root_volume_gib


class Inf2Target(Inf2Fields):
    """A fleet target of kind ``aws-inf2``: an auto-scaled vLLM cluster on AWS Inferentia2."""

    kind: Literal["aws-inf2"]


TARGET_KINDS: dict[str, type[_Model]] = {"aws-inf2": Inf2Target}

Target = Annotated[Union[Inf2Target], Field(discriminator="kind")]


# ---------------------------------------------------------------------------------------------
# Ownership: what every construct's props carry so that nothing it creates is untagged


class Ownership(_Model):
    cost_center: TagValue = Field(min_length=1, description="Tagged as CostCenter on every resource.")
    owner: TagValue = Field(min_length=1, description="Tagged as Owner.")
    environment: Annotated[str, AfterValidator(_environment)]
    fleet: Name | None = Field(None, description="Tagged as Fleet; default: the target's name.")

    @model_validator(mode="after")
    def _ownership_tags(self) -> "Ownership":
        tags = getattr(self, "tags", {})
        problems = [(f"tags.{k}", f"{k!r} is set by siliconfleet and cannot be overridden") for k in tags if k in STANDARD_TAG_KEYS]
        problems += tag_problems(self.all_tags, "tags")
        if problems:
            raise field_errors(problems)
        return self

    @property
    def all_tags(self) -> dict[str, str]:
        """Every tag the construct's resources carry."""
        name = getattr(self, "name")
        return {**getattr(self, "tags", {}), **standard_tags(
            cost_center=self.cost_center, owner=self.owner, environment=self.environment,
            fleet=self.fleet or name, target=name,
        )}


# ---------------------------------------------------------------------------------------------
# The fleet


class Fleet(_Model):
    """One inference service: who pays, who owns it, and the silicon it runs on."""

    fleet: Name
    cost_center: TagValue = Field(min_length=1)
    owner: TagValue = Field(min_length=1)
    environment: Annotated[str, AfterValidator(_environment)]
    tags: Tags = Field(default_factory=dict, description="Extra tags on every resource of the fleet.")
    backend: Backend | None = Field(None, description="Terraform state; default: local files under state/.")
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _fleet_checks(self) -> "Fleet":
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, target in enumerate(self.targets):
            if target.name in seen:
                problems.append(
                    (f"targets[{i}].name", f"{target.name!r} is already the name of targets[{seen[target.name]}]; target names must be unique")
                )
            seen.setdefault(target.name, i)
        for key in self.tags:
            if key in STANDARD_TAG_KEYS:
                problems.append((f"tags.{key}", f"{key!r} is set by siliconfleet; use the fleet field instead of a tag"))
        for i, target in enumerate(self.targets):
            for key in target.tags:
                if key in STANDARD_TAG_KEYS:
                    problems.append((f"targets[{i}].tags.{key}", f"{key!r} is set by siliconfleet and cannot be overridden"))
            problems.extend(tag_problems(self.tags_for(target), f"targets[{i}].tags"))
        if problems:
            raise field_errors(problems)
        return self

    def fleet_tags(self) -> dict[str, str]:
        """Tags of every resource of the fleet (provider default_tags): extra tags, then the standard ones."""
        return {**self.tags, **standard_tags(
            cost_center=self.cost_center, owner=self.owner, environment=self.environment, fleet=self.fleet
        )}

    def tags_for(self, target: Any) -> dict[str, str]:
        """Every tag a target's resources carry: the fleet's, the target's extra tags, and Target."""
        return {**self.tags, **target.tags, **self.fleet_tags(), "Target": target.name}

    def ownership(self, target: Any) -> dict[str, Any]:
        """The construct props that carry who pays and owns: for ``XxxClusterProps(**target, **ownership)``."""
        return {
            "cost_center": self.cost_center,
            "owner": self.owner,
            "environment": self.environment,
            "fleet": self.fleet,
            "tags": {**self.tags, **target.tags},
        }
