"""`saferkit init`: the team project works as generated, from data to a valid submission."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from baseline_support import REPO_PARENT, run_cli
from saferkit.ethics import declared_ids
from saferkit.evaluation.submission import load_submission, schema_problems, submission_schema


def _python(args, cwd):
    env = {**os.environ, "PYTHONPATH": REPO_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=900)


def test_init_writes_an_explained_template_with_every_field(tmp_path):
    result = run_cli("init", str(tmp_path / "Team Blue!"))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "Team Blue!"
    assert sorted(p.name for p in project.iterdir()) == [".gitignore", "README.md", "submission.yaml", "train.py"]
    text = (project / "submission.yaml").read_text()
    template = yaml.safe_load(text)
    assert set(template) == set(submission_schema()["properties"])  # every field, explained below
    assert schema_problems(template) == []
    assert template["name"] == "team-blue"
    assert set(template["ethics"]) == set(declared_ids())
    from saferkit.ethics import declared_questions

    for question in declared_questions():  # the questions come from the ethics package, not a copy
        assert f"# {question.id}: {question.title}" in text
    readme = (project / "README.md").read_text()
    for step in ("saferkit data synth", "python train.py train", "python train.py export",
                 "saferkit submission check", "saferkit evaluate", "saferkit ethics check"):
        assert step in readme

    again = run_cli("init", str(project))
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_generated_project_trains_and_exports_a_valid_submission(tmp_path, tiny_data):
    assert run_cli("init", str(tmp_path / "team")).returncode == 0
    project = tmp_path / "team"
    trained = _python(["train.py", "train", str(tiny_data), "--out", "runs/first", "--epochs", "2",
                       "--img-size", "32", "--batch-size", "16", "--workers", "0"], cwd=project)
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert (project / "runs/first/run.json").is_file() and (project / "runs/first/mlflow.db").is_file()

    exported = _python(["train.py", "export", "runs/first", "--out", "submission"], cwd=project)
    assert exported.returncode == 0, exported.stderr[-2000:]
    submission = load_submission(project / "submission")
    manifest = submission.manifest
    assert manifest["name"] == "team" and manifest["team"]["contact"] == "team@example.org"
    assert manifest["model_card"]["intended_use"].startswith("TODO")  # the team's own text, still to write
    assert set(manifest["ethics"]) == set(declared_ids())
    assert manifest["input"]["height"] == 32 and 0 < manifest["operating_point"]["threshold"] <= 1

    checked = run_cli("submission", "check", str(project / "submission"))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    wrong = _python(["train.py", "export", "runs/missing", "--out", "other"], cwd=project)
    assert wrong.returncode != 0 and "runs/missing is not a folder" in wrong.stderr
    assert "Traceback" not in wrong.stderr
