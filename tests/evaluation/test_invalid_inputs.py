"""Every bad input gives a clear error or a section marked invalid: never a crash, never a silent number."""

from __future__ import annotations


import pytest

from saferkit.core.errors import UserError
from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

FAST = dict(bootstrap_resamples=100, robustness=False, efficiency=False, intersections=False)


def _evaluate(submission, data, out, **changes):
    return evaluate(submission, data, out, EvaluationConfig(**{**FAST, **changes}))


@pytest.mark.parametrize(
    "model_args, output_changes, expected",
    [
        (dict(extra="nan"), {}, "NaN"),
        (dict(kind="logits", weights_bias=[5, 0]), {}, "probabilities"),
        (dict(outputs=3), {}, "labels"),
    ],
    ids=["nan-output", "not-probabilities", "wrong-shape"],
)
def test_bad_model_outputs_are_refused_and_nothing_is_written(kit, make_submission, make_data, tmp_path, model_args, output_changes, expected):
    args = dict(model_args)
    bias = args.pop("weights_bias", [0] * args.get("outputs", 2))
    outputs = args.get("outputs", 2)
    weights = [[0.0] * outputs, [0.0] * outputs, [1.0] * outputs] if outputs != 2 else kit.BLUE_WEIGHTS
    submission = make_submission(kit.colour_model(weights, bias, **args))
    with pytest.raises(UserError, match=expected):
        _evaluate(submission, make_data(), tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_data_without_provenance_is_refused(make_submission, make_data, tmp_path):
    with pytest.raises(UserError, match="provenance"):
        _evaluate(make_submission(), make_data(provenance=False), tmp_path / "report")


def test_data_without_a_test_split_is_refused(make_submission, make_data, tmp_path):
    with pytest.raises(UserError, match="no 'test' split"):
        _evaluate(make_submission(), make_data(train=(10, 10)), tmp_path / "report")


@pytest.mark.parametrize("counts, which", [((20, 0), "positives"), ((0, 20), "negatives")])
def test_single_class_test_split_is_refused(make_submission, make_data, tmp_path, counts, which):
    with pytest.raises(UserError, match=f"only {which}"):
        _evaluate(make_submission(), make_data(test=counts), tmp_path / "report")


def test_an_invalid_submission_lists_its_problems(kit, make_submission, make_data, tmp_path):
    submission = make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [0, 0], extra="custom-domain"))
    with pytest.raises(UserError, match="non-standard operator domain"):
        _evaluate(submission, make_data(), tmp_path / "report")


def test_nan_under_one_transform_marks_only_that_robustness_row_invalid(kit, make_submission, make_data, tmp_path):
    submission = make_submission(kit.colour_model(kit.BLUE_WEIGHTS, [0, 0], extra="dark-nan"))
    result = _evaluate(submission, make_data(), tmp_path / "report", robustness=True, transforms=("brightness", "jpeg"), severities=(5,))
    rows = {r["transform"]: r for r in result.report["robustness"]["rows"]}
    assert rows["brightness"]["valid"] is False and "NaN" in rows["brightness"]["reason"]
    assert "roc_auc" not in rows["brightness"]
    assert rows["jpeg"]["valid"] is True and rows["jpeg"]["roc_auc"] > 0.9
    assert any(s["section"] == "robustness/brightness/5" for s in result.report["sections_invalid"])
    assert any(s["section"] == "robustness" for s in result.report["sections_invalid"])  # the gate must not read it as robust
    assert "invalid" in (tmp_path / "report" / "report.md").read_text()


def test_existing_report_folder_needs_overwrite(make_submission, make_data, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="--overwrite"):
        _evaluate(make_submission(), make_data(), out)
    assert (out / "keep.txt").read_text() == "mine"


def test_a_file_as_report_folder_is_refused(make_submission, make_data, tmp_path):
    (tmp_path / "report.txt").write_text("x")
    with pytest.raises(UserError, match="is a file"):
        _evaluate(make_submission(), make_data(), tmp_path / "report.txt")


def test_too_few_resamples_is_refused(make_submission, make_data, tmp_path):
    with pytest.raises(UserError, match="resamples"):
        _evaluate(make_submission(), make_data(), tmp_path / "r", bootstrap_resamples=10)


def test_private_report_holds_no_file_names_or_per_item_scores(make_submission, make_data, tmp_path):
    data = make_data()
    result = _evaluate(make_submission(), data, tmp_path / "report", private=True)
    files = {p.name for p in (tmp_path / "report").iterdir()}
    assert "scores.csv" not in files and {"report.json", "report.html", "report.md"} <= files
    for name in ("report.json", "report.html", "report.md"):
        text = (tmp_path / "report" / name).read_text()
        assert "images/test_" not in text and "test_0001.png" not in text and str(data) not in text
    assert result.report["private"] is True and result.report["headline"]["roc_auc"]["value"] == 1.0


def test_cli_reports_user_errors_in_one_line(make_submission, make_data, run_cli, tmp_path):
    done = run_cli("evaluate", str(make_submission()), "--data", str(make_data(provenance=False)), "--out", str(tmp_path / "r"), "--no-robustness", "--no-efficiency")
    assert done.returncode == 2
    assert "provenance" in done.stderr and "Traceback" not in done.stderr
