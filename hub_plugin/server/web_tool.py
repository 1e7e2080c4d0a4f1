"""The tool page (decide, check, deploy), the side-by-side comparison, and the forms on the tool page."""

from __future__ import annotations

import json
from typing import Any, Callable

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from saferkit.core.errors import UserError
from saferkit.evaluation.submission import MODEL_CARD_FIELDS
from saferkit.hub_plugin.server import voices
from saferkit.hub_plugin.server.api import MAX_NUMBER, AuthError
from saferkit.hub_plugin.server.plain import sentences, worst_drop
from saferkit.hub_plugin.server.store import Catalogue, CatalogueError
from saferkit.hub_plugin.server.web import Page, render, require_account

MAX_FORM_BYTES = 1024 * 1024


def deploy_commands(entry: dict[str, Any], publisher: str, hub_url: str) -> dict[str, list[str]]:
    """The exact commands for this tool: verify the download, serve it, scan with it."""
    name, version = entry["id"], entry["version"]
    bundle = f"{name}-{version}"
    return {
        "verify": [f"curl -H \"X-API-Key: $SAFERKIT_HUB_API_KEY\" -o {bundle}.zip {hub_url}/api/v1/entries/{name}/versions/{version}/bundle",
                   f"curl -H \"X-API-Key: $SAFERKIT_HUB_API_KEY\" -o publisher.pub {hub_url}/api/v1/publishers/{publisher}/key",
                   f"curl -H \"X-API-Key: $SAFERKIT_HUB_API_KEY\" -o registry.json {hub_url}/api/v1/registry",
                   f"saferkit hub verify {bundle}.zip --public-key publisher.pub --registry registry.json",
                   f"python -m zipfile -e {bundle}.zip {bundle}"],
        "serve": [f"saferkit serve {bundle}/submission --port 8080"],
        "scan": [f"saferkit scan SEIZED_FOLDER --out scan-result --model {bundle}/submission",
                 "saferkit scan report scan-result --out triage-report.html"],
    }


