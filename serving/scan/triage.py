"""What the triage report shows, computed from a scan result (no HTML here).

Order of work for a reviewer: hash hits first (known material, grouped by list
and category), then the model's ranking of everything else, with how many
files can be left unreviewed at the chosen recall. The numbers come from the
Parquet shards; media are never opened except to draw an optional preview.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from saferkit.core import kinds
from saferkit.core.errors import UserError
from saferkit.evaluation.operating_point import is_flagged, threshold_for_recall
from saferkit.hashing.algorithms import DEFAULT_THRESHOLDS
from saferkit.serving.scan import store
from saferkit.serving.scan.hit_groups import group_hits

RECALL_TARGETS = (0.8, 0.9, 0.95, 0.99)


@dataclass
class Triage:
    """Everything the report template needs."""

    manifest: dict[str, Any]
    summary: dict[str, Any]
    model: Optional[dict[str, Any]]
    hits: list[dict[str, Any]]  # groups (exact first, then near): list, category, kind, rows (one per picture)
    ranking: list[dict[str, Any]]  # scored rows, highest first (shown part)
    ranked_total: int
    threshold: Optional[float]
    threshold_source: str
    recall: float
    to_review: int
    can_skip: int
    measured: list[dict[str, Any]] = field(default_factory=list)  # with labels: recall targets table
    problems: list[dict[str, Any]] = field(default_factory=list)
    exact_hits: list[dict[str, Any]] = field(default_factory=list)  # by list and category: pictures with copies
    near_hits: list[dict[str, Any]] = field(default_factory=list)  # by list and category: clusters of pictures
    unqualified: list[dict[str, Any]] = field(default_factory=list)  # models used with --allow-unqualified
    videos: list[dict[str, Any]] = field(default_factory=list)  # decoded videos: matched first, then by best score
    videos_total: int = 0


def load_result(result: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    result = Path(result)
    manifest_file = result / store.MANIFEST_NAME
    if not manifest_file.is_file():
        raise UserError(f"{result} holds no scan result (no {store.MANIFEST_NAME}); pass the --out folder of `saferkit scan`.")
    manifest = store.read_json(manifest_file)
    from saferkit.serving.scan.summary import summarize

    return manifest, summarize(result, manifest)  # from the shards, so it is never stale


def _labels(labels_root: Optional[Path]) -> dict[str, int]:
    if labels_root is None:
        return {}
    from saferkit.datasets import load_dataset

    frame = load_dataset(labels_root)
    return {str(Path(p).resolve()): int(f) for p, f in zip(frame["abspath"], frame["flag"])}


def build_triage(result: Path, *, model: Optional[str] = None, recall: float = 0.95, threshold: Optional[float] = None,
                 labels_root: Optional[Path] = None, top: int = 200, problems_shown: int = 50) -> Triage:
    """Read a scan result and work out hits, ranking and skip counts."""
    if not 0 < recall <= 1:
        raise UserError("--recall must be above 0 and at most 1, for example 0.95.")
    if top < 1:
        raise UserError("--top must be at least 1.")
    manifest, summary = load_result(result)
    models = manifest["settings"]["models"]
    chosen = None
    if models:
        keys = [m["key"] for m in models]
        if model is None:
            chosen = models[0]
        else:
            matching = [m for m in models if model in (m["key"], m["name"])]
            if not matching:
                raise UserError(f"no model {model!r} in this scan; it ran {', '.join(keys)}.")
            chosen = matching[0]
    table = store.read_rows(Path(result), columns=["path", "sha256", "md5", "pdq", "size", "status", "matches", "scores",
                                                   "error", "error_detail", *VIDEO_COLUMNS])
    rows = table.to_pylist()
    settings = manifest["settings"]
    threshold_pdq = settings.get("match_threshold") or DEFAULT_THRESHOLDS["pdq"]
    exact_hits, near_hits = group_hits(rows, allow_weak=bool(settings.get("allow_weak")), pdq_threshold=threshold_pdq)
    hits: list[dict[str, Any]] = (
        [{**g, "kind": "exact", "rows": g["pictures"]} for g in exact_hits]
        + [{**g, "kind": "near", "rows": [p for c in g["clusters"] for p in [c["picture"], *c["similar"]]]} for g in near_hits])
    hit_paths = {path for g in hits for p in g["rows"] for path in p["copies"]}

    scored = []
    if chosen is not None:
        for row in rows:
            if row["path"] in hit_paths:
                continue
            for score in row["scores"] or []:
                if score["model"] == chosen["key"]:
                    scored.append({"path": row["path"], "sha256": row["sha256"], "size": row["size"], "score": score["score"],
                                   "media": row["media"],
                                   "best_timestamp": row["best_timestamp"] if chosen is models[0] else None})
    scored.sort(key=lambda r: (-r["score"], r["path"]))

    truth = _labels(labels_root)
    measured = []
    source = "none"
    if threshold is not None:
        source = "given with --threshold"
    elif truth:
        positives = [r["score"] for r in scored if truth.get(str(Path(r["path"]).resolve())) == 1]
        for target in sorted(set(RECALL_TARGETS) | {recall}):
            t = threshold_for_recall(positives, target)
            if t is not None:
                review = int(is_flagged([r["score"] for r in scored], t).sum())
                measured.append({"recall": target, "threshold": t, "to_review": review, "can_skip": len(scored) - review,
                                 "skip_share": (len(scored) - review) / len(scored) if scored else 0.0})
        threshold = threshold_for_recall(positives, recall)
        source = f"measured on {len(positives)} labelled positives from {labels_root}"
    elif chosen is not None:
        threshold = float(chosen["threshold"])
        source = f"the model's declared operating point ({chosen.get('chosen_for') or 'no target stated'}); recall on these files is not measured"
    to_review = int(is_flagged([r["score"] for r in scored], threshold).sum()) if threshold is not None else 0
    for r in scored:
        r["label"] = truth.get(str(Path(r["path"]).resolve())) if truth else None

    videos = video_rows(rows, chosen["key"] if chosen is not None else None)
    problems = []
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["error"]:
            by_kind[row["error"]].append(row)
    for kind in kinds.ALL_KINDS:
        if by_kind.get(kind):
            items = by_kind[kind]
            problems.append({"kind": kind, "description": kinds.DESCRIPTIONS[kind], "count": len(items),
                             "rows": items[:problems_shown]})
    return Triage(manifest=manifest, summary=summary, model=chosen, hits=hits, ranking=_one_per_picture(scored)[:top],
                  ranked_total=len(scored), threshold=threshold, threshold_source=source, recall=recall,
                  to_review=to_review, can_skip=len(scored) - to_review, measured=measured, problems=problems,
                  exact_hits=exact_hits, near_hits=near_hits,
                  unqualified=[m for m in models if m.get("qualification", {}).get("qualified") is False],
                  videos=videos[:top], videos_total=len(videos))


VIDEO_COLUMNS = ("media", "duration", "codec", "width", "height", "partial", "partial_reason", "best_timestamp",
                 "top_timestamps", "flagged_segments", "matched_segments")


def video_rows(rows: list[dict[str, Any]], model_key: Optional[str]) -> list[dict[str, Any]]:
    """Decoded videos for the report: matched ones first, then by the chosen model's best frame score.

    Each keeps where to look: the matched segments, the best moment and the top-k
    moments (the first model's), and the runs of frames each model flagged.
    """
    videos = []
    for row in rows:
        if row.get("media") != "video" or row["error"]:
            continue
        score = next((s["score"] for s in row["scores"] or [] if s["model"] == model_key), None)
        videos.append({**row, "score": score, "matched": sorted({f"{m['id']} ({m['hash_type']})" for m in row["matches"] or []}),
                       "preview_at": [m["timestamp"] for m in row["top_timestamps"] or []]
                       or [s["query_start"] for s in row["matched_segments"] or []]})
    videos.sort(key=lambda v: (not v["matched"], -(v["score"] if v["score"] is not None else -1.0), v["path"]))
    return videos


def _one_per_picture(scored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ranked rows with byte-identical copies folded under the first (highest-ranked) one."""
    shown: dict[str, dict[str, Any]] = {}
    for row in scored:
        key = row["sha256"] or f"path:{row['path']}"
        if key in shown:
            shown[key]["copies"].append(row["path"])
        else:
            shown[key] = {**row, "copies": [row["path"]]}
    return list(shown.values())
