"""The audit trail: one JSON line per request, appended, never rewritten, never holding an image.

Each line says when, which key, which endpoint, which model (and its sha256),
the sha256 of what was sent, how it ended, and what was answered (scores and
flags per image, matched list ids and distances, the sha256 of each list).
Lines are hash-chained (`saferkit.serving.hashchain`): `saferkit serve
verify-audit LOG` names any line removed or edited. Writes use O_APPEND under
one lock, so lines from concurrent requests never interleave and the chain
stays in order.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.serving import hashchain

FIELDS = ("time", "key_id", "method", "endpoint", "status", "outcome", "model", "model_sha256",
          "input_sha256", "images", "results", "lists", "duration_ms", "client")


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
        last = hashchain.last_entry(self.path)  # a restarted server continues the chain
        self._seq = int(last.get("seq", 0)) if last else 0
        self._prev = str(last.get("hash", hashchain.GENESIS)) if last else hashchain.GENESIS

    def write(self, **record: Any) -> None:
        record.setdefault("time", datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
        fields = {k: record.get(k) for k in FIELDS if k in record}
        with self._lock:
            entry = hashchain.chain_entry(fields, self._seq + 1, self._prev)
            os.write(self._fd, hashchain.dumps(entry).encode())
            self._seq, self._prev = entry["seq"], entry["hash"]

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def verify_audit(path: Path) -> tuple[list[str], int, str | None]:
    """(problems, lines, head hash) of an audit log; a UserError when it cannot be read."""
    try:
        problems, last, count = hashchain.verify_file(Path(path))
    except OSError as exc:
        raise UserError(f"cannot read the audit log {path}: {exc.strerror}; pass the --audit-log file of `saferkit serve`.") from None
    return problems, count, (last or {}).get("hash")
