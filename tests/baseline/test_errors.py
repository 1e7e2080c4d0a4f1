"""Bad input: one clear error, and nothing half-written."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from baseline_support import make_dataset, quiet_console, run_cli, tiny_config
from saferkit.baseline.config import DEFAULT_ARCH
from saferkit.core.errors import UserError


def _train(data, out, tracking_uri, **overrides):
    from saferkit.baseline.training import train

    return train(data, out, tiny_config(tracking_uri=tracking_uri, **overrides), console=quiet_console())


def _rewrite_manifest(root, keep):
    path = root / "manifest.csv"
    rows = list(csv.DictReader(path.open()))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if keep(row))


def test_cli_refuses_data_without_provenance_and_writes_nothing(tmp_path):
    data = make_dataset(tmp_path / "data", {"train": 8, "val": 8}, provenance=False)
    result = run_cli("baseline", "train", str(data), "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "provenance.json" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_cli_unknown_arch_suggests_names_and_writes_nothing(tiny_data, tmp_path):
    result = run_cli("baseline", "train", str(tiny_data), "--out", str(tmp_path / "run"), "--arch", "resnet19")
    assert result.returncode == 2
    assert "resnet19" in result.stderr and "resnet18" in result.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("split", ["train", "val"])
def test_empty_split_is_refused(tmp_path, split, shared_tracking_uri):
    data = make_dataset(tmp_path / "data", {"train": 8, "val": 8, "test": 4})
    _rewrite_manifest(data, lambda row: row["split"] != split)
    with pytest.raises(UserError, match=f"the {split} split is empty"):
        _train(data, tmp_path / "run", shared_tracking_uri)
    assert not (tmp_path / "run").exists()


def test_single_class_split_is_refused(tmp_path, shared_tracking_uri):
    data = make_dataset(tmp_path / "data", {"train": 8, "val": 8})
    _rewrite_manifest(data, lambda row: row["split"] != "val" or row["flag"] == "0")
    with pytest.raises(UserError, match="val split holds only negative images"):
        _train(data, tmp_path / "run", shared_tracking_uri)
    assert not (tmp_path / "run").exists()


def test_too_many_corrupt_images_fail_and_few_are_skipped_and_counted(tmp_path, shared_tracking_uri):
    data = make_dataset(tmp_path / "data", {"train": 120, "val": 40})
    (data / "images/train/00003.png").write_bytes(b"not a png")  # 1 of 160: under 1%
    run = _train(data, tmp_path / "run", shared_tracking_uri, epochs=1)
    recorded = json.loads((run.run_dir / "run.json").read_text())["data"]
    assert recorded["images_skipped"] == 1 and recorded["splits_used"]["train"] == 119

    (data / "images/val/00004.png").write_bytes(b"")  # 2 of 160: over 1%
    with pytest.raises(UserError, match=r"2 of 160 train/val images could not be read"):
        _train(data, tmp_path / "run2", shared_tracking_uri, epochs=1)
    assert not (tmp_path / "run2").exists()


def test_mixed_image_sizes_are_resized(tmp_path, shared_tracking_uri):
    data = make_dataset(tmp_path / "data", {"train": 16, "val": 8})
    big = np.asarray(Image.open(data / "images/train/00001.png").resize((48, 40)))
    Image.fromarray(big).save(data / "images/train/00001.png")
    run = _train(data, tmp_path / "run", shared_tracking_uri, epochs=1)
    assert json.loads((run.run_dir / "run.json").read_text())["data"]["images_resized"] == 1


def test_failure_during_training_removes_the_run_and_restores_an_earlier_one(tiny_data, tmp_path, shared_tracking_uri):
    from saferkit.baseline.training import train

    out = tmp_path / "run"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier run")
    calls = {"n": 0}

    def failing_loss(logits, targets):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("loss exploded")
        return logits.logsumexp(1).mean() - logits.gather(1, targets[:, None]).mean()

    with pytest.raises(RuntimeError, match="loss exploded"):
        train(tiny_data, out, tiny_config(tracking_uri=shared_tracking_uri), loss_fn=failing_loss,
              overwrite=True, console=quiet_console())
    assert sorted(p.name for p in out.iterdir()) == ["earlier.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_non_empty_out_needs_overwrite(tiny_data, tmp_path, shared_tracking_uri):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("x")
    with pytest.raises(UserError, match="--overwrite"):
        _train(tiny_data, tmp_path / "run", shared_tracking_uri)
    assert (tmp_path / "run" / "keep.txt").read_text() == "x"


def test_export_refuses_a_run_without_a_finished_model(tiny_run, tmp_path):
    from saferkit.baseline.export import export_submission

    def refused(run_dir, match):
        with pytest.raises(UserError, match=match):
            export_submission(run_dir, tmp_path / "sub", console=quiet_console())
        assert not (tmp_path / "sub").exists()

    refused(tmp_path / "missing", "is not a folder")
    (tmp_path / "empty").mkdir()
    refused(tmp_path / "empty", "no finished training run")

    broken = tmp_path / "broken"
    shutil.copytree(tiny_run.run_dir, broken)
    record = json.loads((broken / "run.json").read_text())
    (broken / "run.json").write_text(json.dumps({**record, "status": "running"}))
    refused(broken, "did not finish")
    (broken / "run.json").write_text(json.dumps(record))
    with (broken / "model.pt").open("ab") as handle:
        handle.write(b"tampered")
    refused(broken, "does not match the digest")
    (broken / "model.pt").unlink()
    refused(broken, "no model weights")


def test_cli_export_of_unfinished_run_is_one_line(tmp_path):
    (tmp_path / "run").mkdir()
    result = run_cli("baseline", "export", str(tmp_path / "run"), "--out", str(tmp_path / "sub"))
    assert result.returncode == 2 and "no finished training run" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "sub").exists()


def test_parity_failure_is_an_error_and_writes_nothing(tiny_run, tmp_path):
    """A model whose PyTorch output drifts from its traced graph must not be exported."""
    import torch
    from torch import nn

    from saferkit.baseline.export import export_submission
    from saferkit.baseline.models import build_model
    from saferkit.baseline.onnx_export import ExportError

    class Drifting(nn.Module):
        """Traced graph and eager PyTorch disagree (as with export-only code paths)."""

        def __init__(self) -> None:
            super().__init__()
            self.net = build_model(DEFAULT_ARCH, 2)

        def load_state_dict(self, state, strict=True, assign=False):
            return self.net.load_state_dict(state, strict, assign)

        def forward(self, images):
            logits = self.net(images)
            if torch.compiler.is_exporting():
                return logits + torch.tensor([0.0, 0.5])
            return logits

    with pytest.raises(ExportError, match="parity check failed"):
        export_submission(tiny_run.run_dir, tmp_path / "sub", model=Drifting(), console=quiet_console())
    assert not (tmp_path / "sub").exists()
    assert not list(tmp_path.iterdir())


def test_bad_options_are_user_errors(tiny_data, tmp_path):
    with pytest.raises(UserError, match="--task"):
        tiny_config(task="regression").validate()
    with pytest.raises(UserError, match="--epochs"):
        tiny_config(epochs=0).validate()
    from saferkit.baseline.export import export_submission

    with pytest.raises(UserError, match="--quantize"):
        export_submission(tmp_path, tmp_path / "sub", quantize="int4")
