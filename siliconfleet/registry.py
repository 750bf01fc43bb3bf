"""The kinds of fleet target siliconfleet knows, each registered once, and read by every layer.

A kind (``aws-inf2``, ``aws-gpu``, ``gcp-tpu``, ``groq``...) is one line of :data:`KINDS`: its
name, the names it also answers to (aliases kept for fleet files and synth outputs written by
older versions: ``aws-p5`` for ``aws-gpu``, ``gcp-tpu-v5e`` for ``gcp-tpu``), the family it belongs to, and the catalog data the family's code reads (the EC2
silicons it runs on, or the hosted provider). A family states, once for all its kinds, the part
each layer contributes:

========== =====================================================================================
spec       the fleet-file model of a target (pydantic), or a factory that makes one for a kind
construct  the CDK construct and its props model (a factory for kinds without public names)
placement  which stack holds a target, and which serving identities it gives or reads there
preflight  the function that turns a target into its preflight request
review     the module with the target's inventory row (``describe``) and cost (``price``)
sizing     the function that gives the catalog hardware a target runs on (or None)
gateway    how the gateway routes to it (a route of ``siliconfleet.gateway.config``)
========== =====================================================================================

Every part is named by its import path (``"module:attribute"``) and imported only by the layer
that uses it, on first use: reading the registry imports nothing, so ``siliconfleet validate``,
``review`` and ``size`` never load the CDK or a cloud SDK, and the layers keep depending only on
the layers below them (the registry is a leaf, like ``errors``). ``tests/test_registry.py``
proves that every kind is complete in every layer and that no layer knows a kind the registry
does not. ``docs/contributing.md`` lists what a new kind takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal

from .errors import SiliconfleetError

StackKind = Literal["aws-region", "gcp-zone", "secret-store"]
Identity = Literal["aws-role", "gcp-service-account"]


def load(ref: str) -> Any:
    """The object an import path names: ``"package.module:attribute"`` (or a module alone)."""
    module, _, attribute = ref.partition(":")
    value: Any = import_module(module)
    for part in filter(None, attribute.split(".")):
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class Placement:
    """How the stacks place a target of a kind.

    ``stack``: ``aws-region`` (the AWS stack of ``target.region``), ``gcp-zone`` (the Google Cloud
    stack of ``target.project`` and ``target.zone``) or ``secret-store`` (the stack of the target's
    secret: the AWS region or the Google Cloud project, without a zone). ``identity``: the serving
    identity each target gives, which targets that read identities are granted in the same AWS
    stack (an instance role) or Google Cloud project (a service account). ``reads_identities``:
    the target is built after the others of its stack and granted their identities (a hosted API
    key's readers).
    """

    stack: StackKind
    identity: Identity | None = None
    reads_identities: bool = False

    def location(self, target: Any) -> tuple[str, str]:
        """(cloud, location) of the stack that holds ``target``."""
        if self.stack == "aws-region":
            return "aws", target.region
        if self.stack == "gcp-zone":
            return "gcp", f"{target.project}/{target.zone}"
        store = target.secret_store
        return ("gcp", store.project) if store.type == "gcp-secret-manager" else ("aws", store.region)


@dataclass(frozen=True)
class Family:
    """What every kind of one family shares: one implementation per layer, named by import path."""

    name: str
    cloud: str
    """``aws``, ``gcp`` or ``hosted`` (a token API, whose secret lives in either cloud)."""
    placement: Placement
    preflight: str
    review: str
    sizing: str
    gateway: str
    spec: str | None = None
    """A factory ``(kind) -> model`` for kinds that name no spec model of their own."""
    construct: str | None = None
    props: str | None = None
    """A factory ``(kind) -> props model`` for kinds that name no props model of their own."""


@dataclass(frozen=True)
class Kind:
    """One kind of fleet target: one line of :data:`KINDS`."""

    name: str
    family: Family
    label: str
    """What its targets run on, as messages name it ("Inferentia2", "p5", "TPU", "Groq")."""
    aliases: tuple[str, ...] = ()
    silicons: tuple[str, ...] = ()
    """EC2 families: the catalog silicons (``aws_instances.yaml``) the kind's instance types have."""
    provider: str | None = None
    """Hosted families: the provider's catalog file (``catalog/data/hosted/<provider>.yaml``)."""
    spec: str | None = None
    construct: str | None = None
    props: str | None = None
    catalog_dirs: tuple[str, ...] = ()
    """Folders the catalog reads this kind's data files from too (a kind registered from outside
    the package: its hosted provider's file in ``<folder>/hosted/``)."""

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a fleet file (or a synth output of an older version) may give this kind."""
        return (self.name, *self.aliases)

    @property
    def cloud(self) -> str:
        return self.family.cloud

    @property
    def placement(self) -> Placement:
        return self.family.placement

    # -- the parts, imported on first use --------------------------------------------------------

    def spec_model(self) -> type:
        return _part(self, "spec", lambda: _model(self, self.spec, self.family.spec, "spec model"))

    def construct_class(self) -> type:
        return _part(self, "construct", lambda: load(_given(self, self.construct or self.family.construct, "construct")))

    def props_model(self) -> type:
        return _part(self, "props", lambda: _model(self, self.props, self.family.props, "props model"))

    def preflight_request(self) -> Callable[[Any], Any]:
        return _part(self, "preflight", lambda: load(self.family.preflight))

    def review_module(self) -> Any:
        return _part(self, "review", lambda: load(self.family.review))

    def sizing_hardware(self) -> Callable[[Any], Any]:
        return _part(self, "sizing", lambda: load(self.family.sizing))

    def gateway_route(self) -> Any:
        return _part(self, "gateway", lambda: load(self.family.gateway))


_PARTS: dict[tuple[str, str], Any] = {}


def _given(kind: Kind, ref: str | None, what: str) -> str:
    if not ref:
        raise SiliconfleetError(f"kind {kind.name!r} names no {what}, and its family {kind.family.name!r} has no default")
    return ref


def _model(kind: Kind, own: str | None, factory: str | None, what: str) -> type:
    """The kind's own model, or the one its family's factory makes for it."""
    if own:
        return load(own)
    return load(_given(kind, factory, what))(kind)


def _part(kind: Kind, layer: str, make: Callable[[], Any]) -> Any:
    key = (kind.name, layer)
    if key not in _PARTS:
        _PARTS[key] = make()
    return _PARTS[key]


# ---------------------------------------------------------------------------------------------
# The families

EC2_ACCELERATOR = Family(
    name="ec2-accelerator",
    cloud="aws",
    placement=Placement("aws-region", identity="aws-role"),
    spec="siliconfleet.spec.accelerator:target_model",
    construct="siliconfleet.constructs.accelerator:AcceleratorCluster",
    props="siliconfleet.constructs.accelerator:props_model",
    preflight="siliconfleet.preflight.aws:request_from_target",
    review="siliconfleet.review.kinds.aws_ec2",
    sizing="siliconfleet.sizing.fleet:aws_hardware",
    gateway="siliconfleet.gateway.config:VLLM_CLUSTER",
)

TPU = Family(
    name="tpu",
    cloud="gcp",
    placement=Placement("gcp-zone", identity="gcp-service-account"),
    preflight="siliconfleet.preflight.gcp:request_from_target",
    review="siliconfleet.review.kinds.gcp_tpu",
    sizing="siliconfleet.sizing.fleet:tpu_hardware",
    gateway="siliconfleet.gateway.config:VLLM_SLICES",
)

HOSTED_API = Family(
    name="hosted-api",
    cloud="hosted",
    placement=Placement("secret-store", reads_identities=True),
    spec="siliconfleet.spec.hosted:target_model",
    construct="siliconfleet.constructs.hosted:HostedEndpoint",
    props="siliconfleet.constructs.hosted:props_model",
    preflight="siliconfleet.preflight.hosted:request_from_target",
    review="siliconfleet.review.kinds.hosted",
    sizing="siliconfleet.sizing.fleet:hosted_hardware",
    gateway="siliconfleet.gateway.config:HOSTED",
)

FAMILIES: tuple[Family, ...] = (EC2_ACCELERATOR, TPU, HOSTED_API)


# ---------------------------------------------------------------------------------------------
# The kinds: one line each

KINDS: list[Kind] = [
    Kind("aws-inf2", EC2_ACCELERATOR, "Inferentia2", silicons=("inferentia2",),
         spec="siliconfleet.spec.inf2:Inf2Target",
         construct="siliconfleet.constructs.inf2:Inf2Cluster", props="siliconfleet.constructs.inf2:Inf2ClusterProps"),
    Kind("aws-gpu", EC2_ACCELERATOR, "p5", aliases=("aws-p5",), silicons=("h100", "h200"),
         spec="siliconfleet.spec.p5:P5Target",
         construct="siliconfleet.constructs.p5:P5Cluster", props="siliconfleet.constructs.p5:P5ClusterProps"),
    Kind("gcp-tpu", TPU, "TPU", aliases=("gcp-tpu-v5e",),
         spec="siliconfleet.spec.tpu:TpuTarget",
         construct="siliconfleet.constructs.tpu:TpuSlice", props="siliconfleet.constructs.tpu:TpuSliceProps"),
    Kind("groq", HOSTED_API, "Groq", provider="groq",
         spec="siliconfleet.spec.groq:GroqTarget",
         construct="siliconfleet.constructs.groq:GroqEndpoint", props="siliconfleet.constructs.groq:GroqEndpointProps"),
]


# ---------------------------------------------------------------------------------------------
# Reading the registry

_listeners: list[Callable[[], None]] = []


def kinds() -> tuple[Kind, ...]:
    """Every registered kind, in registry order."""
    return tuple(KINDS)


def _by_name() -> dict[str, Kind]:
    return {name: kind for kind in KINDS for name in kind.names}


def names() -> tuple[str, ...]:
    """Every accepted kind name, aliases included, in registry order."""
    return tuple(name for kind in KINDS for name in kind.names)


def find(name: object) -> Kind | None:
    """The kind ``name`` (a canonical name or an alias) stands for, or None."""
    return _by_name().get(name) if isinstance(name, str) else None


def get(name: object) -> Kind:
    """The kind ``name`` stands for; SiliconfleetError naming the known kinds otherwise."""
    kind = find(name)
    if kind is None:
        raise SiliconfleetError(f"{name!r} is not a kind of target this siliconfleet knows; known kinds: {', '.join(names())}")
    return kind


def canonical(name: object) -> object:
    """The canonical name of a kind name (aliases resolve; an unknown name comes back unchanged)."""
    kind = find(name)
    return kind.name if kind is not None else name


def kind_of(target: Any) -> Kind:
    """The kind of a validated target (anything with a ``kind`` attribute or key)."""
    name = target.get("kind") if isinstance(target, dict) else getattr(target, "kind", None)
    return get(name)


def of_family(family: Family) -> tuple[Kind, ...]:
    return tuple(k for k in KINDS if k.family is family)


def kind_literal(name: str) -> Any:
    """``Literal[name, *aliases]``: the ``kind`` field of a spec model, so that aliases are stated here only."""
    return Literal[get(name).names]  # type: ignore[valid-type]


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever a kind is registered or removed (the spec rebuilds its fleet model)."""
    _listeners.append(listener)


def _changed() -> None:
    for listener in list(_listeners):
        listener()


def register(kind: Kind) -> Kind:
    """Add a kind (one not shipped with siliconfleet, or a test's); names must be new."""
    taken = [n for n in kind.names if find(n) is not None]
    if taken:
        raise SiliconfleetError(f"kind {kind.name!r}: {', '.join(map(repr, taken))} already name a registered kind")
    if kind.catalog_dirs:
        from .catalog import hosted

        for folder in kind.catalog_dirs:
            hosted.add_data_dir(folder)
    KINDS.append(kind)
    _changed()
    return kind


def unregister(name: str) -> None:
    """Remove a kind added with :func:`register` (and forget its imported parts)."""
    kind = get(name)
    KINDS.remove(kind)
    if kind.catalog_dirs:
        from .catalog import hosted

        for folder in kind.catalog_dirs:
            hosted.remove_data_dir(folder)
    for key in [k for k in _PARTS if k[0] == kind.name]:
        del _PARTS[key]
    _changed()
