"""稽查办案 (/cases) without a browser: the layout in both modes, its KPI strip and charts against
independent read-API calls, click-to-filter, the permalink and the export, on the refreshed small
district."""

from __future__ import annotations

import base64
import io

import openpyxl
import pandas as pd
import pytest

from components.formatting import format_month
from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import cases, extra_screens, indicators
from tests.test_refresh import refreshed_copy

QIBAO = "310112102000"
VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("cases"), cache_type="null"))
    yield app
    cache.reset()


@pytest.fixture(scope="module")
def page(app):
    import pages.cases as page

    return page


def _props(component) -> dict:
    return component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}


def _walk(component):
    yield component
    children = _props(component).get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _kpi_values(layout) -> dict[str, str]:
    return {p["data-indicator"]: p["data-value"] for p in map(_props, _walk(layout)) if "data-indicator" in p}


def _by_id(layout, id_):
    return next(c for c in _walk(layout) if _props(c).get("id") == id_)


def _has_id(layout, id_) -> bool:
    return any(_props(c).get("id") == id_ for c in _walk(layout))


def _month():
    return extra_screens.period_bounds("month")


def _state(page, **kw):
    return {**read_state({}, page._fields())[0], **kw}


def _cards(refreshed) -> dict[str, float]:
    """KPI values of a refreshed strip (NaN where the card shows no value, e.g. no closed case)."""
    return {
        i: float(v) if v != "" else float("nan")
        for card in refreshed.values[0]
        for i, v in _kpi_values(card).items()
    }


def _busiest(frame: pd.DataFrame, column: str) -> str:
    return str(frame.sort_values("opened", ascending=False).iloc[0][column])


# --- layout and numbers -----------------------------------------------------------------------


def test_cas001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    for query, ids in (({"kiosk": "1"}, page.WALL_KPI_IDS), ({}, page.KPI_IDS)):
        layout = page.layout(**query)
        assert layout.id == "page-cases"
        values = _kpi_values(layout)
        assert list(values) == list(ids)
        lib = indicators.kpis(ids, "month").set_index("indicator_id")["value"]
        for i, v in values.items():
            assert float(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not _has_id(wall, page.IDS.id("grid"))  # no table, no filter bar on the wall
    assert not _has_id(wall, page.IDS.id("chips"))
    for panel in ("source", "cause", "trend", "map", "funnel", "duration", "money"):
        assert _has_id(wall, page.IDS.id(f"{panel}-graph")), panel
    analyst = page.layout()
    grid = _by_id(analyst, page.IDS.id("grid"))
    open_cases = cases.cases_near_limit(None, 0, 500)
    assert len(grid.rowData) == len(open_cases) > 0
    assert [r["uscc"] for r in grid.rowData] == open_cases.frame["uscc"].str.strip().tolist()
    # rows name an entity: the cell links to its file (一户一档)
    assert grid.rowData[0]["entity_name"].endswith(f"(/entity/{open_cases.frame['uscc'][0].strip()})")
    open_total = indicators.kpis(("case.open",), "month")["value"][0]
    assert len(open_cases) == open_total


def test_cas002_charts_show_the_read_api_numbers(page):
    m = _month()
    figs, data_time = page._draw(page.ViewParams.from_query(VIEW), _state(page))
    assert data_time == m["data_time"]
    source = cases.cases_by("source", m["start"], m["end"])
    donut = figs["source"].data[0]
    assert dict(zip(donut.customdata, donut.values, strict=True)) == {
        s: n for s, n in zip(source["source"], source["opened"], strict=True) if n
    }
    cause = cases.cases_by("cause", m["start"], m["end"]).set_index("cause")
    bars = figs["cause"].data[0]
    assert list(bars.x) == cause.loc[list(bars.customdata), "opened"].tolist()
    assert list(bars.customdata) == [c for c in cause.index if cause.loc[c, "opened"]]
    police = {c: int(cause.loc[c, "transferred_to_police"]) for c in bars.customdata}
    texts = [a.text for a in figs["cause"].layout.annotations]
    assert all((f"移送公安{p}" in t) == bool(p) for t, p in zip(texts, police.values(), strict=True))
    funnel = cases.case_funnel().set_index("stage")["open"]
    shown = figs["funnel"].data[0]
    assert list(shown.customdata) == list(page.charts.OPEN_STAGES)
    assert list(shown.x) == funnel.loc[list(page.charts.OPEN_STAGES)].tolist()
    start, end = extra_screens.month_window(m["as_of"], page.TREND_MONTHS)
    trend = cases.case_trend(start, end)
    lines = {t.name: list(t.y) for t in figs["trend"].data}
    assert lines["立案"] == trend["opened"].tolist() and lines["结案"] == trend["closed"].tolist()
    money = {t.name: t.y for t in figs["money"].data}
    assert money["罚款"] == pytest.approx((trend["fines_yuan"] / 10_000).tolist())
    assert money["没收"] == pytest.approx((trend["confiscation_yuan"] / 10_000).tolist())
    duration = cases.duration_by_office(m["start"], m["end"]).set_index("office_code")
    bars = figs["duration"].data[0]
    assert list(bars.x) == pytest.approx(
        (duration.loc[list(bars.customdata), "avg_duration_minutes"] / 1440).tolist()
    )
    assert set(bars.customdata) == set(duration.index[duration["closed"] > 0])
    streets = cases.cases_by("street_code", m["start"], m["end"]).set_index("street_code")["opened"]
    choropleth = figs["map"].data[0]
    assert dict(zip(choropleth.locations, choropleth.z, strict=True)) == {
        c: float(streets.get(c, 0)) for c in choropleth.locations
    }


def test_cas003_near_limit_list_is_the_read_api_list(page, monkeypatch):
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), _state(page))
    near = cases.cases_near_limit(None, 60, page.LIST_LIMIT).frame
    if near.empty:  # the small district's open cases are all young: the list says so
        assert "无立案满60天仍未结案的案件" in str(figs["near"].to_plotly_json())
    # with the threshold at 0 days every open case is listed, oldest first, linked to its entity
    monkeypatch.setattr(page.charts, "NEAR_DAYS", 0)
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), _state(page))
    listed = cases.cases_near_limit(None, 0, page.LIST_LIMIT).frame
    rows = figs["near"].children.children[1].children
    assert len(rows) == len(listed) > 0
    assert [r.children[0].children for r in rows] == listed["case_no"].tolist()
    tones = ["tone-red" if d > 90 else "tone-orange" for d in listed["days_open"]]
    assert [r.className for r in rows] == tones
    assert [r.children[1].children.href for r in rows] == [f"/entity/{u.strip()}" for u in listed["uscc"]]
    assert [r.children[5].children for r in rows] == [
        f"{d}天（超期）" if d > 90 else f"{d}天" for d in listed["days_open"]
    ]


