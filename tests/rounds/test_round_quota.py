"""Quotas hold under concurrent submits from one team: a burst on loopback never spends more than the limit."""

from __future__ import annotations

import datetime as dt
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx

from saferkit.core.keys import generate_keypair
from saferkit.rounds.host import RoundHost, zip_submission
from saferkit.rounds.server import EmbeddedRoundHub

BURST = 8  # bounded: eight uploads at once, two of them the same bytes


def test_concurrent_submits_never_exceed_the_day_limit(tmp_path, rk):
    host = RoundHost.create(rk.round_yaml(tmp_path / "organiser", name="quota", per_day=2, total=3, n=20), tmp_path / "host",
                            clock=lambda: dt.date(2027, 1, 12), workers=1)
    blobs = [zip_submission(rk.write_submission(tmp_path / f"s{i}", rk.WEIGHTS["blue"], name=f"s{i}", version=f"1.0.{i}"))
             for i in range(BURST - 1)]
    blobs.append(blobs[0])  # the same bytes twice in the burst: one row, never two
    with EmbeddedRoundHub(str(tmp_path / "hub.db"), [(host, "organiser-key-for-the-quota-test")]) as hub:
        _, public = generate_keypair(tmp_path / "team.key")
        key = {"X-API-Key": hub.catalogue.add_publisher("team-q", public.read_bytes())}
        url = f"{hub.url}/api/v1/rounds/quota/submissions"
        with httpx.Client(timeout=120) as client, ThreadPoolExecutor(BURST) as pool:
            answers = list(pool.map(lambda blob: client.post(url, content=blob, headers=key), blobs))
        codes = sorted(a.status_code for a in answers)
        assert codes.count(202) == 2 and all(code in (200, 202, 429) for code in codes), [a.text for a in answers]
        assert all(a.json()["left_today"] == 0 for a in answers if a.status_code == 429)
        status = httpx.get(url, headers=key).json()
    with sqlite3.connect(tmp_path / "host" / "intake.sqlite") as db:
        counted = db.execute("SELECT COUNT(*), COUNT(DISTINCT slot), MAX(day_slot) FROM submissions WHERE team='team-q'").fetchone()
    assert counted == (2, 2, 2)
    assert status["left"]["development"] == {"left_today": 0, "left_total": 1} and len(status["submissions"]) == 2
