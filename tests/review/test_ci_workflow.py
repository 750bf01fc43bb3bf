"""examples/ci/review.yml: its siliconfleet commands, run for real (see conftest.ci_run)."""

from __future__ import annotations

import json

import yaml

from siliconfleet.review.markdown import GITHUB_COMMENT_LIMIT

from .builders import WORKFLOW, workflow, workflow_commands


def test_the_workflow_lives_under_examples_ci_not_among_the_fleet_files_the_checkov_gate_reads():
    assert WORKFLOW.is_file()
    examples = WORKFLOW.parent.parent
    for path in [*examples.glob("*.yaml"), *examples.glob("*.yml")]:
        assert "jobs" not in (yaml.safe_load(path.read_text()) or {}), f"{path.name} is a workflow among the fleet files"


def test_the_workflow_synthesizes_base_and_pr_reviews_with_base_and_posts_the_markdown():
    commands = [(where, argv[1]) for _, where, argv in workflow_commands()]
    assert commands == [("base", "synth"), ("pr", "synth"), ("pr", "review"), ("pr", "review")]
    reviews = [argv for _, _, argv in workflow_commands() if argv[1] == "review"]
    for argv in reviews:
        assert argv[argv.index("--base") + 1] == "$BASE_OUT"
        assert argv[argv.index("--out") + 1] == "$PR_OUT"
    assert {argv[argv.index("--format") + 1] for argv in reviews} == {"markdown", "json"}
    steps = next(iter(workflow()["jobs"].values()))["steps"]
    post = next(s for s in steps if "gh pr comment" in s.get("run", ""))
    assert "--body-file review.md" in post["run"]
    assert workflow()["permissions"]["pull-requests"] == "write"
    assert any("exit" in s.get("run", "") and "steps.review.outputs.status" in s["run"] for s in steps)


def test_every_command_of_the_workflow_succeeds(ci_run):
    assert [(r["step"], r["exit"]) for r in ci_run["results"]] == [
        ("Synthesize the base branch", 0),
        ("Synthesize the pull request", 0),
        ("Review against the base", 0),  # the one finding (SF-COST-001) is acknowledged in pr.yaml
        ("Review against the base", 0),
    ]


def test_the_comment_and_the_json_report_are_written(ci_run):
    markdown = (ci_run["pr_dir"] / "review.md").read_text()
    assert markdown.startswith("## siliconfleet review: `review-demo`")
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    report = json.loads((ci_run["pr_dir"] / "review.json").read_text())
    diff = report["diff"]
    assert [d["name"] for d in diff["added"]] == ["chat-8b-west"]
    assert diff["removed"] == []
    changed = {d["name"]: {f["path"]: (f["base"], f["head"]) for f in d["fields"]} for d in diff["changed"]}
    assert changed == {"chat-8b": {"instance_type": ("inf2.8xlarge", "inf2.24xlarge"), "max_size": (2, 3)}}
    # by hand: inf2.24xlarge 6.49063 x 730 = 4738.1599; inf2.8xlarge 1.96786 x 730 = 1436.5378
    assert diff["monthly_usd_delta"] == round(6.49063 * 730 - 1.96786 * 730, 2) == 3301.62
    # chat-8b-west is in us-west-2, which the catalog has no price for: its delta is unknown, not zero
    assert diff["added"][0]["monthly_usd_delta"] is None
    assert "us-west-2" in diff["added"][0]["delta_unknown"]
    finding = next(f for f in report["findings"] if f["id"] == "SF-COST-001")
    assert finding["resource"] == "target/chat-8b"
    assert finding["acknowledged"] is True
