"""vPDQ, the video hash of Meta's ThreatExchange family: a PDQ hash per sampled frame.

Built on the one video reader (`saferkit.core.video`) and the kit's PDQ
(`hashers.pdq_hashes`): every `int(interval x frame rate)`-th decoded frame
(1 frame/s by default) is hashed, with its quality (0-100) and timestamp
(frame number / frame rate), exactly as the reference (`vpdq.computeHash`)
samples and stamps them, so hashes agree with lists built by Meta's tools to
within PDQ's tolerance (see tests/video/test_vpdq_reference.py). The text form
is the reference's: one `frame,quality,hash,timestamp` line per frame.

`merge_runs` keeps the first frame of each run of consecutive near-identical
frames (within `MERGE_DISTANCE` = 8 bits of the run's first) and records the
run's end: the compact form API and scan rows show. `features` stay frame by
frame, and matching uses every distinct frame hash, as the reference does.
Extra views of a frame (`video_views`: centre crops on the listed side, a
picture-in-picture inset on the query side) ride along in `views`, outside
the reference's hash and text form.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from saferkit.core.video import Sampling, VideoInfo, VideoLimits, VideoReader
from saferkit.hashing.errors import HashingError
from saferkit.hashing.video_views import FrameViews

VPDQ_QUALITY_THRESHOLD = 50  # frames under this quality are kept but not matched (the reference's figure)
VPDQ_DISTANCE_THRESHOLD = 31  # PDQ's own threshold
MERGE_DISTANCE = 8  # bits: consecutive frames this close to a run's first frame join the run (a still shot re-encoded)
TEXT_HEADER = "# vpdq: frame_number,quality,pdq_hash,timestamp_seconds"
LUMA_SCALE = 255.0 / 219.0  # video luma (16-235) onto PDQ's 0-255 range


@dataclass
class VpdqFeature:
    """One hashed frame; `end` is the last timestamp of the run it stands for (== timestamp unless merged)."""

    frame_number: int
    quality: int
    hash: str
    timestamp: float
    end: float | None = None
    mirror_hash: str | None = None  # PDQ of the left-right mirrored frame (with `mirror=True`)
    views: tuple[str, ...] = ()  # PDQ of extra views of this frame (`video_views`); never in the text form
    inset_quality: int | None = None  # quality of a picture-in-picture inset found in the frame (query side)

    @property
    def match_quality(self) -> int:
        """The quality matching keeps or drops the frame by: its inset's when it holds one, else its own."""
        return self.quality if self.inset_quality is None else self.inset_quality

    def line(self) -> str:
        return f"{self.frame_number},{self.quality},{self.hash},{self.timestamp:.3f}"


@dataclass
class VpdqResult:
    """A video's vPDQ: the stream facts and one feature per sampled frame."""

    info: VideoInfo
    features: list[VpdqFeature]

    def as_row(self) -> dict:
        """What an API or scan row carries: stream facts, the frames (merged runs) and the text form."""
        merged = merge_runs(self.features)
        return {**self.info.as_row(), "vpdq_frames": len(self.features), "vpdq_unique": len(merged),
                "vpdq": [{"frame": f.frame_number, "quality": f.quality, "hash": f.hash,
                          "start": round(f.timestamp, 3), "end": round(f.end if f.end is not None else f.timestamp, 3)}
                         for f in merged]}


def frame_pdq(luma: np.ndarray) -> tuple[str, int]:
    """PDQ hash and quality of one frame's luma (any float or uint8 H x W array, PDQ's 0-255 scale)."""
    from saferkit.hashing.hashers import pdq_hashes

    hashes, quality = pdq_hashes(luma)
    return hashes[0], int(quality)


def frame_luma(pixels: np.ndarray) -> np.ndarray:
    """PDQ luma of a sampled frame: RGB through ITU-R 601 weights, or the Y plane stretched to full range."""
    if pixels.ndim == 3:
        from saferkit.hashing.hashers import LUMA_WEIGHTS

        return pixels @ LUMA_WEIGHTS
    return np.clip((pixels.astype(np.float64) - 16.0) * LUMA_SCALE, 0.0, 255.0)


BORDER_LEVEL = 40.0  # a bar row or column is darker than this on average ...
BORDER_SPREAD = 24.0  # ... and nearly flat (max - min under this)
MAX_BORDER = 0.35  # share of the side that may be cut on each edge


def without_borders(luma: np.ndarray) -> np.ndarray:
    """The frame without dark, flat bars along its edges (letterbox or pillarbox), at most 35% per edge."""
    def bar(lines: np.ndarray) -> int:
        flat = (lines.mean(axis=1) < BORDER_LEVEL) & (np.ptp(lines, axis=1) < BORDER_SPREAD)
        limit = int(len(flat) * MAX_BORDER)
        count = int(np.argmin(flat[:limit])) if not flat[:limit].all() else limit
        return count

    height, width = luma.shape
    top, bottom = bar(luma), bar(luma[::-1])
    left, right = bar(luma.T), bar(luma.T[::-1])
    if height - top - bottom < 16 or width - left - right < 16:
        return luma
    return luma[top : height - bottom, left : width - right]


