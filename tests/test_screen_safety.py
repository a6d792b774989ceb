"""“三品一特”安全守护 (/safety) without a browser: the layout in both modes, its KPIs and charts
against independent read-API calls, cross-filtering, the permalink and the export, on the
refreshed small district."""

from __future__ import annotations

import base64
import io
from urllib.parse import parse_qs

import openpyxl
import pandas as pd
import pytest

from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens, geo, indicators, safety
from tests.test_refresh import refreshed_copy

XINZHUANG = "310112101000"
ANALYST = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("safety"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture(scope="module")
def page(app):
    import pages.safety as module

    return module


def _props(component) -> dict:
    return component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}


def _walk(component):
    yield component
    children = _props(component).get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _kpi_values(tree) -> dict[str, str]:
    return {p["data-indicator"]: p["data-value"] for p in map(_props, _walk(tree)) if "data-indicator" in p}


def _num(raw: str) -> float:
    """A ``data-value`` as a number (empty for a missing value, e.g. a rate without a base)."""
    return float(raw) if raw != "" else float("nan")


def _by_id(tree, id_):
    return next(c for c in _walk(tree) if _props(c).get("id") == id_)


def _ids(tree) -> set:
    return {str(_props(c).get("id")) for c in _walk(tree) if _props(c).get("id") is not None}


def _busy_street() -> tuple[str, str]:
    """The street (code, name) with the most failed samplings this year: the small district has
    streets without any."""
    y = extra_screens.period_bounds("year")
    code = (
        safety.failed_samplings(y["start"], y["end"], limit=5000).frame["street_code"].value_counts().index[0]
    )
    return code, extra_screens.street_names()[code]


def _state(page, **changes):
    return {**read_state({}, page._fields())[0], **changes}


def _draw(page, view, state):
    return page._draw(page.ViewParams.from_query(view), state)[0]


