"""Upload decoding under limits (bombs refused undecoded) and the dynamic batcher's behaviour."""

from __future__ import annotations

import asyncio
import io
import struct
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from serving_support import image_bytes
from PIL import Image

from saferkit.serving.api_errors import ApiError
from saferkit.serving.batching import DynamicBatcher
from saferkit.serving.config import DEFAULT_FORMATS
from saferkit.serving.images import decode_image, open_checked
from saferkit.serving.metrics import ServerMetrics


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height: decoding it for real would need gigabytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = 8 + 8  # signature, then length + type of the IHDR chunk
    data[ihdr:ihdr + 8] = struct.pack(">II", width, height)
    data[ihdr + 13:ihdr + 17] = struct.pack(">I", zlib.crc32(bytes(data[ihdr - 4:ihdr + 13])))
    return bytes(data)


def status_of(call) -> int:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.status


def test_decodes_allowed_images():
    image = decode_image(image_bytes(fmt="PNG"), "upload 0", 10_000, DEFAULT_FORMATS)
    assert image.size == (48, 40)


def test_bombs_are_refused_from_the_header_alone():
    # Between PIL's own warning level and its error level: only our check stops it, before decoding
    assert status_of(lambda: decode_image(png_claiming(12_000, 12_000), "u", 50_000_000, DEFAULT_FORMATS)) == 413
    # Beyond PIL's error level
    assert status_of(lambda: decode_image(png_claiming(40_000, 40_000), "u", 50_000_000, DEFAULT_FORMATS)) == 413
    # A real image over a small configured limit
    assert status_of(lambda: open_checked(image_bytes(size=(200, 200)), "u", 10_000, DEFAULT_FORMATS)) == 413


def test_unreadable_uploads_are_4xx():
    jpeg = image_bytes(size=(64, 64))
    assert status_of(lambda: decode_image(b"", "u", 10_000, DEFAULT_FORMATS)) == 422
    assert status_of(lambda: decode_image(b"%PDF-1.4 not an image", "u", 10_000, DEFAULT_FORMATS)) == 422
    assert status_of(lambda: decode_image(jpeg[: len(jpeg) // 2], "u", 10_000, DEFAULT_FORMATS)) == 422
    assert status_of(lambda: decode_image(image_bytes(fmt="PNG"), "u", 10_000, ("JPEG",))) == 415


def run(coro):
    return asyncio.run(coro)


class Recorder:
    """A stand-in model function: echoes each row's first value and records batch sizes."""

    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        self.sizes: list[int] = []
        self.delay_s, self.fail = delay_s, fail
        self.lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        with self.lock:
            self.sizes.append(batch.shape[0])
        time.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("model exploded")
        return batch.reshape(batch.shape[0], -1)[:, :1] * 10


async def _batched(recorder, requests, **options):
    executor = ThreadPoolExecutor(max_workers=options.pop("concurrency", 1))
    metrics = ServerMetrics()
    batcher = DynamicBatcher("m", recorder, executor, metrics=metrics, **options)
    await batcher.start()
    try:
        return await asyncio.gather(*(batcher.submit(r) for r in requests), return_exceptions=True), metrics
    finally:
        await batcher.stop()
        executor.shutdown()


def test_concurrent_requests_share_batches_and_get_their_own_rows():
    recorder = Recorder(delay_s=0.02)
    requests = [np.full((1, 2), float(i), dtype=np.float32) for i in range(10)]
    results, metrics = run(_batched(recorder, requests, max_batch_size=4, max_queue_delay_s=0.05))
    assert [float(r[0, 0]) for r in results] == [10.0 * i for i in range(10)]
    assert sum(recorder.sizes) == 10
    assert max(recorder.sizes) == 4 and len(recorder.sizes) < 10
    count = metrics.registry.get_sample_value("saferkit_batch_size_count", {"model": "m"})
    total = metrics.registry.get_sample_value("saferkit_batch_size_sum", {"model": "m"})
    assert (count, total) == (len(recorder.sizes), 10)


def test_large_requests_are_split_into_batches_and_reassembled():
    recorder = Recorder()
    big = np.arange(11, dtype=np.float32).reshape(11, 1)
    (result,), _ = run(_batched(recorder, [big], max_batch_size=4, max_queue_delay_s=0.0))
    assert result[:, 0].tolist() == [10.0 * i for i in range(11)]
    assert sorted(recorder.sizes) == [3, 4, 4]


def test_a_lone_request_waits_at_most_the_queue_delay():
    recorder = Recorder()
    started = time.perf_counter()
    run(_batched(recorder, [np.zeros((1, 1), np.float32)], max_batch_size=32, max_queue_delay_s=0.01))
    assert recorder.sizes == [1]
    assert time.perf_counter() - started < 5.0  # generous: only proves it did not wait for a full batch


def test_model_failures_reach_every_waiting_request():
    results, _ = run(_batched(Recorder(fail=True), [np.zeros((1, 1), np.float32)] * 3,
                              max_batch_size=4, max_queue_delay_s=0.01))
    assert all(isinstance(r, RuntimeError) for r in results)


def test_a_full_queue_answers_503():
    results, _ = run(_batched(Recorder(delay_s=0.05), [np.zeros((4, 1), np.float32)] * 3,
                              max_batch_size=4, max_queue_delay_s=0.0, max_queue_images=4))
    statuses = [r.status for r in results if isinstance(r, ApiError)]
    assert statuses and set(statuses) == {503}
