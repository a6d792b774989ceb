"""效能评价 (/efficacy): the 组织效能体检 of the 市场监管所 — each office's scorecard (double-random
inspections done, complaints closed on time, cases closed within the limit, warning response time,
satisfaction), its composite score and rank, one office's radar against the stations' average and
its monthly trend, under a strip of the same measures for the district.

For analysts the office is chosen in the filter, by clicking its bar in the ranking, its row in the
matrix or its row in the scorecard grid; the choice (and the KPI period) lives in the URL, the KPI
strip follows the chosen office's area, and the scorecard is exported. Without a choice the radar
and the trend show the best-ranked office; the wall then goes round the offices in ranking order,
one per refresh (``?office=`` pins it to one).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

import pandas as pd
from dash import html, no_update  # noqa: F401 (no_update: the tests compare with it)

from components import charts_efficacy as charts
from components.charts_common import kpi_cards
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import Grid, Note, Scope, Screen, period_field, register
from data_access.api import efficacy as read
from data_access.api import extra_screens as extra

IDS = ScreenIds("efficacy")
TITLE = "效能评价"

KPI_IDS = (
    "inspection.done_rate",
    "complaint.ontime_rate",
    "case.closed_within_90d_rate",
    "warning.avg_response_minutes",
    "complaint.satisfaction_rate",
    "case.overdue_open",
    "complaint.open_overdue",
)
BETTER = {
    "inspection.done_rate": True,
    "complaint.ontime_rate": True,
    "case.closed_within_90d_rate": True,
    "warning.avg_response_minutes": False,
    "complaint.satisfaction_rate": True,
}
#: The KPI period by default: the last twelve months, the span the scorecard model scores.
DEFAULT_PERIOD = "last12m"
TREND_MONTHS = 12

GRID = IDS.id("grid")

MODEL_NOTE = (
    "效能评分为组织效能体检模型的结果：各所截至数据日期近365天的五项指标按固定标准折算为0–100分，"
    "加权得综合得分；每次数据刷新时重算，不随统计期间变化。"
)

TREND_NOTE = "按计划月份统计检查完成率，按结案月份统计结案率；不含尚未结束的本月。"

COLUMNS = (
    Column("rank", "排名", "number", width=90),
    Column("name", "市场监管所", width=150),
    Column("office_code", "机构代码"),
    Column("composite", "综合得分", "number"),
    Column("inspections_planned", "双随机计划检查", "number"),
    Column("inspections_done", "已完成检查", "number"),
    Column("inspection_done_pct", "检查完成率（%）", "number"),
    Column("inspection_done_rate_score", "检查完成得分", "number"),
    Column("complaints_closed", "办结投诉举报", "number"),
    Column("complaints_ontime", "按期办结", "number"),
    Column("complaint_ontime_pct", "按期办结率（%）", "number"),
    Column("complaint_ontime_rate_score", "按期办结得分", "number"),
    Column("cases_judged", "纳入考核案件", "number"),
    Column("cases_within_limit", "限期内结案", "number"),
    Column("case_within_limit_pct", "限期内结案率（%）", "number"),
    Column("case_within_limit_rate_score", "限期结案得分", "number"),
    Column("warnings_handled", "已响应预警", "number"),
    Column("warning_response_minutes", "预警响应时长中位数（分钟）", "number"),
    Column("warning_response_minutes_score", "预警响应得分", "number"),
    Column("complaints_rated", "有满意度评价", "number"),
    Column("complaints_satisfied", "满意", "number"),
    Column("satisfaction_pct", "满意率（%）", "number"),
    Column("satisfaction_rate_score", "群众满意得分", "number"),
)
#: Rates of the scorecard shown (and exported) as percentages: rate column → percentage column.
PERCENT = {
    "inspection_done_rate": "inspection_done_pct",
    "complaint_ontime_rate": "complaint_ontime_pct",
    "case_within_limit_rate": "case_within_limit_pct",
    "satisfaction_rate": "satisfaction_pct",
}


def _offices() -> dict[str, str]:
    """The offices the model scores (code → name), in ranking order."""
    card = read.office_scorecard()
    return dict(zip(card["office_code"].astype(str), card["name"], strict=True))


def _fields() -> list[FilterField]:
    return [
        period_field(DEFAULT_PERIOD),
        FilterField("office", "市场监管所", _offices()),
    ]


def _trend_window(as_of: date) -> tuple[date, date]:
    """The last ``TREND_MONTHS`` whole months before D's month: in the month still running most
    planned inspections are not yet due, so its completion rate would read as a collapse."""
    return extra.month_window(as_of.replace(day=1) - timedelta(days=1), TREND_MONTHS)


def draw(
    view: ViewParams, state: dict[str, Any], scope: Scope, shown: str | None = None
) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel.

    ``shown`` is the office the wall showed until now: without a chosen office the wall goes round
    the offices in ranking order, one step per refresh, so every office's 体检 comes up in turn.
    """
    theme, mode = view.theme, view.mode
    period = state["period"]
    bounds = extra.period_bounds(period)
    card = read.office_scorecard()
    if view.kiosk and not state.get("office") and shown is not None:
        focus = charts.next_office(card, shown)
    else:
        focus = charts.focus_office(card, state.get("office"))
    names = _offices()
    name = names.get(focus or "", "—")
    if focus is None:
        radar, trend = pd.DataFrame(columns=["dimension", "score", "district_mean"]), pd.DataFrame()
    else:
        radar = read.office_radar(focus)
        trend = read.office_trend(focus, *_trend_window(bounds["as_of"]))
    out = {
        "kpis": kpi_cards(extra.screen_kpis(KPI_IDS, period, scope.streets), mode=mode, better=BETTER),
        # the ranking fades the others only for a chosen office; the matrix outlines the one shown
        "ranking": charts.composite_ranking(card, selected=state.get("office"), theme=theme, mode=mode),
        "radar": charts.office_radar_chart(radar, name, theme=theme, mode=mode),
        "matrix": charts.score_matrix(card, selected=focus, theme=theme, mode=mode),
        "trend": charts.trend_chart(trend, theme=theme, mode=mode),
        "response": charts.response_chart(trend, theme=theme, mode=mode),
        "list": charts.scorecard_list(card, mode=mode, visible_rows=4 if view.kiosk else 20),
        "radar-office": name,
        "trend-office": charts.short_name(name) if view.kiosk else name,
        "shown": focus,
    }
    return out, bounds["data_time"]


