"""The evaluator's signed statement over a scorecard: who judged, under which limits, on what.

`saferkit ethics check --key evaluator.pem` writes `attestation.json` beside
scorecard.json. It binds, under the evaluator's key, the scorecard's digest,
the report's and the submission's digests, the profile (its full text, digest
and name), the data set's provenance digest, and the reviewer's answers (with
the reviewer's own signature when they signed them). A catalogue then only has
to decide whether it trusts the evaluator's key and the profile's digest.

`verify_attestation` checks every binding and names the first broken link as a
check id (evaluator-signature, report-swapped, submission-swapped,
scorecard-edited, profile-edited, review-edited, review-signature).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from saferkit.core.atomic import write_json_atomic
from saferkit.core.digest import bytes_sha256
from saferkit.core.errors import UserError
from saferkit.core.keys import public_key_of, public_key_sha256
from saferkit.core.signature import SignatureInvalid, sign_statement, utc_now, verify_statement

ATTESTATION_FILE = "attestation.json"
ATTESTATION_KIND = "saferkit.scorecard-attestation"
REVIEW_SIGNATURE_KIND = "saferkit.review-signature"
MAX_ATTESTATION_BYTES = 4 * 1024 * 1024


class AttestationRejected(UserError):
    """A broken link in the signed chain; `check` names it (e.g. "report-swapped")."""

    def __init__(self, check: str, message: str) -> None:
        self.check = check
        self.reason = message
        super().__init__(f"{check}: {message}")


@dataclass(frozen=True)
class Attested:
    """A verified attestation: the statement and the evaluator key that signed it."""

    statement: dict[str, Any]
    evaluator_key_sha256: str

    @property
    def profile(self) -> dict[str, Any]:
        return dict(self.statement["profile"])

    @property
    def review(self) -> dict[str, Any] | None:
        review = self.statement.get("review")
        return dict(review) if review else None


# --- reviewer signatures --------------------------------------------------------------------

def review_signature_path(review: Path) -> Path:
    """Where a review's detached signature lives: `review.yaml.sig` beside it."""
    return Path(review).with_name(Path(review).name + ".sig")


def _review_submission(raw: bytes, source: str) -> str:
    try:
        document = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise UserError(f"review file {source} is not YAML text; write it with `saferkit ethics review`.") from None
    if not isinstance(document, dict) or not isinstance(document.get("submission_sha256"), str):
        raise UserError(f"review file {source} names no submission_sha256; write it with `saferkit ethics review`.")
    return document["submission_sha256"]


def sign_review(review: Path, private_key: Path, reviewer: str | None = None) -> Path:
    """Sign the review file's exact bytes with the reviewer's key; write and return `review.yaml.sig`."""
    review = Path(review)
    if not review.is_file():
        raise UserError(f"review file {review} does not exist; write it with `saferkit ethics review`.")
    raw = review.read_bytes()
    statement = {"kind": REVIEW_SIGNATURE_KIND, "review_sha256": bytes_sha256(raw),
                 "submission_sha256": _review_submission(raw, str(review)), "reviewer": reviewer,
                 "signed_at": utc_now()}
    path = review_signature_path(review)
    write_json_atomic(path, sign_statement(statement, private_key))
    return path


def check_review_signature(review_bytes: bytes, signature: Any, submission_sha256: str) -> dict[str, Any]:
    """The reviewer's verified statement; AttestationRejected when the answers changed after signing."""
    try:
        statement = verify_statement(signature, "the reviewer's signature")
    except SignatureInvalid as exc:
        raise AttestationRejected("review-signature", f"{exc} Sign the review again with `saferkit ethics review --key`.") from None
    if statement.get("kind") != REVIEW_SIGNATURE_KIND:
        raise AttestationRejected("review-signature", "the reviewer's signature is not a review signature.")
    if statement.get("review_sha256") != bytes_sha256(review_bytes):
        raise AttestationRejected("review-edited", "the reviewer's answers were changed after the reviewer signed "
                                  "them; ask the reviewer to review and sign again.")
    if statement.get("submission_sha256") != submission_sha256:
        raise AttestationRejected("review-edited", "the reviewer signed a review of another submission.")
    return statement


