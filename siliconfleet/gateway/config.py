"""The fleet's gateway configuration: one OpenAI-compatible front for every target, in the format
of the LiteLLM proxy (``config.yaml``), rendered from ``templates/litellm_gateway.yaml.j2``.

Clients ask for one model name, the fleet's name. The first target in routing order (the fleet's
``routing.order``, else the order of ``targets``) serves it; every other target is a model group
of its own, ``<fleet>/<target>``, listed as a fallback of the service in routing order. vLLM
targets (EC2 clusters, TPU slices) are ``hosted_vllm/<model>`` deployments at their private
endpoints; a hosted API target is ``<provider prefix>/<model>`` (``groq/<model>``) at its provider's
base URL with the key read from the environment (``os.environ/GROQ_API_KEY``), never written into
the file: the provider's catalog file says which. Which of these a target is comes from its kind's
route in the kind registry (``VLLM_CLUSTER``, ``VLLM_SLICES``, ``HOSTED``).

Addresses Terraform only knows at apply time (load balancers, TPU slices) come from a resolver:
placeholders naming the Terraform output for the preview written beside the synthesized stacks,
Terraform references for the copy Terraform fills in (``siliconfleet.gateway.publish``).
This module is pure: no CDK engine, no cloud SDK.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import registry
from ..catalog.hosted import HostedProvider, hosted_provider
from ..templates import render

TEMPLATE = "litellm_gateway.yaml.j2"
#: Where `siliconfleet synth` writes the preview, relative to the output folder.
PREVIEW = Path("gateway") / "litellm.yaml"
#: The Terraform output (in the primary target's stack) that holds the complete configuration.
OUTPUT = "gateway_litellm_config"


def api_key_ref(provider: HostedProvider) -> str:
    """A deployment's API key taken from the environment (LiteLLM's syntax): ``os.environ/GROQ_API_KEY``."""
    return f"os.environ/{provider.api_key_env}"

ApiBases = Callable[[Any], list[str]]


@dataclass(frozen=True)
class Deployment:
    """One entry of LiteLLM's model_list."""

    id: str
    target: str
    kind: str
    model_name: str
    model: str
    api_base: str
    api_key: str | None = None
    rpm: int | None = None
    tpm: int | None = None


def ssm_parameter_name(fleet: str) -> str:
    """The SSM parameter that holds the configuration when the primary target's stack is on AWS."""
    return f"/siliconfleet/{fleet}/_gateway/litellm.yaml"


def output_key(target: Any) -> str:
    return target.name.replace("-", "_")


@dataclass(frozen=True)
class VllmCluster:
    """A vLLM server behind one private endpoint (an EC2 cluster's load balancer)."""

    def litellm_model(self, target: Any) -> str:
        return f"hosted_vllm/{target.serving.model}"

    def endpoint_outputs(self, target: Any) -> list[str]:
        return [f"{output_key(target)}_endpoint_url"]

    def known_api_bases(self, target: Any) -> list[str] | None:
        """API bases known at synth; None when Terraform learns them at apply."""
        return None

    def api_key(self, target: Any) -> str | None:
        return None

    def limits(self, target: Any) -> tuple[int | None, int | None]:
        """(requests, tokens) per minute the deployment may send."""
        return None, None


@dataclass(frozen=True)
class VllmSlices(VllmCluster):
    """vLLM servers on ``count`` slices, each its own endpoint; queued slices get theirs once granted."""

    def endpoint_outputs(self, target: Any) -> list[str]:
        key = output_key(target)
        return [] if target.provisioning == "queued" else [f"{key}_endpoint_urls[{i}]" for i in range(target.count)]


@dataclass(frozen=True)
class Hosted(VllmCluster):
    """A hosted token API: its provider's LiteLLM route at its known base URL, the key from the environment."""

    def provider(self, target: Any) -> HostedProvider:
        return hosted_provider(registry.kind_of(target).provider)

    def litellm_model(self, target: Any) -> str:
        return f"{self.provider(target).litellm_prefix}/{target.model}"

    def endpoint_outputs(self, target: Any) -> list[str]:
        return []

    def known_api_bases(self, target: Any) -> list[str] | None:
        return [self.provider(target).base_url]

    def api_key(self, target: Any) -> str | None:
        return api_key_ref(self.provider(target))

    def limits(self, target: Any) -> tuple[int | None, int | None]:
        return target.rate_limits.requests_per_minute, target.rate_limits.tokens_per_minute


VLLM_CLUSTER = VllmCluster()
VLLM_SLICES = VllmSlices()
HOSTED = Hosted()


def route(target: Any) -> VllmCluster:
    """How the gateway reaches ``target``: its kind's route in the registry."""
    return registry.kind_of(target).gateway_route()


def litellm_model(target: Any) -> str:
    """LiteLLM's provider/model string: a hosted API's own route, or an OpenAI-compatible vLLM server."""
    return route(target).litellm_model(target)


def endpoint_outputs(target: Any) -> list[str]:
    """The outputs (with index) that hold a target's API bases; none for hosted APIs (known) or queued TPU slices."""
    return route(target).endpoint_outputs(target)


