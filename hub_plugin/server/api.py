"""The catalogue's JSON API (FastAPI). Every route but health needs an API key.

Publishers (publisher key) create entries and withdraw their versions; readers
(reader key, or a publisher key) list and read. Errors are `{"error": ...}`
with a 4xx status; schema problems add `fields`, tampered bundles add `files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from saferkit.core.errors import UserError
from saferkit.evaluation.submission import SubmissionError
from saferkit.hub_plugin.bundle import BundleTooLarge
from saferkit.hub_plugin.gate import NotPublishable
from saferkit.hub_plugin.schema import EntryInvalid, entry_schema
from saferkit.hub_plugin.server.intake import accept_bundle
from saferkit.hub_plugin.server.store import Catalogue, CatalogueError, Principal
from saferkit.hub_plugin.signing import BundleRejected

API = "/api/v1"
KEY_COOKIE = "saferkit_hub_key"
DEFAULT_MAX_UPLOAD = 64 * 1024 * 1024


@dataclass(frozen=True)
class HubSettings:
    """Server options; `public_pages` lets the web pages be read without a key."""

    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    public_pages: bool = False


class AuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


class Withdrawal(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def presented_key(request: Request, *, cookie: bool = False) -> str | None:
    """The API key from X-API-Key, a Bearer token, or (for web pages) the login cookie."""
    key = request.headers.get("x-api-key")
    if not key:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            key = auth[7:].strip()
    if not key and cookie:
        key = request.cookies.get(KEY_COOKIE)
    return key or None


def authorise(catalogue: Catalogue, key: str | None, role: str) -> Principal:
    """401 for a missing or unknown key, 403 for a key without the role; publishers may also read."""
    if not key:
        raise AuthError(401, "an API key is required: send it in the X-API-Key header.")
    principal = catalogue.authenticate(key)
    if principal is None:
        raise AuthError(401, "the API key is not valid; ask the catalogue operator for a key.")
    if role == "publisher" and principal.role != "publisher":
        raise AuthError(403, "this key may read the catalogue but not publish; use a publisher key.")
    return principal


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthError)
    async def _auth(_request: Request, exc: AuthError) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.exception_handler(EntryInvalid)
    async def _invalid(_request: Request, exc: EntryInvalid) -> JSONResponse:
        return _error(422, str(exc), fields=exc.fields, problems=[{"field": f, "message": m} for f, m in exc.problems])

    @app.exception_handler(BundleRejected)
    async def _rejected(_request: Request, exc: BundleRejected) -> JSONResponse:
        return _error(400, str(exc), files=exc.files)

    @app.exception_handler(BundleTooLarge)
    async def _too_large(_request: Request, exc: BundleTooLarge) -> JSONResponse:
        return _error(413, str(exc))

    @app.exception_handler(CatalogueError)
    async def _catalogue(_request: Request, exc: CatalogueError) -> JSONResponse:
        return _error(exc.status, str(exc))

    @app.exception_handler(UserError)
    async def _user(_request: Request, exc: UserError) -> JSONResponse:
        # the gate or the submission inside the bundle refused: the content is unprocessable
        if isinstance(exc, NotPublishable):
            return _error(422, str(exc), check=exc.check)
        return _error(422 if isinstance(exc, SubmissionError) else 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [".".join(str(p) for p in error.get("loc", ())) for error in exc.errors()]
        return _error(422, "the request is not valid: " + "; ".join(
            f"{f}: {e.get('msg')}" for f, e in zip(fields, exc.errors())), fields=fields)


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over `limit` before reading it all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BundleTooLarge(f"the upload is {int(declared)} bytes; this hub accepts at most {limit} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BundleTooLarge(f"the upload is larger than the {limit} bytes this hub accepts.")
        chunks.append(chunk)
    return b"".join(chunks)


def add_api_routes(app: FastAPI, catalogue: Catalogue, settings: HubSettings) -> None:
    def reader(request: Request) -> Principal:  # reads also accept the web login cookie (links from pages)
        return authorise(catalogue, presented_key(request, cookie=True), "reader")

    def publisher(request: Request) -> Principal:
        return authorise(catalogue, presented_key(request), "publisher")

    @app.get(f"{API}/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "schema_version": 1}

    @app.get(f"{API}/schema")
    def schema(_: Principal = Depends(reader)) -> dict[str, Any]:
        return entry_schema()

    @app.post(f"{API}/entries")
    async def create_entry(request: Request, who: Principal = Depends(publisher)) -> JSONResponse:
        data = await read_limited_body(request, settings.max_upload_bytes)
        public_key = catalogue.publisher_public_key(who.publisher_name or "")
        accepted = accept_bundle(data, who.publisher_name or "", public_key, max_bytes=2 * settings.max_upload_bytes,
                                 registry=catalogue.registry())
        status, record = catalogue.create_version(who, accepted.entry, accepted.content_sha256, accepted.signature, data)
        entry = accepted.entry
        url = f"{API}/entries/{entry['id']}/versions/{entry['version']}"
        body = {**record, "version_status": record["status"], "id": entry["id"], "url": url,
                "status": "published" if status == "created" else "unchanged"}
        return JSONResponse(body, status_code=201 if status == "created" else 200)

    @app.get(f"{API}/entries")
    def list_entries(category: str | None = None, cost: str | None = None, deployment: str | None = None,
                     language: str | None = None, q: str | None = Query(None, max_length=200),
                     limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0),
                     _: Principal = Depends(reader)) -> dict[str, Any]:
        total, entries = catalogue.list_entries(category=category, cost=cost, deployment=deployment,
                                                language=language, q=q, limit=limit, offset=offset)
        return {"total": total, "count": len(entries), "offset": offset, "entries": entries}

    @app.get(f"{API}/entries/{{tool_id}}")
    def get_entry(tool_id: str, _: Principal = Depends(reader)) -> dict[str, Any]:
        return catalogue.get_tool(tool_id)

    @app.get(f"{API}/entries/{{tool_id}}/versions/{{version}}")
    def get_version(tool_id: str, version: str, _: Principal = Depends(reader)) -> dict[str, Any]:
        return catalogue.get_version(tool_id, version)

    @app.get(f"{API}/entries/{{tool_id}}/versions/{{version}}/bundle")
    def get_bundle(tool_id: str, version: str, _: Principal = Depends(reader)) -> Response:
        return Response(catalogue.bundle(tool_id, version), media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{tool_id}-{version}.zip"'})

    @app.post(f"{API}/entries/{{tool_id}}/versions/{{version}}/withdraw")
    def withdraw(tool_id: str, version: str, body: Withdrawal, who: Principal = Depends(publisher)) -> dict[str, Any]:
        return {"id": tool_id, **catalogue.withdraw(who, tool_id, version, body.reason)}

    @app.get(f"{API}/registry")
    def registry(_: Principal = Depends(reader)) -> dict[str, Any]:
        """The accredited evaluators and profiles, in the registry-file shape `hub verify --registry` reads."""
        return catalogue.registry().to_json()

    @app.get(f"{API}/publishers/{{name}}/key")
    def publisher_key(name: str, _: Principal = Depends(reader)) -> Response:
        return Response(catalogue.publisher_public_key(name), media_type="application/x-pem-file")


def create_app(catalogue: Catalogue, settings: HubSettings | None = None) -> FastAPI:
    """The whole catalogue server: JSON API and web pages over one catalogue."""
    from saferkit.hub_plugin.server.web import add_web_routes

    settings = settings or HubSettings()
    app = FastAPI(title="saferkit hub catalogue", version="1", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    add_api_routes(app, catalogue, settings)
    add_web_routes(app, catalogue, settings)
    return app
