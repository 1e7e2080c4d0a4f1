"""API routes for field evidence, experience reports, moderation and the audit."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Path, Request

from saferkit.hub_plugin.server import voices
from saferkit.hub_plugin.server.accounts import audit_events
from saferkit.hub_plugin.server.api import API, MAX_NUMBER, request_principal
from saferkit.hub_plugin.server.store import Catalogue

NUMBER = Path(ge=1, le=MAX_NUMBER)


def add_voice_routes(app: FastAPI, catalogue: Catalogue) -> None:
    @app.post(f"{API}/entries/{{tool_id}}/versions/{{version}}/field-reports", status_code=201)
    def upload_field_report(tool_id: str, version: str, body: voices.FieldUpload, request: Request) -> dict[str, Any]:
        """An agency's signed, aggregate-only field report (reader account)."""
        who = request_principal(catalogue, request, "account")
        return voices.add_field_report(catalogue, who, tool_id, version, body)

    @app.get(f"{API}/entries/{{tool_id}}/versions/{{version}}/field-reports")
    def list_field_reports(tool_id: str, version: str, request: Request) -> dict[str, Any]:
        request_principal(catalogue, request, "reader")
        catalogue.get_version(tool_id, version)
        return {"field_reports": voices.field_reports(catalogue, tool_id, version)}

    @app.post(f"{API}/entries/{{tool_id}}/versions/{{version}}/experiences", status_code=201)
    def post_experience(tool_id: str, version: str, body: voices.Experience, request: Request) -> dict[str, Any]:
        """A reader account's experience report; held until the operator publishes it."""
        who = request_principal(catalogue, request, "account")
        return voices.add_experience(catalogue, who, tool_id, version, body)

    @app.get(f"{API}/entries/{{tool_id}}/experiences")
    def list_experiences(tool_id: str, request: Request) -> dict[str, Any]:
        request_principal(catalogue, request, "reader")
        catalogue.get_tool(tool_id)
        return {"experiences": voices.experiences(catalogue, tool_id)}

    @app.post(f"{API}/experiences/{{number}}/answer")
    def answer_experience(body: voices.Answer, request: Request, number: int = NUMBER) -> dict[str, Any]:
        """The tool's publisher answers a report."""
        return voices.answer(catalogue, request_principal(catalogue, request, "publisher"), number, body)

    @app.post(f"{API}/experiences/{{number}}/moderation")
    def moderate_experience(body: voices.Decision, request: Request, number: int = NUMBER) -> dict[str, Any]:
        """The operator holds, publishes or removes a report; the reason is kept."""
        return voices.moderate(catalogue, request_principal(catalogue, request, "operator"), number, body)

    @app.get(f"{API}/experiences/held")
    def held(request: Request) -> dict[str, Any]:
        request_principal(catalogue, request, "operator")
        return {"experiences": voices.held_experiences(catalogue)}

    @app.get(f"{API}/audit")
    def audit(request: Request) -> dict[str, Any]:
        """Who read and published what (operator)."""
        request_principal(catalogue, request, "operator")
        return {"events": audit_events(catalogue)}
