"""`saferkit baseline export`: a finished run -> a checked, valid submission folder.

Order matters: export the graph, check it (onnx.checker, contract shapes), prove
parity with PyTorch, then score val through the evaluation runner (the same code
that will judge the submission) to choose the threshold and the claims. The
folder is built aside and appears only when every check has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from torch import nn

from saferkit.baseline import quantize as int8
from saferkit.baseline.card import CardFacts
from saferkit.baseline.config import DEFAULT_VIEWS
from saferkit.baseline.data import split_rows
from saferkit.baseline.images import read_images
from saferkit.baseline.models import build_model, check_views
from saferkit.baseline.onnx_export import PARITY_IMAGES, check_onnx, check_parity, export_onnx
from saferkit.baseline.operating_point import claims_from, recommended_threshold, val_measurements
from saferkit.baseline.outputs import staged_dir
from saferkit.baseline.runs import FinishedRun, read_finished_run
from saferkit.baseline.submission_yaml import BASELINE_CONTACT, build_manifest, dump_manifest, read_template
from saferkit.datasets.manifest import VAL
from saferkit.datasets.provenance import provenance_sha256, require_provenance
from saferkit.core.errors import UserError
from saferkit.evaluation.submission import MANIFEST_FILE, MODEL_FILE, README_FILE, load_submission

QUANTIZE_CHOICES = ("int8",)


@dataclass
class ExportResult:
    """What export wrote and what it measured on val."""

    out_dir: Path
    model_format: str
    threshold: float
    val: dict[str, float]
    parity: dict[str, Any]
    quantization: dict[str, Any] | None = None
    skipped_val_images: int = 0
    views: int = 1


def load_run_model(run: FinishedRun) -> nn.Module:
    """Rebuild a torchvision run's network and load its chosen weights (tensors only, no pickle)."""
    if run.record.get("custom_model"):
        raise UserError(
            f"the run in {run.root} trained a custom model ({run.record['arch']}); export it from the script "
            f"that trained it (`python train.py export ...`), which knows how to build it."
        )
    model = build_model(run.record["arch"], len(run.labels))
    model.load_state_dict(torch.load(run.weights, map_location="cpu", weights_only=True))
    return model.eval()


def _val_data(run: FinishedRun, data_dir: str | Path | None):
    """The run's val images (as PIL), flags, and the count it could not read; same data as training."""
    root = Path(data_dir or run.data["root"]).expanduser()
    if not root.is_dir():
        raise UserError(
            f"the run's data folder {root} is gone; pass --data with the same data set (same provenance.json)."
        )
    require_provenance(root)
    if provenance_sha256(root) != run.data["provenance_sha256"]:
        raise UserError(
            f"{root} is not the data set this run was trained on (its provenance.json differs); "
            f"pass --data with the original data folder."
        )
    rows = split_rows(root, VAL)
    images, kept, failed = read_images(rows["abspath"].tolist())
    flags = rows.set_index("abspath").loc[kept, "flag"].astype(int).to_numpy()
    if len(np.unique(flags)) < 2:
        raise UserError(f"the val split of {root} no longer holds both classes; export needs it to choose a threshold.")
    return images, flags, len(failed)


def _write_submission(folder: Path, model_bytes: bytes, manifest: dict[str, Any]):
    (folder / MODEL_FILE).write_bytes(model_bytes)
    (folder / MANIFEST_FILE).write_text(dump_manifest(manifest), encoding="utf-8")
    return load_submission(folder)


def _score(submission, images) -> np.ndarray:
    from saferkit.evaluation.runner import OnnxTriageModel

    runner = OnnxTriageModel(submission, providers="cpu")
    return runner.positive_scores(runner.score_images(images, batch_size=64))


