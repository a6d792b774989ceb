"""数据分析 without a browser: the page's layout in both modes and its callbacks called as plain
functions on the refreshed small district; every KPI, chart and table cell compared with an
independent read-API call (compare, pivot, ranking), the allowed-dimension logic, the permalink
round trip with its fallbacks, and the export."""

from __future__ import annotations

import base64
import io
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pandas as pd
import pytest

from components import charts_analysis as charts
from components.layout import run_refresh
from components.tables import grid_rows
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import analysis, extra_screens, indicators
from tests.test_refresh import refreshed_copy

VIEW = {"kiosk": "", "theme": "light"}
WALL = {"kiosk": "1", "theme": "dark"}
QIBAO = "310112102000"


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("analysis"), cache_type="null")
    )
    yield app
    cache.reset()


@pytest.fixture
def page(app):
    import pages.analysis as page

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


def _query(search: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(search).query).items()}


def _shown(value_type: str, v: float) -> float:
    return round(v * 100, 2) if value_type == "rate" else round(v, 2)


# A channel breakdown of two complaint indicators in one street, and the default monthly analysis.
CHANNELS = {"ind": "complaint.received,complaint.ontime_rate", "period": "year", "dim": "channel",
            "street": QIBAO}


# --- layout and numbers -------------------------------------------------------------------------


def test_ana001_layout_in_both_modes_with_kpis_from_compare(page):
    as_of = extra_screens.period_bounds("month")["as_of"]
    analyst = page.layout()
    assert analyst.id == "page-analysis" and "screen--analyst" in analyst.className
    # the default analysis: complaints and cases over twelve whole months
    start, end = extra_screens.month_window(as_of, 12)
    end = min(end, as_of + timedelta(days=1))
    cmp = analysis.compare(page.DEFAULT_IDS, start, end).set_index("indicator_id")["value"]
    assert _kpis(analyst) == pytest.approx(cmp.to_dict())
    assert _has_id(analyst, page.IDS.id("grid")) and _has_id(analyst, page.IDS.id("export-xlsx"))
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not _has_id(wall, page.IDS.id("grid")) and not _has_id(wall, page.CONTROL["ind"])
    b = extra_screens.period_bounds("month")
    headline = analysis.compare(page.HEADLINE_IDS, b["start"], min(b["end"], as_of + timedelta(days=1)))
    values = _kpis(wall)
    assert list(values) == list(page.HEADLINE_IDS)
    assert values == pytest.approx(headline.set_index("indicator_id")["value"].to_dict())
    import dash

    meta = dash.page_registry["pages.analysis"]
    assert (meta["path"], meta["category"], meta["order"]) == ("/analysis", "数据分析", 80) and meta["wall"]


@pytest.mark.parametrize("query", [{}, CHANNELS], ids=["default-month", "channel-in-qibao"])
def test_ana002_chart_and_table_equal_the_pivot(page, query):
    state, notes = page.read_choice(query)
    assert notes == []
    start, end = page.span(state)
    scope = (state["street"],) if state["street"] else None
    pivot = analysis.pivot(tuple(state["ind"]), start, end, state["dim"], scope)
    cat = indicators.indicator_catalogue().set_index("id")
    layout = page.layout(**query)
    grid = _by_id(layout, page.IDS.id("grid"))
    assert len(grid.rowData) == len(pivot) > 0
    for k, i in enumerate(state["ind"]):
        vt = cat.at[i, "value_type"]
        expected = [None if pd.isna(v) else _shown(vt, v) for v in pivot[i]]
        assert [r[f"v{k}"] for r in grid.rowData] == pytest.approx(expected), i
        assert grid.columnDefs[k + 1]["headerName"].startswith(cat.at[i, "name"])
    figs = page._draw(page.ViewParams.from_query(VIEW), state)
    fig = figs["breakdown"]
    assert len(fig.data) == len(state["ind"])
    if state["dim"] == "month":
        assert [r["label"] for r in grid.rowData][0] == f"{start.year}年{start.month}月"
        for k, trace in enumerate(fig.data):
            assert list(trace.y) == pytest.approx([r[f"v{k}"] for r in grid.rowData])
    else:
        keys = ["" if pd.isna(c) else str(c) for c in pivot["channel"]]
        for k, trace in enumerate(fig.data):
            i, vt = state["ind"][k], cat.at[state["ind"][k], "value_type"]
            expected = {c: None if pd.isna(v) else _shown(vt, v) for c, v in zip(keys, pivot[i], strict=True)}
            assert dict(zip(trace.customdata, trace.x, strict=True)) == pytest.approx(expected)
    # the comparison in the KPI strip and the table
    cmp = analysis.compare(tuple(state["ind"]), start, end, scope).set_index("indicator_id")
    assert _kpis(layout) == pytest.approx(cmp["value"].to_dict())


