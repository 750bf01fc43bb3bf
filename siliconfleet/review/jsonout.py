"""The review as JSON for machines: sorted keys, money in cents, no timestamps."""

from __future__ import annotations

import json
from typing import Any

from .model import HOURS_PER_MONTH, Report, usd

SCHEMA = 1


def report_dict(report: Report) -> dict[str, Any]:
    findings = report.findings
    return {
        "schema": SCHEMA,
        "generator": report.generator,
        "fleet": report.fleet,
        "fleet_sha256": report.fleet_sha256,
        "currency": "USD",
        "hours_per_month": HOURS_PER_MONTH,
        "total_monthly_usd": usd(report.total_monthly_usd),
        "total_max_monthly_usd": usd(report.total_max_monthly_usd),
        "total_one_time_usd": usd(report.total_one_time_usd),
        "unpriced": [{"target": t.name, "reasons": list(t.cost.unpriced)} for t in report.unpriced],
        "stacks": [s.as_dict() for s in report.stacks],
        "targets": [t.as_dict() for t in report.targets],
        "diff": report.diff.as_dict() if report.diff is not None else None,
        "findings": [f.as_dict() for f in findings],
        "finding_counts": {
            "error": len(report.open_findings(("error",))),
            "warning": len(report.open_findings(("warning",))),
            "acknowledged": sum(1 for f in findings if f.acknowledged is not None),
        },
        "unused_acknowledgements": [dict(a) for a in report.unused_acknowledgements],
        "checkov": report.checkov.as_dict(),
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=True) + "\n"
