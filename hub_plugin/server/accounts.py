"""Web sessions and the audit of who read and published what.

The browser's cookie holds a random session id, never the API key; the
database keeps only the id's sha256, the account it belongs to and when it
ends. Logging out ends the session on the server, so a copied cookie stops
working too. Roles stay apart: only reader and operator accounts sign in to the
pages (a publisher key publishes; it is not a reader account).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from saferkit.hub_plugin.server.models import ApiKey, AuditEvent, WebSession, utcnow
from saferkit.hub_plugin.server.store import Catalogue, Principal, hash_key

SESSION_HOURS = 12
WEB_ROLES = ("reader", "operator")


class NotAReaderAccount(Exception):
    """A valid key whose role may not sign in to the pages (a publisher key)."""


def _principal(key: ApiKey) -> Principal:
    return Principal(key.role, key.label, key.publisher_id, key.publisher.name if key.publisher else None)


def start_session(catalogue: Catalogue, api_key: str) -> tuple[str, Principal] | None:
    """A new session for a reader or operator key: (cookie value, who); None for an unknown key."""
    token = secrets.token_urlsafe(32)
    with catalogue.sessions.begin() as session:
        key = session.scalar(select(ApiKey).where(ApiKey.key_sha256 == hash_key(api_key), ApiKey.revoked_at.is_(None)))
        if key is None:
            return None
        if key.role not in WEB_ROLES:
            raise NotAReaderAccount(key.role)
        now = utcnow()
        session.add(WebSession(id_sha256=hash_key(token), api_key_id=key.id, created_at=now,
                               expires_at=now + timedelta(hours=SESSION_HOURS)))
        who = _principal(key)
    record(catalogue, who, "login", "web")
    return token, who


def session_principal(catalogue: Catalogue, token: str | None) -> Principal | None:
    """Who a session cookie belongs to, while the session lasts and its key is not revoked."""
    if not token:
        return None
    with catalogue.sessions() as session:
        row = session.get(WebSession, hash_key(token))
        if row is None or row.ended_at is not None or row.api_key.revoked_at is not None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=utcnow().tzinfo)
        if expires <= utcnow():
            return None
        return _principal(row.api_key)


def end_session(catalogue: Catalogue, token: str | None) -> None:
    """Log out: the session id is dead on the server from now on."""
    if not token:
        return
    with catalogue.sessions.begin() as session:
        row = session.get(WebSession, hash_key(token))
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()
            who = _principal(row.api_key)
        else:
            return
    record(catalogue, who, "logout", "web")


def record(catalogue: Catalogue, who: Principal, action: str, target: str, detail: str | None = None) -> None:
    """Append one audit event (its own small transaction)."""
    with catalogue.sessions.begin() as session:
        session.add(AuditEvent(at=utcnow(), actor=who.label[:120], role=who.role, action=action[:40],
                               target=target[:200], detail=detail))


def audit_events(catalogue: Catalogue, limit: int = 200) -> list[dict[str, Any]]:
    """The newest audit events first."""
    with catalogue.sessions() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()
        return [{"at": row.at.isoformat(), "actor": row.actor, "role": row.role, "action": row.action,
                 "target": row.target, "detail": row.detail} for row in rows]
