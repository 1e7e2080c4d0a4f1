"""The one report.json reader: the exact bytes' digest, the schema enforced, and every consumer using it."""

from __future__ import annotations

import hashlib
import json

import pytest

from saferkit.core.errors import UserError
from saferkit.evaluation.evaluate import EvaluationConfig, evaluate
from saferkit.evaluation.report import REPORT_FILE, Report, ReportInvalid, read_report

FAST = dict(bootstrap_resamples=100, robustness=False, efficiency=False, intersections=False)


@pytest.fixture
def written(make_submission, make_data, tmp_path):
    submission = make_submission()
    result = evaluate(submission, make_data(), tmp_path / "report", EvaluationConfig(**FAST))
    return submission, result.out


def test_a_written_report_reads_back_with_the_digest_of_its_bytes(written):
    _, folder = written
    from_folder, from_file = read_report(folder), read_report(folder / REPORT_FILE)
    assert isinstance(from_folder, Report) and from_folder.data == from_file.data
    assert from_folder.sha256 == hashlib.sha256((folder / REPORT_FILE).read_bytes()).hexdigest()
    assert from_folder.raw == (folder / REPORT_FILE).read_bytes()
    assert from_folder.submission_sha256 == from_folder.data["submission"]["sha256"]
    assert from_folder.metric("auc") == from_folder.data["headline"]["roc_auc"]


def test_a_report_off_the_schema_is_refused_with_its_problems(written, tmp_path):
    _, folder = written
    data = json.loads((folder / REPORT_FILE).read_text())
    del data["headline"]["pr_auc"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(ReportInvalid) as caught:
        read_report(broken)
    assert any("pr_auc" in problem for problem in caught.value.problems)
    with pytest.raises(UserError, match="does not exist"):
        read_report(tmp_path / "missing.json")


def test_the_publishing_gate_refuses_a_report_off_the_schema(written, tmp_path):
    from saferkit.hub_plugin.gate import NotPublishable, check_publishable

    submission, folder = written
    data = json.loads((folder / REPORT_FILE).read_text())
    data["sections_invalid"] = "none"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(NotPublishable) as caught:
        check_publishable(submission, broken, tmp_path / "scorecard.json")
    assert caught.value.check == "report-schema"


def test_one_session_per_provider(make_submission):
    from saferkit.evaluation.runner import CUDA, available_providers
    from saferkit.evaluation.sessions import ModelSessions
    from saferkit.evaluation.submission import load_submission

    sessions = ModelSessions(load_submission(make_submission()))
    timed = sessions.timed_providers()
    assert sessions.model("cpu") is timed["cpu"] and sessions.model("cpu") is sessions.model("cpu")
    if CUDA not in available_providers():  # "auto" is the CPU session here: scoring and timing share it
        assert sessions.model("auto") is timed["cpu"] and sessions.sessions_opened == 1
    else:
        assert sessions.model("auto") is timed["cuda"] and sessions.sessions_opened == 2
