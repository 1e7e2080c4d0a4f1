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
from typing import Any, Sequence

import numpy as np

from saferkit.core.video import Sampling, VideoError, VideoLimits, VideoReader
from saferkit.hashing.video_views import FrameViews
from saferkit.hashing.vpdq import VpdqFeature, VpdqResult, frame_feature, frame_luma, to_text

TOP_K = 5
TRIAGE_BATCH = 32
# The scan's error kinds (saferkit.core.kinds values) for the reader's.
SCAN_KIND = {"empty": "zero_byte", "corrupt": "corrupt", "too-large": "too_large", "unreadable": "unreadable", "no-video": "not_image"}


class FrameScorer:
    """Scores frames with one model as they are decoded, a batch at a time, keeping only (time, score).

    Memory stays at one batch of frames whatever the video's length.
    """

    def __init__(self, runner: Any, batch_size: int = TRIAGE_BATCH) -> None:
        self.runner, self.batch_size = runner, batch_size
        self._pending: list[Any] = []
        self.timestamps: list[float] = []
        self.scores: list[float] = []

    def add(self, timestamp: float, pixels: np.ndarray) -> None:
        from PIL import Image

        self._pending.append(Image.fromarray(pixels))
        self.timestamps.append(timestamp)
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            probabilities = self.runner.score_images(self._pending, self.batch_size)
            self.scores.extend(float(v) for v in self.runner.positive_scores(probabilities))
            self._pending = []

    def result(self, top_k: int = TOP_K) -> dict[str, Any]:
        """The best score, its moment, the top-k moments and every frame's score."""
        self.flush()
        if not self.scores:
            return {"score": None, "best_timestamp": None, "top": [], "frames_scored": 0, "frame_scores": []}
        scores = np.asarray(self.scores)
        order = np.argsort(-scores, kind="stable")
        top = [{"timestamp": round(self.timestamps[i], 3), "score": round(float(scores[i]), 6)} for i in order[:top_k].tolist()]
        return {"score": top[0]["score"], "best_timestamp": top[0]["timestamp"], "top": top, "frames_scored": len(scores),
                "frame_scores": [{"timestamp": round(t, 3), "score": round(float(v), 6)} for t, v in zip(self.timestamps, scores)]}


def triage_frames(runner: Any, frames: list[tuple[float, np.ndarray]], batch_size: int = TRIAGE_BATCH,
                  top_k: int = TOP_K) -> dict[str, Any]:
    """Score (timestamp, RGB) frames with an `OnnxTriageModel`; the max, where it is, and the top-k moments."""
    scorer = FrameScorer(runner, batch_size)
    for timestamp, pixels in frames:
        scorer.add(timestamp, pixels)
    return scorer.result(top_k)


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
                  interval: float = 1.0, batch_size: int = TRIAGE_BATCH, top_k: int = TOP_K,
                  inset: bool = False) -> tuple[VpdqResult, dict | None]:
    """One decode: the vPDQ of the 1 frame/s grid and, with a runner, the triage of every sampled frame.

    With `inset`, each frame's picture-in-picture inset (when found) is hashed
    as an extra view for matching (`hashing.video_views`). Raises `VideoError`
    (kind in `core.video.VIDEO_ERROR_KINDS`) when nothing can be decoded.
    """
    result, triages = analyse_video_models(source, [runner] if runner is not None else [], limits=limits,
                                           interval=interval, batch_size=batch_size, top_k=top_k, inset=inset)
    return result, (triages[0] if triages else None)


def analyse_video_models(source: str | os.PathLike | bytes, runners: Sequence[Any], *, limits: VideoLimits = VideoLimits(),
                         interval: float = 1.0, batch_size: int = TRIAGE_BATCH, top_k: int = TOP_K,
                         inset: bool = False) -> tuple[VpdqResult, list[dict]]:
    """`analyse_video` for several models: one decode, the sampled frames scored by each runner in turn."""
    features: list[VpdqFeature] = []
    scorers = [FrameScorer(runner, batch_size) for runner in runners]
    extra = FrameViews(inset=True) if inset else None
    with VideoReader(source, limits) as reader:
        fps = reader.info.fps or 1.0
        sampling = Sampling(interval=interval, scene_threshold=Sampling().scene_threshold if runners else None)
        for frame in reader.frames(sampling):
            if not frame.scene_change:
                features.append(frame_feature(frame.number, fps, frame_luma(frame.pixels), views=extra))
            for scorer in scorers:
                scorer.add(frame.timestamp, frame.pixels)
        result = VpdqResult(reader.info, features)
    return result, [scorer.result(top_k) for scorer in scorers]


