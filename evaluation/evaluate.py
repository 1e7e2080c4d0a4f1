"""`saferkit evaluate`: score a submission on a permitted data set and write the report.

Order of work: check the submission (every problem listed, nothing runs on an
invalid one), load the data through the provenance gate, open the model once
per provider (efficiency is timed on that session before any image is loaded),
score the test split, compute every section (sections/) with stratified seeded
bootstrap intervals, then write report.json/html/md into a temporary folder that
is renamed into place, and record the run in MLflow. A section that cannot be
computed is listed under `sections_invalid` with the reason; it never holds a
made-up number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from saferkit.core.errors import UserError
from saferkit.evaluation.config import DEFAULT_SEVERITIES, EvaluationConfig, Progress
from saferkit.evaluation.report import REPORT_FILE
from saferkit.evaluation.report_files import REPORT_HTML, REPORT_MD, SCORES_CSV
from saferkit.evaluation.sections.about import software_versions

__all__ = ["DEFAULT_SEVERITIES", "REPORT_FILE", "REPORT_HTML", "REPORT_MD", "SCORES_CSV", "EvaluationConfig", "EvaluationResult", "Progress", "evaluate", "software_versions"]
MIN_RESAMPLES = 100


@dataclass
class EvaluationResult:
    out: Path
    report: dict[str, Any]
    mlflow_run_id: str | None = None
    invalid: list[dict[str, str]] = field(default_factory=list)
    sessions_opened: int = 0  # onnxruntime sessions for the whole evaluation, the check's included: one per provider


def _refuse_bad_options(out: Path, config: EvaluationConfig) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; choose a folder for the report.")
    if out.exists() and any(out.iterdir()) and not config.overwrite:
        raise UserError(f"{out} already holds files; pass --overwrite or choose another --out.")
    if config.bootstrap_resamples < MIN_RESAMPLES:
        raise UserError(f"--resamples {config.bootstrap_resamples} is too few for a 95% interval; use at least {MIN_RESAMPLES} (1000 recommended).")


def evaluate(submission_path: str | Path, data_dir: str | Path, out: str | Path, config: EvaluationConfig | None = None, progress: Progress | None = None) -> EvaluationResult:
    """Evaluate a submission on a data set's test split and write the report folder."""
    from saferkit.evaluation.bootstrap import BootstrapPlan
    from saferkit.evaluation.check import check_submission
    from saferkit.evaluation.efficiency import Efficiency, peak_memory_mb
    from saferkit.evaluation.report_files import write_report_folder
    from saferkit.evaluation.scoring import default_workers, load_images, score_all
    from saferkit.evaluation.sections.about import SubmissionSection, TestData
    from saferkit.evaluation.sections.accuracy import Accuracy
    from saferkit.evaluation.sections.groups import Bias, Multiclass
    from saferkit.evaluation.sections.report import EvaluationReport
    from saferkit.evaluation.sections.robustness import Robustness
    from saferkit.evaluation.sections.variants import Variants
    from saferkit.evaluation.sessions import ModelSessions
    from saferkit.evaluation.tracking import log_evaluation

    config = config or EvaluationConfig()
    progress = progress or Progress()
    out = Path(out)
    _refuse_bad_options(out, config)

    progress.note("checking the submission")
    memory_before_model = peak_memory_mb()  # the check's smoke run opens the first session
    checked = check_submission(submission_path)
    checked.raise_if_invalid()
    submission = checked.submission
    if submission is None:  # raise_if_invalid let it through, so the check passed: a harness bug, not the user's
        raise RuntimeError(f"the check of {submission_path} passed without loading the submission")
    data = TestData.load(Path(data_dir))
    sessions = ModelSessions(submission, threads=1)
    sessions.adopt(checked.model, "cpu")  # the check's smoke run opened it: CPU, one thread, as scoring uses
    model = sessions.model(config.provider)
    model_bytes = len(submission.model_bytes)
    if config.efficiency:
        progress.note("efficiency")
        efficiency = Efficiency.measure(model_bytes, checked.info.get("parameters"), sessions.timed_providers(), config.workers or default_workers(), memory_before_model)
    else:
        efficiency = Efficiency.skipped(model_bytes)

    progress.start("loading test images", len(data.test))
    images = load_images(list(data.test["abspath"]), on_progress=progress.advance)
    progress.start("scoring test split", len(data.test))
    probabilities = score_all(model, images, batch_size=config.batch_size, workers=config.workers, on_progress=progress.advance)
    scores = model.positive_scores(probabilities).astype(np.float64)

    plan = BootstrapPlan(config.bootstrap_resamples, config.seed, config.confidence)
    progress.note("bootstrap: headline, operating point, calibration")
    accuracy = Accuracy.compute(data.labels, scores, submission.threshold, plan, config.precision_k)
    progress.note("bias")
    bias = Bias.compute(data, scores, submission.threshold, plan, config)
    multiclass = None
    if submission.task == "multiclass-triage":
        progress.note("multiclass results")
        multiclass = Multiclass.compute(data, probabilities, submission, plan)
    variants = Variants.compute(data.frame, model, config, plan, progress)
    robustness = Robustness.compute(model, images, data.labels, scores, config, progress) if config.robustness else Robustness.skipped()
    sections = EvaluationReport(
        SubmissionSection.of(submission), data, config, software_versions(), accuracy, bias, variants, robustness, efficiency,
        declared_claims=submission.manifest.get("claims") or {}, multiclass=multiclass,
    )
    report = sections.to_json()

    progress.note("writing the report")
    scores_table = None if config.private else {"path": list(data.test["path"]), "flag": data.labels.tolist(), "score": scores.tolist()}
    write_report_folder(report, out, scores_table=scores_table, overwrite=config.overwrite)
    run_id = log_evaluation(report, out, config.tracking_uri)
    return EvaluationResult(out=out, report=report, mlflow_run_id=run_id, invalid=report["sections_invalid"], sessions_opened=sessions.sessions_opened)
