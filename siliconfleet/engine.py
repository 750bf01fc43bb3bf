"""The one module that imports the CDK engine and provider bindings.

CDK Terrain (``cdktn``) is the default; CDK for Terraform (``cdktf`` 0.21, archived) stays usable
for existing apps. ``SILICONFLEET_ENGINE=cdktn|cdktf`` chooses; without it, cdktn when installed.
Provider bindings are imported per resource module, lazily: ``aws("launch_template")`` imports
only that module with cdktn's lazy bindings (cdktf's bindings import every module at once, which
costs about 20 s; nothing can be done about that from here).

Importing this module starts no Node process; the first use of a CDK class does. Which Node jsii
runs on is settled when the siliconfleet package is imported (see siliconfleet/_node.py), because
importing the ``constructs`` library already starts it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from functools import cache
from types import ModuleType
from typing import Any

from .errors import SiliconfleetError

ENGINES = {
    "cdktn": {"core": "cdktn", "aws": "cdktn_provider_aws", "google-beta": "cdktn_provider_google_beta"},
    "cdktf": {"core": "cdktf", "aws": "cdktf_cdktf_provider_aws", "google-beta": "cdktf_cdktf_provider_google_beta"},
}
INSTALL_HINT = {
    "cdktn": "pip install siliconfleet (CDK Terrain is the default engine)",
    "cdktf": "pip install 'siliconfleet[cdktf]'",
}

def engine_name() -> str:
    """The engine in use: SILICONFLEET_ENGINE if set, else cdktn when installed, else cdktf."""
    wanted = os.environ.get("SILICONFLEET_ENGINE", "").strip().lower()
    if wanted:
        if wanted not in ENGINES:
            raise SiliconfleetError(
                f"SILICONFLEET_ENGINE={wanted!r} is not an engine; allowed: {', '.join(ENGINES)}"
            )
        return wanted
    for name in ENGINES:
        if importlib.util.find_spec(ENGINES[name]["core"]) is not None:
            return name
    raise SiliconfleetError("no CDK engine is installed; " + INSTALL_HINT["cdktn"])


def _import(module: str, engine: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name.split(".")[0]):
            raise SiliconfleetError(
                f"engine {engine!r} needs the package that provides {exc.name!r}; install it: {INSTALL_HINT[engine]}"
            ) from None
        raise


@cache
def core() -> ModuleType:
    """The engine's core module (``cdktn`` or ``cdktf``): App, TerraformStack, Token, Testing..."""
    engine = engine_name()
    return _import(ENGINES[engine]["core"], engine)


@cache
def aws(module: str) -> ModuleType:
    """One module of the AWS provider bindings, e.g. ``aws("launch_template").LaunchTemplate``."""
    engine = engine_name()
    core()
    return _import(f"{ENGINES[engine]['aws']}.{module}", engine)


@cache
def google_beta(module: str) -> ModuleType:
    """One module of the google-beta provider bindings."""
    engine = engine_name()
    core()
    return _import(f"{ENGINES[engine]['google-beta']}.{module}", engine)


def __getattr__(name: str) -> Any:
    """``engine.App``, ``engine.TerraformStack``... resolve on the chosen engine's core module."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(core(), name)
