"""Models served on GroqCloud, with per-token prices: the ``groq`` provider of the hosted catalog
(data/hosted/groq.yaml). The names of earlier versions, kept for callers that import them."""

from __future__ import annotations

from .hosted import HostedModel, hosted_models, hosted_models_serving

PROVIDER = "groq"

GroqModel = HostedModel


def groq_models() -> dict[str, HostedModel]:
    """Every Groq model in the catalog, keyed by Groq's model id."""
    return hosted_models(PROVIDER)


def groq_models_serving(hf_ids: list[str] | tuple[str, ...]) -> list[HostedModel]:
    """Groq models that serve any of the Hugging Face ids given (case-insensitive)."""
    return hosted_models_serving(PROVIDER, hf_ids)
