"""Turn pydantic's validation errors into siliconfleet problems.

Each problem names the field path as a user writes it (``targets[1].instance_type``), the value
received (unless it looks like a secret), what is allowed, and a did-you-mean for near misses.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem
from .secrets import looks_secret

Loc = tuple[str | int, ...]


def format_path(parts: Loc) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def show(value: Any) -> str:
    """A short, safe rendering of a received value."""
    if looks_secret(value):
        return "a value that looks like a credential (not shown)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def suggest(value: Any, allowed: list[str]) -> str:
    if not isinstance(value, str) or not allowed:
        return ""
    lowered = {a.lower(): a for a in allowed}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    if not close:
        # prefix matches catch abbreviations such as 'inf2.8xl'
        close = [a for a in lowered if a.startswith(value.lower())][:1]
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


# ---------------------------------------------------------------------------------------------
# Walking the models along an error location


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes, Literal types and containers an annotation may hold, flattened."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                out.extend(_unwrap(arg))
        return out
    return [annotation]


def _step(node: Any, part: str | int) -> tuple[Any, bool]:
    """Follow one location element from ``node``; returns (next node, element was a union tag)."""
    candidates = _unwrap(node)
    for cand in candidates:
        origin = typing.get_origin(cand)
        if isinstance(part, int) and origin in (list, tuple):
            return typing.get_args(cand)[0], False
        if origin is dict and isinstance(part, str):
            return typing.get_args(cand)[1], False
    if isinstance(part, str):
        models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        for model in models:
            if part in model.model_fields:
                return model.model_fields[part].annotation, False
        for model in models:
            tag = model.model_fields.get("kind") or model.model_fields.get("type")
            if tag is not None and part in typing.get_args(tag.annotation):
                return model, True
    return None, False


def _resolve(root: type[BaseModel], loc: Loc) -> tuple[Loc, Any]:
    """The user-facing path (union tags and validator names removed) and the annotation at its parent."""
    node: Any = root
    path: list[str | int] = []
    parent: Any = root
    for part in loc:
        if isinstance(part, str) and ("[" in part and "]" in part and "(" in part):
            continue  # validator names such as 'function-after[...]'
        parent = node
        node, was_tag = _step(node, part) if node is not None else (None, False)
        if was_tag:
            continue
        path.append(part)
    return tuple(path), parent


def _model_fields(annotation: Any) -> list[str]:
    for cand in _unwrap(annotation):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return list(cand.model_fields)
    return []


def _literals(annotation: Any) -> list[str]:
    out: list[str] = []
    for cand in _unwrap(annotation):
        if typing.get_origin(cand) is typing.Literal:
            out.extend(str(a) for a in typing.get_args(cand))
    return out


def _input_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# ---------------------------------------------------------------------------------------------


def problems_from_validation(exc: ValidationError, root: type[BaseModel], data: Any = None) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        kind = err["type"]
        ctx = err.get("ctx") or {}
        value = err.get("input")
        is_key = bool(loc) and loc[-1] == "[key]"
        if is_key:
            loc = loc[:-1]
        path, parent = _resolve(root, loc)
        where = format_path(path)

        if kind == "sf_fields":
            problems.extend(Problem(_join(where, sub), message) for sub, message in ctx["problems"])
            continue
        if kind == "missing":
            msg = "is required but missing; add it"
        elif kind == "extra_forbidden":
            allowed = _model_fields(parent)
            msg = "unknown key"
            if allowed:
                msg += f"; allowed keys here: {', '.join(allowed)}{suggest(path[-1], allowed)}"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            field = str(ctx.get("discriminator", "kind")).strip("'")
            where = _join(where, field)
            if kind == "union_tag_not_found":
                msg = f"is required but missing; every entry here needs a {field}"
            else:
                tags = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
                msg = f"{show(ctx.get('tag'))} is not a known {field}; allowed: {', '.join(tags)}{suggest(ctx.get('tag'), tags)}"
        elif kind == "sf_choice":
            msg = f"{show(value)} is not a known {ctx['what']}; allowed: {ctx['allowed_text']}{suggest(value, ctx['allowed'])}"
        elif kind == "literal_error":
            allowed = _literals(_annotation_at(root, loc))
            msg = f"{show(value)} is not allowed; allowed: {', '.join(allowed) or ctx.get('expected')}{suggest(value, allowed)}"
        elif kind.startswith("sf_"):
            msg = err["msg"]
            if looks_secret(value):
                msg = msg.replace(repr(value), "a value that looks like a credential (not shown)")
        else:
            shown = show(value if value is not None or data is None else _input_at(data, loc))
            msg = f"{err['msg'][0].lower()}{err['msg'][1:]}; got {shown}"
            if kind == "string_type" and isinstance(value, (int, float, bool)):
                msg += " (YAML read it as a number or boolean: put it in quotes)"
        if is_key and not msg.startswith("tag key"):
            msg = f"key {msg}"
        problems.append(Problem(where, msg))
    return problems


def _join(path: str, sub: str) -> str:
    if not path:
        return sub
    return f"{path}{sub}" if sub.startswith("[") else f"{path}.{sub}"


def _annotation_at(root: type[BaseModel], loc: Loc) -> Any:
    node: Any = root
    for part in loc:
        if node is None:
            return None
        if isinstance(part, str) and "[" in part and "(" in part:
            continue
        node, _ = _step(node, part)
    return node
