"""A listed clip is matched after each benchmark edit at severity 1-2; a different clip is not.

Hashing as `vpdq+borders+mirror` (borders cropped, mirrored frames matched),
at the default limits. Where frame-by-frame PDQ is known to fail (the
benchmark's table in docs/hashing.md, ## Video), the case is a strict xfail:
it documents the weakness and fails loudly if a change fixes it.
"""

from __future__ import annotations

import pytest

from saferkit.hashing.video_match import ListedVideo, VideoMatcher
from saferkit.hashing.video_transforms import VIDEO_TRANSFORMS, apply_video_transform, decode_clip
from saferkit.hashing.vpdq import hash_video

KNOWN_MISSES = {  # (transform, severity): why frame-by-frame PDQ misses it
    ("crop", 1): "PDQ moves past 31 bits when 5% is cropped from each side of these detailed scenes",
    ("crop", 2): "PDQ moves past 31 bits when 10% is cropped from each side",
    ("picture_in_picture", 1): "the inset is hashed with its surround; no frame stays within 31 bits",
    ("picture_in_picture", 2): "the inset is hashed with its surround; no frame stays within 31 bits",
}
LOWER_LIMIT = ("speed", "overlay_text")
TARGET = 3  # the fixture clip whose frames are all over PDQ quality 50 (clutter, normal light)
CASES = [pytest.param(name, severity, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(name, severity)]))
         if (name, severity) in KNOWN_MISSES else (name, severity)
         for name in VIDEO_TRANSFORMS for severity in (1, 2)]


@pytest.fixture(scope="module")
def matcher(clips):
    return VideoMatcher([ListedVideo(f"clip{k}", hash_video(data, crop_borders=True).features, list_name="list")
                         for k, data in enumerate(clips)])


@pytest.fixture(scope="module")
def background(clips):
    return decode_clip(clips[0]).frames[0]


@pytest.mark.parametrize(("name", "severity"), CASES)
def test_listed_clip_matched_after_edit(matcher, clips, background, name, severity):
    edited = apply_video_transform(clips[TARGET], name, severity, seed=0, background=background)
    query = hash_video(edited, crop_borders=True, mirror=True).features
    # A speed change moves every sampled frame between the listed 1 frame/s samples, and a text band over
    # 14% of the frame moves half of them past 31 bits: 0.33-0.5 of the frames still match, under the
    # default limit of 0.6, so these two are matched at 0.25 (docs/hashing.md, ## Video).
    limits = {"query_share": 0.25} if name in LOWER_LIMIT else {}
    found = matcher.match(query, mirror=True, **limits)
    assert [m.id for m in found] == [f"clip{TARGET}"], [(m.id, m.query_share) for m in found]
    assert found[0].segments


def test_different_clip_not_matched(matcher, clips):
    for k in (1, 2):  # clip 0 is dark: most of its frames are under quality 50 and never match
        query = hash_video(apply_video_transform(clips[k], "reencode", 2), crop_borders=True, mirror=True).features
        found = matcher.match(query, mirror=True, query_share=0.25, keep_all=True)
        assert f"clip{TARGET}" not in [m.id for m in found]
        assert [m.id for m in found if m.query_share >= 0.25] == [f"clip{k}"]
