"""Bias: per-group results for every recorded attribute and every pair of attributes.

Point values come from fairlearn's MetricFrame; the intervals come from the
shared bootstrap counts, computed for all groups at once as matrix products.
A group below the minimum size (or without enough positives or negatives for a
rate) is reported as "too few to estimate", never as a number, and is left out
of the gaps so one tiny group cannot decide them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from saferkit.evaluation.bootstrap import BootstrapPlan, collect, metric, not_estimable
from saferkit.evaluation.operating_point import is_flagged
from saferkit.evaluation.ranking import RankedItems, cumulative_counts, roc_auc

TOO_FEW = "too few to estimate"
GROUP_METRICS = ("recall", "fpr", "selection_rate", "roc_auc")


@dataclass(frozen=True)
class BiasConfig:
    """Minimum evidence a group needs before its numbers are shown."""

    min_group_size: int = 30
    min_group_class_count: int = 5
    intersections: bool = True
    intersection_auc_intervals: bool = False  # AUC intervals for every pair cost more than all else


@dataclass
class _GroupSet:
    """One attribute (or pair): group labels, membership and which groups are estimable per metric."""

    key: str
    columns: tuple[str, ...]
    names: list[str]
    values: list[dict[str, str]]
    membership: np.ndarray  # (N, G) 0/1
    n: np.ndarray
    positives: np.ndarray
    usable: dict[str, np.ndarray] = field(default_factory=dict)  # metric -> (G,) bool
    ranked: list[RankedItems | None] = field(default_factory=list)
    members: list[np.ndarray] = field(default_factory=list)


def recorded_attributes(frame: pd.DataFrame, attributes: tuple[str, ...]) -> list[str]:
    """Attributes present in the data with at least one recorded value."""
    return [a for a in attributes if a in frame.columns and frame[a].notna().any() and (frame[a].astype(str) != "").any()]


def _group_keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """One label per item naming its group, e.g. "a | dark" for (palette, lighting)."""
    keys = frame[columns[0]].astype(str).to_numpy(dtype=object)
    for column in columns[1:]:
        keys = keys + " | " + frame[column].astype(str).to_numpy(dtype=object)
    return keys


def _group_set(frame: pd.DataFrame, columns: tuple[str, ...], labels: np.ndarray, scores: np.ndarray, config: BiasConfig) -> _GroupSet:
    keys = _group_keys(frame, columns)
    names = sorted(set(keys))
    index = {name: i for i, name in enumerate(names)}
    membership = np.zeros((len(keys), len(names)))
    membership[np.arange(len(keys)), [index[k] for k in keys]] = 1.0
    n = membership.sum(axis=0)
    positives = labels @ membership
    negatives = n - positives
    big = n >= config.min_group_size
    enough_pos = positives >= config.min_group_class_count
    enough_neg = negatives >= config.min_group_class_count
    group_set = _GroupSet(
        key=" x ".join(columns),
        columns=columns,
        names=names,
        values=[dict(zip(columns, name.split(" | "))) for name in names],
        membership=membership,
        n=n,
        positives=positives,
        usable={
            "recall": big & enough_pos,
            "fpr": big & enough_neg,
            "selection_rate": big,
            "roc_auc": big & enough_pos & enough_neg,
        },
    )
    for g in range(len(names)):
        members = np.flatnonzero(membership[:, g])
        group_set.members.append(members)
        usable = group_set.usable["roc_auc"][g]
        group_set.ranked.append(RankedItems.build(labels[members], scores[members]) if usable else None)
    return group_set


def _point_values(group_set: _GroupSet, labels: np.ndarray, scores: np.ndarray, threshold: float) -> pd.DataFrame:
    """Per-group metrics from fairlearn's MetricFrame (y_pred carries the scores; rates threshold them).

    One metric function returns all four values: MetricFrame re-stacks its inputs on every call, so
    one call per group instead of four keeps it fast on 10,000 items.
    """
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate
    from sklearn.metrics import recall_score, roc_auc_score

    def all_metrics(y, s):
        flagged = is_flagged(s, threshold)
        has_pos, has_neg = y.sum() > 0, (1 - y).sum() > 0
        return (
            recall_score(y, flagged, zero_division=np.nan) if has_pos else np.nan,
            false_positive_rate(y, flagged) if has_neg else np.nan,
            selection_rate(y, flagged),
            roc_auc_score(y, s) if has_pos and has_neg else np.nan,
        )

    # Integer group codes keep MetricFrame fast; the index is mapped back to group names below.
    codes = group_set.membership.argmax(axis=1)
    by_group = MetricFrame(
        metrics=all_metrics,
        y_true=labels.astype(int),
        y_pred=scores,
        sensitive_features=pd.Series(codes, name=group_set.key),
    ).by_group
    return pd.DataFrame(
        [list(values) for values in by_group.to_numpy()],
        index=[group_set.names[int(code)] for code in by_group.index],
        columns=list(GROUP_METRICS),
    )


def _resampled(group_set: _GroupSet, cells: np.ndarray, weights: np.ndarray, with_auc: bool) -> dict[str, np.ndarray]:
    """Per resample: each group's rates (and AUC when asked), shape (B, G), from its summed cells."""
    g = len(group_set.names)
    n, pos, tp, fp = cells[:, :g], cells[:, g : 2 * g], cells[:, 2 * g : 3 * g], cells[:, 3 * g :]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"recall": tp / pos, "fpr": fp / (n - pos), "selection_rate": (tp + fp) / n}
    if with_auc:
        auc = np.full(n.shape, np.nan)
        for k, ranked in enumerate(group_set.ranked):
            if ranked is not None:
                with np.errstate(invalid="ignore", divide="ignore"):
                    auc[:, k] = roc_auc(cumulative_counts(ranked, weights[:, group_set.members[k]]))
        out["roc_auc"] = auc
    return out


