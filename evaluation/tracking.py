"""Every evaluation is an MLflow run: parameters, metrics, and the report files as artifacts.

By default the store is a local SQLite database inside the report folder
(`REPORT/mlflow.db`, artifacts in `REPORT/mlartifacts`), so a report carries its
own run history; `--tracking-uri` points at any other MLflow store instead.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.evaluation.report_files import REPORT_FILES

EXPERIMENT = "saferkit-evaluation"
RUN_FILE = "mlflow.json"


def default_tracking_uri(out: Path) -> str:
    return f"sqlite:///{(out / 'mlflow.db').resolve()}"


def _flat_metrics(report: dict[str, Any]) -> dict[str, float]:
    """Headline, operating point, calibration, bias and robustness numbers as flat MLflow metrics."""
    metrics: dict[str, float] = {}

    def add(prefix: str, m: Any) -> None:
        if isinstance(m, dict) and m.get("value") is not None:
            metrics[prefix] = float(m["value"])
            if m.get("ci_low") is not None:
                metrics[f"{prefix}_ci_low"] = float(m["ci_low"])
                metrics[f"{prefix}_ci_high"] = float(m["ci_high"])

    for name, m in report["headline"].items():
        add(name.replace("@", "_at_"), m)
    for name in ("precision", "recall", "specificity"):
        add(f"threshold_{name}", report["operating_point"][name])
    for name in ("brier", "ece"):
        add(name, report["calibration"][name])
    for name in ("worst_group_recall", "max_equalized_odds_difference", "max_demographic_parity_difference"):
        add(f"bias_{name}", report["bias"].get(name))
    robustness = report.get("robustness") or {}
    for name in ("max_auc_drop", "mean_auc_drop"):
        if robustness.get(name) is not None:
            metrics[f"robustness_{name}"] = float(robustness[name])
    efficiency = report.get("efficiency") or {}
    for name in ("latency_ms_batch1", "throughput_batch32", "peak_memory_mb", "model_bytes"):
        if isinstance(efficiency.get(name), (int, float)):
            metrics[f"efficiency_{name}"] = float(efficiency[name])
    return metrics


def log_evaluation(report: dict[str, Any], out: Path, tracking_uri: str | None = None) -> str:
    """Record the evaluation as one MLflow run and write `REPORT/mlflow.json` naming it."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    uri = tracking_uri or default_tracking_uri(out)
    try:
        client = mlflow.MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name(EXPERIMENT)
        if experiment is None:
            location = (out / "mlartifacts").resolve().as_uri() if tracking_uri is None else None
            experiment_id = client.create_experiment(EXPERIMENT, artifact_location=location)
        else:
            experiment_id = experiment.experiment_id
        submission = report["submission"]
        run = client.create_run(
            experiment_id,
            run_name=f"{submission['name']}-{submission['version']}",
            tags={"saferkit.private": str(report.get("private", False)).lower(), "saferkit.submission_sha256": submission["sha256"]},
        )
        run_id = run.info.run_id
        params = {
            "submission": f"{submission['name']} {submission['version']}",
            "submission_sha256": submission["sha256"],
            "data_provenance_sha256": report["data"]["provenance_sha256"],
            **{f"config.{k}": str(v)[:250] for k, v in report["config"].items()},
        }
        for key, value in params.items():
            client.log_param(run_id, key, value)
        for key, value in _flat_metrics(report).items():
            client.log_metric(run_id, key, value)
        for name in REPORT_FILES:
            if (out / name).is_file():
                client.log_artifact(run_id, str(out / name))
        client.set_terminated(run_id)
    except UserError:
        raise
    except Exception as exc:  # the store is the user's: a bad URI or an unreachable server
        raise UserError(f"the report is written to {out}, but MLflow could not record the run at {uri}: {str(exc).splitlines()[0]}") from None
    (out / RUN_FILE).write_text(json.dumps({"run_id": run_id, "tracking_uri": uri, "experiment": EXPERIMENT}, indent=2) + "\n", encoding="utf-8")
    return run_id
