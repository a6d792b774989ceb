"""网络监管 (/online): the online stores the district's entities run, per platform; the illegal-ad
hits of 互联网智能感知 by risk level, their push-and-handle status and monthly trend; the
online-shopping complaints on the district map, by month against last year and as they arrive;
and the intellectual-property rights (知识产权) held in the district, whose protection is part of
the bureau's online supervision.

For analysts a click on a street of the map or on a month of either trend filters the other
panels; the filter state lives in the URL, and the online-shopping complaints behind the numbers
are listed, linked to their entities' files and exported.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from components import charts_complaints
from components import charts_online as charts
from components.charts_common import kpi_cards
from components.layout import ScreenIds, ViewParams
from dashboard.screen import (
    Grid,
    Scope,
    Screen,
    register,
    standard_fields,
)
from data_access.api import complaints
from data_access.api import extra_screens as extra
from data_access.api import online as read
from data_access.api.geo import street_polygons

IDS = ScreenIds("online")
TITLE = "网络监管"
CATEGORY = charts.ONLINE_CATEGORY

KPI_IDS = (
    "online.stores_active",
    "online.ad_hits",
    "online.ad_hits_high",
    "online.ad_handled_rate",
    "complaint.online_shopping",
    "ip.registered",
    "ip.trademarks",
    "ip.invention_patents",
)
BETTER = {"online.ad_handled_rate": True}

#: Rows in the grid and in an export; months of the trends; newest complaints in the list.
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
NEWEST = 20
MAP_POINTS = 1_000

#: The online-shopping complaints: every complaint column but the category (always 网络购物).
COLUMNS = tuple(c for c in charts_complaints.COMPLAINT_COLUMNS if c.field != "category")


_fields = standard_fields()


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    month = period if extra.parse_month(period) else None
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    out = {
        "kpis": kpi_cards(extra.screen_kpis(KPI_IDS, period, here), mode=mode, better=BETTER),
        "risk": charts.risk_chart(read.ad_hits_by("risk_level", start, end, here), theme=theme, mode=mode),
        "status": charts.status_chart(read.ad_hits_by("status", start, end, here), theme=theme, mode=mode),
        "ad-trend": charts.ad_trend_chart(
            read.ad_hit_trend(trend_start, trend_end, here), selected_month=month, theme=theme, mode=mode
        ),
        "map": charts.street_map(
            street_polygons(),
            complaints.complaints_by("street_code", start, end, scope.allowed, category=CATEGORY),
            points=extra.complaint_points(start, end, here, category=CATEGORY, limit=MAP_POINTS).frame,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "platforms": charts.platform_chart(read.online_stores(here), theme=theme, mode=mode),
        "complaint-trend": charts.complaint_trend_chart(
            complaints.complaint_trend(trend_start, trend_end, here, "month", category=CATEGORY),
            selected_month=month,
            theme=theme,
            mode=mode,
        ),
        "ip": charts.ip_chart(read.ip_rights(here, start, end), theme=theme, mode=mode),
        "newest": charts.newest_complaints(
            complaints.complaint_list(start, end, here, category=CATEGORY, limit=NEWEST).frame,
            extra.street_names(),
            mode=mode,
            visible_rows=3 if wall else NEWEST,
        ),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    period = _fields()[0].text(state["period"])
    when = SCREEN.when(view, state)
    wall = view.kiosk
    panel = partial(SCREEN.panel, view, figs)
    click = "点击月份可筛选全屏。"
    return {
        "left": [
            panel("risk", f"广告监测命中{when}" if wall else "广告监测命中（按风险等级）", "条",
                  note="互联网智能感知发现的违法广告线索；按街镇筛选时，未关联辖区主体的线索只计入全区。"),
            panel("status", "线索推送与处置状态", "条"),
            panel("ad-trend", f"近{TREND_MONTHS}个月广告监测命中", "条", note=click),
        ],
        "centre": panel(
            "map", f"各街镇网购投诉举报分布{when}", "件", class_name="panel--map",
            note="色块为各街镇受理的网购投诉举报，热力为投诉发生位置；街镇边界为近似划分；点击街镇可筛选全屏。",
        ),
        "bottom": panel("newest", "最新网购投诉举报"),
        "right": [
            panel("platforms", "在营网店（按平台）", "家", note="辖区主体开设、当前经营中的网店。"),
            panel("complaint-trend", f"网购投诉举报（近{TREND_MONTHS}个月）" if wall
                  else f"近{TREND_MONTHS}个月网购投诉举报（与去年同期比较）", "件", note=click),
            panel("ip", f"知识产权（+为{period}新增）" if wall else "知识产权（持有，括号内为期间新增）",
                  "件"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    bounds = extra.period_bounds(state["period"])
    rows = complaints.complaint_list(
        bounds["start"], bounds["end"], scope.streets, category=CATEGORY, limit=limit
    )
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return frame, rows.truncated


GRAPHS = ("risk", "status", "ad-trend", "map", "platforms", "complaint-trend", "ip")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, refreshed=("kpis", *GRAPHS, "newest"),
    children=("newest",), clicks={"map": "street", "ad-trend": "period", "complaint-trend": "period"},
    grid=Grid("网购投诉举报明细（当前筛选）", COLUMNS, _grid, "网购投诉举报明细", grid_limit=GRID_LIMIT,
              export_limit=EXPORT_LIMIT,
              note=f"期间内受理、类别为网络购物的投诉举报，最新在前；投诉人姓名与电话已脱敏；"
              f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/online", order=45)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, _scope, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.streets, SCREEN.filter_ids, SCREEN.control_ids
