"""The gateway configuration that Terraform completes: an output (and, on AWS, an SSM parameter)
in the primary target's stack, rendered from the same template with Terraform references where
addresses are only known at apply time.

Endpoints of targets in other stacks are cross-stack references (CDK reads them through
``terraform_remote_state``, and orders the stacks). Those values arrive marked sensitive, as
CDK publishes every cross-stack output; an address is not a secret, so they are unwrapped with
``nonsensitive()`` for the configuration to be readable with `terraform output`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from constructs import Construct

from .. import engine
from ..constructs._common import is_token
from .config import OUTPUT, home_stack, key_sources, published, render_config, ssm_parameter_name, stack_of


def _endpoints(construct: Construct) -> list[str]:
    """The OpenAI-compatible base URLs every target construct publishes as ``endpoint_urls``."""
    return list(construct.endpoint_urls)  # type: ignore[attr-defined]


class GatewayConfig(Construct):
    """The fleet's LiteLLM proxy configuration as Terraform publishes it.

    Child ids: ``Parameter`` (AWS only). The output is named ``gateway_litellm_config``.
    """

    def __init__(self, scope: Construct, id: str, *, fleet: Any, text: str, ssm: bool) -> None:
        super().__init__(scope, id)
        order = ", ".join(t.name for t in fleet.routed_targets())
        out = engine.TerraformOutput(
            self,
            "litellm_config",
            value=text,
            description=f"LiteLLM proxy configuration of fleet {fleet.fleet} (routing order: {order}); "
            f"holds no key: {key_sources(fleet, brief=True)}",
        )
        out.override_logical_id(OUTPUT)
        self.parameter_name: str | None = None
        if ssm:
            self.parameter_name = ssm_parameter_name(fleet.fleet)
            engine.aws("ssm_parameter").SsmParameter(
                self,
                "Parameter",
                name=self.parameter_name,
                description=f"siliconfleet fleet {fleet.fleet}: LiteLLM proxy configuration (no secret in it)",
                type="String",
                tier="Intelligent-Tiering",
                value=text,
                tags=fleet.fleet_tags(),
            )


def publish(fleet: Any, stacks: Mapping[str, Construct], plan: Mapping[str, tuple[str, str, list]]) -> GatewayConfig | None:
    """Add the configuration to the primary target's stack, once every stack is built."""
    if not published(fleet):
        return None
    where = stack_of(plan)
    home_name = home_stack(fleet, plan)
    home = stacks[home_name]

    def api_bases(target: Any) -> list[str]:
        stack = stacks[where[target.name]]
        bases = _endpoints(stack.node.find_child(target.name))
        if stack is home:
            return bases
        return [engine.Fn.nonsensitive(base) if is_token(base) else base for base in bases]

    text = render_config(fleet, api_bases, header=[f"Rendered by Terraform at apply (output {OUTPUT} of stack {home_name})."])
    return GatewayConfig(home, "Gateway", fleet=fleet, text=text, ssm=plan[home_name][0] == "aws")
