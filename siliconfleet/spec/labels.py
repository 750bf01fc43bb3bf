"""AWS-style tags to Google Cloud labels, deterministically, or a clear error.

GCP labels: at most 64; keys 1-63 characters, starting with a lowercase letter, of lowercase
letters, digits, ``_`` and ``-``; values 0-63 characters of the same set. The conversion is fixed
and documented: keys go from CamelCase to snake_case (``CostCenter`` -> ``cost_center``), letters
are lowercased, and every other character outside the set becomes ``_``
(``team@example.com`` -> ``team_example_com``). What cannot be represented that way — a key that
would not start with a letter, anything longer than 63 characters, two tags that would land on the
same label key, more than 64 labels — is an error that says why, never a silent truncation.
"""

from __future__ import annotations

import re

MAX_LABELS = 64
MAX_LEN = 63
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_OUTSIDE = re.compile(r"[^a-z0-9_-]")


def label_key(key: str) -> str:
    return _OUTSIDE.sub("_", _CAMEL.sub("_", key).lower())


def label_value(value: str) -> str:
    return _OUTSIDE.sub("_", value.lower())


def to_labels(tags: dict[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(labels, problems); each problem is (tag key, why it cannot become a label)."""
    labels: dict[str, str] = {}
    origin: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for key, value in tags.items():
        lkey, lvalue = label_key(key), label_value(value)
        if not lkey or not lkey[0].isalpha() or not lkey[0].isascii():
            problems.append((key, f"tag key {key!r} becomes label key {lkey!r}, which does not start with a lowercase letter as GCP requires; rename the tag"))
            continue
        if len(lkey) > MAX_LEN:
            problems.append((key, f"tag key {key!r} is {len(lkey)} characters as a label key; GCP allows {MAX_LEN}: shorten it"))
            continue
        if len(lvalue) > MAX_LEN:
            problems.append((key, f"the value of {key!r} is {len(lvalue)} characters; GCP label values allow {MAX_LEN}: shorten it"))
            continue
        if lkey in origin:
            problems.append((key, f"tag keys {origin[lkey]!r} and {key!r} both become GCP label {lkey!r}; rename one of them"))
            continue
        origin[lkey] = key
        labels[lkey] = lvalue
    if len(labels) > MAX_LABELS:
        problems.append(("", f"{len(labels)} labels; GCP allows at most {MAX_LABELS}: drop some extra tags"))
    return labels, problems
