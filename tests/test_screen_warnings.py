"""智能预警 without a browser: the page's layout in both modes and its callbacks called as plain
functions on the refreshed small district, every number compared with an independent read-API call."""

from __future__ import annotations

import base64
import io

import openpyxl
import pandas as pd
import pytest
from dash import no_update

from components.layout import run_refresh
from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens, indicators, overview
from data_access.api import warnings as wr
from tests.test_refresh import refreshed_copy

XINZHUANG = "310112101000"
VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}
LEVELS = ("red", "orange", "yellow", "blue")


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("warnings"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.warnings as page

    return page


def _props(component) -> dict:
    return component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}


def _walk(component):
    yield component
    children = _props(component).get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _kpis(component) -> dict[str, float]:
    return {
        p["data-indicator"]: float(p["data-value"])
        for p in map(_props, _walk(component))
        if "data-indicator" in p
    }


def _by_id(layout, id_):
    return next(c for c in _walk(layout) if _props(c).get("id") == id_)


def _has_id(layout, id_) -> bool:
    return any(_props(c).get("id") == id_ for c in _walk(layout))


def _month():
    return extra_screens.period_bounds("month")


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _figs(page, state, view=VIEW):
    return page._draw(page.ViewParams.from_query(view), state)[0]


def _busiest_level() -> str:
    """The level with the most open warnings in the store (the small district has few)."""
    status = wr.warning_status()
    return str(status.sort_values(["open", "level"], ascending=[False, True]).iloc[0]["level"])


def _table_rows(component) -> list[list]:
    """The body rows of an analyst list (a table) as lists of cell children."""
    body = next(c for c in _walk(component) if type(c).__name__ == "Tbody")
    return [[td.children for td in tr.children] for tr in body.children]


# --- layout and numbers -------------------------------------------------------------------------


