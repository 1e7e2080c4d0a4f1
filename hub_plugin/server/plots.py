"""Plots for a tool page, drawn on the server from the entry's numbers (PNG, cached per version)."""

from __future__ import annotations

import io
from typing import Any

PLOTS = ("groups", "robustness")
_cache: dict[tuple[str, str], bytes] = {}
CACHE_LIMIT = 256


def _groups(ax, evaluation: dict[str, Any]) -> None:  # noqa: ANN001
    groups = [g for g in evaluation.get("groups", []) if g["recall"].get("value") is not None]
    labels = [f"{g['attribute']}={g['group']}" for g in groups]
    values = [g["recall"]["value"] for g in groups]
    low = [v - (g["recall"].get("ci_low") if g["recall"].get("ci_low") is not None else v) for v, g in zip(values, groups)]
    high = [(g["recall"].get("ci_high") if g["recall"].get("ci_high") is not None else v) - v for v, g in zip(values, groups)]
    positions = range(len(groups))
    ax.barh(list(positions), values, xerr=[low, high], color="#4a78b5", ecolor="#333333", capsize=3)
    ax.set_yticks(list(positions), labels, fontsize=7)
    worst = (evaluation.get("worst_group_recall") or {}).get("value")
    if worst is not None:
        ax.axvline(worst, color="#b54a4a", linestyle="--", linewidth=1, label=f"worst group {worst:.3f}")
        ax.legend(loc="lower right", fontsize=7)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("recall")
    if not groups:
        ax.text(0.5, 0.5, "no group estimable", ha="center", va="center", transform=ax.transAxes)


def _robustness(ax, evaluation: dict[str, Any]) -> None:  # noqa: ANN001
    rows = [r for r in (evaluation.get("robustness") or {}).get("rows", []) if r.get("auc_drop") is not None]
    for transform in sorted({r["transform"] for r in rows}):
        points = sorted((r["severity"], r["auc_drop"]) for r in rows if r["transform"] == transform)
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=transform)
    ax.set_xlabel("severity")
    ax.set_ylabel("AUC drop")
    ax.axhline(0, color="#999999", linewidth=0.8)
    if rows:
        ax.legend(fontsize=7, ncol=2)
    else:
        ax.text(0.5, 0.5, "no robustness rows", ha="center", va="center", transform=ax.transAxes)


def render_plot(kind: str, content_sha256: str, evaluation: dict[str, Any]) -> bytes:
    """PNG bytes of one plot; published versions never change, so the cache key is their digest."""
    key = (kind, content_sha256)
    if key in _cache:
        return _cache[key]
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    count = len(evaluation.get("groups", [])) if kind == "groups" else 0
    figure = Figure(figsize=(6.4, max(2.8, 0.22 * count + 1.2)), dpi=96)
    ax = figure.add_subplot()
    (_groups if kind == "groups" else _robustness)(ax, evaluation)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    if len(_cache) >= CACHE_LIMIT:
        _cache.clear()
    _cache[key] = buffer.getvalue()
    return _cache[key]