def _named(text: str, key: str, figs: dict[str, Any]) -> html.Span:
    """A panel title naming the office shown (the span is redrawn when the office changes)."""
    return html.Span([text, html.Span(figs[key], id=IDS.id(key))])


def panels(view: ViewParams, figs: dict[str, Any], _state: dict[str, Any]) -> dict[str, Any]:
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("ranking", "综合得分排名", unit="分", note="点击某所可查看其体检雷达与趋势。"),
            panel("radar", _named("组织效能体检 · ", "radar-office", figs), unit="分"),
        ],
        "centre": panel("matrix", "各所效能体检得分矩阵（近365天）", unit="分", class_name="panel--map",
                        note=MODEL_NOTE),
        "bottom": chart_panel(
            "各所效能记分卡",
            html.Div(figs["list"], id=IDS.id("list"), className="panel-fill"),
            mode=view.mode,
        ),
        "right": [
            panel("trend", _named(f"近{TREND_MONTHS}个月效能趋势 · ", "trend-office", figs), unit="%",
                  note=TREND_NOTE),
            panel("response", "预警平均响应时长（按月）", unit="小时"),
        ],
    }


def _scorecard_frame() -> pd.DataFrame:
    """The scorecard with its rates as percentages (grid and export)."""
    frame = read.office_scorecard().copy()
    for rate, pct in PERCENT.items():
        if rate in frame:
            frame[pct] = (frame[rate].astype(float) * 100).round(2)
    if "warning_response_minutes" in frame:
        frame["warning_response_minutes"] = frame["warning_response_minutes"].astype(float).round(1)
    return frame


def _focus_text(state: dict[str, Any], scope: Scope) -> str:
    """Which office the radar and trend show, and what the KPI strip covers."""
    card = read.office_scorecard()
    focus = charts.focus_office(card, state.get("office"))
    if focus is None:
        return "暂无效能评价结果。"
    name = _offices()[focus]
    facts = "；".join(f"{k}：{v}" for k, v in charts.office_summary(card, focus))
    if state.get("office"):
        streets = scope.streets
        area = extra.street_names().get(streets[0], "—") if streets else "—"
        return f"体检对象：{name}（{facts}）。顶部指标范围：{area}（{name}辖区）。"
    return f"体检对象：{name}（未选择时显示综合排名第一的所；{facts}）。顶部指标范围：全区。"


def _grid_click(value: Any) -> tuple[str, str, str] | None:
    """A click on a row of the scorecard grid chooses that office."""
    office = (value or {}).get("rowId")
    return ("toggle", "office", str(office)) if office else None


#: The refresh callback's outputs, in order.
REFRESHED = (
    "kpis",
    "ranking",
    "radar",
    "matrix",
    "trend",
    "response",
    "list",
    "radar-office",
    "trend-office",
    "shown",
)

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    refreshed=REFRESHED,
    children=("list", "radar-office", "trend-office"),
    carry=("shown",),
    controls=("period", "office"),
    clicks={"ranking": "office", "matrix": "office"},
    triggers={GRID: ("cellClicked", _grid_click)},
    notes=(Note("focus", _focus_text, class_name="period-caption", place="caption"),),
    scope_by=("office",),
    default_period=DEFAULT_PERIOD,
    subtitle="组织效能体检 · 各市场监管所记分卡、综合排名与趋势",
    grid=Grid(
        "效能评价记分卡（分子、分母与得分）",
        COLUMNS,
        lambda _state, _scope, _limit: (_scorecard_frame(), False),
        "效能评价记分卡",
        note=MODEL_NOTE,
        follows_state=False,
        caption=lambda frame: f"共 {len(frame)} 个市场监管所；点击某行可查看该所的体检雷达与趋势",
        row_id="office_code",
    ),
)
register(__name__, SCREEN, path="/efficacy", order=70)
layout, refresh, update_filters, _, _ = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids


def export_file(fmt: str) -> dict[str, Any]:
    """The scorecard of every office as a CSV or XLSX download (it does not follow the filters)."""
    return SCREEN.export_file(None, fmt)
