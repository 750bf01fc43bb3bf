"""Render the jinja2 templates under templates/ (shipped inside the wheel as siliconfleet/templates).

Rendering is strict: an undefined variable is an error, never an empty string. Values that end up
in shell scripts go through the ``sh`` filter (shell quoting).
"""

from __future__ import annotations

import shlex
from functools import cache
from pathlib import Path

import jinja2


def templates_dir() -> Path:
    """siliconfleet/templates in an installed wheel; the repository's templates/ in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("siliconfleet templates not found; reinstall the package")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sh"] = lambda value: shlex.quote(str(value))
    return env


def render(name: str, **context: object) -> str:
    """Render templates/<name> with ``context``; raises jinja2.UndefinedError on a missing variable."""
    return environment().get_template(name).render(**context)
