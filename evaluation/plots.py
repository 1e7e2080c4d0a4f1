"""The report's figures, drawn from report.json alone (so a report can be re-rendered) as PNG bytes."""

from __future__ import annotations

import io
from typing import Any


def _figure(width: float = 4.2, height: float = 3.2):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    return plt, fig, ax


def _png(plt, fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def roc_plot(report: dict[str, Any]) -> bytes:
    plt, fig, ax = _figure()
    curves = report["curves"]
    auc = report["headline"]["roc_auc"]["value"]
    ax.plot(curves["fpr"], curves["tpr"], label=f"model (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.axvline(0.01, color="tab:red", linewidth=0.8, linestyle=":", label="FPR 1%")
    ax.set(xlabel="false positive rate", ylabel="recall (true positive rate)", title="ROC")
    ax.legend(loc="lower right", fontsize=8)
    return _png(plt, fig)


def pr_plot(report: dict[str, Any]) -> bytes:
    plt, fig, ax = _figure()
    curves = report["curves"]
    ap = report["headline"]["pr_auc"]["value"]
    ax.plot(curves["recall"], curves["precision"], label=f"model (AP {ap:.3f})")
    base = report["data"]["positives"] / report["data"]["n"]
    ax.axhline(base, linestyle="--", color="grey", label=f"prevalence {base:.2f}")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", ylim=(0, 1.02))
    ax.legend(loc="lower left", fontsize=8)
    return _png(plt, fig)


def workload_plot(report: dict[str, Any]) -> bytes:
    plt, fig, ax = _figure()
    curves = report["curves"]
    ax.plot(curves["share_reviewed"], curves["recall_by_share_reviewed"], label="review by score")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="random order")
    ax.axhline(0.95, color="tab:red", linewidth=0.8, linestyle=":", label="95% recall")
    ax.set(xlabel="share of items reviewed", ylabel="share of positives found", title="Triage workload")
    ax.legend(loc="lower right", fontsize=8)
    return _png(plt, fig)


def reliability_plot(report: dict[str, Any]) -> bytes:
    plt, fig, ax = _figure()
    rows = [r for r in report["calibration"]["reliability"] if r["n"]]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot([r["mean_score"] for r in rows], [r["positive_rate"] for r in rows], marker="o", label="model")
    ax.set(xlabel="mean predicted score", ylabel="observed positive rate", title=f"Reliability (ECE {report['calibration']['ece']['value']:.3f})", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    return _png(plt, fig)


def group_plot(section: dict[str, Any], title: str, metric: str = "recall") -> bytes:
    """One bar per group with its interval; groups too small to estimate are drawn as labelled gaps."""
    plt, fig, ax = _figure(width=max(4.2, 0.5 * len(section["groups"]) + 2))
    names, values, low, high = [], [], [], []
    for row in section["groups"]:
        names.append(row["group"] if row[metric]["value"] is not None else f"{row['group']}\n(too few)")
        m = row[metric]
        values.append(m["value"] or 0.0)
        low.append((m["value"] - m["ci_low"]) if m.get("ci_low") is not None else 0.0)
        high.append((m["ci_high"] - m["value"]) if m.get("ci_high") is not None else 0.0)
    colours = ["tab:blue" if row[metric]["value"] is not None else "lightgrey" for row in section["groups"]]
    ax.bar(range(len(names)), values, yerr=[low, high], color=colours, capsize=3)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set(ylabel=metric, title=title, ylim=(0, 1.05))
    return _png(plt, fig)


def robustness_plot(report: dict[str, Any]) -> bytes:
    plt, fig, ax = _figure(width=6.0, height=3.6)
    rows = [r for r in report["robustness"]["rows"] if r.get("valid")]
    clean = report["robustness"]["clean_roc_auc"]
    for name in dict.fromkeys(r["transform"] for r in rows):
        points = sorted((r["severity"], r["roc_auc"]) for r in rows if r["transform"] == name)
        ax.plot([0] + [p[0] for p in points], [clean] + [p[1] for p in points], marker="o", label=name)
    ax.set(xlabel="severity (0 = clean)", ylabel="ROC-AUC", title="Robustness")
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    return _png(plt, fig)


def report_figures(report: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Every figure of the HTML report, with its caption, in reading order."""
    figures = [
        ("ROC curve", roc_plot(report)),
        ("precision-recall curve", pr_plot(report)),
        ("recall by share reviewed", workload_plot(report)),
        ("reliability diagram", reliability_plot(report)),
    ]
    for key, section in (report["bias"].get("attributes") or {}).items():
        figures.append((f"recall by {key}", group_plot(section, f"recall by {key}")))
    if any(row.get("valid") for row in (report.get("robustness") or {}).get("rows", [])):
        figures.append(("robustness curves", robustness_plot(report)))
    return figures
