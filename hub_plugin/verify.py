"""`saferkit hub verify`: check a published bundle offline, from its folder or its downloaded .zip.

Three links, each named when it fails: the publisher's signature over every
file, the gate (qualified; submission, report and scorecard tie together), and
the evaluator's attestation (with a registry: accredited evaluator and profile).
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.hub_plugin.bundle import SUBMISSION_DIR, extract_bundle, read_entry
from saferkit.hub_plugin.chain import Chain, check_chain
from saferkit.hub_plugin.gate import REPORT_FILE, SCORECARD_FILE, check_publishable
from saferkit.hub_plugin.registry import Registry
from saferkit.hub_plugin.signing import verify_bundle

MAX_VERIFY_BYTES = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class Verified:
    """What an offline check established."""

    entry: dict[str, Any]
    signed_files: dict[str, str]
    chain: Chain


def _verify_folder(folder: Path, public_key_pem: bytes, registry: Registry | None) -> Verified:
    signed = verify_bundle(folder, public_key_pem)
    entry = read_entry(folder)
    inputs = check_publishable(folder / SUBMISSION_DIR, folder / REPORT_FILE, folder / SCORECARD_FILE)
    chain = check_chain(replace(inputs, attestation=entry.get("attestation")), registry)
    return Verified(entry, signed, chain)


def verify_published(path: Path, public_key_pem: bytes, registry: Registry | None = None) -> Verified:
    """Verify a bundle folder or the .zip a catalogue serves; raise BundleRejected or NotPublishable."""
    path = Path(path)
    if path.is_dir():
        return _verify_folder(path, public_key_pem, registry)
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise UserError(f"{path} is neither a bundle folder nor a bundle .zip; pass what `hub publish` wrote "
                        "or the catalogue's download.")
    with tempfile.TemporaryDirectory(prefix="saferkit-verify-") as tmp:
        folder = extract_bundle(path.read_bytes(), Path(tmp) / "bundle", max_bytes=MAX_VERIFY_BYTES)
        return _verify_folder(folder, public_key_pem, registry)

