"""A small client for a catalogue's JSON API (`hub list`, `hub withdraw` and the demo)."""

from __future__ import annotations

from typing import Any

from saferkit.core.errors import UserError
from saferkit.hub_plugin.languages import localize


class HubClient:
    """Talks to a catalogue with a reader or publisher key."""

    def __init__(self, url: str, api_key: str | None, timeout: float = 30.0) -> None:
        if not api_key:
            raise UserError("reading a hub needs an API key: pass --api-key or set SAFERKIT_HUB_API_KEY.")
        self.url, self.api_key, self.timeout = url.rstrip("/"), api_key, timeout

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        try:
            response = httpx.request(method, self.url + path, params={k: v for k, v in (params or {}).items()
                                                                      if v is not None},
                                     json=json, headers={"X-API-Key": self.api_key}, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise UserError(f"cannot reach the hub at {self.url} ({type(exc).__name__}); check --hub.") from None
        if response.status_code != 200:
            try:
                detail = response.json().get("error", "")
            except ValueError:
                detail = response.text[:200]
            raise UserError(f"hub answered {response.status_code}: {detail}")
        return response.json()

    def list(self, **filters: Any) -> dict[str, Any]:
        return self.request("GET", "/api/v1/entries", params=filters)

    def withdraw(self, tool_id: str, version: str, reason: str) -> dict[str, Any]:
        """Withdraw one version (publisher key of its owner); it stays listed as withdrawn."""
        return self.request("POST", f"/api/v1/entries/{tool_id}/versions/{version}/withdraw", json={"reason": reason})


def print_catalogue(console, data: dict[str, Any], lang: str = "en") -> None:  # noqa: ANN001
    """The catalogue as a table."""
    from rich.table import Table

    table = Table(title=f"hub catalogue: {data['total']} tool(s)")
    for column in ("id", "version", "vendor", "cost", "ROC AUC", "worst-group recall"):
        table.add_column(column)
    table.add_column("summary", overflow="fold")  # wrapped at word boundaries, never cut
    for entry in data["entries"]:
        auc = (entry.get("headline", {}).get("roc_auc") or {}).get("value")
        worst = (entry.get("worst_group_recall") or {}).get("value")
        summary = localize(entry["summary"], lang)
        table.add_row(entry["id"], entry["version"], entry["vendor"]["name"], entry["cost"],
                      "–" if auc is None else f"{auc:.3f}", "–" if worst is None else f"{worst:.3f}",
                      summary.text + ("" if summary.translated else " (en)"))
    console.print(table)


def vetting_lines(vetting: dict[str, Any] | None) -> list[str]:
    """Who evaluated a tool, when, on which data, under which profile, and who reviewed it: plain lines."""
    if not vetting:
        return ["vetting: not recorded"]
    evaluator, data, profile = vetting["evaluator"], vetting["data"], vetting["profile"]
    lines = [f"evaluated by {evaluator.get('name') or 'an unnamed evaluator'} (key {evaluator['key_sha256'][:16]}) "
             f"at {vetting['evaluated_at']}",
             f"data: provenance {data['provenance_sha256'][:16]}, {data.get('size') or '?'} test items",
             f"profile: {profile['name']} version {profile.get('version') or '?'} ({profile['sha256'][:16]})"]
    reviewer = vetting.get("reviewer")
    if reviewer:
        key = reviewer.get("key_sha256")
        lines.append(f"reviewed by {reviewer.get('name') or 'an unnamed reviewer'}"
                     + (f" (key {key[:16]})" if key else " (answers not signed by the reviewer)"))
    return lines
