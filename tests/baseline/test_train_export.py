"""A tiny run end to end: train -> run folder + MLflow run -> export -> parity and a valid submission."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml

from saferkit.baseline.config import DEFAULT_ARCH, DEFAULT_VIEWS, MEAN, STD
from saferkit.baseline.export import load_run_model
from saferkit.baseline.models import WithSoftmax
from saferkit.baseline.runs import read_finished_run
from saferkit.datasets.provenance import provenance_sha256
from saferkit.ethics import declared_ids
from saferkit.core.digest import file_sha256
from saferkit.evaluation.runner import OnnxTriageModel
from saferkit.evaluation.submission import load_submission


def test_run_folder_records_a_finished_run_chosen_on_val(tiny_run, tiny_data):
    record = json.loads((tiny_run.run_dir / "run.json").read_text())
    assert record["status"] == "finished"
    assert record["weights_sha256"] == file_sha256(tiny_run.run_dir / "model.pt")
    history = record["history"]
    assert [row["epoch"] for row in history] == [1, 2, 3]
    best = max(history, key=lambda row: (row["val_roc_auc"], -row["val_loss"]))
    assert record["best_epoch"] == best["epoch"] == tiny_run.best_epoch
    assert record["val"]["roc_auc"] == pytest.approx(best["val_roc_auc"])
    # train fits, val chooses; test is not among the splits used
    assert record["data"]["splits_used"] == {"train": 64, "val": 48}
    assert record["data"]["provenance_sha256"] == provenance_sha256(tiny_data)
    assert record["input"]["mean"] == list(MEAN) and record["input"]["std"] == list(STD)
    assert record["environment"]["packages"]["torch"]


def test_mlflow_run_holds_params_metrics_data_files_environment_and_model(tiny_run, tiny_data):
    from mlflow.tracking import MlflowClient

    assert tiny_run.tracking_uri.startswith("sqlite:///") and str(tiny_run.run_dir) in tiny_run.tracking_uri
    client = MlflowClient(tiny_run.tracking_uri)
    run = client.get_run(tiny_run.mlflow_run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["arch"] == DEFAULT_ARCH
    assert run.data.params["seed"] == "0" and run.data.params["epochs"] == "3"
    for metric in ("train_loss", "train_roc_auc", "val_loss", "val_roc_auc"):
        steps = [m.step for m in client.get_metric_history(run.info.run_id, metric)]
        assert steps == [1, 2, 3], metric
    assert run.data.metrics["best_val_roc_auc"] == pytest.approx(tiny_run.val_roc_auc)

    def names(path=None):
        return {a.path for a in client.list_artifacts(run.info.run_id, path)}

    assert {"data", "environment.json", "run.json", "weights"} <= names()
    assert {"data/provenance.json", "data/DATASHEET.md", "data/summary.json"} <= names("data")
    local = client.download_artifacts(run.info.run_id, "data/provenance.json")
    assert open(local, "rb").read() == (tiny_data / "provenance.json").read_bytes()
    env = json.load(open(client.download_artifacts(run.info.run_id, "environment.json")))
    assert env["device"] == "cpu" and env["packages"]["mlflow"]
    models = client.search_logged_models(experiment_ids=[run.info.experiment_id])
    assert any(m.source_run_id == run.info.run_id and m.name == "model" for m in models)


def test_export_writes_a_valid_submission_with_onnx_parity(tiny_run, tiny_submission, tiny_data):
    sub = load_submission(tiny_submission.out_dir)  # validates against the published schema
    assert sorted(sub.file_names) == ["README.md", "model.onnx", "submission.yaml"]
    model = load_run_model(read_finished_run(tiny_run.run_dir))
    runner = OnnxTriageModel(sub, providers="cpu")
    from PIL import Image

    paths = sorted((tiny_data / "images" / "val").glob("*.png"))
    images = [Image.open(p).convert("RGB") for p in paths]
    batch = runner.preprocess(images)
    onnx_probs = runner.run(batch)
    assert tiny_submission.views == DEFAULT_VIEWS == 8
    with torch.inference_mode():  # the graph averages the softmax over the eight turns and mirrors
        torch_probs = WithSoftmax(model, DEFAULT_VIEWS)(torch.from_numpy(batch)).numpy()
        one_view = torch.softmax(model(torch.from_numpy(batch)), dim=1).numpy()
    assert np.abs(onnx_probs - torch_probs).max() <= 1e-4
    assert np.abs(onnx_probs - one_view).max() > 1e-4
    assert np.allclose(onnx_probs.sum(axis=1), 1.0, atol=1e-5)  # the softmax is in the graph
    assert runner.run(batch[:1]).shape == (1, 2) and runner.run(batch[:5]).shape == (5, 2)  # dynamic batch
    assert tiny_submission.parity["max_abs_diff"] <= 1e-4 and tiny_submission.parity["images"] == len(paths)

    # the threshold was chosen on val for recall >= 0.95
    flags = np.array([int(p.stem) % 2 for p in paths])
    scores = runner.positive_scores(onnx_probs)
    assert (scores[flags == 1] >= sub.threshold).mean() >= 0.95
    assert sub.manifest["operating_point"]["chosen_for"].startswith("recall>=0.95")
    # the claim is the cautious end of the val interval, never above the val point
    claimed = sub.manifest["claims"]["roc_auc"]
    assert claimed == pytest.approx(tiny_submission.val["roc_auc_ci_low"], abs=1e-4) and claimed <= tiny_submission.val["roc_auc"]

    [data] = sub.manifest["training_data"]
    assert data["provenance_sha256"] == provenance_sha256(tiny_data) and data["content"] == "synthetic"
    assert set(sub.manifest["ethics"]) == set(declared_ids())
    assert sub.manifest["ethics"]["data.synthetic_only"] is True
    card = sub.manifest["model_card"]
    assert DEFAULT_ARCH in card["intended_use"] and "64 synthetic images" in card["limitations"]
    assert f"{sub.threshold:.4f}" in card["limitations"]
    assert "8 right-angle turns and mirrors" in card["intended_use"]


def test_int8_export_measures_both_models_and_keeps_a_valid_one(tiny_run, tmp_path):
    from saferkit.baseline.export import export_submission
    from baseline_support import quiet_console

    result = export_submission(tiny_run.run_dir, tmp_path / "sub8", quantize="int8", console=quiet_console())
    q = result.quantization
    assert set(q["latency"]) == {"float32", "int8"} and q["latency"]["int8"]["ms_batch1"] > 0
    drop = q["val_roc_auc"]["float32"] - q["val_roc_auc"]["int8"]
    assert q["kept"] == (drop <= 0.005)
    assert result.model_format == ("int8" if q["kept"] else "float32")
    sub = load_submission(result.out_dir)
    import onnx

    ops = {node.op_type for node in onnx.load_from_string(sub.model_bytes).graph.node}
    assert ("QuantizeLinear" in ops) == q["kept"]
    readme = (result.out_dir / "README.md").read_text()
    assert "INT8" in readme and "Latency" in readme


def test_export_template_fields_replace_the_baselines(tiny_run, tmp_path):
    from saferkit.baseline.export import export_submission
    from baseline_support import quiet_console

    template = tmp_path / "team.yaml"
    template.write_text(yaml.safe_dump({"name": "team-blue", "version": "2.1.0",
                                        "team": {"name": "Blue", "contact": "blue@agency-lab.eu"},
                                        "ethics": {"data.synthetic_only": True}}))
    result = export_submission(tiny_run.run_dir, tmp_path / "sub", template=template, console=quiet_console())
    manifest = load_submission(result.out_dir).manifest
    assert (manifest["name"], manifest["version"], manifest["team"]["name"]) == ("team-blue", "2.1.0", "Blue")
    assert manifest["ethics"] == {"data.synthetic_only": True}
    assert "blue@agency-lab.eu" in manifest["model_card"]["contestability"]
