"""HTTP errors as `{"error": "..."}` with a 4xx status, for every way a request can be wrong.

`ApiError` is a `UserError` with a status code, so library code that raises a
plain `UserError` (a bad hash, an undecodable image) also becomes a clear 4xx,
never a 500.
"""

from __future__ import annotations

import logging

from saferkit.core.errors import UserError

log = logging.getLogger("saferkit.serving")


class ApiError(UserError):
    """A request the server refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def error_body(message: str) -> bytes:
    """The one error shape every endpoint answers with."""
    import json

    return json.dumps({"error": message}).encode()


def install_error_handlers(app) -> None:  # app: fastapi.FastAPI
    """Map FastAPI/Starlette errors and our own onto `{"error": ...}` responses."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    async def on_api_error(request, exc: ApiError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=exc.headers)

    async def on_user_error(request, exc: UserError):
        return JSONResponse({"error": str(exc)}, status_code=400)

    async def on_http_error(request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}; see /openapi.json"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def on_validation_error(request, exc: RequestValidationError):
        parts = []
        for problem in exc.errors()[:5]:
            where = ".".join(str(p) for p in problem.get("loc", ()))
            parts.append(f"{where}: {problem.get('msg', 'invalid')}")
        return JSONResponse({"error": "invalid request: " + "; ".join(parts)}, status_code=400)

    async def on_bug(request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal server error; the server log has the details"}, status_code=500)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(UserError, on_user_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_bug)
