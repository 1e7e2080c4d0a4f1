"""Efficiency: size, parameters, latency at batch 1, throughput at batch 32, peak memory.

Timing runs in a fresh child process (`python -m saferkit.evaluation.efficiency`)
so its peak memory is the model's and onnxruntime's alone, not the evaluation's
images and bootstrap matrices. The child loads the submission as data, like
every other part of the harness; nothing from the submission is executed
outside onnxruntime.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError

LATENCY_RUNS = 30
THROUGHPUT_RUNS = 8
WARMUP_RUNS = 3
TIME_BUDGET_S = 20.0


def _rss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / 1024.0 if sys.platform != "darwin" else usage / (1024.0 * 1024.0)


def _time_runs(model, batch, runs: int) -> list[float]:
    for _ in range(WARMUP_RUNS):
        model.run(batch)
    times = []
    deadline = time.perf_counter() + TIME_BUDGET_S
    for _ in range(runs):
        started = time.perf_counter()
        model.run(batch)
        times.append(time.perf_counter() - started)
        if time.perf_counter() > deadline:
            break
    return times


def measure_here(submission_path: str, provider: str, threads: int | None) -> dict[str, Any]:
    """Measure in this process (the child); returns the numbers as a dict."""
    import numpy as np

    from saferkit.evaluation.runner import OnnxTriageModel
    from saferkit.evaluation.submission import load_submission

    submission = load_submission(submission_path)
    before = _rss_mb()
    model = OnnxTriageModel(submission, providers=provider, threads=threads)
    rng = np.random.default_rng(0)
    shape = (3, model.height, model.width)
    one = rng.standard_normal((1, *shape)).astype(np.float32)
    batch = rng.standard_normal((32, *shape)).astype(np.float32)
    latency = _time_runs(model, one, LATENCY_RUNS)
    throughput = _time_runs(model, batch, THROUGHPUT_RUNS)
    return {
        "provider": model.providers[0],
        "latency_ms_batch1": 1000.0 * statistics.median(latency),
        "latency_ms_batch1_p95": 1000.0 * sorted(latency)[max(0, int(0.95 * len(latency)) - 1)],
        "throughput_batch32": 32.0 / statistics.median(throughput),
        "runs_batch1": len(latency),
        "runs_batch32": len(throughput),
        "peak_memory_mb": _rss_mb(),
        "memory_before_model_mb": before,
    }


def measure(submission_path: str | Path, provider: str = "cpu", threads: int | None = None, timeout_s: float = 180.0) -> dict[str, Any]:
    """Run `measure_here` in a child process and return its numbers."""
    command = [sys.executable, "-m", "saferkit.evaluation.efficiency", str(submission_path), provider, str(threads or 0)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise UserError(f"efficiency measurement took longer than {timeout_s:.0f} s; the model is too slow for the time limit.") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError(f"efficiency measurement failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def efficiency_report(submission, providers: list[str], threads: int | None) -> dict[str, Any]:
    """The report's `efficiency` section: CPU always, GPU when onnxruntime has CUDA here."""
    from saferkit.evaluation.check import parameter_count

    import onnx

    model = onnx.load_from_string(submission.model_bytes)
    section: dict[str, Any] = {"model_bytes": len(submission.model_bytes), "parameters": parameter_count(model), "runs": {}}
    for provider in providers:
        section["runs"][provider] = measure(submission.source, provider, threads)
    cpu = section["runs"].get("cpu") or next(iter(section["runs"].values()))
    for key in ("latency_ms_batch1", "throughput_batch32", "peak_memory_mb", "provider"):
        section[key] = cpu[key]
    return section


if __name__ == "__main__":  # the child process
    path, provider_name, thread_count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        print(json.dumps(measure_here(path, provider_name, thread_count or None)))
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(2)
