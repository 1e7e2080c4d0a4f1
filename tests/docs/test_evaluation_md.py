"""Every command line of docs/evaluation.md, run as written (on a small toy submission a team would bring)."""

from __future__ import annotations

import json
import shutil

import pytest
from docs_runner import DocRun, environment

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def test_every_evaluation_md_command_runs_as_written(tmp_path, toy_submission):
    cwd = tmp_path / "work"
    cwd.mkdir()
    shutil.move(str(toy_submission(folder_name="made")), cwd / "my-submission")  # `my-submission/`: the team's folder
    shutil.make_archive(str(cwd / "my-submission"), "zip", cwd / "my-submission")  # and the same, zipped
    doc = DocRun("docs/evaluation.md", cwd, environment(tmp_path))
    doc.run("saferkit submission check my-submission/")
    assert json.loads(doc.run("saferkit submission check my-submission.zip --json").stdout)["ok"] is True
    doc.run_until("saferkit evaluate plan")
    report = json.loads((cwd / "report" / "report.json").read_text())
    assert report["submission"]["name"] == "toy-red" and "roc_auc" in json.dumps(report["headline"])
    doc.run("saferkit evaluate plan")
    doc.run("saferkit evaluate plan --make-data eval-data --seed 1")
    assert (cwd / "eval-data" / "provenance.json").is_file()
    assert json.loads(doc.run("saferkit evaluate plan --json").stdout)
    (cwd / "reports").mkdir()  # the reports to rank, one folder each
    shutil.copytree(cwd / "report", cwd / "reports" / "toy-red")
    doc.run("saferkit leaderboard reports/*/")
    assert "toy-red" in (cwd / "leaderboard.html").read_text()
    doc.finish()
