"""The catalogue's storage operations; each write is one transaction, so nothing is half-written."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from saferkit.core.errors import UserError
from saferkit.core.keys import check_public_key, public_key_sha256
from saferkit.hub_plugin.server.db import make_engine, migrate
from saferkit.hub_plugin import registry as reg
from saferkit.hub_plugin.server.models import AccreditedProfile, ApiKey, Evaluator, Publisher, Tool, ToolVersion, VersionTag, utcnow

ROLES = ("reader", "publisher", "operator")
DEPLOYMENT_TAGS = ("on-premise", "offline", "cpu", "gpu", "no-network", "data-stays")


class CatalogueError(UserError):
    """A refused catalogue operation; `status` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Principal:
    """Who an API key belongs to."""

    role: str
    label: str
    publisher_id: int | None = None
    publisher_name: str | None = None


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def semver_key(version: str) -> tuple:
    """Sort key for semantic versions: a release sorts after its pre-releases."""
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?", version)
    if not match:
        return (0, 0, 0, 0, version)
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def entry_tags(entry: dict[str, Any]) -> set[tuple[str, str]]:
    """The facets a list can filter on."""
    tags = {("purpose", v) for v in entry["categories"]["purpose"]}
    tags |= {("technology", v) for v in entry["categories"]["technology"]}
    tags |= {("step", v) for v in entry["investigative_steps"]} | {("user", v) for v in entry["target_users"]}
    tags |= {("language", v) for v in entry["languages"]}
    tags.add(("license", entry["license"]))
    if entry.get("input"):
        tags.add(("task", entry["input"]["task"]))
    profile = ((entry.get("vetting") or {}).get("profile") or {}).get("name")
    if profile and (entry.get("vetting") or {}).get("accredited", True):
        tags.add(("profile", str(profile)[:64]))
    deployment = entry["deployment"]
    flags = {"on-premise": deployment["on_premise"], "offline": deployment["offline"],
             "cpu": "cpu" in deployment["compute"], "gpu": "gpu" in deployment["compute"],
             "no-network": not deployment["needs_network"], "data-stays": not deployment["data_leaves_premises"]}
    tags |= {("deployment", name) for name, on in flags.items() if on}
    return tags


def search_text(entry: dict[str, Any]) -> str:
    """Everything a text search should find, in every language, lower-cased."""
    parts = [entry["id"], entry["name"], entry["vendor"]["name"]]
    for texts in [entry["summary"], entry.get("description") or {}, *entry["model_card"].values()]:
        parts.extend(texts.values())
    return "\n".join(parts).lower()


def version_record(row: ToolVersion) -> dict[str, Any]:
    return {"version": row.version, "status": row.status, "withdrawn_reason": row.withdrawn_reason,
            "withdrawn_at": row.withdrawn_at.isoformat() if row.withdrawn_at else None,
            "published_at": row.created_at.isoformat() if row.created_at else None,
            "content_sha256": row.content_sha256}


