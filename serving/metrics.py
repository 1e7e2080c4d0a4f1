"""Prometheus metrics of one server instance (its own registry, so servers never share counters).

Request counts by endpoint and status, request latency, time spent queued
before a batch starts, batch sizes, inference time and images processed.
The benchmark reads the mean batch size from here, so it reports what the
server itself measured.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 128, 256)

disable_created_metrics()  # the *_created series only double the output


class ServerMetrics:
    """The instruments; `render()` gives the text exposition format."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("saferkit_requests", "HTTP requests by endpoint, method and status.",
                                ("endpoint", "method", "status"), registry=r)
        self.latency = Histogram("saferkit_request_duration_seconds", "Time from request to response.",
                                 ("endpoint",), buckets=LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge("saferkit_requests_in_flight", "Requests being handled now.", registry=r)
        self.queue_time = Histogram("saferkit_queue_seconds", "Time a request waited before its batch started.",
                                    ("model",), buckets=LATENCY_BUCKETS, registry=r)
        self.batch_size = Histogram("saferkit_batch_size", "Images per executed batch.",
                                    ("model",), buckets=BATCH_BUCKETS, registry=r)
        self.inference_time = Histogram("saferkit_inference_seconds", "Time one batch spent in the model.",
                                        ("model",), buckets=LATENCY_BUCKETS, registry=r)
        self.images = Counter("saferkit_images", "Images processed, by endpoint kind.", ("kind",), registry=r)
        self.queued = Gauge("saferkit_queued_images", "Images waiting for a batch.", ("model",), registry=r)
        self.ready = Gauge("saferkit_ready", "1 once every model is warmed up.", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
