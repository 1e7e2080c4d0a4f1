"""Done-when of issue 18: a whole round on loopback.

The organiser creates a round; three teams submit through the hub with their
publisher keys (one goes over quota, one sends an invalid submission, one sends
the same bytes twice); worker processes evaluate; the development board
updates; the final board stays private until revealed; the board's paired
comparison matches an independent computation; no team key can read the
hidden phase's data through the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile

import httpx
import numpy as np
import pytest
import yaml
from sklearn.metrics import roc_auc_score

from saferkit.core.keys import generate_keypair
from saferkit.rounds.server import EmbeddedRoundHub
from saferkit.rounds.host import EvaluationSettings, RoundHost, run_workers, zip_submission


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def round_file(folder, baseline_zip) -> dict:
    data = {
        "schema_version": 1, "name": "loopback", "title": "Loopback round",
        "profile": {"name": "default", "version": "1"},
        "ranking": {"metric": "roc_auc", "rule": "paired-leader-group", "resamples": 200},
        "limits": {"per_day": 2, "total": 3},
        "baselines": [{"name": "kit baseline", "submission": baseline_zip.name}],
        "phases": {
            "development": {"opens": "2027-01-10", "closes": "2027-02-06", "board": "public",
                            "data": {"n": 160, "size": 32, "seed": 101, "shares": {"device": {"hq": 0.5, "mid": 0.5, "low": 0.0}}}},
            "final": {"opens": "2027-02-07", "closes": "2027-02-13", "board": "private", "shift": "camera conditions",
                      "data": {"n": 160, "size": 32, "seed": 987654321, "held_out": {"shares": {"device": {"hq": 0.2, "mid": 0.2, "low": 0.6}}}}},
        },
    }
    (folder / "round.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return data


def scores_of(report_dir):
    with open(report_dir / "scores.csv") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: r["path"])
    return np.array([int(r["flag"]) for r in rows]), np.array([float(r["score"]) for r in rows])


def kernel_delong_p(labels, a, b):
    comps = []
    for s in (a, b):
        x, y = s[labels == 1], s[labels == 0]
        psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
        comps.append((psi.mean(axis=1), psi.mean(axis=0)))
    (v10a, v01a), (v10b, v01b) = comps
    var = np.var(v10a - v10b, ddof=1) / len(v10a) + np.var(v01a - v01b, ddof=1) / len(v01a)
    z = (roc_auc_score(labels, a) - roc_auc_score(labels, b)) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


@pytest.mark.slow
def test_a_whole_round_on_loopback(tmp_path, rk):
    organiser = tmp_path / "organiser"
    organiser.mkdir()
    baseline = organiser / "kit-baseline.zip"
    baseline.write_bytes(zip_submission(rk.write_submission(tmp_path / "base", rk.WEIGHTS["green"], name="kit-baseline", team="organisers")))
    round_file(organiser, baseline)
    clock = Clock(dt.date(2027, 1, 12))
    host = RoundHost.create(organiser / "round.yaml", tmp_path / "host", clock=clock, workers=1,
                            settings=EvaluationSettings(intersections=False))
    subs = {key: zip_submission(rk.write_submission(tmp_path / key, rk.WEIGHTS[w], name=key, team=team))
            for key, w, team in (("a1", "blue", "team-a"), ("c1", "blue-tilt", "team-c"), ("c2", "red", "team-c"), ("c3", "green", "team-c"))}
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("submission.yaml", "name: broken\n")
        archive.writestr("model.onnx", b"not a model")
    organiser_key = "organiser-secret-key-for-the-test"
    with EmbeddedRoundHub(str(tmp_path / "hub.db"), [(host, organiser_key)]) as hub:
        keys = {}
        for team in ("team-a", "team-b", "team-c"):
            _, public = generate_keypair(tmp_path / f"{team}.key")
            keys[team] = {"X-API-Key": hub.catalogue.add_publisher(team, public.read_bytes())}
        reader = {"X-API-Key": hub.catalogue.add_reader("public")}
        api = f"{hub.url}/api/v1/rounds/loopback"
        with httpx.Client(timeout=60) as client:
            # team-a: accepted, then the same bytes again: no quota spent.
            first = client.post(f"{api}/submissions", content=subs["a1"], headers=keys["team-a"])
            assert first.status_code == 202, first.text
            assert first.json()["left_today"] == 1 and first.json()["left_total"] == 2
            again = client.post(f"{api}/submissions", content=subs["a1"], headers=keys["team-a"])
            assert again.status_code == 200 and again.json()["duplicate"] and again.json()["left_today"] == 1
            # team-b: invalid, refused at once with the problems; nothing spent.
            bad = client.post(f"{api}/submissions", content=broken.getvalue(), headers=keys["team-b"])
            assert bad.status_code == 422 and bad.json()["problems"] and bad.json()["left_today"] == 2
            # team-c: two a day; the third is refused with 0 left today.
            for key in ("c1", "c2"):
                assert client.post(f"{api}/submissions", content=subs[key], headers=keys["team-c"]).status_code == 202
            over = client.post(f"{api}/submissions", content=subs["c3"], headers=keys["team-c"])
            assert over.status_code == 429 and over.json()["left_today"] == 0 and over.json()["left_total"] == 1
            # A reader key cannot submit.
            assert client.post(f"{api}/submissions", content=subs["c3"], headers=reader).status_code == 403

            assert client.get(f"{api}/boards/development", headers=reader).json()["rows"] == []
            assert run_workers(tmp_path / "host", 2, EvaluationSettings(intersections=False)) == 5  # 3 team jobs + 2 baseline phases
            dev = client.get(f"{api}/boards/development", headers=reader).json()
            # Each team's best submission with its count (team-c sent two), and the named baseline.
            assert {r["team"] for r in dev["rows"]} == {"team-a", "team-c", "organisers"} and len(dev["rows"]) == 3
            assert {r["team"]: r["submissions"] for r in dev["rows"] if not r["baseline"]} == {"team-a": 1, "team-c": 2}
            assert [r["baseline"] for r in dev["rows"]].count("kit baseline") == 1
            assert all("report" not in r for r in dev["rows"])
            mine = client.get(f"{api}/submissions", headers=keys["team-c"]).json()
            assert [s["status"] for s in mine["submissions"]] == ["done", "done"] and mine["left"]["development"]["left_total"] == 1

            # The board's paired comparison against the leader matches an independent computation from the reports' scores.
            by_sha = {r["sha256"]: r for r in dev["rows"]}
            leader = dev["rows"][0]
            report_of = {}
            for sub in (host.folder / "reports" / "development").iterdir():
                from saferkit.evaluation.report import read_report

                report_of[read_report(sub).submission_sha256] = sub
            labels, lead_scores = scores_of(report_of[leader["sha256"]])
            for sha, row in by_sha.items():
                if sha == leader["sha256"]:
                    continue
                _, other = scores_of(report_of[sha])
                expected = roc_auc_score(labels, lead_scores) - roc_auc_score(labels, other)
                assert row["vs_leader"]["difference"] == pytest.approx(expected, abs=1e-9)
                assert row["vs_leader"]["delong"]["p_value"] == pytest.approx(kernel_delong_p(labels, lead_scores, other), rel=1e-6)

            page = client.get(f"{hub.url}/rounds/loopback?lang=fr", headers=reader)
            assert page.status_code == 200 and "Phase de développement" in page.text and "team-a" in page.text
            assert "privé jusqu" in page.text

            # Final phase: hidden data, private board until revealed.
            clock.day = dt.date(2027, 2, 8)
            assert client.post(f"{api}/submissions", content=subs["c3"], headers=keys["team-c"]).status_code == 202
            assert run_workers(tmp_path / "host", 1, EvaluationSettings(intersections=False)) == 1
            hidden = client.get(f"{api}/boards/final", headers=keys["team-c"])
            assert hidden.status_code == 403 and "private" in hidden.json()["error"]
            assert client.get(f"{api}/boards/final", headers={"X-API-Key": organiser_key}).json()["rows"]
            assert client.post(f"{api}/phases/final/reveal", headers=keys["team-a"]).status_code == 403
            assert client.post(f"{api}/phases/final/reveal", headers={"X-API-Key": organiser_key}).status_code == 200
            final = client.get(f"{api}/boards/final", headers=keys["team-c"]).json()
            assert {r["name"] for r in final["rows"]} == {"c3", "kit-baseline"}
            assert final["data_provenance_sha256"] != dev["data_provenance_sha256"]

            # No route gives a team the hidden data: the spec lacks the secrets, and no path reaches the host folder.
            spec = client.get(f"{api}/spec", headers=keys["team-a"]).json()
            assert "seed" not in spec["phases"]["final"]["data"] and "held_out" not in spec["phases"]["final"]["data"]
            secret_manifest = (host.data_dir("final") / "manifest.csv").read_text()
            first_image = secret_manifest.splitlines()[1].split(",")[0]
            image_bytes = (host.data_dir("final") / first_image).read_bytes()
            probes = [f"{hub.url}{route.path}" for route in hub.app.routes if "{" not in getattr(route, "path", "{")]
            probes += [f"{api}/data/final", f"{hub.url}/static/../../host/data/final/manifest.csv", f"{api}/boards/../../data/final",
                       f"{hub.url}/rounds/loopback/data/final/{first_image}", f"{api}/phases/final/data"]
            for url in probes:
                response = client.get(url, headers=keys["team-a"])
                assert "987654321" not in response.text and image_bytes not in response.content
                assert "held_out" not in response.text and first_image not in response.text, url
