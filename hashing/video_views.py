"""Extra views of a video frame that frame-by-frame PDQ needs to see through crops and picture-in-picture.

PDQ moves past its 31-bit threshold when a frame loses 5% of its width and
height to a crop (measured on the benchmark's clips: 40-52 bits at 95% kept,
10-14 bits between a 95% crop and a 95% centre crop of the original, 19-30
bits at 2.5% off), and when the frame is shown as an inset inside another
picture. Two kinds of view fix that, each on the side that has the pixels:

- listed side, `centre_crops`: the centre 95%, 90% and 85% of each listed
  frame (`LISTED_CROPS`), so a cropped copy meets a view of its own size;
- query side, `find_inset`: the largest rectangle bounded by straight seams
  (rows or columns where the picture changes far more than it does between
  neighbouring rows or columns), the inset of a picture-in-picture, hashed
  on its own.

Views are extra hashes of the frame they came from (`VpdqFeature.views`):
they never change the frame's vPDQ hash, and a hit on a view counts for its
frame (see `video_match`). A query frame holding an inset is kept or dropped
by the inset's quality (`VpdqFeature.inset_quality`), since the inset is the
picture that was listed. numpy only, on a frame reduced to ~180 lines.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

LISTED_CROPS = (0.95, 0.9, 0.85)  # centre shares of each side kept; PDQ tolerates about +-2.5% between them
SEAM_PEAK = 3.0  # a candidate seam changes 3x more than the rows/columns 2-3 away do
SEAM_SIDE = 2.5  # every side of the inset, over the inset's own span, passes this ratio
INSET_MIN_SHARE = 0.3  # an inset spans at least 30% of each side ...
INSET_MAX_AREA = 0.9  # ... and at most 90% of the frame's area
CANDIDATES = 4  # strongest seams tried per direction
WORK_LINES = 180  # frames are block-averaged to about this many lines before looking for seams
_NEIGHBOURS = (-3, -2, 2, 3)  # rows 1 away share the seam's blur (resampling, codec)


def centre_crop(luma: np.ndarray, keep: float) -> np.ndarray:
    """The centre `keep` share of the frame's width and height."""
    height, width = luma.shape[:2]
    crop_h, crop_w = max(1, int(round(height * keep))), max(1, int(round(width * keep)))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return luma[top : top + crop_h, left : left + crop_w]


def centre_crops(luma: np.ndarray, keeps: Sequence[float] = LISTED_CROPS) -> list[np.ndarray]:
    """The listed side's views: one centre crop per share in `keeps`."""
    return [centre_crop(luma, keep) for keep in keeps]


