"""Benchmark the hub's tool page: how long an officer waits for the page they decide from.

Publishes a toy tool (the hub tests' synthetic report, signed by a throwaway
accredited evaluator) to an embedded catalogue on loopback, with one field report
and one published experience report, then times:
- GET /tools/toy-red in each of the eight languages, signed in (the figure): the
  page with plain words, technical table, field evidence, deployment commands,
  experience reports; catalogue strings through gettext;
- GET /api/v1/entries/toy-red, the same entry as JSON (the anchor);
and prints both medians and their ratio, plus the catalogue page.

Usage: python benchmarks/bench_hub.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):  # noqa: ANN202 - the tests' own fixtures as plain functions
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _median_ms(client: httpx.Client, url: str, rounds: int, **kwargs) -> float:  # noqa: ANN003
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests" / "support"))
    toy = _load("toy_submissions", REPO / "tests" / "support" / "toy_submissions.py")
    hub_fixtures = _load("hub_fixtures", REPO / "tests" / "hub_plugin" / "conftest.py")

    from saferkit.core.keys import generate_keypair
    from saferkit.ethics.profile import default_profile_text
    from saferkit.evaluation.private_report import build_field_report, sign_field_report
    from saferkit.evaluation.submission import load_submission
    from saferkit.hub_plugin.bundle import zip_bundle
    from saferkit.hub_plugin.languages import LANGUAGES
    from saferkit.hub_plugin.registry import RegistryFile, evaluator_record, profile_record
    from saferkit.hub_plugin.server.run import EmbeddedHub

    with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
        root = Path(tmp)
        evaluator = generate_keypair(root / "lab.pem")
        publisher = generate_keypair(root / "team.pem")
        agency = generate_keypair(root / "agency.pem")
        (root / "default.yaml").write_text(default_profile_text(), encoding="utf-8")
        registry = RegistryFile(root / "registry.json")
        registry.accredit_evaluator(evaluator_record(evaluator[1].read_bytes(), "Bench Lab", None))
        registry.accredit_profile(profile_record(root / "default.yaml", "1"))
        submission = toy.write_toy_submission(root / "submission")
        sha = load_submission(submission).sha256
        report = root / "eval" / "report.json"
        report.parent.mkdir()
        report.write_text(json.dumps(hub_fixtures.make_report(sha)))
        scorecard = root / "eval" / "scorecard.json"
        scorecard.write_text(json.dumps(hub_fixtures.make_scorecard(sha, hashlib.sha256(report.read_bytes()).hexdigest())))
        hub_fixtures.sign_scorecard(scorecard, report, evaluator[0])
        bundle = hub_fixtures.build_bundle(root / "bundle", submission, report, scorecard, publisher[0])
        with EmbeddedHub(root / "hub.db") as server:
            hub_fixtures.accredit_test_chain(server.catalogue, registry.path)
            publisher_key = server.catalogue.add_publisher("bench-team", publisher[1].read_bytes())
            reader_key = server.catalogue.add_reader("bench agency")
            operator_key = server.catalogue.add_operator("bench operator")
            headers = {"X-API-Key": reader_key}
            with httpx.Client(base_url=server.url, timeout=30) as client:
                assert client.post("/api/v1/entries", content=zip_bundle(bundle.folder),
                                   headers={"X-API-Key": publisher_key}).status_code == 201
                field = sign_field_report(build_field_report(hub_fixtures.make_report(sha)), agency[0])
                client.post("/api/v1/entries/toy-red/versions/1.0.0/field-reports", headers=headers,
                            json={"document": field, "label": "Bench agency"})
                posted = client.post("/api/v1/entries/toy-red/versions/1.0.0/experiences", headers=headers, json={
                    "lang": "fr", "context": "banc d'essai", "hardware": "CPU", "volume_items": 1,
                    "throughput_items_per_hour": 1, "recommend": True}).json()
                client.post(f"/api/v1/experiences/{posted['id']}/moderation", headers={"X-API-Key": operator_key},
                            json={"state": "published", "reason": "bench"})
                client.post("/login", data={"key": reader_key, "lang": "en"})
                for lang in LANGUAGES:  # warm: catalogues compiled, templates loaded
                    client.get(f"/tools/toy-red?lang={lang}")
                pages = [_median_ms(client, f"/tools/toy-red?lang={lang}", args.rounds) for lang in LANGUAGES]
                anchor = _median_ms(client, "/api/v1/entries/toy-red", args.rounds, headers=headers)
                listing = _median_ms(client, "/?lang=ar", args.rounds)
    page = statistics.median(pages)
    print(f"tool page, median over 8 languages x {args.rounds}: {page:.1f} ms (slowest language {max(pages):.1f} ms)")
    print(f"anchor, the same entry as JSON (GET /api/v1/entries/toy-red): {anchor:.1f} ms")
    print(f"ratio page / JSON: {page / anchor:.2f}")
    print(f"catalogue page (Arabic): {listing:.1f} ms")


if __name__ == "__main__":
    main()
