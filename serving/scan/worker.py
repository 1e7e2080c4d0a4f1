"""The one piece of code that looks at files; both engines run it unchanged.

A `ScanWorker` loads each model's ONNX session and the hash lists once, then
handles batches. For every file it checks what the walk saw and reads the
bytes once (`core.inventory`: three digests streamed, O_NOATIME, type by
signature), then looks inside (`core.holdings`): an archive's members, a
disk image's files (also an image inside an archive) and a PDF's images
become rows of their own, recursively; a picture is decoded once
(`core.media.DecodedImage`, shared by every perceptual hash and every model),
and each frame of an animated or multi-page one is a row too. Every row's
hashes are matched against the lists, and rows that matched nothing and have
pixels go to every model. Videos get their digests and type here; their
frames belong to the video reader (`core/video.py`, joined in `_content`).
One bad file or member becomes one row with an error; it never fails the batch.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from typing import Any, Optional

import pyarrow as pa

from saferkit.core import kinds
from saferkit.core.containers import ArchiveLimits, ArchiveRefused, Budget
from saferkit.core.diskimage import reads_as_disk_image
from saferkit.core.holdings import DISK, PDF, Held, HoldingError, held_in, holder_of
from saferkit.core.inventory import DIGESTS, SNIFF_BYTES, FileRead, detect_type, digest_bytes, extension_mismatch, read_evidence, stat_facts
from saferkit.core.media import MAX_FRAMES, SCAN_POLICY, DecodedImage, MediaError
from saferkit.core.faults import Faults
from saferkit.core.plan import Batch
from saferkit.core.pool import WORKER_DIED_DETAIL
from saferkit.core.video import VideoLimits, looks_like_video
from saferkit.serving.scan import store
from saferkit.core.media_types import IMAGE_EXTENSIONS, IMAGE_FORMATS
from saferkit.hashing.algorithms import IMAGEHASH_ALGOS, SCAN_ALGOS

DEFAULT_MAX_BYTES = 256 * 1024 * 1024

# Leading bytes of image formats, so renamed files are still hashed.
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00")
SCORE_CHUNK = 64  # rows waiting for the models before they run: bounds memory for archives of many images


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
    archive_limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    allow_weak: bool = False  # aHash/dHash/wHash list entries match only when asked for (issue 21)
    video_limits: VideoLimits = field(default_factory=VideoLimits)  # frames, declared duration, decode seconds per video


_shared_lists: dict[tuple[tuple[str, ...], bool], Any] = {}  # (list paths, allow_weak) -> the lists loaded here


def share_lists(config: WorkerConfig, matcher: Any) -> None:
    """Workers made in this process from now on, or forked from it, take `matcher` (`config.hashlists`, loaded
    here) instead of reading the lists again: a 1M-entry CSV list takes 5-6 s and 100-250 MB a process.
    Spawned workers and Ray actors load their own. `None` stops sharing."""
    _shared_lists.clear()
    if matcher is not None:
        _shared_lists[(config.hashlists, config.allow_weak)] = matcher


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
        self.config = config
        self.faults = Faults.from_env()
        self.models: list[tuple[str, Any, float]] = []
        if config.submissions:  # onnxruntime is loaded only when there is a model to run
            from saferkit.evaluation.runner import OnnxTriageModel
            from saferkit.evaluation.submission import load_submission

            submissions = [load_submission(path) for path in config.submissions]
            keys = list(config.model_keys) or model_keys(submissions)
            self.models = [
                (key, OnnxTriageModel(sub, providers="cpu", threads=config.threads), sub.threshold)
                for key, sub in zip(keys, submissions)
            ]
        self.matcher = _shared_lists.get((config.hashlists, config.allow_weak))
        if self.matcher is None and config.hashlists:
            from saferkit.hashing import HashMatcher

            self.matcher = HashMatcher(list(config.hashlists), allow_weak=config.allow_weak)
        _import_readers(self._perceptual)


    # -- one file -------------------------------------------------------------------------
    def _row(self, item: dict[str, Any], batch: Batch) -> dict[str, Any]:
        return _base_row(item, batch)

    @staticmethod
    def _fail(row: dict[str, Any], kind: str, detail: str) -> dict[str, Any]:
        row.update(status=store.STATUS_ERROR, error=kind, error_detail=detail)
        return row

    def _read(self, item: dict[str, Any], row: dict[str, Any]) -> Optional[FileRead]:
        """One streamed read (digests always; bytes when they fit the limit), or None with the row marked.

        Checks that the file did not change since the walk, nor while it was read.
        """
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
        row.update(stat_facts(before))
        if (before.st_size, before.st_mtime_ns) != (item["size"], item["mtime_ns"]):
            self._fail(row, kinds.CHANGED, "size or modification time differs from when the folder was listed")
            return None
        try:
            found = read_evidence(path, self.config.max_bytes, keep_if=lambda head: not reads_as_disk_image(path, head))
            after = os.stat(path)
        except OSError as exc:
            self._fail(row, kinds.UNREADABLE, exc.strerror or str(exc))
            return None
        if found.size != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            self._fail(row, kinds.CHANGED, "the file changed while it was being read")
            return None
        row.update(found.digests)
        row["noatime"] = found.noatime
        return found

    def _hash_and_match(self, data: bytes, decoded: DecodedImage, row: dict[str, Any]) -> bool:
        """Fill perceptual hashes and matches from the file's one decode; True when it decoded as an image."""
        from saferkit.hashing import hash_bytes_partial

        if not self._perceptual and not self.config.dihedral:
            self._set_hashes(row, {})
            return True
        hashes, error = hash_bytes_partial(data, self._perceptual or ("pdq",), dihedral=self.config.dihedral, decoded=decoded)
        self._set_hashes(row, hashes)
        if error:
            self._fail(row, _hashing_kind(error), str(error))
            return False
        return True

    @property
    def _perceptual(self) -> tuple[str, ...]:
        return tuple(name for name in (self.config.algos or SCAN_ALGOS) if name not in DIGESTS)

    def _set_hashes(self, row: dict[str, Any], hashes: dict[str, Any]) -> None:
        """Perceptual hashes into the row, then every hash of the row matched against the lists."""
        for name in store.HASH_COLUMNS:
            if name not in DIGESTS:
                row[name] = hashes.get(name)
        row["pdq_quality"] = hashes.get("pdq_quality")
        self._match(row, {**hashes, **{name: row.get(name) for name in DIGESTS if row.get(name)}})

    def _match_digests(self, row: dict[str, Any]) -> None:
        """The row's file digests against the lists (a file not looked at as a picture, or not yet)."""
        self._match(row, {name: row.get(name) for name in DIGESTS})

    def _match(self, row: dict[str, Any], hashes: dict[str, Any]) -> None:
        if self.matcher is None:
            return
        found = self.matcher.match(hashes, threshold=self.config.match_threshold, dihedral=self.config.dihedral)
        row["matches"] = [
            {key: (None if match.get(key) is None else (int(match[key]) if key == "distance" else str(match[key])))
             for key in store.MATCH_TYPE.names}
            for match in found
        ]

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
        """Rows for every file of the batch, in plan order: each file's row, then what it holds."""
        rows: list[dict[str, Any]] = []
        pending: list[tuple[dict[str, Any], list[Any]]] = []
        for item in batch.files:
            row = self._row(item, batch)
            file_rows = [row]
            if item.get("walk_error"):
                self._fail(row, item["walk_error"], item.get("detail") or "")
            else:
                self.faults.before_file(item["path"])
                found = self._read(item, row)
                if found is not None:
                    file_rows = self._look_inside(row, found, pending)
            rows.extend(file_rows)
        self._score(pending)
        roll_up_frames(rows)
        return store.rows_to_table(rows)

    def _look_inside(self, row: dict[str, Any], found: FileRead, pending: list[Any]) -> list[dict[str, Any]]:
        """The file's rows: its own, and one per member, disk-image file, PDF image and frame it holds."""
        rows = [row]
        context = Inside(rows, Budget(self.config.archive_limits), pending)
        path = row["path"]
        try:
            if reads_as_disk_image(path, found.head):
                row["type"], row["extension_mismatch"] = _type_of(path, found.head)
                self._open(row, DISK, None, context)
            elif found.data is None:
                row["type"], row["extension_mismatch"] = _type_of(path, found.head)
                self._match_digests(row)
                self._settle(row)
                self._fail(row, kinds.TOO_LARGE, f"{found.size:,} bytes is over the limit of {self.config.max_bytes:,}; "
                                                 "digests only, not looked inside")
            elif found.size == 0:
                self._match_digests(row)
                self._fail(row, kinds.ZERO_BYTE, "empty file")
            else:
                self._content(row, found.data, context)
        except ArchiveRefused as exc:  # one row for the whole file, whatever was found before
            dropped = {id(found_row) for found_row in rows[1:]}
            del rows[1:]
            context.pending[:] = [entry for entry in context.pending if id(entry[0]) not in dropped]
            row["scores"] = []
            self._fail(row, kinds.ARCHIVE_BOMB if exc.kind == "archive_bomb" else exc.kind, str(exc))
        return rows

    def _content(self, row: dict[str, Any], data: bytes, context: "Inside") -> None:
        """Fill one row from its bytes (digests already in it) and add rows for what they hold."""
        path = row["path"]
        head = data[:SNIFF_BYTES]
        row["type"], row["extension_mismatch"] = _type_of(path, head)
        holder = holder_of(path, head)
        if holder is not None:
            self._open(row, holder, data, context)
            return
        if _is_video(path, head, row["type"]):
            self._video(row, data)
            return
        if not _wants_decode(path, head, row["type"]):  # documents, audio, the rest
            self._match_digests(row)
            self._settle(row)
            return
        decoded = DecodedImage(data, SCAN_POLICY)  # decoded on first use, then shared by the hashes and the models
        try:
            image_format: Optional[str] = decoded.format
        except MediaError:
            image_format = None  # the hashes below record why
        if image_format is not None and image_format not in IMAGE_FORMATS:  # what the server refuses, the scan does not read
            row["warning"] = f"unsupported_format: {image_format}"
            self._match_digests(row)
            self._settle(row)
            return
        if not self._hash_and_match(data, decoded, row):
            return
        row["partial"] = decoded.partial or None
        self._settle(row, decoded.rgb if self.models else None, context.pending)
        if decoded.frame_count > 1:
            self._frames(row, decoded, context)

    def _video(self, row: dict[str, Any], data: bytes) -> None:
        """A video's row from one decode: stream facts, vPDQ, vPDQ matches with segments, and frame triage.

        File digests are matched first; a video listed by its MD5 is not scored
        (as a listed picture is not), but still gets its vPDQ and stream facts.
        """
        from saferkit.hashing.vpdq import parse_text
        from saferkit.serving.video import video_row

        self._match_digests(row)
        facts = video_row(data, models=[] if row["matches"] else self.models, limits=self.config.video_limits)
        row["media"] = "video"
        if facts.get("error"):
            detail = facts["error"]
            if facts.get("video_error_kind") == "no-video":
                detail = f"no video stream (audio only or no picture): {detail}"
            self._fail(row, facts["error_kind"], detail)
            return
        row.update({name: facts.get(name) for name in VIDEO_FACTS})
        row["partial"] = bool(facts.get("partial")) or None
        row["vpdq"] = facts.get("vpdq_text") or None
        matcher = self._listed_videos()
        if matcher is not None and row["vpdq"]:
            self._match_video(row, matcher.match(parse_text(row["vpdq"], row["path"])))
        self._video_scores(row, facts.get("scores") or [])
        row["status"] = (store.STATUS_MATCHED if row["matches"] else store.STATUS_SCORED if row["scores"]
                         else store.STATUS_HASHED)

    def _listed_videos(self) -> Any:
        """The videos on the loaded lists (frame tables, .vpdq files, VICS entries), or None when there are none."""
        return None if self.matcher is None else self.matcher.listed_videos()

    @staticmethod
    def _match_video(row: dict[str, Any], found: list[Any]) -> None:
        """vPDQ matches into `matches` (hash_type vpdq, distance the best frame's) and their segments."""
        segments: list[dict[str, Any]] = []
        for match in found:
            best = min((segment["best_distance"] for segment in match.segments), default=None)
            row["matches"].append({"list": match.list, "id": match.id, "hash_type": "vpdq", "distance": best,
                                   "category": match.category or None, "source": match.source or None, "variant": None})
            segments.extend({"list": match.list, "id": match.id, "query_share": round(match.query_share, 4),
                             "listed_share": round(match.listed_share, 4), **segment} for segment in match.segments)
        row["matched_segments"] = segments or None

    @staticmethod
    def _video_scores(row: dict[str, Any], scores: list[dict[str, Any]]) -> None:
        """Each model's best frame score; the first model's best moment and top-k; every model's flagged runs."""
        row["scores"] = [{"model": s["model"], "score": s["score"], "flagged": s["flagged"]} for s in scores
                         if s["score"] is not None]
        if scores:
            first = scores[0]
            row["best_timestamp"] = first["best_timestamp"]
            row["top_timestamps"] = first["top_timestamps"] or None
        flagged = [{"model": s["model"], **segment} for s in scores for segment in s["flagged_segments"]]
        row["flagged_segments"] = flagged or None

    def _settle(self, row: dict[str, Any], image: Any = None, pending: Optional[list[Any]] = None) -> None:
        """Status from the matches; a row that matched nothing and has pixels goes to the models."""
        if row.get("error"):
            return
        if row["matches"]:
            row["status"] = store.STATUS_MATCHED
        elif image is None or pending is None:
            row["status"] = store.STATUS_HASHED
        else:
            try:
                pixels = image() if callable(image) else image
            except Exception as exc:  # noqa: BLE001 - any decoder failure is this file's problem only
                self._fail(row, kinds.CORRUPT, f"cannot decode for the model: {exc}")
                return
            prepared = self._prepare(pixels, row)
            if prepared is not None:
                row["status"] = store.STATUS_SCORED
                pending.append((row, prepared))
                if len(pending) >= SCORE_CHUNK:  # bounded memory for archives of many images
                    self._score(pending)
                    pending.clear()

    def _frames(self, row: dict[str, Any], decoded: DecodedImage, context: "Inside") -> None:
        """A row per frame (up to MAX_FRAMES) with its own hashes, matches and score."""
        from saferkit.hashing import hash_image

        read = 0
        for number, image in enumerate(decoded.frames(MAX_FRAMES)):
            read += 1
            frame_row = self._child(row, f"{row['path']}#frame={number}", context)
            frame_row.update(frame=number, type=row["type"], size=row["size"])
            try:
                hashes = hash_image(image, self._perceptual or ("pdq",), dihedral=self.config.dihedral) \
                    if self._perceptual or self.config.dihedral else {}
            except Exception as exc:  # noqa: BLE001 - one frame the hashes trip on is that frame's row
                self._fail(frame_row, kinds.CORRUPT, f"cannot hash frame {number}: {exc}")
                continue
            self._set_hashes(frame_row, hashes)
            self._settle(frame_row, image if self.models else None, context.pending)
        if decoded.frame_count > read:
            row["warning"] = f"frames_limited: {read} of {decoded.frame_count} frames read"

    def _member(self, parent: dict[str, Any], held: Held, context: "Inside") -> None:
        """A row for something a container holds (`core.holdings.Held`), looked at as a file of its own."""
        data = held.data
        row = self._child(parent, f"{parent['path']}!/{held.name.lstrip('/') if not held.warning else held.name}", context)
        row.update(depth=parent["depth"] + 1, mtime=held.mtime, size=held.size if data is None else len(data),
                   warning=held.warning, deleted=held.deleted)
        if held.own_budget:  # a disk image's file: the file system's own times and inode
            row.update(atime=held.atime, ctime=held.ctime, btime=held.btime, inode=held.inode)
        if data is not None:
            row.update(digest_bytes(data))
        if held.kind is not None:
            if data is not None:
                self._match_digests(row)
            self._fail(row, held.kind, held.detail)
        elif data is not None and not data:
            self._match_digests(row)
            self._fail(row, kinds.ZERO_BYTE, "empty member")
        elif data is not None:
            self._content(row, data, context)

    def _child(self, parent: dict[str, Any], path: str, context: "Inside") -> dict[str, Any]:
        row = {"index": parent["index"], "shard": parent["shard"], "path": path, "parent": parent["path"],
               "member": len(context.rows), "depth": parent["depth"], "matches": [], "scores": []}
        context.rows.append(row)
        return row

    def _open(self, row: dict[str, Any], holder: str, data: Optional[bytes], context: "Inside") -> None:
        """A holder's own digests and matches, then a row per thing it holds (`core.holdings`).

        `data` is None for a disk image read from its path; an image inside an
        archive is read from its bytes. Each file of a disk image has a fresh
        archive budget, as a file of its own would.
        """
        if holder == DISK:
            row["type"] = row["type"] or "application/x-disk-image"
        self._match_digests(row)
        self._settle(row)
        if holder != PDF and row["depth"] >= self.config.archive_limits.max_depth:
            row["warning"] = "too_deep"
            return
        outer = context.budget
        try:
            for held in held_in(holder, row["path"], data, context.budget, self.config.max_bytes):
                context.budget = Budget(self.config.archive_limits) if held.own_budget else outer
                self._member(row, held, context)
        except HoldingError as exc:
            self._fail(row, exc.kind, str(exc))
        finally:
            context.budget = outer

    def process_item(self, item: dict[str, Any]) -> pa.Table:
        return self.process(Batch.from_item(item))