def _reduced(luma: np.ndarray) -> tuple[np.ndarray, int]:
    """Block means by an integer factor so the frame has about WORK_LINES lines; returns it and the factor."""
    factor = max(1, min(luma.shape) // WORK_LINES)
    height, width = (luma.shape[0] // factor) * factor, (luma.shape[1] // factor) * factor
    if factor == 1:
        return luma.astype(np.float64), 1
    small = np.zeros((height // factor, width // factor))
    for row in range(factor):  # factor^2 strided adds: much faster than a 4-d reshape's mean
        for col in range(factor):
            small += luma[row:height:factor, col:width:factor]
    return small / (factor * factor), factor


class _Seams:
    """Seam strengths along one direction: boundary i lies between line i-1 and line i."""

    def __init__(self, lines: np.ndarray) -> None:
        steps = np.abs(np.diff(lines, axis=0))  # (n-1) x m: step between line i and i+1
        self.length = lines.shape[0]
        self.cumulative = np.concatenate([np.zeros((steps.shape[0], 1)), np.cumsum(steps, axis=1)], axis=1)

    def _strength(self, boundary: int, low: int, high: int) -> float:
        row = min(max(boundary, 1), self.length - 1) - 1
        return float(self.cumulative[row, high] - self.cumulative[row, low]) / max(1, high - low)

    def ratio(self, boundary: int, low: int, high: int) -> float:
        """How much more the picture changes across this boundary (over [low, high)) than near it."""
        near = sum(self._strength(boundary + offset, low, high) for offset in _NEIGHBOURS) / len(_NEIGHBOURS)
        return self._strength(boundary, low, high) / (near + 1.0)

    def candidates(self) -> list[int]:
        """The strongest full-length seams over SEAM_PEAK, strongest first (not on the frame's edge)."""
        whole = self.cumulative[:, -1] / max(1, self.cumulative.shape[1] - 1)  # whole[b - 1]: boundary b
        boundaries = np.arange(2, self.length - 1)
        near = np.mean([whole[np.clip(boundaries + offset, 1, self.length - 1) - 1] for offset in _NEIGHBOURS], axis=0)
        scores = whole[boundaries - 1] / (near + 1.0)
        order = np.argsort(-scores, kind="stable")[:CANDIDATES]
        return [int(boundaries[i]) for i in order if scores[i] >= SEAM_PEAK]


def find_inset(luma: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of a picture-in-picture inset in a frame's luma, or None.

    The inset is the rectangle with the most real seams (at least 3; a side
    may lie on the frame's edge), then the largest, among rectangles whose
    sides are strong seams over the rectangle's own span.
    """
    small, factor = _reduced(luma)
    height, width = small.shape
    if height < 16 or width < 16:
        return None
    rows, cols = _Seams(small), _Seams(small.T)
    row_options, col_options = rows.candidates(), cols.candidates()
    if len(row_options) + len(col_options) < 3:
        return None
    best: tuple[tuple[int, int], tuple[int, int, int, int]] | None = None
    for top in [0, *row_options]:
        for bottom in [*row_options, height]:
            if bottom - top < INSET_MIN_SHARE * height:
                continue
            for left in [0, *col_options]:
                for right in [*col_options, width]:
                    area = (bottom - top) * (right - left)
                    if right - left < INSET_MIN_SHARE * width or area > INSET_MAX_AREA * height * width:
                        continue
                    sides = [(rows, top, left, right), (rows, bottom, left, right), (cols, left, top, bottom), (cols, right, top, bottom)]
                    real = [side for side, edge in zip(sides, (0, height, 0, width)) if side[1] != edge]
                    if len(real) < 3 or any(seams.ratio(at, low, high) < SEAM_SIDE for seams, at, low, high in real):
                        continue
                    key = (len(real), area)
                    if best is None or key > best[0]:
                        best = (key, (top, bottom, left, right))
    if best is None:
        return None
    return tuple(value * factor for value in best[1])  # type: ignore[return-value]


Box = tuple[int, int, int, int]


class InsetTracker:
    """The insets of one video's frames, steadied over time: an inset stays where it is from frame to frame.

    Each frame's view is the inset found in it and, when the inset found most
    often so far (in at least STEADY_FRAMES frames) is elsewhere or nothing is
    found, that one too: a frame where one seam is blurred or hidden still gets
    the right view, and a one-off false box never spreads to other frames.
    """

    STEADY_FRAMES = 2

    def __init__(self) -> None:
        self.counts: Counter[Box] = Counter()

    def boxes(self, luma: np.ndarray) -> list[Box]:
        found = find_inset(luma)
        if found is not None:
            self.counts[found] += 1
        steady = [box for box, seen in self.counts.most_common(1) if seen >= self.STEADY_FRAMES]
        return list(dict.fromkeys([box for box in (found, *steady) if box is not None]))


class FrameViews:
    """The extra views of each frame of one video, hashed: centre crops (`crops`) and steadied insets (`inset`)."""

    def __init__(self, crops: Sequence[float] = (), inset: bool = False) -> None:
        self.crops = tuple(crops)
        self.tracker = InsetTracker() if inset else None

    def hashes(self, luma: np.ndarray) -> tuple[tuple[str, ...], int | None]:
        """PDQ of this frame's views, and the best quality of its insets (None without one)."""
        from saferkit.hashing.vpdq import frame_pdq

        views = [frame_pdq(crop)[0] for crop in centre_crops(luma, self.crops)] if self.crops else []
        inset_quality = None
        for top, bottom, left, right in self.tracker.boxes(luma) if self.tracker else []:
            digest, quality = frame_pdq(luma[top:bottom, left:right])
            views.append(digest)
            inset_quality = max(quality, inset_quality or 0)
        return tuple(views), inset_quality
