"""The cost-center check of ``siliconfleet/constructs/tagging.py``, without the CDK engine.

``check_cost_center_tags`` asks ``taggable(type)`` whether a resource type takes tags (or
labels), and ``taggable`` answers by importing the provider bindings through
``siliconfleet.engine``. Importing the module at all runs ``siliconfleet/constructs/__init__.py``,
which imports every construct and with them jsii and the CDK: seconds of start-up, and a Node
process, for a review that only reads JSON.

So the review reads the same answer another way. It executes tagging.py's own code as a private
module (not registered in ``sys.modules``, so nothing else sees it) whose ``engine`` is
:class:`BindingSources`: ``aws(module)`` and ``google_beta(module)`` return the outline of the
binding module read from its source file, each class with the names of the methods it defines.
``taggable`` then runs unchanged: same class-name match, same ``hasattr(cls, "tags_input")``. The
check, the resource walk and the messages are tagging.py's, not a copy; when the real module is
already imported (the review synthesized first, so the engine is loaded anyway) it is used as is.
A test compares the two answers for every resource type of the example stacks.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

#: Binding packages, in the order siliconfleet.engine prefers them (SILICONFLEET_ENGINE=cdktf flips it).
BINDINGS = {
    "aws": ("cdktn_provider_aws", "cdktf_cdktf_provider_aws"),
    "google-beta": ("cdktn_provider_google_beta", "cdktf_cdktf_provider_google_beta"),
}
TAGGING_SOURCE = Path(__file__).resolve().parent.parent / "constructs" / "tagging.py"
REAL_MODULE = "siliconfleet.constructs.tagging"

_CLASS = re.compile(r"^class (\w+)\(", re.M)
_METHOD = re.compile(r"^    def (\w+)\(", re.M)


@cache
def _package_dir(provider: str) -> Path | None:
    names = BINDINGS[provider]
    if os.environ.get("SILICONFLEET_ENGINE", "").strip().lower() == "cdktf":
        names = tuple(reversed(names))
    for name in names:
        spec = importlib.util.find_spec(name)  # a top-level name: located, not imported
        if spec is not None and spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations)))
    return None


@cache
def binding_outline(provider: str, module: str) -> ModuleType:
    """The classes of one binding module, each with the methods its body defines, read from source.

    ImportError when the module does not exist, as importing it would raise.
    """
    package = _package_dir(provider)
    source = package / module / "__init__.py" if package else None
    if source is None or not re.fullmatch(r"\w+", module) or not source.is_file():
        raise ImportError(f"no {provider} binding module {module!r}")
    text = source.read_text(encoding="utf-8")
    outline = ModuleType(f"outline:{provider}:{module}")
    starts = [(m.start(), m.group(1)) for m in _CLASS.finditer(text)]
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        methods = set(_METHOD.findall(text, start, end))
        setattr(outline, name, type(name, (), dict.fromkeys(methods)))
    return outline


class BindingSources:
    """Stands in for siliconfleet.engine where tagging.py uses it: ``aws`` and ``google_beta``."""

    @staticmethod
    def aws(module: str) -> ModuleType:
        return binding_outline("aws", module)

    @staticmethod
    def google_beta(module: str) -> ModuleType:
        return binding_outline("google-beta", module)


@cache
def _private_tagging() -> ModuleType:
    # A sibling name one level below siliconfleet, like constructs.tagging, so that its relative
    # imports (from .. import engine) resolve as they do in the package; registered because
    # dataclasses look their module up in sys.modules while the class is built.
    name = "siliconfleet.review._tagging_from_sources"
    spec = importlib.util.spec_from_file_location(name, TAGGING_SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    module.engine = BindingSources()
    return module


def tagging_module() -> ModuleType:
    """tagging.py: the imported one when the engine is loaded already, else the private engine-free one."""
    return sys.modules.get(REAL_MODULE) or _private_tagging()


def check_cost_center_tags(doc: dict[str, Any]) -> list[Any]:
    """``constructs.tagging.check_cost_center_tags(doc)``: every resource that would be created without CostCenter."""
    return tagging_module().check_cost_center_tags(doc)


def taggable(resource_type: str) -> bool:
    return tagging_module().taggable(resource_type)
