"""A video's row from one decode: stream facts, vPDQ, and (with a model) frame triage.

`video_row` is the one function the scan worker, the server and the CLI call
for a video. The file is decoded once at 1 frame/s plus scene changes
(`saferkit.core.video`): the frames on the 1 frame/s grid give vPDQ exactly as
the reference samples them, and every sampled frame (cuts included) is scored
by the image model in batches. A video's score is the highest frame score,
with that frame's timestamp and the top-k timestamps, so a reviewer jumps to
the moment instead of watching the whole file. File digests are the
inventory's (the media issue), not computed here.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from saferkit.core.video import Sampling, VideoError, VideoLimits, VideoReader
from saferkit.hashing.vpdq import VpdqFeature, VpdqResult, frame_pdq, to_text

TOP_K = 5
TRIAGE_BATCH = 32
# The scan's error kinds (saferkit.core.kinds values) for the reader's.
SCAN_KIND = {"empty": "zero_byte", "corrupt": "corrupt", "too-large": "too_large", "unreadable": "unreadable", "no-video": "not_image"}


def triage_frames(runner: Any, frames: list[tuple[float, np.ndarray]], batch_size: int = TRIAGE_BATCH,
                  top_k: int = TOP_K) -> dict[str, Any]:
    """Score (timestamp, RGB) frames with an `OnnxTriageModel`; the max, where it is, and the top-k moments."""
    from PIL import Image

    if not frames:
        return {"score": None, "best_timestamp": None, "top": [], "frames_scored": 0}
    scores = runner.positive_scores(runner.score_images((Image.fromarray(p) for _, p in frames), batch_size))
    order = np.argsort(-scores, kind="stable")
    top = [{"timestamp": round(frames[i][0], 3), "score": round(float(scores[i]), 6)} for i in order[:top_k].tolist()]
    return {"score": top[0]["score"], "best_timestamp": top[0]["timestamp"], "top": top, "frames_scored": len(frames),
            "frame_scores": [{"timestamp": round(t, 3), "score": round(float(s), 6)} for (t, _), s in zip(frames, scores)]}


def flagged_segments(frame_scores: list[dict], threshold: float, gap: float = 1.5) -> list[dict]:
    """Runs of frames at or over the model's threshold: [{start, end, max_score}], in time order."""
    segments: list[dict] = []
    for item in sorted(frame_scores, key=lambda f: f["timestamp"]):
        if item["score"] < threshold:
            continue
        if segments and item["timestamp"] - segments[-1]["end"] <= gap:
            segments[-1]["end"] = item["timestamp"]
            segments[-1]["max_score"] = max(segments[-1]["max_score"], item["score"])
        else:
            segments.append({"start": item["timestamp"], "end": item["timestamp"], "max_score": item["score"]})
    return segments


def analyse_video(source: str | os.PathLike | bytes, *, runner: Any = None, limits: VideoLimits = VideoLimits(),
                  interval: float = 1.0, batch_size: int = TRIAGE_BATCH, top_k: int = TOP_K) -> tuple[VpdqResult, dict | None]:
    """One decode: the vPDQ of the 1 frame/s grid and, with a runner, the triage of every sampled frame.

    Raises `VideoError` (kind in `core.video.VIDEO_ERROR_KINDS`) when nothing can be decoded.
    """
    features: list[VpdqFeature] = []
    scored: list[tuple[float, np.ndarray]] = []
    with VideoReader(source, limits) as reader:
        fps = reader.info.fps or 1.0
        sampling = Sampling(interval=interval, scene_threshold=Sampling().scene_threshold if runner is not None else None)
        for frame in reader.frames(sampling):
            if not frame.scene_change:
                from saferkit.hashing.hashers import LUMA_WEIGHTS

                digest, quality = frame_pdq(frame.pixels @ LUMA_WEIGHTS)
                features.append(VpdqFeature(frame.number, quality, digest, frame.number / fps))
            if runner is not None:
                scored.append((frame.timestamp, frame.pixels))
        result = VpdqResult(reader.info, features)
    triage = triage_frames(runner, scored, batch_size, top_k) if runner is not None else None
    return result, triage


def video_row(source: str | os.PathLike | bytes, *, runner: Any = None, limits: VideoLimits = VideoLimits(),
              interval: float = 1.0, threshold: float | None = None) -> dict[str, Any]:
    """The fields a scan row (or API result) gets for a video; never raises for a bad file.

    Keys: the stream facts (`duration`, `codec`, `width`, `height`, `fps`,
    `partial`, `partial_reason`, ...), `vpdq` (merged runs: frame, quality,
    hash, start, end), `vpdq_text` (the reference's text form, every frame),
    with a runner `video_score`, `best_timestamp`, `top_timestamps` and (with
    `threshold`) `flagged_segments`; on failure `error` and `error_kind` (the
    scan's kinds: zero_byte, corrupt, too_large, unreadable, not_image).
    """
    try:
        result, triage = analyse_video(source, runner=runner, limits=limits, interval=interval)
    except VideoError as exc:
        return {"media": "video", "error": str(exc), "error_kind": SCAN_KIND.get(exc.kind, "corrupt"), "video_error_kind": exc.kind}
    row: dict[str, Any] = {"media": "video", "error": None, "error_kind": None, **result.as_row(),
                           "vpdq_text": to_text(result.features)}
    if triage is not None:
        row.update({"video_score": triage["score"], "best_timestamp": triage["best_timestamp"],
                    "top_timestamps": triage["top"], "frames_scored": triage["frames_scored"]})
        if threshold is not None:
            row["flagged_segments"] = flagged_segments(triage["frame_scores"], threshold)
    return row
