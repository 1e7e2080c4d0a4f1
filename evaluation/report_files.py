"""Writing a report folder: report.json (validated against its schema), report.md, report.html, scores.csv.

report.html is rendered from templates/report.html.j2 (title and summary first,
then the tables, then the figures); report.md carries the same tables for issue
trackers. Everything is written into a temporary sibling folder first and
renamed into place, so a failed run never leaves a half-written report.
Reading a report back is evaluation/report.py's job.
"""

from __future__ import annotations

import base64
import csv
import json
from importlib import resources
from pathlib import Path
from typing import Any

from saferkit.core.atomic import staged_folder
from saferkit.core.errors import UserError
from saferkit.evaluation.report import REPORT_FILE, report_problems

REPORT_HTML = "report.html"
REPORT_MD = "report.md"
SCORES_CSV = "scores.csv"
REPORT_FILES = (REPORT_FILE, REPORT_MD, REPORT_HTML, SCORES_CSV)
HTML_TEMPLATE = "report.html.j2"

__all__ = ["REPORT_FILES", "REPORT_HTML", "REPORT_MD", "SCORES_CSV", "render_html", "render_markdown", "report_problems", "write_report_folder"]


def _fmt(m: Any, digits: int = 3) -> str:
    """A metric as `value [low, high]`, its note when it has no value, or a plain number."""
    if not isinstance(m, dict):
        return "n/a" if m is None else (f"{m:.{digits}f}" if isinstance(m, float) else str(m))
    if m.get("value") is None:
        return m.get("note", "n/a")
    text = f"{m['value']:.{digits}f}"
    if m.get("ci_low") is not None:
        text += f" [{m['ci_low']:.{digits}f}, {m['ci_high']:.{digits}f}]"
    return text


def _number(value: Any, digits: int = 3, unit: str = "") -> str:
    """A plain number with its unit, or `n/a`."""
    return f"{value:.{digits}f}{unit}" if isinstance(value, (int, float)) else "n/a"


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _md_bias(bias: dict[str, Any]) -> list[str]:
    if bias.get("note"):
        return [bias["note"]]
    worst = bias["worst_group_recall"]
    lines = [
        f"Worst-group recall {_fmt(worst)} ({worst.get('attribute', '')}: {worst.get('group', '')}); "
        f"largest equalised-odds difference {_fmt(bias['max_equalized_odds_difference'])}; "
        f"largest demographic-parity difference {_fmt(bias['max_demographic_parity_difference'])}.",
        "",
    ]
    rows = [
        [key, r["group"], r["n"], r["positives"], _fmt(r["recall"]), _fmt(r["fpr"]), _fmt(r["selection_rate"]), _fmt(r["roc_auc"])]
        for key, section in bias["attributes"].items()
        for r in section["groups"]
    ]
    lines += _md_table(["attribute", "group", "n", "positives", "recall", "FPR", "selection rate", "AUC"], rows)
    lines += ["", "Largest gaps (attributes and pairs):", ""]
    return lines + [f"- {g['attribute']}: {g['gap']} {_fmt(g)}" for g in bias["largest_gaps"]]


def _md_robustness(rob: dict[str, Any]) -> list[str]:
    if not rob.get("rows"):
        return []
    rows = []
    for r in rob["rows"]:
        if r.get("valid"):
            drop = _fmt({"value": r["auc_drop"], "ci_low": r.get("auc_drop_ci_low"), "ci_high": r.get("auc_drop_ci_high")})
            rows.append([r["transform"], r["severity"], f"{r['roc_auc']:.3f}", drop, f"{r['recall_at_threshold']:.3f}"])
        else:
            rows.append([r["transform"], r["severity"], f"invalid: {r['reason']}", "", ""])
    header = ["transform", "severity", "ROC-AUC", "AUC drop [interval]", "recall at threshold"]
    return ["", f"## Robustness ({rob['items']} items; clean ROC-AUC {rob['clean_roc_auc']:.3f})", ""] + _md_table(header, rows)


def _md_efficiency(eff: dict[str, Any]) -> list[str]:
    return [
        "",
        "## Efficiency",
        "",
        f"model {eff.get('model_bytes', 0) / 1e6:.2f} MB, {eff.get('parameters', 'n/a')} parameters; "
        f"latency {_fmt(eff.get('latency_ms_batch1'), 2)} ms at batch 1, {_fmt(eff.get('throughput_batch32'), 1)} images/s at batch 32, "
        f"peak memory {_fmt(eff.get('peak_memory_mb'), 0)} MB ({eff.get('provider', 'n/a')})",
    ]


