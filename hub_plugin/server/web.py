"""The catalogue's web pages: plain server-rendered HTML (Jinja2), no JavaScript needed.

Eight languages via `?lang=` or the browser's Accept-Language, right-to-left
for Arabic; texts an entry lacks in a language show the English text, marked
as not yet translated. Reading needs a reader key (a login form sets a cookie)
unless the server runs with public pages.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saferkit.evaluation.submission import MODEL_CARD_FIELDS
from saferkit.hub_plugin.languages import LANGUAGE_NAMES, LANGUAGES, direction, localize, negotiate
from saferkit.hub_plugin.schema import vocabulary
from saferkit.hub_plugin.server.api import KEY_COOKIE, AuthError, HubSettings, authorise, presented_key
from saferkit.hub_plugin.server.store import DEPLOYMENT_TAGS, Catalogue, CatalogueError

FILTERS = ("q", "category", "cost", "deployment", "language")


@lru_cache(maxsize=1)
def ui_text() -> dict[str, dict[str, str]]:
    """key -> {lang: text} from ui_text.yaml (one list of eight per key)."""
    import yaml

    raw = yaml.safe_load(resources.files("saferkit.hub_plugin.server").joinpath("ui_text.yaml").read_text("utf-8"))
    return {key: dict(zip(LANGUAGES, values)) for key, values in raw.items()}


@lru_cache(maxsize=1)
def templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("saferkit.hub_plugin.server", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["metric"] = format_metric
    return env


def format_metric(metric: dict[str, Any] | None, which: str = "value") -> str:
    """A metric value or its interval for display; a dash when it could not be estimated."""
    if not metric or metric.get("value") is None:
        return "–"
    if which == "interval":
        low, high = metric.get("ci_low"), metric.get("ci_high")
        return "–" if low is None or high is None else f"{low:.3f} – {high:.3f}"
    return f"{metric['value']:.3f}"


class Page:
    """What every template needs: the language, its direction, translated strings, links."""

    def __init__(self, request: Request, lang: str) -> None:
        self.request, self.lang, self.dir = request, lang, direction(lang)
        self.languages = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]

    def t(self, key: str) -> str:
        texts = ui_text().get(key)
        return localize(texts, self.lang).text if texts else key

    def loc(self, texts: dict[str, str] | None):
        return localize(texts, self.lang)

    def url_with(self, **changes: Any) -> str:
        params = {k: v for k, v in self.request.query_params.items() if v}
        params.update({k: v for k, v in changes.items()})
        params = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{self.request.url.path}?{urlencode(params)}" if params else self.request.url.path


def _render(name: str, page: Page, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates().get_template(name).render(page=page, t=page.t, loc=page.loc, **context)
    return HTMLResponse(html, status_code=status, headers={"Content-Language": page.lang,
                                                           "Content-Security-Policy": "default-src 'self'; script-src 'none'"})


def add_web_routes(app: FastAPI, catalogue: Catalogue, settings: HubSettings) -> None:
    def page_for(request: Request) -> Page:
        return Page(request, negotiate(request.query_params.get("lang"), request.headers.get("accept-language")))

    def allowed(request: Request) -> bool:
        if settings.public_pages:
            return True
        try:
            authorise(catalogue, presented_key(request, cookie=True), "reader")
            return True
        except AuthError:
            return False

    def login_page(page: Page, failed: bool = False) -> HTMLResponse:
        return _render("login.html.j2", page, status=401, failed=failed, next_url=page.request.url.path)

    @app.get("/static/hub.css")
    def stylesheet() -> Response:
        css = resources.files("saferkit.hub_plugin.server").joinpath("static", "hub.css").read_text("utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        key, lang = str(form.get("key", "")).strip(), str(form.get("lang", ""))
        next_url = str(form.get("next", "/"))
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        page = Page(request, negotiate(lang, request.headers.get("accept-language")))
        if catalogue.authenticate(key) is None:
            return login_page(page, failed=True)
        response = RedirectResponse(f"{next_url}?lang={page.lang}", status_code=303)
        response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict", max_age=12 * 3600)
        return response

    @app.get("/", response_class=HTMLResponse)
    def catalogue_page(request: Request) -> HTMLResponse:
        page = page_for(request)
        if not allowed(request):
            return login_page(page)
        chosen = {name: (request.query_params.get(name) or "").strip()[:200] for name in FILTERS}
        total, entries = catalogue.list_entries(
            q=chosen["q"] or None, category=chosen["category"] or None, cost=chosen["cost"] or None,
            deployment=chosen["deployment"] or None, language=chosen["language"] or None, limit=200)
        options = {"category": vocabulary("purpose") + vocabulary("technology"),
                   "cost": vocabulary("cost"), "deployment": list(DEPLOYMENT_TAGS), "language": list(LANGUAGES)}
        return _render("catalogue.html.j2", page, entries=entries, total=total, chosen=chosen, options=options,
                       language_names=LANGUAGE_NAMES)

    def tool_page(request: Request, tool_id: str, version: str | None) -> HTMLResponse:
        page = page_for(request)
        if not allowed(request):
            return login_page(page)
        try:
            tool = catalogue.get_tool(tool_id)
            shown = tool if version is None else catalogue.get_version(tool_id, version)
        except CatalogueError as exc:
            return _render("missing.html.j2", page, status=exc.status, message=str(exc))
        return _render("tool.html.j2", page, tool=tool, shown=shown, entry=shown["entry"],
                       card_fields=MODEL_CARD_FIELDS)

    @app.get("/tools/{tool_id}", response_class=HTMLResponse)
    def tool_latest(request: Request, tool_id: str) -> HTMLResponse:
        return tool_page(request, tool_id, None)

    @app.get("/tools/{tool_id}/v/{version}", response_class=HTMLResponse)
    def tool_version(request: Request, tool_id: str, version: str) -> HTMLResponse:
        return tool_page(request, tool_id, version)

    @app.get("/tools/{tool_id}/v/{version}/plots/{kind}.png")
    def plot(request: Request, tool_id: str, version: str, kind: str) -> Response:
        from saferkit.hub_plugin.server.plots import PLOTS, render_plot

        if not allowed(request):
            raise AuthError(401, "a reader key is required.")
        if kind not in PLOTS:
            raise CatalogueError(f"no plot named {kind!r}; choose one of {', '.join(PLOTS)}.", 404)
        shown = catalogue.get_version(tool_id, version)
        png = render_plot(kind, shown["content_sha256"], shown["entry"]["evaluation"])
        return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=86400"})
