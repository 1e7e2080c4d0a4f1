"""The audit trail: one JSON line per request, appended, never rewritten, never holding an image.

Each line says when, which key, which endpoint, which model (and its sha256),
the sha256 of what was sent, how it ended, and what was answered (scores and
flags per image, matched list ids and distances, the sha256 of each list).
Lines are hash-chained (`saferkit.serving.hashchain`): `saferkit serve
verify-audit LOG` names any line removed or edited. Writes use O_APPEND under
one lock, so lines from concurrent requests never interleave and the chain
stays in order.

A chain alone cannot show that its last lines were cut off. With a signing
key (`saferkit serve --audit-key server.pem`) the server signs the chain's
head after every line, into `LOG.head.json` (the kit's detached signature:
`core.signature`), and `verify-audit LOG --public-key server.pub` names
entries missing from the end, or added after it, as well.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from saferkit.core.errors import UserError
from saferkit.serving import hashchain

HEAD_SUFFIX = ".head.json"

FIELDS = ("time", "key_id", "method", "endpoint", "status", "outcome", "model", "model_sha256",
          "input_sha256", "images", "results", "lists", "duration_ms", "client")


class AuditLog:
    """Append-only JSON-lines audit file (created with owner-only permissions)."""

    def __init__(self, path: Path, key: Optional[Path] = None) -> None:
        from saferkit.core.signature import Signer

        self.path = Path(path)
        self._signer = Signer(Path(key)) if key is not None else None  # a bad key fails before the server starts
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise UserError(f"cannot open the audit log {self.path}: {exc.strerror}; pass --audit-log PATH.") from None
        self._lock = threading.Lock()
        last = hashchain.last_entry(self.path)  # a restarted server continues the chain
        self._seq = int(last.get("seq", 0)) if last else 0
        self._prev = str(last.get("hash", hashchain.GENESIS)) if last else hashchain.GENESIS
        if self._signer is not None:
            self._sign_head()

    def write(self, **record: Any) -> None:
        record.setdefault("time", datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
        fields = {k: record.get(k) for k in FIELDS if k in record}
        with self._lock:
            entry = hashchain.chain_entry(fields, self._seq + 1, self._prev)
            os.write(self._fd, hashchain.dumps(entry).encode())
            self._seq, self._prev = entry["seq"], entry["hash"]
            if self._signer is not None:
                self._sign_head()

    def _sign_head(self) -> None:
        """The chain's head, signed, beside the log: removing the log's last lines no longer goes unseen."""
        from saferkit.core.atomic import write_json_atomic
        from saferkit.core.signature import utc_now

        assert self._signer is not None
        statement = {"log": self.path.name, "seq": self._seq, "hash": self._prev, "signed": utc_now()}
        write_json_atomic(head_path(self.path), self._signer.sign(statement))

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def head_path(log: Path) -> Path:
    """Where the server signs the head of `log` (with --audit-key)."""
    return Path(log).with_name(Path(log).name + HEAD_SUFFIX)


def verify_audit(path: Path, public_key: Optional[Path] = None) -> tuple[list[str], int, str | None]:
    """(problems, lines, head hash) of an audit log; a UserError when it cannot be read.

    The signed head is checked when it exists beside the log, and required when `public_key` is given.
    """
    try:
        problems, last, count = hashchain.verify_file(Path(path))
    except OSError as exc:
        raise UserError(f"cannot read the audit log {path}: {exc.strerror}; pass the --audit-log file of `saferkit serve`.") from None
    if public_key is not None or head_path(path).exists():
        problems += _head_problems(Path(path), last, public_key)
    return problems, count, (last or {}).get("hash")


def _head_problems(log: Path, last: Optional[dict[str, Any]], public_key: Optional[Path]) -> list[str]:
    """What the signed head says that the log does not: entries cut from its end, or added after it."""
    import json

    from saferkit.core.keys import public_key_sha256
    from saferkit.core.signature import SignatureInvalid, verify_statement

    head_file = head_path(log)
    if not head_file.exists():
        return [f"no signed head {head_file.name} beside the log (was the server run with --audit-key?)"]
    try:
        document = json.loads(head_file.read_text(encoding="utf-8"))
        head = verify_statement(document, head_file.name)
    except (ValueError, SignatureInvalid) as exc:
        return [f"{head_file.name} does not verify: {exc}"]
    problems = []
    if public_key is not None:
        try:
            expected = public_key_sha256(Path(public_key).read_bytes())
        except OSError as exc:
            raise UserError(f"cannot read the public key {public_key}: {exc.strerror}.") from None
        if document.get("key_sha256") != expected:
            problems.append(f"{head_file.name} is signed by another key than {Path(public_key).name}")
    seq, last_seq = int(head.get("seq", 0)), int((last or {}).get("seq", 0))
    if last_seq < seq:
        problems.append(f"{_entries(last_seq + 1, seq)} removed from the end of the log "
                        f"(the server signed entry {seq} as its last)")
    elif last_seq > seq:
        problems.append(f"{_entries(seq + 1, last_seq, 'come', 'comes')} after the last one the server signed "
                        f"(entry {seq}): not written by the server holding the key")
    elif (last or {}).get("hash", hashchain.GENESIS) != head.get("hash"):
        problems.append(f"the last entry ({seq}) is not the one the server signed")
    return problems


def _entries(first: int, last: int, plural: str = "were", single: str = "was") -> str:
    return f"entry {first} {single}" if first == last else f"entries {first} to {last} {plural}"