@dataclass
class Inside:
    """What one listed file's rows share while it is looked inside."""

    rows: list[dict[str, Any]]
    budget: Budget
    pending: list[Any]


def _import_readers(algos: tuple[str, ...]) -> None:
    """Import the decoders and hashers the first files will need while the parent still lists the files
    (the workers start early: `RetryingPool.prestart`), instead of in the middle of the first batch."""
    if any(name in IMAGEHASH_ALGOS for name in algos):
        import imagehash  # noqa: F401
    import pdqhash  # noqa: F401
    import scipy.sparse  # noqa: F401

    from saferkit.core.media import register_plugins
    from saferkit.hashing import hashers  # noqa: F401

    register_plugins()


def _type_of(path: str, head: bytes) -> tuple[Optional[str], Optional[bool]]:
    detected = detect_type(head)
    if detected is None:
        return None, None
    return detected[0], extension_mismatch(path, detected[1])


# Stream facts a video row copies from `video_row`.
VIDEO_FACTS = ("container", "codec", "width", "height", "fps", "duration", "has_audio", "decoded_frames",
               "sampled_frames", "partial_reason")


def _is_video(path: str, head: bytes, mime: Optional[str]) -> bool:
    """A video by signature (`filetype`, or the server's upload check), or by extension when no signature is known."""
    from saferkit.serving.video import is_video_upload

    if mime is not None:
        return mime.startswith("video/") or (not mime.startswith(("image/", "audio/")) and is_video_upload(head))
    if is_video_upload(head):
        return True
    # By name only for names no other common file shares: `.ts`/`.mts` are also TypeScript (MPEG-TS has a signature).
    return looks_like_video(path) and os.path.splitext(path)[1].lower() not in (".ts", ".mts")


