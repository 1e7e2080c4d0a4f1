"""`saferkit evaluate-all`: many submissions on one data set, images decoded once, bootstrap resamples drawn once.

What it measures is the ranking part of an evaluation (every headline metric
with its interval, and the paired difference to the leader on the board's
metric); the full per-submission report (bias, robustness, efficiency) stays
`saferkit evaluate`. Every submission sees the same decoded pixels and the
same resamples, so their intervals and differences are directly comparable.
A submission that fails its check is listed as refused, with the reason; the
others are still scored.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from saferkit.core.atomic import atomic_open, write_json_atomic, write_text_atomic
from saferkit.core.errors import UserError
from saferkit.evaluation.bootstrap import BootstrapPlan, interval
from saferkit.evaluation.compare import ScoredItems, SharedSplit, scores_of_submission
from saferkit.evaluation.paired import PairedBootstrap
from saferkit.evaluation.ranking import HEADLINE_METRICS, RankedItems, cumulative_counts, headline_metrics

LOWER_IS_BETTER = frozenset({"fpr_at_recall_0.95"})
K = 100


def _headline(shared: PairedBootstrap, scores: np.ndarray) -> dict[str, dict[str, Any]]:
    ranked = RankedItems.build(shared.labels, scores)
    values = headline_metrics(cumulative_counts(ranked), K)
    parts: dict[str, list[np.ndarray]] = {}
    for counts in shared.chunks():
        for name, samples in headline_metrics(cumulative_counts(ranked, counts), K).items():
            parts.setdefault(name, []).append(samples)
    out = {}
    for name in HEADLINE_METRICS:
        low, high = interval(np.concatenate(parts[name]), shared.plan.confidence)
        out[name] = {"value": float(values[name][0]), "ci_low": low, "ci_high": high}
    return out


def _parse_baselines(items: Sequence[str]) -> list[tuple[str, Path]]:
    named = []
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UserError(f"--baseline {item!r} must be NAME=SUBMISSION, e.g. --baseline kit-baseline=baseline.zip.")
        named.append((name, Path(path)))
    return named


def evaluate_all(submissions: Sequence[str | Path], data: str | Path, out: str | Path, *, metric: str = "roc_auc",
                 resamples: int = 1000, seed: int = 0, baselines: Sequence[str] = ()) -> dict[str, Any]:
    """Score every submission on `data`'s test split and write scores, results.json and board.md into `out`."""
    if metric not in HEADLINE_METRICS:
        raise UserError(f"--metric {metric!r}: evaluate-all ranks on a headline metric ({', '.join(HEADLINE_METRICS)}).")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise UserError(f"{out} already holds files; choose another --out.")
    split = SharedSplit.load(data)
    shared = PairedBootstrap(split.labels, BootstrapPlan(resamples, seed))
    sources = [(None, Path(p)) for p in submissions] + [(name, path) for name, path in _parse_baselines(baselines)]
    entries: list[tuple[str | None, ScoredItems, dict[str, Any]]] = []
    refused = []
    for baseline, path in sources:
        try:
            item = scores_of_submission(path, split)
        except UserError as exc:
            refused.append({"source": str(path), "reason": str(exc)})
            continue
        entries.append((baseline, item, _headline(shared, item.scores)))
    reverse = metric not in LOWER_IS_BETTER
    entries.sort(key=lambda e: e[2][metric]["value"], reverse=reverse)
    rows = []
    for position, (baseline, item, headline) in enumerate(entries):
        test = None
        if position > 0:
            leader = entries[0][1].scores
            pair = shared.compare(leader, item.scores, metric) if reverse else shared.compare(item.scores, leader, metric)
            test = pair.to_json()
        with_leader = position == 0 or not test["distinguishable"]  # type: ignore[index]
        rows.append({"rank": 1 if with_leader else position + 1, "with_leader": with_leader, "baseline": baseline,
                     "team": item.team, "name": item.name, "version": item.version, "sha256": item.sha256,
                     "source": item.source, "headline": headline, "vs_leader": test})
    (out / "scores").mkdir(parents=True, exist_ok=True)
    for _, item, _ in entries:
        with atomic_open(out / "scores" / f"{item.sha256}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["path", "flag", "score"])
            writer.writerows(zip(split.paths, split.labels.tolist(), (f"{s:.6f}" for s in item.scores)))
    result = {"data_provenance_sha256": split.provenance_sha256, "items": len(split.paths), "metric": metric,
              "bootstrap": {"resamples": resamples, "seed": seed, "stratified_by": "label", "shared": True},
              "entries": rows, "refused": refused}
    write_json_atomic(out / "results.json", result)
    write_text_atomic(out / "board.md", render(result))
    return result


def render(result: dict[str, Any]) -> str:
    metric = result["metric"]
    lines = [f"# Board: {metric}", "", f"- Data set: provenance {result['data_provenance_sha256']}, {result['items']} test items.",
             "- Rank 1: the leader and every entry a paired test cannot tell from it (paired bootstrap interval of leader minus entry includes 0).",
             f"- Shared bootstrap: {result['bootstrap']['resamples']} resamples, seed {result['bootstrap']['seed']}.", "",
             f"| rank | entry | sha256 | {metric} | leader minus entry (paired) |", "|---|---|---|---|---|"]
    for row in result["entries"]:
        m = row["headline"][metric]
        value = f"{m['value']:.3f}" + ("" if m["ci_low"] is None else f" [{m['ci_low']:.3f}, {m['ci_high']:.3f}]")
        test = row["vs_leader"]
        versus = "leader" if test is None else f"{test['difference']:+.3f} [{_signed(test['ci_low'])}, {_signed(test['ci_high'])}]" + (
            f", DeLong p {test['delong']['p_value']:.3g}" if test.get("delong") else "")
        who = f"baseline: {row['baseline']}" if row["baseline"] else f"{row['team']} / {row['name']} {row['version']}"
        lines.append(f"| {row['rank']} | {who} | {row['sha256'][:16]} | {value} | {versus} |")
    lines += [f"- Refused: {r['source']}: {r['reason']}" for r in result["refused"]]
    return "\n".join(lines) + "\n"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.3f}"
