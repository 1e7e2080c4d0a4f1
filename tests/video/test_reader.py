"""The one video reader: containers, sampling, limits, and a clear error kind for every bad input."""

from __future__ import annotations

import io

import pytest

from saferkit.core.video import Sampling, VideoError, VideoLimits, read_frames
from saferkit.datasets.video import CONTAINERS


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_every_container_decodes_at_one_frame_a_second(clip_files, container):
    info, frames = read_frames(clip_files[container], Sampling(scene_threshold=None))
    assert (info.width, info.height) == (192, 144)
    assert info.fps == pytest.approx(15)
    assert info.duration == pytest.approx(6, abs=0.2)
    assert [f.number for f in frames] == [0, 15, 30, 45, 60, 75]
    assert [round(f.timestamp, 3) for f in frames] == [0, 1, 2, 3, 4, 5]
    assert frames[0].keyframe and frames[0].pixels.shape == (144, 192, 3)
    assert not info.partial


def test_scene_changes_add_frames_at_cuts(specs, clip_files):
    cut_clips = [(k, s) for k, s in enumerate(specs) if s.cuts]
    assert cut_clips, "the fixture should hold a clip with a cut"
    k, spec = cut_clips[0]
    _, frames = read_frames(clip_files[f"clip{k}"])
    extra = [f.timestamp for f in frames if f.scene_change]
    cut = float(spec.cuts.split(";")[0])
    assert any(abs(t - cut) < 0.15 for t in extra), (extra, spec.cuts)


def test_keyframes_only(clip_files):
    _, frames = read_frames(clip_files["mp4"], Sampling(keyframes_only=True, scene_threshold=None))
    assert frames and all(f.keyframe for f in frames)


def test_zero_length_is_empty(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(VideoError) as caught:
        read_frames(path)
    assert caught.value.kind == "empty"


def test_garbage_is_corrupt():
    with pytest.raises(VideoError) as caught:
        read_frames(b"\x00\x01not a video at all" * 100)
    assert caught.value.kind == "corrupt"


def test_audio_only_is_no_video():
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        for k in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, k * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(VideoError) as caught:
        read_frames(buffer.getvalue())
    assert caught.value.kind == "no-video"
    assert "audio only" in str(caught.value)


def test_truncated_stream_keeps_what_decodes_and_says_partial(clip_files):
    data = clip_files["mkv"].read_bytes()  # Matroska declares its duration up front; MPEG-TS cannot tell
    info, frames = read_frames(data[: len(data) // 2], Sampling(scene_threshold=None))
    assert 1 <= len(frames) < 6
    assert info.partial and info.partial_reason


def test_truncated_mp4_without_index_is_corrupt(clip_files):
    data = clip_files["mp4"].read_bytes()
    with pytest.raises(VideoError) as caught:
        read_frames(data[: len(data) // 3])
    assert caught.value.kind == "corrupt"


def test_huge_inputs_are_refused_before_decoding(clip_files):
    with pytest.raises(VideoError) as caught:
        read_frames(clip_files["mp4"], limits=VideoLimits(max_bytes=1000))
    assert caught.value.kind == "too-large"
    with pytest.raises(VideoError) as caught:
        read_frames(clip_files["mp4"], limits=VideoLimits(max_seconds=2))
    assert caught.value.kind == "too-large" and "lasts" in str(caught.value)
    with pytest.raises(VideoError) as caught:
        read_frames(clip_files["mp4"], limits=VideoLimits(max_frame_pixels=100 * 100))
    assert caught.value.kind == "too-large"


def test_frame_limit_stops_and_says_partial(clip_files):
    info, frames = read_frames(clip_files["mp4"], Sampling(scene_threshold=None), VideoLimits(max_frames=2))
    assert len(frames) == 2 and info.partial and "2 sampled frames" in info.partial_reason


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(VideoError) as caught:
        read_frames(tmp_path / "nope.mp4")
    assert caught.value.kind == "unreadable"


def test_damage_mid_stream_is_skipped_and_said(clip_files):
    import numpy as np

    data = bytearray(clip_files["mkv"].read_bytes())
    rng = np.random.default_rng(0)
    for position in rng.integers(len(data) // 3, 2 * len(data) // 3, 200):
        data[position] = int(rng.integers(256))
    info, frames = read_frames(bytes(data), Sampling(scene_threshold=None))
    assert len(frames) >= 4 and frames[-1].timestamp >= 4.5  # frames after the damage (2-4 s) are decoded too
    assert info.partial and "damaged packet" in info.partial_reason


def test_time_limit_stops_and_says_partial(clip_files):
    info, frames = read_frames(clip_files["mp4"], Sampling(scene_threshold=None), VideoLimits(max_decode_seconds=0))
    assert len(frames) == 1 and info.partial and "s of decoding" in info.partial_reason
