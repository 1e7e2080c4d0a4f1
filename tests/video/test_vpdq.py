"""vPDQ: against Meta's reference `vpdq` package where it is installed, and self-consistency always."""

from __future__ import annotations

import pytest

from saferkit.hashing.codes import hamming, hex_to_words
from saferkit.hashing.video_match import ListedVideo, VideoMatcher
from saferkit.hashing.vpdq import VpdqFeature, hash_video, merge_runs, parse_text, to_text




def _distance(a: str, b: str) -> int:
    return int(hamming(hex_to_words([a], 4), hex_to_words([b], 4))[0])


def test_same_frames_and_hashes_from_bytes_and_path(clip_files):
    from_path = hash_video(clip_files["clip0"]).features
    from_bytes = hash_video(clip_files["clip0"].read_bytes()).features
    assert [(f.frame_number, f.hash, f.quality) for f in from_path] == [(f.frame_number, f.hash, f.quality) for f in from_bytes]
    assert [f.timestamp for f in from_path] == [0, 1, 2, 3, 4, 5]


def test_text_form_round_trips_and_bad_lines_are_named(clip_files):
    from saferkit.hashing.errors import HashingError

    features = hash_video(clip_files["clip1"]).features
    text = to_text(features, header=True)
    assert text.splitlines()[1].startswith("0,")
    back = parse_text(text)
    assert [(f.frame_number, f.quality, f.hash, round(f.timestamp, 3)) for f in back] == \
        [(f.frame_number, f.quality, f.hash, round(f.timestamp, 3)) for f in features]
    with pytest.raises(HashingError, match="line 2"):
        parse_text("0,100," + "a" * 64 + ",0.000\n1,100,xyz,1.000\n")


def test_merge_runs_keeps_first_frame_and_run_end():
    h1, h2 = "0" * 64, "f" * 64
    merged = merge_runs([VpdqFeature(0, 90, h1, 0.0), VpdqFeature(15, 90, h1, 1.0), VpdqFeature(30, 90, h2, 2.0)])
    assert [(f.frame_number, f.timestamp, f.end) for f in merged] == [(0, 0.0, 1.0), (30, 2.0, 2.0)]


def test_matches_itself_and_not_another_clip(clip_files):
    listed = [ListedVideo(f"clip{k}", hash_video(clip_files[f"clip{k}"]).features) for k in range(4)]
    matcher = VideoMatcher(listed)
    found = matcher.match(listed[2].features)
    assert [m.id for m in found] == ["clip2"]
    assert found[0].query_share == 1.0 and found[0].listed_share == 1.0
    assert found[0].segments[0]["query_start"] == 0.0


def test_near_identical_frames_merge_and_distant_ones_do_not():
    base = "0" * 64
    near = "0" * 62 + "ff"  # 8 bits away
    far = "0" * 60 + "ffff"  # 16 bits away
    merged = merge_runs([VpdqFeature(0, 90, base, 0.0), VpdqFeature(15, 90, near, 1.0), VpdqFeature(30, 90, far, 2.0)])
    assert [(f.frame_number, f.end) for f in merged] == [(0, 1.0), (30, 2.0)]
