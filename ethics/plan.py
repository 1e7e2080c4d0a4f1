"""Size an evaluation to the decisions it must make: how many test items each criterion needs.

A criterion judged on the cautious end of an interval (lower bound of recall,
upper bound of a gap) can only pass when the interval is narrower than the
distance between the model's true value and the limit. This module computes,
for every automatic criterion a profile judges, the smallest count (of test
items, positives, or items per group) at which a model whose true value sits
`margin` on the good side of the limit is expected to show it.

The evaluation itself uses stratified bootstrap percentile intervals; for
planning they are approximated in closed form, which is accurate enough to
size a data set and says so in every row:

- a proportion (recall, a group's recall): the Wilson score interval;
- ROC AUC: the Hanley-McNeil (1982) standard error with a normal interval;
- a gap between two groups' rates: the normal interval of a difference of two
  independent proportions, each group holding the planned count;
- expected calibration error: for a calibrated model the estimate itself is
  biased upwards by about sqrt(2/pi) * sqrt(v * bins / n) (v: mean score
  variance p(1-p)), and its upper bound adds z times the same scale;
- a difference of two AUCs judged on its value (robustness drop, shortcut
  gap): z times the standard error of the difference must fit in the margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from saferkit.datasets.manifest import ATTRIBUTES
from saferkit.ethics.checklist import Criterion, load_criteria
from saferkit.ethics.profile import SINGLE_ATTRIBUTES, Profile

CALIBRATION_BINS = 10
MAX_COUNT = 10_000_000
DEFAULT_SPURIOUS = "palette=b:0.9"  # the cue the kit's shortcut tests use; its variants feed fairness.no_shortcut
EVAL_TRAIN_SHARE = 0.05  # `--spurious` needs a train split; an evaluation set keeps it token-sized


@dataclass(frozen=True)
class PlanAssumptions:
    """What the plan assumes about a good model and the data; every number is printed with the plan."""

    margin: float = 0.05  # the true value lies this far inside the limit
    confidence: float = 0.95
    positive_share: float = 0.5  # share of positives in each test split (`data synth` uses 0.5)
    group_fpr: float = 0.20  # a group's false-positive rate at a high-recall threshold (the baseline's is 0.18 overall)
    group_recall: float = 0.90  # a group's recall at that threshold
    score_variance: float = 0.05  # mean p(1-p) of a confident model's scores (ECE noise)
    robustness_max_items: int = 2000  # the evaluation's stratified robustness subset

    @property
    def z(self) -> float:
        return NormalDist().inv_cdf(0.5 + self.confidence / 2)


@dataclass(frozen=True)
class PlanRow:
    """One measure: the count it needs, of what, and the test-split size that gives it."""

    criterion: str
    metric: str
    rule: str
    assumed: float
    count: int | None  # None: the measure does not depend on the test size
    unit: str
    test_items: int | None
    method: str
    required: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EvaluationPlan:
    """Every row, and the test-split size that serves every required criterion."""

    profile: str
    assumptions: PlanAssumptions
    rows: tuple[PlanRow, ...]
    grouping: str = "attributes-and-pairs"  # the profile's fairness_grouping

    @property
    def test_items(self) -> int:
        """Items in `test` (and in each of test_balanced / test_conflicting) for every required measure."""
        sizes = [row.test_items for row in self.rows if row.required and row.test_items is not None]
        return max(sizes) if sizes else 0

    def synth_command(self, out: str = "eval-data", spurious: str = DEFAULT_SPURIOUS) -> str:
        """The `saferkit data synth` line that makes evaluation data of the planned size with the shortcut variants."""
        return evaluation_synth_command(self.test_items, out, spurious)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "grouping": self.grouping,
            "assumptions": dict(self.assumptions.__dict__),
            "test_items": self.test_items,
            "synth_command": self.synth_command(),
            "rows": [row.to_json() for row in self.rows],
        }




def evaluation_synth_split(test_items: int) -> tuple[int, str]:
    """`--n` and `--splits` giving a test split of at least `test_items` next to a token train split."""
    n = math.ceil(test_items / (1 - EVAL_TRAIN_SHARE))
    return n, f"train={EVAL_TRAIN_SHARE:g},test={1 - EVAL_TRAIN_SHARE:g}"


def evaluation_synth_command(test_items: int, out: str = "eval-data", spurious: str = DEFAULT_SPURIOUS) -> str:
    n, splits = evaluation_synth_split(test_items)
    return f"saferkit data synth {out} --n {n} --splits {splits} --spurious {spurious}"


def _smallest(ok: Any) -> int | None:
    """The smallest n >= 2 with ok(n) true (ok is monotone), or None beyond MAX_COUNT."""
    high = 2
    while not ok(high):
        high *= 2
        if high > MAX_COUNT:
            return None
    low = high // 2
    while low + 1 < high:
        mid = (low + high) // 2
        low, high = (low, mid) if ok(mid) else (mid, high)
    return max(high, 2)


def wilson_bounds(p: float, n: float, z: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion p observed on n items."""
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def auc_standard_error(auc: float, positives: float, negatives: float) -> float:
    """Hanley & McNeil's standard error of a ROC AUC."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    return math.sqrt(max(variance, 0.0) / (positives * negatives))


def judged_groups(profile: Profile) -> int:
    """Cells of the finest grouping the profile's bias limits judge: one attribute (3) or a pair (3 x 3)."""
    sizes = sorted(len(values) for values in ATTRIBUTES.values())
    return sizes[-1] if profile.fairness_grouping == SINGLE_ATTRIBUTES else sizes[-1] * sizes[-2]


