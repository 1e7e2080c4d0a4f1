"""`saferkit evaluate`: score a submission on a permitted data set and write the report.

Order of work: check the submission (every problem listed, nothing runs on an
invalid one), load the data through the provenance gate, score the test split,
compute every section with stratified seeded bootstrap intervals, then write
report.json/html/md into a temporary folder that is renamed into place, and
record the run in MLflow. A section that cannot be computed is listed under
`sections_invalid` with the reason; it never holds a made-up number.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import numpy as np

from saferkit.core.errors import UserError

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
REPORT_MD = "report.md"
SCORES_CSV = "scores.csv"
DEFAULT_SEVERITIES = (1, 3, 5)


@dataclass
class EvaluationConfig:
    """Everything that changes the numbers; recorded in the report so a run can be repeated."""

    seed: int = 0
    bootstrap_resamples: int = 1000
    confidence: float = 0.95
    min_group_size: int = 30
    min_group_class_count: int = 5
    intersections: bool = True
    precision_k: int = 100
    robustness: bool = True
    transforms: tuple[str, ...] | None = None  # None: every transform in datasets.transforms
    severities: tuple[int, ...] = DEFAULT_SEVERITIES
    robustness_resamples: int = 200
    robustness_max_items: int | None = 2000  # stratified subset for the 39 perturbed passes; None or 0: all items
    efficiency: bool = True
    private: bool = False
    batch_size: int = 64
    workers: int | None = None
    provider: str = "auto"
    tracking_uri: str | None = None
    overwrite: bool = False


@dataclass
class Progress:
    """Callbacks the CLI uses for its progress bars (no-ops by default)."""

    start: Callable[[str, int], None] = lambda label, total: None
    advance: Callable[[int], None] = lambda n: None
    note: Callable[[str], None] = lambda text: None


@dataclass
class EvaluationResult:
    out: Path
    report: dict[str, Any]
    mlflow_run_id: str | None = None
    invalid: list[dict[str, str]] = field(default_factory=list)


def software_versions() -> dict[str, str]:
    """Versions of what produced the numbers."""
    from saferkit import __version__

    versions = {"saferkit": __version__, "python": platform.python_version()}
    for package in ("numpy", "scikit-learn", "fairlearn", "onnx", "onnxruntime", "pandas", "pillow", "mlflow", "matplotlib"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _load_test_data(data_dir: Path):
    """The data set's rows (provenance-gated), its provenance digest, and the test split."""
    from saferkit.datasets import load_dataset
    from saferkit.datasets.manifest import TEST
    from saferkit.datasets.provenance import provenance_sha256

    frame = load_dataset(data_dir)
    splits = {str(k): int(v) for k, v in frame["split"].value_counts().sort_index().items()} if "split" in frame else {}
    test = frame[frame["split"] == TEST] if "split" in frame else frame.iloc[0:0]
    if test.empty:
        raise UserError(
            f"{data_dir} has no '{TEST}' split (splits found: {', '.join(splits) or 'none'}); the harness scores the test split only. "
            "Generate data with `saferkit data synth` or add a split column with 'test' rows."
        )
    flags = set(test["flag"].astype(int))
    if flags != {0, 1}:
        only = "positives" if flags == {1} else "negatives"
        raise UserError(
            f"the test split of {data_dir} holds only {only} ({len(test)} items); ranking metrics, recall and FPR need both. "
            "Use a test split with positive and negative items."
        )
    return frame, splits, provenance_sha256(data_dir)


def _headline_section(labels: np.ndarray, scores: np.ndarray, threshold: float, plan, k: int) -> dict[str, Any]:
    """Headline ranking metrics, operating point and calibration from one set of resamples."""
    from saferkit.evaluation import ranking
    from saferkit.evaluation.bootstrap import collect, metric
    from saferkit.evaluation.calibration import calibration_metrics, reliability_table
    from saferkit.evaluation.operating_point import confusion, rates

    ranked = ranking.RankedItems.build(labels, scores)

    def compute(weights: np.ndarray | None) -> dict[str, np.ndarray]:
        values = ranking.headline_metrics(ranking.cumulative_counts(ranked, weights), k)
        cells = confusion(labels, scores, threshold, weights)
        values.update({f"op/{name}": v for name, v in rates(cells).items()})
        values.update({f"cal/{name}": v for name, v in calibration_metrics(labels, scores, weights).items()})
        return values

    point = compute(None)
    samples = collect(labels, plan, compute)
    cells = {name: int(v[0]) for name, v in confusion(labels, scores, threshold).items()}

    def m(name: str) -> dict[str, Any]:
        return metric(float(point[name][0]), samples[name], plan.confidence)

    return {
        "headline": {name: m(name) for name in ranking.HEADLINE_METRICS},
        "operating_point": {"threshold": threshold, **cells, **{name: m(f"op/{name}") for name in ("precision", "recall", "specificity")}},
        "calibration": {"brier": m("cal/brier"), "ece": m("cal/ece"), "bins": 10, "reliability": reliability_table(labels, scores)},
        "curves": ranking.curves(labels, scores),
        "precision_k": min(k, len(labels)),
    }


