"""Fixtures of the review tests (builders.py has the helpers they use).

Synthesis costs seconds (jsii), so the two real synth outputs (the base and the pull request of
tests/review/fixtures/) are built once per session, by the very commands of the example CI
workflow (examples/ci/review.yml), and shared.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from .builders import FIXTURES, expand, workflow, workflow_commands


def _no_synth(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the review synthesized an output that was up to date")


@pytest.fixture(scope="session")
def ci_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The workflow's commands, in a workspace whose base branch holds fixtures/base.yaml and whose
    pull request holds fixtures/pr.yaml. checkov is left out here (tests/review/test_checkov.py
    runs it): the review's automatic lookup is told there is none."""
    from siliconfleet.cli import main
    from siliconfleet.review import checkov as checkov_mod

    work = tmp_path_factory.mktemp("ci")
    base_dir, pr_dir = work / "runner-temp" / "base", work / "workspace"
    base_dir.mkdir(parents=True)
    pr_dir.mkdir()
    shutil.copy(FIXTURES / "base.yaml", base_dir / "fleet.yaml")
    shutil.copy(FIXTURES / "pr.yaml", pr_dir / "fleet.yaml")
    env = {key: str(value) for key, value in next(iter(workflow()["jobs"].values())).get("env", {}).items()}
    env = {k: v.replace("${{ github.workspace }}", str(pr_dir)) for k, v in env.items()}
    results = []
    mp = pytest.MonkeyPatch()
    mp.setattr(checkov_mod, "find_checkov", lambda cwd=None: None)
    try:
        for name, where, argv in workflow_commands():
            mp.chdir(base_dir if where == "base" else pr_dir)
            args = expand(argv, env)
            if args[1] == "review":  # the pull request was synthesized just before: the review must not synth again
                mp.setattr("siliconfleet.app.synth", _no_synth)
            code = main(args[1:])
            results.append({"step": name, "where": where, "argv": args, "exit": code})
    finally:
        mp.undo()
    return {"work": work, "base_dir": base_dir, "pr_dir": pr_dir, "env": env, "results": results,
            "base_out": Path(env["BASE_OUT"]), "pr_out": pr_dir / env["PR_OUT"]}


@pytest.fixture
def pr_copy(ci_run: dict[str, Any], tmp_path: Path) -> Path:
    """A private copy of the pull request's synth output, free to change."""
    dest = tmp_path / "pr"
    shutil.copytree(ci_run["pr_out"], dest)
    return dest