def render_markdown(report: dict[str, Any]) -> str:
    """A compact Markdown report for issue trackers: the summary first, then the tables."""
    sub, data, config = report["submission"], report["data"], report["config"]
    op, calibration = report["operating_point"], report["calibration"]
    lines = [
        f"# Evaluation: {sub['name']} {sub['version']}",
        "",
        f"**{report['headline_summary']}**",
        "",
        f"- submission sha256 `{sub['sha256']}`; data provenance sha256 `{data['provenance_sha256']}`",
        f"- test split: {data['n']} items, {data['positives']} positive; {config['bootstrap_resamples']} stratified bootstrap resamples, "
        f"seed {config['seed']}, {int(config['confidence'] * 100)}% intervals",
        f"- {'PRIVATE report: aggregates only' if report.get('private') else 'per-item scores in scores.csv'}",
        "",
        "## Ranking and triage",
        "",
        *_md_table(["metric", "value [interval]"], [[name, _fmt(m)] for name, m in report["headline"].items()]),
        "",
        f"## At the declared threshold {op['threshold']}",
        "",
        f"TP {op['tp']}, FP {op['fp']}, TN {op['tn']}, FN {op['fn']}; "
        f"precision {_fmt(op['precision'])}, recall {_fmt(op['recall'])}, specificity {_fmt(op['specificity'])}",
        "",
        "## Calibration",
        "",
        f"Brier {_fmt(calibration['brier'])}; ECE {_fmt(calibration['ece'])}",
        "",
        "## Bias",
        "",
        *_md_bias(report["bias"]),
    ]
    if report.get("multiclass"):
        mc = report["multiclass"]
        rows = [[r["label"], r["support"], _fmt(r["roc_auc"]), _fmt(r["precision"]), _fmt(r["recall"]), _fmt(r["f1"])] for r in mc["per_class"]]
        lines += ["", "## Per class", "", f"Macro ROC-AUC {_fmt(mc['macro_roc_auc'])}; macro F1 {_fmt(mc['macro_f1'])}; accuracy {_fmt(mc['accuracy'])}", ""]
        lines += _md_table(["label", "support", "ROC-AUC", "precision", "recall", "F1"], rows)
    if report.get("variants"):
        rows = [[k, v["n"], _fmt(v["roc_auc"]), _fmt(v["operating_point"]["recall"])] for k, v in report["variants"].items()]
        lines += ["", "## Spurious-correlation variants", ""] + _md_table(["split", "n", "ROC-AUC", "recall at threshold"], rows)
    lines += _md_robustness(report.get("robustness") or {})
    lines += _md_efficiency(report.get("efficiency") or {})
    if report["claims"]:
        rows = [[c["metric"], c["declared"], _fmt(c["measured"]), f"{c['verdict']} {c.get('direction', '')}"] for c in report["claims"]]
        lines += ["", "## Claims", ""] + _md_table(["metric", "declared", "measured", "verdict"], rows)
    if report["sections_invalid"]:
        lines += ["", "## Sections marked invalid", ""] + [f"- {s['section']}: {s['reason']}" for s in report["sections_invalid"]]
    return "\n".join(lines) + "\n"


def render_html(report: dict[str, Any]) -> str:
    """One self-contained page (no scripts, no external resources): summary, tables, then the figures as PNG."""
    import jinja2

    from saferkit.evaluation.plots import report_figures

    source = resources.files("saferkit.evaluation").joinpath("templates", HTML_TEMPLATE).read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["metric"] = _fmt
    environment.filters["number"] = _number
    figures = [(caption, "data:image/png;base64," + base64.b64encode(png).decode("ascii")) for caption, png in report_figures(report)]
    return environment.from_string(source).render(
        report=report, sub=report["submission"], data=report["data"], op=report["operating_point"], bias=report["bias"],
        rob=report.get("robustness") or {}, eff=report.get("efficiency") or {}, figures=figures,
    )


def write_report_folder(report: dict[str, Any], out: Path, scores_table: dict[str, list] | None = None, overwrite: bool = False) -> None:
    """Validate and write every report file, then move the folder into place in one rename."""
    problems = report_problems(report)
    if problems:  # a bug in the harness, not the user's input: refuse to publish a malformed report
        raise RuntimeError(f"report does not match its schema: {'; '.join(problems[:5])}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file; choose a folder for the report.")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise UserError(f"{out} already holds files; pass --overwrite or choose another --out.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with staged_folder(out) as staging:
        (staging / REPORT_FILE).write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        (staging / REPORT_MD).write_text(render_markdown(report), encoding="utf-8")
        (staging / REPORT_HTML).write_text(render_html(report), encoding="utf-8")
        if scores_table is not None:
            with open(staging / SCORES_CSV, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["path", "flag", "score"])
                writer.writerows(zip(scores_table["path"], scores_table["flag"], (f"{s:.6f}" for s in scores_table["score"])))
