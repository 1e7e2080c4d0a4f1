"""Catalogue tables. The schema itself is created and evolved only by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Publisher(Base):
    """A team or vendor allowed to publish, with the public key its bundles must be signed by."""

    __tablename__ = "publishers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    public_key_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """An API key, stored only as its sha256; `role` is reader or publisher."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(120))
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("publishers.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    publisher: Mapped[Publisher | None] = relationship()


class Tool(Base):
    """One tool (entry id), owned by the publisher that first published it."""

    __tablename__ = "tools"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    publisher: Mapped[Publisher] = relationship()
    versions: Mapped[list["ToolVersion"]] = relationship(back_populates="tool", order_by="ToolVersion.id")


class ToolVersion(Base):
    """One published version: the verified entry, its signature and bundle; never deleted, only withdrawn."""

    __tablename__ = "tool_versions"
    __table_args__ = (UniqueConstraint("tool_id", "version", name="uq_tool_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool_id: Mapped[str] = mapped_column(ForeignKey("tools.id"))
    version: Mapped[str] = mapped_column(String(64))
    entry_json: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
    bundle_zip: Mapped[bytes] = mapped_column(LargeBinary)
    cost: Mapped[str] = mapped_column(String(40))
    search_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    withdrawn_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    tool: Mapped[Tool] = relationship(back_populates="versions")
    tags: Mapped[list["VersionTag"]] = relationship(cascade="all, delete-orphan")


class VersionTag(Base):
    """Filterable facets of a version (category, deployment, language, ...), one row each."""

    __tablename__ = "version_tags"
    version_id: Mapped[int] = mapped_column(ForeignKey("tool_versions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)


class Evaluator(Base):
    """An accredited evaluator: a public key whose signed scorecards this catalogue trusts."""

    __tablename__ = "accredited_evaluators"
    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    public_key_pem: Mapped[str] = mapped_column(Text)
    expires: Mapped[str | None] = mapped_column(String(10), nullable=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AccreditedProfile(Base):
    """An accredited evaluation profile, identified by the sha256 of its exact text."""

    __tablename__ = "accredited_profiles"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random id, the database only its sha256 and the account."""

    __tablename__ = "web_sessions"
    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    api_key: Mapped[ApiKey] = relationship()


class AuditEvent(Base):
    """Who read or published what, and when (moderation reasons are kept here too)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class FieldReport(Base):
    """An agency's aggregate-only evaluation of a tool version on its own data, signed with its key."""

    __tablename__ = "field_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool_id: Mapped[str] = mapped_column(ForeignKey("tools.id"))
    version: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    key_sha256: Mapped[str] = mapped_column(String(64))
    document_json: Mapped[str] = mapped_column(Text)
    document_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExperienceReport(Base):
    """A reader account's structured report on a tool version; shown once the operator publishes it."""

    __tablename__ = "experience_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool_id: Mapped[str] = mapped_column(ForeignKey("tools.id"))
    version: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(8))
    fields_json: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="held")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
