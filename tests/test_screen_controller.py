"""The screen controller (dashboard/screen.py) on a toy screen declared in tests/toy_screen.py: it
registers its page and callbacks, builds both modes with the data-delayed fallback, folds clicks and
chips into the state and the URL, gives every read the scope (the filter within the user's
jurisdiction), and lists and exports the records behind the numbers."""

from __future__ import annotations

import base64
import io
import json

import dash
import pandas as pd
import pytest
from plotly.utils import PlotlyJSONEncoder

import dashboard.screen as screen
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import complaints, extra_screens
from tests.auth_support import sign_in
from tests.test_refresh import refreshed_copy

ANALYST = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}
QIBAO, XINZHUANG = "310112102000", "310112101000"


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("toy"), cache_type="null"),
                     extra_pages=["tests.toy_screen"])
    yield app
    cache.reset()


@pytest.fixture
def toy(app):
    import tests.toy_screen as toy

    toy.FAIL["draw"] = False
    toy.SCOPES.clear()
    return toy


def _walk(component):
    yield component
    props = component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}
    children = props.get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _ids(layout) -> set:
    ids = (getattr(c, "id", None) for c in _walk(layout))
    return {json.dumps(i) if isinstance(i, dict) else i for i in ids if i}


def _text(component) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


def _state(toy, **kw):
    return {"period": "month", "street": None, "channel": None, **kw}


def test_scr001_declared_screen_registers_its_page_and_callbacks(app, toy):
    entry = dash.page_registry["tests.toy_screen"]
    assert entry["path"] == "/_toy" and entry["title"] == "玩具 · 智慧监管·云中心" and not entry["wall"]
    client = sign_in(app.server.test_client(), app)
    outputs = " ".join(d["output"] for d in client.get("/_dash-dependencies").json)
    # the wall refresh (KPI strip, the figure and the status), the filter callback, the grid, the export
    for out in ("toy-kpis.children", "toy-channel-graph.figure", "toy-state.data", "toy-chips.children",
                "toy-url.search", "toy-filter-street.value", "toy-period.children", "toy-scope.children",
                "toy-grid.rowData", "toy-download.data"):
        assert out in outputs, out


def test_scr002_layout_in_both_modes(toy):
    analyst = toy.layout(**ANALYST)
    ids = _ids(analyst)
    assert analyst.id == "page-toy" and "screen--analyst" in analyst.className
    assert {"toy-state", "toy-url", "toy-filter-period", "toy-filter-street", "toy-chips", "toy-grid",
            "toy-export-csv", "toy-link-notes", "toy-scope"} <= ids
    assert "toy-filter-office" not in ids  # only the declared controls
    wall = toy.layout(**WALL)
    assert "screen--wall" in wall.className
    assert not {"toy-filter-period", "toy-grid"} & _ids(wall)  # no filter bar or grid on the wall
    kpi = next(c for c in _walk(wall) if getattr(c, "to_plotly_json", None)
               and "data-indicator" in c.to_plotly_json()["props"])
    m = extra_screens.period_bounds("month")
    expected = len(complaints.complaint_list(m["start"], m["end"], None, limit=100_000).frame)
    assert kpi.to_plotly_json()["props"]["data-value"] == str(expected)


def test_scr003_bad_link_falls_back_with_a_note(toy):
    layout = toy.layout(**ANALYST, street="<script>", channel="12345")
    notes = next(c for c in _walk(layout) if getattr(c, "id", None) == "toy-link-notes")
    assert "无法识别" in _text(notes)
    state = next(c for c in _walk(layout) if getattr(c, "id", None) == "toy-state").data
    assert state == _state(toy, channel="12345")


def test_scr004_failed_read_shows_the_delayed_frame_not_an_error(toy):
    toy.FAIL["draw"] = True
    layout = toy.layout(**WALL)
    status_id = {"role": "wall-status", "page": "toy"}
    status = next(c for c in _walk(layout) if getattr(c, "id", None) == status_id)
    assert status.data["ok"] is False and status.data["error"] == "ConnectionError"
    assert "暂时无法读取数据" in _text(layout)


