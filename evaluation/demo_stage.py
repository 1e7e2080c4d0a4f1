"""Demo stage: evaluate the baseline submission on the demo data with small settings."""

from __future__ import annotations


def run(ctx) -> None:
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

    submission = ctx.artifacts.get("submission_dir")
    data = ctx.artifacts.get("data_dir")
    if submission is None or data is None:
        ctx.console.print("[yellow]evaluation skipped: the demo has no baseline submission or data yet[/]")
        return
    config = EvaluationConfig(bootstrap_resamples=200, severities=(3,), robustness_max_items=300, overwrite=True)
    result = evaluate(submission, data, ctx.out / "report", config)
    ctx.console.print(f"report: {result.out / 'report.html'}", highlight=False)
    ctx.console.print(result.report["headline_summary"], highlight=False)
    ctx.artifacts["report_dir"] = result.out
    ctx.record("evaluation", result.report["headline_summary"], result.out / "report.html")
