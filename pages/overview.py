"""Temporary start page: what is in the store (rows per table) and its data time.

It stands in for the 总览 screen until the read API and the screen proper land, and shows the
screen frame, the components and the refresh pattern working end to end, on the wall and for
analysts.
"""

from __future__ import annotations

from datetime import datetime

import dash
from dash import Output, html

from components import figures
from components.formatting import data_time_text, format_datetime, format_value
from components.kpi import kpi_card
from components.labels import TABLE_LABELS
from components.layout import Refreshed, ScreenIds, ViewParams, refresh_callback, screen_frame
from components.lists import scrolling_list
from components.maps import district_map
from components.panels import chart_panel, empty_state
from data_access.api.geo import street_choropleth
from data_access.db import store, table_counts
from data_access.freshness import data_time

dash.register_page(__name__, path="/", name="总览", title="总览 · 智慧监管·云中心",
                   category="总览", order=0, wall=True)

IDS = ScreenIds("overview")
TITLE = "应急指挥中心总览"

KPI_TABLES = ("entity", "complaint", "case_file", "warning", "device", "incident")

THEME_GROUPS = {
    "登记许可": ("entity", "entity_change", "licence", "entity_honor", "ip_right"),
    "特种设备": ("equipment", "equipment_inspection"),
    "食品安全": ("food_sampling",),
    "综合监管": ("inspection_task", "inspection", "credit_list"),
    "投诉举报": ("complaint",),
    "执法办案": ("case_file", "case_stage_event"),
    "远程监控": ("device", "device_reading", "device_alarm"),
    "智能预警": ("warning_rule", "warning"),
    "应急指挥": ("incident", "resource", "dispatch"),
    "网络监管": ("online_store", "ad_hit"),
    "基础数据": ("street", "office", "staff"),
}


def _read() -> tuple[dict[str, int], datetime | None]:
    with store.engine.connect() as conn:
        return table_counts(conn), data_time(conn)


def _map(view: ViewParams):
    """Active entities per street, or None before the read layer has been built."""
    try:
        streets = street_choropleth("entity.active_total")
    except Exception:  # the read layer is optional on this page: no map until `smartsup refresh`
        return None
    values = {f["id"]: f["properties"].get("value") or 0 for f in streets["features"]}
    return district_map(streets, values, theme=view.theme, mode=view.mode, value_name="存续主体", unit="户",
                        tile_url=view.tile_url)


def _map_panel(view: ViewParams):
    fig = _map(view)
    body = fig if fig is not None else empty_state("地图暂不可用",
                                                   "读优化层尚未构建：请运行 smartsup refresh")
    return chart_panel("各街镇存续市场主体", body, unit="户", id=IDS.id("map"), mode=view.mode,
                       class_name="panel--map",
                       note="街镇边界为近似划分（维诺图），可用 smartsup boundaries import 替换为官方边界")


def _kpis(view: ViewParams, counts: dict[str, int], dt: datetime | None) -> list[html.Div]:
    return [
        kpi_card(f"store.rows.{t}", TABLE_LABELS[t], counts.get(t, 0), "条",
                 definition=f"库中 {t} 表（{TABLE_LABELS[t]}）的记录行数", data_time=dt, mode=view.mode)
        for t in KPI_TABLES
    ]


def _centre(view: ViewParams, counts: dict[str, int], dt: datetime | None) -> html.Div:
    total = format_value(sum(counts.values()), "条", mode=view.mode)
    filled = sum(1 for n in counts.values() if n)
    return html.Div([
        html.Div(total.number, className="big-number"),
        html.Div(f"{total.unit or '条'}记录 · {filled}/{len(counts)} 张表有数据", className="caption"),
        html.Div(data_time_text(dt), className="caption"),
    ], className="centre-visual")


def _list_rows(counts: dict[str, int]) -> list[dict[str, object]]:
    return [{"label": TABLE_LABELS.get(t, t), "table": t, "rows": n}
            for t, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def _figures(view: ViewParams, counts: dict[str, int]) -> tuple:
    if not any(counts.values()):
        blank = figures.empty("库中暂无数据：请先运行 smartsup generate", theme=view.theme, mode=view.mode)
        return blank, blank
    ranking = figures.ranking([TABLE_LABELS.get(t, t) for t in counts], list(counts.values()), unit="条",
                              top=8, theme=view.theme, mode=view.mode)
    groups = {g: sum(counts.get(t, 0) for t in ts) for g, ts in THEME_GROUPS.items()}
    groups = {g: n for g, n in groups.items() if n}
    donut = figures.donut(list(groups), list(groups.values()), unit="条", theme=view.theme, mode=view.mode)
    return ranking, donut


def _store_facts(counts: dict[str, int], dt: datetime | None) -> html.Table:
    backend = store.engine.dialect.name if store.url else "—"
    facts = [("数据库类型", {"sqlite": "SQLite（内嵌）", "postgresql": "PostgreSQL"}.get(backend, backend)),
             ("数据时间", format_datetime(dt)), ("数据表", f"{len(counts)} 张"),
             ("有数据的表", f"{sum(1 for n in counts.values() if n)} 张")]
    return html.Table(html.Tbody([html.Tr([html.Td(k), html.Td(v)]) for k, v in facts]), className="kv-table")


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    try:
        counts, dt = _read()
    except Exception as exc:  # show the frame in its "data delayed" state rather than an error page
        return screen_frame(IDS, view, title=TITLE, ok=False, error=type(exc).__name__,
                            centre=chart_panel("库内数据", empty_state("暂时无法读取数据库"), mode=view.mode))
    ranking, donut = _figures(view, counts)
    return screen_frame(
        IDS, view, title=TITLE, data_time=dt,
        subtitle="临时起始页：库中各表的记录数（总览大屏上线后替换）",
        kpis=_kpis(view, counts, dt),
        left=[chart_panel("记录数最多的表", ranking, unit="条", id=IDS.id("ranking"), mode=view.mode),
              chart_panel("各主题库记录构成", donut, unit="条", id=IDS.id("themes"), mode=view.mode)],
        centre=_map_panel(view),
        bottom=chart_panel("各表记录数", html.Div(
            scrolling_list(_list_rows(counts), [("label", "数据表"), ("table", "表名"), ("rows", "记录数")],
                           mode=view.mode, visible_rows=4, widths=["2fr", "2fr", "1fr"]),
            id=IDS.id("tables")), mode=view.mode),
        right=[chart_panel("库内记录总数", html.Div(_centre(view, counts, dt), id=IDS.id("total")),
                           mode=view.mode, data_time=dt),
               chart_panel("数据库", html.Div(_store_facts(counts, dt), id=IDS.id("facts")), mode=view.mode)],
    )


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    Output(IDS.id("ranking-graph"), "figure"),
    Output(IDS.id("themes-graph"), "figure"),
    Output(IDS.id("total"), "children"),
    Output(IDS.id("tables"), "children"),
    Output(IDS.id("facts"), "children"),
    state=[dash.State(IDS.view, "data")],
)
def refresh(view_query: dict) -> Refreshed:
    view = ViewParams.from_query(view_query)
    counts, dt = _read()
    ranking, donut = _figures(view, counts)
    rows = scrolling_list(_list_rows(counts), [("label", "数据表"), ("table", "表名"), ("rows", "记录数")],
                          mode=view.mode, visible_rows=4, widths=["2fr", "2fr", "1fr"])
    return Refreshed([_kpis(view, counts, dt), ranking, donut, _centre(view, counts, dt), rows,
                      _store_facts(counts, dt)], data_time=dt)