def _robustness_section(model, images, labels, clean_scores, threshold, config: EvaluationConfig, plan_seed: int, progress: Progress, positive_scores) -> tuple[dict, list]:
    """Headline metrics under each transform x severity, the drop from clean, and a paired interval on the drop."""
    from saferkit.datasets.transforms import TRANSFORMS, apply_transform
    from saferkit.evaluation import ranking
    from saferkit.evaluation.bootstrap import BootstrapPlan, collect, interval
    from saferkit.evaluation.operating_point import is_flagged
    from saferkit.evaluation.runner import ModelOutputError
    from saferkit.evaluation.scoring import score_all

    names = config.transforms or TRANSFORMS
    unknown = [n for n in names if n not in TRANSFORMS]
    if unknown:
        raise UserError(f"unknown transform(s) {', '.join(unknown)}; use any of {', '.join(TRANSFORMS)}.")
    index = np.arange(len(images))
    if config.robustness_max_items and len(images) > config.robustness_max_items:
        rng = np.random.default_rng(plan_seed)
        index = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == v))[: max(1, int(config.robustness_max_items * (labels == v).mean()))] for v in (0, 1)]))
    subset = [images[i] for i in index]
    y = labels[index]
    clean = clean_scores[index]
    clean_ranked = ranking.RankedItems.build(y, clean)
    clean_auc = float(ranking.roc_auc(ranking.cumulative_counts(clean_ranked))[0])
    plan = BootstrapPlan(config.robustness_resamples, plan_seed)
    rows, invalid = [], []
    progress.start("robustness", len(names) * len(config.severities) * len(subset))
    for name in names:
        for severity in config.severities:
            seed_base = plan_seed * 1_000_003

            def perturb(image, i, name=name, severity=severity):
                return apply_transform(image, name, severity, seed_base + int(index[i]))

            try:
                probabilities = score_all(model, subset, batch_size=config.batch_size, perturb=perturb, workers=config.workers, on_progress=progress.advance)
            except ModelOutputError as exc:
                invalid.append({"section": f"robustness/{name}/{severity}", "reason": str(exc)})
                rows.append({"transform": name, "severity": severity, "valid": False, "reason": str(exc)})
                continue
            scores = positive_scores(probabilities)
            ranked = ranking.RankedItems.build(y, scores)
            counts = ranking.cumulative_counts(ranked)
            headline = {k: float(v[0]) for k, v in ranking.headline_metrics(counts, config.precision_k).items()}
            recall = float((is_flagged(scores, threshold) & (y == 1)).sum() / (y == 1).sum())

            def paired(weights):
                return {"drop": ranking.roc_auc(ranking.cumulative_counts(clean_ranked, weights)) - ranking.roc_auc(ranking.cumulative_counts(ranked, weights))}

            low, high = interval(collect(y, plan, paired)["drop"], plan.confidence)
            rows.append(
                {
                    "transform": name,
                    "severity": severity,
                    "valid": True,
                    "roc_auc": headline["roc_auc"],
                    "recall_at_threshold": recall,
                    "auc_drop": clean_auc - headline["roc_auc"],
                    "auc_drop_ci_low": low,
                    "auc_drop_ci_high": high,
                    "headline": headline,
                }
            )
    if invalid:  # fail closed: a model that breaks under a transform must not look robust
        broken = ", ".join(entry["section"].split("/", 1)[1] for entry in invalid)
        invalid.append({"section": "robustness", "reason": f"model output invalid under {broken}; max_auc_drop covers the valid rows only"})
    drops = [r["auc_drop"] for r in rows if r.get("valid")]
    section = {
        "rows": rows,
        "clean_roc_auc": clean_auc,
        "items": int(len(subset)),
        "severities": list(config.severities),
        "max_auc_drop": max(drops) if drops else None,
        "mean_auc_drop": float(np.mean(drops)) if drops else None,
        "resamples_for_drop": config.robustness_resamples,
    }
    if drops:
        worst = max((r for r in rows if r.get("valid")), key=lambda r: r["auc_drop"])
        section["worst"] = {"transform": worst["transform"], "severity": worst["severity"], "auc_drop": worst["auc_drop"]}
    return section, invalid


