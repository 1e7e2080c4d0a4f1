"""Frame triage: a video's score is its best frame's, with that moment and the top-k moments."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from toy_submissions import write_toy_submission  # noqa: E402


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    from saferkit.evaluation.runner import OnnxTriageModel
    from saferkit.evaluation.submission import load_submission

    return OnnxTriageModel(load_submission(write_toy_submission(tmp_path_factory.mktemp("toy"))))


def _positive(specs, **changes):
    """A one-shot clip whose red marker (the toy model scores redness) shows from 2 s to 4 s."""
    base = dict(flag=1, category="star", palette="b", lighting="normal", background="plain", scale="large",
                occlusion="none", cuts="", shots=1, marker_start=2.0, marker_end=4.0, marker_colour="red")
    base.update(changes)
    return dataclasses.replace(specs[0], **base)


def test_triage_returns_the_marker_segment(specs, runner):
    from saferkit.datasets.video import clip_bytes
    from saferkit.serving.video import video_row

    row = video_row(clip_bytes(_positive(specs)), runner=runner, threshold=0.5)
    assert row["error"] is None
    assert 2.0 <= row["best_timestamp"] < 4.0
    assert all(2.0 <= moment["timestamp"] < 4.0 for moment in row["top_timestamps"][:2])
    scores = [moment["score"] for moment in row["top_timestamps"]]
    assert scores == sorted(scores, reverse=True) and row["video_score"] == scores[0]
    assert row["frames_scored"] >= 6 and row["vpdq_frames"] == 6


def test_flagged_segment_covers_the_marker(specs, runner):
    from saferkit.datasets.video import clip_bytes
    from saferkit.serving.video import analyse_video, flagged_segments

    _, triage = analyse_video(clip_bytes(_positive(specs)), runner=runner, interval=0.5)
    scores = [f["score"] for f in triage["frame_scores"]]
    threshold = (max(scores) + min(scores)) / 2
    segments = flagged_segments(triage["frame_scores"], threshold)
    assert len(segments) == 1
    assert 2.0 <= segments[0]["start"] <= 2.5 and 3.0 <= segments[0]["end"] < 4.0


def test_negative_has_no_red_moment(specs, runner):
    from saferkit.datasets.video import clip_bytes
    from saferkit.serving.video import video_row

    positive = video_row(clip_bytes(_positive(specs)), runner=runner)
    negative = video_row(clip_bytes(_positive(specs, flag=0, category="none", marker_colour="palette")), runner=runner)
    assert negative["video_score"] < positive["video_score"]


def test_bad_video_is_a_row_with_its_kind(runner):
    from saferkit.serving.video import video_row

    assert video_row(b"", runner=runner)["error_kind"] == "zero_byte"
    row = video_row(b"\x00junk" * 50, runner=runner)
    assert row["error_kind"] == "corrupt" and row["error"]


def test_previews_of_the_best_frames_only_are_small_grey_and_blurred(specs, runner):
    import base64
    import io

    import numpy as np
    from PIL import Image

    from saferkit.datasets.video import clip_bytes
    from saferkit.serving.video import frame_previews, video_row

    data = clip_bytes(_positive(specs))
    row = video_row(data, runner=runner)
    best = [moment["timestamp"] for moment in row["top_timestamps"][:2]]
    previews = frame_previews(data, best)
    assert sorted(previews) == sorted(best)
    for uri in previews.values():
        image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        assert image.mode == "L" and max(image.size) <= 64
        pixels = np.asarray(image, dtype=float)
        assert np.abs(np.diff(pixels, axis=1)).max() < 40  # blurred: the marker edge (110 levels unblurred) is gone


def test_scan_models_score_from_one_decode(specs, runner):
    from saferkit.datasets.video import clip_bytes
    from saferkit.serving.video import video_row

    data = clip_bytes(_positive(specs))
    single = video_row(data, runner=runner)
    row = video_row(data, models=[("toy@1", runner, 0.0), ("toy@2", runner, 1.1)])
    assert [s["model"] for s in row["scores"]] == ["toy@1", "toy@2"]
    assert row["scores"][0]["score"] == single["video_score"] and row["scores"][0]["flagged"] is True
    assert row["scores"][1]["flagged"] is False and row["scores"][1]["flagged_segments"] == []
    assert row["scores"][0]["best_timestamp"] == single["best_timestamp"]


def test_frames_are_scored_a_batch_at_a_time(runner):
    import numpy as np

    from saferkit.serving.video import FrameScorer

    scorer = FrameScorer(runner, batch_size=2)
    for k in range(5):
        scorer.add(float(k), np.full((16, 16, 3), (40 * k, 0, 0), dtype=np.uint8))
        assert len(scorer._pending) < 2  # never more than one batch of frames held
    assert len(scorer.scores) == 4
    result = scorer.result(top_k=2)
    assert result["frames_scored"] == 5 and [m["timestamp"] for m in result["top"]] == [4.0, 3.0]  # reddest last
