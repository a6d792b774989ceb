"""Built screens served as bytes (dashboard/response_cache.py): a wall's second load of a screen is
answered with the first load's compressed bytes without calling Dash, for the same viewer and data
version only; other viewers, a new data version, a refused request, a failed page and any other
callback never are."""

from __future__ import annotations

import gzip
import json

import pytest

from dashboard.app import create_app
from dashboard.bench_load import router_body
from dashboard.settings import Settings
from data_access import cache
from data_access.db import make_engine
from data_access.refresh import refresh
from tests.auth_support import sign_in
from tests.test_refresh import refreshed_copy

CALLBACK = "/_dash-update-component"
HEADERS = {"Accept-Encoding": "gzip", "Content-Type": "application/json"}
QIBAO = "310112102000"


@pytest.fixture(scope="module")
def served(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("resp"), cache_type="simple")
    app = create_app(settings, extra_pages=["tests.toy_screen"])
    endpoint = next(r.endpoint for r in app.server.url_map.iter_rules() if r.rule == CALLBACK)
    calls = {"n": 0}
    view = app.server.view_functions[endpoint]

    def counted(*args, **kwargs):
        calls["n"] += 1
        return view(*args, **kwargs)

    app.server.view_functions[endpoint] = counted
    yield app, calls, url
    app.server.view_functions[endpoint] = view
    cache.reset()


@pytest.fixture
def toy():
    import tests.toy_screen as toy

    toy.FAIL["draw"] = False
    yield toy
    toy.FAIL["draw"] = False


def _load(client, path="/_toy", search="?kiosk=1"):
    return client.post(CALLBACK, data=json.dumps(router_body(path, search)), headers=HEADERS)


def test_rsp001_a_second_load_is_the_first_ones_bytes_without_dash(served, toy):
    app, calls, _ = served
    client = sign_in(app.server.test_client(), app, "leader")
    first = _load(client, search="?kiosk=1&rsp=1")
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    n = calls["n"]
    again = _load(client, search="?kiosk=1&rsp=1")
    assert again.status_code == 200 and again.headers["Content-Encoding"] == "gzip"
    assert again.data == first.data and calls["n"] == n  # Dash was not called
    assert "Accept-Encoding" in again.headers["Vary"]
    other = _load(client, search="?kiosk=1&rsp=2")  # another query: another page, built by Dash
    assert calls["n"] == n + 1 and other.data != first.data
    plain = client.post(CALLBACK, data=json.dumps(router_body("/_toy", "?kiosk=1&rsp=1")),
                        headers={"Content-Type": "application/json"})  # no gzip asked: not gzip served
    assert "Content-Encoding" not in plain.headers and calls["n"] == n + 2
    assert json.loads(plain.data)["response"]["_pages_content"]["children"]


def test_rsp002_another_viewer_or_data_version_is_built_again(served, toy, monkeypatch):
    app, calls, url = served
    leader = sign_in(app.server.test_client(), app, "leader")
    _load(leader, search="?kiosk=1&rsp=3")
    n = calls["n"]
    station = sign_in(app.server.test_client(), app, "station", (QIBAO,))
    seen = _load(station, search="?kiosk=1&rsp=3")
    assert calls["n"] == n + 1 and seen.status_code == 200  # the station's own page
    analyst = sign_in(app.server.test_client(), app, "analyst")
    _load(analyst, search="?kiosk=1&rsp=3")
    assert calls["n"] == n + 2  # another role is another viewer
    engine = make_engine(url)
    refresh(engine, progress=False)  # a new data version
    monkeypatch.setattr(cache._state, "version_ttl", 0)  # read the version now, not within the second
    _load(leader, search="?kiosk=1&rsp=3")
    assert calls["n"] == n + 3
    _load(leader, search="?kiosk=1&rsp=3")
    assert calls["n"] == n + 3  # kept again under the new version
    engine.dispose()


def test_rsp003_refused_failed_and_other_callbacks_are_never_answered_from_it(served, toy):
    app, calls, _ = served
    leader = sign_in(app.server.test_client(), app, "leader")
    _load(leader, search="?kiosk=1&rsp=4")
    # no session: refused before the cache is looked at, though the leader's bytes are kept
    assert _load(app.server.test_client(), search="?kiosk=1&rsp=4").status_code == 401
    # a page drawn in its "data delayed" state is not kept: the next load draws it again
    toy.FAIL["draw"] = True
    n = calls["n"]
    delayed = _load(leader, search="?kiosk=1&rsp=5")
    assert "暂时无法读取数据" in json.dumps(json.loads(gzip.decompress(delayed.data)), ensure_ascii=False)
    toy.FAIL["draw"] = False
    good = _load(leader, search="?kiosk=1&rsp=5")
    assert calls["n"] == n + 2 and good.data != delayed.data
    # a callback other than the router (the wall refresh, a filter, a write) always goes to Dash
    body = router_body("/_toy", "?kiosk=1&rsp=4")
    body["output"] = next(k for k in app.callback_map if k.startswith("..toy-") or k.startswith("toy-"))
    for _ in range(2):
        leader.post(CALLBACK, data=json.dumps(body), headers=HEADERS)
    assert calls["n"] == n + 4


def test_rsp004_a_screen_keyed_by_what_it_loaded_is_not_served_stale(served, toy, monkeypatch):
    """/city's page depends on the packages imported, which do not move the data version: its screen
    names them (``Screen.version``) and the kept bytes follow, as its built page does."""
    app, calls, _ = served
    loaded = {"v": 1}
    monkeypatch.setattr(toy.SCREEN, "version", lambda: loaded["v"])
    leader = sign_in(app.server.test_client(), app, "leader")
    _load(leader, search="?kiosk=1&rsp=6")
    _load(leader, search="?kiosk=1&rsp=6")
    n = calls["n"]
    loaded["v"] = 2  # a package imported
    _load(leader, search="?kiosk=1&rsp=6")
    assert calls["n"] == n + 1
