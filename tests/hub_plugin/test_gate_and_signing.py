"""The publishing gate (qualified, matching digests) and offline bundle signatures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from saferkit.hub_plugin.gate import NotPublishable, check_publishable
from saferkit.core.keys import generate_keypair
from saferkit.hub_plugin.signing import BundleRejected, signed_digests, verify_bundle

ROOT = Path(__file__).resolve().parents[2]


def test_unqualified_scorecard_is_refused_naming_failed_criteria(evaluated):
    submission_dir, report, scorecard = evaluated(qualified=False)
    with pytest.raises(NotPublishable) as caught:
        check_publishable(submission_dir, report, scorecard)
    assert caught.value.check == "qualified" and "fail: fairness.worst_group_recall" in str(caught.value)


def test_scorecard_for_another_submission_is_refused(evaluated):
    _, report, scorecard = evaluated()
    other_submission, _, _ = evaluated(version="2.0.0", folder="other")
    with pytest.raises(NotPublishable) as caught:
        check_publishable(other_submission, report, scorecard)
    assert caught.value.check == "submission-digest"


def test_report_not_the_one_scored_is_refused(evaluated, tmp_path: Path):
    submission_dir, report, scorecard = evaluated()
    edited = tmp_path / "edited-report.json"
    data = json.loads(report.read_text())
    data["headline"]["roc_auc"]["value"] = 0.99
    edited.write_text(json.dumps(data))
    with pytest.raises(NotPublishable) as caught:
        check_publishable(submission_dir, edited, scorecard)
    assert caught.value.check == "report-digest"


def test_cli_publish_refusal_is_one_line_and_publishes_nothing(evaluated, keypair, tmp_path: Path):
    submission_dir, report, scorecard = evaluated(qualified=False)
    target = tmp_path / "bundles"
    result = subprocess.run([sys.executable, "-m", "saferkit", "hub", "publish", str(submission_dir), "--report",
                             str(report), "--scorecard", str(scorecard), "--hub", str(target), "--key", str(keypair[0])],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT.parent)},
                            timeout=120)
    assert result.returncode == 2
    assert "not published (qualified)" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists()


def test_cli_keygen_then_publish_bundle_then_verify(evaluated, tmp_path: Path, cli):
    submission_dir, report, scorecard = evaluated()
    code, _, err = cli("hub", "keygen", "--out", tmp_path / "k" / "team.pem")
    assert code == 0, err
    assert (tmp_path / "k" / "team.pem").stat().st_mode & 0o077 == 0  # private key readable by owner only
    code, _, err = cli("hub", "keygen", "--out", tmp_path / "k" / "team.pem")
    assert code == 2 and "already exists" in err
    code, out, err = cli("hub", "publish", submission_dir, "--report", report, "--scorecard", scorecard,
                         "--hub", f"file://{tmp_path / 'air-gap'}", "--key", tmp_path / "k" / "team.pem")
    assert code == 0 and "toy-red 1.0.0: published" in out, err
    bundle = tmp_path / "air-gap" / "toy-red" / "1.0.0"
    assert sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()) == [
        "entry.json", "report.json", "scorecard.json", "signature.sig", "submission/model.onnx",
        "submission/submission.yaml"]
    code, out, _ = cli("hub", "verify", bundle, "--public-key", tmp_path / "k" / "team.pub")
    assert code == 0 and "signature valid: toy-red 1.0.0, 5 signed files" in out
    (bundle / "report.json").write_text("{}")
    code, _, err = cli("hub", "verify", bundle, "--public-key", tmp_path / "k" / "team.pub")
    assert code == 2 and "report.json (digest differs" in " ".join(err.split())


def test_signature_lists_every_bundle_file_and_verifies(signed_bundle, keypair):
    bundle = signed_bundle()
    digests = verify_bundle(bundle.folder, keypair[1].read_bytes())
    assert digests == signed_digests(bundle.folder / "signature.sig")
    assert set(digests) == {"entry.json", "report.json", "scorecard.json", "submission/model.onnx",
                            "submission/submission.yaml"}


def test_tampering_names_changed_added_and_removed_files(signed_bundle, keypair):
    bundle = signed_bundle()
    (bundle.folder / "submission" / "model.onnx").write_bytes(b"not the signed model")
    (bundle.folder / "extra.txt").write_text("smuggled")
    (bundle.folder / "scorecard.json").unlink()
    with pytest.raises(BundleRejected) as caught:
        verify_bundle(bundle.folder, keypair[1].read_bytes())
    assert caught.value.files == ["extra.txt (present but not signed)", "scorecard.json (signed but missing)",
                                  "submission/model.onnx (digest differs from the signed one)"]


def test_other_key_and_missing_signature_are_rejected(signed_bundle, tmp_path: Path):
    bundle = signed_bundle()
    _, other_public = generate_keypair(tmp_path / "other.pem")
    with pytest.raises(BundleRejected, match="key other than"):
        verify_bundle(bundle.folder, other_public.read_bytes())
    (bundle.folder / "signature.sig").unlink()
    with pytest.raises(BundleRejected, match="unsigned"):
        verify_bundle(bundle.folder, other_public.read_bytes())


def test_garbled_signature_is_rejected_not_crashing(signed_bundle, keypair):
    bundle = signed_bundle()
    (bundle.folder / "signature.sig").write_text('{"dsseEnvelope": "nope"}')
    with pytest.raises(BundleRejected, match="not valid"):
        verify_bundle(bundle.folder, keypair[1].read_bytes())


def test_scorecard_that_breaks_the_ethics_schema_is_refused(evaluated):
    submission_dir, report, scorecard = evaluated()
    card = json.loads(scorecard.read_text())
    card["criteria"][1]["result"] = "fail"  # qualified stays true beside a failed required criterion
    scorecard.write_text(json.dumps(card))
    with pytest.raises(NotPublishable) as caught:
        check_publishable(submission_dir, report, scorecard)
    assert caught.value.check == "scorecard-schema"
