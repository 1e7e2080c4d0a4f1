"""`saferkit hashing bench --video`: how well video matching survives each edit, at a measured false-match rate.

Distinct synthetic clips (`datasets.video`, texture and clutter backgrounds so
frames carry enough detail for PDQ) are listed; every transform x severity
of `video_transforms` is applied to each and matched back. True pairs are a
clip and its own edited copy; distinct pairs are a clip's edited copy (or
the clip itself) and every other listed clip. For each method the query-share
limit is the lowest that keeps the false-match rate over distinct pairs at
or under the target; the table reports each transform's match rate at that
limit and at the shipped defaults. Methods: `md5` (the file digest: exact),
`vpdq` (the reference's hash, HMA's matching), `vpdq+borders+mirror`
(borders cropped before hashing, mirrored frames matched too) and
`vpdq+views` (that, plus `video_views`: centre crops of the listed frames
and the query frames' picture-in-picture insets as extra views).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from saferkit.core.atomic import write_text_atomic
from saferkit.hashing.errors import HashingError

TARGET_FMR = 0.01
METHODS = ("md5", "vpdq", "vpdq+borders+mirror", "vpdq+views")
COLUMNS = ("method", "transform", "severity", "true_pairs", "match_rate_at_limit", "match_rate_at_defaults",
           "median_query_share", "query_share_limit", "distinct_pairs", "fmr_at_limit", "max_distinct_share")


@dataclass
class VideoBenchResult:
    csv_path: Path
    markdown_path: Path
    rows: list[dict[str, Any]]


def _features(data: bytes, method: str, listed: bool = False):
    """A clip's frames as `method` hashes them: listed clips get crop views, queries insets (`vpdq+views`)."""
    from saferkit.hashing.video_views import LISTED_CROPS
    from saferkit.hashing.vpdq import hash_video

    special, views = method != "vpdq", method == "vpdq+views"
    return hash_video(data, crop_borders=special, mirror=special and not listed,
                      crop_views=LISTED_CROPS if views and listed else (), inset=views and not listed).features


def run_video_benchmark(out: Path = Path("video-bench"), count: int = 8, transforms: Sequence[str] | None = None,
                        severities: Sequence[int] = (1, 2, 3, 4, 5), seed: int = 0, seconds: float = 8.0,
                        console: Any = None) -> VideoBenchResult:
    """Run the sweep; write video_robustness.csv and video_robustness.md into `out`."""
    import hashlib

    from saferkit.datasets.video import VideoConfig, clip_bytes, plan_clips
    from saferkit.hashing.video_match import DEFAULT_QUERY_SHARE, ListedVideo, VideoMatcher
    from saferkit.hashing.video_transforms import SEVERITIES, VIDEO_TRANSFORMS, apply_video_transform, decode_clip

    names = list(transforms or VIDEO_TRANSFORMS)
    unknown = [n for n in names if n not in VIDEO_TRANSFORMS]
    if unknown:
        raise HashingError(f"unknown video transform(s) {', '.join(unknown)}; choose from {', '.join(VIDEO_TRANSFORMS)}.")
    if count < 2:
        raise HashingError("the video benchmark needs at least two clips (--count 2 or more).")
    if set(severities) - set(SEVERITIES):
        raise HashingError("severities are 1 to 5.")
    specs = plan_clips(VideoConfig(n=count, seed=seed, seconds=seconds, fps=15, width=192, height=144,
                                   backgrounds=("texture", "clutter")))
    clips = [clip_bytes(spec) for spec in specs]
    firsts = [decode_clip(c).frames[0] for c in clips]
    copies: dict[tuple[str, int], list[bytes]] = {}
    for name in names:
        for severity in severities:
            if console:
                console.print(f"  {name} severity {severity}")
            copies[(name, severity)] = [apply_video_transform(c, name, severity, seed + i, firsts[(i + 1) % count])
                                        for i, c in enumerate(clips)]
    rows: list[dict[str, Any]] = []
    for method in METHODS:
        if method == "md5":
            listed = {hashlib.md5(c).hexdigest(): i for i, c in enumerate(clips)}
            shares = {key: np.array([[1.0 if listed.get(hashlib.md5(q).hexdigest()) == j else 0.0 for j in range(count)]
                                     for q in queries]) for key, queries in copies.items()}
            base = np.eye(count)
        else:
            matcher = VideoMatcher([ListedVideo(str(i), _features(c, method, listed=True)) for i, c in enumerate(clips)])
            base = _share_matrix(matcher, clips, method, count)
            shares = {key: _share_matrix(matcher, queries, method, count) for key, queries in copies.items()}
        off = ~np.eye(count, dtype=bool)
        distinct = np.concatenate([base[off]] + [m[off] for m in shares.values()])
        limit = _limit(distinct)
        fmr = float((distinct >= limit).mean()) if limit <= 1 else 0.0
        for (name, severity), matrix in shares.items():
            true = np.diag(matrix)
            rows.append({"method": method, "transform": name, "severity": severity, "true_pairs": count,
                         "match_rate_at_limit": round(float((true >= limit).mean()), 3),
                         "match_rate_at_defaults": round(float((true >= max(DEFAULT_QUERY_SHARE, 1e-9)).mean()), 3),
                         "median_query_share": round(float(np.median(true)), 3), "query_share_limit": round(limit, 3),
                         "distinct_pairs": int(distinct.size), "fmr_at_limit": round(fmr, 5),
                         "max_distinct_share": round(float(distinct.max()), 3)})
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out / "video_robustness.csv", out / "video_robustness.md"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(csv_path, buffer.getvalue(), newline="")
    write_text_atomic(md_path, _markdown(rows, names, severities, count))
    return VideoBenchResult(csv_path, md_path, rows)


