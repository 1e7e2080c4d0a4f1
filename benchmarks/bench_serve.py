"""Serving benchmark: does dynamic batching pay for itself, and how does the server behave under load?

1. Target: 16 concurrent clients, each sending one image at a time over the v2
   binary protocol (the standard Triton client), must reach at least 80% of the
   throughput of onnxruntime called in-process on batches of 32, for a model whose
   raw batch-32 rate here is under 1,000 images/s: the baseline architecture
   (the baseline's default architecture, random weights, softmax in the graph) exported
   at 224 px, and a heavier model in the same scope (resnet18 at 224 px). The
   same figure is printed for the 64 px baseline.
2. A table of concurrency (1, 4, 16, 64) -> requests/s, p50/p95/p99 latency,
   error rate and the mean batch size the server itself measured (/metrics), for
   /v2/models/NAME/infer and /v1/models/NAME/triage with JPEG uploads.

Loopback only and bounded: the server is a child process on 127.0.0.1 that is
stopped at the end; every measurement runs for a fixed number of seconds.
Run: python benchmarks/bench_serve.py [--seconds 10] [--out results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

KEY = "bench-key-" + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
ARCH = "resnet10_small"  # the baseline's default architecture when docs/serving.md's figures were measured
HEAVIER_ARCH = "resnet18"  # a second model in the target's scope (raw rate well under 1,000 img/s)
CONCURRENCY = (1, 4, 16, 64)
TARGET_RATIO = 0.8
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def export_baseline(size: int, arch: str = ARCH) -> bytes:
    """A baseline architecture at `size` px as ONNX, through the baseline package's exporter."""
    import torch

    from saferkit.baseline.models import build_model
    from saferkit.baseline.onnx_export import export_onnx

    torch.manual_seed(0)
    return export_onnx(build_model(arch, 2), size)


def write_submission(folder: Path, size: int, arch: str = ARCH) -> Path:
    import onnx
    import yaml
    from toy_submissions import toy_manifest

    model_bytes = export_baseline(size, arch)
    graph = onnx.load_from_string(model_bytes).graph
    manifest = toy_manifest(
        name=folder.name,
        input={"name": graph.input[0].name, "height": size, "width": size, "color": "RGB", "scale": 255.0,
               "mean": IMAGENET_MEAN, "std": IMAGENET_STD, "resize": "bilinear", "letterbox": False},
        output={"name": graph.output[0].name, "kind": "probabilities", "labels": ["clear", "review"],
                "positive_label": "review"})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(model_bytes)
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return folder