def test_ana003_rankings_equal_the_read_api(page):
    state, _ = page.read_choice({**CHANNELS, "rank": "entity.new_registrations"})
    start, end = page.span(state)
    figs = page._draw(page.ViewParams.from_query(VIEW), state)
    streets = analysis.ranking("entity.new_registrations", "street_code", start, end, None, page.RANK_LIMIT)
    trace = figs["streets"].data[0]
    assert list(trace.customdata) == streets["key"].tolist()
    assert list(trace.x) == streets["value"].astype(float).tolist()
    # the chosen street stays, emphasised, the others fade
    colours = dict(zip(trace.customdata, trace.marker.color, strict=True))
    assert "rgba" not in colours[QIBAO] and all("rgba" in c for k, c in colours.items() if k != QIBAO)
    sections = analysis.ranking("entity.new_registrations", "section", start, end, (QIBAO,), page.RANK_LIMIT)
    assert list(figs["second"].data[0].customdata) == sections["key"].tolist()
    assert list(figs["second"].data[0].x) == sections["value"].astype(float).tolist()
    assert "行业门类" in figs["second_title"]
    # complaints have no industry: their second ranking is by their first category (渠道)
    plain, _ = page.read_choice({})
    figs = page._draw(page.ViewParams.from_query(VIEW), plain)
    assert "渠道" in figs["second_title"] and len(figs["second"].data[0].x) > 0


def test_ana004_wall_refreshes_and_reports_a_failed_read(page, monkeypatch):
    state, _ = page.read_choice({})
    out = run_refresh(page.refresh, len(page.OUT), (state, WALL), {"title": "数据分析"}, slug="analysis")
    assert out[-1]["ok"] is True and len(out) == len(page.OUT) + 1
    assert [float(v) for v in _kpis(__import__("dash").html.Div(out[0])).values()]

    def down(*a, **k):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(page.read, "compare", down)
    out = run_refresh(page.refresh, len(page.OUT), (state, WALL), {"title": "数据分析"}, slug="analysis")
    assert out[-1]["ok"] is False and out[-1]["error"] == "ConnectionError"
    assert all(v is __import__("dash").no_update for v in out[:-1])


# --- allowed dimensions ------------------------------------------------------------------------


def test_ana005_only_dimensions_every_indicator_allows(page):
    dims = charts.dimensions_of(indicators.indicator_catalogue())
    assert charts.allowed_dimensions(dims, ["complaint.received"])[:4] == [
        "street_code", "channel", "kind", "category",
    ]
    assert charts.allowed_dimensions(dims, ["complaint.received", "case.opened"]) == [
        "street_code", "day", "month", "year",
    ]
    assert charts.allowed_dimensions(dims, ["complaint.received", "entity.active_total"]) == ["street_code"]
    assert charts.allowed_dimensions(dims, []) == []
    # adding an indicator without the chosen dimension moves the breakdown to an allowed one
    state, _ = page.read_choice(CHANNELS)
    new = page.next_choice(state, "ind", ["complaint.received", "case.opened"])
    assert new["dim"] == "month" and new["rank"] == "complaint.received"
    new = page.next_choice(state, "ind", ["complaint.received", "entity.active_total"])
    assert new["dim"] == "street_code"
    out = page.choice_outputs(new, VIEW)
    assert [o["value"] for o in out[7]] == ["street_code"] and out[8] == "street_code"
    # nothing chosen, or more than the limit: the choice keeps indicators
    assert page.next_choice(state, "ind", [])["ind"] == state["ind"]
    assert len(page.next_choice(state, "ind", list(dims)[:9])["ind"]) == page.MAX_INDICATORS


