"""/v1/hash, /v1/match and /v1/models/NAME/triage accept a video; bad and oversized videos are a clear 4xx."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serving"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from serving_support import AUTH, build_app, image_bytes  # noqa: E402

from saferkit.serving.config import LimitsConfig  # noqa: E402


@pytest.fixture(scope="module")
def video_client(tmp_path_factory, clips):
    from fastapi.testclient import TestClient

    from saferkit.hashing import HashRecord
    from saferkit.hashing.video_lists import video_records, write_video_hashlist
    from saferkit.hashing.video_match import ListedVideo
    from saferkit.hashing.video_views import LISTED_CROPS
    from saferkit.hashing.vpdq import hash_video

    tmp = tmp_path_factory.mktemp("videoserver")
    listed = ListedVideo("listed-video", hash_video(clips[3], crop_views=LISTED_CROPS).features, category="1", source="test")
    records = list(video_records(listed.id, listed.features, category="1"))
    assert records
    path = tmp / "videos.jsonl"
    write_video_hashlist([listed], path)
    with open(path, "a", encoding="utf-8") as out:  # an exact digest of another clip on the same list
        import json

        record = HashRecord("md5", hashlib.md5(clips[2]).hexdigest(), "exact-video", "1", "test")
        out.write(json.dumps({"hash_type": record.hash_type, "hash": record.hash, "id": record.id, "category": "1"}) + "\n")
    app, _ = build_app(tmp, hashlists=[path], limits=LimitsConfig(max_body_bytes=600_000, rate_limit_per_s=0))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _post(client, url, data, name="clip.mp4"):
    return client.post(url, headers=AUTH, files=[("images", (name, data))])


def test_hash_returns_digests_and_vpdq(video_client, clips):
    response = _post(video_client, "/v1/hash", clips[0])
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    hashes = result["hashes"]
    assert result["media"] == "video" and hashes["md5"] == hashlib.md5(clips[0]).hexdigest()
    assert hashes["codec"] == "h264" and hashes["duration"] == pytest.approx(6) and hashes["vpdq_frames"] == 6
    assert all(len(frame["hash"]) == 64 for frame in hashes["vpdq"])


def test_match_finds_an_edited_listed_video_and_an_exact_one(video_client, clips):
    from saferkit.hashing.video_transforms import apply_video_transform

    edited = apply_video_transform(clips[3], "resize", 2)
    (result,) = _post(video_client, "/v1/match", edited).json()["results"]
    similar = [m for m in result["matches"] if m["hash_type"] == "vpdq"]
    assert [m["id"] for m in similar] == ["listed-video"] and similar[0]["segments"]
    (exact,) = _post(video_client, "/v1/match", clips[2]).json()["results"]
    assert [(m["id"], m["hash_type"]) for m in exact["matches"]] == [("exact-video", "md5")]
    (other,) = _post(video_client, "/v1/match", clips[1]).json()["results"]
    assert other["matches"] == []


@pytest.mark.parametrize("name", ["crop", "picture_in_picture"])
def test_match_finds_a_cropped_or_inset_copy(video_client, clips, name):
    from saferkit.hashing.video_transforms import apply_video_transform, decode_clip

    edited = apply_video_transform(clips[3], name, 2, 1, decode_clip(clips[0]).frames[0])
    (result,) = _post(video_client, "/v1/match", edited).json()["results"]
    assert [m["id"] for m in result["matches"] if m["hash_type"] == "vpdq"] == ["listed-video"]


def test_triage_gives_best_moment(video_client, specs):
    from saferkit.datasets.video import clip_bytes

    spec = dataclasses.replace(specs[0], flag=1, category="star", palette="b", lighting="normal", background="plain",
                               scale="large", occlusion="none", cuts="", shots=1, marker_start=2.0, marker_end=4.0,
                               marker_colour="red")
    response = _post(video_client, "/v1/models/toy-red/triage", clip_bytes(spec))
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert 2.0 <= result["best_timestamp"] < 4.0 and len(result["top_timestamps"]) == 5
    assert isinstance(result["flagged"], bool) and result["media"] == "video"


@pytest.mark.parametrize("url", ["/v1/hash", "/v1/match", "/v1/models/toy-red/triage"])
def test_bad_videos_are_clear_4xx(video_client, clips, url):
    truncated = _post(video_client, url, clips[0][: len(clips[0]) // 3])
    assert truncated.status_code == 422 and "upload 0" in truncated.json()["error"]
    assert _post(video_client, url, b"", "empty.mp4").status_code in (400, 422)
    mixed = video_client.post(url, headers=AUTH, files=[("images", ("a.mp4", clips[0])), ("images", ("b.jpg", image_bytes()))])
    assert mixed.status_code == 422 and "separate requests" in mixed.json()["error"]


def test_long_and_oversized_videos_are_413(video_client, specs):
    from saferkit.datasets.video import clip_bytes

    long_clip = clip_bytes(dataclasses.replace(specs[0], seconds=700.0, fps=1, width=32, height=32, cuts="", shots=1,
                                               marker_start=1.0, marker_end=2.0))
    response = _post(video_client, "/v1/hash", long_clip)
    assert response.status_code == 413 and "limit" in response.json()["error"]
    assert _post(video_client, "/v1/hash", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 700_000).status_code == 413
