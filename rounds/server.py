"""Round intake on the hub: teams submit with their publisher keys; boards as JSON and as a web page.

`create_round_app` is the hub's own app (`hub_plugin.server.api.create_app`)
with these routes added in one call; rounds sit above the hub in the package
graph, so the hub's code never imports them. A round is attached with
`attach_round(app, host, organiser_key)` (`saferkit round serve` does it).
Teams submit .zip bytes with the publisher key they already publish with; the
organiser reveals a private board with the round's organiser key. No route
serves data of any phase: the hidden data stays in the host folder.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from saferkit.hub_plugin.languages import direction, negotiate
from saferkit.hub_plugin.server.api import API, AuthError, HubSettings, authorise, presented_key, read_limited_body
from saferkit.hub_plugin.server.store import Catalogue, Principal
from saferkit.evaluation.leaderboard import BOARD_WORDS
from saferkit.rounds.host import BoardHidden, PhaseClosed, QuotaExceeded, RoundHost, SubmissionRefused
from saferkit.rounds.spec import PHASES, public_spec

STATE = "saferkit_rounds"

# The round page's words live in the hub's gettext catalogues (hub_plugin/locale, msgctxt `round_*`),
# so translators keep them with the hub's other page strings and the hub's missing-translation test covers them.
ROUND_KEYS = ("round_title", "round_development", "round_final", "round_private", "round_empty",
              *[f"round_board_{key}" for key in BOARD_WORDS])


def board_words(lang: str) -> Callable[[str], str]:
    """The board's English words (evaluation.leaderboard.BOARD_WORDS) -> `lang`, from the hub's catalogues."""
    table = {english: word(f"board_{key}", lang) for key, english in BOARD_WORDS.items()}
    return lambda english: table.get(english, english)


def word(key: str, lang: str) -> str:
    """The round page's string `key` (without its `round_` prefix) in `lang`, from the hub's catalogues."""
    from saferkit.hub_plugin.i18n import text

    found = text(f"round_{key}", lang)
    if found is None:
        raise KeyError(f"round_{key} is not in the hub's catalogues (hub_plugin/locale/hub.pot)")
    return found


def attach_round(app: FastAPI, host: RoundHost, organiser_key: str | None = None) -> None:
    """Serve `host`'s round on this app; the organiser key (given, or the one `round host` stored) may reveal private boards."""
    rounds = getattr(app.state, STATE, None)
    if rounds is None:
        rounds = {}
        setattr(app.state, STATE, rounds)
    digest = hashlib.sha256(organiser_key.encode()).hexdigest() if organiser_key else host.organiser_key_sha256()
    rounds[host.round.name] = (host, digest)


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def create_round_app(catalogue: Catalogue, settings: HubSettings | None = None,
                     hosts: Sequence[tuple[RoundHost, str | None]] = ()) -> FastAPI:
    """The hub server (catalogue API and pages) with the round routes mounted and `hosts` attached."""
    from saferkit.hub_plugin.server.api import create_app

    settings = settings or HubSettings()
    app = create_app(catalogue, settings)
    add_round_routes(app, catalogue, settings)
    for host, organiser_key in hosts:
        attach_round(app, host, organiser_key)
    return app