def test_wrn001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    assert lib["warning.open_total"] == sum(lib[f"warning.open.{lv}"] for lv in LEVELS)
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-warnings"
        values = _kpis(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert v == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not _has_id(wall, page.IDS.id("grid")) and not _has_id(wall, page.IDS.id("chips"))
    analyst = page.layout()
    grid = _by_id(analyst, page.IDS.id("grid"))
    open_rows = wr.open_warning_points(limit=page.GRID_LIMIT)
    assert [r["id"] for r in grid.rowData] == open_rows.frame["id"].tolist()
    assert len(grid.rowData) == min(lib["warning.open_total"], page.GRID_LIMIT)
    import dash

    meta = dash.page_registry["pages.warnings"]
    assert (meta["path"], meta["category"], meta["order"], meta["wall"]) == (
        "/warnings",
        "智能预警",
        30,
        True,
    )


def test_wrn002_charts_show_the_read_apis_numbers(page):
    m = _month()
    figs = _figs(page, _state(page))
    by_level = wr.warnings_by("level", m["start"], m["end"]).set_index("level")
    assert list(figs["levels"].data[0].customdata) == list(LEVELS)
    assert list(figs["levels"].data[0].y) == by_level.loc[list(LEVELS), "n"].tolist()
    status = wr.warning_status().set_index("level")
    for trace, st in zip(figs["status"].data, ("pending", "handling", "closed", "verified"), strict=True):
        assert list(trace.x) == status.loc[list(LEVELS), st].tolist()
    notes = [a.text for a in figs["status"].layout.annotations]
    assert notes == [f"未办结 {status.loc[lv, 'open']:,}" for lv in LEVELS]
    themes = wr.warnings_by("theme", m["start"], m["end"])
    themes = themes[themes["n"] > 0]
    assert list(figs["themes"].data[0].customdata) == themes["theme"].tolist()
    assert list(figs["themes"].data[0].x) == themes["n"].astype(float).tolist()
    rules = wr.warnings_by("rule_id", m["start"], m["end"])
    rules = rules[rules["n"] > 0].head(page.ANALYST_RULES)
    assert list(figs["rules"].data[0].customdata) == rules["rule_id"].tolist()
    assert list(figs["rules"].data[0].x) == rules["n"].astype(float).tolist()
    # times: minutes as read, one axis per measure
    resp, closure = figs["times"].data
    assert list(resp.x) == pytest.approx(by_level.loc[list(LEVELS), "avg_response_minutes"].tolist())
    assert list(closure.x) == pytest.approx(by_level.loc[list(LEVELS), "avg_closure_minutes"].tolist())
    # the map: raised per street as the choropleth, every open warning as a point
    street = wr.warnings_by("street_code", m["start"], m["end"]).set_index("street_code")["n"]
    choropleth = figs["map"].data[0]
    shown = dict(zip(choropleth.locations, choropleth.z, strict=True))
    assert {c: v for c, v in shown.items() if v} == {c: float(v) for c, v in street.items() if v}
    points = wr.open_warning_points(limit=page.MAP_LIMIT).frame
    on_map = {t.name: len(t.lon) for t in figs["map"].data[1:]}
    assert sum(on_map.values()) == len(points.dropna(subset=["lon", "lat"]))
    assert on_map.get("红色预警", 0) == int((points["level"] == "red").sum())
    # the newest warnings and the rule catalogue
    newest = overview.latest_warnings(page.NEWEST).frame
    rows = _table_rows(figs["newest"])
    assert [r[3] for r in rows] == newest["title"].tolist()
    catalogue = wr.warning_rules()
    rows = _table_rows(figs["catalogue"])
    assert [r[0] for r in rows] == catalogue["rule_id"].tolist()
    assert [r[6] for r in rows] == [f"{v:,}" for v in catalogue["open"]]
    assert {r[5] for r in rows} <= {"启用", "停用"} and all(r[4] for r in rows)  # each rule's condition


def test_wrn003_wall_figures_are_the_wall_variants(page):
    figs = _figs(page, _state(page), WALL)
    assert len(figs["rules"].data[0].customdata) <= page.WALL_RULES
    # the wall's lists scroll (ticker), they are not tables
    assert figs["newest"].className == "ticker" and figs["catalogue"].className == "ticker"


# --- cross-filtering, permalink ----------------------------------------------------------------


def test_wrn004_a_level_click_filters_the_other_panels_and_the_url(page):
    m = _month()
    state = _state(page)
    level = _busiest_level()
    name = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}[level]
    click = {"points": [{"customdata": level, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("levels-graph"), click, state, VIEW)
    new, search, note = out[0], out[2], out[9]
    assert new["level"] == level and search == f"?level={level}" and note
    assert any(name in str(_props(c).get("children")) for c in _walk(out[1]))
    refreshed = page.refresh(new, VIEW)
    values = dict(zip(("kpis", *page.GRAPHS, "newest", "catalogue"), refreshed.values, strict=True))
    themes = wr.warnings_by("theme", m["start"], m["end"], None, level)
    assert sum(values["themes"].data[0].x) == themes["n"].sum()
    assert {t.name for t in values["map"].data[1:]} <= {f"{name}预警"}
    assert sum(len(t.lon) for t in values["map"].data[1:]) == len(wr.open_warning_points(level=level))
    assert {r[1] for r in _table_rows(values["newest"])} <= {name}
    # the level chart keeps every level, the chosen one emphasised
    assert len(values["levels"].data[0].y) == 4
    colours = dict(zip(LEVELS, values["levels"].data[0].marker.color, strict=True))
    assert colours.pop(level).startswith("#") and all(c.startswith("rgba") for c in colours.values())
    rows, caption = page.update_grid(new)
    assert rows and {r["level"] for r in rows} == {name}
    assert len(rows) == len(wr.open_warning_points(level=level, limit=page.GRID_LIMIT))
    # the open/closed chart sets the same filter; clicking the chosen level again clears it
    again = page.update_filters(page.IDS.id("status-graph"), {"points": [{"customdata": level}]}, new, VIEW)
    assert again[0]["level"] is None and again[9] == ""


def test_wrn005_a_map_click_follows_one_street(page):
    state = _state(page)
    click = {"points": [{"location": XINZHUANG, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("map-graph"), click, state, VIEW)
    new = out[0]
    assert new["street"] == XINZHUANG and out[2] == f"?street={XINZHUANG}" and out[5] == XINZHUANG
    refreshed = page.refresh(new, VIEW)
    cards = {k: v for card in refreshed.values[0] for k, v in _kpis(card).items()}
    scoped = indicators.kpis(page.KPI_IDS, "month", (XINZHUANG,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], rel=1e-6, abs=1e-6), i
    status = wr.warning_status((XINZHUANG,)).set_index("level")
    fig = refreshed.values[1 + page.GRAPHS.index("status")]
    assert list(fig.data[0].x) == status.loc[list(LEVELS), "pending"].tolist()
    assert refreshed.values[1 + page.GRAPHS.index("map")].data[-1].locations == (XINZHUANG,)
    rows, _ = page.update_grid(new)
    names = extra_screens.street_names()
    assert rows and {r["street_name"] for r in rows} == {names[XINZHUANG]}


def test_wrn006_an_office_scopes_the_screen_to_its_street(page):
    stations = extra_screens.offices("station")
    office = stations.iloc[0]
    out = page.update_filters(page.CONTROLS["office"], office["code"], _state(page), VIEW)
    assert out[0]["office"] == office["code"] and f"office={office['code']}" in out[2]
    assert page._scope(out[0]) == (office["street_code"],)
    # an office and another street: nothing in common, nothing shown
    other = next(c for c in extra_screens.street_names() if c != office["street_code"])
    assert page._scope({**out[0], "street": other}) == ()


def test_wrn007_period_choice_reads_that_period(page):
    out = page.update_filters(page.CONTROLS["period"], "2026-10", _state(page), VIEW)
    assert out[0]["period"] == "2026-10" and "period=2026-10" in out[2]
    assert {"label": "2026年10月", "value": "2026-10"} in out[4]
    figs = _figs(page, out[0])
    october = wr.warnings_by("level", pd.Timestamp("2026-10-01").date(), pd.Timestamp("2026-11-01").date())
    assert list(figs["levels"].data[0].y) == october["n"].tolist()
    kpis = {k: v for card in figs["kpis"] for k, v in _kpis(card).items()}
    assert kpis["warning.raised"] == october["n"].sum()


def test_wrn008_bad_link_parameters_fall_back_with_a_visible_note(page):
    layout = page.layout(street="nowhere", period="2026-99", level="purple")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state == {"period": "month", "street": None, "office": None, "level": None}
    text = " ".join(str(c) for c in _by_id(layout, page.IDS.id("link-notes")).children)
    assert "nowhere" in text and "2026-99" in text and "purple" in text
    good = page.layout(level="orange", period="year")
    assert _by_id(good, page.IDS.id("state")).data["level"] == "orange"
    # the KPI strip follows the level; the per-level cards (each fixes its own level) say they cannot
    note = _by_id(good, page.IDS.id("kpi-note")).children
    assert "未办结红色预警" in note and "不随等级筛选" in note and "发出预警" not in note
    start, end = extra_screens.period_bounds("year")["start"], extra_screens.period_bounds("year")["end"]
    orange = wr.warnings_by("level", start, end).set_index("level").loc["orange", "n"]
    assert _kpis(_by_id(good, page.IDS.kpis))["warning.raised"] == orange


# --- export, refresh ---------------------------------------------------------------------------


def test_wrn009_export_matches_the_read_api(page):
    level = _busiest_level()
    street = wr.open_warning_points(None, level).frame["street_code"].value_counts().index[0]
    state = _state(page, street=street, level=level)
    expected = wr.open_warning_points((street,), level, page.EXPORT_LIMIT).frame
    assert len(expected) > 0
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv")
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert table["预警编号"].tolist() == expected["id"].tolist()
    assert set(table["等级"]) == {page.ENUM_LABELS[("warning", "level")][level]} and set(table["状态"]) <= {
        "待派单",
        "处置中",
    }
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected["id"].tolist()
    # rows naming an entity link to its file
    rows, _ = page.update_grid(state)
    linked = [r["entity_name"] for r in rows if r["entity_name"]]
    assert linked and all("](/entity/" in v for v in linked)


def test_wrn010_a_failed_read_keeps_the_last_data_and_raises_the_banner(page, monkeypatch):
    def down(*_a, **_k):
        raise RuntimeError("database unreachable")

    old = {"ok": True, "title": "智能预警", "data_time": "2026-11-20T23:00:00", "live": True}
    good = run_refresh(page.refresh, 9, (_state(page), WALL), old, slug="warnings")
    assert good[-1]["ok"] is True and good[-1]["data_time"].startswith("2026-11-20")
    monkeypatch.setattr(page.read, "warning_status", down)
    out = run_refresh(page.refresh, 9, (_state(page), WALL), old, slug="warnings")
    assert list(out[:-1]) == [no_update] * 9
    assert out[-1]["ok"] is False and out[-1]["data_time"] == old["data_time"]
    layout = page.layout(kiosk="1")
    status = _props(next(c for c in _walk(layout) if _props(c).get("id") == page.IDS.status))["data"]
    assert status["ok"] is False and status["error"] == "RuntimeError"
