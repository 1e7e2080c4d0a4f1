"""The one piece of code that looks at files; both engines run it unchanged.

A `ScanWorker` loads each model's ONNX session and the hash lists once, then
handles batches: for every file it checks what the walk saw, reads the bytes
once, decodes them once (`saferkit.core.media.DecodedImage`, shared by every
perceptual hash and every model), matches the hashes against the lists, and
sends the files that matched nothing to every model.
One bad file becomes one row with an error; it never fails the batch.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from typing import Any, Optional

import pyarrow as pa
from PIL import Image

from saferkit.core.media import DecodedImage
from saferkit.core import kinds
from saferkit.core.faults import Faults
from saferkit.core.plan import Batch
from saferkit.core.pool import WORKER_DIED_DETAIL
from saferkit.serving.scan import store
from saferkit.core.media_types import IMAGE_EXTENSIONS

DEFAULT_MAX_BYTES = 256 * 1024 * 1024

# Leading bytes of image formats, so renamed files are still hashed.
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00")
SNIFF_BYTES = 16


def looks_like_image(path: str, head: bytes) -> bool:
    """By extension or by signature: renamed images are hashed, other files are not."""
    if os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS:
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return any(head.startswith(magic) for magic in IMAGE_MAGIC)


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs, as plain data so it pickles to processes and Ray actors."""

    submissions: tuple[str, ...] = ()
    hashlists: tuple[str, ...] = ()
    algos: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    match_threshold: Optional[int] = None
    dihedral: bool = False
    threads: int = 1
    model_keys: tuple[str, ...] = field(default=())


def model_keys(submissions: list[Any]) -> list[str]:
    """A unique, readable key per model: name@version, numbered when two collide."""
    keys: list[str] = []
    for sub in submissions:
        key = f"{sub.name}@{sub.version}"
        if key in keys:
            key = f"{key}#{len(keys) + 1}"
        keys.append(key)
    return keys


# The hashing package's error kinds, in the scan's words (a file that got this far looked like an image).
HASHING_KINDS = {"empty": kinds.ZERO_BYTE, "bomb": kinds.TOO_LARGE, "missing": kinds.UNREADABLE,
                 "permission": kinds.UNREADABLE, "unreadable": kinds.UNREADABLE}


def _hashing_kind(error: Exception) -> str:
    return HASHING_KINDS.get(getattr(error, "kind", ""), kinds.CORRUPT)