def stack_of(plan: Mapping[str, tuple[str, str, list]]) -> dict[str, str]:
    """Target name -> stack name, from app.stack_plan()."""
    return {target.name: name for name, (_, _, targets) in plan.items() for target in targets}


def preview_api_bases(plan: Mapping[str, tuple[str, str, list]]) -> ApiBases:
    """API bases as known at synth: Groq's URL, or a placeholder naming the output and its stack."""
    stacks = stack_of(plan)

    def api_bases(target: Any) -> list[str]:
        known = route(target).known_api_bases(target)
        if known is not None:
            return known
        return [f"<apply-time: output {name} of stack {stacks[target.name]}>" for name in endpoint_outputs(target)]

    return api_bases


def deployments(fleet: Any, api_bases: ApiBases) -> tuple[list[Deployment], list[str], list[str]]:
    """(model_list entries, fallback model names in routing order, notes) for the fleet."""
    service = fleet.fleet
    out: list[Deployment] = []
    fallbacks: list[str] = []
    notes: list[str] = []
    for target in fleet.routed_targets():
        bases = api_bases(target)
        if not bases:
            notes.append(f"{target.name}: queued TPU slices get their addresses once granted; add its deployments then")
            continue
        primary = not out
        model_name = service if primary else f"{service}/{target.name}"
        if not primary:
            fallbacks.append(model_name)
        way = route(target)
        rpm, tpm = way.limits(target)
        for i, base in enumerate(bases):
            out.append(Deployment(
                id=target.name if len(bases) == 1 else f"{target.name}-{i}",
                target=target.name,
                kind=target.kind,
                model_name=model_name,
                model=way.litellm_model(target),
                api_base=base,
                api_key=way.api_key(target),
                rpm=rpm,
                tpm=tpm,
            ))
    return out, fallbacks, notes


def _yaml_string(value: object) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML); Terraform references pass through."""
    return json.dumps(str(value))


def _key_providers(fleet: Any) -> list[HostedProvider]:
    """The hosted providers whose keys the gateway reads: the fleet's, else every hosted kind's."""
    names = [registry.kind_of(t).provider for t in fleet.routed_targets() if registry.kind_of(t).provider]
    if not names:
        names = [k.provider for k in registry.kinds() if k.provider]
    return [hosted_provider(n) for n in dict.fromkeys(names)]


def key_sources(fleet: Any, *, brief: bool = False) -> str:
    """Where the config's hosted API keys come from: "Groq's is read from the environment
    (GROQ_API_KEY)", or with ``brief`` "Groq's is read from GROQ_API_KEY"."""
    providers = _key_providers(fleet)
    if brief:
        return "; ".join(f"{p.display}'s is read from {p.api_key_env}" for p in providers)
    if len(providers) == 1:
        return f"{providers[0].display}'s is read from the environment ({providers[0].api_key_env})"
    listed = ", ".join(f"{p.display}'s ({p.api_key_env})" for p in providers)
    return f"the hosted APIs' keys are read from the environment: {listed}"


def render_config(fleet: Any, api_bases: ApiBases, header: list[str]) -> str:
    """The LiteLLM proxy configuration of ``fleet``, with API bases from ``api_bases``."""
    items, fallbacks, notes = deployments(fleet, api_bases)
    return render(
        TEMPLATE,
        fleet=fleet.fleet,
        service=fleet.fleet,
        order=[t.name for t in fleet.routed_targets()],
        header=header,
        key_sources=key_sources(fleet),
        deployments=items,
        fallbacks=fallbacks,
        notes=notes,
        q=_yaml_string,
    )


def published(fleet: Any) -> bool:
    """Whether Terraform publishes the configuration: for fleets of more than one target (with one,
    the target's own endpoint output is the whole story and the preview names it)."""
    return len(fleet.targets) > 1


def home_stack(fleet: Any, plan: Mapping[str, tuple[str, str, list]]) -> str:
    """The stack that publishes the configuration: the primary target's."""
    return stack_of(plan)[fleet.routed_targets()[0].name]


def preview(fleet: Any, plan: Mapping[str, tuple[str, str, list]]) -> str:
    """The configuration with what synth knows; apply-time addresses as placeholders naming their output."""
    header = ["Preview written by `siliconfleet synth`: <apply-time: ...> marks an address Terraform learns at apply."]
    if published(fleet):
        home = home_stack(fleet, plan)
        cloud, location, _ = plan[home]
        where = f"output {OUTPUT} of stack {home}"
        if cloud == "aws":
            where += f" and SSM parameter {ssm_parameter_name(fleet.fleet)} ({location})"
        header.append(f"Terraform publishes the complete file at apply: {where}.")
    else:
        header.append("Fill it in from the named output after apply.")
    return render_config(fleet, preview_api_bases(plan), header)


def write_preview(out_dir: Path, fleet: Any, plan: Mapping[str, tuple[str, str, list]]) -> Path:
    """Write the preview to ``<out_dir>/gateway/litellm.yaml``; returns its path."""
    path = out_dir / PREVIEW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(preview(fleet, plan))
    return path
