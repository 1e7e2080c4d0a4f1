"""Every knob of `saferkit serve` in one place, with defaults chosen for safety.

The CLI fills a `ServeConfig`; the app, the batcher and the middleware only read
it, so tests and the demo build a server with exactly the same settings a user can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from saferkit.core.errors import UserError
from saferkit.core.media_types import IMAGE_FORMATS

LOOPBACK_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

# Formats a deployment accepts by default: exactly what the scan reads (the one decode's list, HEIC and AVIF included).
DEFAULT_FORMATS = IMAGE_FORMATS


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
    audit_key: Path | None = None  # signs the audit chain's head after every line (AUDIT_LOG.head.json)
    docs: bool = False
    match_threshold: int | None = None  # None: the hashing package's default per hash type


def serve_config(
    *,
    formats: str = ",".join(DEFAULT_FORMATS),
    max_batch_size: int = 32,
    max_queue_delay_ms: float = 5.0,
    max_body_mb: float = 32.0,
    max_images: int = 64,
    max_pixels: int | None = None,
    provider: str = "auto",
    workers: int | None = None,
    threads: int | None = None,
    rate_limit: float = 50.0,
    rate_burst: int = 100,
    audit_log: Path = Path("saferkit-audit.jsonl"),
    audit_key: Path | None = None,
    docs: bool = False,
    match_threshold: int | None = None,
) -> ServeConfig:
    """A `ServeConfig` from `saferkit serve`'s options; a UserError names an option that cannot work."""
    allowed = tuple(f.strip().upper() for f in formats.split(",") if f.strip())
    if not allowed:
        raise UserError("--formats names no format; give for example JPEG,PNG.")
    if max_batch_size < 1 or max_images < 1 or max_body_mb <= 0 or max_queue_delay_ms < 0:
        raise UserError("--max-batch-size, --max-images and --max-body-mb must be positive, --max-queue-delay-ms >= 0.")
    return ServeConfig(
        batching=BatchingConfig(max_batch_size=max_batch_size, max_queue_delay_ms=max_queue_delay_ms),
        execution=ExecutionConfig(provider=provider, workers=workers, threads=threads),
        limits=LimitsConfig(max_body_bytes=int(max_body_mb * 1024 * 1024), max_pixels=max_pixels,
                            max_images_per_request=max_images, allowed_formats=allowed,
                            rate_limit_per_s=rate_limit, rate_burst=rate_burst),
        audit_log=audit_log, audit_key=audit_key, docs=docs, match_threshold=match_threshold)
