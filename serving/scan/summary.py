"""Counts over a scan result: how many files, hits per list and category, errors per kind.

Rebuilt from the shards at the end of every run, so it is right after a resume
and never counts a file twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from saferkit.core import kinds
from saferkit.serving.scan import store
from saferkit.serving.scan.rowfields import listed_files


PERCEPTUAL = tuple(name for name in store.HASH_COLUMNS if name not in ("md5", "sha1", "sha256"))


def _images_hashed(table: pa.Table, looked_at: pa.ChunkedArray) -> int:
    """Rows looked at that decoded as pictures (a perceptual hash, or a score when only digests were asked for).

    Videos are counted apart (`_videos_decoded`): their scores are their frames'.
    """
    decoded = pc.greater(pc.list_value_length(table.column("scores")), 0)
    for name in PERCEPTUAL:
        decoded = pc.or_(pc.fill_null(decoded, False), pc.is_valid(table.column(name)))
    picture = pc.invert(pc.fill_null(pc.equal(table.column("media"), "video"), False))
    return int(pc.sum(pc.and_(pc.and_(looked_at, decoded), picture)).as_py() or 0)


def _videos_decoded(table: pa.Table, looked_at: pa.ChunkedArray) -> int:
    """Rows looked at that the video reader decoded (vPDQ and stream facts)."""
    video = pc.fill_null(pc.equal(table.column("media"), "video"), False)
    return int(pc.sum(pc.and_(looked_at, video)).as_py() or 0)


def summarize(result: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The summary dict written to summary.json and printed by the CLI."""
    table = store.read_rows(result, columns=["status", "error", "size", "matches", "scores", "member", "media",
                                                *PERCEPTUAL])
    statuses = Counter(table.column("status").to_pylist())
    errors = Counter(e for e in table.column("error").to_pylist() if e)
    hits: dict[str, Counter] = defaultdict(Counter)
    for matches in table.column("matches").to_pylist():
        seen = set()
        for match in matches or []:
            key = (match["list"], match.get("category") or "uncategorised")
            if key not in seen:  # a file counts once per list and category
                seen.add(key)
                hits[key[0]][key[1]] += 1
    models: dict[str, dict[str, int]] = {m["key"]: {"scored": 0, "flagged": 0} for m in manifest["settings"]["models"]}
    for scores in table.column("scores").to_pylist():
        for score in scores or []:
            entry = models.setdefault(score["model"], {"scored": 0, "flagged": 0})
            entry["scored"] += 1
            entry["flagged"] += int(bool(score["flagged"]))
    hashed_statuses = pa.array([store.STATUS_MATCHED, store.STATUS_SCORED, store.STATUS_HASHED], pa.string())
    looked_at = pc.is_in(table.column("status"), value_set=hashed_statuses)
    bytes_read = pc.sum(pc.filter(table.column("size"), looked_at)).as_py() or 0
    done_shards = len(store.finished_shards(result))
    return {
        "files_planned": manifest["files"],
        "files_done": listed_files(table),
        "members_done": table.num_rows - listed_files(table),  # archive members, disk-image files, PDF images, frames
        "shards_done": done_shards,
        "shards_planned": manifest["shards"],
        "complete": done_shards == manifest["shards"],
        "files_hashed": statuses[store.STATUS_MATCHED] + statuses[store.STATUS_SCORED] + statuses[store.STATUS_HASHED],
        "images_hashed": _images_hashed(table, looked_at),
        "videos_decoded": _videos_decoded(table, looked_at),
        "bytes_hashed": int(bytes_read),
        "hash_hits": statuses[store.STATUS_MATCHED],
        "hits_by_list": {name: dict(sorted(counts.items())) for name, counts in sorted(hits.items())},
        "scored": statuses[store.STATUS_SCORED],
        "models": models,
        # models used although they did not qualify (allow_unqualified / --allow-unqualified): their scores are not evidence
        "unqualified": [m["key"] for m in manifest["settings"]["models"]
                        if m.get("qualification", {}).get("qualified") is False],
        "errors": {kind: errors.get(kind, 0) for kind in kinds.ALL_KINDS if kind not in kinds.SKIPPED_KINDS},
        "errors_total": sum(n for kind, n in errors.items() if kind not in kinds.SKIPPED_KINDS),
        "skipped": {kind: errors.get(kind, 0) for kind in kinds.SKIPPED_KINDS},
    }
