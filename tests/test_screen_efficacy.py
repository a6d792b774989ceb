"""效能评价 without a browser: the layout in both modes, its numbers against independent read-API
calls, the office filter (dropdown, ranking, matrix and scorecard clicks), the permalink and the
scorecard export, on the refreshed small district."""

from __future__ import annotations

import base64
import io

import openpyxl
import pandas as pd
import pytest

from components import charts_efficacy as charts
from components.permalink import read_state
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import efficacy, extra_screens, indicators
from tests.test_refresh import refreshed_copy

VIEW_ANALYST = {"kiosk": "", "theme": "light"}
VIEW_WALL = {"kiosk": "1", "theme": "dark"}


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("efficacy"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture(scope="module")
def page(app):
    import pages.efficacy as page

    return page


def _props(component) -> dict:
    return component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}


def _walk(component):
    yield component
    children = _props(component).get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _kpi_values(tree) -> dict[str, str]:
    nodes = tree if isinstance(tree, list) else [tree]
    return {
        p["data-indicator"]: p["data-value"]
        for node in nodes
        for p in map(_props, _walk(node))
        if "data-indicator" in p
    }


def _by_id(layout, id_):
    return next(c for c in _walk(layout) if _props(c).get("id") == id_)


def _graph(layout, id_):
    return _props(_by_id(layout, id_))["figure"]


def _state(page, **over):
    return {**read_state({}, page._fields())[0], **over}


def _library(ids, period: str, scope=None) -> pd.Series:
    """The indicator library's values over a named period: the independent read to compare with."""
    b = extra_screens.period_bounds(period)
    return indicators.indicator_values(tuple(ids), b["start"], b["end"], scope).set_index("indicator_id")[
        "value"
    ]


def _street_of(office: str) -> str:
    stations = extra_screens.offices("station").set_index("code")["street_code"]
    return stations[office]


