"""The team's side of the intake: submit a submission to a round and read what is left (plain HTTP with httpx)."""

from __future__ import annotations

from pathlib import Path

from saferkit.core.errors import UserError
from saferkit.rounds.host import zip_submission

TIMEOUT = 120.0


def _request(method: str, url: str, key: str, content: bytes | None = None) -> dict:
    import httpx

    try:
        response = httpx.request(method, url, headers={"X-API-Key": key}, content=content, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise UserError(f"cannot reach {url} ({exc.__class__.__name__}); check --hub.") from None
    try:
        body = response.json()
    except ValueError:
        raise UserError(f"{url} answered {response.status_code} without JSON; is --hub a saferkit hub?") from None
    if response.status_code >= 400:
        extra = f" Left: {body['left_today']} today, {body['left_total']} in the phase." if "left_today" in body else ""
        problems = "".join(f"\n  - {p}" for p in body.get("problems", []))
        raise UserError(f"{body.get('error', response.status_code)}{extra}{problems}")
    return body


def submit(submission: str | Path, hub: str, round_name: str, key: str) -> list[str]:
    """Upload the submission as .zip bytes; lines to print."""
    path = Path(submission)
    if not path.exists():
        raise UserError(f"{path} does not exist; pass your submission folder or .zip.")
    receipt = _request("POST", f"{hub.rstrip('/')}/api/v1/rounds/{round_name}/submissions", key, zip_submission(path))
    state = "already submitted (no submission spent)" if receipt["duplicate"] else receipt["status"]
    lines = [f"{receipt['phase']}: {receipt['sha256'][:16]} {state}",
             f"left: {receipt['left_today']} today, {receipt['left_total']} in the phase"]
    return lines + [f"warning: {w}" for w in receipt.get("warnings", [])]


def status(hub: str, round_name: str, key: str) -> list[str]:
    body = _request("GET", f"{hub.rstrip('/')}/api/v1/rounds/{round_name}/submissions", key)
    lines = [f"team {body['team']}"]
    lines += [f"{s['phase']} {s['day']} {s['sha256'][:16]} {s['name']} {s['version']}: {s['status']}" for s in body["submissions"]]
    lines += [f"{phase}: {left['left_today']} left today, {left['left_total']} in the phase" for phase, left in body["left"].items()]
    return lines
