"""The app factory, its shell and routes, the wall helpers and the start page (no browser)."""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

import dash
import pytest
import sqlalchemy as sa

from components.layout import Refreshed
from dashboard.app import create_app
from dashboard.kiosk import nav_groups, page_slug, registered_pages, wall_playlist
from dashboard.settings import Settings, get_settings
from tests.auth_support import sign_in

DOWN_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"
WALL_QUERY = {"kiosk": "1", "theme": "dark"}


@pytest.fixture
def store_url(sqlite_engine: sa.Engine) -> str:
    return sqlite_engine.url.render_as_string(hide_password=False)


@pytest.fixture
def app(store_url: str, tmp_path: Path) -> dash.Dash:
    return create_app(Settings(database_url=store_url, data_dir=tmp_path, cache_type="null"))


@pytest.fixture
def client(app: dash.Dash):
    return sign_in(app.server.test_client(), app)


def test_app101_pages_registered_and_navigation_from_the_registry(app, client):
    pages = {p.slug: p for p in registered_pages(dash.page_registry)}
    assert pages["overview"].path == "/" and pages["overview"].wall
    assert pages["not-found"].category is None
    layout = json.dumps(client.get("/_dash-layout").json, ensure_ascii=False)
    assert '"href": "/"' in layout and "总览" in layout
    assert "闵行区市场监督管理局" in layout
    playlist = re.search(r'"data-playlist": "([^"]*)"', layout).group(1)
    assert playlist.split(",") == [p.slug for p in wall_playlist(pages.values())]


def test_app102_health_reports_the_database_and_data_time(client, tmp_path):
    r = client.get("/health")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert body["database"] == "ok" and "data_time" in body and body["status"] in ("ok", "degraded")
    down = create_app(Settings(database_url=DOWN_URL, data_dir=tmp_path, cache_type="null"))
    r = down.server.test_client().get("/health")
    assert r.status_code == 200
    body = r.get_json()
    assert body["database"] == "error" and body["status"] == "error" and body["data_time"] is None


def test_app103_every_asset_is_local_and_compressed(client):
    browser_encodings = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    r = client.get("/", headers=browser_encodings)
    assert r.status_code == 200 and r.headers.get("Content-Encoding") in ("zstd", "br", "gzip")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and not [u for u in urls if re.match(r"^(https?:)?//", u)], urls
    assert "cdn" not in html.lower() and "googleapis" not in html
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
    for url in ("/assets/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
                "/assets/vendor/bootstrap-icons/fonts/bootstrap-icons.woff", "/_smartsup/theme.css"):
        assert client.get(url).status_code == 200, url
    for url in ("/assets/vendor/bootstrap/css/bootstrap.min.css",
                "/_dash-component-suites/plotly/package_data/plotly.min.js"):
        r = client.get(url, headers=browser_encodings)
        assert r.headers.get("Content-Encoding") in ("zstd", "br", "deflate"), url
    scripts = [u for u in urls if u.endswith(".js") or ".js?" in u]
    assert any("boot.js" in u for u in scripts)


def test_app104_vendor_css_comes_before_the_apps_own():
    app = create_app(Settings(database_url="sqlite://", cache_type="null"))
    html = sign_in(app.server.test_client(), app).get("/").get_data(as_text=True)
    order = [html.index(s) for s in ("bootstrap.min.css", "bootstrap-icons.min.css", "theme.css", "app.css")]
    assert order == sorted(order)
    assert html.index("boot.js") < html.index("bootstrap.min.css")


def test_app105_two_apps_in_one_process_do_not_share_callbacks(tmp_path):
    first = create_app(Settings(database_url="sqlite://", cache_type="null"))
    second = create_app(Settings(database_url="sqlite://", cache_type="null"))
    for app in (first, second):
        client = sign_in(app.server.test_client(), app)
        outputs = [d["output"] for d in client.get("/_dash-dependencies").json]
        assert len(outputs) == len(set(outputs)), outputs
        assert any("overview-kpis" in o for o in outputs)


