"""Round workers on a local Ray: the same worker loop as the local processes evaluates the queue, each job once."""

from __future__ import annotations

import datetime as dt

import pytest

from saferkit.rounds.host import DONE, RoundHost, zip_submission
from saferkit.rounds.ray_workers import run_workers_on_ray


@pytest.mark.slow
def test_ray_workers_evaluate_the_queue_once(tmp_path, rk, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    host = RoundHost.create(rk.round_yaml(tmp_path / "organiser", name="ray", n=20), tmp_path / "host",
                            clock=lambda: dt.date(2027, 1, 12), workers=1)
    for i, weights in enumerate(("blue", "green", "red")):
        host.submit("team-r", zip_submission(rk.write_submission(tmp_path / f"s{i}", rk.WEIGHTS[weights], name=f"s{i}")))
    assert run_workers_on_ray(tmp_path / "host", 2) == 3
    mine = host.submissions("team-r")
    assert [s["status"] for s in mine] == [DONE] * 3
    assert all((host.report_dir("development", s["sha256"]) / "report.json").is_file() for s in mine)
    assert run_workers_on_ray(tmp_path / "host", 2) == 0  # nothing queued: nothing evaluated twice
    assert len(host.board("development").rows) == 1  # one team: its best row
