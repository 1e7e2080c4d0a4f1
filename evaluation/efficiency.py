"""Efficiency: size, parameters, latency at batch 1, throughput at batch 32, peak memory.

Timing reuses the evaluation's own onnxruntime session for each provider (one
session per provider for a whole evaluation), and runs before any test image is
loaded, so the process's peak memory at that point is the harness, the model
and onnxruntime, not the evaluation's images and bootstrap matrices. Latency is
one batch of 1 at a time; throughput keeps as many batches of 32 in flight as
the evaluation scores with, on the same session, as the harness itself runs.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

LATENCY_RUNS = 30
THROUGHPUT_RUNS = 8
WARMUP_RUNS = 3
TIME_BUDGET_S = 20.0
THROUGHPUT_BATCH = 32


class Runnable(Protocol):
    """What timing needs of a model: its input size, its providers and a batch run."""

    height: int
    width: int

    @property
    def providers(self) -> list[str]: ...

    def run(self, batch: np.ndarray) -> np.ndarray: ...


def peak_memory_mb() -> float:
    """This process's peak resident memory so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / 1024.0 if sys.platform != "darwin" else usage / (1024.0 * 1024.0)


def _time_runs(run: Any, runs: int) -> list[float]:
    """Seconds per call of `run()`, after a warm-up, within the time budget."""
    for _ in range(WARMUP_RUNS):
        run()
    times = []
    deadline = time.perf_counter() + TIME_BUDGET_S
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
        if time.perf_counter() > deadline:
            break
    return times


@dataclass(frozen=True)
class ProviderTiming:
    """One provider's numbers, as the report's `efficiency.runs[provider]`."""

    provider: str
    latency_ms_batch1: float
    latency_ms_batch1_p95: float
    throughput_batch32: float
    runs_batch1: int
    runs_batch32: int
    batches_in_flight: int
    peak_memory_mb: float
    memory_before_model_mb: float

    @classmethod
    def measure(cls, model: Runnable, workers: int, memory_before_model_mb: float) -> ProviderTiming:
        """Time `model` on random inputs of its declared size (values do not change an ONNX graph's cost)."""
        rng = np.random.default_rng(0)
        shape = (3, model.height, model.width)
        one = rng.standard_normal((1, *shape)).astype(np.float32)
        batch = rng.standard_normal((THROUGHPUT_BATCH, *shape)).astype(np.float32)
        latency = _time_runs(lambda: model.run(one), LATENCY_RUNS)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            def in_flight() -> None:
                list(pool.map(model.run, [batch] * workers))

            rounds = _time_runs(in_flight, THROUGHPUT_RUNS)
        return cls(
            provider=model.providers[0],
            latency_ms_batch1=1000.0 * statistics.median(latency),
            latency_ms_batch1_p95=1000.0 * sorted(latency)[max(0, int(0.95 * len(latency)) - 1)],
            throughput_batch32=THROUGHPUT_BATCH * workers / statistics.median(rounds),
            runs_batch1=len(latency),
            runs_batch32=len(rounds) * workers,
            batches_in_flight=workers,
            peak_memory_mb=peak_memory_mb(),
            memory_before_model_mb=memory_before_model_mb,
        )

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _cpu_model() -> str:
    """The CPU's marketing name where the OS tells it (Linux: /proc/cpuinfo), else the architecture."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _gpu_model() -> str | None:
    """The first NVIDIA GPU's name (nvidia-smi), None without one; the CUDA provider runs there."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        found = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    names = [line.strip() for line in found.stdout.splitlines() if line.strip()]
    return names[0] if found.returncode == 0 and names else None


def hardware(with_gpu: bool) -> dict[str, Any]:
    """The machine the timings were taken on, so a reader can compare them with their own."""
    try:
        memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory_gib = None
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "memory_gib": memory_gib,
            "gpu": _gpu_model() if with_gpu else None}


@dataclass
class Efficiency:
    """The report's `efficiency` section: CPU always, GPU when onnxruntime has CUDA here."""

    model_bytes: int
    parameters: int | None = None
    runs: dict[str, ProviderTiming] = field(default_factory=dict)
    note: str | None = None
    reason: str | None = None  # set when timing failed: the section is then marked invalid

    @classmethod
    def measure(cls, model_bytes: int, parameters: int | None, models: Mapping[str, Runnable], workers: int, memory_before_model_mb: float) -> Efficiency:
        """Time each provider's model (the evaluation's own sessions); a model that fails here is recorded, not raised.

        `memory_before_model_mb` is the process's peak memory before the first session was opened.
        """
        try:
            runs = {name: ProviderTiming.measure(model, workers, memory_before_model_mb) for name, model in models.items()}
        except Exception as exc:  # ModelOutputError, or onnxruntime's own types for a graph that fails at run time
            return cls(model_bytes, reason=f"efficiency measurement failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        return cls(model_bytes, parameters, runs)

    @classmethod
    def skipped(cls, model_bytes: int) -> Efficiency:
        return cls(model_bytes, note="timing skipped (--no-efficiency)")

    @property
    def valid(self) -> bool:
        return self.reason is None

    def to_json(self) -> dict[str, Any]:
        if self.reason is not None:
            return {"model_bytes": self.model_bytes, "valid": False, "reason": self.reason}
        if self.note is not None:
            return {"model_bytes": self.model_bytes, "note": self.note}
        runs = {name: timing.to_json() for name, timing in self.runs.items()}
        section: dict[str, Any] = {"model_bytes": self.model_bytes, "parameters": self.parameters, "runs": runs}
        first = runs.get("cpu") or next(iter(runs.values()))
        for key in ("latency_ms_batch1", "throughput_batch32", "peak_memory_mb", "provider"):
            section[key] = first[key]
        section["hardware"] = hardware(with_gpu=any(name != "cpu" for name in runs))
        return section
