"""The audit trail: one JSON line per request, appended, never rewritten, never holding an image.

Each line says when, which key, which endpoint, which model (and its sha256),
the sha256 of what was sent, and how it ended. Writes use O_APPEND so lines from
concurrent requests never interleave.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError

FIELDS = ("time", "key_id", "method", "endpoint", "status", "outcome", "model", "model_sha256",
          "input_sha256", "images", "duration_ms", "client")


class AuditLog:
    """Append-only JSON-lines audit file (created with owner-only permissions)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise UserError(f"cannot open the audit log {self.path}: {exc.strerror}; pass --audit-log PATH.") from None
        self._lock = threading.Lock()

    def write(self, **record: Any) -> None:
        record.setdefault("time", datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
        line = json.dumps({k: record.get(k) for k in FIELDS if k in record}, separators=(",", ":")) + "\n"
        with self._lock:
            os.write(self._fd, line.encode())

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
