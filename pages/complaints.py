"""投诉举报 (/complaints): channels, kinds and categories, the trend against last year, on-time and
satisfaction rates, the street map, the streets where complaints rose most, the most complained
entities, hot words and the amounts recovered for consumers.

For analysts every chart filters the others (a street on the map or in the change ranking, a
channel, a kind, a category, a month of the trend), the filter state lives in the URL, and the
complaints behind the numbers are listed and exported. "Which street's complaints rose most this
month, and about which entities?" is the change ranking's first bar: one click shows that street's
complaints, its most complained entities and its hot words.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dash import html

from components import charts_complaints as charts
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from dashboard.screen import (
    Grid,
    Scope,
    Screen,
    register,
    standard_fields,
)
from data_access.api import complaints as read
from data_access.api import extra_screens as extra
from data_access.api.geo import street_polygons

IDS = ScreenIds("complaints")
TITLE = "投诉举报"

KPI_IDS = (
    "complaint.received",
    "complaint.closed",
    "complaint.ontime_rate",
    "complaint.satisfaction_rate",
    "complaint.recovered_amount",
    "complaint.avg_handling_minutes",
    "complaint.open",
)
BETTER = {
    "complaint.closed": True,
    "complaint.ontime_rate": True,
    "complaint.satisfaction_rate": True,
    "complaint.recovered_amount": True,
    "complaint.avg_handling_minutes": False,
}

#: Rows in the grid, and in an export (the grid is for looking, the export for working).
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
#: The window of the wall's most-complained ranking (the 高频被投诉 tag counts over 90 days too).
WALL_ENTITY_DAYS = 90


COLUMNS = charts.COMPLAINT_COLUMNS


_fields = standard_fields(
    FilterField("channel", "渠道", ENUM_LABELS[("complaint", "channel")]),
    FilterField("kind", "类型", ENUM_LABELS[("complaint", "kind")]),
    FilterField("category", "类别", ENUM_LABELS[("complaint", "category")]),
)


def _picks(state: dict[str, Any], *, without: str | None = None) -> dict[str, str | None]:
    """The channel/kind/category filters for a read, leaving out the chart's own dimension."""
    return {k: state.get(k) for k in ("channel", "kind", "category") if k != without}


def _entity_window(view: ViewParams, bounds: dict[str, Any]) -> tuple[date, date]:
    """The period of the most-complained ranking: the chosen period for analysts; on the wall the
    last ``WALL_ENTITY_DAYS`` days, long enough to name the repeat targets whatever the date."""
    if not view.kiosk:
        return bounds["start"], bounds["end"]
    end = bounds["as_of"] + timedelta(days=1)
    return end - timedelta(days=WALL_ENTITY_DAYS), end


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    theme, mode = view.theme, view.mode
    streets = street_polygons()
    names = extra.street_names()
    picks = _picks(state)
    kpis = extra.screen_kpis(KPI_IDS, period, here, tuple((k, v) for k, v in picks.items() if v))
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    by_street = read.complaints_by("street_code", start, end, scope.allowed, **picks)
    points = extra.complaint_points(start, end, here, **picks).frame
    out = {
        "kpis": kpi_cards(kpis, mode=mode, better=BETTER),
        "channel": charts.channel_chart(
            read.complaints_by("channel", start, end, here, **_picks(state, without="channel")),
            selected=state.get("channel"),
            theme=theme,
            mode=mode,
        ),
        "kind": charts.kind_chart(
            read.complaints_by("kind", start, end, here, **_picks(state, without="kind")),
            selected=state.get("kind"),
            theme=theme,
            mode=mode,
        ),
        "category": charts.category_chart(
            read.complaints_by("category", start, end, here, **_picks(state, without="category")),
            selected=state.get("category"),
            top=8 if mode == "wall" else None,
            theme=theme,
            mode=mode,
        ),
        "map": charts.street_map(
            streets,
            by_street,
            points=points,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "trend": charts.trend_chart(
            read.complaint_trend(trend_start, trend_end, here, "month", **picks),
            selected_month=period if extra.parse_month(period) else None,
            theme=theme,
            mode=mode,
        ),
        "change": charts.street_change_chart(
            extra.complaint_street_change(period, scope.allowed, **picks),
            selected=state.get("street"),
            top=8 if mode == "wall" else None,
            theme=theme,
            mode=mode,
        ),
        "entities": charts.top_entities_list(
            read.top_complained_entities(*_entity_window(view, bounds), here, 10, state.get("category")),
            names,
            mode=mode,
            visible_rows=5,
        ),
        "words": charts.hot_words_chart(
            read.complaint_hot_words(start, end, here, 30), theme=theme, mode=mode
        ),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    when = SCREEN.when(view, state)
    return {
        "left": [
            chart_panel(f"受理渠道{when}", figs["channel"], unit="件", id=IDS.id("channel"), mode=mode),
            chart_panel("诉求类型", figs["kind"], unit="件", id=IDS.id("kind"), mode=mode),
            chart_panel("投诉举报类别", figs["category"], unit="件", id=IDS.id("category"), mode=mode),
        ],
        "centre": chart_panel(
            f"各街镇投诉举报分布{when}",
            figs["map"],
            unit="件",
            id=IDS.id("map"),
            mode=mode,
            class_name="panel--map",
            note="色块为各街镇受理量，热力为投诉发生位置；街镇边界为近似划分。" if mode != "wall" else None,
        ),
        "bottom": chart_panel(
            f"近{TREND_MONTHS}个月受理趋势（与去年同期比较）",
            figs["trend"],
            unit="件",
            id=IDS.id("trend"),
            mode=mode,
        ),
        "right": [
            chart_panel(
                "各街镇受理量环比变化",
                figs["change"],
                unit="件",
                id=IDS.id("change"),
                mode=mode,
                note=None if view.kiosk else "本期与对比期（上一期的同样天数）相比；点击街镇可筛选全屏。",
            ),
            chart_panel(
                f"近{WALL_ENTITY_DAYS}天被投诉最多的主体" if view.kiosk else "被投诉最多的主体",
                html.Div(figs["entities"], id=IDS.id("entities"), className="panel-fill"),
                unit="件",
                mode=mode,
            ),
            chart_panel("诉求热词", figs["words"], id=IDS.id("words"), mode=mode),
        ],
    }




def _grid(state: dict[str, Any], scope: Scope, limit: int):
    bounds = extra.period_bounds(state["period"])
    rows = read.complaint_list(bounds["start"], bounds["end"], scope.streets, **_picks(state), limit=limit)
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return frame, rows.truncated


SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    refreshed=("kpis", "channel", "kind", "category", "map", "trend", "change", "entities", "words"),
    children=("entities",),
    clicks={"map": "street", "change": "street", "channel": "channel", "kind": "kind",
            "category": "category", "trend": "period"},
    grid=Grid("投诉举报明细（当前筛选）", COLUMNS, _grid, "投诉举报明细",
              note=f"投诉人姓名与电话已脱敏；导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT),
)
register(__name__, SCREEN, path="/complaints", order=40)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids
