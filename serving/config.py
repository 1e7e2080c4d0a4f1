"""Every knob of `saferkit serve` in one place, with defaults chosen for safety.

The CLI fills a `ServeConfig`; the app, the batcher and the middleware only read
it, so tests and the demo build a server with exactly the same settings a user can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

# Formats a deployment accepts by default: the common still-image formats.
DEFAULT_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")


@dataclass(frozen=True)
class BatchingConfig:
    """Dynamic batching: gather requests up to `max_batch_size` images or `max_queue_delay_ms`."""

    max_batch_size: int = 32
    max_queue_delay_ms: float = 5.0
    max_queue_images: int = 4096  # beyond this the server answers 503 instead of queueing forever


@dataclass(frozen=True)
class ExecutionConfig:
    """Where and how the models run: provider, concurrent batches (workers), threads per batch."""

    provider: str = "auto"  # auto | cpu | cuda
    workers: int | None = None  # None: chosen from the cores (serving/threads.py)
    threads: int | None = None  # None: cores // workers


@dataclass(frozen=True)
class LimitsConfig:
    """What one request may carry; everything beyond is refused before any decoding."""

    max_body_bytes: int = 32 * 1024 * 1024
    max_pixels: int | None = None  # None: the hashing package's pixel limit
    max_images_per_request: int = 64
    allowed_formats: tuple[str, ...] = DEFAULT_FORMATS
    rate_limit_per_s: float = 50.0  # per API key; 0 disables
    rate_burst: int = 100


@dataclass(frozen=True)
class ServeConfig:
    """Everything a server instance needs besides the submissions and hash lists."""

    batching: BatchingConfig = field(default_factory=BatchingConfig)
    execution: ExecutionConfig = field(default_factory=ExecutionConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    audit_log: Path = Path("saferkit-audit.jsonl")
    docs: bool = False
    match_threshold: int | None = None  # None: the hashing package's default per hash type
