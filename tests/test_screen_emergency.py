"""应急指挥 without a browser: the page's layout in both modes and its callbacks called as plain
functions on the refreshed small district, every number compared with an independent read-API call."""

from __future__ import annotations

import base64
import io

import dash
import openpyxl
import pandas as pd
import pytest
from dash import no_update

from components.layout import run_refresh
from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import emergency as em
from data_access.api import extra_screens, indicators

VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}
LEVELS = ("I", "II", "III", "IV")
KINDS = (
    "food_poisoning",
    "elevator_entrapment",
    "equipment_accident",
    "mass_complaint",
    "product_safety",
    "public_opinion",
)
RESOURCE_KINDS = ("enforcement_team", "vehicle", "expert", "lab", "drone")
OUTPUTS = 9  # KPI strip, seven graphs, the incident list


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    from tests.test_refresh import refreshed_copy

    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("emergency"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.emergency as page

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
        p["data-indicator"]: float(p["data-value"]) if p["data-value"] != "" else float("nan")
        for p in map(_props, _walk(component))
        if "data-indicator" in p
    }


def _by_id(layout, id_):
    return next(c for c in _walk(layout) if _props(c).get("id") == id_)


def _has_id(layout, id_) -> bool:
    return any(_props(c).get("id") == id_ for c in _walk(layout))


def _bounds(period="month"):
    return extra_screens.period_bounds(period)


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _figs(page, state, view=VIEW):
    return page._draw(page.ViewParams.from_query(view), state)[0]


def _expected_rows(scope=None, period="month", level=None, kind=None) -> pd.DataFrame:
    """The incidents the screen lists, read independently: open now or reported in the period."""
    b = _bounds(period)
    now = em.incidents(scope, True, None, None, 500).frame
    then = em.incidents(scope, False, b["start"], b["end"], 500).frame
    f = pd.concat([now, then]).drop_duplicates("id")
    if level:
        f = f[f["level"] == level]
    if kind:
        f = f[f["kind"] == kind]
    return f.sort_values(["reported_at", "id"], ascending=[False, True])


def _year_state(page, **changes):
    """A state over the whole year: the small district has few incidents in one month."""
    return _state(page, period="year", **changes)


def _busiest(dimension: str) -> str:
    b = _bounds("year")
    f = em.incidents_by(dimension, b["start"], b["end"])
    return str(f.sort_values(["n", dimension], ascending=[False, True]).iloc[0][dimension])


def _located_incident() -> pd.Series:
    """An incident of the year with a location and at least one dispatch."""
    b = _bounds("year")
    f = em.incidents(None, False, b["start"], b["end"], 500).frame.dropna(subset=["lon", "lat"])
    for row in f.itertuples(index=False):
        if len(em.incident_dispatches(row.id)):
            return f[f["id"] == row.id].iloc[0]
    pytest.fail("no located incident with dispatches in the small district")


def _table_rows(component) -> list[list]:
    body = next(c for c in _walk(component) if type(c).__name__ == "Tbody")
    return [[td.children for td in tr.children] for tr in body.children]


# --- layout and numbers -------------------------------------------------------------------------