# --- cross-filtering ---------------------------------------------------------------------------


def test_cas004_a_cause_click_filters_kpis_charts_and_grid(page):
    m = _month()
    cause = _busiest(cases.cases_by("cause", m["start"], m["end"]), "cause")
    out = page.update_filters(
        page.IDS.id("cause-graph"), {"points": [{"customdata": cause}]}, _state(page), VIEW
    )
    new = out[0]
    assert new["cause"] == cause and out[2] == f"?cause={cause}"
    assert "检查后立案" in out[9]  # inspections have no cause: that card says it stays unfiltered
    refreshed = page.refresh(new, VIEW)
    cards = _cards(refreshed)
    want = indicators.indicator_values(
        ("case.opened", "case.open", "case.fines_total"), m["start"], m["end"], None, (), {"cause": cause}
    ).set_index("indicator_id")["value"]
    for i in want.index:
        assert cards[i] == pytest.approx(want[i], nan_ok=True), i
    by_cause = cases.cases_by("cause", m["start"], m["end"]).set_index("cause")
    assert cards["case.opened"] == by_cause.loc[cause, "opened"]
    assert (
        cards["inspection.case_opened"] == indicators.kpis(("inspection.case_opened",), "month")["value"][0]
    )
    # the source donut now counts only that cause's cases; the cause chart still shows every cause
    assert sum(refreshed.values[1].data[0].values) == by_cause.loc[cause, "opened"]
    assert len(refreshed.values[2].data[0].customdata) == (by_cause["opened"] > 0).sum()
    rows, caption = page.update_grid(new)
    label = page.ENUM_LABELS[("case_file", "cause")][cause]
    expected = cases.cases_near_limit(None, 0, 500).frame
    expected = expected[expected["cause"] == cause]
    assert [r["case_no"] for r in rows] == expected["case_no"].tolist()
    assert {r["cause"] for r in rows} <= {label} and caption == f"共 {len(expected)} 条"
    # the same bar again clears the filter
    again = page.update_filters(page.IDS.id("cause-graph"), {"points": [{"customdata": cause}]}, new, VIEW)
    assert again[0]["cause"] is None