def video_row(source: str | os.PathLike | bytes, *, runner: Any = None, limits: VideoLimits = VideoLimits(),
              interval: float = 1.0, threshold: float | None = None,
              models: Sequence[tuple[str, Any, float]] = ()) -> dict[str, Any]:
    """The fields a scan row (or API result) gets for a video; never raises for a bad file.

    Keys: the stream facts (`duration`, `codec`, `width`, `height`, `fps`,
    `partial`, `partial_reason`, ...), `vpdq` (merged runs: frame, quality,
    hash, start, end), `vpdq_text` (the reference's text form, every frame),
    with a runner `video_score`, `best_timestamp`, `top_timestamps` and (with
    `threshold`) `flagged_segments`; with `models` (the scan worker's
    `(key, runner, threshold)` triples) `scores`, one entry per model in the
    scan's form plus `best_timestamp`, `top_timestamps`, `flagged_segments`;
    on failure `error` and `error_kind` (the scan's kinds: zero_byte, corrupt,
    too_large, unreadable, not_image). File digests are the inventory's.
    """
    from saferkit.evaluation.operating_point import is_flagged

    runners = ([runner] if runner is not None else []) + [model for _, model, _ in models]
    try:
        result, triages = analyse_video_models(source, runners, limits=limits, interval=interval)
    except VideoError as exc:
        return {"media": "video", "error": str(exc), "error_kind": SCAN_KIND.get(exc.kind, "corrupt"), "video_error_kind": exc.kind}
    row: dict[str, Any] = {"media": "video", "error": None, "error_kind": None, **result.as_row(),
                           "vpdq_text": to_text(result.features)}
    if runner is not None:
        triage = triages.pop(0)
        row.update({"video_score": triage["score"], "best_timestamp": triage["best_timestamp"],
                    "top_timestamps": triage["top"], "frames_scored": triage["frames_scored"]})
        if threshold is not None:
            row["flagged_segments"] = flagged_segments(triage["frame_scores"], threshold)
    if models:
        row["scores"] = [{"model": key, "score": triage["score"],
                          "flagged": triage["score"] is not None and bool(is_flagged(triage["score"], model_threshold)),
                          "best_timestamp": triage["best_timestamp"], "top_timestamps": triage["top"],
                          "flagged_segments": flagged_segments(triage["frame_scores"], model_threshold)}
                         for (key, _, model_threshold), triage in zip(models, triages)]
    return row


# ---- the server's video uploads (/v1/hash, /v1/match, /v1/models/NAME/triage) ----

MAX_UPLOAD_SECONDS = 600.0  # declared duration of an uploaded video
MAX_UPLOAD_FRAMES = 1200  # sampled frames per uploaded video
MAX_UPLOAD_DECODE_SECONDS = 60.0
_SIGNATURES = (
    (4, b"ftyp"),  # MP4, MOV, 3GP
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska, WebM
    (0, b"\x00\x00\x01\xba"),  # MPEG program stream
    (0, b"FLV"),
)


