"""Assembling a server: load the submissions and hash lists, then build the FastAPI app around them."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import Sequence

from fastapi import FastAPI, Request, Response
from starlette.routing import Match

from saferkit import __version__
from saferkit.serving.api_errors import install_error_handlers
from saferkit.serving.audit import AuditLog
from saferkit.serving.config import ServeConfig
from saferkit.serving.gatekeeper import Gatekeeper
from saferkit.serving.images import default_max_pixels
from saferkit.serving.keys import ApiKeys
from saferkit.serving.metrics import ServerMetrics
from saferkit.serving.models import load_models
from saferkit.serving.ratelimit import RateLimiter
from saferkit.serving.state import ServerState, server_state

DESCRIPTION = ("Triage, hashing and matching for child-safety tools, plus the Open Inference Protocol (v2). "
               "Every endpoint but /v2/health/* needs an API key (Authorization: Bearer KEY or X-API-Key: KEY). "
               "Images are processed in memory and never stored; each request leaves one audit line.")


def load_state(submissions: list[Path], hashlists: list[Path], config: ServeConfig, keys: ApiKeys,
               scorecards: Sequence[Path] = (), allow_unqualified: bool = False) -> ServerState:
    """Everything a server needs, loaded and checked before it binds a port.

    A model that did not qualify (serving.qualification: scorecard absent, failing or for another submission)
    is refused with a UserError unless `allow_unqualified`; then `state.qualification` says so and every
    response carries the Saferkit-Unqualified header. `scorecards` pairs with `submissions` in order.
    """
    if not submissions:
        from saferkit.core.errors import UserError

        raise UserError("give at least one submission folder or .zip to serve.")
    from saferkit.serving.qualification import check_models

    metrics = ServerMetrics()
    models = load_models(list(submissions), config, metrics)
    qualification = check_models([(m.name, Path(m.submission.source), m.sha256) for m in models.models.values()],
                                 list(scorecards), allow_unqualified)
    matcher = None
    if hashlists:
        from saferkit.hashing import HashMatcher

        matcher = HashMatcher([Path(p) for p in hashlists])
    from saferkit.core.digest import file_sha256

    return ServerState(config=config, models=models, matcher=matcher, hashlists=[Path(p).name for p in hashlists],
                       metrics=metrics, audit=AuditLog(config.audit_log, config.audit_key), keys=keys,
                       max_pixels=config.limits.max_pixels or default_max_pixels(), qualification=qualification,
                       list_digests=[{"name": Path(p).name, "sha256": file_sha256(p)} for p in hashlists
                                     if Path(p).is_file()])


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def _openapi_with_keys(app: FastAPI) -> dict:
    """The OpenAPI document, saying that every endpoint but health takes either key header."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        schema["security"] = [{"bearer": []}, {"apiKey": []}]
        for path in ("/v2/health/live", "/v2/health/ready"):
            for operation in schema["paths"].get(path, {}).values():
                operation["security"] = []
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(state: ServerState) -> FastAPI:
    """The FastAPI app: v2 and v1 routes behind the gatekeeper; models warm up before it is ready."""
    from saferkit.serving import iped, v1, v2

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await state.models.start()
        state.metrics.ready.set(1)
        try:
            yield
        finally:
            state.metrics.ready.set(0)
            await state.models.stop()
            state.audit.close()

    app = FastAPI(title="saferkit serve", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url="/docs" if state.config.docs else None, redoc_url=None, openapi_url="/openapi.json")
    app.state.saferkit = state
    app.openapi = lambda: _openapi_with_keys(app)  # type: ignore[method-assign]  # FastAPI's documented override
    install_error_handlers(app)
    app.include_router(v2.router)
    app.include_router(v1.router)
    app.include_router(iped.router)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics(request: Request) -> Response:
        registry = server_state(request).metrics
        return Response(registry.render(), media_type=registry.content_type)

    # Route templates label the metrics (a raw path would make one series per model name or typo).
    templates = [r for r in (*v2.router.routes, *v1.router.routes, *app.router.routes) if hasattr(r, "path")]

    @functools.lru_cache(maxsize=1024)
    def template_of(method: str, path: str) -> str:
        probe = {"type": "http", "method": method, "path": path, "root_path": ""}
        for route in templates:
            match, _ = route.matches(probe)
            if match != Match.NONE:
                return route.path
        return "unmatched"

    def endpoint_of(scope) -> str:
        return template_of(scope["method"], scope["path"])

    _say_when_unqualified(app, state)
    limits = state.config.limits
    app.add_middleware(Gatekeeper, keys=state.keys, limiter=RateLimiter(limits.rate_limit_per_s, limits.rate_burst),
                       audit=state.audit, metrics=state.metrics, max_body_bytes=limits.max_body_bytes,
                       endpoint_of=endpoint_of, public_docs=state.config.docs)
    return app


UNQUALIFIED_HEADER = "Saferkit-Unqualified"


def _say_when_unqualified(app: FastAPI, state: ServerState) -> None:
    """With --allow-unqualified, every response carries a header naming the models that did not qualify."""
    from saferkit.serving.qualification import unqualified_note

    note = unqualified_note(state.qualification)
    if note is None:
        return

    @app.middleware("http")
    async def mark(request: Request, call_next):
        response = await call_next(request)
        response.headers[UNQUALIFIED_HEADER] = note
        return response
