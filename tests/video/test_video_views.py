"""Extra views of a frame: centre crops (listed side) and the picture-in-picture inset (query side)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from saferkit.hashing.errors import HashingError
from saferkit.hashing.video_transforms import Clip, decode_clip, transform_clip
from saferkit.hashing.video_views import LISTED_CROPS, centre_crop, centre_crops, find_inset
from saferkit.hashing.vpdq import frame_luma, hash_video


@pytest.fixture(scope="module")
def frames(clips):
    return [decode_clip(data).frames for data in clips]


def _inset_box(width: int, height: int, share: float, seed: int) -> tuple[int, int, int, int]:
    """Where `video_transforms` puts the inset (its rule, restated)."""
    w, h = int(round(width * share / 2)) * 2, int(round(height * share / 2)) * 2
    x = (width - w) // 2 if seed % 2 else width - w - 4
    y = (height - h) // 2 if seed % 2 else height - h - 4
    return y, y + h, x, x + w


@pytest.mark.parametrize(("severity", "share"), [(1, 0.85), (2, 0.75), (4, 0.5)])
@pytest.mark.parametrize("seed", [0, 1])
def test_inset_found_where_it_was_put(frames, severity, share, seed):
    frame, background = frames[3][20], frames[0][0]
    edited, _ = transform_clip(Clip([frame], 15.0), "picture_in_picture", severity, seed, background)
    height, width = frame.shape[:2]
    assert find_inset(frame_luma(edited.frames[0])) == _inset_box(width, height, share, seed)


def test_inset_found_on_a_720p_frame(frames):
    # frames this size are block-averaged (by 4) before seams are sought; the box is back in full-size pixels
    frame = np.asarray(Image.fromarray(frames[2][10]).resize((1280, 720), Image.Resampling.BILINEAR))
    background = np.asarray(Image.fromarray(frames[1][0]).resize((1280, 720), Image.Resampling.BILINEAR))
    edited, _ = transform_clip(Clip([frame], 15.0), "picture_in_picture", 2, 1, background)
    found = find_inset(frame_luma(edited.frames[0]))
    assert found is not None
    assert np.abs(np.subtract(found, _inset_box(1280, 720, 0.75, 1))).max() <= 4


def test_no_inset_in_plain_or_padded_frames(frames):
    for clip in frames:
        for frame in clip[::5]:
            assert find_inset(frame_luma(frame)) is None
            letterboxed = np.pad(frame, ((14, 14), (0, 0), (0, 0)))  # two seams only: borders, not an inset
            assert find_inset(frame_luma(letterboxed)) is None


def test_centre_crops_keep_the_centre():
    luma = np.arange(200 * 100, dtype=np.float64).reshape(100, 200)
    assert [c.shape for c in centre_crops(luma)] == [(95, 190), (90, 180), (85, 170)]
    assert centre_crop(luma, 0.9)[0, 0] == luma[5, 10]


def test_views_leave_the_frame_hash_alone(clips):
    plain = hash_video(clips[3]).features
    viewed = hash_video(clips[3], crop_views=LISTED_CROPS, inset=True).features
    assert [(f.frame_number, f.quality, f.hash) for f in plain] == [(f.frame_number, f.quality, f.hash) for f in viewed]
    assert all(len(f.views) == len(LISTED_CROPS) for f in viewed)  # no inset in a plain clip
    with pytest.raises(HashingError, match="crop views"):
        hash_video(clips[3], crop_views=(1.2,))


def test_tracker_carries_a_steady_inset_but_not_a_one_off(frames):
    from saferkit.hashing.video_views import InsetTracker

    inset_frames, _ = transform_clip(Clip(frames[3][:3], 15.0), "picture_in_picture", 2, 0, frames[0][0])
    lumas = [frame_luma(f) for f in inset_frames.frames]
    box = _inset_box(192, 144, 0.75, 0)
    plain = frame_luma(frames[2][0])
    once = InsetTracker()
    assert once.boxes(lumas[0]) == [box]
    assert once.boxes(plain) == []  # seen once: may be a false box, not carried
    steady = InsetTracker()
    assert [steady.boxes(luma) for luma in lumas[:2]] == [[box], [box]]
    assert steady.boxes(plain) == [box]  # seen twice: the frame whose seams are lost still gets the view


def test_inset_quality_decides_whether_a_query_frame_counts():
    from saferkit.hashing.video_match import prepare
    from saferkit.hashing.vpdq import VpdqFeature

    dark_inset = VpdqFeature(0, 100, "0" * 64, 0.0, views=("f" * 64,), inset_quality=20)
    plain = VpdqFeature(15, 100, "1" * 64, 1.0)
    assert [f.frame_number for f in prepare([dark_inset, plain])] == [15]
