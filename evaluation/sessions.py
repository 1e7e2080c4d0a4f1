"""One onnxruntime session per provider for a whole evaluation.

Scoring, the variants, the robustness passes and the efficiency timing all ask
this registry for a model, so the ONNX bytes are loaded into onnxruntime once
per provider list ("auto" and "cpu" name the same session on a machine
without CUDA; "auto" and "cuda" the same one on a machine with it).
"""

from __future__ import annotations

from saferkit.evaluation.runner import CUDA, OnnxTriageModel, available_providers, resolve_providers
from saferkit.evaluation.submission import Submission


class ModelSessions:
    """A submission's model, opened on first use for each provider list and kept for the evaluation."""

    def __init__(self, submission: Submission, threads: int | None = 1) -> None:
        self.submission = submission
        self.threads = threads
        self._models: dict[tuple[str, ...], OnnxTriageModel] = {}

    def adopt(self, model: OnnxTriageModel | None, provider: str) -> None:
        """Keep a model already opened on `provider` with this registry's threads (the submission check's smoke-run model)."""
        if model is not None:
            self._models.setdefault(tuple(resolve_providers(provider)), model)

    def model(self, provider: str | None = "auto") -> OnnxTriageModel:
        """The model on `provider` ('auto', 'cpu' or 'cuda'), sharing the session any earlier call opened."""
        key = tuple(resolve_providers(provider))
        if key not in self._models:
            self._models[key] = OnnxTriageModel(self.submission, providers=list(key), threads=self.threads)
        return self._models[key]

    def timed_providers(self) -> dict[str, OnnxTriageModel]:
        """The models efficiency is measured on: CPU always, CUDA when onnxruntime has it here."""
        names = ["cpu"] + (["cuda"] if CUDA in available_providers() else [])
        return {name: self.model(name) for name in names}

    @property
    def sessions_opened(self) -> int:
        return len(self._models)