def add_round_routes(app: FastAPI, catalogue: Catalogue, settings: HubSettings) -> None:
    """The round routes (JSON API under /api/v1/rounds and the page /rounds/{name})."""

    def hosted(name: str) -> tuple[RoundHost, str] | None:
        return (getattr(app.state, STATE, None) or {}).get(name)

    def is_organiser(request: Request, digest: str) -> bool:
        key = presented_key(request)
        return bool(key) and hmac.compare_digest(hashlib.sha256(key.encode()).hexdigest(), digest)  # type: ignore[union-attr]

    def reader(request: Request) -> Principal:
        return authorise(catalogue, presented_key(request, cookie=True), "reader")

    @app.get(f"{API}/rounds")
    def list_rounds(request: Request) -> dict[str, Any]:
        reader(request)
        return {"rounds": sorted((getattr(app.state, STATE, None) or {}))}

    @app.get(f"{API}/rounds/{{name}}/spec")
    def spec(name: str, request: Request) -> Any:
        reader(request)
        found = hosted(name)
        return _error(404, f"no round {name!r} on this hub.") if found is None else public_spec(found[0].round)

    @app.post(f"{API}/rounds/{{name}}/submissions")
    async def submit(name: str, request: Request) -> JSONResponse:
        team = authorise(catalogue, presented_key(request), "publisher")
        found = hosted(name)
        if found is None:
            return _error(404, f"no round {name!r} on this hub.")
        host = found[0]
        blob = await read_limited_body(request, settings.max_upload_bytes)
        team_name = team.publisher_name or team.label
        try:
            receipt = await run_in_threadpool(host.submit, team_name, blob)  # the check is slow; serve others meanwhile
        except SubmissionRefused as exc:
            phase = host.current_phase()
            left_today, left_total = host.left(team_name, phase)
            return _error(422, str(exc), problems=exc.problems, left_today=left_today, left_total=left_total)
        except QuotaExceeded as exc:
            phase = host.current_phase()
            left_today, left_total = host.left(team_name, phase)
            return _error(429, str(exc), left_today=left_today, left_total=left_total)
        except PhaseClosed as exc:
            return _error(409, str(exc))
        return JSONResponse(receipt.to_json(), status_code=200 if receipt.duplicate else 202)

    @app.get(f"{API}/rounds/{{name}}/submissions")
    def my_submissions(name: str, request: Request) -> Any:
        team = authorise(catalogue, presented_key(request), "publisher")
        found = hosted(name)
        if found is None:
            return _error(404, f"no round {name!r} on this hub.")
        host = found[0]
        team_name = team.publisher_name or team.label
        left = {phase: dict(zip(("left_today", "left_total"), host.left(team_name, phase))) for phase in PHASES}
        return {"team": team_name, "submissions": host.submissions(team_name), "left": left}

    @app.get(f"{API}/rounds/{{name}}/boards/{{phase}}")
    def board(name: str, phase: str, request: Request) -> Any:
        found = hosted(name)
        if found is None:
            reader(request)
            return _error(404, f"no round {name!r} on this hub.")
        host, organiser_digest = found
        organiser = is_organiser(request, organiser_digest)
        if not organiser:
            reader(request)
        if phase not in PHASES:
            return _error(404, f"no phase {phase!r}; use {' or '.join(PHASES)}.")
        try:
            return host.board_json(phase, organiser=organiser, registry=catalogue.registry())
        except BoardHidden as exc:
            return _error(403, str(exc))

    @app.post(f"{API}/rounds/{{name}}/phases/{{phase}}/reveal")
    def reveal(name: str, phase: str, request: Request) -> Any:
        found = hosted(name)
        if found is None or not is_organiser(request, found[1]):
            raise AuthError(403, "only the round's organiser key may reveal a board.")
        if phase not in PHASES:
            return _error(404, f"no phase {phase!r}; use {' or '.join(PHASES)}.")
        found[0].reveal(phase)
        return {"phase": phase, "revealed": True}

    @app.get("/rounds/{name}", response_class=HTMLResponse)
    def page(name: str, request: Request) -> HTMLResponse:
        if not settings.public_pages:
            reader(request)
        found = hosted(name)
        if found is None:
            return HTMLResponse(f"<p>no round {html.escape(name)} on this hub.</p>", status_code=404)
        host = found[0]
        lang = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
        return HTMLResponse(round_page(host, lang, catalogue.registry()))


def round_page(host: RoundHost, lang: str, registry: Any = None) -> str:
    """The round's boards on one page: the development board live, the final one once revealed."""
    from saferkit.evaluation.leaderboard import board_html

    sections = []
    for phase in PHASES:
        if not host.visible(phase):
            body = f"<p>{html.escape(word('private', lang))}</p>"
        else:
            board = host.board(phase, registry=registry)
            body = board_html(board, board_words(lang)) if board.rows else f"<p>{html.escape(word('empty', lang))}</p>"
        sections.append(f"<section id=\"{phase}\"><h2>{html.escape(word(phase, lang))}</h2>{body}</section>")
    title = f"{word('title', lang)}: {host.round.data['title']}"
    style = "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
    return (f"<!doctype html><html lang=\"{lang}\" dir=\"{direction(lang)}\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>")


class EmbeddedRoundHub:
    """The hub server with rounds attached, in a background thread on loopback (tests, demo, `saferkit round serve`)."""

    def __init__(self, db: str, hosts: list[tuple[RoundHost, str | None]], *, port: int | None = None, settings: HubSettings | None = None) -> None:
        from saferkit.hub_plugin.server.run import free_port

        self.catalogue = Catalogue(db)
        self.app = create_round_app(self.catalogue, settings, hosts)
        self.host, self.port = "127.0.0.1", port or free_port()
        self._server: Any = None
        self._thread: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> "EmbeddedRoundHub":
        import threading
        import time

        import uvicorn

        self._server = uvicorn.Server(uvicorn.Config(self.app, host=self.host, port=self.port, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, name="saferkit-round-hub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the round hub did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.catalogue.close()
