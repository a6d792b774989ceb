"""城运大屏 (/city-ops): the work orders the bureau pushes up to the district 城运中心 (一网统管) from
its AI alarms, warnings, 12345 complaints and incidents — how many from each source, where they are
on the district map, how far they have got (the status funnel: pushed, accepted, closed), how fast
they are pushed, accepted and closed and how many close on time, and the feed as it is pushed up
(a scrolling list).

For analysts a click on a source or on a street filters the other panels; the filter state lives in
the URL, and the newest orders are listed and exported.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from components import charts_cityops as charts
from components import kpis_screens4 as kpis4
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import (
    Grid,
    Note,
    Scope,
    Screen,
    kpi_note,
    kpi_strip,
    period_span,
    register,
    standard_fields,
)
from data_access.api import screens4 as read
from data_access.api.geo import street_polygons

IDS = ScreenIds("city-ops")
TITLE = "城运大屏"

KPI_IDS = kpis4.CITYOPS
BETTER = {
    "cityops.ontime_rate": True,
    "cityops.push_rate": True,
    "cityops.avg_accept_minutes": False,
    "cityops.avg_handle_minutes": False,
    "cityops.orders_overdue": False,
}

GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
FEED = 30
MAP_POINTS = 1_000
#: Up to this many days the trend is drawn day by day; a longer period month by month.
DAILY_DAYS = 62

COLUMNS = (
    Column("id", "工单编号", width=110),
    Column("created_at", "生成时间", "datetime"),
    Column("source", "来源", "enum", ("city_work_order", "source")),
    Column("title", "事项", width=300),
    Column("street_name", "街镇"),
    Column("status", "状态", "enum", ("city_work_order", "status")),
    Column("pushed_at", "推送时间", "datetime"),
    Column("accepted_at", "受理时间", "datetime"),
    Column("closed_at", "办结时间", "datetime"),
    Column("due_at", "办理时限", "datetime"),
    Column("overdue", "超时未办结", "bool"),
)


_fields = standard_fields(FilterField("source", "工单来源", ENUM_LABELS[("city_work_order", "source")]))
_kpis = kpi_strip(KPI_IDS, "source")
_kpi_note = kpi_note(_kpis, "source", "不随工单来源筛选。")


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds, start, end = period_span(state)
    here, source, theme, mode = scope.streets, state.get("source"), view.theme, view.mode
    by_source = read.city_orders_by("source", start, end, here)
    grain = "day" if (end - start).days <= DAILY_DAYS else "month"
    by_street = read.city_orders_by("street_code", start, end, scope.allowed)
    open_orders = read.city_order_feed(here, MAP_POINTS, source, open_only=True).frame
    out = {
        "kpis": kpi_cards(_kpis(state, here), mode=mode, better=BETTER),
        "sources": charts.source_chart(by_source, selected=source, theme=theme, mode=mode),
        "funnel": charts.status_funnel(read.city_order_status(here), source=source, theme=theme, mode=mode),
        "map": charts.order_map(street_polygons(), by_street, open_orders, selected=state.get("street"),
                                theme=theme, mode=mode, tile_url=view.tile_url),
        # up to the data date (``end`` is exclusive): the month's days still to come are not a drop to zero
        "trend": charts.trend_chart(
            read.city_order_trend(start, min(end, bounds["as_of"] + timedelta(days=1)), here, grain),
            theme=theme, mode=mode),
        "times": charts.times_chart(by_source, theme=theme, mode=mode),
        "feed": charts.feed_list(read.city_order_feed(here, FEED, source).frame, mode=mode,
                                 visible_rows=5 if view.kiosk else FEED),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when, panel = SCREEN.when(view, state), partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("sources", f"城运工单（按来源）{when}", "件",
                  note="括号内为期间内办结工单的按时办结率；点击来源可筛选全屏。"),
            panel("funnel", "工单办理进度（当前）", "件",
                  note="每一级计已到达该环节的工单；退回的工单不计。"),
        ],
        "centre": panel("map", f"各街镇城运工单{when}", "件", class_name="panel--map",
                        note="色块为期间内各街镇生成的工单，热力为当前未办结工单的位置；街镇边界为近似划分；"
                        "点击街镇可筛选全屏。"),
        "bottom": panel("feed", "上报城运中心的工单（最新）"),
        "right": [
            panel("trend", f"工单趋势（线：按时办结率）{when}", "件",
                  note="柱为生成的工单，线为各日（长期间为各月）办结工单的按时办结率"
                  "（0–100%，悬停可见数值）。"),
            panel("times", "平均办结用时（按来源）", "小时",
                  note="办结：生成到办结；括号内为受理（推送到受理）用时；悬停可见推送用时。"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows = read.city_order_feed(scope.streets, limit, state.get("source"))
    return rows.frame, rows.truncated


GRAPHS = ("sources", "funnel", "map", "trend", "times")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, notes=(Note("kpi-note", _kpi_note),),
    refreshed=("kpis", *GRAPHS, "feed"), children=("feed",), clicks={"map": "street", "sources": "source"},
    grid=Grid("城运工单明细（当前筛选）", COLUMNS, _grid, "城运工单明细", grid_limit=GRID_LIMIT,
              export_limit=EXPORT_LIMIT, note="按街镇与来源筛选（不限期间），最新在前；不含投诉人等个人信息；"
              f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/city-ops", order=65)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, _scope, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.streets, SCREEN.filter_ids, SCREEN.control_ids
