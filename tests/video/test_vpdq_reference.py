"""vPDQ against Meta's reference `vpdq` package (skipped where it is not installed; see docs/hashing.md, ## Video)."""

from __future__ import annotations

import pytest

from saferkit.hashing.codes import hamming, hex_to_words
from saferkit.hashing.video_match import ListedVideo, VideoMatcher
from saferkit.hashing.vpdq import VpdqFeature, hash_video

PDQ_TOLERANCE = 8  # bits: far under the match threshold of 31; measured 0-2 (docs/hashing.md)


def _distance(a: str, b: str) -> int:
    return int(hamming(hex_to_words([a], 4), hex_to_words([b], 4))[0])


vpdq = pytest.importorskip("vpdq", reason="the reference vpdq package is not installed (see docs/hashing.md, ## Video)")


@pytest.mark.parametrize("name", ["clip0", "clip1", "clip2", "clip3", "webm", "avi", "mkv"])
def test_frame_hashes_agree_with_the_reference(clip_files, name):
    reference = vpdq.computeHash(str(clip_files[name]))
    ours = hash_video(clip_files[name]).features
    assert [f.frame_number for f in reference] == [f.frame_number for f in ours]
    assert [round(f.timestamp, 3) for f in reference] == [round(f.timestamp, 3) for f in ours]
    distances = [_distance(r.hex, o.hash) for r, o in zip(reference, ours)]
    assert max(distances) <= PDQ_TOLERANCE, distances
    assert max(abs(r.quality - o.quality) for r, o in zip(reference, ours)) <= 5


def test_match_verdicts_agree_with_the_reference(clip_files):
    names = ["clip0", "clip1", "clip2", "clip3"]
    reference = {n: [VpdqFeature(f.frame_number, f.quality, f.hex, f.timestamp) for f in vpdq.computeHash(str(clip_files[n]))]
                 for n in names}
    ours = {n: hash_video(clip_files[n]).features for n in names}
    matcher = VideoMatcher([ListedVideo(n, reference[n]) for n in names])
    for name in names:
        assert [m.id for m in matcher.match(ours[name])] == [name]


def test_listing_with_crop_views_keeps_the_reference_vpdq(clip_files):
    """A list built with extra views carries the same vPDQ (text form and frame hashes) as the reference's."""
    from saferkit.hashing.video_views import LISTED_CROPS
    from saferkit.hashing.vpdq import to_text

    for name in ("clip2", "clip3"):
        reference = vpdq.computeHash(str(clip_files[name]))
        listed = hash_video(clip_files[name], crop_views=LISTED_CROPS).features
        assert all(len(f.views) == len(LISTED_CROPS) for f in listed)
        assert to_text(listed) == to_text(hash_video(clip_files[name]).features)
        assert [f.frame_number for f in reference] == [f.frame_number for f in listed]
        assert max(_distance(r.hex, o.hash) for r, o in zip(reference, listed)) <= PDQ_TOLERANCE