def test_eff001_layout_in_both_modes_with_kpis_from_the_indicator_library(page):
    lib = _library(page.KPI_IDS, "last12m")
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-efficacy"
        values = _kpi_values(layout)
        assert list(values) == list(page.KPI_IDS)
        for i, v in values.items():
            assert float(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
        # every panel is there and drawn (no empty figure on a healthy store)
        for panel in ("ranking", "radar", "matrix", "trend", "response"):
            fig = _graph(layout, page.IDS.id(f"{panel}-graph"))
            assert fig.data, panel
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not [c for c in _walk(wall) if _props(c).get("id") == page.GRID]  # no grid on the wall
    analyst = page.layout()
    assert len(_by_id(analyst, page.GRID).rowData) == len(efficacy.office_scorecard())


def test_eff002_ranking_and_matrix_carry_the_scorecard(page):
    card = efficacy.office_scorecard()
    layout = page.layout()
    ranking = _graph(layout, page.IDS.id("ranking-graph")).data[0]
    assert list(ranking.customdata) == card.sort_values(["rank", "office_code"])["office_code"].tolist()
    assert list(ranking.x) == pytest.approx(card.sort_values(["rank", "office_code"])["composite"].tolist())
    assert ranking.x[0] == max(ranking.x)  # best at the top
    matrix = _graph(layout, page.IDS.id("matrix-graph")).data[0]
    assert list(matrix.x) == [charts.SHORT[m] for m in charts.MEASURES] + [charts.COMPOSITE]
    ordered = card.sort_values(["rank", "office_code"]).reset_index(drop=True)
    for i, row in ordered.iterrows():
        assert matrix.customdata[i][0] == row["office_code"]
        assert list(matrix.z[i]) == pytest.approx(
            [row[f"{m}_score"] for m in charts.MEASURES] + [row["composite"]]
        )
    # 14 stations, each scored 0–100
    assert len(card) == 14 and card["composite"].between(0, 100).all()


def test_eff003_radar_and_trend_show_the_best_ranked_office_by_default(page):
    card = efficacy.office_scorecard()
    best = card["office_code"].iloc[0]
    layout = page.layout(kiosk="1")
    radar = _graph(layout, page.IDS.id("radar-graph"))
    expected = efficacy.office_radar(best)
    assert list(radar.data[0].r[:-1]) == pytest.approx(expected["score"].tolist())
    assert list(radar.data[1].r[:-1]) == pytest.approx(expected["district_mean"].tolist())
    as_of = extra_screens.period_bounds("month")["as_of"]
    start, end = page._trend_window(as_of)
    assert end == as_of.replace(day=1) and (end.year - start.year) * 12 + end.month - start.month == 12
    trend = efficacy.office_trend(best, start, end)
    fig = _graph(layout, page.IDS.id("trend-graph"))
    by_name = {t.name: t for t in fig.data}
    for col, name in charts.TREND_RATES.items():
        want = [None if pd.isna(v) else v for v in trend[col]]
        assert list(by_name[name].y) == pytest.approx(want, nan_ok=True), col
    response = _graph(layout, page.IDS.id("response-graph")).data[0]
    hours = [None if pd.isna(v) else round(v / 60, 2) for v in trend["warning_avg_response_minutes"]]
    assert list(response.y) == hours
    assert _props(_by_id(layout, page.IDS.id("radar-office")))["children"] == card["name"].iloc[0]


def test_eff004_a_ranking_click_chooses_the_office_everywhere(page):
    card = efficacy.office_scorecard()
    office = card["office_code"].iloc[5]
    state = _state(page)
    click = {"points": [{"customdata": office, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("ranking-graph"), click, state, VIEW_ANALYST)
    new, chips, search = out[0], out[1], out[2]
    assert new["office"] == office and out[5] == office
    assert search == f"?office={office}"
    name = card.set_index("office_code").loc[office, "name"]
    assert any(name in str(_props(c).get("children")) for c in _walk(chips))
    rank = int(card.set_index("office_code").loc[office, "rank"])
    assert name in out[8] and f"第{rank}名" in out[8]
    refreshed = page.refresh(new, VIEW_ANALYST)
    values = dict(zip(page.REFRESHED, refreshed.values, strict=True))
    # the KPI strip follows the office's area (a 市场监管所 serves one street)
    scoped = _library(page.KPI_IDS, "last12m", (_street_of(office),))
    for i, v in _kpi_values(values["kpis"]).items():
        # a card with nothing to show (e.g. no case closed in the street) has an empty value
        got = float(v) if v != "" else float("nan")
        assert got == pytest.approx(scoped[i], rel=1e-6, abs=1e-6, nan_ok=True), i
    assert list(values["radar"].data[0].r[:-1]) == pytest.approx(
        efficacy.office_radar(office)["score"].tolist()
    )
    assert values["radar-office"] == name
    # the ranking emphasises the chosen office; the matrix outlines its row
    colours = values["ranking"].data[0].marker.color
    i = list(values["ranking"].data[0].customdata).index(office)
    assert colours[i].startswith("#") and all(c.startswith("rgba") for k, c in enumerate(colours) if k != i)
    shape = values["matrix"].layout.shapes[0]
    assert (shape.y0 + shape.y1) / 2 == i
    # the same bar again deselects it
    assert page.update_filters(page.IDS.id("ranking-graph"), click, new, VIEW_ANALYST)[0]["office"] is None


def test_eff005_matrix_and_scorecard_clicks_and_the_dropdown(page):
    card = efficacy.office_scorecard()
    office = card["office_code"].iloc[-1]
    state = _state(page)
    cell = {"points": [{"customdata": office, "x": "按期办结", "y": "14. x"}]}
    assert page.update_filters(page.IDS.id("matrix-graph"), cell, state, VIEW_ANALYST)[0]["office"] == office
    grid_click = {"value": "x", "colId": "name", "rowIndex": 13, "rowId": office}
    assert page.update_filters(page.GRID, grid_click, state, VIEW_ANALYST)[0]["office"] == office
    assert page.update_filters(page.GRID, None, state, VIEW_ANALYST)[0] is page.no_update
    other = card["office_code"].iloc[2]
    out = page.update_filters(page.CONTROLS["office"], other, state, VIEW_ANALYST)
    assert out[0]["office"] == other
    period = page.update_filters(page.CONTROLS["period"], "year", out[0], VIEW_ANALYST)
    assert period[0] == {"period": "year", "office": other}
    assert "period=year" in period[2] and f"office={other}" in period[2]
    # a wall keeps its dark theme in the link
    assert page.update_filters(page.CONTROLS["office"], other, state, VIEW_WALL)[2].startswith("?theme=dark")
    # unknown offices from a dropdown are ignored
    assert page.update_filters(page.CONTROLS["office"], "KS99", state, VIEW_ANALYST)[0]["office"] is None


def test_eff006_links_restore_the_view_and_bad_parameters_fall_back_with_a_note(page):
    card = efficacy.office_scorecard()
    office = card["office_code"].iloc[3]
    layout = page.layout(office=office, period="year")
    assert _by_id(layout, page.IDS.id("state")).data == {"period": "year", "office": office}
    lib = _library(page.KPI_IDS, "year", (_street_of(office),))
    for i, v in _kpi_values(layout).items():
        assert float(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
    assert _props(_by_id(layout, page.IDS.id("radar-office")))["children"] == card["name"].iloc[3]
    bad = page.layout(office="KS01", period="2026-99")
    state = _by_id(bad, page.IDS.id("state")).data
    assert state == {"period": page.DEFAULT_PERIOD, "office": None}
    note = " ".join(str(c) for c in _by_id(bad, page.IDS.id("link-notes")).children)
    assert "KS01" in note and "2026-99" in note
    # a wall link works the same way
    wall = page.layout(kiosk="1", office=office)
    assert _props(_by_id(wall, page.IDS.id("radar-office")))["children"] == card["name"].iloc[3]


def test_eff007_export_is_the_scorecard(page):
    card = efficacy.office_scorecard()
    csv = page.export_file("csv")
    assert (
        csv["filename"].startswith("效能评价记分卡_") and csv["filename"].endswith(".csv") and csv["base64"]
    )
    table = pd.read_csv(
        io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype={"机构代码": str}
    )
    assert table["机构代码"].tolist() == card["office_code"].tolist()
    assert table["综合得分"].tolist() == pytest.approx(card["composite"].tolist())
    assert table["检查完成率（%）"].tolist() == pytest.approx(
        (card["inspection_done_rate"] * 100).round(2).tolist()
    )
    assert table["已完成检查"].tolist() == card["inspections_done"].tolist()
    xlsx = page.export_file("xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    header = [c.value for c in ws[1]]
    assert header == [c.header for c in page.COLUMNS]
    names = [r[header.index("市场监管所")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert names == card["name"].tolist()


def test_eff008_wall_refresh_redraws_and_reports_a_failure(page, monkeypatch):
    from components.layout import run_refresh

    state = _state(page)
    ok = run_refresh(
        page.refresh, len(page.REFRESHED), (state, VIEW_WALL), {"title": "效能评价"}, slug="efficacy"
    )
    assert ok[-1]["ok"] is True and ok[-1]["data_time"]
    assert list(_kpi_values(ok[0])) == list(page.KPI_IDS)

    def down(*_a, **_k):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(page.read, "office_scorecard", down)
    failed = run_refresh(page.refresh, len(page.REFRESHED), (state, VIEW_WALL), ok[-1], slug="efficacy")
    assert all(v is page.no_update for v in failed[:-1])
    assert failed[-1]["ok"] is False and failed[-1]["data_time"] == ok[-1]["data_time"]
    # a layout that cannot read its data shows the frame's delayed state, not an error page
    broken = page.layout(kiosk="1")
    assert broken.id == "page-efficacy"
    assert _by_id(broken, page.IDS.status).data["ok"] is False


def test_eff010_the_wall_goes_round_the_offices_one_per_refresh(page):
    card = efficacy.office_scorecard()
    codes, names = card["office_code"].tolist(), card["name"].tolist()
    state = _state(page)
    wall = page.layout(kiosk="1")
    assert _by_id(wall, page.IDS.id("shown")).data == codes[0]
    step = dict(zip(page.REFRESHED, page.refresh(state, VIEW_WALL, codes[0]).values, strict=True))
    assert step["shown"] == codes[1] and step["radar-office"] == names[1]
    assert list(step["radar"].data[0].r[:-1]) == pytest.approx(
        efficacy.office_radar(codes[1])["score"].tolist()
    )
    assert step["matrix"].layout.shapes[0].y0 == 0.5  # the matrix outlines the office shown
    assert not step["ranking"].data[0].marker.color[0].startswith("rgba")  # nothing chosen: no fading
    last = dict(zip(page.REFRESHED, page.refresh(state, VIEW_WALL, codes[-1]).values, strict=True))
    assert last["shown"] == codes[0]
    # a chosen office pins the wall; analysts never rotate
    pinned = {**state, "office": codes[3]}
    assert page.refresh(pinned, VIEW_WALL, codes[3]).values[-1] == codes[3]
    assert page.refresh(state, VIEW_ANALYST, codes[0]).values[-1] == codes[0]


def test_eff009_chart_factories_on_edge_cases():
    empty = pd.DataFrame(columns=["office_code", "name", "rank", "composite"])
    assert charts.composite_ranking(empty).layout.annotations[0].text.startswith("暂无")
    assert charts.focus_office(empty, None) is None
    assert (
        charts.short_name("莘庄工业区市场监管所") == "莘庄工业区"
        and charts.short_name("执法大队") == "执法大队"
    )
    assert charts.measure_text("warning_response_minutes", 90) == "90分钟"
    assert charts.measure_text("satisfaction_rate", 0.8912) == "89.1%"
    assert charts.measure_text("satisfaction_rate", None) == "—"
    # a department has no street: its trend lacks complaints and warnings, and says so
    dept = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-09-01", "2026-10-01"]),
            "inspection_done_rate": [0.9, 1.0],
            "case_within_90d_rate": [1.0, float("nan")],
        }
    )
    assert len(charts.trend_chart(dept).data) == 2
    assert "不统计" in charts.response_chart(dept).layout.annotations[0].text
    assert charts.next_office(empty, None) is None