def test_cas005_an_office_click_filters_the_stage_funnel_map_and_list(page):
    m = _month()
    # an office with open cases, so the funnel and the list have something to show
    office = cases.cases_near_limit(None, 0, 500).frame["office_code"].value_counts().index[0]
    out = page.update_filters(
        page.IDS.id("duration-graph"), {"points": [{"customdata": office}]}, _state(page), VIEW
    )
    new = out[0]
    assert new["office"] == office and out[6] == office and out[2] == f"?office={office}"
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), new)
    funnel = cases.case_funnel(None, office).set_index("stage")["open"]
    assert list(figs["funnel"].data[0].x) == funnel.loc[list(page.charts.OPEN_STAGES)].tolist()
    by_office = cases.cases_by("office_code", m["start"], m["end"]).set_index("office_code")
    assert sum(figs["map"].data[0].z) == by_office.loc[office, "opened"]
    rows, _ = page.update_grid(new)
    assert [r["case_no"] for r in rows] == cases.cases_near_limit(None, 0, 500, office).frame[
        "case_no"
    ].tolist()
    names = page._office_names()
    assert {r["office_name"] for r in rows} <= {names[office]}


def test_cas006_street_and_month_clicks_scope_everything_and_travel_in_the_url(page):
    out = page.update_filters(page.IDS.id("map-graph"), {"points": [{"location": QIBAO}]}, _state(page), VIEW)
    new = out[0]
    assert new["street"] == QIBAO and out[5] == QIBAO
    refreshed = page.refresh(new, VIEW)
    cards = _cards(refreshed)
    scoped = indicators.kpis(page.KPI_IDS, "month", (QIBAO,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], nan_ok=True), i
    assert refreshed.values[4].data[-1].locations == (QIBAO,)  # the map outlines the street
    # a month of the money chart (the street's busiest of the window) becomes the period
    start, end = extra_screens.month_window(_month()["as_of"], page.TREND_MONTHS)
    trend = cases.case_trend(start, end, (QIBAO,))
    busiest = trend.sort_values("opened").iloc[-1]["month"].strftime("%Y-%m")
    month = page.update_filters(page.IDS.id("money-graph"), {"points": [{"customdata": busiest}]}, new, VIEW)
    assert month[0]["period"] == busiest and month[3] == busiest
    assert {"label": format_month(busiest), "value": busiest} in month[4]
    assert f"period={busiest}" in month[2] and f"street={QIBAO}" in month[2]
    bounds = extra_screens.period_bounds(busiest)
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), month[0])
    source = cases.cases_by("source", bounds["start"], bounds["end"], (QIBAO,))
    assert sum(figs["source"].data[0].values) == source["opened"].sum() > 0
    # the permalink restores the state
    from urllib.parse import parse_qs

    back, notes = read_state(parse_qs(month[2][1:]), page._fields())
    assert back == month[0] and notes == []
    # a chip's × and "清除全部"
    cleared = page.update_filters({"role": "xf-chip", "page": "cases", "name": "__all__"}, 1, month[0], VIEW)
    assert cleared[0] == _state(page) and cleared[2] == "?"


def test_cas007_bad_link_parameters_fall_back_with_a_visible_note(page):
    layout = page.layout(street="nowhere", period="2026-99", office="XX9", cause="pricing", source="fax")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state == {**_state(page), "cause": "pricing"}
    text = " ".join(str(c) for c in _by_id(layout, page.IDS.id("link-notes")).children)
    assert all(bad in text for bad in ("nowhere", "2026-99", "XX9", "fax"))
    chips = " ".join(str(_props(c).get("children")) for c in _walk(_by_id(layout, page.IDS.id("chips"))))
    assert "案由：价格违法" in chips


def test_cas008_export_matches_the_read_api(page):
    m = _month()
    source = _busiest(cases.cases_by("source", m["start"], m["end"]), "source")
    state = _state(page, source=source)
    expected = cases.cases_near_limit(None, 0, 5000).frame
    expected = expected[expected["source"] == source]
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv")
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert table["案件编号"].tolist() == expected["case_no"].tolist()
    assert set(table["案件来源"]) == {page.ENUM_LABELS[("case_file", "source")][source]}
    assert table["已立案天数"].astype(float).tolist() == expected["days_open"].astype(float).tolist()
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected["case_no"].tolist()


def test_cas009_a_failed_read_shows_the_delay_state_and_the_wall_keeps_its_data(page, monkeypatch):
    from dash import no_update

    from components.layout import run_refresh

    def broken(*_a, **_k):
        raise ConnectionError("database down")

    monkeypatch.setattr(page.extra, "period_bounds", broken)
    layout = page.layout(kiosk="1")
    status = _by_id(layout, page.IDS.status).data
    assert status["ok"] is False and status["error"] == "ConnectionError"
    out = run_refresh(
        page.refresh, 9, (_state(page), WALL), {"title": "稽查办案", "data_time": "2026-11-20T23:00:00"}
    )
    assert all(v is no_update for v in out[:-1]) and out[-1]["ok"] is False