def add_tool_routes(app: FastAPI, catalogue: Catalogue, page_for: Callable[[Request], Page],
                    reader_or_none: Callable[[Page], Any], login_page: Callable[..., HTMLResponse]) -> None:
    from saferkit.hub_plugin.server.accounts import record

    def tool_page(request: Request, tool_id: str, version: str | None) -> HTMLResponse:
        page = page_for(request)
        who = reader_or_none(page)
        if who is None:
            return login_page(page)
        try:
            tool = catalogue.get_tool(tool_id)
            shown = tool if version is None else catalogue.get_version(tool_id, version)
        except CatalogueError as exc:
            return render("missing.html.j2", page, status=exc.status, message=str(exc))
        entry = shown["entry"]
        record(catalogue, who, "read-page", f"{tool_id} {entry['version']}")
        held = voices.experiences(catalogue, tool_id, states=("held",)) if page.who and page.who.role == "operator" else []
        return render("tool.html.j2", page, tool=tool, shown=shown, entry=entry, card_fields=MODEL_CARD_FIELDS,
                      plain=sentences(entry, page.t), worst=worst_drop(entry["evaluation"]),
                      commands=deploy_commands(entry, tool["publisher"], str(request.base_url).rstrip("/")),
                      field=voices.field_reports(catalogue, tool_id, entry["version"]),
                      experiences=voices.experiences(catalogue, tool_id), held=held,
                      notice=request.query_params.get("notice"))

    @app.get("/tools/{tool_id}", response_class=HTMLResponse, include_in_schema=False)
    def tool_latest(request: Request, tool_id: str) -> HTMLResponse:
        return tool_page(request, tool_id, None)

    @app.get("/tools/{tool_id}/v/{version}", response_class=HTMLResponse, include_in_schema=False)
    def tool_version(request: Request, tool_id: str, version: str) -> HTMLResponse:
        return tool_page(request, tool_id, version)

    @app.get("/tools/{tool_id}/v/{version}/plots/{kind}.png", include_in_schema=False)
    def plot(request: Request, tool_id: str, version: str, kind: str) -> Response:
        from saferkit.hub_plugin.server.plots import PLOTS, render_plot

        if reader_or_none(page_for(request)) is None:
            raise AuthError(401, "a reader key is required.")
        if kind not in PLOTS:
            raise CatalogueError(f"no plot named {kind!r}; choose one of {', '.join(PLOTS)}.", 404)
        shown = catalogue.get_version(tool_id, version)
        png = render_plot(kind, shown["content_sha256"], shown["entry"]["evaluation"])
        return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare(request: Request) -> HTMLResponse:
        page = page_for(request)
        if reader_or_none(page) is None:
            return login_page(page)
        ids = [request.query_params.get(name, "").strip() for name in ("a", "b")]
        try:
            tools = [catalogue.get_tool(tool_id) for tool_id in ids if tool_id]
        except CatalogueError as exc:
            return render("missing.html.j2", page, status=exc.status, message=str(exc))
        if len(tools) != 2:
            return render("missing.html.j2", page, status=422, message=page.t("compare_pick"))
        rows = [(tool, tool["entry"], sentences(tool["entry"], page.t), worst_drop(tool["entry"]["evaluation"]))
                for tool in tools]
        return render("compare.html.j2", page, rows=rows)

    async def form_of(request: Request) -> dict[str, Any]:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            raise CatalogueError("the form is too large.", 413)
        form = await request.form()
        return {key: value for key, value in form.items()}

    def back(tool_id: str, page: Page, notice: str) -> RedirectResponse:
        return RedirectResponse(f"/tools/{tool_id}?lang={page.lang}&notice={notice}", status_code=303)

    @app.post("/tools/{tool_id}/v/{version}/experiences", include_in_schema=False)
    async def post_experience(request: Request, tool_id: str, version: str) -> Response:
        page = page_for(request)
        who = require_account(page)
        form = await form_of(request)
        try:
            report = voices.Experience(lang=str(form.get("lang") or page.lang), context=str(form.get("context", "")),
                                       hardware=str(form.get("hardware", "")),
                                       volume_items=int(str(form.get("volume_items") or 0)),
                                       throughput_items_per_hour=float(str(form.get("throughput_items_per_hour") or 0)),
                                       problems=str(form.get("problems", "")), recommend=form.get("recommend") == "yes")
        except (ValueError, ValidationError) as exc:
            raise UserError(f"the experience report is not complete: {str(exc).splitlines()[0][:200]}") from None
        voices.add_experience(catalogue, who, tool_id, version, report)
        return back(tool_id, page, "exp_received")

    @app.post("/experiences/{number}/moderate", include_in_schema=False)
    async def moderate(request: Request, number: int = Path(ge=1, le=MAX_NUMBER)) -> Response:
        page = page_for(request)
        who = require_account(page, "operator")
        form = await form_of(request)
        try:
            decision = voices.Decision(state=str(form.get("state", "")), reason=str(form.get("reason", "")))
        except ValidationError:
            raise UserError("choose held, published or removed and give a reason.") from None
        voices.moderate(catalogue, who, number, decision)
        return back(str(form.get("tool", "")), page, "moderated")

    @app.post("/tools/{tool_id}/v/{version}/field-reports", include_in_schema=False)
    async def upload_field_report(request: Request, tool_id: str, version: str) -> Response:
        page = page_for(request)
        who = require_account(page)
        form = await form_of(request)
        upload = form.get("document")
        raw = await upload.read() if upload is not None and not isinstance(upload, str) else str(upload or "").encode("utf-8")
        try:
            document = json.loads(raw)
            body = voices.FieldUpload(document=document, label=str(form.get("label", "")))
        except (ValueError, ValidationError):
            raise UserError("upload the field-report.json that `saferkit evaluate --private --sign-key` wrote, "
                            "and give your agency's name or an anonymised label.") from None
        voices.add_field_report(catalogue, who, tool_id, version, body)
        return back(tool_id, page, "field_received")
