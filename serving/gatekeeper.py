"""The one ASGI layer every request passes: API key, rate limit, body limit, metrics, audit.

It runs before FastAPI parses anything. A request without a valid key gets a
401, one over its key's rate a 429, a body over the limit a 413, each before
the body is read. The body is read once into memory (never to disk), hashed
for the audit line, and handed on. Afterwards the request is counted, timed
and written to the audit log, whatever its outcome; health probes are only
counted.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Callable

from saferkit.serving.api_errors import error_body
from saferkit.serving.audit import AuditLog
from saferkit.serving.keys import ApiKeys, presented_key
from saferkit.serving.metrics import ServerMetrics
from saferkit.serving.ratelimit import RateLimiter

HEALTH_PATHS = frozenset({"/v2/health/live", "/v2/health/ready"})
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/openapi.json"})
MAX_OUTCOME_CHARS = 300


class _Rejected(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class Gatekeeper:
    """Pure ASGI middleware; `endpoint_of(scope)` names the route template for metric labels."""

    def __init__(self, app, *, keys: ApiKeys, limiter: RateLimiter, audit: AuditLog, metrics: ServerMetrics,
                 max_body_bytes: int, endpoint_of: Callable[[dict], str], public_docs: bool = False) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.audit = audit
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.endpoint_of = endpoint_of
        self.public = HEALTH_PATHS | (DOCS_PATHS if public_docs else frozenset())

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path, method = scope["path"], scope["method"]
        endpoint = self.endpoint_of(scope)
        state = scope.setdefault("state", {})
        outcome: dict[str, Any] = {"status": None, "error": None}
        key_id = None
        self.metrics.in_flight.inc()
        try:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if path not in self.public:
                key_id = self._authorise(headers)
            read = await self._read_body(receive, headers)
            if read is None:  # the client went away mid-upload
                outcome["status"] = 499
                return
            chunks, digest = read
            state["input_sha256"] = digest
            state["key_id"] = key_id
            await self.app(scope, _replay(chunks, receive), self._capturing(send, outcome))
        except _Rejected as rejected:
            outcome["status"], outcome["error"] = rejected.status, rejected.message
            await _send_error(send, rejected)
        finally:
            self.metrics.in_flight.dec()
            status = outcome["status"] or 500
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(endpoint, method, str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(elapsed)
            if path not in HEALTH_PATHS:
                self._audit(scope, state, key_id, endpoint, status, outcome["error"], elapsed)

    def _authorise(self, headers: dict[str, str]) -> str:
        presented = presented_key(headers)
        if presented is None:
            raise _Rejected(401, "an API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'.",
                            {"WWW-Authenticate": "Bearer"})
        key_id = self.keys.identify(presented)
        if key_id is None:
            raise _Rejected(401, "the API key is not valid for this server.", {"WWW-Authenticate": "Bearer"})
        allowed, wait = self.limiter.allow(key_id)
        if not allowed:
            raise _Rejected(429, f"rate limit of {self.limiter.rate:g} requests/s for this key exceeded; "
                                 f"retry in {wait:.2f} s.", {"Retry-After": str(max(1, round(wait + 0.5)))})
        return key_id

    async def _read_body(self, receive, headers: dict[str, str]) -> tuple[list[bytes], str | None] | None:
        """The body's chunks (joined once, later, by whoever reads it) and its sha256; None if the client left."""
        limit = self.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                raise _Rejected(400, "Content-Length is not a number.") from None
            if too_big:
                raise _Rejected(413, f"the request body ({declared} bytes) is over this server's limit of {limit} bytes.")
        chunks, total, digest = [], 0, hashlib.sha256()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                raise _Rejected(413, f"the request body is over this server's limit of {limit} bytes.")
            if chunk:
                chunks.append(chunk)
                digest.update(chunk)
            if not message.get("more_body", False):
                return chunks, digest.hexdigest() if total else None

    def _capturing(self, send, outcome: dict[str, Any]):
        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
            elif message["type"] == "http.response.body" and (outcome["status"] or 0) >= 400 and outcome["error"] is None:
                outcome["error"] = _error_text(message.get("body", b""))
            await send(message)
        return wrapped

    def _audit(self, scope, state, key_id, endpoint, status, error, elapsed) -> None:
        details = state.get("audit", {})
        client = scope.get("client")
        self.audit.write(
            key_id=key_id, method=scope["method"], endpoint=scope["path"], status=status,
            outcome="ok" if status < 400 else f"error: {error or 'no message'}"[:MAX_OUTCOME_CHARS],
            model=details.get("model"), model_sha256=details.get("model_sha256"),
            input_sha256=state.get("input_sha256"), images=details.get("images"),
            results=details.get("results"), lists=details.get("lists"),
            duration_ms=round(elapsed * 1000, 2), client=client[0] if client else None,
        )


def _error_text(body: bytes) -> str | None:
    try:
        return str(json.loads(body).get("error"))
    except (ValueError, AttributeError):
        return None


def _replay(chunks: list[bytes], receive):
    """Hand the already-read body on, chunk by chunk, then pass through (only a disconnect can follow)."""
    pending = list(chunks) or [b""]

    async def replay():
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        return await receive()

    return replay


async def _send_error(send, rejected: _Rejected) -> None:
    body = error_body(rejected.message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in rejected.headers.items()]
    await send({"type": "http.response.start", "status": rejected.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