def export_submission(
    run_dir: str | Path,
    out_dir: str | Path,
    *,
    quantize: str | None = None,
    template: str | Path | None = None,
    data_dir: str | Path | None = None,
    model: nn.Module | None = None,
    views: int = DEFAULT_VIEWS,
    overwrite: bool = False,
    console: Console | None = None,
) -> ExportResult:
    """Export RUN to a submission folder at OUT (model.onnx, submission.yaml, README.md).

    `views` (1, 2, 4 or 8) is how many turns and mirrors of each image the exported
    model averages its probabilities over.
    """
    console = console or Console()
    if quantize not in (None, *QUANTIZE_CHOICES):
        raise UserError(f"--quantize {quantize!r} is unknown; the only choice is int8.")
    check_views(views)
    run = read_finished_run(run_dir)
    team = read_template(template) if template else None
    if model is None:
        model = load_run_model(run)
    else:  # the team's script rebuilds its own network; the run supplies the weights
        model.load_state_dict(torch.load(run.weights, map_location="cpu", weights_only=True))
    model = model.eval().cpu()
    images, flags, skipped = _val_data(run, data_dir)
    img_size = int(run.record["input"]["height"])
    contact = (team or {}).get("team", {}).get("contact") if isinstance((team or {}).get("team"), dict) else None

    with staged_dir(Path(out_dir), overwrite=overwrite) as stage:
        console.print(f"exporting to ONNX (softmax in the graph, averaged over {views} view(s)) ...")
        fp32 = export_onnx(model, img_size, views)
        check_onnx(fp32)
        facts = _facts(run, model, contact or BASELINE_CONTACT, 0.5, {}, "float32", views)
        submission = _write_submission(stage, fp32, build_manifest(run, facts, 0.5, {}, team))
        from saferkit.evaluation.runner import OnnxTriageModel

        batch = OnnxTriageModel(submission, providers="cpu").preprocess(images[: max(PARITY_IMAGES, int8.CALIBRATION_IMAGES)])
        parity = check_parity(model, fp32, torch.from_numpy(batch), views)
        console.print(f"parity: max |onnxruntime - torch| = {parity.max_abs_diff:.2e} on {parity.images} val images")
        scores = _score(submission, images)
        chosen, model_format, quantization = fp32, "float32", None
        if quantize == "int8":
            chosen, scores, quantization = _try_int8(stage, fp32, batch, images, flags, scores, run, team, img_size, console)
            model_format = "int8" if chosen is not fp32 else "float32"
        threshold = recommended_threshold(flags, scores)
        measured = val_measurements(flags, scores, threshold)
        facts = _facts(run, model, contact or BASELINE_CONTACT, threshold, measured, model_format, views)
        manifest = build_manifest(run, facts, threshold, claims_from(measured), team)
        _write_submission(stage, chosen, manifest)
        result = ExportResult(Path(out_dir).resolve(), model_format, threshold, measured, parity.as_dict(),
                              quantization, skipped, views)
        (stage / README_FILE).write_text(_readme(run, result, manifest), encoding="utf-8")
    console.print(
        f"val ROC-AUC {measured['roc_auc']:.4f}; threshold {threshold:.4f} flags {measured['recall']:.1%} of val "
        f"positives and {measured['fpr']:.1%} of negatives; {model_format} model written to {result.out_dir}"
    )
    return result


def _try_int8(stage, fp32, batch, images, flags, fp32_scores, run, team, img_size, console):
    """Quantise, compare on val, keep INT8 only if the AUC drop is within the limit."""
    from sklearn.metrics import roc_auc_score

    console.print(f"quantising to INT8 with {min(len(batch), int8.CALIBRATION_IMAGES)} val images as calibration ...")
    q = int8.quantize_int8(fp32, batch)
    trial = stage / "int8-trial"
    trial.mkdir()
    (trial / MODEL_FILE).write_bytes(q)
    (trial / MANIFEST_FILE).write_bytes((stage / MANIFEST_FILE).read_bytes())
    q_scores = _score(load_submission(trial), images)
    for leftover in trial.iterdir():
        leftover.unlink()
    trial.rmdir()
    auc32, auc8 = float(roc_auc_score(flags, fp32_scores)), float(roc_auc_score(flags, q_scores))
    lat32, lat8 = int8.measure_latency(fp32, img_size), int8.measure_latency(q, img_size)
    keep = auc32 - auc8 <= int8.MAX_AUC_DROP
    report = {
        "kept": keep,
        "val_roc_auc": {"float32": round(auc32, 5), "int8": round(auc8, 5)},
        "max_auc_drop": int8.MAX_AUC_DROP,
        "latency": {"float32": lat32.as_dict(), "int8": lat8.as_dict()},
        "bytes": {"float32": len(fp32), "int8": len(q)},
    }
    console.print(
        f"INT8: val ROC-AUC {auc8:.4f} vs float32 {auc32:.4f} (drop {auc32 - auc8:+.4f}, limit {int8.MAX_AUC_DROP}); "
        f"batch-1 latency {lat8.ms_batch1:.2f} ms vs {lat32.ms_batch1:.2f} ms, batch-{int8.THROUGHPUT_BATCH} "
        f"{lat8.images_per_s:.0f} vs {lat32.images_per_s:.0f} images/s -> "
        + ("[green]keeping INT8[/]" if keep else "[yellow]keeping float32[/] (INT8 loses too much AUC)")
    )
    return (q, q_scores, report) if keep else (fp32, fp32_scores, report)


