"""The component library: labels, formatting, KPI cards, figures, map, lists, filters, frame."""

from __future__ import annotations

import ast
import csv
import json
from datetime import date, datetime
from functools import partial
from pathlib import Path

import plotly.graph_objects as go
import pytest
from dash import html, no_update

from components import figures, labels, warning_actions
from components.filters import FilterIds, filter_bar
from components.formatting import (
    data_time_text,
    format_count,
    format_date,
    format_datetime,
    format_delta,
    format_duration,
    format_money,
    format_rate,
    format_value,
)
from components.kpi import kpi_card, raw_value
from components.layout import Refreshed, ScreenIds, ViewParams, run_refresh, screen_frame, status_data
from components.lists import FILL, entity_link, newest_list, scrolling_list
from components.maps import MapHeat, MapPoints, bounds, district_map, fit_view
from components.panels import chart_panel
from components.theme import PALETTES, css_variables
from data_access.schema import ENUMS

ROOT = Path(__file__).resolve().parent.parent


def _find(component, predicate):
    """Every component in a Dash tree for which ``predicate`` holds."""
    out = []
    stack = [component]
    while stack:
        c = stack.pop()
        if c is None or isinstance(c, str | int | float):
            continue
        if isinstance(c, list | tuple):
            stack.extend(c)
            continue
        if predicate(c):
            out.append(c)
        stack.append(getattr(c, "children", None))
    return out


def _props(c) -> dict:
    return c.to_plotly_json()["props"]


# --- labels --------------------------------------------------------------------------------

def test_cmp001_every_enum_value_has_a_chinese_label():
    missing = [(t, c, v) for (t, c), values in ENUMS.items() for v in values
               if v not in labels.ENUM_LABELS.get((t, c), {})]
    assert missing == []
    for mapping in labels.ENUM_LABELS.values():
        for text in mapping.values():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert labels.label("complaint", "channel", "12315") == "12315平台"
    assert labels.label("warning", "level", "nope") == "nope"
    assert labels.label("warning", "level", None) == "—"