def signed_review(review: Path, submission_sha256: str) -> dict[str, Any]:
    """The review block of an attestation: content, digest, and the reviewer's signature when there is one."""
    raw = Path(review).read_bytes()
    block: dict[str, Any] = {"sha256": bytes_sha256(raw), "content": raw.decode("utf-8"), "reviewer": None,
                             "reviewer_key_sha256": None, "signature": None}
    signature_path = review_signature_path(review)
    if signature_path.is_file():
        try:
            signature = json.loads(signature_path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise AttestationRejected("review-signature", f"{signature_path} is not JSON; sign the review again.") from None
        statement = check_review_signature(raw, signature, submission_sha256)
        block.update(reviewer=statement.get("reviewer"), reviewer_key_sha256=signature["key_sha256"],
                     signature=signature)
    return block


# --- the evaluator's attestation ------------------------------------------------------------

def profile_text(path: str | Path | None) -> str:
    """The exact text of the profile a scorecard is judged under (the built-in default when None)."""
    from saferkit.ethics.profile import default_profile_text

    if path is None:
        return default_profile_text()
    return Path(path).read_text(encoding="utf-8")


def profile_sha256(text: str) -> str:
    """A profile's identity: sha256 of its UTF-8 text, comments included (any edit changes it)."""
    return bytes_sha256(text.encode("utf-8"))


def attest_scorecard(scorecard_path: Path, report_path: Path, *, profile_path: str | Path | None,
                     review_path: Path | None, private_key: Path) -> Path:
    """Sign the scorecard just written (and everything it was judged on); write attestation.json beside it."""
    from saferkit.ethics.profile import parse_profile
    from saferkit.ethics.scorecard_file import read_scorecard
    from saferkit.evaluation.report import read_report

    scorecard = read_scorecard(scorecard_path)
    report = read_report(report_path)
    text = profile_text(profile_path)
    profile = parse_profile(text, str(profile_path or "(built-in) default.yaml"))
    document = yaml.safe_load(text)
    data = report.data.get("data") or {}
    statement: dict[str, Any] = {
        "kind": ATTESTATION_KIND,
        "signed_at": utc_now(),
        "scorecard_sha256": scorecard.sha256,
        "report_sha256": report.sha256,
        "submission_sha256": scorecard.submission_sha256,
        "submission": dict(scorecard.get("submission") or {}),
        "qualified": scorecard.qualified,
        "profile": {"name": profile.name, "version": str(document.get("version", "")) or None,
                    "sha256": profile_sha256(text), "content": text},
        "data": {"provenance_sha256": report.provenance_sha256, "size": data.get("n")},
        "review": signed_review(review_path, scorecard.submission_sha256) if review_path else None,
    }
    statement["evaluator_key_sha256"] = public_key_sha256(public_key_of(private_key))
    signed = sign_statement(statement, private_key)
    path = Path(scorecard.source).parent / ATTESTATION_FILE
    write_json_atomic(path, signed)
    return path


def read_attestation(scorecard_path: str | Path) -> dict[str, Any] | None:
    """attestation.json beside a scorecard (or in its folder); None when the scorecard is unsigned."""
    scorecard_path = Path(scorecard_path)
    folder = scorecard_path if scorecard_path.is_dir() else scorecard_path.parent
    path = folder / ATTESTATION_FILE
    if not path.is_file():
        return None
    raw = path.read_bytes()
    if len(raw) > MAX_ATTESTATION_BYTES:
        raise AttestationRejected("evaluator-signature", f"{path} is larger than an attestation can be.")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AttestationRejected("evaluator-signature", f"{path} is not JSON; sign the scorecard again with "
                                  "`saferkit ethics check ... --key`.") from None
    return document if isinstance(document, dict) else {}


def profile_description(text: str) -> str | None:
    """The profile's `description`, shown beside its name wherever a verdict is shown (a demo profile says so)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    description = document.get("description") if isinstance(document, dict) else None
    return " ".join(description.split())[:2000] if isinstance(description, str) and description.strip() else None


def profile_limits(text: str) -> dict[str, float] | None:
    try:
        document = yaml.safe_load(text)
        return {str(k): float(v) for k, v in document["limits"].items()}
    except (yaml.YAMLError, TypeError, KeyError, AttributeError, ValueError):
        return None


def verify_attestation(document: Any, *, scorecard_bytes: bytes, scorecard: dict[str, Any], report_bytes: bytes,
                       submission_sha256: str) -> Attested:
    """Check the evaluator's signature and every binding; AttestationRejected names the first broken link."""
    if document is None:
        raise AttestationRejected("evaluator-signature", "the scorecard is unsigned (no attestation.json beside it); "
                                  "an accredited evaluator signs it with `saferkit ethics check ... --key`.")
    try:
        statement = verify_statement(document, "the evaluator's attestation")
    except SignatureInvalid as exc:
        raise AttestationRejected("evaluator-signature", str(exc)) from None
    if statement.get("kind") != ATTESTATION_KIND or statement.get("evaluator_key_sha256") != document["key_sha256"]:
        raise AttestationRejected("evaluator-signature", "the attestation is not a scorecard attestation by its key.")
    if statement.get("submission_sha256") != submission_sha256:
        raise AttestationRejected("submission-swapped", "the evaluator signed a judgement of submission "
                                  f"{str(statement.get('submission_sha256'))[:12]}..., not {submission_sha256[:12]}...")
    if statement.get("report_sha256") != bytes_sha256(report_bytes):
        raise AttestationRejected("report-swapped", "the evaluator signed another report than the one given "
                                  f"({str(statement.get('report_sha256'))[:12]}... vs {bytes_sha256(report_bytes)[:12]}...)")
    if statement.get("scorecard_sha256") != bytes_sha256(scorecard_bytes):
        raise AttestationRejected("scorecard-edited", "scorecard.json is not the one the evaluator signed "
                                  "(it was edited or replaced after signing).")
    profile = statement.get("profile") or {}
    content = profile.get("content")
    if not isinstance(content, str) or profile_sha256(content) != profile.get("sha256"):
        raise AttestationRejected("profile-edited", "the profile text in the attestation does not match its digest.")
    if scorecard.get("profile") != profile.get("name"):
        raise AttestationRejected("profile-edited", f"the scorecard names profile {scorecard.get('profile')!r}, "
                                  f"but it was judged under {profile.get('name')!r}.")
    if "limits" in scorecard and scorecard["limits"] != profile_limits(content):
        raise AttestationRejected("profile-edited", "the scorecard's limits are not the signed profile's limits.")
    review = statement.get("review")
    if review:
        review_bytes = str(review.get("content", "")).encode("utf-8")
        if bytes_sha256(review_bytes) != review.get("sha256"):
            raise AttestationRejected("review-edited", "the review answers do not match the digest the evaluator signed.")
        if review.get("signature") is not None:
            check_review_signature(review_bytes, review["signature"], submission_sha256)
    return Attested(statement, document["key_sha256"])


def judge_and_write(submission: Path, report: Path, out: Path, *, review: Path | None = None, profile: Path | None = None,
                    training_data: list[Path] | None = None, key: Path | None = None) -> tuple[dict[str, Any], dict[str, Path], Path | None]:
    """`saferkit ethics check`: judge, write the scorecard files, and sign them when an evaluator key is given.

    An unusable key is refused before any work; review answers edited after the reviewer signed are refused;
    a signature left from an earlier scorecard in `out` is removed, since it would not match the new one.
    Returns the scorecard, the written paths by name, and the attestation (None when unsigned).
    """
    from saferkit.ethics.render import write_scorecard
    from saferkit.ethics.scorecard import judge_submission
    from saferkit.ethics.scorecard_file import SCORECARD_FILE

    if key is not None:
        public_key_of(key)
    card = judge_submission(submission, report, review_path=review, profile_path=profile, training_data=training_data)
    if review is not None:
        signed_review(review, card["submission_sha256"])
    paths = write_scorecard(card, out)
    (Path(out) / ATTESTATION_FILE).unlink(missing_ok=True)
    attestation = None
    if key is not None:
        attestation = attest_scorecard(paths[SCORECARD_FILE], report, profile_path=profile, review_path=review, private_key=key)
    return card, paths, attestation
