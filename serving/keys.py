"""API keys: loaded from a file or the environment, held only as digests, checked in constant time.

Each key gets a short id (a digest prefix in its own domain, so the id reveals
nothing usable about the stored digest) that the audit log and the rate limiter use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from saferkit.core.errors import UserError
from saferkit.serving.server import require_safe_bind

ENV_VAR = "SAFERKIT_API_KEYS"
MIN_KEY_LENGTH = 16
GENERATE_HINT = "generate one with: python -c \"import secrets; print(secrets.token_urlsafe(32))\""


def _digest(key: str) -> bytes:
    return hashlib.sha256(b"saferkit-api-key\0" + key.encode()).digest()


def key_id(key: str) -> str:
    """A stable, non-secret name for a key, for logs and limits."""
    return "key-" + hashlib.sha256(b"saferkit-key-id\0" + key.encode()).hexdigest()[:10]


def generate_key() -> str:
    """A fresh random key (256 bits)."""
    return secrets.token_urlsafe(32)


class ApiKeys:
    """The keys a server accepts, as digests; `identify` answers which key (if any) was shown."""

    def __init__(self, keys: list[str]) -> None:
        short = [k for k in keys if len(k) < MIN_KEY_LENGTH]
        if short:
            raise UserError(f"{len(short)} API key(s) are shorter than {MIN_KEY_LENGTH} characters; {GENERATE_HINT}")
        self._entries = [(_digest(k), key_id(k)) for k in dict.fromkeys(keys)]

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def load(cls, path: Path | None = None, environ: dict[str, str] | None = None) -> "ApiKeys":
        """Keys from `path` (one a line, '#' comments) and from SAFERKIT_API_KEYS (comma-separated)."""
        keys: list[str] = []
        if path is not None:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise UserError(f"API key file {path} does not exist; create it with one key a line.") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError(f"cannot read API key file {path}: {exc}") from None
            keys += [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
            if not keys:
                raise UserError(f"API key file {path} holds no keys; put one key a line.")
        env = (os.environ if environ is None else environ).get(ENV_VAR, "")
        keys += [part.strip() for part in env.split(",") if part.strip()]
        return cls(keys)

    def identify(self, presented: str | None) -> str | None:
        """The id of the matching key, or None; every stored digest is compared, in constant time."""
        if not presented:
            return None
        candidate = _digest(presented)
        found = None
        for digest, ident in self._entries:
            if hmac.compare_digest(candidate, digest):
                found = ident
        return found


def presented_key(headers: dict[str, str]) -> str | None:
    """The key a request carries: `Authorization: Bearer KEY` or `X-API-Key: KEY` (lower-case header names)."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


@dataclass(frozen=True)
class SessionKeys:
    """The keys a server session accepts, and the key made for this session when none was configured."""

    keys: ApiKeys
    generated: str | None = None


def session_keys(path: Path | None, host: str, environ: dict[str, str] | None = None) -> SessionKeys:
    """The configured keys (file and SAFERKIT_API_KEYS); without any, a fresh key for this session only.

    Without configured keys the server may only listen on loopback (UserError
    otherwise); the generated key changes on every start.
    """
    keys = ApiKeys.load(path, environ)
    require_safe_bind(host, len(keys))
    if len(keys):
        return SessionKeys(keys)
    generated = generate_key()
    return SessionKeys(ApiKeys([generated]), generated)
