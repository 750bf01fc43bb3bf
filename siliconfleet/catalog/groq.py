"""Models served on GroqCloud, with per-token prices: data/groq_models.yaml."""

from __future__ import annotations

from functools import cache

from . import _load, _Row


class GroqModel(_Row):
    id: str
    hf_ids: tuple[str, ...]
    context_window: int
    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float
    output_tokens_per_s: float | None = None
    unverified: tuple[str, ...] = ()
    price_as_of: str
    price_source: str


@cache
def groq_models() -> dict[str, GroqModel]:
    """Every Groq model in the catalog, keyed by Groq's model id."""
    doc = _load("groq_models.yaml")
    return {
        model_id: GroqModel(id=model_id, price_as_of=doc["as_of"], price_source=doc["sources"]["prices"], **row)
        for model_id, row in doc["models"].items()
    }


def groq_models_serving(hf_ids: list[str] | tuple[str, ...]) -> list[GroqModel]:
    """Groq models that serve any of the Hugging Face ids given (case-insensitive)."""
    wanted = {h.lower() for h in hf_ids}
    return [m for m in groq_models().values() if wanted & {h.lower() for h in m.hf_ids}]