class Catalogue:
    """The catalogue database: publishers, keys, tools and their versions."""

    def __init__(self, db_url: str) -> None:
        self.engine = make_engine(db_url)
        try:
            migrate(self.engine)
        except OperationalError as exc:
            self.engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else type(exc).__name__
            raise UserError(f"cannot open the catalogue database {self.engine.url!r} ({reason}); "
                            "check --db and that the database server runs.") from None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # --- keys -------------------------------------------------------------------------------
    def add_publisher(self, name: str, public_key_pem: bytes) -> str:
        """Register a publisher and its public key; return its new API key (shown once)."""
        check_public_key(public_key_pem)
        api_key = "pub_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            if session.scalar(select(Publisher).where(Publisher.name == name)):
                raise CatalogueError(f"a publisher named {name!r} already exists; choose another name.", 409)
            publisher = Publisher(name=name, public_key_pem=public_key_pem.decode("ascii"),
                                  public_key_sha256=public_key_sha256(public_key_pem), created_at=utcnow())
            session.add(publisher)
            session.flush()
            session.add(ApiKey(key_sha256=hash_key(api_key), role="publisher", label=name,
                               publisher_id=publisher.id, created_at=utcnow()))
        return api_key

    def add_reader(self, label: str) -> str:
        """Issue a reader API key (shown once; only its hash is stored)."""
        api_key = "read_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            session.add(ApiKey(key_sha256=hash_key(api_key), role="reader", label=label, created_at=utcnow()))
        return api_key

    def add_operator(self, label: str) -> str:
        """Issue an operator API key: moderates experience reports and reads the audit (shown once)."""
        api_key = "op_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            session.add(ApiKey(key_sha256=hash_key(api_key), role="operator", label=label, created_at=utcnow()))
        return api_key

    def authenticate(self, api_key: str | None) -> Principal | None:
        if not api_key:
            return None
        with self.sessions() as session:
            key = session.scalar(select(ApiKey).where(ApiKey.key_sha256 == hash_key(api_key),
                                                      ApiKey.revoked_at.is_(None)))
            if key is None:
                return None
            return Principal(key.role, key.label, key.publisher_id, key.publisher.name if key.publisher else None)

    def publisher_public_key(self, name: str) -> bytes:
        with self.sessions() as session:
            publisher = session.scalar(select(Publisher).where(Publisher.name == name))
            if publisher is None:
                raise CatalogueError(f"no publisher named {name!r}.", 404)
            return publisher.public_key_pem.encode("ascii")

    # --- accreditation ----------------------------------------------------------------------
    def accredit_evaluator(self, record: reg.AccreditedEvaluator) -> reg.AccreditedEvaluator:
        """Accredit (or re-accredit, clearing a revocation) an evaluator's key."""
        with self.sessions.begin() as session:
            row = session.get(Evaluator, record.key_sha256) or Evaluator(key_sha256=record.key_sha256)
            row.name, row.public_key_pem, row.expires = record.name, record.public_key_pem, record.expires
            row.added_at, row.revoked_at = utcnow(), None
            session.add(row)
        return record

    def accredit_profile(self, record: reg.AccreditedProfile) -> reg.AccreditedProfile:
        """Accredit a profile by the digest of its text."""
        with self.sessions.begin() as session:
            row = session.get(AccreditedProfile, record.sha256) or AccreditedProfile(sha256=record.sha256)
            row.name, row.version, row.content = record.name, record.version, record.content
            row.added_at, row.revoked_at = utcnow(), None
            session.add(row)
        return record

    def revoke_evaluator(self, key_sha256: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(Evaluator, key_sha256)
            if row is None:
                raise CatalogueError(f"no accredited evaluator with key {key_sha256[:16]}...", 404)
            row.revoked_at = row.revoked_at or utcnow()

    def revoke_profile(self, sha256: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(AccreditedProfile, sha256)
            if row is None:
                raise CatalogueError(f"no accredited profile with digest {sha256[:16]}...", 404)
            row.revoked_at = row.revoked_at or utcnow()

    def registry(self) -> reg.Registry:
        """What this catalogue accredits, as the snapshot the chain check reads."""
        def when(value) -> str | None:  # noqa: ANN001
            return value.isoformat() if value else None

        with self.sessions() as session:
            evaluators = {row.key_sha256: reg.AccreditedEvaluator(row.key_sha256, row.name, row.public_key_pem,
                                                                  row.expires, when(row.revoked_at), when(row.added_at))
                          for row in session.scalars(select(Evaluator))}
            profiles = {row.sha256: reg.AccreditedProfile(row.sha256, row.name, row.version, row.content,
                                                          when(row.revoked_at), when(row.added_at))
                        for row in session.scalars(select(AccreditedProfile))}
        return reg.Registry(evaluators, profiles)

    # --- writes -----------------------------------------------------------------------------
    def create_version(self, principal: Principal, entry: dict[str, Any], content_sha256: str,
                       signature: str, bundle_zip: bytes) -> tuple[str, dict[str, Any]]:
        """Store a verified entry as a new version: ("created"|"unchanged", record). One transaction."""
        try:
            with self.sessions.begin() as session:
                return self._create_version(session, principal, entry, content_sha256, signature, bundle_zip)
        except IntegrityError:  # a concurrent publish of the same version won the race: decide again
            with self.sessions.begin() as session:
                return self._create_version(session, principal, entry, content_sha256, signature, bundle_zip)

    def _create_version(self, session: Session, principal: Principal, entry: dict[str, Any],
                        content_sha256: str, signature: str, bundle_zip: bytes) -> tuple[str, dict[str, Any]]:
        tool = session.get(Tool, entry["id"])
        if tool is not None and tool.publisher_id != principal.publisher_id:
            raise CatalogueError(f"tool {entry['id']!r} belongs to another publisher; choose another name.", 403)
        if tool is None:
            tool = Tool(id=entry["id"], publisher_id=principal.publisher_id, created_at=utcnow())
            session.add(tool)
        existing = session.scalar(select(ToolVersion).where(ToolVersion.tool_id == entry["id"],
                                                            ToolVersion.version == entry["version"]))
        if existing is not None:
            if existing.content_sha256 != content_sha256:
                raise CatalogueError(f"{entry['id']} {entry['version']} is already published with different content; "
                                     "a published version never changes, so raise the version number.", 409)
            if existing.status == "withdrawn":
                raise CatalogueError(f"{entry['id']} {entry['version']} was withdrawn ({existing.withdrawn_reason}); "
                                     "publish a new version instead.", 409)
            return "unchanged", version_record(existing)
        row = ToolVersion(tool=tool, version=entry["version"], entry_json=json.dumps(entry, sort_keys=True),
                          content_sha256=content_sha256, signature=signature, bundle_zip=bundle_zip,
                          cost=entry["cost"], search_text=search_text(entry), status="active", created_at=utcnow())
        row.tags = [VersionTag(kind=kind, value=value) for kind, value in sorted(entry_tags(entry))]
        session.add(row)
        session.flush()
        return "created", version_record(row)

    def withdraw(self, principal: Principal, tool_id: str, version: str, reason: str) -> dict[str, Any]:
        """Mark a version withdrawn (it stays in the catalogue, with the reason)."""
        if not reason.strip():
            raise CatalogueError("say why the version is withdrawn (a non-empty reason).", 422)
        with self.sessions.begin() as session:
            row = self._version_row(session, tool_id, version)
            if row.tool.publisher_id != principal.publisher_id:
                raise CatalogueError(f"only the publisher of {tool_id!r} may withdraw its versions.", 403)
            if row.status != "withdrawn":
                row.status, row.withdrawn_reason, row.withdrawn_at = "withdrawn", reason.strip()[:2000], utcnow()
            return version_record(row)

    # --- reads ------------------------------------------------------------------------------
    def _version_row(self, session: Session, tool_id: str, version: str) -> ToolVersion:
        row = session.scalar(select(ToolVersion).where(ToolVersion.tool_id == tool_id, ToolVersion.version == version))
        if row is None:
            raise CatalogueError(f"no version {version!r} of tool {tool_id!r} in the catalogue.", 404)
        return row

    def _latest_active_ids(self, session: Session) -> list[int]:
        latest: dict[str, tuple[tuple, int]] = {}
        rows = session.execute(select(ToolVersion.id, ToolVersion.tool_id, ToolVersion.version)
                               .where(ToolVersion.status == "active"))
        for version_id, tool_id, version in rows:
            key = semver_key(version)
            if tool_id not in latest or key > latest[tool_id][0]:
                latest[tool_id] = (key, version_id)
        return [version_id for _, version_id in latest.values()]

    def list_entries(self, *, category: str | None = None, cost: str | None = None, deployment: str | None = None,
                     language: str | None = None, q: str | None = None, limit: int = 50,
                     offset: int = 0, task: str | None = None, license: str | None = None,
                     profile: str | None = None) -> tuple[int, list[dict[str, Any]]]:
        """(total, entries): the latest active version of each tool that matches every filter."""
        with self.sessions() as session:
            query = select(ToolVersion).where(ToolVersion.id.in_(self._latest_active_ids(session)))

            def has_tag(kinds: tuple[str, ...], value: str):
                return exists().where(VersionTag.version_id == ToolVersion.id, VersionTag.kind.in_(kinds),
                                      VersionTag.value == value)

            if category:
                query = query.where(has_tag(("purpose", "technology"), category))
            if deployment:
                query = query.where(has_tag(("deployment",), deployment))
            if language:
                query = query.where(has_tag(("language",), language))
            for kind, value in (("task", task), ("license", license), ("profile", profile)):
                if value:
                    query = query.where(has_tag((kind,), value))
            if cost:
                query = query.where(ToolVersion.cost == cost)
            if q:
                escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                query = query.where(ToolVersion.search_text.like(f"%{escaped}%", escape="\\"))
            total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = session.scalars(query.order_by(ToolVersion.tool_id).limit(limit).offset(offset)).all()
            return total, [self._summary(row) for row in rows]

    @staticmethod
    def _summary(row: ToolVersion) -> dict[str, Any]:
        entry = json.loads(row.entry_json)
        keys = ("id", "name", "version", "summary", "vendor", "categories", "cost", "license", "deployment", "languages")
        summary = {key: entry[key] for key in keys}
        summary["task"] = (entry.get("input") or {}).get("task")
        summary["profile"] = ((entry.get("vetting") or {}).get("profile") or {}).get("name")
        summary["headline"] = entry["evaluation"]["headline"]
        summary["worst_group_recall"] = entry["evaluation"]["worst_group_recall"]
        summary["published_at"] = row.created_at.isoformat() if row.created_at else None
        return summary

    def get_tool(self, tool_id: str) -> dict[str, Any]:
        """The tool's newest active version (or newest at all) in full, and every version's status."""
        with self.sessions() as session:
            tool = session.get(Tool, tool_id)
            if tool is None:
                raise CatalogueError(f"no tool {tool_id!r} in the catalogue.", 404)
            versions = sorted(tool.versions, key=lambda v: semver_key(v.version), reverse=True)
            active = [v for v in versions if v.status == "active"]
            current = (active or versions)[0]
            return {"id": tool.id, "publisher": tool.publisher.name, "latest": current.version,
                    "versions": [version_record(v) for v in versions], **self._full(current)}

    def get_version(self, tool_id: str, version: str) -> dict[str, Any]:
        with self.sessions() as session:
            row = self._version_row(session, tool_id, version)
            return {"id": tool_id, "publisher": row.tool.publisher.name, **self._full(row)}

    @staticmethod
    def _full(row: ToolVersion) -> dict[str, Any]:
        return {"entry": json.loads(row.entry_json), **version_record(row)}

    def bundle(self, tool_id: str, version: str) -> bytes:
        with self.sessions() as session:
            return self._version_row(session, tool_id, version).bundle_zip

    def facet_values(self, kind: str) -> list[str]:
        """The values a filter can take, from what is listed (licences, tasks, profiles)."""
        with self.sessions() as session:
            return sorted(set(session.scalars(select(VersionTag.value).where(VersionTag.kind == kind))))

    def counts(self) -> dict[str, int]:
        with self.sessions() as session:
            return {"tools": session.scalar(select(func.count()).select_from(Tool)) or 0,
                    "versions": session.scalar(select(func.count()).select_from(ToolVersion)) or 0}