def test_emg001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.ALL_KPIS, "month").set_index("indicator_id")["value"]
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-emergency"
        values = _kpis(layout)
        assert list(values) == list(page.ALL_KPIS)
        for i, v in values.items():
            assert v == pytest.approx(lib[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    # the open incidents are the incident_state mart's, by level and by kind
    assert (
        lib["incident.open"]
        == em.open_incidents_by("level")["n"].sum()
        == em.open_incidents_by("kind")["n"].sum()
    )
    assert lib["resource.available"] == em.resource_summary()["available"].sum()
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not _has_id(wall, page.IDS.id("grid")) and not _has_id(wall, page.IDS.id("chips"))
    for panel in ("levels", "kinds", "dispatch", "map", "timeline", "nearest", "resources", "list"):
        assert _has_id(wall, page.IDS.id(panel)), panel
    analyst = page.layout()
    grid = _by_id(analyst, page.IDS.id("grid"))
    assert [r["id"] for r in grid.rowData] == _expected_rows()["id"].tolist()
    meta = dash.page_registry["pages.emergency"]
    assert (meta["path"], meta["category"], meta["order"], meta["wall"]) == (
        "/emergency",
        "应急指挥",
        5,
        True,
    )


def test_emg002_charts_show_the_read_apis_numbers(page):
    b = _bounds("year")
    state = _year_state(page)
    figs = _figs(page, state)
    reported = em.incidents_by("level", b["start"], b["end"]).set_index("level")
    open_now = em.open_incidents_by("level").set_index("level")
    period_bar, open_bar = figs["levels"].data
    assert list(period_bar.customdata) == list(LEVELS) == list(open_bar.customdata)
    assert list(period_bar.y) == reported.loc[list(LEVELS), "n"].tolist()
    assert list(open_bar.y) == open_now.loc[list(LEVELS), "n"].tolist()
    kinds = em.incidents_by("kind", b["start"], b["end"]).set_index("kind")
    bar = figs["kinds"].data[0]
    assert sorted(bar.customdata) == sorted(KINDS)
    assert dict(zip(bar.customdata, bar.x, strict=True)) == {k: float(kinds.loc[k, "n"]) for k in KINDS}
    assert list(bar.x) == sorted(bar.x, reverse=True)
    stats = em.dispatch_stats(b["start"], b["end"]).set_index("resource_kind")
    bar = figs["dispatch"].data[0]
    assert dict(zip(bar.customdata, bar.x, strict=True)) == {
        k: float(stats.loc[k, "n"]) for k in RESOURCE_KINDS
    }
    summary = em.resource_summary().set_index("kind")
    for trace, st in zip(figs["resources"].data, ("available", "busy", "off_duty"), strict=True):
        assert list(trace.x) == summary.loc[list(RESOURCE_KINDS), st].tolist()
    notes = [a.text for a in figs["resources"].layout.annotations]
    assert notes == [
        f"可调度 {a:,}/{t:,}" for a, t in zip(summary["available"], summary["total"], strict=True)
    ]
    # the map: incidents of the period per street, every open incident as a point carrying its id
    period = em.incidents(None, False, b["start"], b["end"], 5000).frame
    choropleth = figs["map"].data[0]
    shown = {c: v for c, v in zip(choropleth.locations, choropleth.z, strict=True) if v}
    assert shown == {c: float(n) for c, n in period["street_code"].value_counts().items()}
    open_rows = em.incidents(None, True, None, None, 500).frame.dropna(subset=["lon", "lat"])
    points = [t for t in figs["map"].data if str(t.name).startswith("未处置")]
    assert sorted(i for t in points for i in t.customdata) == sorted(open_rows["id"])
    resources = em.resources()
    on_map = sum(len(t.lon) for t in figs["map"].data if str(t.name).startswith("应急资源"))
    assert on_map == len(resources.dropna(subset=["lon", "lat"]))


def test_emg003_the_focus_incident_has_its_timeline_and_nearest_resources(page):
    rows = _expected_rows(period="year")
    open_rows = rows[~rows["status"].isin(("resolved", "closed"))]
    focus = (open_rows if len(open_rows) else rows).iloc[0]
    figs = _figs(page, _year_state(page))
    assert figs["timeline"].layout.title.text.startswith(focus["id"])
    dispatches = em.incident_dispatches(focus["id"])
    markers = figs["timeline"].data[2]
    expected = int(dispatches[["dispatched_at", "arrived_at", "finished_at"]].notna().sum().sum())
    assert len(markers.x) == expected
    if pd.notna(focus["lon"]):
        nearest = em.nearest_resources(focus["id"], page.NEAREST)
        bar = figs["nearest"].data[0]
        assert list(bar.customdata) == nearest["id"].tolist()
        assert list(bar.x) == pytest.approx(nearest["distance_km"].tolist())
        texts = [a.text for a in figs["nearest"].layout.annotations]
        assert texts[0].startswith(f"{nearest['distance_km'].iloc[0]:.1f}km")
        assert (nearest["status"] == "available").all()
    # the list names the same incidents as the grid, newest first, with "查看" buttons
    listed = _table_rows(figs["list"])
    assert len(listed) == min(len(rows), page.NEWEST)
    assert [r[0] for r in listed] == [
        t.strftime("%m-%d %H:%M") for t in rows["reported_at"].head(page.NEWEST)
    ]


def test_emg004_wall_figures_are_the_wall_variants(page):
    figs = _figs(page, _year_state(page), WALL)
    assert figs["list"].className == "ticker"
    assert len(figs["nearest"].data[0].customdata) <= page.WALL_NEAREST
    assert not any(type(c).__name__ == "Button" for c in _walk(figs["list"]))


# --- cross-filtering, choosing an incident, permalink --------------------------------------------


def test_emg005_a_level_click_filters_the_other_panels_and_the_url(page):
    level = _busiest("level")
    state = _year_state(page)
    click = {"points": [{"customdata": level, "curveNumber": 1}]}
    out = page.update_filters(page.IDS.id("levels-graph"), click, state, VIEW)
    new, search, note = out[0], out[2], out[8]
    assert new["level"] == level and search == f"?period=year&level={level}"
    assert "调度次数" in note and "事件类型图不随等级筛选" in note
    refreshed = page.refresh(new, VIEW)
    values = dict(zip(("kpis", *page.GRAPHS, "list"), refreshed.values, strict=True))
    cards = {k: v for card in values["kpis"] for k, v in _kpis(card).items()}
    b = _bounds("year")
    by_level = em.incidents_by("level", b["start"], b["end"]).set_index("level")
    assert cards["incident.reported"] == by_level.loc[level, "n"]
    assert cards["incident.open"] == em.open_incidents_by("level").set_index("level").loc[level, "n"]
    # the chosen level stays, emphasised; the others fade
    colours = dict(zip(LEVELS, values["levels"].data[1].marker.color, strict=True))
    assert not colours.pop(level).startswith("rgba") and all(c.startswith("rgba") for c in colours.values())
    rows, caption = page.update_grid(new)
    expected = _expected_rows(period="year", level=level)
    assert [r["id"] for r in rows] == expected["id"].tolist() and caption == f"共 {len(expected):,} 条"
    # clicking it again clears it
    again = page.update_filters(page.IDS.id("levels-graph"), click, new, VIEW)
    assert again[0]["level"] is None and again[2] == "?period=year"


def test_emg006_a_kind_click_and_a_street_click(page):
    kind = _busiest("kind")
    out = page.update_filters(
        page.IDS.id("kinds-graph"), {"points": [{"customdata": kind}]}, _year_state(page), VIEW
    )
    assert out[0]["kind"] == kind and f"kind={kind}" in out[2]
    rows, _ = page.update_grid(out[0])
    assert rows and [r["id"] for r in rows] == _expected_rows(period="year", kind=kind)["id"].tolist()
    # a street on the map scopes the screen; resources stay district-wide
    street = _expected_rows(period="year")["street_code"].value_counts().index[0]
    out = page.update_filters(page.MAP_GRAPH, {"points": [{"location": street}]}, _year_state(page), VIEW)
    new = out[0]
    assert new["street"] == street and out[5] == street and "全区数" in out[8]
    refreshed = page.refresh(new, VIEW)
    cards = {k: v for card in refreshed.values[0] for k, v in _kpis(card).items()}
    scoped = indicators.kpis(page.KPI_IDS, "year", (street,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    district = indicators.kpis((page.RESOURCE_KPI,), "year").set_index("indicator_id")["value"]
    assert cards[page.RESOURCE_KPI] == district[page.RESOURCE_KPI]
    levels = refreshed.values[1]
    b = _bounds("year")
    assert list(levels.data[0].y) == em.incidents_by("level", b["start"], b["end"], (street,))["n"].tolist()
    rows, _ = page.update_grid(new)
    names = extra_screens.street_names()
    assert rows and {r["street_name"] for r in rows} == {names[street]}


def test_emg007_an_incident_is_chosen_from_the_map_or_the_list(page):
    incident = _located_incident()
    iid = str(incident["id"])
    state = _year_state(page)
    click = {"points": [{"customdata": iid, "curveNumber": 9}]}
    out = page.update_filters(page.MAP_GRAPH, click, state, VIEW)
    new = out[0]
    assert new["incident"] == iid and f"incident={iid}" in out[2]
    figs = _figs(page, new)
    assert figs["timeline"].layout.title.text.startswith(iid)
    dispatches = em.incident_dispatches(iid)
    kinds = page.ENUM_LABELS[("resource", "kind")]
    rows = list(figs["timeline"].layout.yaxis.categoryarray)
    assert rows == ["事件"] + [
        f"{n}（{kinds[k]}）"
        for n, k in zip(dispatches["resource_name"], dispatches["resource_kind"], strict=True)
    ]
    nearest = em.nearest_resources(iid, page.NEAREST)
    assert list(figs["nearest"].data[0].customdata) == nearest["id"].tolist()
    ring = next(t for t in figs["map"].data if t.name == "当前查看事件")
    assert list(ring.customdata) == [iid]
    lines = next(t for t in figs["map"].data if t.name == "最近可调度资源")
    assert len([x for x in lines.lon if x is not None]) == 2 * len(nearest)
    # clicking the incident again lets the screen pick the newest one again
    again = page.update_filters(page.MAP_GRAPH, click, new, VIEW)
    assert again[0]["incident"] is None
    # the "查看" button of the list chooses it too; a fresh button (n_clicks 0) does nothing
    pick = {"role": page.charts.PICK_ROLE, "incident": iid}
    assert page.update_filters(pick, 1, state, VIEW)[0]["incident"] == iid
    assert page.update_filters(pick, 0, state, VIEW) == (no_update,) * 9
    # a link to it restores the view
    layout = page.layout(period="year", incident=iid)
    assert _by_id(layout, page.IDS.id("state")).data["incident"] == iid


def test_emg008_period_choice_reads_that_period(page):
    out = page.update_filters(page.CONTROLS["period"], "2026-10", _state(page), VIEW)
    assert out[0]["period"] == "2026-10" and "period=2026-10" in out[2]
    assert {"label": "2026年10月", "value": "2026-10"} in out[4]
    figs = _figs(page, out[0])
    start, end = pd.Timestamp("2026-10-01").date(), pd.Timestamp("2026-11-01").date()
    october = em.incidents_by("level", start, end)
    assert list(figs["levels"].data[0].y) == october["n"].tolist()
    kpis = {k: v for card in figs["kpis"] for k, v in _kpis(card).items()}
    assert kpis["incident.reported"] == october["n"].sum()
    assert kpis["dispatch.count"] == em.dispatch_stats(start, end)["n"].sum()


def test_emg009_bad_link_parameters_fall_back_with_a_visible_note(page):
    layout = page.layout(street="nowhere", period="2026-99", level="V", kind="alien", incident="NOPE")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state == {"period": "month", "street": None, "level": None, "kind": None, "incident": None}
    text = " ".join(str(c) for c in _by_id(layout, page.IDS.id("link-notes")).children)
    for bad in ("nowhere", "2026-99", "“V”", "alien", "NOPE"):
        assert bad in text, bad


# --- export, refresh ---------------------------------------------------------------------------


def test_emg010_export_matches_the_read_api(page):
    level = _busiest("level")
    state = _year_state(page, level=level)
    expected = _expected_rows(period="year", level=level)
    assert len(expected) > 0
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv")
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert table["事件编号"].tolist() == expected["id"].tolist()
    assert set(table["等级"]) == {page.ENUM_LABELS[("incident", "level")][level]}
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected["id"].tolist()
    # rows naming an entity link to its file
    rows, _ = page.update_grid(state)
    linked = [r["uscc"] for r in rows if r["uscc"]]
    assert linked and all("](/entity/" in v for v in linked)


def test_emg011_a_failed_read_keeps_the_last_data_and_raises_the_banner(page, monkeypatch):
    def down(*_a, **_k):
        raise RuntimeError("database unreachable")

    old = {"ok": True, "title": "应急指挥", "data_time": "2026-11-20T23:00:00", "live": True}
    good = run_refresh(page.refresh, OUTPUTS, (_state(page), WALL), old, slug="emergency")
    assert good[-1]["ok"] is True and good[-1]["data_time"].startswith("2026-11-20")
    monkeypatch.setattr(page.read, "resource_summary", down)
    out = run_refresh(page.refresh, OUTPUTS, (_state(page), WALL), old, slug="emergency")
    assert list(out[:-1]) == [no_update] * OUTPUTS
    assert out[-1]["ok"] is False and out[-1]["data_time"] == old["data_time"]
    layout = page.layout(kiosk="1")
    status = _props(next(c for c in _walk(layout) if _props(c).get("id") == page.IDS.status))["data"]
    assert status["ok"] is False and status["error"] == "RuntimeError"
