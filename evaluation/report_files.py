"""Writing a report folder: report.json (validated against its schema), report.md, report.html, scores.csv.

Everything is written into a temporary sibling folder first and renamed into
place, so a failed run never leaves a half-written report.
"""

from __future__ import annotations

import base64
import csv
import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from saferkit.core.schemas import packaged_schema, schema_violations
from saferkit.core.errors import UserError
from saferkit.core.atomic import staged_folder
from saferkit.core.jsonfile import read_json_file

REPORT_SCHEMA_FILE = "report.schema.json"


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema report.json follows (ethics, hub and leaderboard read to it)."""
    return packaged_schema("saferkit.evaluation", REPORT_SCHEMA_FILE)


def report_problems(report: Any) -> list[str]:
    """Every way a report departs from the schema, each with its location."""
    return [f"{where}: {message}" for where, message in schema_violations(report, report_schema())]


def read_report(path: str | Path) -> dict[str, Any]:
    """Load a report.json (or the folder holding one) and check it against the schema."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    report = read_json_file(path, what="report", remedy="pass a report folder written by `saferkit evaluate` or its report.json")
    problems = report_problems(report)
    if problems:
        raise UserError(f"{path} is not a saferkit report: {'; '.join(problems[:5])}.")
    return report


def _fmt(m: Any, digits: int = 3) -> str:
    if not isinstance(m, dict):
        return "n/a" if m is None else (f"{m:.{digits}f}" if isinstance(m, float) else str(m))
    if m.get("value") is None:
        return m.get("note", "n/a")
    text = f"{m['value']:.{digits}f}"
    if m.get("ci_low") is not None:
        text += f" [{m['ci_low']:.{digits}f}, {m['ci_high']:.{digits}f}]"
    return text


