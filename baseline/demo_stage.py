"""Demo stage: train the baseline briefly on the demo's synthetic set and export a submission."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEMO_EPOCHS = 4


def run(ctx: Any) -> None:
    """Train on ctx.artifacts['data_dir'], export to ctx.out/submission, share it as 'submission_dir'."""
    from saferkit.baseline.config import TrainConfig
    from saferkit.baseline.export import export_submission
    from saferkit.baseline.tracking import ui_hint
    from saferkit.baseline.training import train

    data_dir = ctx.artifacts.get("data_dir")
    if not data_dir:
        ctx.console.print("[yellow]baseline: no synthetic data set in this demo; skipped.[/]")
        return
    run_dir, submission_dir = Path(ctx.out) / "baseline-run", Path(ctx.out) / "submission"
    result = train(data_dir, run_dir, TrainConfig(epochs=DEMO_EPOCHS), overwrite=True, console=ctx.console)
    exported = export_submission(run_dir, submission_dir, overwrite=True, console=ctx.console)
    ctx.artifacts["submission_dir"] = exported.out_dir
    ctx.artifacts["baseline_run_dir"] = result.run_dir
    ctx.record("baseline", f"training run ({DEMO_EPOCHS} epochs, best val ROC-AUC {result.val_roc_auc:.3f})",
               result.run_dir / "run.json")
    ctx.record("baseline", f"MLflow run: {ui_hint(result.tracking_uri)}", result.run_dir / "mlflow.db")
    ctx.record("baseline", f"submission (threshold {exported.threshold:.3f}, val ROC-AUC {exported.val['roc_auc']:.3f})",
               exported.out_dir)
