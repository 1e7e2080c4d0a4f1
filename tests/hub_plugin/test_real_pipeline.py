"""The hub on real pipeline outputs: synthetic data, a real evaluation report, the real ethics gate.

The toy model scores redness, so the ethics gate does not qualify it and the
hub refuses it, naming the criteria. The same real report, paired with a
scorecard that qualifies it, is published, validated and rendered.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ethics"))

from ethics_cases import full_review, good_manifest_overrides  # noqa: E402

from saferkit.evaluation.submission import load_submission  # noqa: E402
from saferkit.hub_plugin.gate import NotPublishable  # noqa: E402
from saferkit.hub_plugin.publish import publish  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """(submission, report.json, real ethics scorecard folder, the card) from a small real run."""
    from toy_submissions import write_toy_submission

    from saferkit.datasets.plan import make_config
    from saferkit.datasets.synth import generate
    from saferkit.ethics.render import write_scorecard
    from saferkit.ethics.scorecard import judge_submission
    from saferkit.evaluation.evaluate import EvaluationConfig, evaluate

    root = tmp_path_factory.mktemp("real")
    data = root / "data"
    generate(data, make_config(n=240, seed=5, size=32), workers=1)
    submission = write_toy_submission(root / "submission", **good_manifest_overrides())
    config = EvaluationConfig(bootstrap_resamples=100, severities=(3,), robustness_max_items=80, efficiency=False,
                              intersections=False, min_group_size=5, overwrite=True)
    result = evaluate(submission, data, root / "report", config)
    sha = load_submission(submission).sha256
    review = root / "review.yaml"
    review.write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")
    card = judge_submission(submission, result.out / "report.json", review_path=review)
    write_scorecard(card, root / "card")
    return submission, result.out / "report.json", root / "card", card


def test_real_gate_refusal_names_the_blocking_criteria(real_run, keypair, tmp_path: Path):
    submission, report, card_dir, card = real_run
    assert card["qualified"] is False and card["blocking"]
    with pytest.raises(NotPublishable) as caught:
        publish(submission, report, card_dir, str(tmp_path / "bundles"), key=keypair[0])
    assert caught.value.check == "qualified"
    assert all(criterion in str(caught.value) for criterion in card["blocking"])
    assert not (tmp_path / "bundles").exists()


def test_real_report_makes_a_valid_entry_and_page(real_run, hub, keypair, qualified_scorecard, web_login):
    submission, report, _, _ = real_run
    server, publisher_key, reader_key = hub
    qualified = qualified_scorecard(submission, report)
    result = publish(submission, report, qualified, server.url, key=keypair[0], api_key=publisher_key)
    assert result.status == "published"
    entry = httpx.get(server.url + "/api/v1/entries/toy-red", headers={"X-API-Key": reader_key}).json()["entry"]
    measured = json.loads(report.read_text())
    assert entry["evaluation"]["headline"]["roc_auc"]["value"] == measured["headline"]["roc_auc"]["value"]
    assert entry["evaluation"]["robustness"]["rows"]
    assert entry["evaluation"]["groups"]
    cookies = web_login(server.url, reader_key)
    assert httpx.get(server.url + "/tools/toy-red?lang=pt", cookies=cookies).status_code == 200
    for plot in ("groups", "robustness"):
        image = httpx.get(server.url + f"/tools/toy-red/v/1.0.0/plots/{plot}.png", cookies=cookies)
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_private_evaluation_signs_an_aggregate_only_field_report_the_hub_shows(real_run, hub, keypair, cli, tmp_path,
                                                                              qualified_scorecard, web_login):
    """`saferkit evaluate --private --sign-key` on the agency's own labelled data, then the upload."""
    from saferkit.core.keys import generate_keypair
    from saferkit.evaluation.private_report import FIELD_REPORT_FILE, verify_field_report

    submission, report, _, _ = real_run
    server, publisher_key, reader_key = hub
    publish(submission, report, qualified_scorecard(submission, report), server.url, key=keypair[0],
            api_key=publisher_key)
    agency_key = generate_keypair(tmp_path / "agency.pem")[0]
    data, out = submission.parent / "data", tmp_path / "field-eval"
    assert cli("evaluate", submission, "--data", data, "--out", out, "--sign-key", agency_key)[0] == 2  # needs --private
    code, stdout, err = cli("evaluate", submission, "--data", data, "--out", out, "--private", "--sign-key", agency_key,
                            "--resamples", "100", "--no-robustness", "--no-efficiency", "--no-intersections",
                            "--min-group-size", "10")
    assert code == 0, err
    assert f"field report: {out / FIELD_REPORT_FILE}" in stdout
    document = json.loads((out / FIELD_REPORT_FILE).read_text())
    statement = verify_field_report(document)
    text = json.dumps(document)
    images = [p.name for p in (data / "images").rglob("*") if p.is_file()][:50]
    assert images and not any(name in text or Path(name).stem in text for name in images)
    assert str(data) not in text and "path" not in text and "score" not in text.replace("scores", "")
    full = json.loads((out / "report.json").read_text())
    small = [g for block in full["bias"]["attributes"].values() for g in block["groups"] if g["n"] < 10]
    assert statement["suppressed_groups"] >= len(small) and all(g["n"] >= 10 for g in statement["groups"])
    assert statement["data"]["size"] == full["data"]["splits"]["test"]

    stored = httpx.post(server.url + "/api/v1/entries/toy-red/versions/1.0.0/field-reports",
                        json={"document": document, "label": "Agency (anonymised) #12"}, headers={"X-API-Key": reader_key})
    assert stored.status_code == 201, stored.text
    page = httpx.get(server.url + "/tools/toy-red?lang=nl", cookies=web_login(server.url, reader_key)).text
    assert "Agency (anonymised) #12" in page and "Praktijkbewijs van diensten" in page
