"""Accepting an uploaded bundle: unpack safely, verify the signature, re-run the gate, check the entry.

The catalogue trusts nothing the publisher computed: the signature must verify
against the publisher's registered key, the gate runs again on the signed
files, and the entry's digests must describe exactly those files.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from saferkit.core.digest import bytes_sha256
from saferkit.hub_plugin.bundle import SUBMISSION_DIR, content_sha256, extract_bundle, read_entry
from saferkit.hub_plugin.chain import check_chain, vetting_summary
from saferkit.hub_plugin.gate import REPORT_FILE, SCORECARD_FILE, PublishInputs, check_publishable
from saferkit.hub_plugin.registry import Registry
from saferkit.core.keys import public_key_sha256
from saferkit.hub_plugin.schema import EntryInvalid, validate_entry
from saferkit.hub_plugin.signing import METHOD, SIGNATURE_FILE, verify_bundle


@dataclass(frozen=True)
class AcceptedBundle:
    """A verified upload, ready to store."""

    entry: dict[str, Any]
    content_sha256: str
    signature: str


def _check_artifacts(entry: dict[str, Any], folder: Path) -> PublishInputs:
    inputs = check_publishable(folder / SUBMISSION_DIR, folder / REPORT_FILE, folder / SCORECARD_FILE)
    actual = {"submission_sha256": inputs.submission.sha256, "model_sha256": inputs.submission.model_sha256,
              "manifest_sha256": bytes_sha256(inputs.submission.manifest_bytes),
              "report_sha256": bytes_sha256(inputs.report_bytes), "scorecard_sha256": bytes_sha256(inputs.scorecard_bytes)}
    problems = [(f"artifacts.{name}", "does not match the file in the bundle")
                for name, digest in actual.items() if entry["artifacts"].get(name) != digest]
    if entry["evaluation"]["report_sha256"] != actual["report_sha256"]:
        problems.append(("evaluation.report_sha256", "does not match report.json in the bundle"))
    if entry["ethics"]["scorecard_sha256"] != actual["scorecard_sha256"]:
        problems.append(("ethics.scorecard_sha256", "does not match scorecard.json in the bundle"))
    manifest = inputs.submission.manifest
    for field, value in (("id", manifest["name"]), ("version", manifest["version"])):
        if entry[field] != value:
            problems.append((field, f"must equal the submission's {'name' if field == 'id' else 'version'} {value!r}"))
    if problems:
        raise EntryInvalid(problems)
    return replace(inputs, attestation=entry.get("attestation"))


def accept_bundle(data: bytes, publisher_name: str, public_key_pem: bytes, *, max_bytes: int,
                  registry: Registry) -> AcceptedBundle:
    """Verify an uploaded bundle zip; raise BundleRejected, EntryInvalid, NotPublishable or BundleTooLarge.

    Besides the publisher's signature and the gate, the evaluator's attestation
    (in entry.json) must verify and be vouched for by this catalogue's registry.
    """
    with tempfile.TemporaryDirectory(prefix="saferkit-intake-") as tmp:
        folder = extract_bundle(data, Path(tmp) / "bundle", max_bytes=max_bytes)
        signed = verify_bundle(folder, public_key_pem)
        entry = read_entry(folder)
        validate_entry(entry)
        if "signature" in entry:
            raise EntryInvalid([("signature", "is added by the catalogue; leave it out of entry.json")])
        chain = check_chain(_check_artifacts(entry, folder), registry)
        entry["vetting"] = vetting_summary(chain)  # the catalogue's own reading, with its registry's names
        signature_text = (folder / SIGNATURE_FILE).read_text(encoding="utf-8")
        entry["signature"] = {"method": METHOD, "publisher": publisher_name,
                              "public_key_sha256": public_key_sha256(public_key_pem),
                              "signature_sha256": bytes_sha256(signature_text.encode("utf-8")),
                              "signed_files": signed}
        return AcceptedBundle(entry, content_sha256(folder), signature_text)