def _facts(run: FinishedRun, model: nn.Module, contact: str, threshold: float, measured: dict, model_format: str,
           views: int):
    return CardFacts(
        arch=run.record["arch"],
        parameters=sum(p.numel() for p in model.parameters()),
        img_size=int(run.record["input"]["height"]),
        task=run.record["task"],
        labels=run.labels,
        epochs=int(run.config["epochs"]),
        best_epoch=int(run.record["best_epoch"]),
        train_images=int(run.data["splits_used"]["train"]),
        val_images=int(run.data["splits_used"]["val"]),
        data_name=run.data["name"],
        data_content=run.data["content"],
        threshold=threshold,
        val_roc_auc=measured.get("roc_auc", run.record["val"]["roc_auc"]),
        val_recall=measured.get("recall", 0.0),
        val_fpr=measured.get("fpr", 0.0),
        model_format=model_format,
        contact=contact,
        views=views,
    )


def _readme(run: FinishedRun, result: ExportResult, manifest: dict[str, Any]) -> str:
    """A short human summary of the submission and of every export check."""
    v = result.val
    lines = [
        f"# {manifest['name']} {manifest['version']}",
        "",
        f"{run.record['arch']} trained by `saferkit baseline train` (best epoch {run.record['best_epoch']} of "
        f"{run.config['epochs']}), exported by `saferkit baseline export` as a {result.model_format} ONNX model "
        f"that outputs probabilities" + (f", averaged over {result.views} turns and mirrors of each image "
                                        f"({result.views} network passes per image)." if result.views > 1 else "."),
        "",
        "## Checks at export",
        f"- onnx.checker passed; one NCHW float32 input `{manifest['input']['name']}` with a dynamic batch axis.",
        f"- Parity with PyTorch: max absolute difference {result.parity['max_abs_diff']:.2e} on "
        f"{result.parity['images']} val images (limit {result.parity['tolerance']:g}).",
        f"- Val (measured through the evaluation runner): ROC-AUC {v['roc_auc']:.4f}, PR-AUC {v['pr_auc']:.4f}, "
        f"recall at 1% FPR {v['recall_at_fpr_0.01']:.4f}.",
        f"- Threshold {result.threshold:.6f}, chosen for {manifest['operating_point']['chosen_for']}: val recall "
        f"{v['recall']:.1%}, false-positive rate {v['fpr']:.1%}.",
    ]
    if result.skipped_val_images:
        lines.append(f"- {result.skipped_val_images} unreadable val image(s) were skipped.")
    if result.quantization:
        q = result.quantization
        lines += [
            "",
            "## INT8 quantisation",
            f"- Val ROC-AUC float32 {q['val_roc_auc']['float32']:.4f}, INT8 {q['val_roc_auc']['int8']:.4f}; "
            f"INT8 {'kept' if q['kept'] else 'rejected'} (allowed drop {q['max_auc_drop']}).",
            f"- Latency on this CPU, batch 1: float32 {q['latency']['float32']['ms_batch1']} ms, INT8 "
            f"{q['latency']['int8']['ms_batch1']} ms.",
            f"- Throughput, batch {int8.THROUGHPUT_BATCH}: float32 "
            f"{q['latency']['float32'][f'images_per_s_batch{int8.THROUGHPUT_BATCH}']} images/s, INT8 "
            f"{q['latency']['int8'][f'images_per_s_batch{int8.THROUGHPUT_BATCH}']} images/s.",
        ]
    lines += [
        "",
        "## Use",
        "Scores are advice for a trained analyst, never a decision. Synthetic training data only: see the model "
        "card in submission.yaml for the domain gap before any use on real material.",
        "",
    ]
    return "\n".join(lines)
