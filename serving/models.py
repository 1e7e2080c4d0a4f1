"""The served models: each submission with its runner, its batcher, and what the protocols say about it.

The server holds no model logic: preprocessing, inference and output checks
are `evaluation.runner.OnnxTriageModel`'s; this module only wires each model to
a batcher and describes it (v2 metadata, triage labels at the team's threshold).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from saferkit.core.errors import UserError
from saferkit.evaluation.labels import labels_at_threshold
from saferkit.evaluation.runner import OnnxTriageModel, resolve_providers
from saferkit.evaluation.submission import Submission
from saferkit.serving.api_errors import ApiError
from saferkit.serving.batching import DynamicBatcher
from saferkit.serving.config import ServeConfig
from saferkit.serving.metrics import ServerMetrics
from saferkit.serving.threads import ThreadPlan, plan_threads

PLATFORM = "onnxruntime_onnx"


def validated_submission(path: Path) -> Submission:
    """The harness's own submission check, so the server serves only what evaluation would accept."""
    from saferkit.evaluation.check import check_submission

    return check_submission(path).valid_submission()


@dataclass
class ServedModel:
    """One submission as the server runs it."""

    submission: Submission
    runner: OnnxTriageModel
    batcher: DynamicBatcher
    ready: bool = False
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        # Submission.sha256 hashes the whole model on each access; every request needs it, so hash once.
        self.sha256 = self.submission.sha256

    @property
    def name(self) -> str:
        return self.submission.name

    @property
    def version(self) -> str:
        return self.submission.version

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (3, self.runner.height, self.runner.width)

    def describe(self) -> dict[str, Any]:
        """Name, version and digest, for responses and audit lines."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}

    def metadata(self) -> dict[str, Any]:
        """Open Inference Protocol model metadata (plus saferkit's details under `parameters`)."""
        return {
            "name": self.name,
            "versions": [self.version],
            "platform": PLATFORM,
            "inputs": [{"name": self.runner.input_name, "datatype": "FP32", "shape": [-1, *self.input_shape]}],
            "outputs": [{"name": self.runner.output_name, "datatype": "FP32", "shape": [-1, len(self.runner.labels)]}],
            "parameters": {
                "sha256": self.sha256,
                "task": self.submission.task,
                "labels": self.runner.labels,
                "positive_label": self.runner.labels[self.runner.positive_index],
                "threshold": self.submission.threshold,
                "output": "probabilities per label",
                "providers": self.runner.providers,
                "max_batch_size": self.batcher.max_batch_size,
            },
        }

    def labels_at_threshold(self, probabilities: np.ndarray, scores: np.ndarray) -> list[str]:
        """The label per image at the team's operating threshold (see `evaluation.labels.labels_at_threshold`)."""
        return labels_at_threshold(self.runner.labels, self.runner.positive_index,
                                   self.submission.output.get("positive_label"), self.submission.threshold,
                                   probabilities, scores)


class ModelSet:
    """The served models by name, their shared inference pool, and lookup that answers 404."""

    def __init__(self, models: dict[str, ServedModel], executor: ThreadPoolExecutor, plan: ThreadPlan) -> None:
        self.models = models
        self.executor = executor
        self.plan = plan

    def get(self, name: str, version: str | None = None) -> ServedModel:
        model = self.models.get(name)
        if model is None:
            served = ", ".join(sorted(self.models)) or "none"
            raise ApiError(404, f"model {name!r} is not served here; served models: {served}.")
        if version not in (None, "") and version != model.version:
            raise ApiError(404, f"model {name!r} has no version {version!r}; this server has version {model.version}.")
        return model

    @property
    def ready(self) -> bool:
        return all(model.ready for model in self.models.values())

    async def start(self) -> None:
        """Start every batcher and warm each model (batch 1 and a full batch) before it reports ready."""
        for model in self.models.values():
            await model.batcher.start()
            for size in sorted({1, model.batcher.max_batch_size}):
                await model.batcher.warm_up(np.zeros((size, *model.input_shape), dtype=np.float32))
            model.ready = True

    async def stop(self) -> None:
        for model in self.models.values():
            model.ready = False
            await model.batcher.stop()
        self.executor.shutdown(wait=True, cancel_futures=True)


def load_models(paths: list[Path], config: ServeConfig, metrics: ServerMetrics) -> ModelSet:
    """Check and load each submission; two submissions with one name are a user error."""
    plan = plan_threads(config.execution.workers, config.execution.threads)
    providers = resolve_providers(config.execution.provider)
    executor = ThreadPoolExecutor(max_workers=plan.workers, thread_name_prefix="saferkit-infer")
    models: dict[str, ServedModel] = {}
    try:
        for path in paths:
            submission = validated_submission(Path(path))
            if submission.name in models:
                raise UserError(f"two submissions are named {submission.name!r} ({models[submission.name].submission.source} "
                                f"and {path}); serve one of them, or rename one in its submission.yaml.")
            runner = OnnxTriageModel(submission, providers=providers, threads=plan.threads)
            batching = config.batching
            batcher = DynamicBatcher(submission.name, runner.run, executor,
                                     max_batch_size=batching.max_batch_size,
                                     max_queue_delay_s=batching.max_queue_delay_ms / 1000.0,
                                     concurrency=plan.workers, max_queue_images=batching.max_queue_images,
                                     metrics=metrics)
            models[submission.name] = ServedModel(submission, runner, batcher)
    except BaseException:
        executor.shutdown(wait=False)
        raise
    return ModelSet(models, executor, plan)