# --- permalink ---------------------------------------------------------------------------------


def test_ana006_the_url_round_trips(page):
    state, _ = page.read_choice({})
    assert page.choice_search(state) == ""
    steps = [("ind", ["case.fines_total", "case.opened"]), ("dim", "office_code"), ("click", QIBAO),
             ("rank", "case.closed"), ("range", ("2026-03-01", "2026-06-30"))]
    for name, value in steps:
        state = page.next_choice(state, name, value)
    search = page.choice_search(state)
    q = _query(search)
    assert q == {"ind": "case.fines_total,case.opened", "from": "2026-03-01", "to": "2026-06-30",
                 "dim": "office_code", "street": QIBAO, "rank": "case.closed"}
    again, notes = page.read_choice(q)
    assert again == state and notes == []
    assert page.span(again) == (date(2026, 3, 1), date(2026, 7, 1))
    # a second click on the street clears it; a preset clears the custom range
    assert page.next_choice(state, "click", QIBAO)["street"] is None
    assert page.next_choice(state, "period", "2026-05") | {} == {**state, "period": "2026-05", "from": None,
                                                                 "to": None}
    # the restored layout shows the same analysis
    layout = page.layout(**q)
    assert _by_id(layout, page.CONTROL["dim"]).value == "office_code"
    assert _by_id(layout, page.CONTROL["ind"]).value == ["case.fines_total", "case.opened"]


def test_ana007_bad_link_parameters_fall_back_with_a_note(page):
    q = {"ind": "complaint.received,no.such,entity.active_total", "dim": "channel", "street": "nowhere",
         "period": "2026-13", "rank": "bogus"}
    state, notes = page.read_choice(q)
    assert state["ind"] == ["complaint.received", "entity.active_total"]
    assert state["dim"] == "street_code" and state["street"] is None
    assert state["period"] == page.DEFAULT_PERIOD and state["rank"] == "complaint.received"
    text = "；".join(notes)
    for bad in ("no.such", "渠道", "nowhere", "2026-13", "bogus"):
        assert bad in text, bad
    state, notes = page.read_choice({"ind": "nothing.here", "from": "2026-05-01", "to": "2026-04-01"})
    assert state["ind"] == list(page.DEFAULT_IDS) and state["period"] == page.DEFAULT_PERIOD
    assert len(notes) == 2 and "nothing.here" in notes[0] and "自定义期间" in notes[1]
    layout = page.layout(**q)
    note = _by_id(layout, page.IDS.id("link-notes"))
    assert "nowhere" in str(note.children)


# --- export ------------------------------------------------------------------------------------


def test_ana008_export_is_the_table(page):
    state, _ = page.read_choice(CHANNELS)
    table, columns = page.pivot_view(state)
    grid = _by_id(page.layout(**CHANNELS), page.IDS.id("grid"))
    headers = [c.header for c in columns]
    assert headers == ["渠道", "受理投诉举报（件）", "按期办结率（%）"]
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv") and csv["filename"].startswith("数据分析_渠道_")
    frame = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig")
    assert list(frame.columns) == headers
    assert frame["渠道"].tolist() == [r["label"] for r in grid.rowData]
    assert frame["受理投诉举报（件）"].tolist() == [r["v0"] for r in grid.rowData]
    assert frame["按期办结率（%）"].tolist() == pytest.approx([r["v1"] for r in grid.rowData])
    xlsx = page.export_file(state, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers and len(rows) == len(grid.rowData) + 1
    assert [r[0] for r in rows[1:]] == [r["label"] for r in grid.rowData]
    assert [r[1] for r in rows[1:]] == [r["v0"] for r in grid.rowData]
    # the grid callback answers the same rows for a new choice
    new = page.next_choice(state, "dim", "category")
    rows, defs, caption = page.update_grid(new)
    assert [d["headerName"] for d in defs] == ["分类", "受理投诉举报（件）", "按期办结率（%）"]
    assert caption == f"共 {len(rows)} 条" and rows == grid_rows(*page.pivot_view(new))
