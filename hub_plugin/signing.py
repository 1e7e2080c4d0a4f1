"""Signing and verifying a bundle folder with OpenSSF model-signing and an elliptic-curve key.

The signature covers every file in the bundle (entry, submission, report,
scorecard) and works offline: no Sigstore, no transparency log. Verification
names each file whose digest differs from what was signed.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path

from saferkit.core.errors import UserError
from saferkit.core.digest import file_sha256
from saferkit.core.keys import check_public_key, public_key_of

SIGNATURE_FILE = "signature.sig"
METHOD = "model-signing/elliptic-key"


class BundleRejected(UserError):
    """A bundle is unsigned, signed by another key, or altered after signing."""

    def __init__(self, message: str, files: list[str] | None = None) -> None:
        self.files = files or []
        super().__init__(message)


def _hashing_config():
    from model_signing import hashing

    return hashing.Config().set_ignored_paths(paths=[SIGNATURE_FILE], ignore_git_paths=False)


def sign_bundle(folder: Path, private_key: Path) -> Path:
    """Sign every file under `folder` into `folder/signature.sig`; return the signature path."""
    from model_signing import signing

    folder = Path(folder)
    public_key_of(private_key)  # a clear error for a missing or unusable key before signing
    signature = folder / SIGNATURE_FILE
    signing.Config().set_hashing_config(_hashing_config()).use_elliptic_key_signer(
        private_key=Path(private_key)).sign(folder, signature)
    return signature


def signed_digests(signature_path: Path) -> dict[str, str]:
    """The file digests a signature lists (read from its payload; trust only after `verify_bundle`)."""
    envelope = json.loads(Path(signature_path).read_text(encoding="utf-8"))["dsseEnvelope"]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    return {item["name"]: item["digest"] for item in statement["predicate"]["resources"]}


def _actual_digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != SIGNATURE_FILE}


def _tampered_files(folder: Path, signature_path: Path) -> list[str]:
    expected, actual = signed_digests(signature_path), _actual_digests(folder)
    problems = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            problems.append(f"{name} (signed but missing)")
        elif name not in expected:
            problems.append(f"{name} (present but not signed)")
        elif expected[name] != actual[name]:
            problems.append(f"{name} (digest differs from the signed one)")
    return problems


def verify_bundle(folder: Path, public_key_pem: bytes) -> dict[str, str]:
    """Check the bundle's signature against a trusted public key; return the signed file digests.

    Raises BundleRejected when the signature is missing or unreadable, was made
    with another key, or when any file differs from what was signed (named).
    """
    from model_signing import verifying

    folder = Path(folder)
    signature = folder / SIGNATURE_FILE
    if not signature.is_file():
        raise BundleRejected(f"the bundle is unsigned: {SIGNATURE_FILE} is missing; publish with `saferkit hub publish`, which signs it.")
    check_public_key(public_key_pem)
    with tempfile.TemporaryDirectory(prefix="saferkit-key-") as tmp:
        key_path = Path(tmp) / "publisher.pub"
        key_path.write_bytes(public_key_pem)
        try:
            verifying.Config().use_elliptic_key_verifier(public_key=key_path).verify(folder, signature)
        except ValueError as exc:
            text = str(exc)
            if text.startswith("Signature mismatch"):
                files = _tampered_files(folder, signature)
                raise BundleRejected("the bundle was changed after signing: " + "; ".join(files), files) from None
            if text.startswith("Key mismatch"):
                raise BundleRejected("the bundle was signed with a key other than the publisher's registered key.") from None
            raise BundleRejected(f"the bundle signature is not valid: {text.splitlines()[0][:200]}") from None
        except Exception as exc:  # malformed signature files raise many types inside model-signing
            raise BundleRejected(f"the bundle signature cannot be read or is not valid ({type(exc).__name__}).") from None
    return signed_digests(signature)
