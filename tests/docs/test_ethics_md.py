"""Every command line of docs/ethics.md, run as written (the report and the review a team and a reviewer bring)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from docs_runner import DocRun, environment, run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ethics"))

from ethics_cases import full_review, good_manifest_overrides, make_report, write_report  # noqa: E402

from saferkit.evaluation.submission import load_submission  # noqa: E402

pytestmark = pytest.mark.slow


def judged_submission(toy_submission, target: Path, report_folder: Path, review: Path) -> None:
    """A submission at `target`, its evaluation report and a reviewer's passing answers."""
    made = toy_submission(folder_name=f"made-{target.name}", **good_manifest_overrides())
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(made), target)
    sha = load_submission(target).sha256
    write_report(report_folder, make_report(sha))
    review.parent.mkdir(parents=True, exist_ok=True)
    review.write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")


def test_every_ethics_md_command_runs_as_written(tmp_path, toy_submission):
    cwd = tmp_path / "work"
    cwd.mkdir()
    env = environment(tmp_path)
    judged_submission(toy_submission, cwd / "submissions" / "team-7", cwd / "eval" / "team-7", cwd / "reviews" / "team-7.yaml")
    judged_submission(toy_submission, cwd / "submission", cwd / "eval", cwd / "review.yaml")
    for name in ("lab", "reviewer"):  # "The evaluator makes a key once with `saferkit hub keygen --out lab.pem`"
        assert run(f"saferkit hub keygen --out {name}.pem", cwd, env).returncode == 0
    doc = DocRun("docs/ethics.md", cwd, env)
    doc.run("saferkit ethics template > ethics-answers.yaml")
    assert "ethics:" in (cwd / "ethics-answers.yaml").read_text()
    doc.run("saferkit ethics template --out ethics-answers.yaml")
    doc.run("saferkit ethics check submissions/team-7")
    assert json.loads((cwd / "scorecards" / "team-7" / "scorecard.json").read_text())["qualified"] is True
    doc.run("saferkit ethics check submission --report eval/report.json --review review.yaml --out card --key lab.pem")
    assert (cwd / "card" / "attestation.json").is_file()
    doc.run("saferkit ethics sign-review review.yaml")
    assert (cwd / "review.yaml.sig").is_file()
    doc.finish()
