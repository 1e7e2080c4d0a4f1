"""`saferkit evaluate plan`: the test size at which each criterion's interval can resolve its limit."""

from __future__ import annotations

import json

import numpy as np
from ethics_cases import run_cli

from saferkit.ethics.plan import PlanAssumptions, auc_standard_error, evaluation_synth_split, plan_evaluation, wilson_bounds
from saferkit.ethics.profile import load_profile
from saferkit.evaluation.bootstrap import BootstrapPlan, collect, interval


def rows_by_metric(plan):
    return {row.metric: row for row in plan.rows}


def test_each_count_is_the_smallest_that_resolves_the_limit():
    profile = load_profile()
    plan = plan_evaluation(profile)
    z = plan.assumptions.z
    recall = rows_by_metric(plan)["operating_point.recall"]
    limit = profile.limits["min_recall"]
    assert wilson_bounds(recall.assumed, recall.count, z)[0] >= limit > wilson_bounds(recall.assumed, recall.count - 1, z)[0]
    auc = rows_by_metric(plan)["headline.roc_auc"]
    half = auc.count / 2
    assert auc.assumed - z * auc_standard_error(auc.assumed, half, half) >= profile.limits["min_roc_auc"]
    assert plan.test_items == max(row.test_items for row in plan.rows if row.required and row.test_items)


def test_the_normal_approximation_agrees_with_the_bootstrap_the_evaluation_uses():
    """At the planned count, the bootstrap percentile lower bound of recall lands on the limit (to 0.01)."""
    profile = load_profile()
    row = rows_by_metric(plan_evaluation(profile))["operating_point.recall"]
    hits = np.zeros(row.count)
    hits[: round(row.assumed * row.count)] = 1.0
    samples = collect(np.ones(row.count), BootstrapPlan(2000, 0), lambda w: {"recall": (w @ hits) / w.sum(axis=1)})
    low, _ = interval(samples["recall"])
    assert abs(low - profile.limits["min_recall"]) < 0.01


def test_a_wider_margin_or_a_looser_limit_needs_fewer_items():
    narrow = plan_evaluation(load_profile(), PlanAssumptions(margin=0.03)).test_items
    wide = plan_evaluation(load_profile(), PlanAssumptions(margin=0.08)).test_items
    assert narrow > wide > 0


def test_the_data_recipe_gives_the_planned_test_split():
    from saferkit.datasets.plan import make_config, split_sizes

    plan = plan_evaluation(load_profile())
    n, splits = evaluation_synth_split(plan.test_items)
    sizes = split_sizes(make_config(n=n, splits=splits, spurious=["palette=b:0.9"]))
    assert sizes["test"] >= plan.test_items
    assert sizes["test_balanced"] == sizes["test_conflicting"] == sizes["test"]
    assert f"--n {n} --splits {splits} --spurious palette=b:0.9" in plan.synth_command()


def test_plan_command_prints_the_table_and_the_data_command(tmp_path):
    result = run_cli("evaluate", "plan")
    assert result.returncode == 0, result.stderr
    assert "fairness.no_shortcut" in result.stdout and "saferkit data synth eval-data --n" in result.stdout
    as_json = json.loads(run_cli("evaluate", "plan", "--json", "--margin", "0.08").stdout)
    assert as_json["test_items"] == plan_evaluation(load_profile(), PlanAssumptions(margin=0.08)).test_items
    bad = run_cli("evaluate", "plan", "--margin", "2")
    assert bad.returncode != 0 and "--margin" in bad.stderr and "Traceback" not in bad.stderr
    missing = run_cli("evaluate", "plan", "--profile", str(tmp_path / "nope.yaml"))
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def test_plan_makes_the_planned_evaluation_data(tmp_path):
    from saferkit.datasets import load_dataset

    result = run_cli("evaluate", "plan", "--margin", "0.2", "--make-data", tmp_path / "eval")
    assert result.returncode == 0, result.stderr
    splits = load_dataset(tmp_path / "eval")["split"].value_counts()
    planned = plan_evaluation(load_profile(), PlanAssumptions(margin=0.2)).test_items
    assert splits["test"] >= planned and splits["test_conflicting"] == splits["test"]