def test_scr005_click_chip_and_url(toy):
    click = {"points": [{"customdata": "12345"}]}
    out = toy.update_filters("toy-channel-graph", click, _state(toy), ANALYST)
    new = out[0]
    assert new["channel"] == "12345" and out[2] == "?channel=12345"
    # state, chips, url, period value + options, street value, link note, period caption, the note
    assert len(out) == 9 and out[3] == "month" and out[5] is None and out[6] is None
    again = toy.update_filters("toy-channel-graph", click, new, ANALYST)[0]
    assert again["channel"] is None  # a second click on the same bar clears it
    street = toy.update_filters(toy.SCREEN.control_ids["street"], QIBAO, new, WALL)
    assert street[2] == f"?theme=dark&street={QIBAO}&channel=12345"
    cleared = toy.update_filters({"role": "xf-chip", "page": "toy", "name": "__all__"}, 1, street[0], ANALYST)
    assert cleared[0] == _state(toy) and cleared[2] == "?"
    assert toy.update_filters("someone-elses-graph", click, new, ANALYST) == (dash.no_update,) * 9


def test_scr006_scope_is_the_filter_within_the_jurisdiction(toy, monkeypatch):
    assert toy.SCREEN.scope(_state(toy)) == screen.Scope(None, None)
    assert toy.SCREEN.scope(_state(toy, street=QIBAO)) == screen.Scope((QIBAO,), None)
    monkeypatch.setattr(screen, "jurisdiction", lambda: (XINZHUANG,))
    assert toy.SCREEN.scope(_state(toy)) == screen.Scope((XINZHUANG,), (XINZHUANG,))
    # a street outside the jurisdiction, e.g. typed into the URL, gives nothing, not that street
    assert toy.SCREEN.scope(_state(toy, street=QIBAO)).streets == ()
    refreshed = toy.refresh(_state(toy), ANALYST)
    assert toy.SCOPES[-1].streets == (XINZHUANG,)
    m = extra_screens.period_bounds("month")
    expected = len(complaints.complaint_list(m["start"], m["end"], (XINZHUANG,), limit=100_000).frame)
    cards = [c for card in refreshed.values[0] for c in _walk(card)
             if "data-indicator" in c.to_plotly_json()["props"]]
    assert cards[0].to_plotly_json()["props"]["data-value"] == str(expected)
    rows, caption = toy.update_grid(_state(toy))
    assert rows and {r["street_code"] for r in rows} == {XINZHUANG}


def test_scr007_grid_and_export_follow_the_state(toy):
    state = _state(toy, channel="12345")
    rows, caption = toy.update_grid(state)
    assert len(rows) <= 5 and all(r["channel"] == "12345 热线" or "12345" in r["channel"] for r in rows)
    m = extra_screens.period_bounds("month")
    expected = complaints.complaint_list(m["start"], m["end"], None, channel="12345", limit=50).frame
    csv = toy.export_file(state, "csv")
    assert csv["filename"].startswith("玩具明细_") and csv["filename"].endswith(".csv")
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["编号", "渠道", "街镇代码"]
    assert list(table["编号"]) == [str(i) for i in expected["id"]]


def test_scr008_a_built_screen_is_served_to_every_wall_until_the_data_changes(toy, app, monkeypatch):
    from data_access import cache as query_cache

    query_cache.init_cache(cache_type="simple")
    try:
        first = toy.layout(**WALL)
        again = toy.layout(**WALL)
        assert len(toy.SCOPES) == 1  # drawn once
        assert _text(first) == _text(again)
        toy.refresh(_state(toy), WALL)
        toy.refresh(_state(toy), WALL)
        assert len(toy.SCOPES) == 2  # the refresh: once more, then from the cache
        with monkeypatch.context() as m:
            m.setattr(screen, "jurisdiction", lambda: (XINZHUANG,))
            toy.layout(**WALL)
        assert len(toy.SCOPES) == 3 and toy.SCOPES[-1].streets == (XINZHUANG,)  # another viewer
        from dashboard.auth.web import act_as_service

        for role, drawn in (("duty", 4), ("analyst", 5), ("duty", 5)):  # a role is a viewer too
            with app.server.test_request_context("/_toy"):
                act_as_service(role, role=role)
                toy.layout(**WALL)
            assert len(toy.SCOPES) == drawn, role
        toy.FAIL["draw"] = True
        assert toy.layout(**WALL) == again  # the built page stands for this data version
        failed = toy.layout(**WALL, street=QIBAO)  # a page never built fails visibly …
        assert "暂时无法读取数据" in _text(failed)
        toy.FAIL["draw"] = False
        assert "暂时无法读取数据" not in _text(toy.layout(**WALL, street=QIBAO))  # … and is not cached
    finally:
        query_cache.reset()