def test_app106_extra_page_modules_register_beside_the_pages_package(store_url, tmp_path):
    app = create_app(Settings(database_url=store_url, data_dir=tmp_path, cache_type="null"),
                     extra_pages=["tests.browser.probe_page"])
    import tests.browser.probe_page as probe

    pages = {p.slug: p for p in registered_pages(dash.page_registry)}
    assert pages["probe"].path == "/_probe" and pages["probe"].category is None
    client = sign_in(app.server.test_client(), app)
    layout = json.dumps(client.get("/_dash-layout").json, ensure_ascii=False)
    assert '"href": "/_probe"' not in layout and '\\"slug\\": \\"probe\\"' in layout
    outputs = [d["output"] for d in client.get("/_dash-dependencies").json]
    assert any("probe-kpis.children" in o for o in outputs)
    wall = probe.layout(kiosk="1", refresh="abc", app_config={"tile_url": None})
    assert wall.id == "page-probe" and "screen--wall" in wall.className
    assert "screen--analyst" in probe.layout().className
    refreshed = probe.refresh(WALL_QUERY)
    assert isinstance(refreshed, Refreshed) and len(refreshed.values) == 1


def test_app108_not_found_page_keeps_wall_parameters_on_the_way_back(app):
    import pages.not_found_404 as nf

    page = nf.layout(kiosk="1", rotate="20", playlist="overview,complaints", fit="bogus")
    [link] = [c for c in page.children if type(c).__name__ == "Link"]
    assert link.href == "/?kiosk=1&rotate=20&playlist=overview%2Ccomplaints"
    assert nf.layout().id == "page-not-found"
    assert [c for c in nf.layout().children if type(c).__name__ == "Link"][0].href == "/"


def test_app109_navigation_groups_and_playlists_follow_page_metadata():
    registry = {
        "pages.b": {"path": "/complaints", "name": "投诉举报", "order": 40, "category": "业务监管",
                    "wall": True},
        "pages.a": {"path": "/", "name": "总览", "order": 0, "category": "总览", "wall": True},
        "pages.c": {"path": "/cases", "name": "稽查办案", "order": 50, "category": "业务监管"},
        "pages.d": {"path": "/entity/none", "path_template": "/entity/<uscc>", "name": "一户一档"},
        "pages.e": {"path": "/report/weekly", "name": "周报", "order": 90},
    }
    pages = registered_pages(registry)
    assert [p.slug for p in pages] == ["overview", "complaints", "cases", "report-weekly"]
    groups = nav_groups(pages)
    assert [(g, [p.slug for p in ps]) for g, ps in groups] == [
        ("总览", ["overview"]), ("业务监管", ["complaints", "cases"])]
    # the bar's menus gather categories: complaints and cases under one menu of their own name
    menus = nav_groups(pages, {"业务监管": "预警执法"})
    assert [(g, [p.slug for p in ps]) for g, ps in menus] == [
        ("总览", ["overview"]), ("预警执法", ["complaints", "cases"])]
    assert [p.slug for p in wall_playlist(pages)] == ["overview", "complaints"]
    assert [p.slug for p in wall_playlist(pages, ["cases", "nope", "overview"])] == ["cases", "overview"]
    assert page_slug({"path": "/", "slug": "home"}) == "home"


def test_app110_wsgi_module_exposes_a_server(monkeypatch, store_url, tmp_path):
    monkeypatch.setenv("SMARTSUP_DATABASE_URL", store_url)
    monkeypatch.setenv("SMARTSUP_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    sys.modules.pop("dashboard.wsgi", None)
    try:
        wsgi = importlib.import_module("dashboard.wsgi")
        assert wsgi.server is wsgi.app.server
        assert wsgi.server.test_client().get("/health").get_json()["database"] == "ok"
    finally:
        sys.modules.pop("dashboard.wsgi", None)
        get_settings.cache_clear()
