"""Custody of a scan result: what ran for which case, every output's sha256, a hash-chained log, a signature.

RESULT/custody.jsonl is appended to (never rewritten) by every run, resumed
runs included: a `run-started` entry with the case details, one
`shard-written` entry per shard with its sha256, and a `run-finished` entry
with the sha256 of every output file and of the manifest (whole and per
line). Entries are hash-chained (`saferkit.serving.hashchain`). With the
examiner's key (`--examiner-key`, a key from `saferkit hub keygen`) the head
of the chain, the manifest digest and the output digests are signed into
RESULT/custody.sig.json with the kit's signing (`core.signature`).
`verify_result` names every changed or missing output, every changed manifest
line and every removed or edited log entry.
"""

from __future__ import annotations

import hashlib
import os
import platform
import socket
from pathlib import Path
from typing import Any, Optional

from saferkit.core.digest import file_sha256
from saferkit.core.errors import UserError
from saferkit.serving import hashchain
from saferkit.serving.scan import store

CUSTODY_LOG = "custody.jsonl"
SIGNATURE_NAME = "custody.sig.json"
SIGNED_KIND = "saferkit-scan-custody/1"


def case_details(case: Optional[str], exhibit: Optional[str], examiner: Optional[str],
                 command_line: Optional[list[str]], source: Optional[Path]) -> dict[str, Any]:
    """Who ran what, where, on which exhibit (what the manifest's `case` and each run record)."""
    from saferkit import __version__

    return {"case": case, "exhibit": exhibit, "examiner": examiner, "host": socket.gethostname(),
            "platform": platform.platform(), "tool_version": __version__,
            "command_line": command_line, "source_read_only": source_read_only(source)}


