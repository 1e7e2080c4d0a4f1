"""What one running server holds: its config, models, hash matcher, metrics, audit log and keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from saferkit.serving.audit import AuditLog
from saferkit.serving.config import ServeConfig
from saferkit.serving.keys import ApiKeys
from saferkit.serving.metrics import ServerMetrics
from saferkit.serving.models import ModelSet, ServedModel


@dataclass
class ServerState:
    config: ServeConfig
    models: ModelSet
    matcher: Any | None  # saferkit.hashing.HashMatcher, when hash lists are loaded
    hashlists: list[str]
    metrics: ServerMetrics
    audit: AuditLog
    keys: ApiKeys
    max_pixels: int
    qualification: dict[str, dict[str, Any]] = field(default_factory=dict)
    list_digests: list[dict[str, str]] = field(default_factory=list)  # name and sha256 of each loaded list, for the audit  # per model name: saferkit.serving.qualification


def server_state(request) -> ServerState:
    return request.app.state.saferkit


def note_for_audit(request, model: ServedModel | None = None, images: list[str] | None = None,
                   results: Any = None, lists: list[dict[str, str]] | None = None) -> None:
    """Tell the audit line which model served the request, which images (by sha256) it saw, and what it answered."""
    details = request.scope.setdefault("state", {}).setdefault("audit", {})
    if results is not None:
        details["results"] = results
    if lists is not None:
        details["lists"] = lists
    if model is not None:
        details["model"] = f"{model.name}:{model.version}"
        details["model_sha256"] = model.sha256
    if images is not None:
        details["images"] = images


def model_for_request(request, name: str, version: str | None = None, *, ready: bool = True) -> ServedModel:
    """The served model a request names, noted for the audit line; with `ready`, a 503 while it warms up."""
    from saferkit.serving.api_errors import ApiError

    model = server_state(request).models.get(name, version)
    note_for_audit(request, model)
    if ready and not model.ready:
        raise ApiError(503, f"model {name!r} is still warming up; retry shortly.", {"Retry-After": "1"})
    return model