def _share_matrix(matcher: Any, queries: list[bytes], method: str, count: int) -> np.ndarray:
    """Query share of each query (rows) against each listed clip (columns); 0 where the listed share is under its limit."""
    from saferkit.hashing.video_match import DEFAULT_LISTED_SHARE

    matrix = np.zeros((len(queries), count))
    for qi, query in enumerate(queries):
        for match in matcher.match(_features(query, method), keep_all=True, mirror=method != "vpdq"):
            matrix[qi, int(match.id)] = match.query_share if match.listed_share >= DEFAULT_LISTED_SHARE else 0.0
    return matrix


def _limit(distinct: np.ndarray, target: float = TARGET_FMR) -> float:
    """The lowest query share (above zero) whose false-match rate over distinct pairs is <= target."""
    for candidate in sorted({0.05 * k for k in range(1, 21)} | {float(v) + 1e-9 for v in np.unique(distinct)}):
        if float((distinct >= candidate).mean()) <= target:
            return float(candidate)
    return 1.0 + 1e-9


def _markdown(rows: list[dict[str, Any]], names: list[str], severities: Sequence[int], count: int) -> str:
    from saferkit.hashing.video_match import DEFAULT_QUERY_SHARE

    lines = ["# Video matching robustness", "",
             f"{count} synthetic clips (no people). Match rate of each clip's edited copy at the query-share limit that "
             f"keeps the false-match rate over distinct pairs at or under {TARGET_FMR:g}; in brackets, at the default "
             f"limit ({DEFAULT_QUERY_SHARE:g}).", ""]
    for method in METHODS:
        mine = [r for r in rows if r["method"] == method]
        lines += [f"## {method} (limit {mine[0]['query_share_limit']:.2f}, {mine[0]['distinct_pairs']} distinct pairs, "
                  f"highest distinct share {mine[0]['max_distinct_share']:.2f})", "",
                  "| transform | " + " | ".join(f"severity {s}" for s in severities) + " |",
                  "|---|" + "---|" * len(severities)]
        for name in names:
            cells = [next(r for r in mine if r["transform"] == name and r["severity"] == s) for s in severities]
            lines.append(f"| {name} | " + " | ".join(f"{c['match_rate_at_limit']:.2f} ({c['match_rate_at_defaults']:.2f})" for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
