"""The hub's registry of accredited evaluators (public keys) and accredited profiles (by digest).

A catalogue trusts a scorecard only when it was signed by an evaluator the
operator accredited and judged under a profile the operator accredited. The
server keeps the registry in its database (`saferkit hub accredit ... --db`);
a folder catalogue (bundle publishing, air-gapped transfer) keeps it in one
JSON file the operator owns (`saferkit hub accredit ... --registry FILE`), in
the same shape the server's `GET /api/v1/registry` answers, so a reader can
download it and check a bundle offline with `saferkit hub verify --registry`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from saferkit.core.atomic import write_json_atomic
from saferkit.core.errors import UserError
from saferkit.core.keys import check_public_key, public_key_sha256

REGISTRY_ENV = "SAFERKIT_HUB_REGISTRY"
REGISTRY_FORMAT = "saferkit-hub-registry/1"


@dataclass(frozen=True)
class AccreditedEvaluator:
    """An evaluator's public key the operator trusts, until `expires` (a date) or revocation."""

    key_sha256: str
    name: str
    public_key_pem: str
    expires: str | None = None
    revoked_at: str | None = None
    added_at: str | None = None

    def refusal(self, today: dt.date, role: str = "evaluator") -> tuple[str, str] | None:
        """(check, reason) when the key may no longer vouch in `role` (evaluator or reviewer); None while accredited."""
        if self.revoked_at:
            return f"{role}-revoked", (f"{role} {self.name!r} (key {self.key_sha256[:12]}...) was revoked on "
                                       f"{self.revoked_at[:10]}; have the tool evaluated again by an accredited evaluator.")
        if self.expires and dt.date.fromisoformat(self.expires) < today:
            return f"{role}-expired", (f"the accreditation of {role} {self.name!r} (key {self.key_sha256[:12]}...) "
                                       f"expired on {self.expires}; ask the operator to renew it or evaluate again.")
        return None


@dataclass(frozen=True)
class AccreditedProfile:
    """A profile the operator accepts, identified by the sha256 of its exact text."""

    sha256: str
    name: str
    version: str
    content: str
    revoked_at: str | None = None
    added_at: str | None = None


@dataclass(frozen=True)
class Registry:
    """A snapshot of what a catalogue accredits."""

    evaluators: dict[str, AccreditedEvaluator] = field(default_factory=dict)
    profiles: dict[str, AccreditedProfile] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": REGISTRY_FORMAT,
                "evaluators": [asdict(e) for _, e in sorted(self.evaluators.items())],
                "profiles": [asdict(p) for _, p in sorted(self.profiles.items())]}

    @classmethod
    def from_json(cls, data: Any, source: str) -> "Registry":
        if not isinstance(data, dict) or data.get("format") != REGISTRY_FORMAT:
            raise UserError(f"{source} is not a hub registry ({REGISTRY_FORMAT}); make it with `saferkit hub accredit`.")
        try:
            evaluators = [AccreditedEvaluator(**item) for item in data.get("evaluators", [])]
            profiles = [AccreditedProfile(**item) for item in data.get("profiles", [])]
        except TypeError as exc:
            raise UserError(f"{source} has a malformed entry ({exc}); make it with `saferkit hub accredit`.") from None
        return cls({e.key_sha256: e for e in evaluators}, {p.sha256: p for p in profiles})


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def parse_expiry(text: str | None) -> str | None:
    """An --expires value as an ISO date, or a clear error."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise UserError(f"--expires {text!r} is not a date; write it as YYYY-MM-DD.") from None


def evaluator_record(public_key_pem: bytes, name: str, expires: str | None) -> AccreditedEvaluator:
    """The registry record for an evaluator's .pub file."""
    check_public_key(public_key_pem)
    if not name.strip():
        raise UserError("give the evaluator a --name (shown on every tool page it vouches for).")
    return AccreditedEvaluator(public_key_sha256(public_key_pem), name.strip(), public_key_pem.decode("ascii"),
                               parse_expiry(expires), None, _now())


def profile_record(profile_path: Path, version: str | None) -> AccreditedProfile:
    """The registry record for a profile file: its digest, name (from the file) and version."""
    from saferkit.ethics.attestation import profile_sha256
    from saferkit.ethics.profile import parse_profile

    profile_path = Path(profile_path)
    if not profile_path.is_file():
        raise UserError(f"{profile_path} does not exist; pass a profile YAML (`saferkit ethics profile` prints the default).")
    text = profile_path.read_text(encoding="utf-8")
    profile = parse_profile(text, str(profile_path))
    document = yaml.safe_load(text)
    chosen = version or str(document.get("version") or "1")
    return AccreditedProfile(profile_sha256(text), profile.name, chosen, text, None, _now())


def key_id(target: str) -> str:
    """A key id from a .pub file or a sha256 given directly (for `hub revoke evaluator`)."""
    path = Path(target)
    if path.is_file():
        return public_key_sha256(check_public_key(path.read_bytes()))
    return target.strip().lower()


def profile_id(target: str) -> str:
    """A profile digest from a profile file or a sha256 given directly (for `hub revoke profile`)."""
    from saferkit.ethics.attestation import profile_sha256

    path = Path(target)
    return profile_sha256(path.read_text(encoding="utf-8")) if path.is_file() else target.strip().lower()


class RegistryFile:
    """The registry of a folder catalogue: one JSON file, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> Registry:
        if not self.path.is_file():
            raise UserError(f"the registry {self.path} does not exist; the catalogue operator makes it with "
                            "`saferkit hub accredit evaluator KEY.pub --name NAME --registry FILE`.")
        try:
            data = json.loads(self.path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise UserError(f"the registry {self.path} is not JSON; make it with `saferkit hub accredit`.") from None
        return Registry.from_json(data, str(self.path))

    def _load_or_empty(self) -> Registry:
        return self.load() if self.path.exists() else Registry()

    def _save(self, registry: Registry) -> None:
        write_json_atomic(self.path, registry.to_json())

    def accredit_evaluator(self, record: AccreditedEvaluator) -> AccreditedEvaluator:
        registry = self._load_or_empty()
        self._save(replace(registry, evaluators={**registry.evaluators, record.key_sha256: record}))
        return record

    def accredit_profile(self, record: AccreditedProfile) -> AccreditedProfile:
        registry = self._load_or_empty()
        self._save(replace(registry, profiles={**registry.profiles, record.sha256: record}))
        return record

    def revoke_evaluator(self, key_sha256: str) -> AccreditedEvaluator:
        registry = self.load()
        if key_sha256 not in registry.evaluators:
            raise UserError(f"no accredited evaluator with key {key_sha256[:16]}... in {self.path}.")
        revoked = replace(registry.evaluators[key_sha256], revoked_at=_now())
        self._save(replace(registry, evaluators={**registry.evaluators, key_sha256: revoked}))
        return revoked

    def revoke_profile(self, sha256: str) -> AccreditedProfile:
        registry = self.load()
        if sha256 not in registry.profiles:
            raise UserError(f"no accredited profile with digest {sha256[:16]}... in {self.path}.")
        revoked = replace(registry.profiles[sha256], revoked_at=_now())
        self._save(replace(registry, profiles={**registry.profiles, sha256: revoked}))
        return revoked


def registry_from_env_or(path: Path | None) -> Path | None:
    """The registry file given, else $SAFERKIT_HUB_REGISTRY, else None."""
    if path is not None:
        return Path(path)
    env = os.environ.get(REGISTRY_ENV)
    return Path(env) if env else None

