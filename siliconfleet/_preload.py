"""Start the CDK engine's Node side while Python validates the fleet file.

Most of a synth's wall time is jsii loading the provider bindings into Node (seconds, in another
process); validating the fleet file and building the models is Python work of about a second.
On two or more cores the two overlap: a daemon thread imports the bindings the fleet will need
(guessed from a raw read of the file's target kinds) while the main thread validates. The
thread only imports; every error is left for the main path to raise with its proper message.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml


def providers_for(path: str | Path) -> set[str]:
    """The provider bindings a fleet file's targets will need, from a raw read; empty when unreadable."""
    try:
        doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return set()
    targets = doc.get("targets") if isinstance(doc, dict) else None
    providers: set[str] = set()
    for target in targets if isinstance(targets, list) else []:
        if not isinstance(target, dict):
            continue
        kind = str(target.get("kind", ""))
        store = target.get("secret_store")
        store_type = str(store.get("type", "")) if isinstance(store, dict) else ""
        if kind.startswith("aws-") or store_type.startswith("aws-"):
            providers.add("aws")
        if kind.startswith("gcp-") or store_type.startswith("gcp-"):
            providers.add("google-beta")
    return providers


def _load(providers: set[str]) -> None:
    from . import engine

    try:
        engine.core()
        if "aws" in providers:
            engine.aws("provider")
        if "google-beta" in providers:
            engine.google_beta("provider")
    except Exception:  # noqa: BLE001 - the main thread raises the same error with its message
        return


def preload_for(path: str | Path) -> threading.Thread:
    """Start loading the bindings ``path`` will need; join the thread before using the engine."""
    thread = threading.Thread(target=_load, args=(providers_for(path),), name="siliconfleet-preload", daemon=True)
    thread.start()
    return thread
