"""Running a submission's model: preprocessing exactly as declared, then onnxruntime.

Evaluation, serving and bulk scan all go through this one class, so a model
sees the same pixels wherever it runs; images come from the one decode
(`saferkit.core.media`), whose `to_rgb` also turns in-memory images of any mode to RGB.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from saferkit.core.errors import UserError
from saferkit.core.media import to_rgb
from saferkit.evaluation.labels import negative_index
from saferkit.evaluation.submission import Submission

RESAMPLING = {
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "nearest": Image.Resampling.NEAREST,
}
PROBABILITY_TOLERANCE = 1e-3
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


class ModelOutputError(UserError):
    """The model produced something its manifest does not allow (NaN, wrong shape, not probabilities)."""


def available_providers() -> list[str]:
    """onnxruntime execution providers on this machine, CUDA first when present."""
    import onnxruntime as ort

    present = ort.get_available_providers()
    return [p for p in (CUDA, CPU) if p in present]


def resolve_providers(provider: str | None) -> list[str]:
    """Turn 'auto', 'cpu', 'cuda' or None into an onnxruntime provider list."""
    present = available_providers()
    if provider in (None, "auto"):
        return present
    wanted = {"cpu": CPU, "cuda": CUDA}.get(provider.lower())
    if wanted is None:
        raise UserError(f"unknown provider {provider!r}; use auto, cpu or cuda.")
    if wanted not in present:
        raise UserError(f"provider {provider} is not available here (have: {', '.join(present)}); install saferkit[gpu] on a GPU machine or use cpu.")
    return [wanted] if wanted == CPU else [wanted, CPU]


class OnnxTriageModel:
    """A submission's ONNX model with its declared preprocessing and output handling."""

    def __init__(self, submission: Submission, providers: list[str] | str | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort

        self.submission = submission
        spec = submission.input
        self.height, self.width = int(spec["height"]), int(spec["width"])
        self.scale = float(spec["scale"])
        self.mean = np.asarray(spec["mean"], dtype=np.float32).reshape(1, 1, 3)
        self.std = np.asarray(spec["std"], dtype=np.float32).reshape(1, 1, 3)
        self.resample = RESAMPLING[spec["resize"]]
        self.letterbox = bool(spec["letterbox"])
        self.input_name = spec["name"]
        self.output_name = submission.output["name"]
        self.output_kind = submission.output["kind"]
        self.labels = submission.labels
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        provider_list = providers if isinstance(providers, list) else resolve_providers(providers)
        try:
            self.session = ort.InferenceSession(submission.model_bytes, sess_options=options, providers=provider_list)
        except Exception as exc:  # onnxruntime raises its own exception types for bad graphs
            raise UserError(f"onnxruntime cannot load {submission.source}/model.onnx: {str(exc).splitlines()[0]}") from None
        inputs = {i.name for i in self.session.get_inputs()}
        outputs = {o.name for o in self.session.get_outputs()}
        if self.input_name not in inputs:
            raise UserError(f"model.onnx has no input named {self.input_name!r} (it has {sorted(inputs)}); fix input.name in submission.yaml.")
        if self.output_name not in outputs:
            raise UserError(f"model.onnx has no output named {self.output_name!r} (it has {sorted(outputs)}); fix output.name in submission.yaml.")

    @property
    def providers(self) -> list[str]:
        return self.session.get_providers()

    @property
    def positive_index(self) -> int:
        return self.submission.positive_index

    def _fit(self, image: Image.Image) -> Image.Image:
        image = to_rgb(image)
        size = (self.width, self.height)
        if not self.letterbox or image.size == size:
            return image.resize(size, self.resample) if image.size != size else image
        ratio = min(self.width / image.width, self.height / image.height)
        inner = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
        canvas = Image.new("RGB", size, (0, 0, 0))
        canvas.paste(image.resize(inner, self.resample), ((self.width - inner[0]) // 2, (self.height - inner[1]) // 2))
        return canvas

    def preprocess_one(self, image: Image.Image) -> np.ndarray:
        """One image as a float32 CHW array, exactly as the manifest declares."""
        pixels = np.asarray(self._fit(image), dtype=np.float32) / self.scale
        return ((pixels - self.mean) / self.std).transpose(2, 0, 1)

    def preprocess(self, images: Sequence[Image.Image]) -> np.ndarray:
        """A batch of images as float32 NCHW."""
        if not images:
            return np.zeros((0, 3, self.height, self.width), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self.preprocess_one(image) for image in images]), dtype=np.float32)

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities (N, n_labels) for a preprocessed batch; raises ModelOutputError on bad output."""
        if batch.shape[0] == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        raw = self.session.run([self.output_name], {self.input_name: batch})[0]
        return self.to_probabilities(np.asarray(raw), batch.shape[0])

    def to_probabilities(self, raw: np.ndarray, n: int) -> np.ndarray:
        """Check the raw output's shape and values and turn it into probabilities per label."""
        k = len(self.labels)
        if raw.ndim == 1 and raw.shape[0] == n:
            raw = raw.reshape(n, 1)
        if raw.ndim != 2 or raw.shape[0] != n or raw.shape[1] not in (k, 1) or (raw.shape[1] == 1 and k != 2):
            raise ModelOutputError(f"model output {self.output_name!r} has shape {tuple(raw.shape)}; expected ({n}, {k}) for labels {self.labels}.")
        raw = raw.astype(np.float64)
        if not np.all(np.isfinite(raw)):
            raise ModelOutputError(f"model output {self.output_name!r} contains NaN or infinite values.")
        if raw.shape[1] == 1:  # a single positive-class score for a binary task
            positive = 1.0 / (1.0 + np.exp(-raw[:, 0])) if self.output_kind == "logits" else raw[:, 0]
            raw = np.stack([1.0 - positive, positive], axis=1) if self.positive_index == 1 else np.stack([positive, 1.0 - positive], axis=1)
            if self.output_kind == "logits":
                return raw.astype(np.float32)
        if self.output_kind == "logits":
            shifted = raw - raw.max(axis=1, keepdims=True)
            exp = np.exp(shifted)
            return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
        if raw.min() < -PROBABILITY_TOLERANCE or raw.max() > 1 + PROBABILITY_TOLERANCE or np.abs(raw.sum(axis=1) - 1).max() > PROBABILITY_TOLERANCE:
            raise ModelOutputError(
                f"model output {self.output_name!r} is declared as probabilities but rows are outside [0, 1] or do not sum to 1; "
                "declare output.kind: logits or add a softmax to the graph."
            )
        return np.clip(raw, 0.0, 1.0).astype(np.float32)

    def positive_scores(self, probabilities: np.ndarray) -> np.ndarray:
        """The positive label's probability per row (binary and multiclass)."""
        if len(self.labels) > 2 and self.submission.output.get("positive_label") is None:
            negative = negative_index(self.labels)
            if negative is not None:  # multiclass triage: anything but the negative class needs review
                return 1.0 - probabilities[:, negative]
        return probabilities[:, self.positive_index]

    def score_images(self, images: Iterable[Image.Image], batch_size: int = 64) -> np.ndarray:
        """Probabilities for any number of images, run in batches."""
        chunks: list[np.ndarray] = []
        batch: list[Image.Image] = []
        for image in images:
            batch.append(image)
            if len(batch) == batch_size:
                chunks.append(self.run(self.preprocess(batch)))
                batch = []
        if batch:
            chunks.append(self.run(self.preprocess(batch)))
        return np.concatenate(chunks) if chunks else np.zeros((0, len(self.labels)), dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        """Name, version and digest, for responses and audit lines."""
        return {"name": self.submission.name, "version": self.submission.version, "sha256": self.submission.sha256}
