"""The catalogue's web pages: plain server-rendered HTML (Jinja2), no JavaScript needed.

Eight languages via `?lang=` or the browser's Accept-Language, right-to-left
for Arabic; page strings come from the gettext catalogues (hub_plugin/i18n.py),
entry texts an entry lacks in a language show the English text, marked as not
yet translated and isolated in its own direction. Reading needs a reader
account (the login form starts a server-side session) unless the server runs
with public pages.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saferkit.hub_plugin import i18n
from saferkit.hub_plugin.languages import LANGUAGE_NAMES, LANGUAGES, direction, localize, negotiate
from saferkit.hub_plugin.schema import vocabulary
from saferkit.hub_plugin.server.api import SESSION_COOKIE, AuthError, HubSettings, check_role
from saferkit.hub_plugin.server.store import DEPLOYMENT_TAGS, Catalogue, CatalogueError, Principal

FILTERS = ("q", "category", "cost", "deployment", "language", "task", "license", "profile")
PUBLIC = Principal("reader", "public pages")


def ui_text() -> dict[str, dict[str, str]]:
    """key -> {lang: text} for every page string (from the gettext catalogues)."""
    return i18n.all_texts()


@lru_cache(maxsize=1)
def templates():  # noqa: ANN201 - a jinja2 Environment
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("saferkit.hub_plugin.server", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["metric"] = format_metric
    env.filters["number"] = format_number
    return env


def format_metric(metric: dict[str, Any] | None, which: str = "value") -> str:
    """A metric value or its interval for display; a dash when it could not be estimated."""
    if not metric or metric.get("value") is None:
        return "–"
    if which == "interval":
        low, high = metric.get("ci_low"), metric.get("ci_high")
        return "–" if low is None or high is None else f"{low:.3f} – {high:.3f}"
    return f"{metric['value']:.3f}"


def format_number(value: Any, digits: int = 1) -> str:
    return "–" if not isinstance(value, (int, float)) else f"{value:,.{digits}f}"


class Page:
    """What every template needs: the language, its direction, translated strings, links, who is signed in."""

    def __init__(self, request: Request, lang: str, who: Principal | None = None) -> None:
        self.request, self.lang, self.dir, self.who = request, lang, direction(lang), who
        self.languages = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]

    def t(self, key: str, **values: Any) -> str:
        text = i18n.text(key, self.lang)
        if text is None:
            return key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return i18n.text(key, self.lang) is not None

    def loc(self, texts: dict[str, str] | None):  # noqa: ANN201 - LocalText
        return localize(texts, self.lang)

    def dir_of(self, lang: str) -> str:
        return direction(lang)

    def url_with(self, **changes: Any) -> str:
        params = {k: v for k, v in self.request.query_params.items() if v}
        params.update({k: v for k, v in changes.items()})
        params = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{self.request.url.path}?{urlencode(params)}" if params else self.request.url.path


def render(name: str, page: Page, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates().get_template(name).render(page=page, t=page.t, loc=page.loc, **context)
    return HTMLResponse(html, status_code=status, headers={
        "Content-Language": page.lang, "Content-Security-Policy": "default-src 'self'; script-src 'none'",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})


def add_web_routes(app: FastAPI, catalogue: Catalogue, settings: HubSettings) -> None:
    from saferkit.hub_plugin.server.web_tool import add_tool_routes

    def signed_in(request: Request) -> Principal | None:
        from saferkit.hub_plugin.server.accounts import session_principal

        return session_principal(catalogue, request.cookies.get(SESSION_COOKIE))

    def page_for(request: Request) -> Page:
        lang = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
        return Page(request, lang, signed_in(request))

    def reader_or_none(page: Page) -> Principal | None:
        return page.who or (PUBLIC if settings.public_pages else None)

    def login_page(page: Page, failed: str | None = None, status: int = 401) -> HTMLResponse:
        return render("login.html.j2", page, status=status, failed=failed, next_url=page.request.url.path)

    @app.get("/static/hub.css", include_in_schema=False)
    def stylesheet() -> Response:
        css = resources.files("saferkit.hub_plugin.server").joinpath("static", "hub.css").read_text("utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        from saferkit.hub_plugin.server.accounts import NotAReaderAccount, start_session

        form = await request.form()
        key, lang = str(form.get("key", "")).strip(), str(form.get("lang", ""))
        next_url = str(form.get("next", "/"))
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        page = Page(request, negotiate(lang, request.headers.get("accept-language")))
        try:
            started = start_session(catalogue, key) if key else None
        except NotAReaderAccount:
            return login_page(page, failed="not_reader_account", status=403)
        if started is None:
            return login_page(page, failed="bad_key")
        response = RedirectResponse(f"{next_url}?lang={page.lang}", status_code=303)
        response.set_cookie(SESSION_COOKIE, started[0], httponly=True, samesite="strict", max_age=12 * 3600,
                            secure=request.url.scheme == "https")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        from saferkit.hub_plugin.server.accounts import end_session

        end_session(catalogue, request.cookies.get(SESSION_COOKIE))
        page = Page(request, negotiate(request.query_params.get("lang"), request.headers.get("accept-language")))
        response = render("login.html.j2", page, status=200, failed=None, next_url="/", notice="logged_out")
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def catalogue_page(request: Request) -> HTMLResponse:
        page = page_for(request)
        if reader_or_none(page) is None:
            return login_page(page)
        chosen = {name: (request.query_params.get(name) or "").strip()[:200] for name in FILTERS}
        filters: dict[str, Any] = {k: v or None for k, v in chosen.items()}
        total, entries = catalogue.list_entries(limit=200, **filters)
        options = {"category": vocabulary("purpose") + vocabulary("technology"),
                   "cost": vocabulary("cost"), "deployment": list(DEPLOYMENT_TAGS), "language": list(LANGUAGES),
                   "task": catalogue.facet_values("task"), "license": catalogue.facet_values("license"),
                   "profile": catalogue.facet_values("profile")}
        everything = catalogue.list_entries(limit=200)[1]
        from saferkit.hub_plugin.server.plain import sentences

        plain = {e["id"]: sentences({"evaluation": {"headline": e["headline"]}}, page.t)[:1] for e in entries}
        return render("catalogue.html.j2", page, entries=entries, total=total, chosen=chosen, options=options,
                      language_names=LANGUAGE_NAMES, all_tools=everything, plain=plain)

    add_tool_routes(app, catalogue, page_for, reader_or_none, login_page)

    @app.get("/learn", response_class=HTMLResponse, include_in_schema=False)
    def learn_index(request: Request) -> HTMLResponse:
        from saferkit.hub_plugin.server.learn import GROUPS

        page = page_for(request)
        return render("learn.html.j2", page, groups=GROUPS, tutorial=None)

    @app.get("/learn/{group}", response_class=HTMLResponse, include_in_schema=False)
    def learn_group(request: Request, group: str) -> HTMLResponse:
        from saferkit.hub_plugin.server.learn import GROUPS, tutorial_page

        page = page_for(request)
        if group not in GROUPS:
            return render("missing.html.j2", page, status=404, message=f"no learning path {group!r}.")
        return render("learn.html.j2", page, groups=GROUPS, tutorial=tutorial_page(group, page.lang), group=group)


def require_account(page: Page, role: str = "account") -> Principal:
    """The signed-in account allowed to do `role` (forms on the pages), else 401/403."""
    if page.who is None:
        raise AuthError(401, "sign in with a reader account first.")
    return check_role(page.who, role)


__all__ = ["FILTERS", "Page", "add_web_routes", "format_metric", "render", "require_account", "ui_text", "CatalogueError"]