class ScanWorker:
    """Models and lists loaded once per process or actor; `process(batch)` returns the rows."""

    def __init__(self, config: WorkerConfig) -> None:
        from saferkit.evaluation.runner import OnnxTriageModel
        from saferkit.evaluation.submission import load_submission

        self.config = config
        self.faults = Faults.from_env()
        submissions = [load_submission(path) for path in config.submissions]
        keys = list(config.model_keys) or model_keys(submissions)
        self.models = [
            (key, OnnxTriageModel(sub, providers="cpu", threads=config.threads), sub.threshold)
            for key, sub in zip(keys, submissions)
        ]
        self.matcher = None
        if config.hashlists:
            from saferkit.hashing import HashMatcher

            self.matcher = HashMatcher(list(config.hashlists))

    # -- one file -------------------------------------------------------------------------
    def _row(self, item: dict[str, Any], batch: Batch) -> dict[str, Any]:
        return _base_row(item, batch)

    @staticmethod
    def _fail(row: dict[str, Any], kind: str, detail: str) -> dict[str, Any]:
        row.update(status=store.STATUS_ERROR, error=kind, error_detail=detail)
        return row

    def _read(self, item: dict[str, Any], row: dict[str, Any]) -> Optional[bytes]:
        """The file's bytes, or None with the row marked; checks it did not change since the walk."""
        path = item["path"]
        try:
            before = os.stat(path)
        except OSError as exc:
            kind = kinds.SYMLINK_LOOP if exc.errno == errno.ELOOP else kinds.UNREADABLE
            self._fail(row, kind, exc.strerror or str(exc))
            return None
        if not stat.S_ISREG(before.st_mode):
            self._fail(row, kinds.NOT_REGULAR, "not a regular file")
            return None
        row["size"], row["mtime"] = before.st_size, before.st_mtime_ns / 1e9
        if (before.st_size, before.st_mtime_ns) != (item["size"], item["mtime_ns"]):
            self._fail(row, kinds.CHANGED, "size or modification time differs from when the folder was listed")
            return None
        if before.st_size == 0:
            self._fail(row, kinds.ZERO_BYTE, "empty file")
            return None
        if before.st_size > self.config.max_bytes:
            self._fail(row, kinds.TOO_LARGE, f"{before.st_size:,} bytes is over the limit of {self.config.max_bytes:,}")
            return None
        try:
            with open(path, "rb") as handle:
                head = handle.read(SNIFF_BYTES)
                if not looks_like_image(path, head):
                    self._fail(row, kinds.NOT_IMAGE, "no image extension or signature")
                    return None
                data = head + handle.read(self.config.max_bytes + 1 - len(head))
            after = os.stat(path)
        except OSError as exc:
            self._fail(row, kinds.UNREADABLE, exc.strerror or str(exc))
            return None
        if len(data) != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            self._fail(row, kinds.CHANGED, "the file changed while it was being read")
            return None
        return data

    def _hash_and_match(self, data: bytes, decoded: DecodedImage, row: dict[str, Any]) -> bool:
        """Fill hashes and matches from the file's one decode; True when the file decoded as an image."""
        from saferkit.hashing import hash_bytes_partial

        hashes, error = hash_bytes_partial(data, self.config.algos or None, dihedral=self.config.dihedral, decoded=decoded)
        for name in store.HASH_COLUMNS:
            row[name] = hashes.get(name)
        row["pdq_quality"] = hashes.get("pdq_quality")
        if self.matcher is not None:
            found = self.matcher.match(hashes, threshold=self.config.match_threshold, dihedral=self.config.dihedral)
            row["matches"] = [
                {key: (None if match.get(key) is None else (int(match[key]) if key == "distance" else str(match[key])))
                 for key in store.MATCH_TYPE.names}
                for match in found
            ]
        if error:
            self._fail(row, _hashing_kind(error), str(error))
            return False
        return True

    def _decode_for_models(self, decoded: DecodedImage, row: dict[str, Any]) -> Optional[Image.Image]:
        """The full-size RGB image as the evaluation and the server see it, from the hashes' decode."""
        try:
            return decoded.rgb()
        except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem only
            self._fail(row, kinds.CORRUPT, f"cannot decode for the model: {exc}")
            return None

    def _prepare(self, image: Any, row: dict[str, Any]) -> Optional[list[Any]]:
        """Each model's input tensor for one image, so the decoded pixels can be dropped at once."""
        tensors = []
        for key, model, _ in self.models:
            try:
                tensors.append(model.preprocess_one(image))
            except Exception as exc:  # noqa: BLE001
                self._fail(row, kinds.MODEL_ERROR, f"{key}: preprocessing failed: {exc}")
                return None
        return tensors

    def _score(self, pending: list[tuple[dict[str, Any], list[Any]]]) -> None:
        """Run each model once over the batch's unmatched images; a failing run is retried file by file."""
        if not pending:
            return
        import numpy as np

        from saferkit.evaluation.operating_point import is_flagged

        for position, (key, model, threshold) in enumerate(self.models):
            rows = [row for row, _ in pending]
            tensors = [prepared[position] for _, prepared in pending]
            try:
                scores: list[Optional[float]] = [float(s) for s in model.positive_scores(model.run(np.ascontiguousarray(np.stack(tensors))))]
            except Exception:  # noqa: BLE001 - isolate the file that breaks the model
                scores = []
                for row, tensor in zip(rows, tensors):
                    try:
                        scores.append(float(model.positive_scores(model.run(tensor[None]))[0]))
                    except Exception as exc:  # noqa: BLE001
                        scores.append(None)
                        self._fail(row, kinds.MODEL_ERROR, f"{key}: {exc}")
            for row, score in zip(rows, scores):
                if score is not None:
                    row["scores"].append({"model": key, "score": score, "flagged": bool(is_flagged(score, threshold))})
        for row, _ in pending:
            if row.get("error"):
                row["scores"] = []

    # -- one batch ------------------------------------------------------------------------
    def process(self, batch: Batch) -> pa.Table:
        """Rows for every file of the batch, in plan order."""
        rows: list[dict[str, Any]] = []
        pending: list[tuple[dict[str, Any], list[Any]]] = []
        for item in batch.files:
            row = self._row(item, batch)
            rows.append(row)
            if item.get("walk_error"):
                self._fail(row, item["walk_error"], item.get("detail") or "")
                continue
            self.faults.before_file(item["path"])
            data = self._read(item, row)
            if data is None:
                continue
            decoded = DecodedImage(data)  # decoded on first use, then shared by the hashes and the models
            if not self._hash_and_match(data, decoded, row):
                continue
            if row["matches"]:
                row["status"] = store.STATUS_MATCHED
            elif not self.models:
                row["status"] = store.STATUS_HASHED
            else:
                image = self._decode_for_models(decoded, row)
                prepared = None if image is None else self._prepare(image, row)
                if prepared is not None:
                    row["status"] = store.STATUS_SCORED
                    pending.append((row, prepared))
        self._score(pending)
        return store.rows_to_table(rows)

    def process_item(self, item: dict[str, Any]) -> pa.Table:
        return self.process(Batch.from_item(item))


def failed_batch(batch: Batch, detail: str = WORKER_DIED_DETAIL) -> pa.Table:
    """Rows for a batch given up on: every file marked `worker_died`, with what happened."""
    rows = [_base_row(item, batch) for item in batch.files]
    for row in rows:
        row.update(status=store.STATUS_ERROR, error=kinds.WORKER_DIED, error_detail=detail)
    return store.rows_to_table(rows)


def _base_row(item: dict[str, Any], batch: Batch) -> dict[str, Any]:
    """A row with what the walk saw; the worker fills in the rest."""
    mtime_ns = item.get("mtime_ns")
    size = item.get("size")
    return {
        "index": item["index"],
        "shard": batch.shard,
        "path": item["path"],
        "size": size if size is not None and size >= 0 else None,
        "mtime": mtime_ns / 1e9 if mtime_ns is not None and mtime_ns >= 0 else None,
        "matches": [],
        "scores": [],
    }
