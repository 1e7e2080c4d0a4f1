"""The tool page's results in plain words: what an officer choosing a tool needs first.

Each sentence is a catalogue message (`plain_*`) filled with numbers from the
entry's evaluation, so every language says the same thing: how many of 100
relevant items the tool finds, how much irrelevant material reviewers still
see, how the worst group fares, what hurts it most, and on which data.
"""

from __future__ import annotations

import re
from typing import Any, Callable

Translate = Callable[..., str]


def _pct(value: float | None) -> str:
    return "–" if value is None else str(round(100 * value))


def _value(metric: dict[str, Any] | None) -> float | None:
    return None if not metric else metric.get("value")


def worst_drop(evaluation: dict[str, Any]) -> dict[str, Any] | None:
    """The largest robustness drop with its transform (entries before the `worst` field: from the rows)."""
    robustness = evaluation.get("robustness") or {}
    if robustness.get("worst"):
        return robustness["worst"]
    rows = [row for row in robustness.get("rows", []) if row.get("auc_drop") is not None]
    if not rows:
        return None
    row = max(rows, key=lambda r: r["auc_drop"])
    return {"transform": row["transform"], "severity": row["severity"], "auc_drop": row["auc_drop"],
            "ci_low": row.get("auc_drop_ci_low"), "ci_high": row.get("auc_drop_ci_high")}


def interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f" [{low:.3f} – {high:.3f}]"


def _between(t: Translate, metric: dict[str, Any], key: str = "between") -> str:
    """The interval as a phrase ("(between 80 and 93)"), or nothing when it could not be estimated."""
    low, high = metric.get("ci_low"), metric.get("ci_high")
    return "" if low is None or high is None else t(key, low=_pct(low), high=_pct(high))


def _tidy(sentence: str) -> str:
    """No space left before punctuation where an optional phrase was empty."""
    return re.sub(r"\s+([.,،。，])", r"\1", re.sub(r"  +", " ", sentence))


def sentences(entry: dict[str, Any], t: Translate) -> list[str]:
    """The plain-words results of an entry, in the page's language."""
    evaluation = entry["evaluation"]
    out: list[str] = []
    workload: dict[str, Any] = (evaluation.get("headline") or {}).get("fpr_at_recall_0.95") or {}
    if _value(workload) is not None:
        out.append(t("plain_workload", found=95, seen=_pct(workload["value"]), between=_between(t, workload, "between_pct")))
    point = evaluation.get("operating_point") or {}
    recall: dict[str, Any] = point.get("recall") or {}
    specificity: dict[str, Any] = point.get("specificity") or {}
    if _value(recall) is not None:
        seen = None if _value(specificity) is None else 1 - specificity["value"]
        out.append(t("plain_threshold", found=_pct(recall["value"]), between=_between(t, recall), seen=_pct(seen)))
    worst: dict[str, Any] = evaluation.get("worst_group_recall") or {}
    if _value(worst) is not None:
        out.append(t("plain_worst_group", found=_pct(worst["value"]), between=_between(t, worst)))
    drop = worst_drop(evaluation)
    if drop is not None:
        out.append(t("plain_robustness", transform=drop["transform"], severity=drop["severity"],
                     drop=f"{drop['auc_drop']:.3f}" + interval(drop.get("ci_low"), drop.get("ci_high"))))
    gap: dict[str, Any] = evaluation.get("max_equalized_odds_difference") or {}
    if _value(gap) is not None:
        out.append(t("plain_fairness", gap=f"{gap['value']:.2f}" + interval(gap.get("ci_low"), gap.get("ci_high"))))
    data = evaluation.get("data") or {}
    size = data.get("size") or (entry.get("vetting") or {}).get("data", {}).get("size")
    if size:
        out.append(t("plain_data_note", size=size, content=t("content:" + data.get("content", "synthetic"))))
    return [_tidy(sentence) for sentence in out]
