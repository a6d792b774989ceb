"""主体信息, 投诉举报 and 总览 without a browser: their extra reads, the table/permalink/cross-filter
components, and the pages' callbacks called as plain functions on the refreshed small district."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import parse_qs

import openpyxl
import pandas as pd
import pytest
from dash import html

from components.crossfilter import chip_id, clear_id, clicked_value, event_of, next_state
from components.labels import PERIOD_LABELS
from components.permalink import FilterField, read_state, state_search
from components.tables import Column, csv_bytes, export_frame, neutralise, xlsx_bytes
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import complaints, entities, extra_screens, indicators
from tests.test_refresh import refreshed_copy

QIBAO = "310112102000"
XINZHUANG = "310112101000"
AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    """The app on a refreshed copy of the small district, reads uncached."""
    url = refreshed_copy(tmp_path_factory, small_store_url)
    app = create_app(
        Settings(database_url=url, data_dir=tmp_path_factory.mktemp("screens"), cache_type="null")
    )
    yield app
    cache.reset()


def _props(component) -> dict:
    return component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}


def _walk(component):
    """Every component of a layout tree, depth first."""
    yield component
    children = _props(component).get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _kpi_values(layout) -> dict[str, str]:
    return {p["data-indicator"]: p["data-value"] for p in map(_props, _walk(layout)) if "data-indicator" in p}


def _by_id(layout, id_):
    return next(c for c in _walk(layout) if _props(c).get("id") == id_)


# --- the extra reads ------------------------------------------------------------------------------


def test_xrd001_periods_and_their_like_for_like_comparison(app):
    month = extra_screens.period_bounds("month")
    assert month["as_of"] == AS_OF
    assert (month["start"], month["end"]) == (date(2026, 11, 1), date(2026, 12, 1))
    # 20 days into November → the first 20 days of October
    assert (month["cmp_start"], month["cmp_end"]) == (date(2026, 10, 1), date(2026, 10, 21))
    week = extra_screens.period_bounds("week")  # D is a Friday
    assert (week["start"], week["cmp_start"], week["cmp_end"]) == (
        date(2026, 11, 16),
        date(2026, 11, 9),
        date(2026, 11, 14),
    )
    october = extra_screens.period_bounds("2026-10")
    assert (october["start"], october["end"], october["cmp_start"], october["cmp_end"]) == (
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
    )
    assert extra_screens.period_bounds("2026-11")["cmp_end"] == month["cmp_end"]
    assert extra_screens.period_bounds("last12m")["start"] == date(2025, 11, 21)
    for bad in ("2026-13", "month ", "yesterday", ""):
        assert not extra_screens.is_period(bad)
        with pytest.raises(ValueError):
            extra_screens.period_bounds(bad)
    assert extra_screens.month_window(AS_OF, 12) == (date(2025, 12, 1), date(2026, 12, 1))
    assert extra_screens.PERIOD_PRESETS == tuple(PERIOD_LABELS)  # the filter offers what the reads know


def test_xrd002_kpis_agree_with_the_indicator_library_and_follow_filters(app):
    ids = ("complaint.received", "complaint.ontime_rate", "complaint.open")
    mine = extra_screens.screen_kpis(ids, "month").set_index("indicator_id")
    lib = indicators.kpis(ids, "month").set_index("indicator_id")
    for i in ids:
        assert mine.loc[i, "value"] == pytest.approx(lib.loc[i, "value"])
    scoped = extra_screens.screen_kpis(ids, "month", (QIBAO,)).set_index("indicator_id")
    assert scoped.loc["complaint.received", "value"] == pytest.approx(
        indicators.kpis(ids, "month", (QIBAO,)).set_index("indicator_id").loc["complaint.received", "value"]
    )
    m = extra_screens.period_bounds("month")
    filtered = extra_screens.screen_kpis(ids, "month", None, (("channel", "12345"),)).set_index(
        "indicator_id"
    )
    by_channel = complaints.complaints_by("channel", m["start"], m["end"]).set_index("channel")
    assert filtered.loc["complaint.received", "value"] == by_channel.loc["12345", "n"]
    # complaint.open has no channel dimension: read without it, and said so
    assert filtered.loc["complaint.open", "unfiltered"] == ("channel",)
    assert filtered.loc["complaint.open", "value"] == mine.loc["complaint.open", "value"]
    previous = complaints.complaints_by("channel", m["cmp_start"], m["cmp_end"]).set_index("channel")
    assert filtered.loc["complaint.received", "previous"] == previous.loc["12345", "n"]
    with pytest.raises(ValueError):
        extra_screens.screen_kpis(ids, "month", None, (("colour", "red"),))


def test_xrd003_street_change_adds_up_to_the_street_breakdown(app):
    change = extra_screens.complaint_street_change("month", None, channel="12345")
    m = extra_screens.period_bounds("month")
    now = complaints.complaints_by("street_code", m["start"], m["end"], channel="12345").set_index(
        "street_code"
    )
    before = complaints.complaints_by("street_code", m["cmp_start"], m["cmp_end"], channel="12345")
    assert len(change) == 14 and change["change"].is_monotonic_decreasing
    assert (change.set_index("street_code")["n"] == now["n"].reindex(change["street_code"])).all()
    assert change["n_prev"].sum() == before["n"].sum()
    assert (change["change"] == change["n"] - change["n_prev"]).all()


def test_xrd004_entity_list_follows_its_filters_and_masks_people(app):
    rows = extra_screens.entity_list((QIBAO,), "enterprise", "F", "B", limit=50)
    f = rows.frame
    assert len(f) > 0
    assert set(f["street_code"]) == {QIBAO} and set(f["entity_type"]) == {"enterprise"}
    assert set(f["section"]) == {"F"} and set(f["risk_class"]) == {"B"} and set(f["status"]) == {"active"}
    assert f["legal_rep_phone"].str.contains(r"\*").all() and f["legal_rep_name"].str.contains(r"\*").all()
    y = extra_screens.period_bounds("year")
    new = extra_screens.entity_list(event="new", period="year", limit=5000).frame
    assert (pd.to_datetime(new["established_on"]) >= pd.Timestamp(y["start"])).all()
    reg = entities.registration_trend(y["start"], y["end"])
    assert len(new) == reg["new"].sum()
    gone = extra_screens.entity_list(event="exit", period="year", limit=5000).frame
    assert len(gone) == reg["deregistered"].sum() and set(gone["status"]) <= {"cancelled", "revoked"}


def test_xrd005_uscc_normalisation():
    from data_access.uscc import make_uscc

    code = make_uscc("1", "310112", "MA1H8ALP")
    assert extra_screens.normalise_uscc(code.lower()) == code
    assert extra_screens.normalise_uscc(code[:-1] + ("0" if code[-1] != "0" else "1")) is None
    assert extra_screens.normalise_uscc("上海") is None and extra_screens.normalise_uscc(None) is None


# --- tables, permalinks, cross-filtering ----------------------------------------------------------


def test_tbl001_exports_neutralise_formulas_and_keep_the_rows():
    for bad in ("=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("上海") == "上海" and neutralise(-2) == -2
    frame = pd.DataFrame(
        {
            "id": ["A1", "A2"],
            "channel": ["12345", "web"],
            "summary": ['=HYPERLINK("x")', "正常"],
            "amount": [12.5, None],
            "at": pd.to_datetime(["2026-11-20 16:29:08", None]),
        }
    )
    cols = [
        Column("id", "编号"),
        Column("channel", "渠道", "enum", ("complaint", "channel")),
        Column("summary", "摘要"),
        Column("amount", "金额（元）", "money"),
        Column("at", "时间", "datetime"),
    ]
    table = export_frame(frame, cols)
    assert list(table.columns) == ["编号", "渠道", "摘要", "金额（元）", "时间"]
    assert table["渠道"].tolist() == ["12345市民热线", "网络"] and table["摘要"][0].startswith("'=")
    assert table["时间"][0] == "2026-11-20 16:29" and pd.isna(table["时间"][1])
    raw = csv_bytes(table)
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert back["摘要"][0] == '\'=HYPERLINK("x")' and back["编号"].tolist() == ["A1", "A2"]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table))).active
    assert [c.value for c in ws[1]] == list(table.columns)
    assert ws["C2"].value == '\'=HYPERLINK("x")' and ws["C2"].data_type == "s"
    assert ws["D2"].value == 12.5 and ws["D3"].value is None


FIELDS = [
    FilterField("period", "期间", {"month": "本月", "year": "本年"}, "month", accept=extra_screens.is_period),
    FilterField("street", "街镇", {QIBAO: "七宝镇", XINZHUANG: "莘庄镇"}),
    FilterField("channel", "渠道", {"12345": "12345市民热线"}),
]


def test_xfl001_permalink_reads_bad_parameters_as_defaults_with_a_note():
    state, notes = read_state({"street": "999", "period": "2026-13", "channel": "12345", "x": "y"}, FIELDS)
    assert state == {"period": "month", "street": None, "channel": "12345"}
    assert len(notes) == 2 and "999" in notes[1] and "2026-13" in notes[0]
    assert state_search(state, FIELDS) == "?channel=12345"
    back, notes = read_state(parse_qs(state_search({**state, "period": "2026-10"}, FIELDS)[1:]), FIELDS)
    assert back == {**state, "period": "2026-10"} and notes == []
    assert (
        state_search({"period": "month", "street": None, "channel": None}, FIELDS, keep={"theme": "dark"})
        == "?theme=dark"
    )


def test_xfl002_clicks_toggle_chips_clear_and_reset():
    state = {"period": "month", "street": None, "channel": None}
    click = {"points": [{"location": QIBAO, "curveNumber": 0}]}
    assert clicked_value(click) == QIBAO
    assert clicked_value({"points": [{"customdata": ["12345", 3]}]}) == "12345"
    assert clicked_value({"points": [{"x": 1}]}) is None and clicked_value(None) is None
    clicks, controls = {"map": "street"}, {"street": "dd-street"}
    event = event_of("map", click, page="p", clicks=clicks, controls=controls)
    s1 = next_state(state, FIELDS, *event)
    assert s1["street"] == QIBAO
    assert next_state(s1, FIELDS, *event)["street"] is None  # the same street again deselects it
    assert next_state(s1, FIELDS, "toggle", "street", "nowhere") == s1
    s2 = next_state(s1, FIELDS, *event_of("dd-street", XINZHUANG, page="p", clicks=clicks, controls=controls))
    assert s2["street"] == XINZHUANG
    assert (
        next_state(
            s2, FIELDS, *event_of(chip_id("p", "street"), 1, page="p", clicks=clicks, controls=controls)
        )["street"]
        is None
    )
    assert event_of(chip_id("p", "street"), 0, page="p", clicks=clicks, controls=controls) is None
    assert event_of(chip_id("other", "street"), 1, page="p", clicks=clicks, controls=controls) is None
    busy = {"period": "year", "street": QIBAO, "channel": "12345"}
    assert next_state(
        busy, FIELDS, *event_of(clear_id("p"), 1, page="p", clicks=clicks, controls=controls)
    ) == {"period": "month", "street": None, "channel": None}
    assert next_state(busy, FIELDS, "set", "period", None)["period"] == "month"


# --- 投诉举报 ---------------------------------------------------------------------------------


def test_cpl001_layout_in_both_modes_with_kpis_from_the_indicator_library(app):
    import pages.complaints as page

    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-complaints"
        values = _kpi_values(layout)
        assert set(values) == set(page.KPI_IDS)
        for i, v in values.items():
            assert float(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
    wall = page.layout(kiosk="1")
    assert "screen--wall" in wall.className
    assert not [c for c in _walk(wall) if _props(c).get("id") == page.IDS.id("grid")]  # no table on the wall
    analyst = page.layout()
    grid = _by_id(analyst, page.IDS.id("grid"))
    m = extra_screens.period_bounds("month")
    assert len(grid.rowData) == len(complaints.complaint_list(m["start"], m["end"], limit=500))


def test_cpl002_bad_link_parameters_fall_back_with_a_visible_note(app):
    import pages.complaints as page

    layout = page.layout(street="nowhere", period="2026-99", channel="12345")
    state = _by_id(layout, page.IDS.id("state")).data
    assert state["street"] is None and state["period"] == "month" and state["channel"] == "12345"
    note = _by_id(layout, page.IDS.id("link-notes"))
    text = " ".join(str(c) for c in note.children)
    assert "nowhere" in text and "2026-99" in text


def test_cpl003_map_click_filters_every_panel_and_the_url(app):
    import pages.complaints as page

    view = {"kiosk": "", "theme": "light"}
    state = read_state({}, page._fields())[0]
    click = {"points": [{"location": XINZHUANG, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("map-graph"), click, state, view)
    new, chips, search = out[0], out[1], out[2]
    assert new["street"] == XINZHUANG and out[5] == XINZHUANG
    assert search == f"?street={XINZHUANG}"
    assert any("莘庄镇" in str(_props(c).get("children")) for c in _walk(chips))
    refreshed = page.refresh(new, view)
    cards = {
        _props(c)["data-indicator"]: _props(c)["data-value"]
        for card in refreshed.values[0]
        for c in _walk(card)
        if "data-indicator" in _props(c)
    }
    scoped = indicators.kpis(page.KPI_IDS, "month", (XINZHUANG,)).set_index("indicator_id")["value"]
    assert float(cards["complaint.received"]) == scoped["complaint.received"]
    rows, caption = page.update_grid(new)
    names = extra_screens.street_names()
    assert rows and {r["street_name"] for r in rows} == {names[XINZHUANG]}
    # the map outlines the chosen street; a second click on it clears the filter
    fig = refreshed.values[4]
    assert fig.data[-1].locations == (XINZHUANG,)
    again = page.update_filters(page.IDS.id("map-graph"), click, new, view)[0]
    assert again["street"] is None


def test_cpl004_which_street_rose_most_and_about_which_entities(app):
    """The three-click question, answered by the callbacks: rank streets by their rise, pick the
    first, read its complaints and most complained entities."""
    import pages.complaints as page

    view = {"kiosk": "", "theme": "light"}
    state = page.update_filters(page.CONTROLS["period"], "year", read_state({}, page._fields())[0], view)[0]
    figs, _ = page._draw(page.ViewParams.from_query(view), state)
    top = figs["change"].data[0].customdata[0]
    expected = extra_screens.complaint_street_change("year").iloc[0]["street_code"]
    assert top == expected
    new = page.update_filters(page.IDS.id("change-graph"), {"points": [{"customdata": top}]}, state, view)[0]
    assert new["street"] == top
    figs, _ = page._draw(page.ViewParams.from_query(view), new)
    names = extra_screens.street_names()
    streets = [r.children[2].children for r in figs["entities"].children.children[1].children]
    assert streets and set(streets) == {names[top]}
    rows, _ = page.update_grid(new)
    assert {r["street_name"] for r in rows} == {names[top]}


def test_cpl005_export_matches_the_read_api(app):
    import pages.complaints as page

    state = {
        **read_state({}, page._fields())[0],
        "street": QIBAO,
        "category": "online_shopping",
        "period": "year",
    }
    y = extra_screens.period_bounds("year")
    expected = complaints.complaint_list(
        y["start"], y["end"], (QIBAO,), category="online_shopping", limit=5000
    )
    csv = page.export_file(state, "csv")
    assert csv["filename"].endswith(".csv") and csv["base64"]
    import base64

    table = pd.read_csv(io.BytesIO(base64.b64decode(csv["content"])), encoding="utf-8-sig", dtype=str)
    assert table["编号"].tolist() == expected.frame["id"].tolist()
    assert set(table["类别"]) == {"网络购物"}
    assert not table["联系电话"].dropna().str.fullmatch(r"\d{11}").any()  # masked
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected.frame["id"].tolist()


def test_cpl006_chart_clicks_filter_the_other_charts(app):
    import pages.complaints as page

    view = {"kiosk": "", "theme": "light"}
    state = read_state({}, page._fields())[0]
    new = page.update_filters(
        page.IDS.id("channel-graph"), {"points": [{"customdata": "12315"}]}, state, view
    )[0]
    assert new["channel"] == "12315"
    figs, _ = page._draw(page.ViewParams.from_query(view), new)
    m = extra_screens.period_bounds("month")
    kinds = complaints.complaints_by("kind", m["start"], m["end"], channel="12315")
    assert sum(figs["kind"].data[0].values) == kinds["n"].sum()
    # the channel chart itself still shows every channel, the chosen one emphasised
    assert len(figs["channel"].data[0].customdata) == 7
    trend_click = {"points": [{"customdata": "2026-10", "curveNumber": 1}]}
    month = page.update_filters(page.IDS.id("trend-graph"), trend_click, new, view)
    assert month[0]["period"] == "2026-10" and month[3] == "2026-10"
    assert {"label": "2026年10月", "value": "2026-10"} in month[4]
    assert "period=2026-10" in month[2] and "channel=12315" in month[2]


# --- 主体信息 ---------------------------------------------------------------------------------


def test_ent001_layout_in_both_modes_with_kpis_from_the_indicator_library(app):
    import pages.entities as page

    lib = indicators.kpis(page.KPI_IDS, "month").set_index("indicator_id")["value"]
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-entities"
        values = _kpi_values(layout)
        assert set(values) == set(page.KPI_IDS)
        for i, v in values.items():
            assert float(v) == pytest.approx(lib[i], rel=1e-6, abs=1e-6), i
    analyst = page.layout()
    assert _by_id(analyst, page.IDS.id("search")) is not None
    assert isinstance(_by_id(analyst, page.IDS.id("kpi-note")), html.Div)


def test_ent002_search_goes_to_the_entity_file_or_the_search_page(app):
    import pages.entities as page

    code = extra_screens.entity_list(limit=1).frame["uscc"][0]
    assert page.search_target(f"  {code.lower()} ") == f"/entity/{code}"
    assert page.search_target("七宝 餐饮") == "/search?q=%E4%B8%83%E5%AE%9D%20%E9%A4%90%E9%A5%AE"
    assert page.search_target(code[:-1]).startswith("/search?q=")
    assert page.search_target("   ") is None


def test_ent003_clicks_on_type_industry_and_credit_filter_the_list(app):
    import pages.entities as page

    view = {"kiosk": "", "theme": "light"}
    state = read_state({}, page._fields())[0]
    s1 = page.update_filters(
        page.IDS.id("types-graph"), {"points": [{"customdata": ["enterprise"]}]}, state, view
    )[0]
    s2 = page.update_filters(page.IDS.id("industries-graph"), {"points": [{"customdata": "F"}]}, s1, view)[0]
    s3 = page.update_filters(page.IDS.id("credit-graph"), {"points": [{"customdata": "B"}]}, s2, view)
    new = s3[0]
    assert (new["entity_type"], new["industry"], new["risk_class"]) == ("enterprise", "F", "B")
    assert s3[7] == "enterprise" and s3[6] == "F"
    rows, _ = page.update_grid(new)
    assert rows and {r["entity_type"] for r in rows} == {"企业"}
    assert {r["section_name"] for r in rows} == {"批发和零售业"} and {r["risk_class"] for r in rows} == {"B"}
    figs, _ = page._draw(page.ViewParams.from_query(view), new)
    kpis = extra_screens.screen_kpis(
        page.KPI_IDS, "month", None, (("entity_type", "enterprise"), ("section", "F"))
    )
    active = kpis.set_index("indicator_id").loc["entity.active_total", "value"]
    assert active == entities.industry_mix(None, "enterprise").set_index("section").loc["F", "n"]
    credit = entities.credit_class_split(None, "F", "enterprise").set_index("risk_class")
    assert list(figs["credit"].data[0].y) == credit.loc[["A", "B", "C", "D"], "n"].tolist()
    assert "经营异常名录在列不分行业门类" in page._kpi_note(kpis)
    # the list choice is part of the state and the link
    listed = page.update_filters(page.CONTROLS["list"], "exit", new, view)
    assert listed[0]["list"] == "exit" and "list=exit" in listed[2]


def test_ent004_export_matches_the_read_api(app):
    import base64

    import pages.entities as page

    state = {**read_state({}, page._fields())[0], "street": QIBAO, "list": "new", "period": "year"}
    expected = extra_screens.entity_list((QIBAO,), event="new", period="year", limit=5000).frame
    xlsx = page.export_file(state, "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    header = [c.value for c in ws[1]]
    got = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["统一社会信用代码"] for r in got] == expected["uscc"].tolist()
    assert {r["街镇"] for r in got} == {"七宝镇"}
    assert all("*" in (r["法定代表人"] or "*") for r in got)


# --- 总览 ------------------------------------------------------------------------------------


def _cards(component) -> list[tuple[str, str]]:
    return [
        (p["data-indicator"], p["data-value"]) for p in map(_props, _walk(component)) if "data-indicator" in p
    ]


def test_ovw001_overview_in_both_modes_with_the_headline_kpis(app):
    import dash

    import pages.overview as page
    from data_access.api import overview

    expected = overview.overview_kpis()
    for query in ({"kiosk": "1"}, {}):
        layout = page.layout(**query)
        assert layout.id == "page-overview"
        cards = _cards(layout)
        assert [i for i, _ in cards] == expected["indicator_id"].tolist()
        for (_, raw), want in zip(cards, expected["value"], strict=True):
            assert float(raw) == pytest.approx(want, rel=1e-6, abs=1e-6)
    analyst = page.layout()
    links = {_props(c)["href"] for c in _walk(analyst) if "screen-link" == _props(c).get("className")}
    registered = {p["path"] for p in dash.page_registry.values() if p.get("category") and p["path"] != "/"}
    assert registered and links == registered
    assert not [c for c in _walk(page.layout(kiosk="1")) if _props(c).get("className") == "screen-link"]


def test_ovw002_a_map_click_follows_one_street(app):
    import pages.overview as page
    from data_access.api import overview

    view = {"kiosk": "", "theme": "light"}
    click = {"points": [{"location": QIBAO, "curveNumber": 0}]}
    out = page.update_filters(page.IDS.id("map-graph"), click, {"street": None}, view)
    assert out[0] == {"street": QIBAO} and out[2] == f"?street={QIBAO}" and out[3] == QIBAO
    refreshed = page.refresh(out[0], view)
    cards = [pair for card in refreshed.values[0] for pair in _cards(card)]
    expected = overview.overview_kpis((QIBAO,))
    for (_, raw), want in zip(cards, expected["value"], strict=True):
        assert float(raw) == pytest.approx(want, rel=1e-6, abs=1e-6)
    table = refreshed.values[-1].children
    streets = {row.children[3].children for row in table.children[1].children}
    assert streets == {"七宝镇"}
    assert refreshed.values[1].data[-1].locations == (QIBAO,)  # the map outlines the street
