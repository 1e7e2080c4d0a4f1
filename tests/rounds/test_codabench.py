"""`saferkit round export --to codabench`: a bundle that passes the v2 unpacker's rules, whose scoring program runs the kit."""

from __future__ import annotations

import pytest

import datetime as dt
import json
import subprocess
import sys
import zipfile

import yaml

from saferkit.rounds.codabench import bundle_problems
from saferkit.rounds.template import round_template


def small_round(tmp_path):
    data = yaml.safe_load(round_template("export-test", "Export test", dt.date(2027, 1, 10)))
    for phase in ("development", "final"):
        data["phases"][phase]["data"].update(n=40, size=32)
    data["ranking"]["resamples"] = 100
    (tmp_path / "round.yaml").write_text(yaml.safe_dump(data))
    return tmp_path / "round.yaml"


@pytest.mark.slow
def test_export_writes_a_valid_bundle_whose_scoring_program_runs_the_kit(tmp_path, rk, run_cli):
    round_file = small_round(tmp_path)
    for phase in ("development", "final"):
        assert run_cli("round", "make-data", str(round_file), "--phase", phase, "--out", str(tmp_path / "data" / phase), "--workers", "1").returncode == 0
    done = run_cli("round", "export", str(round_file), "--to", "codabench", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "bundle"))
    assert done.returncode == 0, done.stderr
    assert "hidden data" in done.stdout and (tmp_path / "bundle.zip").is_file()
    assert bundle_problems(tmp_path / "bundle") == []
    doc = yaml.safe_load((tmp_path / "bundle" / "competition.yaml").read_text())
    assert [p["name"] for p in doc["phases"]] == ["development", "final"]
    assert doc["phases"][0]["max_submissions_per_day"] == 3 and doc["phases"][1]["max_submissions"] == 20
    assert doc["tasks"][1]["reference_data"] == "reference_data_final.zip"
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        assert {"competition.yaml", "scoring_program.zip", "reference_data_development.zip", "reference_data_final.zip"} <= set(archive.namelist())

    # Run the scoring program as Codabench would: $input holds res/ (the upload) and ref/ (the phase's reference data).
    program, run_input = tmp_path / "program", tmp_path / "input"
    zipfile.ZipFile(tmp_path / "bundle" / "scoring_program.zip").extractall(program)
    zipfile.ZipFile(tmp_path / "bundle" / "reference_data_development.zip").extractall(run_input / "ref")
    rk.write_submission(run_input / "res", rk.WEIGHTS["blue"], name="upload")
    command = yaml.safe_load((program / "metadata.yaml").read_text())["command"]
    assert command == "python3 $program/score.py $input $output"
    subprocess.run([sys.executable, str(program / "score.py"), str(run_input), str(tmp_path / "output")], check=True, timeout=300, capture_output=True)
    scores = json.loads((tmp_path / "output" / "scores.json").read_text())
    assert set(scores) == {c["key"] for c in doc["leaderboards"][0]["columns"]} and 0.0 <= scores["roc_auc"] <= 1.0


def test_bundle_rules_catch_what_codabench_refuses(tmp_path, run_cli):
    round_file = small_round(tmp_path)
    for phase in ("development", "final"):
        run_cli("round", "make-data", str(round_file), "--phase", phase, "--out", str(tmp_path / "data" / phase), "--workers", "1")
    assert run_cli("round", "export", str(round_file), "--data", str(tmp_path / "data"), "--out", str(tmp_path / "b")).returncode == 0
    (tmp_path / "b" / "terms.md").write_text("")
    doc = yaml.safe_load((tmp_path / "b" / "competition.yaml").read_text())
    doc["phases"][1]["start"] = "2027-01-11 00:00"
    del doc["tasks"][0]["scoring_program"]
    (tmp_path / "b" / "competition.yaml").write_text(yaml.safe_dump(doc))
    problems = " | ".join(bundle_problems(tmp_path / "b"))
    assert "terms" in problems and "starts before the previous phase ends" in problems and "no scoring program" in problems
    spec = tmp_path / "spec.yaml"
    run_cli("round", "spec", str(round_file), "--out", str(spec))
    refused = run_cli("round", "export", str(spec), "--data", str(tmp_path / "data"), "--out", str(tmp_path / "c"))
    assert refused.returncode != 0 and "public spec" in refused.stderr