def test_cmp002_industry_sections_match_the_reference():
    with open(ROOT / "data_access" / "geodata" / "industry_sections.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["section"] for r in rows] == list(labels.INDUSTRY_SECTIONS)
    for r in rows:
        name, low, high = labels.INDUSTRY_SECTIONS[r["section"]]
        assert name == r["name"]
        first, _, last = r["divisions"].partition("-")
        assert (low, high) == (int(first), int(last or first))
    assert labels.industry_section("13") == "C"
    assert labels.industry_section("70") == "K"
    assert labels.industry_section("xx") is None
    assert labels.industry_section_name("H") == "住宿和餐饮业"


def test_cmp003_table_labels_cover_every_source_table():
    from data_access.schema import SOURCE_TABLES

    assert {t.name for t in SOURCE_TABLES} <= set(labels.TABLE_LABELS)


# --- formatting ----------------------------------------------------------------------------

def test_cmp004_counts_use_wan_on_the_wall_and_full_digits_for_analysts():
    assert format_count(9876, "户", mode="wall").text == "9,876户"
    assert format_count(331_234, "户", mode="wall").text == "33.12万户"
    assert format_count(1_234_567, "户", mode="wall").text == "123.5万户"
    assert format_count(250_000_000, "元", mode="wall").text == "2.50亿元"
    assert format_count(331_234, "户", mode="analyst").text == "331,234户"
    wan = format_count(331_234, "户", mode="wall")
    assert (wan.number, wan.unit, wan.target, wan.decimals) == ("33.12", "万户", 33.12, 2)
    assert format_count(None, "户").text == "—"
    assert format_count(float("nan"), "户").target is None


def test_cmp005_rates_money_durations_and_dates():
    assert format_rate(0.97854).text == "97.9%"
    assert format_rate(1).text == "100.0%"
    assert format_money(8500).text == "8,500元"
    assert format_money(123_456.7).text == "12.35万元"
    assert format_money(3.2e8).text == "3.20亿元"
    assert format_money(5000, "万元").text == "0.50万元"
    assert format_duration(45).text == "45分钟"
    assert format_duration(150).text == "2.5小时"
    assert format_duration(4320).text == "3.0天"
    assert format_value(0.5, "%").text == "50.0%"
    assert format_value(90, "分钟").text == "90分钟"
    assert format_date(date(2026, 11, 23)) == "2026年11月23日"
    assert format_date(date(2026, 11, 3), "short") == "2026-11-03"
    assert format_datetime(datetime(2026, 11, 23, 8, 5)) == "2026年11月23日 08:05"
    assert format_datetime("2026-11-23T18:05:00", "short") == "2026-11-23 18:05"
    assert data_time_text(datetime(2026, 11, 20, 21, 23)) == "数据截至 2026年11月20日 21:23"
    assert "暂无数据" in data_time_text(None)


def test_cmp006_deltas_are_relative_for_counts_and_points_for_rates():
    assert format_delta(0.052, "件", label="同比") == "同比 ↑5.2%"
    assert format_delta(-0.004, "%") == "↓0.4个百分点"
    assert format_delta(0, "件") == "→0.0%"
    assert format_delta(None, "件") == ""


# --- KPI card ------------------------------------------------------------------------------

def test_cmp007_kpi_card_carries_the_raw_value_and_formatted_text():
    card = kpi_card("entity.active_total", "存续主体", 331_234, "户", definition="状态为存续的主体",
                    data_time=datetime(2026, 11, 20, 18, 0), mode="wall")
    [number] = _find(card, lambda c: "data-indicator" in _props(c))
    props = _props(number)
    assert props["data-indicator"] == "entity.active_total" and props["data-value"] == "331234"
    [num] = _find(card, lambda c: _props(c).get("className") == "kpi-num")
    assert num.children == "33.12" and _props(num)["data-target"] == "33.12"
    assert "万户" in str(card.to_plotly_json())
    assert card.id == "kpi-entity-active_total"
    assert "口径：状态为存续的主体" in card.title and "2026年11月20日 18:00" in card.title


def test_cmp008_kpi_card_in_analyst_mode_has_a_provenance_popover():
    card = kpi_card("complaint.ontime_rate", "按时办结率", 0.9876, "%", definition="按时办结/办结",
                    data_time="2026-11-20T00:00:00", delta=-0.004, higher_is_better=True, mode="analyst")
    [number] = _find(card, lambda c: "data-indicator" in _props(c))
    assert _props(number)["data-value"] == "0.9876"
    popovers = _find(card, lambda c: type(c).__name__ == "Popover")
    assert len(popovers) == 1 and popovers[0].target == card.id
    text = json.dumps(card.to_plotly_json(), ensure_ascii=False, default=str)
    assert "98.8" in text and "按时办结/办结" in text and "个百分点" in text
    [delta] = _find(card, lambda c: "kpi-delta" in str(_props(c).get("className", "")))
    assert "kpi-delta--bad" in delta.className


def test_cmp009_raw_values_follow_the_indicator_contract():
    assert raw_value(12, "件") == "12"
    assert raw_value(12.0, "件") == "12"
    assert raw_value(0.25, "%") == "0.25"
    assert raw_value(1234.5, "元") == "1234.5"
    assert raw_value(None, "件") == ""


# --- figures -------------------------------------------------------------------------------

@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("mode", ["wall", "analyst"])
def test_cmp010_every_figure_factory_uses_the_theme_template(theme, mode):
    kw = {"theme": theme, "mode": mode}
    made = [
        figures.bar(["一月", "二月"], [3, 5], unit="件", **kw),
        figures.stacked_bar(["莘庄镇", "七宝镇"], {"投诉": [1, 2], "举报": [3, 4]}, **kw),
        figures.trend(["2026-01", "2026-02"], [10, 12], previous=[8, 9], unit="件", **kw),
        figures.donut(["A类", "B类"], [30, 70], **kw),
        figures.funnel(["告警", "推送", "整改"], [100, 80, 60], **kw),
        figures.radar(["资质", "监管", "投诉", "执法", "信用"], {"某企业": [80, 70, 60, 90, 75]}, **kw),
        figures.ranking(["甲", "乙", "丙"], [1, 3, 2], **kw),
        figures.empty(**kw),
    ]
    p = PALETTES[theme]
    size = 18 if mode == "wall" else 14
    for fig in made:
        assert isinstance(fig, go.Figure)
        full = fig.layout.template.layout
        assert full.font.color == p.text and full.font.size == size
        assert "Noto Sans CJK SC" in full.font.family
        assert list(full.colorway) == list(p.series)


def test_cmp011_ranking_is_sorted_and_cut_and_rates_show_percent():
    fig = figures.ranking(["甲", "乙", "丙", "丁"], [1, 4, 3, 2], top=3, unit="%")
    bar = fig.data[0]
    assert list(bar.y) == ["乙", "丙", "丁"] and list(bar.x) == [4, 3, 2]
    assert fig.layout.xaxis.tickformat == ".0%"
    assert "%{x:.1%}" in bar.hovertemplate
    trend = figures.trend(["1月"], [5], previous=[4], unit="件")
    assert [t.name for t in trend.data] == ["去年同期", "本期"]
    assert "件" in trend.data[1].hovertemplate


def test_cmp012_donut_leaves_slivers_unlabelled():
    fig = figures.donut(["大", "小"], [99, 1])
    assert list(fig.data[0].text) == ["99%", ""]


# --- map -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def streets():
    from ingest.geography import street_polygons

    return json.loads(street_polygons().to_json())


def test_cmp013_district_map_draws_the_14_streets_offline(streets):
    values = {f["properties"]["code"]: i for i, f in enumerate(streets["features"])}
    fig = district_map(streets, values, theme="dark", mode="wall", value_name="存续主体", unit="户",
                       points=[MapPoints("预警", [121.38], [31.11], ["红色预警"], color="#ff4d4f")],
                       heat=MapHeat([121.38, 121.40], [31.11, 31.12]))
    kinds = [t.type for t in fig.data]
    assert kinds == ["choroplethmap", "densitymap", "scattermap"]
    choro = fig.data[0]
    assert len(choro.locations) == 14 and set(choro.locations) == set(values)
    assert {n for n, _ in choro.customdata} >= {"莘庄镇", "七宝镇", "江川路街道"}
    assert "存续主体" in choro.hovertemplate
    style = fig.layout.map.style
    assert isinstance(style, dict) and [layer["type"] for layer in style["layers"]] == ["background"]
    assert "glyphs" not in style and "sprite" not in style
    # Only inline GeoJSON sources: nothing that MapLibre would fetch over the network.
    sources = style["sources"].values()
    assert all(src["type"] == "geojson" and isinstance(src["data"], dict) for src in sources)
    assert all("text" not in (t.mode or "") for t in fig.data if t.type == "scattermap")
    west, south, east, north = bounds(streets)
    c = fig.layout.map.center
    assert west < c.lon < east and south < c.lat < north
    assert 9 < fig.layout.map.zoom < 11
    assert fig.layout.meta["smartsupFit"] == list(bounds(streets))
    assert not fig.layout.map.layers


def test_cmp014_tile_url_adds_a_raster_layer_under_the_streets(streets):
    fig = district_map(streets, {}, tile_url="http://tiles.intra/{z}/{x}/{y}.png", theme="light",
                       mode="analyst")
    [layer] = fig.layout.map.layers
    assert layer.sourcetype == "raster" and layer.below == "traces"
    assert list(layer.source) == ["http://tiles.intra/{z}/{x}/{y}.png"]


def test_cmp015_fit_view_contains_the_box():
    centre, zoom = fit_view((121.26, 30.97, 121.54, 31.25), (900, 520))
    assert centre["lon"] == pytest.approx(121.40)
    assert 30.97 < centre["lat"] < 31.25
    wider, _ = fit_view((121.26, 30.97, 121.54, 31.25), (1800, 520))
    assert fit_view((121.26, 30.97, 121.54, 31.25), (1800, 1040))[1] == pytest.approx(zoom + 1, abs=0.01)
    assert wider == centre


# --- lists, panels, filters ----------------------------------------------------------------

def test_cmp016_scrolling_list_loops_on_the_wall_and_is_a_table_for_analysts():
    rows = [{"name": f"预警{i}", "level": "red" if i % 2 else "blue", "n": 1000 + i} for i in range(8)]
    cols = [("name", "标题"), ("n", "数量")]
    wall = scrolling_list(rows, cols, mode="wall", visible_rows=5, tone_key="level")
    track = _find(wall, lambda c: "ticker-track" in str(getattr(c, "className", "")))[0]
    assert "ticker-track--scrolling" in track.className and len(track.children) == 16
    assert "tone-red" in track.children[1].className
    assert track.children[0].children[1].children == "1,000"
    short = scrolling_list(rows[:3], cols, mode="wall", visible_rows=5)
    track = _find(short, lambda c: "ticker-track" in str(getattr(c, "className", "")))[0]
    assert track.className == "ticker-track" and len(track.children) == 3
    table = scrolling_list(rows, cols, mode="analyst")
    assert len(_find(table, lambda c: isinstance(c, html.Tr))) == 9
    assert "暂无记录" in str(scrolling_list([], cols, mode="wall").to_plotly_json())


def test_cmp016b_newest_list_shows_the_wall_columns_on_the_wall_and_every_column_to_analysts():
    rows = [{"at": f"11-0{i} 08:00", "title": f"事项{i}", "street": "七宝镇", "took": "2小时",
             "entity": entity_link("某公司", "91310112MA1GBXXXX1", "analyst")} for i in range(6)]
    headers = {"at": "时间", "title": "事项", "entity": "主体", "street": "街镇", "took": "用时"}
    wall = newest_list(rows, headers, wall={"at": "7.5em", "title": FILL, "street": "6em"}, mode="wall",
                       visible_rows=4, empty_text="暂无工单")
    head = _find(wall, lambda c: getattr(c, "className", "") == "ticker-head")[0]
    assert [c.children for c in head.children] == ["时间", "事项", "街镇"]
    assert head.style["gridTemplateColumns"] == f"7.5em {FILL} 6em"
    table = newest_list(rows, headers, wall={"at": "7.5em"}, mode="analyst", id="x-list")
    assert table.id == "x-list"
    def headers_of(c):
        return [th.children for th in _find(c, lambda x: isinstance(x, html.Th))][::-1]

    assert headers_of(table) == list(headers.values())
    links = _find(table, lambda c: type(c).__name__ == "Link")
    assert [link.href for link in links] == ["/entity/91310112MA1GBXXXX1"] * 6
    some = newest_list(rows, headers, wall={"at": "7.5em"}, analyst=("title", "at"), mode="analyst")
    assert headers_of(some) == ["事项", "时间"]
    empty = newest_list([], headers, wall={"at": "1fr"}, empty_text="暂无工单")
    assert "暂无工单" in str(empty.to_plotly_json())
    assert entity_link("某公司", "91310112MA1GBXXXX1", "wall") == "某公司"
    assert entity_link(None, None, "analyst") == "—"


def test_cmp016c_warning_action_panel_draws_state_history_and_one_button_per_step():
    import pandas as pd

    row = {"level": "red", "title": "食品抽检不合格", "status": "handling", "office_code": None,
           "deadline_at": "2026-11-21 09:30:00"}
    history = pd.DataFrame([{"at": "2026-11-20 08:05:00", "from_status": "pending",
                             "to_status": "handling", "username": "duty1", "note": None}])
    detail = partial(warning_actions.warning_detail, slug="w", step_role="step")
    body = detail("W1", row, history, [("closed", "办结")])
    text = str(body.to_plotly_json())
    assert "W1 · 红色预警 · " in text
    assert "当前状态：处置中；承办机构：—；办理期限：2026-11-21 09:30" in text
    [button] = _find(body, lambda c: isinstance(c, html.Button))
    assert button.id == {"role": "step", "to": "closed"} and button.children == "办结"
    assert _props(button)["data-action"] == "transition" and _props(button)["data-warning"] == "W1"
    [table] = _find(body, lambda c: isinstance(c, html.Table))
    assert table.id == "w-act-history" and "2026-11-20 08:05" in str(table.to_plotly_json())
    none = str(detail("W1", row, history.iloc[:0], ()).to_plotly_json())
    assert "尚无处置记录。" in none and "没有可执行的处置步骤" in none
    assert "点击一条预警" in detail(None, None).children
    assert "没有编号为 W9" in detail("W9", None).children
    newest = pd.DataFrame({"id": [f"W{i}" for i in range(12)],
                           "status": ["verified", *["pending"] * 9, "closed", "handling"]})
    picks = warning_actions.pick_buttons(newest, role="pick")
    assert [b.children for b in picks.children][:2] == ["W1（待派单）", "W2（待派单）"]
    assert len(picks.children) == 8
    panel = warning_actions.action_panel(newest, body, mode="analyst", slug="w", pick_role="pick",
                                         note_max=10)
    named = {c.id for c in _find(panel, lambda c: isinstance(getattr(c, "id", None), str))}
    assert panel.id == "w-act" and {"w-act-body", "w-act-message", "w-act-note", "w-act-chosen"} <= named
    ok, refused = warning_actions.message(True, "好"), warning_actions.message(False, "不行")
    assert "text-success" in ok.className and _props(refused)["data-ok"] == "0"


def test_cmp017_chart_panel_wraps_figures_with_title_unit_and_time():
    panel = chart_panel("投诉趋势", figures.bar(["1"], [1]), unit="件", data_time=date(2026, 11, 20),
                        id="complaints-trend", mode="wall")
    assert panel.id == "complaints-trend" and "panel--wall" in panel.className
    [graph] = _find(panel, lambda c: type(c).__name__ == "Graph")
    assert graph.id == "complaints-trend-graph" and graph.config["displayModeBar"] is False
    text = json.dumps(panel.to_plotly_json(), ensure_ascii=False, default=str)
    assert "单位：件" in text and "2026-11-20" in text
    plain = chart_panel("名单", html.Div("x"), mode="analyst")
    assert "id" not in _props(plain) and not _find(plain, lambda c: type(c).__name__ == "Graph")


def test_cmp018_filter_bar_ids_are_namespaced_and_values_checked():
    ids = FilterIds("complaints")
    assert ids.street == "complaints-filter-street" and ids.entity_type == "complaints-filter-entity-type"
    assert set(ids.all) == {"period", "street", "office", "industry", "entity_type"}
    bar = filter_bar("complaints", streets=[("310112102000", "七宝镇")], offices=[("S01", "七宝市场监管所")],
                     values={"street": "310112102000", "industry": "ZZ", "period": "bogus"})
    dropdowns = {d.id: d for d in _find(bar, lambda c: type(c).__name__ == "Dropdown")}
    assert set(dropdowns) == set(ids.all.values())
    assert dropdowns[ids.street].value == "310112102000"
    assert dropdowns[ids.industry].value is None
    assert dropdowns[ids.period].value == "month"
    assert {"label": "C 制造业", "value": "C"} in dropdowns[ids.industry].options
    assert {"label": "个体工商户", "value": "individual"} in dropdowns[ids.entity_type].options


# --- view parameters, frame, refresh ------------------------------------------------------

def test_cmp019_view_params_fall_back_to_defaults_on_bad_values():
    v = ViewParams.from_query({"kiosk": "1", "refresh": "abc", "fit": "foo", "rotate": "-3", "theme": "pink",
                               "playlist": ",,a, b", "app_config": {"tile_url": "http://t/{z}/{x}/{y}"}})
    assert (v.kiosk, v.mode, v.theme, v.fit, v.refresh, v.rotate) == (True, "wall", "dark", "contain", 30, 0)
    assert v.playlist == ("a", "b") and v.tile_url == "http://t/{z}/{x}/{y}"
    assert ViewParams.from_query({}).mode == "analyst" and ViewParams.from_query({}).theme == "light"
    assert ViewParams.from_query({"kiosk": "true", "refresh": "60", "fit": "Stretch"}).fit == "stretch"
    assert ViewParams.from_query({"refresh": "2"}).refresh == 30
    assert ViewParams.from_query({"refresh": "1e9"}).refresh == 30
    assert ViewParams.from_query({"refresh": "nan"}).refresh == 30
    assert ViewParams.from_query({"refresh": "45.7"}).refresh == 45
    assert ViewParams.from_query({"kiosk": ["1", "0"], "rotate": "20"}).rotate == 20
    assert ViewParams.from_query(None).kiosk is False
    v2 = ViewParams.from_query(v.as_query())
    assert v2 == v


def test_cmp020_screen_frame_places_panels_for_each_mode():
    ids = ScreenIds("complaints")
    kpis = [kpi_card("complaint.received", "今日受理", 12, "件", definition="d", data_time=None, mode="wall")]
    wall = screen_frame(ids, ViewParams(kiosk=True, theme="dark"), title="投诉举报", kpis=kpis,
                        left=[html.Div("L")], right=html.Div("R"), centre=html.Div("C"), bottom=html.Div("B"),
                        data_time=datetime(2026, 11, 20, 9, 0))
    assert wall.id == "page-complaints" and "screen--wall" in wall.className
    areas = [c.className for c in _find(wall, lambda c: "frame-area" in str(getattr(c, "className", "")))]
    expected = [f"frame-area frame-{a}" for a in ("kpi", "left", "centre", "bottom", "right")]
    assert sorted(areas) == sorted(expected)
    stores = {json.dumps(s.id, sort_keys=True): s for s in _find(wall, lambda c: type(c).__name__ == "Store")}
    status = stores[json.dumps(ids.status, sort_keys=True)].data
    assert status["ok"] is True and status["title"] == "投诉举报"
    assert "2026年11月20日 09:00" in status["data_time_text"]
    assert json.dumps(ids.tick, sort_keys=True) in stores
    analyst = screen_frame(ids, ViewParams(), title="投诉举报", kpis=kpis, left=[html.Div("L")],
                           centre=html.Div("C"), ok=False, error="OperationalError")
    text = json.dumps(analyst.to_plotly_json(), ensure_ascii=False, default=str)
    assert "col-xxl-6" in text and "数据延迟" in text and "frame-grid" not in text


def test_cmp021_refresh_failure_keeps_old_outputs_and_reports_the_error():
    old = status_data("投诉举报", "2026-11-20T09:00:00")

    def ok(street):
        return Refreshed([f"fig-{street}", "list"], data_time=datetime(2026, 11, 20, 10, 0))

    def broken(street):
        raise ConnectionError("database down")

    fig, lst, status = run_refresh(ok, 2, ["七宝"], old, slug="complaints")
    assert (fig, lst) == ("fig-七宝", "list") and status["ok"] is True
    assert status["data_time"] == "2026-11-20T10:00:00" and status["title"] == "投诉举报"
    fig, lst, status = run_refresh(broken, 2, ["七宝"], old, slug="complaints")
    assert fig is no_update and lst is no_update
    assert status["ok"] is False and status["error"] == "ConnectionError"
    assert status["data_time"] == "2026-11-20T09:00:00"
    with pytest.raises(ValueError):
        run_refresh(lambda s: ["only one"], 2, ["x"], old)


# --- theme and layering --------------------------------------------------------------------

def test_cmp022_css_variables_export_every_token_for_both_themes():
    css = css_variables()
    for name in ("dark", "light"):
        assert f'data-ss-theme="{name}"' in css
    for token in ("--ss-bg:", "--ss-panel-border:", "--ss-accent:", "--ss-series-0:", "--ss-kpi-value:",
                  "--ss-level-red:", "--ss-grade-d:", "--ss-font-family:"):
        assert token in css
    assert PALETTES["dark"].bg in css and PALETTES["light"].bg in css


def _module_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _project_imports(path: Path) -> set[str]:
    names = _module_imports(path)
    return {n.split(".")[0] for n in names} & {"components", "pages", "dashboard", "data_access", "ingest"}


def test_cmp023_components_import_nothing_of_the_project_but_components():
    for path in sorted((ROOT / "components").glob("*.py")):
        assert _project_imports(path) <= {"components"}, path.name


def _dashboard_imports(path: Path) -> set[str]:
    """The ``dashboard`` modules ``path`` imports (``from dashboard import auth`` → ``dashboard.auth``)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "dashboard")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "dashboard":
                out.update(f"dashboard.{a.name}" for a in node.names)
            elif node.module.split(".")[0] == "dashboard":
                out.add(node.module)
    return out


def test_cmp024_pages_import_only_components_data_access_the_controller_and_auth():
    # of dashboard/ a page may use the screen controller (dashboard.screen: it wires the screen's
    # callbacks and gives its reads the user's scope) and who is looking (dashboard.auth: the
    # signed-in user's permissions and the audit log); the rest of dashboard/ stays out
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert _project_imports(path) <= {"components", "data_access", "dashboard"}, path.name
        # a page never builds SQL (architecture §1): its reads and writes go through data_access
        assert not {n for n in _module_imports(path) if n.split(".")[0] == "sqlalchemy"}, path.name
        modules = _dashboard_imports(path)
        assert all(m == "dashboard.screen" or m.startswith("dashboard.auth") for m in modules), path.name


def test_cmp030_figure_carries_its_template_and_still_validates_what_it_is_given():
    fig = figures.figure("dark", "wall", data=[go.Bar(x=[1], y=[2])], layout={"bargap": 0.2})
    expected = figures.template("dark", "wall").to_plotly_json()
    assert fig.to_plotly_json()["layout"]["template"] == expected
    assert fig.layout.template.layout.font.size == expected["layout"]["font"]["size"]
    assert figures.figure("light", "analyst").layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"
    with pytest.raises(ValueError):
        figures.figure("dark", "wall", layout={"bargapp": 0.2})
    fig.update_layout(bargap=0.5)  # validation is back on once the template is attached
    with pytest.raises(ValueError):
        fig.update_layout(bargapp=0.5)