def source_read_only(source: Optional[Path]) -> Optional[bool]:
    """True when the source sits on a read-only mount, False when writable, None when it cannot be told."""
    if source is None:
        return None
    try:
        return bool(os.statvfs(source).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return None


def output_files(result: Path) -> list[Path]:
    """The result's outputs that custody covers: the plan, every shard, the summary."""
    result = Path(result)
    files = [result / store.PLAN_NAME, result / store.SUMMARY_NAME]
    files += sorted((result / store.SHARDS_DIR).glob("shard-*" + store.SHARD_SUFFIX))
    return [f for f in files if f.is_file()]


def output_digests(result: Path) -> dict[str, str]:
    return {str(f.relative_to(result)): file_sha256(f) for f in output_files(result)}


def manifest_line_hashes(data: bytes) -> list[str]:
    return [hashlib.sha256(line).hexdigest()[:16] for line in data.split(b"\n")]


def append(result: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Add one entry to RESULT/custody.jsonl, chained to the last one."""
    path = Path(result) / CUSTODY_LOG
    last = hashchain.last_entry(path)
    entry = hashchain.chain_entry({"time": hashchain_time(), **record}, int(last["seq"]) + 1 if last else 1,
                                  str(last["hash"]) if last else hashchain.GENESIS)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, hashchain.dumps(entry).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def hashchain_time() -> str:
    from saferkit.core.signature import utc_now

    return utc_now()


def seal(result: Path, status: str, key: Optional[Path], examiner: Optional[str]) -> dict[str, Any]:
    """Record the finished run (outputs and manifest digests) and sign the chain's head with the examiner's key."""
    result = Path(result)
    manifest_bytes = (result / store.MANIFEST_NAME).read_bytes()
    files = output_digests(result)
    entry = append(result, {"event": "run-finished", "status": status, "files": files,
                            "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
                            "manifest_lines": manifest_line_hashes(manifest_bytes)})
    if key is not None:
        from saferkit.core.atomic import write_json_atomic
        from saferkit.core.signature import sign_statement, utc_now

        statement = {"kind": SIGNED_KIND, "head": entry["hash"], "entries": entry["seq"], "files": files,
                     "manifest_sha256": entry["manifest_sha256"], "examiner": examiner, "signed": utc_now()}
        write_json_atomic(result / SIGNATURE_NAME, sign_statement(statement, Path(key)), indent=2)
    return entry


def verify_result(result: Path, public_key: Optional[Path] = None) -> tuple[list[str], list[str]]:
    """(problems, notes) for a scan result: every changed output, manifest line and log entry is a problem."""
    result = Path(result)
    log = result / CUSTODY_LOG
    if not (result / store.MANIFEST_NAME).is_file():
        raise UserError(f"{result} holds no scan result (no {store.MANIFEST_NAME}); pass the --out folder of `saferkit scan`.")
    if not log.is_file():
        raise UserError(f"{result} has no {CUSTODY_LOG}: it was written before custody was recorded, or the log was removed.")
    problems, last, count = hashchain.verify_file(log)
    notes = [f"{CUSTODY_LOG}: {count} entries"]
    with open(log, "rb") as handle:
        entries = [hashchain_load(line) for line in handle if line.strip()]
    finished = [e for e in entries if isinstance(e, dict) and e.get("event") == "run-finished"]
    if finished:
        sealed = finished[-1]
        problems += _check_manifest(result / store.MANIFEST_NAME, sealed)
        problems += _check_files(result, sealed.get("files", {}))
    else:
        sealed = {}
        problems.append(f"{CUSTODY_LOG} records no finished run (its last entries were removed, or the run never finished)")
    problems += _check_signature(result, last, count, sealed, public_key, notes)
    return problems, notes


def hashchain_load(line: bytes) -> Any:
    import json

    try:
        return json.loads(line)
    except ValueError:
        return None


def _check_manifest(path: Path, sealed: dict[str, Any]) -> list[str]:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() == sealed.get("manifest_sha256"):
        return []
    now, then = manifest_line_hashes(data), list(sealed.get("manifest_lines", []))
    changed = [n + 1 for n, (a, b) in enumerate(zip(now, then)) if a != b]
    lines = data.decode("utf-8", "replace").split("\n")
    problems = [f"{store.MANIFEST_NAME} line {n} changed: {lines[n - 1].strip()[:120]}" for n in changed[:20]]
    if len(now) != len(then):
        problems.append(f"{store.MANIFEST_NAME} has {len(now)} lines where the sealed one had {len(then)}")
    return problems or [f"{store.MANIFEST_NAME} changed"]


def _check_files(result: Path, recorded: dict[str, str]) -> list[str]:
    problems = []
    for name, digest in sorted(recorded.items()):
        path = result / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif file_sha256(path) != digest:
            problems.append(f"{name} changed (sha256 {file_sha256(path)[:16]}…, recorded {digest[:16]}…)")
    for path in output_files(result):
        name = str(path.relative_to(result))
        if name not in recorded:
            problems.append(f"{name} was added after the run (not in the custody record)")
    return problems


def _check_signature(result: Path, last: Optional[dict[str, Any]], count: int, sealed: dict[str, Any],
                     public_key: Optional[Path], notes: list[str]) -> list[str]:
    from saferkit.core.keys import public_key_sha256
    from saferkit.core.signature import SignatureInvalid, verify_statement

    path = result / SIGNATURE_NAME
    if not path.is_file():
        notes.append("not signed (scan with --examiner-key to sign the custody record)")
        return ["no examiner's signature, though a public key was given to check it"] if public_key else []
    document = _read_signature(path)
    try:
        statement = verify_statement(document, str(path))
    except SignatureInvalid as exc:
        return [str(exc)]
    problems = []
    if public_key is not None:
        wanted = public_key_sha256(Path(public_key).read_bytes())
        if document.get("key_sha256") != wanted:
            problems.append(f"{SIGNATURE_NAME} is signed with another key than {public_key}")
    if last is None or statement.get("head") != last.get("hash") or statement.get("entries") != count:
        problems.append(f"{CUSTODY_LOG} does not end where the signature says (entries {count}, signed "
                        f"{statement.get('entries')}): entries were removed or added after signing")
    if sealed and statement.get("files") != sealed.get("files"):
        problems.append(f"the signed output digests differ from the last run-finished entry of {CUSTODY_LOG}")
    notes.append(f"signed by {statement.get('examiner') or 'an examiner'} (key {str(document.get('key_sha256'))[:16]}…)")
    return problems


def _read_signature(path: Path) -> Any:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
