"""Load a fleet file (YAML or JSON) and report every problem at once, with line numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import Problem, SiliconfleetError
from . import secrets
from .models import TARGET_KINDS, Fleet
from .report import format_path, problems_from_validation

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_fleet(path: str | Path) -> Fleet:
    """Read and validate a fleet file; raises SiliconfleetError listing every problem."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise SiliconfleetError(
            f"fleet file not found; pass --fleet FILE or create {path.name} (the README has an example)", source
        )
    if path.is_dir():
        raise SiliconfleetError("is a folder, not a fleet file; pass the YAML or JSON file itself", source)
    return parse_fleet(path.read_bytes(), source=source, json_syntax=path.suffix.lower() == ".json")


def parse_fleet(raw: bytes | str, source: str = "<fleet>", json_syntax: bool = False) -> Fleet:
    data, lines = parse_document(raw, source, json_syntax)
    return validate_fleet(data, source, lines)


def parse_document(raw: bytes | str, source: str, json_syntax: bool = False) -> tuple[Any, dict[tuple, int]]:
    """The parsed document and a map from each path in it to its 1-based line."""
    if isinstance(raw, bytes):
        if b"\x00" in raw:
            raise SiliconfleetError("is a binary file, not YAML or JSON; pass the fleet file", source)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SiliconfleetError(
                f"is not UTF-8 text (undecodable byte at offset {exc.start}); save it as UTF-8", source
            ) from None
    else:
        text = raw
    if not text.strip():
        raise SiliconfleetError("is empty; a fleet needs fleet, cost_center, owner, environment and targets", source)
    if json_syntax:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SiliconfleetError([Problem("", f"JSON syntax error: {exc.msg} (column {exc.colno})", exc.lineno)], source) from None
        lines = _lines_of_json(text)
    else:
        data, lines = _parse_yaml(text, source)
    if not isinstance(data, dict):
        raise SiliconfleetError(
            f"the top level must be a mapping of keys (fleet, cost_center, ...), not {type(data).__name__}", source
        )
    return data, lines


def validate_fleet(data: dict, source: str = "<fleet>", lines: dict[tuple, int] | None = None) -> Fleet:
    lines = lines or {}
    problems: list[Problem] = []
    secret_paths: set[str] = set()
    for loc, kind in secrets.scan(data):
        where = format_path(loc)
        secret_paths.add(where)
        problems.append(
            Problem(where, f"looks like {kind.name}; keys never belong in a fleet file: {kind.belongs}", _line(lines, loc))
        )
    try:
        fleet = Fleet.model_validate(data)
    except ValidationError as exc:
        found = [p for p in problems_from_validation(exc, Fleet, data) if secrets.redact(p.path) not in secret_paths]
        found += _partial_target_problems(data, found)
        problems += [Problem(p.path, p.message, _line_of_path(lines, p.path)) for p in found]
    else:
        if not problems:
            return fleet
    # belt and braces: no message or path ever repeats a credential, whatever produced it
    problems = [Problem(secrets.redact(p.path), secrets.redact(p.message), p.line) for p in problems]
    raise SiliconfleetError(problems, source)


def _partial_target_problems(data: dict, found: list[Problem]) -> list[Problem]:
    """Cross-field problems of targets whose other fields failed (pydantic skipped their checks)."""
    targets = data.get("targets")
    if not isinstance(targets, list):
        return []
    seen = {(p.path, p.message) for p in found}
    extra: list[Problem] = []
    for i, raw in enumerate(targets):
        prefix = f"targets[{i}]"
        model = TARGET_KINDS.get(raw.get("kind")) if isinstance(raw, dict) else None
        if model is None or not any(p.path.startswith(prefix) for p in found):
            continue
        for sub, message in getattr(model, "partial_problems", lambda _: [])(raw):
            problem = Problem(f"{prefix}.{sub}", message)
            if (problem.path, problem.message) not in seen:
                seen.add((problem.path, problem.message))
                extra.append(problem)
    return extra


# ---------------------------------------------------------------------------------------------


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SiliconfleetError("holds no document; a fleet needs fleet, cost_center, owner, environment and targets", source)
        problems: list[Problem] = []
        lines: dict[tuple, int] = {}
        _walk(node, (), lines, problems)
        if problems:
            raise SiliconfleetError(problems, source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        raise SiliconfleetError([Problem("", f"YAML syntax error: {what}", line)], source) from None
    except yaml.YAMLError as exc:
        raise SiliconfleetError(f"YAML error: {exc}", source) from None
    finally:
        loader.dispose()
    return data, lines


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int], problems: list[Problem]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(format_path((*path, key)), f"duplicate key (first given on line {seen[key]}); keep one", line)
                )
            seen.setdefault(key, line)
            _walk(value_node, (*path, key), lines, problems)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, problems)


def _lines_of_json(text: str) -> dict[tuple, int]:
    """JSON is YAML: reuse the YAML composer for line numbers (best effort)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}
    lines: dict[tuple, int] = {}
    if node is not None:
        _walk(node, (), lines, [])
    return lines


def _line(lines: dict[tuple, int], loc: tuple) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


def _line_of_path(lines: dict[tuple, int], path: str) -> int | None:
    loc: list[str | int] = []
    for chunk in path.replace("]", "").split("."):
        parts = chunk.split("[")
        if parts[0]:
            loc.append(parts[0])
        loc.extend(int(i) for i in parts[1:] if i.isdigit())
    return _line(lines, tuple(loc))