def _cell_matrix(group_set: _GroupSet, labels: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    """(N, 4G) indicator columns whose weighted sums are each group's n, positives, tp and fp."""
    m = group_set.membership
    return np.hstack([m, m * labels[:, None], m * (labels * flagged)[:, None], m * ((1 - labels) * flagged)[:, None]])


@dataclass(frozen=True)
class _GapPairs:
    """Which two groups define each gap, chosen on the point estimates.

    Intervals are then computed for the difference between those two fixed groups. The
    bootstrap distribution of a max-minus-min over groups is biased upwards (and a minimum
    over groups downwards) so far that its percentile interval can miss the estimate; the
    fixed-pair interval is centred on it and says which groups it compares.
    """

    pairs: dict[str, tuple[int, int] | None]  # metric -> (highest group, lowest group)
    worst_recall: int | None
    equalized_odds_source: str | None  # "recall" or "fpr": whichever gap is larger on the estimate

    @classmethod
    def choose(cls, point: pd.DataFrame, group_set: _GroupSet) -> "_GapPairs":
        pairs: dict[str, tuple[int, int] | None] = {}
        for name in ("recall", "fpr", "selection_rate"):
            candidates = [k for k in range(len(group_set.names)) if group_set.usable[name][k] and np.isfinite(point[name].iloc[k])]
            if len(candidates) < 2:
                pairs[name] = None
                continue
            values = point[name].to_numpy()
            pairs[name] = (max(candidates, key=lambda k: values[k]), min(candidates, key=lambda k: values[k]))
        recall_ok = [k for k in range(len(group_set.names)) if group_set.usable["recall"][k] and np.isfinite(point["recall"].iloc[k])]
        worst = min(recall_ok, key=lambda k: point["recall"].iloc[k]) if recall_ok else None
        spreads = {
            name: point[name].iloc[pair[0]] - point[name].iloc[pair[1]]
            for name, pair in pairs.items()
            if name in ("recall", "fpr") and pair is not None
        }
        source = max(spreads, key=spreads.__getitem__) if spreads else None
        return cls(pairs, worst, source)

    def gaps(self, per_group: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Gap and ratio samples (NaN where fewer than two groups can be compared)."""
        rows = next(iter(per_group.values())).shape[0]
        nan = np.full(rows, np.nan)

        def diff_ratio(name: str) -> tuple[np.ndarray, np.ndarray]:
            pair = self.pairs[name]
            if pair is None:
                return nan, nan
            high, low = per_group[name][:, pair[0]], per_group[name][:, pair[1]]
            with np.errstate(invalid="ignore", divide="ignore"):
                return high - low, np.where(high > 0, low / high, np.nan)

        recall_gap, recall_ratio = diff_ratio("recall")
        fpr_gap, fpr_ratio = diff_ratio("fpr")
        dp_gap, dp_ratio = diff_ratio("selection_rate")
        # Equalised odds follows whichever of the two rates has the larger gap on the estimate.
        eo_source = self.equalized_odds_source
        return {
            "equalized_odds_difference": {"recall": recall_gap, "fpr": fpr_gap, None: nan}[eo_source],
            "equalized_odds_ratio": {"recall": recall_ratio, "fpr": fpr_ratio, None: nan}[eo_source],
            "demographic_parity_difference": dp_gap,
            "demographic_parity_ratio": dp_ratio,
            "recall_difference": recall_gap,
            "fpr_difference": fpr_gap,
            "worst_group_recall": nan if self.worst_recall is None else per_group["recall"][:, self.worst_recall],
        }


def bias_report(
    frame: pd.DataFrame,
    labels: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    attributes: tuple[str, ...],
    plan: BootstrapPlan,
    config: BiasConfig = BiasConfig(),
    strata: np.ndarray | None = None,
) -> dict:
    """The report's `bias` section: groups with intervals, gaps, worst group, for attributes and pairs."""
    labels = np.asarray(labels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    flagged = is_flagged(scores, threshold).astype(np.float64)
    frame = frame.reset_index(drop=True)
    recorded = recorded_attributes(frame, attributes)
    column_sets: list[tuple[str, ...]] = [(a,) for a in recorded]
    if config.intersections:
        column_sets += list(itertools.combinations(recorded, 2))
    if not column_sets:
        reason = "the data records no subgroup attributes, so no bias analysis is possible"
        return {
            "attributes": {},
            "intersections": {},
            "worst_group_recall": not_estimable(reason),
            "max_equalized_odds_difference": not_estimable(reason),
            "max_demographic_parity_difference": not_estimable(reason),
            "max_recall_difference": not_estimable(reason),
            "max_fpr_difference": not_estimable(reason),
            "by_attribute": {},
            "largest_gaps": [],
            "note": reason,
        }
    group_sets = [_group_set(frame, cols, labels, scores, config) for cols in column_sets]
    # One matrix for all group sets: a single wide product per chunk is far cheaper than many thin ones.
    cell_matrices = [_cell_matrix(gs, labels, flagged) for gs in group_sets]
    bounds = np.cumsum([0] + [m.shape[1] for m in cell_matrices])
    all_cells_t = sparse.csr_matrix(np.hstack(cell_matrices).T)  # each item sits in one group per set
    points = [_point_values(gs, labels, scores, threshold) for gs in group_sets]
    pairs = [_GapPairs.choose(points[i], gs) for i, gs in enumerate(group_sets)]
    auc_intervals = [len(gs.columns) == 1 or config.intersection_auc_intervals for gs in group_sets]

    def compute(weights: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        summed = np.asarray((all_cells_t @ weights.T).T)
        for i, gs in enumerate(group_sets):
            per_group = _resampled(gs, summed[:, bounds[i] : bounds[i + 1]], weights, auc_intervals[i])
            for name, values in per_group.items():
                out[f"{i}/group/{name}"] = values
            for name, values in pairs[i].gaps(per_group).items():
                out[f"{i}/gap/{name}"] = values
        return out

    samples = collect(labels if strata is None else strata, plan, compute)
    sections = {gs.key: _section(gs, points[i], pairs[i], samples, i, plan) for i, gs in enumerate(group_sets)}
    single = {gs.key: sections[gs.key] for gs in group_sets if len(gs.columns) == 1}
    return {
        "attributes": single,
        "intersections": {gs.key: sections[gs.key] for gs in group_sets if len(gs.columns) == 2},
        **_summary(sections),
        "by_attribute": _summary(single),
        "largest_gaps": _largest_gaps(sections),
        "min_group_size": config.min_group_size,
        "min_group_class_count": config.min_group_class_count,
    }


def _section(gs: _GroupSet, point: pd.DataFrame, pairs: _GapPairs, samples: dict, i: int, plan: BootstrapPlan) -> dict:
    """One attribute's (or pair's) groups and gaps in the report's shape."""
    groups = []
    for k, name in enumerate(gs.names):
        row = {"group": name, "values": gs.values[k], "n": int(gs.n[k]), "positives": int(gs.positives[k]), "estimable": bool(gs.usable["roc_auc"][k])}
        for m in GROUP_METRICS:
            value = float(point[m].iloc[k])
            if not gs.usable[m][k]:
                row[m] = not_estimable(TOO_FEW)
            elif f"{i}/group/{m}" in samples:
                row[m] = metric(value, samples[f"{i}/group/{m}"][:, k], plan.confidence)
            else:
                row[m] = metric(value, None, note="interval not computed for pairs of attributes")
        groups.append(row)
    section: dict = {"columns": list(gs.columns), "groups": groups}
    point_gaps = pairs.gaps({m: point[m].to_numpy()[None, :] for m in ("recall", "fpr", "selection_rate")})
    for name, values in point_gaps.items():
        note = "fewer than two groups large enough to compare" if not np.isfinite(values[0]) else None
        section[name] = metric(float(values[0]), samples[f"{i}/gap/{name}"], plan.confidence, note=note)
    section["gap_groups"] = {
        name: None if pair is None else {"highest": gs.names[pair[0]], "lowest": gs.names[pair[1]]} for name, pair in pairs.pairs.items()
    }
    section["equalized_odds_from"] = pairs.equalized_odds_source
    section["worst_group"] = None if pairs.worst_recall is None else gs.names[pairs.worst_recall]
    return section


def _summary(sections: dict[str, dict]) -> dict:
    """The worst group recall and the largest gaps over the given sections (with that one's interval and groups).

    Computed over attributes and pairs, and again over single attributes (`by_attribute`): a pair
    splits the data into 9 cells, so the same limit needs about 3 times the data to be resolved
    (`saferkit evaluate plan`); a profile says which grouping its fairness limits judge.
    """
    out = {}
    for name, key, pick in (
        ("worst_group_recall", "worst_group_recall", min),
        ("max_equalized_odds_difference", "equalized_odds_difference", max),
        ("max_demographic_parity_difference", "demographic_parity_difference", max),
        ("max_recall_difference", "recall_difference", max),
        ("max_fpr_difference", "fpr_difference", max),
    ):
        candidates = [(k, s[key]) for k, s in sections.items() if s[key]["value"] is not None]
        if not candidates:
            out[name] = not_estimable("no group large enough to estimate")
            continue
        where, best = pick(candidates, key=lambda item: item[1]["value"])
        group = sections[where]["worst_group"] if key == "worst_group_recall" else None
        out[name] = {**best, "attribute": where, **({"group": group} if group else {}), **_gap_groups(sections[where], key)}
    return out


def _gap_groups(section: dict, key: str) -> dict:
    """For a gap: the two groups it compares and the rate it is on, e.g. {"groups": "c | dark vs a | bright", "rate": "recall"}."""
    rate = {"equalized_odds_difference": section["equalized_odds_from"], "demographic_parity_difference": "selection_rate",
            "recall_difference": "recall", "fpr_difference": "fpr"}.get(key)
    pair = section["gap_groups"].get(rate) if rate else None
    return {"groups": f"{pair['highest']} vs {pair['lowest']}", "rate": rate} if pair else {}


def _largest_gaps(sections: dict[str, dict], top: int = 5) -> list[dict]:
    """The attributes and pairs with the largest equalised-odds and parity gaps, largest first."""
    rows = []
    for key, section in sections.items():
        for gap in ("equalized_odds_difference", "demographic_parity_difference"):
            value = section[gap]["value"]
            if value is not None:
                rows.append({"attribute": key, "gap": gap, **section[gap]})
    return sorted(rows, key=lambda r: -r["value"])[:top]