def is_video_upload(data: bytes, filename: str | None = None) -> bool:
    """True for video signatures (MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV) or a video file name."""
    from saferkit.core.video import looks_like_video

    if any(data[offset : offset + len(magic)] == magic for offset, magic in _SIGNATURES):
        return data[8:12] not in (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1")  # image formats in ISO boxes
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return True
    if len(data) > 376 and data[0] == 0x47 and data[188] == 0x47 and data[376] == 0x47:
        return True
    return bool(filename) and looks_like_video(str(filename))


def upload_limits(state: Any) -> VideoLimits:
    """What one uploaded video may cost on this server (its bytes are already under the body limit)."""
    return VideoLimits(max_bytes=state.config.limits.max_body_bytes, max_seconds=MAX_UPLOAD_SECONDS,
                       max_frames=MAX_UPLOAD_FRAMES, max_decode_seconds=MAX_UPLOAD_DECODE_SECONDS)


def _api_error(exc: VideoError, label: str):
    from saferkit.serving.api_errors import ApiError

    return ApiError(413 if exc.kind == "too-large" else 422, f"{label}: {exc}")


def _only_videos(uploads: list) -> None:
    from saferkit.serving.api_errors import ApiError

    if not all(is_video_upload(u.data, u.filename) for u in uploads):
        raise ApiError(422, "this request mixes videos and images; send videos and images in separate requests.")


def _analyse(state: Any, upload: Any, runner: Any = None, inset: bool = False) -> tuple[VpdqResult, dict | None]:
    try:
        return analyse_video(upload.data, runner=runner, limits=upload_limits(state), inset=inset)
    except VideoError as exc:
        raise _api_error(exc, upload.label) from None


def _digests(data: bytes, algos: tuple[str, ...]) -> dict[str, str]:
    import hashlib

    return {name: hashlib.new(name, data).hexdigest() for name in algos if name in ("md5", "sha1", "sha256")}


def hash_video_uploads(state: Any, uploads: list, algos: tuple[str, ...]) -> dict:
    """/v1/hash for videos: the asked-for digests of the file, and its vPDQ with the stream facts."""
    _only_videos(uploads)
    results = []
    for upload in uploads:
        result, _ = _analyse(state, upload)
        results.append({**upload.describe(), "media": "video", "hashes": {**_digests(upload.data, algos), **result.as_row()}})
    return {"algorithms": list(algos), "results": results}


def match_video_uploads(state: Any, uploads: list, threshold: int | None) -> dict:
    """/v1/match for videos: exact MD5/SHA-1/SHA-256 of the file, and vPDQ against the listed videos.

    Query frames' picture-in-picture insets are matched too; listed videos
    hashed with crop views (`hashing vpdq --crop-views`) match cropped copies.
    """
    from saferkit.hashing.video_match import VPDQ_DISTANCE_THRESHOLD

    _only_videos(uploads)
    matcher = state.matcher.listed_videos()  # None when no list holds a video
    results = []
    for upload in uploads:
        result, _ = _analyse(state, upload, inset=True)
        digests = _digests(upload.data, ("md5", "sha1", "sha256"))
        exact = state.matcher.match(digests)
        similar = [] if matcher is None else matcher.match(
            result.features, threshold=VPDQ_DISTANCE_THRESHOLD if threshold is None else threshold)
        results.append({**upload.describe(), "media": "video", "hashes": {**digests, **result.info.as_row()},
                        "matches": exact + [m.as_dict() for m in similar]})
    return {"lists": state.hashlists, "threshold": threshold, "listed_videos": len(matcher) if matcher else 0, "results": results}


def triage_video_uploads(state: Any, model: Any, uploads: list) -> list[dict]:
    """/v1/models/NAME/triage for videos: each video's best frame score, its moment, the top moments, flagged segments."""
    from saferkit.evaluation.operating_point import is_flagged

    _only_videos(uploads)
    threshold = model.submission.threshold
    results = []
    for upload in uploads:
        result, triage = _analyse(state, upload, model.runner)
        assert triage is not None
        score = triage["score"]
        results.append({**upload.describe(), "media": "video", **result.info.as_row(),
                        "score": score, "best_timestamp": triage["best_timestamp"], "top_timestamps": triage["top"],
                        "frames_scored": triage["frames_scored"],
                        "flagged": bool(score is not None and is_flagged(np.array([score]), threshold)[0]),
                        "flagged_segments": flagged_segments(triage["frame_scores"], threshold)})
    return results


def frame_previews(source: str | os.PathLike | bytes, timestamps: list[float], *, interval: float = 1.0,
                   limits: VideoLimits = VideoLimits()) -> dict[float, str]:
    """Reviewer-safe previews (the scan report's: 64 px, greyscale, blurred JPEG data URIs) of the best frames only.

    `timestamps` are a triage's `top_timestamps` (the same sampling finds the
    same frames); the report shows them behind its click-to-reveal rule.
    """
    import base64
    import io

    from PIL import Image, ImageFilter

    from saferkit.serving.scan.previews import BLUR_RADIUS, JPEG_QUALITY, PREVIEW_SIDE

    wanted = {round(t, 3) for t in timestamps}
    previews: dict[float, str] = {}
    with VideoReader(source, limits) as reader:
        for frame in reader.frames(Sampling(interval=interval)):
            stamp = round(frame.timestamp, 3)
            if stamp not in wanted:
                continue
            image = Image.fromarray(frame.pixels).convert("L")
            image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
            buffer = io.BytesIO()
            image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)).save(buffer, "JPEG", quality=JPEG_QUALITY)
            previews[stamp] = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
            if len(previews) == len(wanted):
                break
    return previews