def render_markdown(report: dict[str, Any]) -> str:
    """A compact Markdown report for issue trackers."""
    sub, data = report["submission"], report["data"]
    conf = int(report["config"]["confidence"] * 100)
    lines = [
        f"# Evaluation: {sub['name']} {sub['version']}",
        "",
        f"- submission sha256 `{sub['sha256']}`; data provenance sha256 `{data['provenance_sha256']}`",
        f"- test split: {data['n']} items, {data['positives']} positive; {report['config']['bootstrap_resamples']} stratified bootstrap resamples, seed {report['config']['seed']}, {conf}% intervals",
        f"- {'PRIVATE report: aggregates only' if report.get('private') else 'per-item scores in scores.csv'}",
        "",
        f"**{report['headline_summary']}**",
        "",
        "## Ranking and triage",
        "",
        "| metric | value [interval] |",
        "|---|---|",
    ]
    lines += [f"| {name} | {_fmt(m)} |" for name, m in report["headline"].items()]
    op = report["operating_point"]
    lines += [
        "",
        f"## At the declared threshold {op['threshold']}",
        "",
        f"TP {op['tp']}, FP {op['fp']}, TN {op['tn']}, FN {op['fn']}; precision {_fmt(op['precision'])}, recall {_fmt(op['recall'])}, specificity {_fmt(op['specificity'])}",
        "",
        "## Calibration",
        "",
        f"Brier {_fmt(report['calibration']['brier'])}; ECE {_fmt(report['calibration']['ece'])}",
        "",
        "## Bias",
        "",
    ]
    bias = report["bias"]
    if bias.get("note"):
        lines.append(bias["note"])
    else:
        lines += [
            f"Worst-group recall {_fmt(bias['worst_group_recall'])} ({bias['worst_group_recall'].get('attribute', '')}: {bias['worst_group_recall'].get('group', '')}); "
            f"largest equalised-odds difference {_fmt(bias['max_equalized_odds_difference'])}; largest demographic-parity difference {_fmt(bias['max_demographic_parity_difference'])}.",
            "",
            "| attribute | group | n | positives | recall | FPR | selection rate | AUC |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for key, section in bias["attributes"].items():
            for row in section["groups"]:
                lines.append(f"| {key} | {row['group']} | {row['n']} | {row['positives']} | {_fmt(row['recall'])} | {_fmt(row['fpr'])} | {_fmt(row['selection_rate'])} | {_fmt(row['roc_auc'])} |")
        lines += ["", "Largest gaps (attributes and pairs):", ""]
        lines += [f"- {g['attribute']}: {g['gap']} {_fmt(g)}" for g in bias["largest_gaps"]]
    if report.get("multiclass"):
        mc = report["multiclass"]
        lines += ["", "## Per class", "", f"Macro ROC-AUC {_fmt(mc['macro_roc_auc'])}; macro F1 {_fmt(mc['macro_f1'])}; accuracy {_fmt(mc['accuracy'])}", "", "| label | support | ROC-AUC | precision | recall | F1 |", "|---|---|---|---|---|---|"]
        lines += [f"| {r['label']} | {r['support']} | {_fmt(r['roc_auc'])} | {_fmt(r['precision'])} | {_fmt(r['recall'])} | {_fmt(r['f1'])} |" for r in mc["per_class"]]
    if report.get("variants"):
        lines += ["", "## Spurious-correlation variants", "", "| split | n | ROC-AUC | recall at threshold |", "|---|---|---|---|"]
        lines += [f"| {k} | {v['n']} | {_fmt(v['roc_auc'])} | {_fmt(v['operating_point']['recall'])} |" for k, v in report["variants"].items()]
    rob = report.get("robustness") or {}
    if rob.get("rows"):
        lines += ["", f"## Robustness ({rob['items']} items; clean ROC-AUC {rob['clean_roc_auc']:.3f})", "", "| transform | severity | ROC-AUC | AUC drop [interval] | recall at threshold |", "|---|---|---|---|---|"]
        for r in rob["rows"]:
            if r.get("valid"):
                interval = f" [{r['auc_drop_ci_low']:.3f}, {r['auc_drop_ci_high']:.3f}]" if r.get("auc_drop_ci_low") is not None else ""
                lines.append(f"| {r['transform']} | {r['severity']} | {r['roc_auc']:.3f} | {r['auc_drop']:.3f}{interval} | {r['recall_at_threshold']:.3f} |")
            else:
                lines.append(f"| {r['transform']} | {r['severity']} | invalid: {r['reason']} | | |")
    eff = report.get("efficiency") or {}
    lines += ["", "## Efficiency", ""]
    lines.append(
        f"model {eff.get('model_bytes', 0) / 1e6:.2f} MB, {eff.get('parameters', 'n/a')} parameters; "
        f"latency {_fmt(eff.get('latency_ms_batch1'), 2)} ms at batch 1, {_fmt(eff.get('throughput_batch32'), 1)} images/s at batch 32, peak memory {_fmt(eff.get('peak_memory_mb'), 0)} MB ({eff.get('provider', 'n/a')})"
    )
    if report["claims"]:
        lines += ["", "## Claims", "", "| metric | declared | measured | verdict |", "|---|---|---|---|"]
        lines += [f"| {c['metric']} | {c['declared']} | {_fmt(c['measured'])} | {c['verdict']} {c.get('direction', '')} |" for c in report["claims"]]
    if report["sections_invalid"]:
        lines += ["", "## Sections marked invalid", ""]
        lines += [f"- {s['section']}: {s['reason']}" for s in report["sections_invalid"]]
    return "\n".join(lines) + "\n"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def render_html(report: dict[str, Any]) -> str:
    """One self-contained page: the Markdown content as tables plus the plots embedded as PNG."""
    from saferkit.evaluation import plots

    figures = [_img(plots.roc_plot(report), "ROC curve"), _img(plots.pr_plot(report), "precision-recall curve"), _img(plots.workload_plot(report), "recall by share reviewed"), _img(plots.reliability_plot(report), "reliability diagram")]
    for key, section in (report["bias"].get("attributes") or {}).items():
        figures.append(_img(plots.group_plot(section, f"recall by {key}"), f"recall by {key}"))
    if any(r.get("valid") for r in (report.get("robustness") or {}).get("rows", [])):
        figures.append(_img(plots.robustness_plot(report), "robustness curves"))
    body = _markdown_to_html(render_markdown(report))
    title = html.escape(f"{report['submission']['name']} {report['submission']['version']}")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;font-size:.9em}"
        ".figs img{max-width:48%;margin:4px}code{font-size:.85em}"
    )
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evaluation: {title}</title><style>{style}</style></head>"
        f"<body><div class=\"figs\">{''.join(figures)}</div>{body}</body></html>\n"
    )


def _markdown_to_html(text: str) -> str:
    """Just enough Markdown (headings, bold, lists, tables, code) for the report's own output."""
    import re

    def inline(s: str) -> str:
        s = html.escape(s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)
        return re.sub(r"`(.+?)`", r"<code>\1</code>", s)

    out, table, items = [], [], []

    def flush():
        if table:
            rows = [r for r in table if not set(r.replace("|", "").strip()) <= {"-"}]
            cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
            out.append("<table><tr>" + "".join(f"<th>{inline(c)}</th>" for c in cells[0]) + "</tr>" + "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in cells[1:]) + "</table>")
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        if line.startswith("- "):
            items.append(line[2:])
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{inline(line[level:].strip())}</h{level}>")
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
    flush()
    return "\n".join(out)


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
        (staging / "report.json").write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        (staging / "report.md").write_text(render_markdown(report), encoding="utf-8")
        (staging / "report.html").write_text(render_html(report), encoding="utf-8")
        if scores_table is not None:
            with open(staging / "scores.csv", "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["path", "flag", "score"])
                writer.writerows(zip(scores_table["path"], scores_table["flag"], (f"{s:.6f}" for s in scores_table["score"])))
