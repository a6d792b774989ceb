"""综合监管 (/supervision) without a browser: the layout in both modes, its KPI strip and charts against
independent read-API calls, click-to-filter, the permalink and the export, on the refreshed small
district."""

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
from data_access.api import entities, extra_screens, indicators, supervision
from tests.test_refresh import refreshed_copy

QIBAO = "310112102000"
VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("supervision"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture(scope="module")
def page(app):
    import pages.supervision as page

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


def _state(page, **kw):
    return {**read_state({}, page._fields())[0], **kw}


def _cards(refreshed) -> dict[str, float]:
    return {
        i: float(v) if v != "" else float("nan")
        for card in refreshed.values[0]
        for i, v in _kpi_values(card).items()
    }


def _year():
    return extra_screens.period_bounds("year")


# --- layout and numbers -----------------------------------------------------------------------


def test_sup001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    for query, ids in (({"kiosk": "1"}, page.WALL_KPI_IDS), ({}, page.KPI_IDS)):
        layout = page.layout(**query)
        assert layout.id == "page-supervision"
        values = _kpi_values(layout)
        assert list(values) == list(ids)
        lib = indicators.kpis(ids, "month").set_index("indicator_id")["value"]
        for i, v in values.items():
            assert float(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not _has_id(wall, page.IDS.id("grid")) and not _has_id(wall, page.IDS.id("chips"))
    for panel in page.GRAPHS:
        assert _has_id(wall, page.IDS.id(f"{panel}-graph")), panel
    assert _has_id(wall, page.IDS.id("tasks")) and _has_id(wall, page.IDS.id("joint"))
    analyst = page.layout()
    grid = _by_id(analyst, page.IDS.id("grid"))
    joint = supervision.credit_list_entries("joint_punishment", None, 500)
    assert [r["uscc"] for r in grid.rowData] == joint.frame["uscc"].str.strip().tolist()
    counts = entities.credit_list_counts().set_index("list")["n_current"]
    assert len(grid.rowData) == counts["joint_punishment"]
    # the small district has few joint punishments: the widest list shows the links to 一户一档
    rows, _ = page.update_grid(_state(page, list="abnormal_operation"))
    abnormal = supervision.credit_list_entries("abnormal_operation", None, 500).frame
    assert len(rows) == min(500, counts["abnormal_operation"]) > 0
    assert rows[0]["name"].endswith(f"(/entity/{abnormal['uscc'][0].strip()})")


def test_sup002_charts_show_the_read_api_numbers(page):
    y = _year()
    figs, data_time = page._draw(page.ViewParams.from_query(VIEW), _state(page, period="year"))
    assert data_time == y["data_time"]
    offices = supervision.inspections_by_office(y["start"], y["end"]).set_index("office_code")
    planned, done = figs["office"].data
    codes = list(planned.customdata)
    assert set(codes) == set(offices.index[offices["planned"] > 0]) and codes
    assert list(planned.x) == offices.loc[codes, "planned"].tolist()
    assert list(done.x) == offices.loc[codes, "done_of_planned"].tolist()
    bars = figs["problem"].data[0]
    assert list(bars.x) == pytest.approx((offices.loc[list(bars.customdata), "problem_rate"] * 100).tolist())
    results = supervision.inspection_results(y["start"], y["end"]).set_index("result")["n"]
    donut = figs["results"].data[0]
    assert dict(zip(donut.customdata, donut.values, strict=True)) == {r: n for r, n in results.items() if n}
    start, end = extra_screens.month_window(y["as_of"], page.TREND_MONTHS)
    trend = supervision.inspection_trend(start, end)
    series = {t.name: list(t.y) for t in figs["trend"].data}
    assert series["计划"] == trend["planned"].tolist()
    assert series["已完成"] == trend["done_of_planned"].tolist()
    assert series["完成率"] == pytest.approx(trend["done_rate"].tolist(), nan_ok=True)
    counts = entities.credit_list_counts().set_index("list")["n_current"]
    credit = figs["credit"].data[0]
    assert dict(zip(credit.customdata, credit.x, strict=True)) == {k: float(v) for k, v in counts.items()}
    streets = indicators.indicator_values(
        ("inspection.double_random_planned",), y["start"], y["end"], None, ("street_code",)
    ).set_index("street_code")["value"]
    choropleth = figs["map"].data[0]
    assert dict(zip(choropleth.locations, choropleth.z, strict=True)) == {
        c: float(streets.get(c, 0)) for c in choropleth.locations
    }
    assert sum(choropleth.z) == offices["planned"].sum()


def test_sup003_task_list_shows_the_published_seeds_and_progress(page):
    y = _year()
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), _state(page, period="year"))
    start = (pd.Timestamp(y["end"]) - pd.DateOffset(months=12)).date()
    tasks = supervision.inspection_tasks(start, y["end"], None, "double_random").frame
    rows = figs["tasks"].children.children[1].children
    assert len(rows) == len(tasks) > 0
    assert [r.children[0].children for r in rows] == tasks["name"].tolist()
    assert [r.children[3].children for r in rows] == tasks["seed"].tolist()
    assert [r.children[5].children.split("（")[0] for r in rows] == [
        f"{d:,}/{n:,}" for d, n in zip(tasks["done"], tasks["inspections"], strict=True)
    ]


