"""With the real ethics gate: its scorecard decides what the hub accepts.

The report is still the contract-shaped one the ethics tests use (the
evaluation harness writes the real one); the scorecard is written by
`saferkit.ethics` itself, and the hub publishes it over HTTP.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ethics"))

from ethics_cases import full_review, good_manifest_overrides, make_report, write_report  # noqa: E402

from saferkit.ethics.attestation import attest_scorecard, sign_review  # noqa: E402
from saferkit.ethics.render import write_scorecard  # noqa: E402
from saferkit.ethics.scorecard import judge_submission  # noqa: E402
from saferkit.evaluation.submission import load_submission  # noqa: E402
from saferkit.hub_plugin.gate import NotPublishable  # noqa: E402
from saferkit.hub_plugin.publish import publish  # noqa: E402


@pytest.fixture
def gated(toy_submission, tmp_path: Path, evaluator):
    """Factory: (submission, report, scorecard folder) with a real ethics scorecard, reviewed or not."""

    def make(reviewed: bool):
        submission = toy_submission(**good_manifest_overrides())
        sha = load_submission(submission).sha256
        report = write_report(tmp_path / "eval", make_report(sha))
        review = None
        if reviewed:
            review = tmp_path / "review.yaml"
            review.write_text(yaml.safe_dump(full_review(sha)), encoding="utf-8")
            sign_review(review, evaluator[0], "Test Evaluation Lab")  # the accredited evaluator also reviewed
        card = judge_submission(submission, report, review_path=review)
        write_scorecard(card, tmp_path / "card")
        attest_scorecard(tmp_path / "card" / "scorecard.json", report, profile_path=None, review_path=review,
                         private_key=evaluator[0])  # what `ethics check --key` adds
        return submission, report, tmp_path / "card", card

    return make


def test_real_qualified_scorecard_is_published_and_shown(hub, gated, keypair, web_login):
    server, publisher_key, reader_key = hub
    submission, report, card_dir, card = gated(reviewed=True)
    assert card["qualified"] is True
    result = publish(submission, report, card_dir, server.url, key=keypair[0], api_key=publisher_key)
    assert result.status == "published"
    tool = httpx.get(server.url + "/api/v1/entries/toy-red", headers={"X-API-Key": reader_key}).json()
    ethics = tool["entry"]["ethics"]
    assert ethics["counts"] == card["counts"]
    assert {c["id"] for c in ethics["criteria"]} == {c["id"] for c in card["criteria"]}
    page = httpx.get(server.url + "/tools/toy-red?lang=en", cookies=web_login(server.url, reader_key)).text
    assert "Legitimate purpose" in page and "No group is left behind" in page


def test_real_unreviewed_scorecard_is_refused_naming_the_blocking_criteria(gated, keypair, tmp_path: Path):
    submission, report, card_dir, card = gated(reviewed=False)
    assert card["qualified"] is False
    with pytest.raises(NotPublishable) as caught:
        publish(submission, report, card_dir, str(tmp_path / "bundles"), key=keypair[0])
    assert all(criterion in str(caught.value) for criterion in card["blocking"])
    assert not (tmp_path / "bundles").exists()