def process_cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default), from /proc."""
    fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_rate(folder: Path, seconds: float, threads: int, provider: str = "cpu") -> tuple[float, float]:
    """Images/s of onnxruntime called directly on batches of 32 (same threads and provider as the server), and CPU s/image."""
    import onnxruntime as ort

    from saferkit.evaluation.runner import resolve_providers

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=resolve_providers(provider))
    name = session.get_inputs()[0].name
    size = int(re.search(r"(\d+)px", folder.name).group(1))
    batch = np.random.default_rng(0).random((32, 3, size, size), dtype=np.float32)
    session.run(None, {name: batch})
    done, started, cpu = 0, time.perf_counter(), process_cpu_seconds()
    while time.perf_counter() - started < seconds:
        session.run(None, {name: batch})
        done += 32
    return done / (time.perf_counter() - started), (process_cpu_seconds() - cpu) / done


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """`saferkit serve` as a child process on loopback, stopped with SIGINT."""

    def __init__(self, submissions: list[Path], workdir: Path, delay_ms: float, workers: int | None = None,
                 threads: int | None = None, provider: str = "cpu") -> None:
        self.port = free_port()
        self.url = f"127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "saferkit", "serve", *map(str, submissions), "--port", str(self.port),
                   "--rate-limit", "0", "--max-batch-size", "32", "--max-queue-delay-ms", str(delay_ms),
                   "--audit-log", str(workdir / "audit.jsonl"), "--max-images", "64", "--provider", provider]
        if workers:
            command += ["--workers", str(workers)]
        if threads:
            command += ["--threads", str(threads)]
        env = {**os.environ, "SAFERKIT_API_KEYS": KEY}
        self.log = open(workdir / "server.log", "w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 300) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.flush()
                tail = "".join(Path(self.log.name).read_text(errors="replace").splitlines(keepends=True)[-15:])
                raise SystemExit(f"the server exited early (its log is removed with the scratch folder); its last lines:\n{tail}")
            try:
                if httpx.get(f"http://{self.url}/v2/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise SystemExit("the server did not become ready in time")

    def batch_stats(self, model: str) -> tuple[float, float]:
        """(sum, count) of the server's batch-size histogram for `model`."""
        import httpx

        text = httpx.get(f"http://{self.url}/metrics", headers=AUTH, timeout=30).text
        values = {}
        for kind in ("sum", "count"):
            found = re.search(rf'^saferkit_batch_size_{kind}{{model="{re.escape(model)}"}} (\S+)$', text, re.M)
            values[kind] = float(found.group(1)) if found else 0.0
        return values["sum"], values["count"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def jpeg_images(count: int, size: int = 256) -> list[bytes]:
    """Synthetic JPEGs: gradients and coloured rectangles (no people)."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(1)
    images = []
    for _ in range(count):
        base = np.linspace(0, 255, size, dtype=np.uint8)
        pixels = np.stack([np.tile(base, (size, 1)), np.tile(base[:, None], (1, size)),
                           np.full((size, size), rng.integers(0, 255), np.uint8)], axis=2)
        image = Image.fromarray(pixels)
        draw = ImageDraw.Draw(image)
        for _ in range(4):
            x, y = rng.integers(0, size - 40, 2)
            draw.rectangle([int(x), int(y), int(x) + 40, int(y) + 30], fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        images.append(buffer.getvalue())
    return images


async def drive(server: ServerProcess, model: str, kind: str, concurrency: int, seconds: float,
                size: int, jpegs: list[bytes]) -> dict:
    """`concurrency` clients, each sending one image per request back to back for `seconds`."""
    import aiohttp
    import tritonclient.http.aio as triton_aio
    from tritonclient.http import InferInput

    latencies: list[float] = []
    errors = 0
    before = server.batch_stats(model)
    server_cpu = process_cpu_seconds(server.process.pid)
    tensor = np.random.default_rng(2).random((1, 3, size, size), dtype=np.float32)
    deadline = time.perf_counter() + seconds

    async def v2_client(client) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            images = InferInput("images", [1, 3, size, size], "FP32")
            images.set_data_from_numpy(tensor)
            started = time.perf_counter()
            try:
                await client.infer(model, [images], headers=dict(AUTH))
                latencies.append(time.perf_counter() - started)
            except Exception:  # noqa: BLE001 - every failure counts as an error
                errors += 1

    async def triage_client(session, index: int) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            form = aiohttp.FormData()
            form.add_field("images", jpegs[index % len(jpegs)], filename="scene.jpg", content_type="image/jpeg")
            index += 1
            started = time.perf_counter()
            try:
                async with session.post(f"http://{server.url}/v1/models/{model}/triage", data=form, headers=AUTH) as r:
                    await r.read()
                    if r.status == 200:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1

    started = time.perf_counter()
    if kind == "v2":
        client = triton_aio.InferenceServerClient(server.url, conn_limit=concurrency)
        try:
            await asyncio.gather(*(v2_client(client) for _ in range(concurrency)))
        finally:
            await client.close()
    else:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(triage_client(session, i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    server_cpu = process_cpu_seconds(server.process.pid) - server_cpu
    after = server.batch_stats(model)
    batches = after[1] - before[1]
    done = len(latencies)
    ms = np.array(latencies) * 1000 if latencies else np.array([float("nan")])
    return {"model": model, "endpoint": kind, "concurrency": concurrency, "seconds": round(elapsed, 2),
            "requests": done, "req_per_s": done / elapsed, "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)), "p99_ms": float(np.percentile(ms, 99)),
            "error_rate": errors / max(1, errors + done),
            "mean_batch": (after[0] - before[0]) / batches if batches else float("nan"),
            "server_cpu_s_per_request": server_cpu / done if done else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of each measurement.")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating in-process/served rounds for the target.")
    parser.add_argument("--delay-ms", type=float, default=5.0, help="Server's max queue delay.")
    parser.add_argument("--workers", type=int, help="Server's --workers (default: the server's own choice).")
    parser.add_argument("--threads", type=int, help="Server's --threads per batch (default: the server's own choice).")
    parser.add_argument("--provider", default="cpu", help="onnxruntime provider for the server and the in-process anchor: cpu or cuda.")
    parser.add_argument("--out", type=Path, help="Also write the figures as JSON here.")
    args = parser.parse_args()
    from saferkit.serving.threads import available_cores, plan_threads

    cores = available_cores()
    plan = plan_threads(args.workers, args.threads, cores)
    results: dict = {"cores": cores, "arch": f"{ARCH} (baseline), {HEAVIER_ARCH}", "seconds_per_measurement": args.seconds, "rounds": args.rounds,
                     "provider": args.provider, "server": {"workers": plan.workers, "threads": plan.threads,
                                "max_batch_size": 32, "max_queue_delay_ms": args.delay_ms},
                     "load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        workdir = Path(tmp)
        print(f"exporting {ARCH} at 224 and 64 px and {HEAVIER_ARCH} at 224 px ...", flush=True)
        subs = {("baseline", size): write_submission(workdir / f"baseline-{size}px", size) for size in (224, 64)}
        subs[(HEAVIER_ARCH, 224)] = write_submission(workdir / f"{HEAVIER_ARCH}-224px", 224, HEAVIER_ARCH)
        server = ServerProcess(list(subs.values()), workdir, args.delay_ms, args.workers, args.threads, args.provider)
        try:
            server.wait_ready()
            results["target"] = [_target(server, sub, size, args, cores) for (_, size), sub in subs.items()]
            jpegs = jpeg_images(16)
            table = []
            for kind in ("v2", "triage"):
                for concurrency in CONCURRENCY:
                    row = asyncio.run(drive(server, "baseline-64px", kind, concurrency, args.seconds, 64, jpegs))
                    table.append(row)
                    print(f"  {kind:6} c={concurrency:<3} {row['req_per_s']:8.1f} req/s", flush=True)
            results["table"] = table
        finally:
            server.stop()
    results["load_average_at_end"] = os.getloadavg()
    _report(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")


def _target(server: ServerProcess, submission: Path, size: int, args, cores: int) -> dict:
    """Alternate in-process and served rounds (the machine's load drifts), and compare medians."""
    raw, served = [], []
    for round_index in range(args.rounds):
        raw.append(raw_rate(submission, args.seconds, cores, args.provider))
        served.append(asyncio.run(drive(server, submission.name, "v2", 16, args.seconds, size, [])))
        print(f"  {submission.name} round {round_index + 1}: in-process {raw[-1][0]:,.1f} img/s, "
              f"served {served[-1]['req_per_s']:,.1f} img/s (mean batch {served[-1]['mean_batch']:.1f})", flush=True)
    raw_rate_median = float(np.median([r[0] for r in raw]))
    served_median = float(np.median([s["req_per_s"] for s in served]))
    raw_cpu = float(np.median([r[1] for r in raw]))
    served_cpu = float(np.median([s["server_cpu_s_per_request"] for s in served]))
    return {"model": submission.name, "size": size, "raw_batch32_img_s": raw_rate_median, "served_16_clients_img_s": served_median,
            "ratio": served_median / raw_rate_median, "mean_batch": float(np.median([s["mean_batch"] for s in served])),
            "raw_cpu_ms_per_image": raw_cpu * 1000, "server_cpu_ms_per_image": served_cpu * 1000,
            "cpu_efficiency_ratio": raw_cpu / served_cpu, "model_qualifies": raw_rate_median < 1000,
            "meets_80pct": served_median / raw_rate_median >= TARGET_RATIO}


def _report(results: dict) -> None:
    print(f"\nServer: {results['server']}, provider {results['provider']}")
    print(f"Dynamic batching vs onnxruntime in-process ({results['cores']} cores, {results['arch']}, medians of "
          f"{results['rounds']} alternating rounds; load average {results['load_average_at_start'][0]:.1f} at start, "
          f"{results['load_average_at_end'][0]:.1f} at end):")
    print(f"{'model':>15} {'raw b32 img/s':>14} {'served 16 clients':>18} {'ratio':>6} {'mean batch':>10} "
          f"{'CPU ms/img raw':>15} {'server':>7} {'CPU ratio':>9}  verdict")
    for row in results["target"]:
        verdict = "meets 80%" if row["meets_80pct"] else "below 80%"
        if not row["model_qualifies"]:
            verdict += " (raw rate >= 1,000 img/s: outside the target's scope)"
        print(f"{row['model']:>15} {row['raw_batch32_img_s']:>14,.1f} {row['served_16_clients_img_s']:>18,.1f} "
              f"{row['ratio']:>6.2f} {row['mean_batch']:>10.1f} {row['raw_cpu_ms_per_image']:>15.1f} "
              f"{row['server_cpu_ms_per_image']:>7.1f} {row['cpu_efficiency_ratio']:>9.2f}  {verdict}")
    print("(CPU ratio: in-process CPU time per image / the server process's CPU time per image; less sensitive to "
          "other load on the machine than the wall-clock ratio.)")
    print("\nConcurrency table (baseline 64 px; v2 = binary tensors via the Triton client, triage = JPEG uploads):")
    print(f"{'endpoint':>8} {'conc':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'mean batch':>10}")
    for row in results["table"]:
        print(f"{row['endpoint']:>8} {row['concurrency']:>5} {row['req_per_s']:>8.1f} {row['p50_ms']:>8.1f} "
              f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['error_rate']:>7.1%} {row['mean_batch']:>10.1f}")


if __name__ == "__main__":
    main()