def hash_video(source: str | os.PathLike | bytes, *, interval: float = 1.0, limits: VideoLimits = VideoLimits(),
               scene_threshold: float | None = None, luma_only: bool = False, crop_borders: bool = False,
               mirror: bool = False, crop_views: Sequence[float] = (), inset: bool = False) -> VpdqResult:
    """vPDQ of a video (path or bytes); raises `VideoError` (a MediaError) when nothing can be decoded.

    Frames go to RGB first, as in the reference (measured 0-4 bits from it,
    quality equal); `luma_only` reads the decoder's Y plane instead, which
    measured up to 14 bits away and no faster, so it stays off. `scene_threshold`
    adds frames at cuts (off by default, as in the reference). `info.partial`
    says the file was damaged or a limit was hit.

    Two departures from the reference, both off by default: `crop_borders`
    hashes each frame without its dark letterbox/pillarbox bars (PDQ is weakest
    under padding), and `mirror` adds each frame's mirrored hash, so
    `VideoMatcher.match(..., mirror=True)` finds flipped copies. Lists and
    queries must be hashed with the same `crop_borders` choice.

    Extra views (`video_views`), kept in `VpdqFeature.views` and never in the
    frame's hash or the text form: `crop_views` (the listed side, e.g.
    `video_views.LISTED_CROPS`) adds the PDQ of those centre crops of each
    frame, so cropped copies match; `inset` (the query side) adds the PDQ of a
    picture-in-picture inset when the frame holds one.
    """
    if interval < 0:
        raise HashingError("the sampling interval must be 0 (every frame) or more seconds.")
    if any(not 0.2 <= keep < 1 for keep in crop_views):
        raise HashingError("crop views are the shares of each side kept, from 0.2 to under 1 (e.g. 0.95, 0.9, 0.85).")
    sampling = Sampling(interval=interval, scene_threshold=scene_threshold, pixel_format="gray" if luma_only else "rgb24")
    features: list[VpdqFeature] = []
    extra = FrameViews(crop_views, inset) if crop_views or inset else None
    with VideoReader(source, limits) as reader:
        fps = reader.info.fps or 1.0
        for frame in reader.frames(sampling):
            luma = frame_luma(frame.pixels)
            if crop_borders:
                luma = without_borders(luma)
            features.append(frame_feature(frame.number, fps, luma, mirror=mirror, views=extra))
        return VpdqResult(reader.info, features)


def frame_feature(number: int, fps: float, luma: np.ndarray, *, mirror: bool = False,
                  views: FrameViews | None = None) -> VpdqFeature:
    """One sampled frame's feature: its PDQ and quality, and with `mirror` its mirrored PDQ, with `views`
    its extra views (`video_views`); `hash_video` and the server's one-decode analysis both make them here."""
    digest, quality = frame_pdq(luma)
    mirrored = frame_pdq(luma[:, ::-1])[0] if mirror else None
    extra, inset_quality = views.hashes(luma) if views is not None else ((), None)
    return VpdqFeature(number, quality, digest, number / fps, mirror_hash=mirrored, views=extra,
                       inset_quality=inset_quality)


def merge_runs(features: Iterable[VpdqFeature], distance: int = MERGE_DISTANCE) -> list[VpdqFeature]:
    """One feature per run of consecutive frames within `distance` bits of the run's first; `end` set."""
    from saferkit.hashing.codes import hamming, hex_to_words

    merged: list[VpdqFeature] = []
    first_words = None
    for feature in features:
        words = hex_to_words([feature.hash], 4)
        if merged and first_words is not None and int(hamming(first_words, words)[0]) <= distance:
            merged[-1].end = feature.timestamp
            continue
        merged.append(VpdqFeature(feature.frame_number, feature.quality, feature.hash, feature.timestamp, feature.timestamp))
        first_words = words
    return merged


def to_text(features: Iterable[VpdqFeature], header: bool = False) -> str:
    """The reference's text form: `frame_number,quality,hash,timestamp` a line (3 decimals)."""
    lines = [TEXT_HEADER] if header else []
    lines += [feature.line() for feature in features]
    return "\n".join(lines) + "\n"


def parse_text(text: str, where: str = "vPDQ text") -> list[VpdqFeature]:
    """Read the text form back; '#' comments and blank lines are skipped. Raises HashingError on a bad line."""
    features = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        try:
            if len(parts) != 4:
                raise ValueError(f"{len(parts)} fields, expected 4 (frame_number,quality,hash,timestamp)")
            frame, quality, digest, stamp = int(parts[0]), int(parts[1]), parts[2].lower(), float(parts[3])
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError("the hash is not 64 hex digits")
            if not 0 <= quality <= 100:
                raise ValueError("the quality is not 0-100")
        except ValueError as exc:
            raise HashingError(f"{where} line {number}: {exc}.") from None
        features.append(VpdqFeature(frame, quality, digest, stamp))
    return features
