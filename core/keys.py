"""Elliptic-curve (P-256) key pairs: publishers sign bundles, evaluators and reviewers sign their judgements."""

from __future__ import annotations

import hashlib
from pathlib import Path

from saferkit.core.atomic import write_bytes_atomic
from saferkit.core.errors import UserError

SUPPORTED_CURVES = ("secp256r1", "secp384r1", "secp521r1")


def generate_keypair(private_path: Path, public_path: Path | None = None, *, overwrite: bool = False) -> tuple[Path, Path]:
    """Write a new P-256 private key (mode 0600) and its public key; refuse to replace existing keys."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private_path = Path(private_path)
    public_path = Path(public_path) if public_path else private_path.with_suffix(".pub")
    for path in (private_path, public_path):
        if path.exists() and not overwrite:
            raise UserError(f"{path} already exists; pass --overwrite to replace it or choose another --out.")
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    write_bytes_atomic(private_path, private_pem, private=True)
    write_bytes_atomic(public_path, public_pem)
    return private_path, public_path


def check_public_key(pem: bytes) -> bytes:
    """Return `pem` if it is an elliptic-curve public key model-signing accepts; else a UserError."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise UserError("the public key is not a PEM public key; use the .pub file `saferkit hub keygen` wrote.") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in SUPPORTED_CURVES:
        raise UserError(f"the public key must be an elliptic-curve key on {', '.join(SUPPORTED_CURVES)}; "
                        "make one with `saferkit hub keygen`.")
    return pem


def public_key_sha256(pem: bytes) -> str:
    """Fingerprint of a public key: sha256 of its DER SubjectPublicKeyInfo."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def public_key_of(private_path: Path) -> bytes:
    """The PEM public key that belongs to a private key file (so publishers need only one file)."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(Path(private_path).read_bytes(), password=None)
    except FileNotFoundError:
        raise UserError(f"{private_path} does not exist; make a key pair with `saferkit hub keygen`.") from None
    except (ValueError, TypeError):
        raise UserError(f"{private_path} is not an unencrypted PEM private key; make one with `saferkit hub keygen`.") from None
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
