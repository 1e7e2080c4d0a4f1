"""Forgeries of the vetting chain: each is refused by `hub publish` (CLI) and by the server, naming its link.

Every case writes files a team could write: a scorecard, a report, an
attestation beside the scorecard. The CLI publishes to a folder catalogue
checked against the operator's registry file; the server checks against its
own registry. Both hold the same accreditations (the test evaluator and the
built-in default profile).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import httpx
import pytest
import yaml

from saferkit.core.keys import generate_keypair
from saferkit.core.signature import sign_statement
from saferkit.ethics.attestation import sign_review
from saferkit.ethics.profile import default_profile_text
from saferkit.hub_plugin.bundle import zip_bundle
from saferkit.hub_plugin.signing import sign_bundle


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rewrite(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=1))


def profile_file(folder: Path, name: str = "default", edit=None) -> Path:
    text = default_profile_text().replace("name: default", f"name: {name}")
    if edit:
        text = edit(text)
    path = folder / f"profile-{name}-{sha(text.encode())[:8]}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def forge(evaluated, evaluator, tmp_path: Path, chain_tools):
    """Factory: case name -> (submission, report, scorecard) carrying that forgery; `make.judged` holds the
    submission the scorecard was really made for."""
    _, sign_scorecard = chain_tools

    def signed_under(profile: Path, name: str, key: Path):
        submission, report, scorecard = evaluated(folder=f"sub-{name}")
        rewrite(scorecard, lambda card: card.update(profile=yaml.safe_load(profile.read_text())["name"]))
        sign_scorecard(scorecard, report, key, profile=profile)
        return submission, report, scorecard

    def make(case: str):
        folder = tmp_path / f"forge-{case}"
        folder.mkdir()
        if case == "self-signed":
            own_key, _ = generate_keypair(folder / "team.pem")
            submission, report, scorecard = evaluated(folder="sub-self")
            sign_scorecard(scorecard, report, own_key)
            return submission, report, scorecard
        if case == "lenient-profile":
            return signed_under(profile_file(folder, "lenient"), case, evaluator[0])
        if case == "profile-renamed-default":  # a lenient profile that calls itself "default"
            lenient = profile_file(folder, "default", lambda t: t.replace("min_roc_auc: 0.90", "min_roc_auc: 0.50"))
            return signed_under(lenient, case, evaluator[0])
        if case == "limits-edited":
            edited = profile_file(folder, "default", lambda t: t.replace("max_auc_drop: 0.10", "max_auc_drop: 0.60"))
            return signed_under(edited, case, evaluator[0])
        submission, report, scorecard = evaluated(folder=f"sub-{case}")
        if case == "scorecard-profile-edited":  # the "profile": "lenient" -> "default", after signing
            rewrite(scorecard, lambda card: card.update(profile="default-2"))
        elif case == "report-swapped":
            rewrite(report, lambda data: data["headline"]["roc_auc"].update(value=0.99))
            rewrite(scorecard, lambda card: card.update(report_sha256=sha(report.read_bytes())))
        elif case == "submission-swapped":
            other, _, _ = evaluated(version="2.0.0", folder="other-tool")
            from saferkit.evaluation.submission import load_submission

            other_sha = load_submission(other).sha256
            rewrite(report, lambda data: data["submission"].update(sha256=other_sha, version="2.0.0"))
            rewrite(scorecard, lambda card: card.update(submission_sha256=other_sha, report_sha256=sha(report.read_bytes())))
            return other, report, scorecard
        elif case == "scorecard-of-another-tool":
            other, _, _ = evaluated(version="3.0.0", folder="third-tool")
            make.judged = submission
            return other, report, scorecard
        elif case == "attestation-edited":
            rewrite(scorecard.parent / "attestation.json",
                    lambda doc: doc["statement"]["profile"].update(name="default", version="9"))
        elif case == "review-edited-after-signing":
            review = folder / "review.yaml"
            review.write_text(yaml.safe_dump({"submission_sha256": json.loads(scorecard.read_text())["submission_sha256"],
                                              "reviews": {}}), encoding="utf-8")
            reviewer_key, _ = generate_keypair(folder / "reviewer.pem")
            sign_review(review, reviewer_key, "R. Viewer")
            sign_scorecard(scorecard, report, evaluator[0], review=review)
            attestation = scorecard.parent / "attestation.json"
            document = json.loads(attestation.read_text())
            statement = document["statement"]  # answers changed after the reviewer signed; evaluator re-signs
            statement["review"]["content"] += "# changed\n"
            statement["review"]["sha256"] = sha(statement["review"]["content"].encode())
            attestation.write_text(json.dumps(sign_statement(statement, evaluator[0])))
        else:
            raise AssertionError(case)
        return submission, report, scorecard

    return make


CASES = {
    "self-signed": "evaluator-not-accredited",
    "lenient-profile": "profile-not-accredited",
    "profile-renamed-default": "profile-edited",
    "limits-edited": "profile-edited",
    "scorecard-profile-edited": "scorecard-edited",
    "report-swapped": "report-swapped",
    "submission-swapped": "submission-swapped",
    "scorecard-of-another-tool": "submission-digest",
    "attestation-edited": "evaluator-signature",
    "review-edited-after-signing": "review-edited",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_forgery_is_refused_by_the_cli(case, forge, keypair, cli, tmp_path: Path):
    submission, report, scorecard = forge(case)
    target = tmp_path / "catalogue"
    code, _, err = cli("hub", "publish", submission, "--report", report, "--scorecard", scorecard, "--hub", target,
                       "--key", keypair[0])
    assert code == 2 and f"not published ({CASES[case]})" in " ".join(err.split()), err
    assert not target.exists()


@pytest.mark.parametrize("case", sorted(CASES))
def test_forgery_is_refused_by_the_server(case, forge, keypair, hub, tmp_path: Path, chain_tools):
    build_bundle, _ = chain_tools
    server, publisher_key, _ = hub
    submission, report, scorecard = forge(case)
    if case == "scorecard-of-another-tool":  # the publisher's own gate will not build it: swap the model by hand
        bundle = build_bundle(tmp_path / "bundle", forge.judged, report, scorecard, keypair[0]).folder
        for name in ("model.onnx", "submission.yaml"):
            shutil.copy(submission / name, bundle / "submission" / name)
        sign_bundle(bundle, keypair[0])
    else:
        bundle = build_bundle(tmp_path / "bundle", submission, report, scorecard, keypair[0]).folder
    response = httpx.post(server.url + "/api/v1/entries", content=zip_bundle(bundle), timeout=60,
                          headers={"X-API-Key": publisher_key, "Content-Type": "application/zip"})
    assert response.status_code == 422, response.text
    assert response.json()["check"] == CASES[case] and f"not published ({CASES[case]})" in response.json()["error"]
    assert server.catalogue.counts() == {"tools": 0, "versions": 0}


def test_self_signed_scorecard_published_over_http_is_refused_by_the_server(forge, keypair, hub, cli, monkeypatch):
    """Publishing to a server, the CLI checks signature and bindings; the server's registry refuses the key."""
    server, publisher_key, _ = hub
    monkeypatch.delenv("SAFERKIT_HUB_REGISTRY")
    submission, report, scorecard = forge("self-signed")
    code, _, err = cli("hub", "publish", submission, "--report", report, "--scorecard", scorecard, "--hub", server.url,
                       "--key", keypair[0], "--api-key", publisher_key)
    assert code == 2 and "hub answered 422" in err and "not published (evaluator-not-accredited)" in " ".join(err.split())
    assert server.catalogue.counts() == {"tools": 0, "versions": 0}
