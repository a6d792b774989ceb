"""Static files: the small plotly.js and the once-compressed scripts and styles (dashboard/static.py)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
import pytest
from plotly.offline import get_plotlyjs_version

from dashboard.app import create_app
from dashboard.settings import Settings
from dashboard.static import PLOTLY_BUNDLE, PLOTLY_ROUTE, choose_encoding, plotly_bundle_version, zstd
from tests.auth_support import sign_in

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("static-data")
    app = create_app(Settings(database_url="sqlite://", data_dir=data_dir, cache_type="null"))
    return sign_in(app.server.test_client(), app), data_dir


def test_sta001_bundle_is_the_plotly_js_of_the_python_package():
    # Upgrading plotly without rebuilding the bundle (scripts/plotly-bundle) fails here, not on a wall.
    assert plotly_bundle_version() == get_plotlyjs_version()
    traces = json.loads((ROOT / "scripts/plotly-bundle/traces.json").read_text(encoding="utf-8"))
    head = PLOTLY_BUNDLE.read_bytes()[:400].decode("ascii", "replace")
    assert f"traces: {','.join(traces)} " in head
    for needed in ("bar", "pie", "funnel", "scatterpolar", "choroplethmap", "scattermap", "densitymap"):
        assert needed in traces


@pytest.mark.parametrize(("accept", "expected"), [
    ("gzip, deflate, br, zstd", "zstd"),
    ("gzip, deflate, br", "br"),
    ("gzip, deflate", "gzip"),
    ("br;q=0, gzip;q=0.5", "gzip"),
    ("identity", None),
    ("", None),
    ("zstd;q=oops, gzip", "gzip"),
])
def test_sta002_encoding_is_the_best_the_browser_accepts(accept, expected):
    assert choose_encoding(accept) == expected


def test_sta003_plotly_url_serves_the_small_bundle_compressed_and_revalidates(client):
    c, data_dir = client
    raw = PLOTLY_BUNDLE.read_bytes()
    first = c.get("/" + PLOTLY_ROUTE, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "zstd"
    assert zstd.decompress(first.data) == raw
    assert len(first.data) < len(raw) / 3
    assert "Accept-Encoding" in first.headers["Vary"]
    cached = list((data_dir / "cache" / "static").iterdir())
    assert len(cached) == 1 and cached[0].read_bytes() == first.data
    etag = first.headers["ETag"]
    again = c.get("/" + PLOTLY_ROUTE, headers={"Accept-Encoding": "zstd", "If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    gz = c.get("/" + PLOTLY_ROUTE, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == raw
    br = c.get("/" + PLOTLY_ROUTE, headers={"Accept-Encoding": "br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == raw
    plain = c.get("/" + PLOTLY_ROUTE, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == raw


def test_sta004_component_scripts_and_assets_are_compressed_callbacks_are_left_alone(client):
    c, _ = client
    index = c.get("/", headers={"Accept-Encoding": "identity"})
    html = index.data.decode()
    assert f'<script defer src="/{PLOTLY_ROUTE}"></script>' in html
    suite = next(part.split('"')[0] for part in html.split('src="')[1:] if "dash_ag_grid" in part)
    r = c.get(suite, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    plain = c.get(suite, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and len(plain.data) > 100_000
    assert gzip.decompress(r.data) == plain.data and len(r.data) < len(plain.data) / 2
    css = c.get("/assets/app.css", headers={"Accept-Encoding": "br"})
    assert css.headers["Content-Encoding"] == "br" and b"{" in brotli.decompress(css.data)
    health = c.get("/health", headers={"Accept-Encoding": "zstd"})
    assert health.status_code == 200 and health.get_json()["database"] in ("ok", "error")


def test_sta020_static_export_writes_what_the_signed_in_index_names(tmp_path):
    """`smartsup static export` reads the index page as a service session (it is behind sign-in: read
    anonymously it is a redirect and Dash's own scripts were never exported), and refuses rather
    than exporting nothing when the tree's assets/ is missing (a non-editable install)."""
    import click

    from dashboard.app import ASSETS_DIR
    from dashboard.static_export import export_static

    app = create_app(Settings(database_url="sqlite://", data_dir=tmp_path / "data", cache_type="null"))
    files, _ = export_static(app, tmp_path / "static", ASSETS_DIR, encodings=("gz",))
    written = {p.relative_to(tmp_path / "static").as_posix() for p in (tmp_path / "static").rglob("*")
               if p.is_file() and not p.name.endswith(".gz")}
    assert len(written) == files
    suites = {p for p in written if p.startswith("_dash-component-suites/")}
    assert any("dash_renderer" in p or "dash-renderer" in p for p in suites), sorted(suites)[:5]
    assert "assets/app.css" in written and "assets/city.css" in written
    with pytest.raises(click.ClickException, match="静态资源目录"):
        export_static(app, tmp_path / "static2", tmp_path / "no-assets", encodings=("gz",))
