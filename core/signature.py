"""Detached ECDSA signatures over a JSON statement: who vouched for what, checkable offline.

A signed document is plain JSON, so it can sit beside the file it vouches for
or inside another document:

    {"format": "saferkit-signed/1", "statement": {...}, "public_key": "-----BEGIN PUBLIC KEY-----...",
     "key_sha256": "<sha256 of the key's DER>", "signature": "<base64 ECDSA-SHA256 over canonical JSON>"}

The signature covers the canonical JSON of the statement (sorted keys, no
spaces), so re-serialising the document does not break it but changing any
value does. The signer is identified by `key_sha256`, which must match the key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from saferkit.core.errors import UserError
from saferkit.core.keys import check_public_key, public_key_of, public_key_sha256

SIGNED_FORMAT = "saferkit-signed/1"


class SignatureInvalid(UserError):
    """A signed document that is malformed, or whose signature does not match its statement."""


def canonical_json(data: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def utc_now() -> str:
    """A signing time: UTC, seconds, ISO 8601."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class Signer:
    """An EC private key (from `saferkit hub keygen`) loaded and checked once, for callers that sign again and
    again (the server signs its audit chain's head after every line): no key file is read per signature."""

    def __init__(self, private_key: Path) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.public_pem = public_key_of(private_key)  # clear errors for a missing or unusable key
        key = serialization.load_pem_private_key(Path(private_key).read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise UserError(f"{private_key} is not an elliptic-curve key; make one with `saferkit hub keygen`.")
        check_public_key(self.public_pem)
        self._key = key
        self.key_sha256 = public_key_sha256(self.public_pem)

    def sign(self, statement: dict[str, Any]) -> dict[str, Any]:
        """The signed document of `statement`."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        signature = self._key.sign(canonical_json(statement), ec.ECDSA(hashes.SHA256()))
        return {"format": SIGNED_FORMAT, "statement": statement, "public_key": self.public_pem.decode("ascii"),
                "key_sha256": self.key_sha256, "signature": base64.b64encode(signature).decode("ascii")}


def sign_statement(statement: dict[str, Any], private_key: Path) -> dict[str, Any]:
    """Sign `statement` with an EC private key (from `saferkit hub keygen`); return the signed document."""
    return Signer(private_key).sign(statement)


def verify_statement(document: Any, what: str = "the signed document") -> dict[str, Any]:
    """The statement of a signed document whose signature verifies; SignatureInvalid otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if not isinstance(document, dict) or document.get("format") != SIGNED_FORMAT:
        raise SignatureInvalid(f"{what} is not a {SIGNED_FORMAT} signed document.")
    statement, pem, signature = document.get("statement"), document.get("public_key"), document.get("signature")
    if not isinstance(statement, dict) or not isinstance(pem, str) or not isinstance(signature, str):
        raise SignatureInvalid(f"{what} lacks its statement, public key or signature.")
    try:
        check_public_key(pem.encode("ascii"))
        key = serialization.load_pem_public_key(pem.encode("ascii"))
        raw = base64.b64decode(signature, validate=True)
    except (UserError, ValueError, UnicodeEncodeError):
        raise SignatureInvalid(f"{what} has an unreadable public key or signature.") from None
    if document.get("key_sha256") != public_key_sha256(pem.encode("ascii")):
        raise SignatureInvalid(f"{what} names a key id that is not its public key's.")
    assert isinstance(key, ec.EllipticCurvePublicKey)  # check_public_key allows only EC keys
    try:
        key.verify(raw, canonical_json(statement), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureInvalid(f"{what}: the signature does not match its content (changed after signing).") from None
    return statement
