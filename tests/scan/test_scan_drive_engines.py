"""The synthetic drive with a model, on both engines: frames scored, the file row keeps the best, rows identical.

Ray start-up is slow (about 10 s here), so this is one small drive scanned
once per engine; marked slow.
"""

from __future__ import annotations

import pytest
from scan_helpers import scan

from saferkit.datasets.drive import build_drive
from saferkit.serving.scan import store


@pytest.mark.slow
def test_local_and_ray_engines_give_identical_rows_on_the_drive(tmp_path, toy_submission):
    pytest.importorskip("ray.data")
    build_drive(tmp_path / "synth", size=64)
    folder, hashlist = tmp_path / "synth" / "drive", tmp_path / "synth" / "known.csv"
    options = dict(models=[toy_submission()], hashlists=[hashlist], workers=2, shard_size=12, batch_size=3)
    local = scan(tmp_path / "local", folder, engine="local", **options)
    ray = scan(tmp_path / "ray", folder, engine="ray", **options)
    local_rows, ray_rows = store.read_rows(tmp_path / "local"), store.read_rows(tmp_path / "ray")
    assert local_rows.num_rows == ray_rows.num_rows > local["files_planned"]
    for left, right in zip(local_rows.to_pylist(), ray_rows.to_pylist()):
        assert left == right
    assert local["hash_hits"] == ray["hash_hits"] and local["errors"] == ray["errors"]

    rows = local_rows.to_pylist()
    gif = next(row for row in rows if row["path"].endswith("loop.gif"))
    frames = [row for row in rows if row["parent"] == gif["path"] and row["frame"] is not None]
    assert [row["frame"] for row in frames] == list(range(7))
    scored = [row["scores"][0]["score"] for row in frames if row["scores"]]
    assert scored and gif["scores"] and gif["scores"][0]["score"] == max([*scored, gif["scores"][0]["score"]])
    assert {m["id"] for m in gif["matches"]} == {"S007"}  # frame 3's match, carried by the file row
