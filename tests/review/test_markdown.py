"""The pull-request comment: a readable snapshot, the comment limit, escaping; the JSON's keys.

Refresh the snapshot after an intended change: UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/review/test_markdown.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from siliconfleet.review.core import build_report
from siliconfleet.review.inventory import review_stacks, review_targets
from siliconfleet.review.jsonout import render_json, report_dict
from siliconfleet.review.markdown import GITHUB_COMMENT_LIMIT, TRUNCATED, cell, render_markdown
from siliconfleet.review.model import CheckovSummary, Finding, Report

from .builders import SHOWCASE_KEY, fleet_doc, inf2, output_of, showcase, tpu

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


@pytest.fixture(scope="module")
def showcase_report(tmp_path_factory):
    head, base = showcase(tmp_path_factory.mktemp("showcase"))
    return build_report(head, base)


def test_markdown_snapshot_of_a_pull_request_that_changes_a_bit_of_everything(showcase_report):
    text = render_markdown(showcase_report)
    path = SNAPSHOTS / "showcase.md"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(text)
    assert text == path.read_text(), "the review comment changed: check tests/review/snapshots/showcase.md (UPDATE_SNAPSHOTS=1)"


def test_the_summary_table_comes_first_and_the_details_are_folded(showcase_report):
    text = render_markdown(showcase_report)
    table = text.index("| target | kind | type |")
    assert table < text.index("<details")
    assert text.count("<details") == text.count("</details>") == 4  # findings, diff, cost, inventory
    assert "<details open><summary><b>Findings</b>" in text  # open errors: unfolded
    assert SHOWCASE_KEY not in text


def test_the_showcase_says_what_a_reviewer_needs(showcase_report):
    text = render_markdown(showcase_report)
    assert "**+$10,890.14/month** against the base" in text  # 931.63 (groq) + 10512 (tpu) - 553.49 (legacy) + 0 (chat-8b)
    assert ":grey_question: **2 unpriced**" in text and "never as zero" in text
    assert "acknowledged: public demo endpoint behind Cloud Armor" in text
    assert "- SF-EC2-001 `showcase-aws-eu-west-1/*`: old bastion, removed in PR 42" in text  # unused acknowledgement
    assert "| inf2.8xlarge on-demand, us-east-1 | $1.96786 | instance-hour | 2026-11-01 | instances.vantage.sh" in text
    assert "TPU v5e on-demand, us-central1 (UNVERIFIED) | $1.20 | chip-hour | 2026-11-01" in text


def big_report(n: int) -> Report:
    fleet = fleet_doc(*[inf2(f"t{i:04d}") if i % 2 else tpu(f"t{i:04d}") for i in range(n)])
    out = output_of(fleet)
    targets = review_targets(out, with_docs=False)
    findings = tuple(Finding("SF-NET-001", "error", f"s-t{i:04d}/aws_security_group.sg", "allows port 22 from 0.0.0.0/0")
                     for i in range(n))
    return Report("big", "f" * 64, "siliconfleet 0.1.0", targets, review_stacks(out, targets), findings, None,
                  CheckovSummary(ran=False, reason="turned off (--checkov off)"))


def test_a_report_too_long_for_a_comment_is_shortened_with_a_note():
    report = big_report(600)
    full = render_markdown(report, limit=10**9)
    assert len(full) > GITHUB_COMMENT_LIMIT
    text = render_markdown(report)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert TRUNCATED.strip() in text
    assert text.startswith("## siliconfleet review: `big`")
    assert "| **total** |" in text  # the summary table keeps its total row
    assert "not shown: the comment would exceed GitHub's 65,536-character limit" in text
    # the inventory loses rows before the findings, and the findings before the summary table
    inventory = text[text.index("<b>Inventory</b>"):]
    assert "| `s-t0000` |" not in inventory
    assert text.count(":x: error") > 0 and text.count("| `t0") > 0
    assert text.endswith("`siliconfleet review --format json` for machines</sub>\n")


def test_a_tight_limit_cuts_the_summary_table_last():
    text = render_markdown(big_report(50), limit=6000)
    assert len(text) <= 6000
    assert "| `t0000` |" in text  # the first summary rows survive
    assert "<b>Findings</b>" in text and "<b>Inventory</b>" in text  # every section keeps its frame


def test_a_report_that_fits_is_not_marked_as_shortened(showcase_report):
    assert TRUNCATED.strip() not in render_markdown(showcase_report)


def test_cells_escape_pipes_newlines_and_html():
    assert cell("a|b\nc <redacted> & d") == "a\\|b c &lt;redacted&gt; &amp; d"


def test_the_json_report_has_the_documented_fields(showcase_report):
    doc = json.loads(render_json(showcase_report))
    assert doc["total_monthly_usd"] == 19683.95  # 2873.08 (chat-8b) + 2794.88 (groq) + 14016 (tpu)
    for target in doc["targets"]:
        assert {"name", "kind", "monthly_usd", "unpriced"} <= set(target)
    unpriced = {t["name"]: t["unpriced"] for t in doc["targets"]}
    assert unpriced == {"chat-8b": False, "eval-block": True, "groq-70b": False, "chat-70b-west": True, "tpu-qwen": False}
    assert next(t for t in doc["targets"] if t["name"] == "eval-block")["monthly_usd"] is None
    assert {"monthly_usd_delta", "added", "removed", "changed"} <= set(doc["diff"])
    assert doc["diff"]["monthly_usd_delta"] == 10890.14
    for finding in doc["findings"]:
        assert {"id", "level", "resource", "message"} <= set(finding)
    assert doc["finding_counts"] == {"error": 4, "warning": 2, "acknowledged": 1}
    assert doc["total_one_time_usd"] is None  # the Capacity Block purchase is unpriced
    assert report_dict(showcase_report) == doc
