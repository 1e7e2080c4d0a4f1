"""What agencies say about a tool: signed field evidence and moderated experience reports.

Field reports are checked to be aggregate-only and signed (evaluation/private_report.py)
before they are stored; the page shows them beside the synthetic-data results with the
agency's name or the anonymised label it chose. Experience reports from reader accounts
wait for the operator (held -> published / removed, each decision with its reason kept
in the audit); the tool's publisher may answer.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from saferkit.core.signature import canonical_json
from saferkit.evaluation.private_report import verify_field_report
from saferkit.hub_plugin.languages import LANGUAGES
from saferkit.hub_plugin.server.accounts import record
from saferkit.hub_plugin.server.models import ExperienceReport, FieldReport, Tool, ToolVersion, utcnow
from saferkit.hub_plugin.server.store import Catalogue, CatalogueError, Principal

STATES = ("held", "published", "removed")
LABEL = r"^[^\x00-\x1f<>]{1,120}$"


class FieldUpload(BaseModel):
    """A signed field report and how the agency wants to be named (its own name or an anonymised label)."""

    document: dict[str, Any]
    label: str = Field(min_length=1, max_length=120, pattern=LABEL)


class Experience(BaseModel):
    """The structured fields of an experience report."""

    lang: str = Field(pattern="^(" + "|".join(LANGUAGES) + ")$")
    context: str = Field(min_length=1, max_length=2000)
    hardware: str = Field(min_length=1, max_length=500)
    volume_items: int = Field(ge=0, le=10**12)
    throughput_items_per_hour: float = Field(ge=0, le=1e12)
    problems: str = Field(default="", max_length=4000)
    recommend: bool


class Decision(BaseModel):
    state: str = Field(pattern="^(held|published|removed)$")
    reason: str = Field(min_length=1, max_length=2000)


class Answer(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    lang: str = Field(default="en", pattern="^(" + "|".join(LANGUAGES) + ")$")


def _version_exists(session: Any, tool_id: str, version: str) -> Tool:
    tool = session.get(Tool, tool_id)
    found = session.scalar(select(ToolVersion.id).where(ToolVersion.tool_id == tool_id, ToolVersion.version == version))
    if tool is None or found is None:
        raise CatalogueError(f"no version {version!r} of tool {tool_id!r} in the catalogue.", 404)
    return tool


def add_field_report(catalogue: Catalogue, who: Principal, tool_id: str, version: str, upload: FieldUpload) -> dict[str, Any]:
    """Verify (signature, aggregate-only, the right tool) and store a field report."""
    statement = verify_field_report(upload.document)
    tool = statement["tool"]
    if (tool["name"], tool["version"]) != (tool_id, version):
        raise CatalogueError(f"this field report evaluated {tool['name']} {tool['version']}, not {tool_id} {version}.", 422)
    digest = hashlib.sha256(canonical_json(upload.document)).hexdigest()
    with catalogue.sessions.begin() as session:
        entry_tool = _version_exists(session, tool_id, version)
        row = session.scalar(select(ToolVersion).where(ToolVersion.tool_id == tool_id, ToolVersion.version == version))
        if row is not None and json.loads(row.entry_json)["artifacts"]["submission_sha256"] != tool["sha256"]:
            raise CatalogueError("this field report evaluated another submission than the one listed "
                                 f"as {tool_id} {version} (submission digest differs).", 422)
        if session.scalar(select(FieldReport.id).where(FieldReport.document_sha256 == digest)):
            raise CatalogueError("this field report was already uploaded.", 409)
        session.add(FieldReport(tool_id=entry_tool.id, version=version, label=upload.label.strip(),
                                key_sha256=upload.document["key_sha256"], document_json=json.dumps(upload.document),
                                document_sha256=digest, created_at=utcnow()))
    record(catalogue, who, "field-report", f"{tool_id} {version}", upload.label)
    return {"status": "stored", "id": tool_id, "version": version, "sha256": digest}


def field_reports(catalogue: Catalogue, tool_id: str, version: str) -> list[dict[str, Any]]:
    with catalogue.sessions() as session:
        rows = session.scalars(select(FieldReport).where(FieldReport.tool_id == tool_id, FieldReport.version == version)
                               .order_by(FieldReport.id)).all()
        return [{"label": row.label, "key_sha256": row.key_sha256, "uploaded_at": row.created_at.isoformat(),
                 "report": json.loads(row.document_json)["statement"]} for row in rows]


def add_experience(catalogue: Catalogue, who: Principal, tool_id: str, version: str, report: Experience) -> dict[str, Any]:
    with catalogue.sessions.begin() as session:
        _version_exists(session, tool_id, version)
        fields = report.model_dump(exclude={"lang"})
        row = ExperienceReport(tool_id=tool_id, version=version, author=who.label, lang=report.lang,
                               fields_json=json.dumps(fields), state="held", created_at=utcnow())
        session.add(row)
        session.flush()
        number = row.id
    record(catalogue, who, "experience-post", f"experience {number} on {tool_id} {version}")
    return {"id": number, "state": "held"}


def moderate(catalogue: Catalogue, who: Principal, number: int, decision: Decision) -> dict[str, Any]:
    with catalogue.sessions.begin() as session:
        row = session.get(ExperienceReport, number)
        if row is None:
            raise CatalogueError(f"no experience report {number}.", 404)
        row.state, row.reason, row.moderated_at = decision.state, decision.reason.strip(), utcnow()
    record(catalogue, who, f"moderate-{decision.state}", f"experience {number}", decision.reason.strip())
    return {"id": number, "state": decision.state, "reason": decision.reason.strip()}


def answer(catalogue: Catalogue, who: Principal, number: int, reply: Answer) -> dict[str, Any]:
    with catalogue.sessions.begin() as session:
        row = session.get(ExperienceReport, number)
        if row is None:
            raise CatalogueError(f"no experience report {number}.", 404)
        tool = session.get(Tool, row.tool_id)
        if tool is None or tool.publisher_id != who.publisher_id:
            raise CatalogueError(f"only the publisher of {row.tool_id!r} may answer its experience reports.", 403)
        row.answer, row.answer_lang = reply.text.strip(), reply.lang
    record(catalogue, who, "experience-answer", f"experience {number}")
    return {"id": number, "answered": True}


def experiences(catalogue: Catalogue, tool_id: str, *, states: tuple[str, ...] = ("published",)) -> list[dict[str, Any]]:
    with catalogue.sessions() as session:
        rows = session.scalars(select(ExperienceReport).where(ExperienceReport.tool_id == tool_id,
                                                              ExperienceReport.state.in_(states))
                               .order_by(ExperienceReport.id)).all()
        return [{"id": row.id, "version": row.version, "author": row.author, "lang": row.lang, "state": row.state,
                 "reason": row.reason, "answer": row.answer, "answer_lang": row.answer_lang,
                 "posted_at": row.created_at.isoformat(), **json.loads(row.fields_json)} for row in rows]


def held_experiences(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Every report awaiting the operator, across tools."""
    with catalogue.sessions() as session:
        tools = [row for row in session.scalars(select(ExperienceReport.tool_id).where(ExperienceReport.state == "held")
                                                .distinct())]
    return [report for tool in sorted(tools) for report in experiences(catalogue, tool, states=("held",))]