def _variant_sections(frame, model, config, plan, threshold, progress, positive_scores) -> tuple[dict, list]:
    """Headline results on test_balanced / test_conflicting when the data has them."""
    from saferkit.datasets.manifest import TEST_BALANCED, TEST_CONFLICTING
    from saferkit.evaluation.scoring import load_images, score_all

    out, invalid = {}, []
    for split in (TEST_BALANCED, TEST_CONFLICTING):
        rows = frame[frame["split"] == split]
        if rows.empty:
            continue
        labels = rows["flag"].astype(int).to_numpy()
        if len(set(labels)) < 2:
            invalid.append({"section": f"variants/{split}", "reason": "the split holds only one class"})
            continue
        progress.start(split, len(rows))
        images = load_images(list(rows["abspath"]))
        scores = positive_scores(score_all(model, images, batch_size=config.batch_size, workers=config.workers, on_progress=progress.advance))
        section = _headline_section(labels, scores, threshold, plan, config.precision_k)
        out[split] = {"n": int(len(rows)), "positives": int(labels.sum()), **section["headline"], "operating_point": section["operating_point"]}
    return out, invalid


def evaluate(submission_path: str | Path, data_dir: str | Path, out: str | Path, config: EvaluationConfig | None = None, progress: Progress | None = None) -> EvaluationResult:
    """Evaluate a submission on a data set's test split and write the report folder."""
    from saferkit.datasets.manifest import ATTRIBUTES
    from saferkit.evaluation.bias import BiasConfig, bias_report
    from saferkit.evaluation.bootstrap import BootstrapPlan
    from saferkit.evaluation.check import check_submission
    from saferkit.evaluation.claims import check_claims
    from saferkit.evaluation.runner import OnnxTriageModel, available_providers
    from saferkit.evaluation.scoring import load_images, score_all

    config = config or EvaluationConfig()
    progress = progress or Progress()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; choose a folder for the report.")
    if out.exists() and any(out.iterdir()) and not config.overwrite:
        raise UserError(f"{out} already holds files; pass --overwrite or choose another --out.")
    if config.bootstrap_resamples < 100:
        raise UserError(f"--resamples {config.bootstrap_resamples} is too few for a 95% interval; use at least 100 (1000 recommended).")
    data_dir = Path(data_dir)

    progress.note("checking the submission")
    checked = check_submission(submission_path)
    checked.raise_if_invalid()
    submission = checked.submission
    frame, splits, provenance_digest = _load_test_data(data_dir)
    test = frame[frame["split"] == "test"].reset_index(drop=True)
    labels = test["flag"].astype(int).to_numpy()

    model = OnnxTriageModel(submission, providers=config.provider, threads=1)
    progress.start("loading test images", len(test))
    images = load_images(list(test["abspath"]), on_progress=progress.advance)
    progress.start("scoring test split", len(test))
    probabilities = score_all(model, images, batch_size=config.batch_size, workers=config.workers, on_progress=progress.advance)
    scores = model.positive_scores(probabilities).astype(np.float64)

    plan = BootstrapPlan(config.bootstrap_resamples, config.seed, config.confidence)
    invalid: list[dict[str, str]] = []
    progress.note("bootstrap: headline, operating point, calibration")
    core = _headline_section(labels, scores, submission.threshold, plan, config.precision_k)
    progress.note("bias")
    bias = bias_report(
        test, labels, scores, submission.threshold, tuple(ATTRIBUTES), plan,
        BiasConfig(config.min_group_size, config.min_group_class_count, config.intersections),
    )
    report: dict[str, Any] = {
        "schema_version": 1,
        "kind": "saferkit-evaluation-report",
        "private": config.private,
        "submission": {
            "name": submission.name,
            "version": submission.version,
            "sha256": submission.sha256,
            "model_sha256": submission.model_sha256,
            "task": submission.task,
            "labels": submission.labels,
            "positive_label": submission.output.get("positive_label"),
            "threshold": submission.threshold,
            "chosen_for": submission.manifest["operating_point"].get("chosen_for"),
            "team": submission.manifest["team"]["name"],
        },
        "data": {
            "provenance_sha256": provenance_digest,
            "content": frame.attrs.get("provenance", {}).get("content"),
            "splits": splits,
            "evaluated_split": "test",
            "n": int(len(test)),
            "positives": int(labels.sum()),
        },
        "config": {**{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(config).items() if k not in ("tracking_uri", "overwrite", "workers")}, "bootstrap_stratified_by": "label", "interval": "percentile"},
        "software": software_versions(),
        **{k: core[k] for k in ("headline", "operating_point", "calibration")},
        "precision_k": core["precision_k"],
        "bias": bias,
    }
    report["config"]["bootstrap_resamples"] = config.bootstrap_resamples
    report["curves"] = core["curves"]  # aggregates only: safe in private reports too

    if submission.task == "multiclass-triage":
        from saferkit.evaluation.multiclass import multiclass_report, true_classes

        progress.note("multiclass results")
        classes = true_classes(test["category"].astype(str).to_numpy(), submission.labels)
        report["multiclass"] = multiclass_report(classes, probabilities.astype(np.float64), submission.labels, plan)

    variants, variant_invalid = _variant_sections(frame, model, config, plan, submission.threshold, progress, lambda p: model.positive_scores(p).astype(np.float64))
    report["variants"] = variants
    invalid += variant_invalid

    if config.robustness:
        robustness, robustness_invalid = _robustness_section(
            model, images, labels, scores, submission.threshold, config, config.seed, progress, lambda p: model.positive_scores(p).astype(np.float64)
        )
        report["robustness"] = robustness
        invalid += robustness_invalid
    else:
        report["robustness"] = {"rows": [], "max_auc_drop": None, "mean_auc_drop": None, "note": "skipped (--no-robustness)"}
        invalid.append({"section": "robustness", "reason": "skipped by the evaluator (--no-robustness)"})

    if config.efficiency:
        progress.note("efficiency")
        providers = ["cpu"] + (["cuda"] if "CUDAExecutionProvider" in available_providers() else [])
        try:
            from saferkit.evaluation.efficiency import efficiency_report

            report["efficiency"] = efficiency_report(submission, providers, None)
        except UserError as exc:
            report["efficiency"] = {"model_bytes": len(submission.model_bytes), "valid": False, "reason": str(exc)}
            invalid.append({"section": "efficiency", "reason": str(exc)})
    else:
        report["efficiency"] = {"model_bytes": len(submission.model_bytes), "note": "timing skipped (--no-efficiency)"}

    report["claims"] = check_claims(submission.manifest.get("claims") or {}, report)
    report["sections_invalid"] = invalid
    report["headline_summary"] = headline_summary(report)

    from saferkit.evaluation.report_files import write_report_folder

    progress.note("writing the report")
    scores_table = None if config.private else {"path": list(test["path"]), "flag": labels.tolist(), "score": scores.tolist()}
    write_report_folder(report, out, scores_table=scores_table, overwrite=config.overwrite)
    from saferkit.evaluation.tracking import log_evaluation

    run_id = log_evaluation(report, out, config.tracking_uri)
    return EvaluationResult(out=out, report=report, mlflow_run_id=run_id, invalid=invalid)


def headline_summary(report: dict[str, Any]) -> str:
    """One line a person reads first: AUC, recall at the threshold, worst group, robustness."""

    def fmt(m: dict | None) -> str:
        if not m or m.get("value") is None:
            return "n/a"
        if m.get("ci_low") is None:
            return f"{m['value']:.3f}"
        return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"

    parts = [
        f"ROC-AUC {fmt(report['headline']['roc_auc'])}",
        f"recall@threshold {fmt(report['operating_point']['recall'])}",
        f"worst-group recall {fmt(report['bias'].get('worst_group_recall'))}",
    ]
    drop = report.get("robustness", {}).get("max_auc_drop")
    if drop is not None:
        parts.append(f"max AUC drop under transforms {drop:.3f}")
    return "; ".join(parts)
