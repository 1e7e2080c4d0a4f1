"""`saferkit leaderboard`: rank evaluated submissions on one metric, with intervals and honest ties.

Entries are sorted by the metric's estimate. An entry is marked tied with the
one ranked above it when their intervals overlap: the evaluation cannot tell
them apart, so they share a rank. Bias and robustness columns sit beside the
ranking so a high score with a large subgroup gap is visible at a glance.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from saferkit.core.atomic import write_text_atomic
from saferkit.core.errors import UserError
from saferkit.evaluation.claims import measured_metric
from saferkit.evaluation.report import read_report

LOWER_IS_BETTER = frozenset({"fpr_at_recall_0.95", "brier", "ece", "max_equalized_odds_difference", "max_demographic_parity_difference"})


def _overlap(a: dict, b: dict) -> bool:
    if a.get("ci_low") is None or b.get("ci_low") is None:
        return False
    return a["ci_low"] <= b["ci_high"] and b["ci_low"] <= a["ci_high"]


def build_leaderboard(report_paths: list[str | Path], metric: str = "roc_auc") -> list[dict[str, Any]]:
    """Rows in rank order: rank, tie flag, the metric with its interval, bias and robustness columns."""
    if not report_paths:
        raise UserError("no reports given; pass one or more report folders or report.json files.")
    entries = []
    for path in report_paths:
        report = read_report(path).data
        measured = measured_metric(report, metric)
        if measured is None:
            raise UserError(f"metric {metric!r} is not in {path}; use a headline metric such as roc_auc, pr_auc or wss_at_recall_0.95.")
        entries.append((report, measured, str(path)))
    reverse = metric not in LOWER_IS_BETTER
    estimable = [e for e in entries if e[1].get("value") is not None]
    missing = [e for e in entries if e[1].get("value") is None]
    estimable.sort(key=lambda e: e[1]["value"], reverse=reverse)
    rows = []
    rank = 0
    for position, (report, measured, path) in enumerate(estimable):
        tied = position > 0 and _overlap(measured, estimable[position - 1][1])
        if not tied:
            rank = position + 1
        rows.append(_row(report, measured, path, rank, tied))
    rows += [_row(report, measured, path, None, False) for report, measured, path in missing]
    return rows


def _row(report: dict, measured: dict, path: str, rank: int | None, tied: bool) -> dict[str, Any]:
    bias = report["bias"]
    robustness = report.get("robustness") or {}
    return {
        "rank": rank,
        "tied_with_above": tied,
        "name": report["submission"]["name"],
        "version": report["submission"]["version"],
        "sha256": report["submission"]["sha256"],
        "metric": measured,
        "worst_group_recall": bias.get("worst_group_recall"),
        "max_equalized_odds_difference": bias.get("max_equalized_odds_difference"),
        "max_auc_drop": robustness.get("max_auc_drop"),
        "data_provenance_sha256": report["data"]["provenance_sha256"],
        "report": path,
    }


def _fmt(m: Any) -> str:
    if isinstance(m, (int, float)):
        return f"{m:.3f}"
    if not isinstance(m, dict) or m.get("value") is None:
        return "n/a"
    if m.get("ci_low") is None:
        return f"{m['value']:.3f}"
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


COLUMNS = ("rank", "submission", "{metric}", "worst-group recall", "max equalised-odds diff.", "max AUC drop (robustness)")


def _cells(row: dict) -> list[str]:
    rank = "-" if row["rank"] is None else f"{row['rank']}{' (tie)' if row['tied_with_above'] else ''}"
    return [rank, f"{row['name']} {row['version']}", _fmt(row["metric"]), _fmt(row["worst_group_recall"]), _fmt(row["max_equalized_odds_difference"]), _fmt(row["max_auc_drop"])]


def render(rows: list[dict], metric: str, fmt: str) -> str:
    header = [c.format(metric=metric) for c in COLUMNS]
    datasets = sorted({r["data_provenance_sha256"] for r in rows})
    note = "Ties: an entry whose interval overlaps the one above shares its rank; the evaluation cannot separate them."
    warn = "" if len(datasets) == 1 else f"Warning: these reports were evaluated on {len(datasets)} different data sets; their numbers are not directly comparable."
    if fmt == "md":
        lines = [f"# Leaderboard: {metric}", "", note, ""] + ([warn, ""] if warn else [])
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(r)) + "</tr>" for r in rows)
    style = "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Leaderboard: {html.escape(metric)}</title><style>{style}</style></head>"
        f"<body><h1>Leaderboard: {html.escape(metric)}</h1><p>{html.escape(note)}</p>{f'<p><strong>{html.escape(warn)}</strong></p>' if warn else ''}"
        f"<table><tr>{head}</tr>{body}</table></body></html>\n"
    )


def write_leaderboard(report_paths: list[str | Path], out: str | Path, metric: str = "roc_auc") -> list[dict]:
    """Build and write the leaderboard as .html or .md (by the file's extension)."""
    out = Path(out)
    fmt = {".html": "html", ".htm": "html", ".md": "md"}.get(out.suffix.lower())
    if fmt is None:
        raise UserError(f"--out {out} must end in .html or .md.")
    rows = build_leaderboard(report_paths, metric)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, render(rows, metric, fmt))
    return rows
