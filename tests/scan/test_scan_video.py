"""Videos in the scan, on `saferkit data synth-video` clips (procedural scenes, no people).

One small folder is built and scanned once for the module: a listed clip
loose, inside a ZIP, re-encoded inside a TAR inside a ZIP, a different clip,
a positive whose red marker (the toy model scores redness) shows from 2 s to
4 s, and the bad videos a seized drive holds (empty, garbage, audio only,
truncated, too long).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from scan_helpers import scan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from toy_submissions import write_toy_submission  # noqa: E402

from saferkit.core import kinds  # noqa: E402
from saferkit.serving.scan import store  # noqa: E402

LISTED_ID = "V-listed"


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar_gz(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _reencode(data: bytes) -> bytes:
    """The listed clip re-encoded (H.264 at a lower quality, MKV): new bytes, same pictures."""
    from saferkit.hashing.video_transforms import decode_clip, encode_clip, transform_clip

    clip, _ = transform_clip(decode_clip(data), "reencode", 2)
    return encode_clip(clip)


def _audio_only() -> bytes:
    """One second of a tone in an MP4: a video container with no picture."""
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        samples = (np.sin(np.arange(16000) / 5.0) * 0.3).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def video_scan(tmp_path_factory) -> dict[str, Any]:
    from saferkit.datasets.video import VideoConfig, clip_bytes, plan_clips
    from saferkit.hashing.video_lists import write_video_hashlist
    from saferkit.hashing.video_match import ListedVideo
    from saferkit.hashing.vpdq import hash_video

    root = tmp_path_factory.mktemp("videos")
    specs = plan_clips(VideoConfig(n=2, seconds=5, fps=10, width=160, height=120, backgrounds=("texture", "clutter")))
    listed, other = (clip_bytes(spec) for spec in specs)
    positive_spec = dataclasses.replace(specs[0], flag=1, category="star", palette="b", lighting="normal", background="plain",
                                        scale="large", occlusion="none", cuts="", shots=1, marker_start=2.0,
                                        marker_end=4.0, marker_colour="red", seconds=6.0)
    positive = clip_bytes(positive_spec)
    negative = clip_bytes(dataclasses.replace(positive_spec, flag=0, category="none", marker_colour="palette"))
    from saferkit.datasets.video import CONTAINERS

    mkv = clip_bytes(dataclasses.replace(specs[1], container="mkv", codec=CONTAINERS["mkv"][2]))
    features = hash_video(listed).features
    hashlist = root / "videos.csv"
    write_video_hashlist([ListedVideo(LISTED_ID, features, category="listed-video")], hashlist)
    md5_list = root / "md5.csv"
    md5_list.write_text(f"hash_type,hash,id,category\nmd5,{hashlib.md5(listed).hexdigest()},{LISTED_ID}-file,listed-file\n")

    folder = root / "drive"
    (folder / "Videos").mkdir(parents=True)
    files = {
        "Videos/holiday.mp4": listed,
        "Videos/other.mp4": other,
        "Videos/positive.mp4": positive,
        "Videos/negative.mp4": negative,  # the same shot with a distractor instead of the marker
        "Videos/renamed.dat": listed,  # found by its signature, not its name
        "backup/clips.zip": _zip([("clips/holiday.mp4", listed), ("clips/other.mp4", other)]),
        "backup/nested.zip": _zip([("inner.tar.gz", _tar_gz([("reencoded.mkv", _reencode(listed))]))]),
        "bad/empty.mp4": b"",
        "bad/garbage.mp4": b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 20,
        "bad/audio_only.mp4": _audio_only(),
        "bad/truncated.mkv": mkv[: len(mkv) // 2],  # Matroska declares its duration up front: the cut shows
        "bad/truncated.mp4": other[: len(other) // 3],  # an MP4 whose index (at the end) is gone
        "src/app.ts": b"export const answer: number = 42;\n",  # TypeScript, not MPEG-TS
    }
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    # The toy model scores a frame's redness; a small marker lifts it a little, so its threshold sits just under that.
    submission = write_toy_submission(root / "toy", operating_point={"threshold": 0.098, "chosen_for": "this test's clips"})
    out = root / "out"
    summary = scan(out, folder, hashlists=[hashlist, md5_list], models=[submission], workers=0)
    rows = {row["path"].removeprefix(f"{folder}/"): row for row in store.read_rows(out).to_pylist()}
    return {"root": root, "folder": folder, "rows": rows, "summary": summary, "hashlist": hashlist,
            "md5_list": md5_list, "submission": submission, "out": out}


def _ids(row: dict[str, Any], hash_type: str) -> set[str]:
    return {match["id"] for match in row["matches"] if match["hash_type"] == hash_type}


def test_listed_video_is_found_loose_and_in_archives_by_md5_and_vpdq(video_scan):
    rows = video_scan["rows"]
    for path in ("Videos/holiday.mp4", "Videos/renamed.dat", "backup/clips.zip!/clips/holiday.mp4"):
        row = rows[path]
        assert row["status"] == store.STATUS_MATCHED, path
        assert _ids(row, "md5") == {f"{LISTED_ID}-file"} and _ids(row, "vpdq") == {LISTED_ID}, path
        assert row["media"] == "video" and row["codec"] == "h264" and row["duration"] == pytest.approx(5.0, abs=0.2)
    reencoded = rows["backup/nested.zip!/inner.tar.gz!/reencoded.mkv"]
    assert reencoded["depth"] == 2 and reencoded["parent"] == f"{video_scan['folder']}/backup/nested.zip!/inner.tar.gz"
    assert _ids(reencoded, "md5") == set() and _ids(reencoded, "vpdq") == {LISTED_ID}
    [segment] = reencoded["matched_segments"]
    assert segment["id"] == LISTED_ID and segment["query_share"] >= 0.6
    assert 0.0 <= segment["query_start"] <= segment["query_end"] <= 5.0 and segment["frames"] >= 2


def test_a_different_clip_is_not_matched(video_scan):
    for path in ("Videos/other.mp4", "backup/clips.zip!/clips/other.mp4"):
        row = video_scan["rows"][path]
        assert row["matches"] == [] and row["matched_segments"] is None, path
        assert row["vpdq"] and row["status"] == store.STATUS_SCORED


def test_every_video_row_has_its_vpdq_and_stream_facts(video_scan):
    from saferkit.hashing.vpdq import parse_text

    row = video_scan["rows"]["Videos/other.mp4"]
    frames = parse_text(row["vpdq"])
    assert len(frames) == 5 and [round(f.timestamp) for f in frames] == [0, 1, 2, 3, 4]
    assert (row["width"], row["height"], row["fps"], row["container"]) == (160, 120, 10.0, "mov,mp4,m4a,3gp,3g2,mj2")
    assert row["sha256"] and row["md5"] and row["type"] == "video/mp4"


def test_triage_gives_the_marker_segment(video_scan):
    row = video_scan["rows"]["Videos/positive.mp4"]
    [score] = row["scores"]
    assert score["model"] == "toy-red@1.0.0" and score["flagged"] is True
    assert 2.0 <= row["best_timestamp"] < 4.0
    assert [m["score"] for m in row["top_timestamps"]] == sorted((m["score"] for m in row["top_timestamps"]), reverse=True)
    assert row["top_timestamps"][0] == {"timestamp": row["best_timestamp"], "score": score["score"]}
    [segment] = row["flagged_segments"]
    assert segment["model"] == "toy-red@1.0.0" and 2.0 <= segment["start"] <= segment["end"] < 4.0
    negative = video_scan["rows"]["Videos/negative.mp4"]
    assert negative["scores"][0]["score"] < score["score"] and negative["flagged_segments"] is None


def test_bad_videos_are_rows_with_their_kind(video_scan):
    rows = video_scan["rows"]
    assert rows["bad/empty.mp4"]["error"] == kinds.ZERO_BYTE
    assert rows["bad/garbage.mp4"]["error"] == kinds.CORRUPT and rows["bad/garbage.mp4"]["media"] == "video"
    audio = rows["bad/audio_only.mp4"]
    assert audio["error"] == kinds.NOT_IMAGE and "audio only" in audio["error_detail"] and audio["md5"]
    truncated = rows["bad/truncated.mkv"]
    assert truncated["status"] == store.STATUS_SCORED and truncated["partial"] is True and truncated["partial_reason"]
    assert truncated["vpdq"] and truncated["scores"]
    assert rows["bad/truncated.mp4"]["error"] == kinds.CORRUPT
    assert rows["src/app.ts"]["media"] is None and rows["src/app.ts"]["error"] is None and rows["src/app.ts"]["md5"]
    assert video_scan["summary"]["complete"] is True
    assert video_scan["summary"]["videos_decoded"] == 9 and video_scan["summary"]["images_hashed"] == 0


def test_a_video_over_the_duration_limit_is_too_large(video_scan, tmp_path):
    out = tmp_path / "out"
    scan(out, video_scan["folder"] / "Videos", hashlists=[video_scan["md5_list"]], max_video_seconds=2.0, workers=0)
    rows = {Path(row["path"]).name: row for row in store.read_rows(out).to_pylist()}
    row = rows["holiday.mp4"]
    assert row["error"] == kinds.TOO_LARGE and row["md5"] and _ids(row, "md5") == {f"{LISTED_ID}-file"}
    assert row["vpdq"] is None


def test_worker_processes_give_the_same_video_rows(video_scan, tmp_path):
    out = tmp_path / "out"
    scan(out, video_scan["folder"], hashlists=[video_scan["hashlist"], video_scan["md5_list"]],
         models=[video_scan["submission"]], workers=2, shard_size=4, batch_size=2)
    again = {row["path"].removeprefix(f"{video_scan['folder']}/"): row for row in store.read_rows(out).to_pylist()}
    strip = ("shard", "atime", "noatime")
    assert {p: {k: v for k, v in r.items() if k not in strip} for p, r in again.items()} == \
        {p: {k: v for k, v in r.items() if k not in strip} for p, r in video_scan["rows"].items()}


def _video_section(html: str) -> str:
    return html[html.index('<h2 id="videos">'):html.index("<h2>3.")]


def test_report_shows_best_moments_and_matched_segments_without_previews_by_default(video_scan, tmp_path):
    from saferkit.serving.scan.report import write_report

    report = tmp_path / "report.html"
    triage = write_report(video_scan["out"], report)
    html = report.read_text()
    section = _video_section(html)
    assert "data:image" not in html and "show preview" not in html
    assert triage.videos_total == 9  # 4 listed copies, other x2, positive, negative, the truncated MKV
    assert all(v["matched"] for v in triage.videos[:4]) and not any(v["matched"] for v in triage.videos[4:])
    unmatched = [v["score"] for v in triage.videos[4:]]
    assert unmatched == sorted(unmatched, reverse=True)  # then by the model's best frame score
    positive = next(v for v in triage.videos if v["path"].endswith("positive.mp4"))
    row = section[section.index(positive["path"]):].split("</tr>")[0]
    assert f'<td class="moment">0:{positive["best_timestamp"]:04.1f}</td>' in row and "toy-red@1.0.0" in row
    reencoded = section[section.index("reencoded.mkv"):].split("</tr>")[0]
    assert f"= {LISTED_ID} 0:" in reencoded and "V-listed (vpdq)" in reencoded


def test_report_previews_are_the_best_frames_only_grey_blurred_and_hidden(video_scan, tmp_path):
    import base64

    from PIL import Image

    from saferkit.serving.scan.report import write_report

    report = tmp_path / "report.html"
    triage = write_report(video_scan["out"], report, previews=True)
    section = _video_section(report.read_text())
    positive = next(v for v in triage.videos if v["path"].endswith("positive.mp4"))
    assert [p["timestamp"] for p in positive["previews"]] == [m["timestamp"] for m in positive["top_timestamps"][:3]]
    for preview in positive["previews"]:
        image = Image.open(io.BytesIO(base64.b64decode(preview["preview"].split(",", 1)[1])))
        assert image.mode == "L" and max(image.size) <= 64
        assert f'data-src="{preview["preview"]}"' in section  # behind a click-to-reveal button, not an <img>
    assert "<img" not in section
    member = next(v for v in triage.videos if "!/" in v["path"])
    assert member["previews"] == [] and "inside a container" in member["no_preview"]
    ranked = next(r for r in triage.ranking if r["path"].endswith("positive.mp4"))
    assert ranked["preview"] is None and "best frames under Videos" in ranked["no_preview"]


def test_vics_export_carries_videos_as_a_list_the_kit_reads_back(video_scan, tmp_path):
    from saferkit.hashing.video_lists import read_video_list
    from saferkit.hashing.video_match import VideoMatcher
    from saferkit.hashing.vpdq import parse_text
    from saferkit.serving.scan.export import export_result

    out = tmp_path / "export.json"
    export_result(video_scan["out"], "vics", out, flat=True)
    videos = read_video_list(out)
    assert len(videos) == 9  # every decoded video (members included) with its frames; failed ones have none
    other = video_scan["rows"]["Videos/other.mp4"]
    found = VideoMatcher(videos).match(parse_text(other["vpdq"]))
    assert len(found) == 3  # itself, its copy in clips.zip, and the truncated MKV of the same clip
    assert sorted(m.query_share for m in found)[1:] == [1.0, 1.0]