def _row(criterion: Criterion, measure: dict[str, Any], profile: Profile, a: PlanAssumptions) -> PlanRow:
    limit = profile.limits[measure["limit"]]
    if measure.get("check") == "robustness_bands":  # the largest judged row's AUC drop, on its value
        measure = {**measure, "metric": "robustness.max_auc_drop", "op": "<=", "bound": "value"}
    metric, op, bound = measure["metric"], measure["op"], measure["bound"]
    inside = limit + a.margin if op == ">=" else limit - a.margin
    rule = f"{bound} {op} {limit:g} ({measure['limit']})"
    z, share, groups = a.z, a.positive_share, judged_groups(profile)

    def row(count: int | None, unit: str, test_items: int | None, method: str, assumed: float = inside) -> PlanRow:
        return PlanRow(criterion.id, profile.metric_path(metric), rule, round(assumed, 4), count, unit, test_items, method, profile.is_required(criterion))

    if metric == "headline.roc_auc":
        count = _smallest(lambda n: inside - z * auc_standard_error(inside, n * share, n * (1 - share)) >= limit)
        return row(count, "test items", count, "Hanley-McNeil normal interval")
    if metric == "operating_point.recall":
        count = _smallest(lambda n: wilson_bounds(inside, n, z)[0] >= limit)
        return row(count, "positives", _ceil(count, share), "Wilson interval")
    if metric == "calibration.ece":
        scale = math.sqrt(2 / math.pi) + z
        count = _smallest(lambda n: inside + scale * math.sqrt(a.score_variance * CALIBRATION_BINS / n) <= limit)
        return row(count, "test items", count, f"ECE bias + z-interval, {CALIBRATION_BINS} bins, score variance {a.score_variance:g}")
    if metric == "bias.worst_group_recall":
        count = _smallest(lambda n: wilson_bounds(inside, n, z)[0] >= limit)
        return row(count, f"positives per group ({groups} groups)", _ceil(count, share / groups), "Wilson interval")
    gaps = {  # the rate a gap compares, and which items of a group carry it
        "bias.max_equalized_odds_difference": (a.group_fpr, 1 - share, "negatives"),  # FPR: the wider of the two
        "bias.max_fpr_difference": (a.group_fpr, 1 - share, "negatives"),
        "bias.max_recall_difference": (a.group_recall, share, "positives"),
        "bias.max_demographic_parity_difference": (0.5, 1.0, "items"),
    }
    if metric in gaps:
        rate, per, what = gaps[metric]
        count = _smallest(lambda n: inside + z * math.sqrt(2 * rate * (1 - rate) / n) <= limit)
        method = f"difference of two proportions at rate {rate:g}"
        return row(count, f"{what} per group ({groups} groups)", _ceil(count, per / groups), method)
    if metric.startswith("variants.") or metric == "robustness.max_auc_drop":
        # A difference of two AUCs near 0.95 (unpaired: cautious), judged on its value.
        count = _smallest(lambda n: z * math.sqrt(2) * auc_standard_error(0.95, n * share, n * (1 - share)) <= a.margin)
        if metric == "robustness.max_auc_drop":
            capped = count if count is None else min(count, a.robustness_max_items)
            return row(count, "items in the robustness subset", capped, "SE of an AUC difference (value rule)")
        return row(count, "items per variant split", count, "SE of an AUC difference (value rule)")
    return row(None, "n/a (no interval)", None, "does not depend on the test size", assumed=limit)


def _ceil(count: int | None, share: float) -> int | None:
    return None if count is None else math.ceil(count / share)


def plan_evaluation(profile: Profile, assumptions: PlanAssumptions = PlanAssumptions(), criteria: tuple[Criterion, ...] | None = None) -> EvaluationPlan:
    """The plan for every automatic, limit-based measure the profile judges."""
    criteria = criteria if criteria is not None else load_criteria()
    rows = [
        _row(criterion, measure, profile, assumptions)
        for criterion in criteria
        if criterion.kind == "automatic"
        for measure in criterion.measures
        if "limit" in measure
    ]
    return EvaluationPlan(profile.name, assumptions, tuple(rows), profile.fairness_grouping)


def render_plan(plan: EvaluationPlan, out: str = "eval-data") -> str:
    """The plan as a plain-text table (under 100 columns; metrics in --json) with its assumptions and the data command."""
    a = plan.assumptions
    lines = [
        f"Evaluation plan for profile '{plan.profile}': a true value {a.margin:g} inside each limit, "
        f"{a.confidence:.0%} intervals, {a.positive_share:.0%} positives.",
        f"Assumed per group: recall {a.group_recall:g}, false-positive rate {a.group_fpr:g}; mean score variance "
        f"{a.score_variance:g}; groups judged: {plan.grouping}.",
        "Normal/Wilson approximations of the bootstrap percentile intervals the evaluation computes.",
        "",
        f"{'criterion':<28} {'limit':<9} {'assumed':>7} {'needs':>6}  {'of':<30} {'test':>5}",
    ]
    for row in plan.rows:
        limit = " ".join(row.rule.split()[1:3])
        flag = "" if row.required else "  (not required)"
        lines.append(f"{row.criterion:<28} {limit:<9} {row.assumed:>7.4g} {_count(row.count):>6}  {row.unit:<30} {_count(row.test_items):>5}{flag}")
    lines += [
        "",
        f"test split: {plan.test_items} items (the largest need of a required criterion); "
        "test_balanced and test_conflicting get as many each.",
        f"make it with:  {plan.synth_command(out)}",
    ]
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)
