"""One OpenAI-compatible gateway for the whole fleet (LiteLLM proxy format).

``config`` renders it (pure; the preview `siliconfleet synth` writes to ``gateway/litellm.yaml``);
``publish`` adds the copy Terraform completes at apply to the primary target's stack (it loads
the CDK engine, so it is imported only when used).
"""

from .config import OUTPUT, PREVIEW, Deployment, deployments, preview, render_config, ssm_parameter_name, write_preview

__all__ = ["OUTPUT", "PREVIEW", "Deployment", "deployments", "preview", "render_config", "ssm_parameter_name", "write_preview"]
