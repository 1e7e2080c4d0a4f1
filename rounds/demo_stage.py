"""Demo stage: a two-team round on loopback, from round file to revealed final board.

The organiser writes a round, hosts it (development and hidden final data),
two teams submit the demo's baseline submission through the hub with their own
keys (team B's copy differs only in its manifest: a paired test cannot tell
the two apart, and the board says so), a worker evaluates, the development
board is public, the final board stays private until the organiser reveals it.
Call `run(ctx)` after the baseline stage (it needs `ctx.artifacts["submission_dir"]`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import yaml

DEMO_ITEMS = 300


class _Clock:
    """The round's today: the demo moves it from the development phase to the final phase."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def demo_round(today: dt.date, size: int) -> dict[str, Any]:
    return {
        "schema_version": 1, "name": "demo-round", "title": "saferkit demo round",
        "profile": {"name": "default", "version": "1"},
        "ranking": {"metric": "roc_auc", "rule": "paired-leader-group", "resamples": 200},
        "limits": {"per_day": 2, "total": 5},
        "baselines": [],
        "phases": {
            "development": {"opens": (today - dt.timedelta(days=1)).isoformat(), "closes": (today + dt.timedelta(days=6)).isoformat(),
                            "board": "public", "data": {"n": DEMO_ITEMS, "size": size, "seed": 7001,
                                                        "shares": {"device": {"hq": 0.5, "mid": 0.5, "low": 0.0}}}},
            "final": {"opens": (today + dt.timedelta(days=7)).isoformat(), "closes": (today + dt.timedelta(days=13)).isoformat(),
                      "board": "private", "shift": "camera conditions the development data does not contain",
                      "data": {"n": DEMO_ITEMS, "size": size, "seed": 9_876_543_210,
                               "held_out": {"shares": {"device": {"hq": 0.2, "mid": 0.2, "low": 0.6}}}}},
        },
    }


def _team_b_copy(submission: Path, folder: Path) -> Path:
    """Team B: the same model under another name and version (different bytes, same scores)."""
    from saferkit.rounds.host import zip_submission

    import io
    import zipfile

    source = folder / "team-b-src"
    source.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(zip_submission(submission))) as archive:
        (source / "model.onnx").write_bytes(archive.read("model.onnx"))
        manifest = yaml.safe_load(archive.read("submission.yaml"))
    manifest["name"], manifest["version"] = f"{manifest['name']}-b", "0.2.0"
    manifest["team"] = {**manifest["team"], "name": "team B"}
    (source / "submission.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return source


def run(ctx) -> None:
    from saferkit.rounds.server import EmbeddedRoundHub
    from saferkit.rounds.client import submit
    from saferkit.rounds.host import EvaluationSettings, RoundHost
    from saferkit.rounds.spec import read_round, spec_text

    submission = ctx.artifacts.get("submission_dir")
    if submission is None:
        ctx.console.print("[yellow]round skipped: the demo has no baseline submission yet[/]")
        return
    folder = Path(ctx.out) / "round"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    today = dt.date.today()
    size = int(yaml.safe_load((Path(submission) / "submission.yaml").read_text(encoding="utf-8"))["input"]["height"]) if Path(submission).is_dir() else 64
    (folder / "round.yaml").write_text(yaml.safe_dump(demo_round(today, size), sort_keys=False), encoding="utf-8")
    (folder / "spec.yaml").write_text(spec_text(read_round(folder / "round.yaml")), encoding="utf-8")
    clock = _Clock(today)
    host = RoundHost.create(folder / "round.yaml", folder / "host", clock=clock, settings=EvaluationSettings(intersections=False))
    organiser_key = host.new_organiser_key()
    team_b = _team_b_copy(Path(submission), folder)
    with EmbeddedRoundHub(str(folder / "hub.db"), [(host, organiser_key)]) as hub:
        from saferkit.core.keys import generate_keypair

        keys = {}
        for team in ("team-a", "team-b"):
            _, public = generate_keypair(folder / "keys" / f"{team}.key")
            keys[team] = hub.catalogue.add_publisher(team, public.read_bytes())
        for line in submit(submission, hub.url, "demo-round", keys["team-a"]) + submit(team_b, hub.url, "demo-round", keys["team-b"]):
            ctx.console.print(f"  {line}", highlight=False)
        host.work("demo-worker")
        dev = host.board_json("development")
        clock.day = today + dt.timedelta(days=8)
        submit(submission, hub.url, "demo-round", keys["team-a"])
        host.work("demo-worker")
        hidden = not host.visible("final")
        host.reveal("final")
        from saferkit.rounds.server import round_page

        (folder / "boards.html").write_text(round_page(host, "en"), encoding="utf-8")
    leader_group = sum(1 for r in dev["rows"] if r["rank"] == 1)
    what = (f"2 teams; development board {len(dev['rows'])} rows ({leader_group} share rank 1: a paired test cannot separate them); "
            f"final board private until revealed: {hidden}")
    ctx.console.print(what, highlight=False)
    ctx.artifacts["round_dir"] = folder
    ctx.record("round", what, folder / "boards.html")