def _wants_decode(path: str, head: bytes, mime: Optional[str]) -> bool:
    """Images by extension, by the kit's signatures or by `filetype`; videos and everything else are not decoded."""
    if mime is not None and not mime.startswith("image/"):
        return False
    return looks_like_image(path, head) or mime is not None


def roll_up_frames(rows: list[dict[str, Any]]) -> None:
    """The file row of a multi-frame image carries every frame's matches and each model's best score."""
    by_path = {row["path"]: row for row in rows if row.get("frame") is None}
    for row in rows:
        if row.get("frame") is None or row.get("parent") not in by_path:
            continue
        owner = by_path[row["parent"]]
        known = {(m["list"], m["id"], m["hash_type"]) for m in owner["matches"]}
        for match in row["matches"]:
            if (match["list"], match["id"], match["hash_type"]) not in known:
                owner["matches"].append(dict(match))
                known.add((match["list"], match["id"], match["hash_type"]))
        best = {score["model"]: score for score in owner["scores"]}
        for score in row["scores"]:
            if score["model"] not in best or score["score"] > best[score["model"]]["score"]:
                best[score["model"]] = dict(score)
        owner["scores"] = list(best.values())
        if owner["matches"] and not owner.get("error"):
            owner["status"] = store.STATUS_MATCHED


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
        "member": 0,
        "depth": 0,
        "matches": [],
        "scores": [],
    }
