"""The submission loader and the shared model runner, on toy ONNX submissions."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import yaml
from PIL import Image

from saferkit.evaluation.runner import ModelOutputError, OnnxTriageModel
from saferkit.evaluation.submission import SubmissionError, load_submission


def solid(color: tuple[int, int, int], size=(40, 24), mode="RGB") -> Image.Image:
    return Image.new(mode, size, color if mode == "RGB" else color + (255,))


def test_folder_and_zip_load_to_the_same_digest(toy_submission, tmp_path):
    folder = toy_submission()
    flat = tmp_path / "flat.zip"
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(flat, "w") as z:
        for name in ("model.onnx", "submission.yaml"):
            z.write(folder / name, name)
    with zipfile.ZipFile(nested, "w") as z:
        for name in ("model.onnx", "submission.yaml"):
            z.write(folder / name, f"team-x/{name}")
    digests = {load_submission(p).sha256 for p in (folder, flat, nested)}
    assert len(digests) == 1
    sub = load_submission(folder)
    assert sub.name == "toy-red" and sub.positive_index == 1 and sub.threshold == 0.5


def test_schema_problems_name_each_field(toy_submission):
    folder = toy_submission()
    manifest = yaml.safe_load((folder / "submission.yaml").read_text())
    del manifest["model_card"]["domain_gap"]
    manifest["task"] = "guess"
    manifest["input"]["color"] = "BGR"
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest))
    with pytest.raises(SubmissionError) as info:
        load_submission(folder)
    text = " ".join(info.value.problems)
    assert "model_card" in text and "domain_gap" in text
    assert "task" in text and "input.color" in text
    assert len(info.value.problems) >= 3


@pytest.mark.parametrize("member", ["../evil.txt", "/abs/path.txt"])
def test_zip_entries_that_leave_the_folder_are_refused(toy_submission, tmp_path, member):
    folder = toy_submission()
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(folder / "model.onnx", "model.onnx")
        z.write(folder / "submission.yaml", "submission.yaml")
        z.writestr(member, "x")
    with pytest.raises(SubmissionError, match="leave the folder"):
        load_submission(archive)


def test_missing_files_and_bad_paths(tmp_path, toy_submission):
    with pytest.raises(SubmissionError, match="does not exist"):
        load_submission(tmp_path / "nope")
    folder = toy_submission()
    (folder / "model.onnx").unlink()
    with pytest.raises(SubmissionError, match="lacks model.onnx"):
        load_submission(folder)
    (tmp_path / "not.zip").write_bytes(b"garbage")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        load_submission(tmp_path / "not.zip")


def test_runner_scores_follow_the_pixels(toy_submission):
    model = OnnxTriageModel(load_submission(toy_submission()), threads=1)
    probs = model.score_images([solid((255, 0, 0)), solid((0, 255, 0)), solid((128, 128, 128))], batch_size=2)
    assert probs.shape == (3, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    scores = model.positive_scores(probs)
    # red: redness 1 -> logits (-4, 4); green: -0.5 -> (2, -2); grey: 0 -> (0, 0)
    np.testing.assert_allclose(scores, [1 / (1 + np.exp(-8)), 1 / (1 + np.exp(4)), 0.5], atol=1e-5)


def test_preprocess_is_exactly_as_declared(toy_submission):
    folder = toy_submission(input={"name": "images", "height": 8, "width": 16, "color": "RGB", "scale": 2.0,
                                   "mean": [1.0, 2.0, 3.0], "std": [2.0, 2.0, 2.0], "resize": "nearest",
                                   "letterbox": True})
    model = OnnxTriageModel(load_submission(folder), threads=1)
    batch = model.preprocess([solid((10, 20, 30), size=(8, 8)), solid((0, 0, 0), size=(16, 8), mode="RGBA")])
    assert batch.shape == (2, 3, 8, 16) and batch.dtype == np.float32
    # letterboxed square: centre columns carry the colour, the padding is black
    assert batch[0, 0, 0, 8] == pytest.approx((10 / 2 - 1) / 2)
    assert batch[0, 2, 0, 0] == pytest.approx((0 / 2 - 3) / 2)
    # transparent-free black RGBA fills the frame
    assert batch[1, 1, 2, 15] == pytest.approx((0 - 2) / 2)


def test_logits_are_softmaxed(toy_submission):
    model = OnnxTriageModel(load_submission(toy_submission(kind="red-logits")), threads=1)
    probs = model.score_images([solid((255, 0, 0))])
    assert probs[0, 1] == pytest.approx(1 / (1 + np.exp(-8)), abs=1e-6)


@pytest.mark.parametrize("kind, message", [("nan", "NaN"), ("unnormalised", "declared as probabilities")])
def test_bad_outputs_are_refused(toy_submission, kind, message):
    model = OnnxTriageModel(load_submission(toy_submission(kind=kind)), threads=1)
    with pytest.raises(ModelOutputError, match=message):
        model.score_images([solid((255, 0, 0))])


def test_wrong_io_names_are_named(toy_submission):
    folder = toy_submission()
    manifest = yaml.safe_load((folder / "submission.yaml").read_text())
    manifest["output"]["name"] = "probs"
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest))
    with pytest.raises(Exception, match="no output named 'probs'"):
        OnnxTriageModel(load_submission(folder), threads=1)