# --- cross-filtering ---------------------------------------------------------------------------


def test_sup004_an_office_click_filters_kpis_trend_results_and_tasks(page):
    y = _year()
    offices = supervision.inspections_by_office(y["start"], y["end"])
    office = str(offices.iloc[0]["office_code"])
    base = _state(page, period="year")
    out = page.update_filters(page.IDS.id("office-graph"), {"points": [{"customdata": office}]}, base, VIEW)
    new = out[0]
    assert new["office"] == office and out[6] == office and out[2] == f"?period=year&office={office}"
    assert "联合惩戒名单在列" in out[9]  # credit lists have no office: their cards say so
    refreshed = page.refresh(new, VIEW)
    cards = _cards(refreshed)
    want = indicators.indicator_values(
        ("inspection.double_random_planned", "inspection.done_rate", "inspection.problems"),
        y["start"],
        y["end"],
        None,
        (),
        {"office_code": office},
    ).set_index("indicator_id")["value"]
    for i in want.index:
        assert cards[i] == pytest.approx(want[i]), i
    row = offices.set_index("office_code").loc[office]
    assert cards["inspection.double_random_planned"] == row["planned"]
    assert cards["inspection.problems"] >= row["problems"]  # every kind of inspection, 双随机 among them
    full = indicators.kpis(("entity.joint_punishment",), "year")["value"][0]
    assert cards["entity.joint_punishment"] == full
    donut = refreshed.values[2].data[0]
    done_all = indicators.indicator_values(  # results count every kind of inspection, not only 双随机
        ("inspection.done",), y["start"], y["end"], None, (), {"office_code": office}
    )["value"][0]
    assert sum(donut.values) == done_all >= row["done"]
    tasks = refreshed.values[8].children.children[1].children
    assert tasks and {r.children[1].children for r in tasks} == {row["office_name"]}
    again = page.update_filters(page.IDS.id("problem-graph"), {"points": [{"customdata": office}]}, new, VIEW)
    assert again[0]["office"] is None


