"""The default profile is calibrated: the kit's baseline qualifies on the planned evaluation data, bad models fail.

The baseline is trained by the kit's own defaults, by running the documented
commands as written (`saferkit data synth data --n 6000`, `saferkit baseline
train data --out runs/base`), once, and cached under
$SAFERKIT_CALIBRATION_CACHE (default: the system temp folder), keyed by those
lines, the kit version and the data and training code
(tests/support/baseline_cache.py, shared with the docs tests); training takes
about 9 minutes on 2 busy cores, a cached run a few seconds. Each run exports it
afresh (`saferkit baseline export`). The evaluation data is what
`saferkit evaluate plan --make-data` writes for the default profile. Each bad
model breaks one property and must fail the criterion meant to catch it:

- a model at chance (a random projection of the pixels): harm.accuracy;
- the palette-shortcut model of the bias tests (scores colour): fairness.no_shortcut;
- the baseline made underconfident (probabilities to the power 0.4, renormalised; same flags): harm.calibration;
- the baseline made fragile (scores reversed when fine detail drops, as after a mild resize): harm.robustness.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from saferkit.ethics.automatic import decide_automatic
from saferkit.ethics.checklist import load_criteria
from saferkit.ethics.plan import DEFAULT_SPURIOUS, evaluation_synth_split, plan_evaluation
from saferkit.ethics.profile import load_profile

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # training (uncached) and five evaluations

EVAL_SEED = 1
POWER = 0.4  # scores squeezed towards 0.5: ECE 0.22 where the baseline has 0.07
DETAIL_FLOOR = 0.016  # the 5th percentile of clean test images' detail level; a resize to 80% cuts it by 0.62


def cached_baseline(out: Path) -> Path:
    """The baseline submission: trained by the documented commands once per key (tests/support/baseline_cache.py,
    shared with the docs tests), exported afresh into `out`.

    Only the training is cached, so a change to the export (the threshold, the claims) is always tested.
    """
    from baseline_cache import documented_baseline

    from saferkit.baseline.export import export_submission

    root = documented_baseline()
    export_submission(root / "runs" / "base", out, data_dir=root / "data")
    return out


def variant(baseline: Path, folder: Path, name: str, model: bytes, threshold: float | None = None) -> Path:
    """A copy of the baseline's submission with another model (and threshold), no claims."""
    manifest = yaml.safe_load((baseline / "submission.yaml").read_text(encoding="utf-8"))
    manifest.update(name=f"calibration-{name}", claims={})
    if threshold is not None:
        manifest["operating_point"] = {"threshold": threshold, "chosen_for": "calibration test"}
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(model)
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def decisions(tmp_path_factory):
    """Every automatic criterion decided for the baseline and each bad model, on the planned evaluation data."""
    from gate_models import chance_model, fragile_model, tempered_model, power_threshold
    from toy_submissions import toy_model_bytes

    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

    root = tmp_path_factory.mktemp("calibration")
    profile = load_profile()
    n, splits = evaluation_synth_split(plan_evaluation(profile).test_items)
    generate(root / "eval", make_config(n=n, seed=EVAL_SEED, splits=splits, spurious=[DEFAULT_SPURIOUS]))

    baseline = cached_baseline(root / "baseline")
    manifest = yaml.safe_load((baseline / "submission.yaml").read_text(encoding="utf-8"))
    model = (baseline / "model.onnx").read_bytes()
    names, size, threshold = (manifest["input"]["name"], manifest["output"]["name"]), manifest["input"]["height"], manifest["operating_point"]["threshold"]
    submissions = {
        "baseline": baseline,
        "chance": variant(baseline, root / "chance", "chance", chance_model(*names, size), 0.5),
        "shortcut": variant(baseline, root / "shortcut", "shortcut", toy_model_bytes("red", *names), 0.5),
        "miscalibrated": variant(baseline, root / "miscalibrated", "miscalibrated", tempered_model(model, POWER), power_threshold(threshold, POWER)),
        "fragile": variant(baseline, root / "fragile", "fragile", fragile_model(model, DETAIL_FLOOR, 5000.0)),
    }
    criteria = [c for c in load_criteria() if c.kind == "automatic"]
    found = {}
    for name, submission in submissions.items():
        # The baseline gets the evaluation's defaults. The bad models' defects are blatant, so they get fewer
        # resamples and a smaller robustness subset (the plan needs 158 items); the miscalibrated model ranks
        # exactly as the baseline, so its robustness pass would repeat the baseline's.
        config = EvaluationConfig(efficiency=False) if name == "baseline" else EvaluationConfig(
            efficiency=False, bootstrap_resamples=200, robustness_resamples=100, robustness_max_items=600, robustness=name != "miscalibrated")
        report = evaluate(submission, root / "eval", root / f"report-{name}", config).report
        found[name] = {c.id: decide_automatic(c, report, profile, report["submission"]["sha256"]) for c in criteria}
        (root / f"decisions-{name}.txt").write_text(
            "\n".join(f"{cid}: {d.result}: {d.why}" for cid, d in found[name].items()), encoding="utf-8")
    return found


def test_the_baseline_passes_every_required_measured_criterion(decisions):
    profile = load_profile()
    required = [c.id for c in load_criteria() if c.kind == "automatic" and profile.is_required(c) and c.id != "governance.audit_trail"]
    failing = {cid: f"{decisions['baseline'][cid].result}: {decisions['baseline'][cid].why}" for cid in required if decisions["baseline"][cid].result != "pass"}
    assert failing == {}


@pytest.mark.parametrize("model, criterion, words", [
    ("chance", "harm.accuracy", "headline.roc_auc"),
    ("shortcut", "fairness.no_shortcut", "gap"),
    ("miscalibrated", "harm.calibration", "calibration.ece"),
    ("fragile", "harm.robustness", "severity"),
])
def test_each_bad_model_fails_the_criterion_meant_to_catch_it(decisions, model, criterion, words):
    decision = decisions[model][criterion]
    assert decision.result == "fail", decision.why
    assert words in decision.why + decision.evidence


def test_the_defects_are_specific(decisions):
    """Same ranking as the baseline: accuracy still passes for the miscalibrated and the fragile model."""
    assert decisions["miscalibrated"]["harm.accuracy"].result == "pass"
    assert decisions["fragile"]["harm.accuracy"].result == "pass"
    assert decisions["miscalibrated"]["fairness.no_shortcut"].result == "pass"
