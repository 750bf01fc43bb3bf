"""Load the CDK engine's provider bindings in the background while Python imports the app.

Most of a synth's wall time is jsii loading the provider bindings into Node (seconds, in another
process); importing the stacks and constructs is Python work of about a second. On two or more
cores the two overlap: a daemon thread imports the bindings the fleet's stacks need while the main
thread imports. The caller joins the thread before its first CDK call. The thread only imports;
an error is left for the main path to raise with its proper message.
"""

from __future__ import annotations

import threading

#: Provider bindings per stack cloud (see app.stack_location).
PROVIDERS = {"aws": "aws", "gcp": "google-beta"}


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


def start_preload(clouds: set[str]) -> threading.Thread:
    """Start loading the bindings of ``clouds`` ("aws", "gcp"); join the thread before using the engine."""
    providers = {PROVIDERS[cloud] for cloud in clouds if cloud in PROVIDERS}
    thread = threading.Thread(target=_load, args=(providers,), name="siliconfleet-preload", daemon=True)
    thread.start()
    return thread
