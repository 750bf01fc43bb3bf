"""One result model for every preflight check, whatever the cloud.

A check is ``ok``, ``insufficient`` or ``unknown``. ``unknown`` means the check could not run
(an API failed, access was denied, credentials are missing): it carries the reason and is never
reported as ``ok`` or as a quota of 0. Every result carries its evidence (which API, where,
the figures it saw and when) and, when something must change, a fix.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Exit codes of ``siliconfleet preflight`` (2, bad input, comes from SiliconfleetError in cli.main).
EXIT_OK = 0
EXIT_INSUFFICIENT = 1
EXIT_BAD_INPUT = 2
EXIT_UNKNOWN = 3

#: aws, gcp, fleet, or a hosted API's provider (groq...: its catalog name).
Cloud = str


class Status(str, Enum):
    OK = "ok"
    INSUFFICIENT = "insufficient"
    UNKNOWN = "unknown"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Frozen):
    """What a check looked at: the API, where (region, AZ or zone), the figures it saw, and when."""

    api: str = Field(description="Service and operation, for example 'ec2:DescribeInstanceTypeOfferings'.")
    location: str = Field(description="Region, availability zone or zone the call was about ('global' if none).")
    figures: dict[str, Any] = Field(default_factory=dict)
    at: datetime = Field(default_factory=utcnow, description="When the answer was received (UTC).")


class CheckResult(_Frozen):
    target: str
    cloud: Cloud
    check: str = Field(description="offering, quota-on-demand, quota-spot, capacity, spot-score, tpu-*, <provider>-model, <provider>-rate-limits.")
    status: Status
    summary: str = Field(description="One line: what was found, with the figures; for unknown, why the check could not run.")
    evidence: tuple[Evidence, ...] = ()
    fix: str | None = Field(None, description="What to do when the check is not ok: a command where one exists.")
    warnings: tuple[str, ...] = Field((), description="Things to know that do not fail the check (a reservation ending soon).")


def ok(target: str, cloud: Cloud, check: str, summary: str, evidence=(), warnings=()) -> CheckResult:
    return CheckResult(target=target, cloud=cloud, check=check, status=Status.OK, summary=summary,
                       evidence=tuple(evidence), warnings=tuple(warnings))


def insufficient(target: str, cloud: Cloud, check: str, summary: str, fix: str, evidence=(), warnings=()) -> CheckResult:
    return CheckResult(target=target, cloud=cloud, check=check, status=Status.INSUFFICIENT, summary=summary,
                       fix=fix, evidence=tuple(evidence), warnings=tuple(warnings))


def unknown(target: str, cloud: Cloud, check: str, reason: str, fix: str | None = None, evidence=()) -> CheckResult:
    return CheckResult(target=target, cloud=cloud, check=check, status=Status.UNKNOWN, summary=reason,
                       fix=fix, evidence=tuple(evidence))


class Report(_Frozen):
    """Every check of a fleet, the environment-level notes, and the API calls made."""

    fleet: str
    results: tuple[CheckResult, ...]
    notes: tuple[str, ...] = Field((), description="Environment-level lines (missing credentials, a disabled API), one each.")
    api_calls: dict[str, int] = Field(
        default_factory=dict, description="Calls per 'service:Operation@location' (pages of one listing count once each)."
    )
    attempts: dict[str, int] = Field(default_factory=dict, description="HTTP attempts per 'service:Operation@location', retries included.")

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 something insufficient, 3 something unknown and nothing insufficient."""
        if self.count(Status.INSUFFICIENT):
            return EXIT_INSUFFICIENT
        if self.count(Status.UNKNOWN):
            return EXIT_UNKNOWN
        return EXIT_OK

    def summary_line(self) -> str:
        n = len(self.results)
        return (
            f"{n} check{'s' if n != 1 else ''}: {self.count(Status.OK)} ok, {self.count(Status.INSUFFICIENT)} insufficient, "
            f"{self.count(Status.UNKNOWN)} unknown; {sum(self.api_calls.values())} API calls -> exit {self.exit_code}"
        )

    def to_json(self) -> str:
        doc = {
            "fleet": self.fleet,
            "exit_code": self.exit_code,
            "summary": {s.value: self.count(s) for s in Status},
            "notes": list(self.notes),
            "results": [r.model_dump(mode="json") for r in self.results],
            "api_calls": dict(sorted(self.api_calls.items())),
            "attempts": dict(sorted(self.attempts.items())),
        }
        return json.dumps(doc, indent=2)

    def render_table(self) -> str:
        rows = [(r.target, r.check, r.status.value, r.summary) for r in self.results]
        heads = ("TARGET", "CHECK", "STATUS", "DETAIL")
        widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(heads[:3])]
        indent = " " * (sum(widths) + 2 * 3)

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells[:3], widths, strict=True)) + "  " + cells[3]

        out = [line(heads)]
        for result, row in zip(self.results, rows, strict=True):
            out.append(line(row))
            for warning in result.warnings:
                out.append(f"{indent}warning: {warning}")
            if result.fix and result.status is not Status.OK:
                out.append(f"{indent}fix: {result.fix}")
        out.append("")
        out.append(self.summary_line())
        return "\n".join(out)
