"""Video hashes on lists: CSV/JSONL frame tables (inline or by reference), vPDQ text, VICS video entries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from saferkit.hashing.errors import HashingError
from saferkit.hashing.hashlist import read_hashlist
from saferkit.hashing.matcher import HashMatcher
from saferkit.hashing.video_lists import (
    read_video_list,
    vics_video_entry,
    write_video_hashlist,
    write_vics_videos,
    write_vpdq_file,
)
from saferkit.hashing.video_match import ListedVideo, VideoMatcher
from saferkit.hashing.vpdq import hash_video


@pytest.fixture(scope="module")
def listed(clips):
    return [ListedVideo(f"video-{k}", hash_video(data).features, category="1", source="test") for k, data in enumerate(clips[:2])]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_frame_tables_round_trip(tmp_path, listed, suffix):
    path = tmp_path / f"videos{suffix}"
    assert write_video_hashlist(listed, path) == sum(len(v.features) for v in listed)
    back = read_video_list(path)
    assert [v.id for v in back] == ["video-0", "video-1"]
    for before, after in zip(listed, back):
        assert [(f.frame_number, f.quality, f.hash, round(f.timestamp, 3)) for f in before.features] == \
            [(f.frame_number, f.quality, f.hash, f.timestamp) for f in after.features]
        assert after.category == "1"
    assert {r.hash_type for r in read_hashlist(path)} == {"vpdq"}  # ordinary readers accept the rows
    assert HashMatcher([path]).lists[0].skipped == 0


def test_frames_file_reference_and_escape_refused(tmp_path, listed):
    write_vpdq_file(listed[0].features, tmp_path / "v0.vpdq")
    first = listed[0].features[0].hash
    (tmp_path / "refs.jsonl").write_text(json.dumps({"hash_type": "vpdq", "hash": first, "id": "v0", "frames_file": "v0.vpdq"}) + "\n")
    [video] = read_video_list(tmp_path / "refs.jsonl")
    assert [f.hash for f in video.features] == [f.hash for f in listed[0].features]
    (tmp_path / "bad.jsonl").write_text(json.dumps({"hash_type": "vpdq", "hash": first, "id": "v0", "frames_file": "../x.vpdq"}) + "\n")
    with pytest.raises(HashingError, match="outside"):
        read_video_list(tmp_path / "bad.jsonl")


def test_vpdq_text_file_is_one_video(tmp_path, listed):
    path = write_vpdq_file(listed[1].features, tmp_path / "clip.vpdq")
    [video] = read_video_list(path)
    assert video.id == "clip.vpdq" and len(video.features) == len(listed[1].features)
    assert VideoMatcher([video]).match(listed[1].features)[0].id == "clip.vpdq"


def test_vics_video_entries_carry_digests_and_frames(tmp_path, clips, listed):
    data = clips[0]
    entry = vics_video_entry(7, listed[0].features, md5=hashlib.md5(data).hexdigest(), sha1=hashlib.sha1(data).hexdigest(),
                             size=len(data), category=1)
    path = tmp_path / "vics.json"
    write_vics_videos([entry], path)
    document = json.loads(path.read_text())
    assert document["value"][0]["MediaType"] == "Video"
    records = list(read_hashlist(path))  # the ordinary VICS reader: exact digests of the file
    assert {(r.hash_type, r.hash) for r in records} == {("md5", hashlib.md5(data).hexdigest()), ("sha1", hashlib.sha1(data).hexdigest())}
    [video] = read_video_list(path)
    assert video.id == "7" and [f.hash for f in video.features] == [f.hash for f in listed[0].features]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_frame_tables_carry_views(tmp_path, clips, suffix):
    from saferkit.hashing.video_views import LISTED_CROPS

    listed = [ListedVideo("video-3", hash_video(clips[3], crop_views=LISTED_CROPS).features)]
    path = tmp_path / f"views{suffix}"
    write_video_hashlist(listed, path)
    back = read_video_list(path)[0]
    assert [f.views for f in back.features] == [f.views for f in listed[0].features]
    assert all(len(f.views) == len(LISTED_CROPS) for f in back.features)
    assert HashMatcher([path]).lists[0].skipped == 0  # ordinary readers still take the rows


def test_bad_views_cell_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("hash_type,hash,id,frame,quality,timestamp,views\nvpdq," + "a" * 64 + ",v,0,90,0.0,xyz\n")
    with pytest.raises(HashingError, match="views of video 'v'"):
        read_video_list(path)


def test_vics_entries_carry_crop_views(tmp_path, clips):
    from saferkit.hashing.video_views import LISTED_CROPS

    features = hash_video(clips[3], crop_views=LISTED_CROPS).features
    data = clips[3]
    entry = vics_video_entry("clip3", features, md5=hashlib.md5(data).hexdigest(), sha1=hashlib.sha1(data).hexdigest(),
                             size=len(data))
    write_vics_videos([entry], tmp_path / "views.json")
    [video] = read_video_list(tmp_path / "views.json")
    assert [f.views for f in video.features] == [f.views for f in features]
    plain = vics_video_entry("clip3", [replace(f, views=()) for f in features], md5="0" * 32, sha1="0" * 40, size=1)
    assert "VPDQViews" not in plain  # a video listed without views stays the plain entry other readers know


@pytest.mark.parametrize("line, words", [("0,xyz", "not `frame,view view ...`"), ("notanumber," + "a" * 64, "not `frame,view"),
                                         ("999," + "a" * 64, "names frame 999")])
def test_bad_vics_views_are_named(tmp_path, clips, line, words):
    features = hash_video(clips[3]).features
    entry = vics_video_entry(5, features, md5="0" * 32, sha1="0" * 40, size=1)
    entry["VPDQViews"] = [line]
    write_vics_videos([entry], tmp_path / "bad.json")
    with pytest.raises(HashingError, match="media 5") as caught:
        read_video_list(tmp_path / "bad.json")
    assert words in str(caught.value)