def test_sup005_street_and_month_clicks_scope_everything_and_travel_in_the_url(page):
    out = page.update_filters(page.IDS.id("map-graph"), {"points": [{"location": QIBAO}]}, _state(page), VIEW)
    new = out[0]
    assert new["street"] == QIBAO and out[5] == QIBAO
    refreshed = page.refresh(new, VIEW)
    cards = _cards(refreshed)
    scoped = indicators.kpis(page.KPI_IDS, "month", (QIBAO,)).set_index("indicator_id")["value"]
    for i in page.KPI_IDS:
        assert cards[i] == pytest.approx(scoped[i], nan_ok=True), i
    assert refreshed.values[4].data[-1].locations == (QIBAO,)
    start, end = extra_screens.month_window(extra_screens.period_bounds("month")["as_of"], page.TREND_MONTHS)
    trend = supervision.inspection_trend(start, end, (QIBAO,))
    busiest = trend.sort_values("planned").iloc[-1]["month"].strftime("%Y-%m")
    month = page.update_filters(page.IDS.id("trend-graph"), {"points": [{"customdata": busiest}]}, new, VIEW)
    assert month[0]["period"] == busiest and month[3] == busiest
    assert f"period={busiest}" in month[2] and f"street={QIBAO}" in month[2]
    b = extra_screens.period_bounds(busiest)
    figs, _ = page._draw(page.ViewParams.from_query(VIEW), month[0])
    offices = supervision.inspections_by_office(b["start"], b["end"], (QIBAO,))
    assert sum(figs["office"].data[0].x) == offices["planned"].sum() > 0
    back, notes = read_state(parse_qs(month[2][1:]), page._fields())
    assert back == month[0] and notes == []
    cleared = page.update_filters(
        {"role": "xf-chip", "page": "supervision", "name": "__all__"}, 1, month[0], VIEW
    )
    assert cleared[0] == _state(page) and cleared[2] == "?"


def test_sup006_a_credit_list_click_switches_the_grid(page):
    click = {"points": [{"customdata": "serious_illegal_dishonest"}]}
    out = page.update_filters(page.IDS.id("credit-graph"), click, _state(page), VIEW)
    new = out[0]
    assert new["list"] == "serious_illegal_dishonest" and out[2] == "?list=serious_illegal_dishonest"
    rows, caption = page.update_grid(new)
    expected = supervision.credit_list_entries("serious_illegal_dishonest", None, 500)
    assert [r["uscc"] for r in rows] == expected.frame["uscc"].str.strip().tolist()
    assert {r["list"] for r in rows} == {"严重违法失信名单"}
    assert caption.startswith("共") or "条" in caption
    scoped, _ = page.update_grid({**new, "street": QIBAO})
    want = supervision.credit_list_entries("serious_illegal_dishonest", (QIBAO,), 500).frame
    assert [r["uscc"] for r in scoped] == want["uscc"].str.strip().tolist()


def test_sup007_bad_link_parameters_fall_back_with_a_visible_note(page):
    layout = page.layout(street="nowhere", period="2026-99", office="XX9", list="blacklist")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state == _state(page)
    text = " ".join(str(c) for c in _by_id(layout, page.IDS.id("link-notes")).children)
    assert all(bad in text for bad in ("nowhere", "2026-99", "XX9", "blacklist"))


def test_sup008_export_matches_the_read_api(page):
    state = _state(page, list="abnormal_operation", street=QIBAO)
    expected = supervision.credit_list_entries("abnormal_operation", (QIBAO,), 5000).frame
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv") and "经营异常名录" in csv["filename"]
    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert table["统一社会信用代码"].str.strip().tolist() == expected["uscc"].str.strip().tolist()
    assert set(table["信用名录"]) == {"经营异常名录"} and set(table["街镇"]) == {"七宝镇"}
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [str(r[1]).strip() for r in ws.iter_rows(min_row=2, values_only=True)] == table[
        "统一社会信用代码"
    ].str.strip().tolist()


def test_sup009_a_failed_read_shows_the_delay_state_and_the_wall_keeps_its_data(page, monkeypatch):
    from dash import no_update

    from components.layout import run_refresh

    def broken(*_a, **_k):
        raise ConnectionError("database down")

    monkeypatch.setattr(page.extra, "period_bounds", broken)
    layout = page.layout(kiosk="1")
    status = _by_id(layout, page.IDS.status).data
    assert status["ok"] is False and status["error"] == "ConnectionError"
    out = run_refresh(
        page.refresh, 9, (_state(page), WALL), {"title": "综合监管", "data_time": "2026-11-20T23:00:00"}
    )
    assert all(v is no_update for v in out[:-1]) and out[-1]["ok"] is False
