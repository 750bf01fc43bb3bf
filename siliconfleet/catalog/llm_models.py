"""Popular open models and their published shapes, for the sizing advisor.

Data: ``data/llm_models.yaml`` (each row cites the model's config.json). Look-ups accept the
catalog key (``llama-3.1-8b``) or a Hugging Face id (``meta-llama/Llama-3.1-8B-Instruct``),
ignoring case.
"""

from __future__ import annotations

from functools import cache

from . import _load, _Row


class LlmModel(_Row):
    name: str
    display: str
    hf_ids: tuple[str, ...]
    parameters: int
    active_parameters: int | None = None
    layers: int
    attention_heads: int
    kv_heads: int
    head_dim: int
    context_window: int
    native_dtype: str
    source: str
    notes: str = ""
    as_of: str

    @property
    def is_moe(self) -> bool:
        return self.active_parameters is not None


@cache
def llm_models() -> dict[str, LlmModel]:
    """Every model in the catalog, keyed by catalog name, in catalog order."""
    doc = _load("llm_models.yaml")
    return {name: LlmModel(name=name, as_of=doc["as_of"], **row) for name, row in doc["models"].items()}


@cache
def _by_key() -> dict[str, LlmModel]:
    keys: dict[str, LlmModel] = {}
    for model in llm_models().values():
        keys[model.name.lower()] = model
        for hf_id in model.hf_ids:
            keys[hf_id.lower()] = model
    return keys


def find_llm_model(name_or_hf_id: str) -> LlmModel | None:
    """The catalog row for a catalog name or Hugging Face id (case-insensitive), or None."""
    return _by_key().get(name_or_hf_id.strip().lower())


def llm_model_names() -> list[str]:
    return list(llm_models())