def test_saf001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-safety"
        values = _kpi_values(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert _num(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6, nan_ok=True), i
        ids = _ids(layout)
        for panel in ("licences", "grades", "sampling", "cold", "map", "due", "age", "entrapment", "failed"):
            assert page.IDS.id(panel) in ids, panel
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert page.IDS.id("grid") not in _ids(wall)  # no table, no filters on the wall
    assert page.FILTERS.period not in _ids(wall)
    analyst = page.layout()
    assert {page.FILTERS.period, page.FILTERS.street, page.FILTERS.office} <= _ids(analyst)
    grid = _by_id(analyst, page.IDS.id("grid"))
    m = extra_screens.period_bounds("month")
    expected = safety.failed_samplings(m["start"], m["end"], limit=500).frame
    assert [r["id"] for r in grid.rowData] == expected["id"].astype(str).tolist()


def test_saf002_charts_show_the_read_apis_numbers(page):
    figs = _draw(page, ANALYST, _state(page))
    m = extra_screens.period_bounds("month")
    licences = safety.licences_by_kind()
    licences = licences[licences[["valid", "expiring_30d", "expired"]].sum(axis=1) > 0]
    assert list(figs["licences"].data[0].customdata) == licences["kind"].tolist()
    assert list(figs["licences"].data[0].x) == licences["valid"].astype(float).tolist()
    grades = safety.catering_grades()
    assert list(figs["grades"].data[0].values) == grades["n"].astype(float).tolist()
    sampling = safety.sampling_by_category(m["start"], m["end"])
    assert list(figs["sampling"].data[0].customdata) == sampling["food_category"].head(10).tolist()
    assert list(figs["sampling"].data[0].x) == sampling["n"].head(10).astype(float).tolist()
    due = safety.equipment_inspection_due().set_index("kind")
    fig = figs["due"]
    kinds = list(fig.data[0].customdata)
    assert set(kinds) == set(due.index[due["total"] > 0])
    assert list(fig.data[0].x) == due.loc[kinds, "overdue"].tolist()
    assert list(fig.data[1].x) == due.loc[kinds, "d30"].tolist()
    ages = safety.equipment_by_age("elevator")
    assert list(figs["age"].data[0].y) == ages["n"].tolist()
    start, end = extra_screens.month_window(m["as_of"], page.TREND_MONTHS)
    trap = safety.entrapments(start, end)
    assert list(figs["entrapment"].data[0].y) == trap["iot_alarms"].tolist()
    assert list(figs["entrapment"].data[1].y) == trap["incidents"].tolist()
    choropleth = geo.street_choropleth(page.MAP_INDICATOR)
    by_street = {f["id"]: f["properties"]["value"] for f in choropleth["features"]}
    assert dict(zip(figs["map"].data[0].locations, figs["map"].data[0].z, strict=True)) == by_street
    cold = safety.cold_chain().set_index("measure")["value"]
    assert figs["cold"].data[0].value == pytest.approx(round(cold["online_rate"] * 100, 1))
    assert f"传感器 {int(cold['sensors']):,} 台" in figs["cold_caption"]
    # the wall shows the most sampled categories only
    wall = _draw(page, WALL, _state(page))
    assert list(wall["sampling"].data[0].customdata) == sampling["food_category"].head(6).tolist()


def test_saf003_bad_link_parameters_fall_back_with_a_visible_note(page):
    layout = page.layout(street="nowhere", period="2026-99", category="火星食品", equipment="rocket")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state == _state(page)
    text = " ".join(str(c) for c in _by_id(layout, page.IDS.id("link-notes")).children)
    for bad in ("nowhere", "2026-99", "火星食品", "rocket"):
        assert bad in text
    ok = page.layout(period="year", street=XINZHUANG, equipment="boiler")
    assert _by_id(ok, page.IDS.id("state")).data["equipment"] == "boiler"
    assert _by_id(ok, page.IDS.id("link-notes")).children is None


def test_saf004_map_click_filters_every_panel_and_the_url(page):
    street, name = _busy_street()
    state = _state(page, period="year")
    click = {"points": [{"location": street, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("map-graph"), click, state, ANALYST)
    new = out[0]
    assert new["street"] == street and out[5] == street
    assert parse_qs(out[2][1:]) == {"period": ["year"], "street": [street]}
    assert any(name in str(_props(c).get("children")) for c in _walk(out[1]))
    refreshed = page.refresh(new, ANALYST)
    assert len(refreshed.values) == len(page.GRAPHS) + 2
    cards = {k: v for card in refreshed.values[0] for k, v in _kpi_values(card).items()}
    scoped = indicators.kpis(page.KPI_IDS, "year", (street,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert _num(cards[i]) == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    figs = dict(zip(page.GRAPHS, refreshed.values[1:], strict=False))
    assert (
        list(figs["grades"].data[0].values) == safety.catering_grades((street,))["n"].astype(float).tolist()
    )
    ages = safety.equipment_by_age("elevator", (street,))["n"].tolist()
    assert (list(figs["age"].data[0].y) if figs["age"].data else [0] * len(ages)) == ages
    assert figs["map"].data[-1].locations == (street,)  # the chosen street outlined
    rows, caption = page.update_grid(new)
    y = extra_screens.period_bounds("year")
    expected = safety.failed_samplings(y["start"], y["end"], (street,), limit=500)
    assert rows and {r["street_name"] for r in rows} == {name}
    assert [r["id"] for r in rows] == expected.frame["id"].astype(str).tolist()
    assert caption == f"共 {len(rows):,} 条"
    assert all(
        r["entity_name"].endswith(f"(/entity/{u})") for r, u in zip(rows, expected.frame["uscc"], strict=True)
    )
    # a second click on the same street clears the filter
    assert page.update_filters(page.IDS.id("map-graph"), click, new, ANALYST)[0]["street"] is None


def test_saf005_chart_clicks_filter_the_other_panels(page):
    state = _state(page, period="year")
    y = extra_screens.period_bounds("year")
    failed = safety.failed_samplings(y["start"], y["end"], limit=5000).frame
    category = failed["food_category"].value_counts().index[-1]  # a category with few failures
    new = page.update_filters(
        page.IDS.id("sampling-graph"), {"points": [{"customdata": category}]}, state, ANALYST
    )
    assert new[0]["category"] == category and parse_qs(new[2][1:])["category"] == [category]
    rows, _ = page.update_grid(new[0])
    expected = safety.failed_samplings(y["start"], y["end"], limit=5000).frame
    expected = expected[expected["food_category"] == category]
    assert rows and [r["id"] for r in rows] == expected["id"].astype(str).tolist()
    figs = _draw(page, ANALYST, new[0])
    bars = figs["sampling"].data[0]
    # the others fade rather than go, and the chosen category stays in view among the top ten
    assert len(bars.customdata) == min(10, len(safety.sampling_by_category(y["start"], y["end"])))
    assert category in bars.customdata
    assert len(set(bars.marker.color)) > 1
    # an equipment kind chosen in the inspection chart: the age panel shows that kind
    kind = page.update_filters(
        page.IDS.id("due-graph"), {"points": [{"customdata": "pressure_vessel"}]}, new[0], ANALYST
    )
    assert kind[0]["equipment"] == "pressure_vessel"
    figs = _draw(page, ANALYST, kind[0])
    assert list(figs["age"].data[0].y) == safety.equipment_by_age("pressure_vessel")["n"].tolist()
    assert "压力容器" in figs["age"].layout.annotations[0].text
    # a month of the entrapment trend becomes the period
    month = page.update_filters(
        page.IDS.id("entrapment-graph"),
        {"points": [{"customdata": "2026-10", "curveNumber": 0}]},
        kind[0],
        ANALYST,
    )
    assert month[0]["period"] == "2026-10" and month[3] == "2026-10"
    assert {"label": "2026年10月", "value": "2026-10"} in month[4]
    kpis = {k: v for card in page.refresh(month[0], ANALYST).values[0] for k, v in _kpi_values(card).items()}
    october = extra_screens.screen_kpis(page.KPI_IDS, "2026-10").set_index("indicator_id")["value"]
    assert _num(kpis["sampling.batches"]) == october["sampling.batches"]


def test_saf006_office_filter_scopes_to_its_street(page):
    stations = extra_screens.offices("station")
    office = stations[stations["street_code"] == XINZHUANG]["code"].iloc[0]
    new = page.update_filters(page.FILTERS.office, office, _state(page, period="year"), ANALYST)[0]
    assert page._scope(new) == (XINZHUANG,)
    assert page._scope({**new, "street": "310112102000"}) == ()  # office and street disagree: nothing
    rows, _ = page.update_grid(new)
    assert {r["street_name"] for r in rows} <= {"莘庄镇"}


def test_saf007_export_matches_the_read_api(page):
    street, name = _busy_street()
    state = _state(page, period="year", street=street)
    y = extra_screens.period_bounds("year")
    expected = safety.failed_samplings(y["start"], y["end"], (street,), limit=5000).frame
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv") and csv["base64"]
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert len(table) > 0
    assert table["编号"].tolist() == expected["id"].astype(str).tolist()
    assert set(table["街镇"]) == {name}
    assert table["被抽样主体"].tolist() == expected["entity_name"].tolist()  # plain text, not a link
    followed = expected["followed_up_on"].notna()
    assert (table["核查处置"] == followed.map({True: "已核查处置", False: "待核查处置"})).all()
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [str(r[0]) for r in ws.iter_rows(min_row=2, values_only=True)] == expected["id"].astype(
        str
    ).tolist()


def test_saf008_a_failed_read_keeps_the_last_data_and_raises_the_banner(page, monkeypatch):
    from components.layout import run_refresh

    def broken(*_args, **_kwargs):
        raise ConnectionError("database down")

    monkeypatch.setattr(page.read, "catering_grades", broken)
    out = run_refresh(
        page.refresh, len(page.GRAPHS) + 2, (_state(page), WALL), {"title": page.TITLE}, slug="safety"
    )
    assert out[-1]["ok"] is False and out[-1]["error"] == "ConnectionError"
    layout = page.layout(kiosk="1")
    assert layout.id == "page-safety" and _props(layout.children[1])["data"]["ok"] is False
