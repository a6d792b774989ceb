"""The application factory: Dash Pages, the app shell (navigation, wall canvas, title bar), /health.

``create_app(settings)`` configures the data store and the query cache, imports the page modules
(each registers itself with ``dash.register_page``), and builds the shell from
``dash.page_registry``. Everything is served by the app itself (Bootstrap and its icons are
vendored under ``assets/vendor``; no CDN, no web fonts), because the wall runs on an intranet.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html
from flask import Response, jsonify

import pages
from components.labels import PRODUCT_NAME
from components.layout import APP_CONFIG, STATUS_ROLE, TICK_ROLE, WALL_INTERVAL, ViewParams
from components.sources import late_sources_text
from components.theme import css_variables
from dashboard import auth
from dashboard.auth import web as auth_web
from dashboard.kiosk import PageInfo, nav_groups, registered_pages, wall_playlist
from dashboard.report.archive import ReportArchive
from dashboard.settings import Settings, get_settings
from dashboard.static import PLOTLY_ROUTE, StaticFiles
from dashboard.tiles import TILES_ROUTE, tiles_page
from data_access import cache as query_cache
from data_access.api.sources import late_sources, parse_freshness, parse_office_hours
from data_access.api.status import health
from data_access.db import store

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = ROOT / "assets"
THEME_CSS_ROUTE = "_smartsup/theme.css"
WALL_SOURCES = "wall-sources"

#: Vendored stylesheets, loaded before the app's own CSS in ``assets/`` (which overrides them).
VENDOR_CSS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
)

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN" data-ss-mode="analyst" data-ss-theme="light" data-bs-theme="light">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        <script src="__BOOT__"></script>
        <script defer src="__PLOTLY__"></script>
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def _import_pages(extra: Sequence[str] = ()) -> None:
    """Import (or re-import, for a second app in one process) every module of the ``pages`` package,
    then the ``extra`` page modules.

    Dash's own ``pages_folder`` discovery names modules after the app's root path, which here is
    ``dashboard/`` rather than the project root; importing them under their real names keeps
    ``pages.overview`` one module whether the app or a test imports it. Re-executing a module on
    each ``create_app`` re-registers its page and callbacks for the new app, as Dash does.
    """
    names = [f"{pages.__name__}.{info.name}"
             for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name)
             if not info.name.startswith("_")]
    for name in [*names, *extra]:
        module = importlib.reload(sys.modules[name]) if name in sys.modules else importlib.import_module(name)
        entry = dash.page_registry.get(name)
        if entry is not None and not entry.get("supplied_layout"):
            entry["layout"] = module.layout


def _navbar(settings: Settings, groups: list[tuple[str, list[PageInfo]]]) -> dbc.Navbar:
    items: list[Any] = []
    for category, group in groups:
        if len(group) == 1:
            page = group[0]
            items.append(dbc.NavItem(dbc.NavLink(page.name, href=page.path, active="exact")))
        else:
            items.append(dbc.DropdownMenu(
                [dbc.DropdownMenuItem(p.name, href=p.path) for p in group],
                label=category, nav=True, in_navbar=True, align_end=False))
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand([html.I(className="bi bi-shield-check me-2"), html.Span(PRODUCT_NAME),
                             html.Small(settings.bureau_name, className="brand-sub ms-2")],
                            href="/", className="app-brand"),
            dbc.NavbarToggler(id="nav-toggler", n_clicks=0),
            dbc.Collapse([
                dbc.Nav(items, navbar=True, className="me-auto"),
                html.Div([
                    dbc.NavLink([html.I(className="bi bi-display me-1"), "大屏模式"], id="nav-wall-link",
                                href="/?kiosk=1", className="nav-wall-link", external_link=True),
                    html.Span(id="nav-user", className="nav-user small text-secondary"),
                    dbc.NavLink([html.I(className="bi bi-box-arrow-right me-1"), "退出"], id="nav-logout",
                                href="/logout", external_link=True),
                ], className="d-flex align-items-center gap-3"),
            ], id="nav-collapse", navbar=True, is_open=False),
        ], fluid=True),
        className="app-nav", color=None, dark=False,
    )


def _titlebar(settings: Settings) -> html.Header:
    return html.Header([
        html.Div([html.Div(settings.bureau_name, className="wall-bureau"),
                  html.Div(PRODUCT_NAME, className="wall-product")], className="wall-title-left"),
        html.Div(html.H1(id="wall-screen-name", className="wall-screen-name"), className="wall-title-centre"),
        html.Div([html.Div(id="wall-clock", className="wall-clock"),
                  html.Div(id="wall-data-time", className="wall-data-time"),
                  html.Div(id=WALL_SOURCES, className="wall-sources", role="status")],
                 className="wall-title-right"),
    ], className="wall-titlebar")


def _shell(settings: Settings, page_list: list[PageInfo]) -> html.Div:
    playlist = [p.slug for p in wall_playlist(page_list)]
    return html.Div([
        dcc.Location(id="app-url", refresh="callback-nav"),
        dcc.Store(id=APP_CONFIG, data={"tile_url": settings.tile_url, "bureau_name": settings.bureau_name,
                                       "video_hosts": list(settings.video_origins)}),
        dcc.Interval(id=WALL_INTERVAL, interval=30_000, disabled=True),
        _navbar(settings, nav_groups(page_list)),
        html.Div(html.Div([
            _titlebar(settings),
            html.Div([html.I(className="bi bi-exclamation-triangle-fill"), html.Strong("数据延迟"),
                      html.Span(id="wall-banner-detail")],
                     className="wall-banner", role="alert", **{"aria-live": "assertive"}),
            html.Main(dash.page_container, className="app-main"),
        ], id="wall-canvas", className="wall-canvas"), className="wall-viewport"),
    ], id="app-shell", className="app-shell",
        **{"data-pages": json.dumps([p.as_json() for p in page_list], ensure_ascii=False),
           "data-playlist": ",".join(playlist),
           # the wall clock and every time the browser formats use the bureau's zone, not the PC's
           "data-timezone": settings.timezone})


def _late_sources_note(settings: Settings) -> Any:
    """The title bar's note on sources that stopped feeding the store, re-read whenever a screen's
    status changes (its load and every wall refresh), so it follows the clock without a reload."""
    limits = parse_freshness(settings.source_freshness)
    hours = parse_office_hours(settings.office_hours)

    def note(_statuses: Any, search: str | None) -> str:
        if not ViewParams.from_query(parse_qs((search or "").lstrip("?"))).kiosk:
            return ""   # the note lives in the wall's title bar; analysts pay no query for it
        now = settings.now()
        try:
            late = late_sources(now, limits, hours)
        except Exception:  # noqa: BLE001 — the database being down is the other banner's business
            log.warning("数据源新鲜度读取失败", exc_info=True)
            return ""
        return late_sources_text(late, now)

    return note


def _register_shell_callbacks(app: dash.Dash, settings: Settings) -> None:
    app.callback(Output(WALL_SOURCES, "children"), Input({"role": STATUS_ROLE, "page": ALL}, "data"),
                 State("app-url", "search"))(_late_sources_note(settings))
    app.clientside_callback(
        ClientsideFunction("smartsup", "intervalFromUrl"),
        Output(WALL_INTERVAL, "interval"), Output(WALL_INTERVAL, "disabled"),
        Input("app-url", "search"),
    )
    app.clientside_callback(
        ClientsideFunction("smartsup", "tick"),
        Output({"role": TICK_ROLE, "page": ALL}, "data"),
        Input(WALL_INTERVAL, "n_intervals"), State({"role": TICK_ROLE, "page": ALL}, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("smartsup", "status"),
        Output("wall-screen-name", "children"), Output("wall-data-time", "children"),
        Output("wall-banner-detail", "children"),
        Input({"role": STATUS_ROLE, "page": ALL}, "data"),
    )
    app.clientside_callback(
        ClientsideFunction("smartsup", "wallLink"),
        Output("nav-wall-link", "href"), Input("app-url", "pathname"),
    )
    app.clientside_callback(
        "function (n, open) { return n ? !open : open; }",
        Output("nav-collapse", "is_open"), Input("nav-toggler", "n_clicks"), State("nav-collapse", "is_open"),
        prevent_initial_call=True,
    )


def _register_user_callback(app: dash.Dash) -> None:
    @app.callback(Output("nav-user", "children"), Input("app-url", "pathname"))
    def _nav_user(_pathname: str | None) -> Any:
        """Who is signed in (and, for those who may read it, the way to the audit log)."""
        info = auth.current_user_info()
        if info is None:
            return ""
        where = f" · {info.office_code}" if info.office_code else ""
        who = f"{info.display_name}（{info.role_label}{where}）"
        if not auth.has_permission("audit"):
            return who
        return [dcc.Link([html.I(className="bi bi-journal-text me-1"), "审计日志"], href="/audit",
                         id="nav-audit", className="me-3"), who]


def create_app(settings: Settings | None = None, *, extra_pages: Sequence[str] = ()) -> dash.Dash:
    """Build the Dash app for ``settings`` (the process settings by default).

    ``extra_pages`` names further page modules to register beside the ``pages`` package (the
    browser tests add a probe screen whose data they control).
    """
    settings = settings or get_settings()
    store.configure(settings.effective_database_url, statement_timeout_ms=settings.statement_timeout_ms)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS_DIR),
        # vendor CSS is linked explicitly (before ours); head/ holds the boot script loaded in <head>
        assets_path_ignore=["vendor", "head"],
        serve_locally=True,
        compress=True,
        suppress_callback_exceptions=True,
        title=PRODUCT_NAME,
        update_title=None,
        routing_callback_inputs={"app_config": State(APP_CONFIG, "data")},
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"},
                   {"name": "description", "content": f"{settings.bureau_name} {PRODUCT_NAME}"}],
    )
    app.config.external_stylesheets.extend(
        [app.get_asset_url(p) for p in VENDOR_CSS] + [app.get_relative_path("/" + THEME_CSS_ROUTE)])
    # plotly.js is deferred in <head> rather than left to load when the first figure mounts: it
    # then compiles while the layout and the first callbacks are on the network (every screen draws
    # figures). Same URL as Dash's lazy loader, which finds window.Plotly and loads nothing more.
    app.index_string = (INDEX_TEMPLATE.replace("__BOOT__", app.get_asset_url("head/boot.js"))
                        .replace("__PLOTLY__", app.get_relative_path("/" + PLOTLY_ROUTE)))
    query_cache.init_cache_from_settings(settings, app.server)
    _import_pages(extra_pages)
    page_list = registered_pages(dash.page_registry)
    app.layout = _shell(settings, page_list)
    _register_shell_callbacks(app, settings)
    _register_user_callback(app)
    # Dash binds the callbacks registered with ``dash.callback`` (the pages') to an app at its
    # first request; do that now, so two apps built in one process (tests) never share them.
    with app.server.test_request_context("/"):
        app.server.preprocess_request()

    ReportArchive(settings.effective_report_dir).init_app(app.server)
    StaticFiles(app.server, app.config.routes_pathname_prefix, settings.data_dir / "cache" / "static")
    theme_css = css_variables()

    @app.server.route("/" + THEME_CSS_ROUTE)
    def _theme_css() -> Response:
        return Response(theme_css, mimetype="text/css", headers={"Cache-Control": "public, max-age=3600"})

    tiles_html = tiles_page(page_list, title=f"{settings.bureau_name} {PRODUCT_NAME}",
                            boot_url=app.get_asset_url("head/boot.js"),
                            tiles_url=app.get_asset_url("head/tiles.js"))

    @app.server.route(app.config.routes_pathname_prefix + TILES_ROUTE)
    def _tiles() -> Response:
        return Response(tiles_html, mimetype="text/html", headers={"Cache-Control": "no-cache"})

    @app.server.route("/health")
    def _health() -> Any:
        # 200 even when the database is down: the body says so ("database": "error"), and a probe
        # can tell "app up, database down" from a crashed worker.
        response = jsonify(health())
        response.headers["Cache-Control"] = "no-store"
        return response

    from dashboard.metrics import init_metrics  # /metrics, request timing, access log (ops, issue 14)

    # the content-security policy hashes every inline script registered above
    auth_web.init_app(app, settings)
    # after the sign-in gate is in place, so that its timing can start before the gate
    init_metrics(app.server, settings)
    from dashboard.response_cache import init_response_cache
    from dashboard.screen import page_viewer

    # after the gate: only a signed-in viewer's accepted router request is answered from the cache
    init_response_cache(app.server, page_viewer)
    return app
