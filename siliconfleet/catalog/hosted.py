"""Hosted token APIs (Groq...): one data file per provider, ``data/hosted/<provider>.yaml``.

A provider's file says everything the hosted kinds' code needs, so that the construct, the
preflight checks, review, the gateway and the key command are the same for every provider: the
OpenAI-compatible base URL, the key's environment variable and shape, LiteLLM's route prefix, the
rate-limit header names, and the models it serves with their context windows and per-token
prices. A kind registered from outside the package brings its provider file in a folder of its
own (``registry.Kind.catalog_dirs``, read here through ``add_data_dir``).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from . import _Row

#: Folders searched for ``hosted/<provider>.yaml`` after the package's own data.
_extra_dirs: list[Path] = []


class HostedModel(_Row):
    id: str
    hf_ids: tuple[str, ...]
    context_window: int
    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float
    output_tokens_per_s: float | None = None
    unverified: tuple[str, ...] = ()
    price_as_of: str
    price_source: str


class RateLimitHeaders(_Row):
    """The response headers that carry a provider's limits (per organization and model)."""

    tokens_per_minute: str
    requests_per_day: str
    remaining_tokens: str | None = None
    remaining_requests: str | None = None
    reset_tokens: str | None = None
    reset_requests: str | None = None


class HostedProvider(_Row):
    name: str
    display: str
    as_of: str
    sources: dict[str, str]
    hardware: str = ""
    silicon: str
    location: str
    base_url: str
    client: str = "openai-compatible"
    """How preflight talks to it: ``groq`` (the official SDK) or ``openai-compatible`` (HTTP)."""
    base_url_env: str
    api_key_env: str
    key_pattern: str
    key_marker: str
    """A literal every key starts with (gsk_): the review's cheap first pass looks for it."""
    key_format: str
    keys_url: str
    limits_url: str
    litellm_prefix: str
    set_key_command: str = "siliconfleet keys set"
    rate_limit_headers: RateLimitHeaders
    models: dict[str, HostedModel]

    @property
    def key_shape(self) -> re.Pattern[str]:
        return re.compile(self.key_pattern)

    @property
    def slug(self) -> str:
        """The display name as one word of letters and digits (IAM statement ids: ``ReadTheGroqApiKey``)."""
        return re.sub(r"[^A-Za-z0-9]", "", self.display)


def add_data_dir(path: str | Path) -> None:
    """Read provider files from ``path``/hosted too (a kind registered from outside the package)."""
    _extra_dirs.append(Path(path))
    _clear()


def remove_data_dir(path: str | Path) -> None:
    _extra_dirs.remove(Path(path))
    _clear()


def _clear() -> None:
    hosted_provider.cache_clear()
    hosted_provider_names.cache_clear()


def _read(name: str) -> dict | None:
    packaged = resources.files(__package__).joinpath("data", "hosted", f"{name}.yaml")
    if packaged.is_file():
        return yaml.safe_load(packaged.read_text(encoding="utf-8"))
    for folder in reversed(_extra_dirs):
        path = folder / "hosted" / f"{name}.yaml"
        if path.is_file():
            return yaml.safe_load(path.read_text(encoding="utf-8"))
    return None


@cache
def hosted_provider_names() -> tuple[str, ...]:
    """Every provider with a data file: the package's, then those of added folders."""
    names = [p.name.removesuffix(".yaml") for p in resources.files(__package__).joinpath("data", "hosted").iterdir()
             if p.name.endswith(".yaml")]
    extra = [p.stem for folder in _extra_dirs for p in sorted((folder / "hosted").glob("*.yaml"))]
    return tuple(dict.fromkeys([*sorted(names), *extra]))


@cache
def hosted_provider(name: str) -> HostedProvider:
    """The provider's catalog row; KeyError when no data file names it."""
    doc = _read(name)
    if doc is None:
        raise KeyError(name)
    models = {
        model_id: HostedModel(id=model_id, price_as_of=doc["as_of"], price_source=doc["sources"]["prices"], **row)
        for model_id, row in doc["models"].items()
    }
    return HostedProvider(**{**doc, "models": models})


def hosted_providers() -> dict[str, HostedProvider]:
    return {name: hosted_provider(name) for name in hosted_provider_names()}


def hosted_models(provider: str) -> dict[str, HostedModel]:
    """Every model of the provider's catalog, keyed by the provider's model id."""
    return hosted_provider(provider).models


def hosted_models_serving(provider: str, hf_ids: list[str] | tuple[str, ...]) -> list[HostedModel]:
    """The provider's models that serve any of the Hugging Face ids given (case-insensitive)."""
    wanted = {h.lower() for h in hf_ids}
    return [m for m in hosted_models(provider).values() if wanted & {h.lower() for h in m.hf_ids}]
