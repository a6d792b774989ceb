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

import logging
from datetime import date, timedelta
from typing import Any

import dash
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_efficacy as charts
from components.charts_common import kpi_cards, unavailable
from components.crossfilter import CHIP_ROLE, event_of, filter_chips, next_state
from components.filters import FilterIds, filter_bar
from components.formatting import format_month
from components.labels import PERIOD_LABELS
from components.layout import Refreshed, ScreenIds, ViewParams, refresh_callback, screen_frame
from components.panels import chart_panel
from components.permalink import (
    FilterField,
    link_notes,
    period_caption,
    period_options,
    read_state,
    state_search,
)
from components.tables import Column, detail_grid, detail_panel, download, grid_rows
from data_access.api import efficacy as read
from data_access.api import extra_screens as extra

dash.register_page(
    __name__,
    path="/efficacy",
    name="效能评价",
    title="效能评价 · 智慧监管·云中心",
    category="效能评价",
    order=70,
    wall=True,
)

log = logging.getLogger(__name__)

IDS = ScreenIds("efficacy")
FILTERS = FilterIds("efficacy")
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

#: Which filter a click on which graph sets.
CLICK_TARGETS = {IDS.id("ranking-graph"): "office", IDS.id("matrix-graph"): "office"}
GRID = IDS.id("grid")
CONTROLS = {"period": FILTERS.period, "office": FILTERS.office}

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
        FilterField(
            "period",
            "期间",
            dict(PERIOD_LABELS),
            DEFAULT_PERIOD,
            accept=extra.is_period,
            describe=format_month,
        ),
        FilterField("office", "市场监管所", _offices()),
    ]


def _scope(state: dict[str, Any]) -> tuple[str, ...] | None:
    """The KPI strip's streets: the chosen office's (a 市场监管所 serves one street), else the district."""
    if not state.get("office"):
        return None
    stations = extra.offices("station").set_index("code")["street_code"]
    street = stations.get(state["office"])
    return (street,) if isinstance(street, str) and street else None


def _trend_window(as_of: date) -> tuple[date, date]:
    """The last ``TREND_MONTHS`` whole months before D's month: in the month still running most
    planned inspections are not yet due, so its completion rate would read as a collapse."""
    return extra.month_window(as_of.replace(day=1) - timedelta(days=1), TREND_MONTHS)


def _draw(view: ViewParams, state: dict[str, Any], shown: str | None = None) -> tuple[dict[str, Any], Any]:
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
        "kpis": kpi_cards(extra.screen_kpis(KPI_IDS, period, _scope(state)), mode=mode, better=BETTER),
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


def _panels(view: ViewParams, figs: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    return {
        "left": [
            chart_panel(
                "综合得分排名",
                figs["ranking"],
                unit="分",
                id=IDS.id("ranking"),
                mode=mode,
                note=None if view.kiosk else "点击某所可查看其体检雷达与趋势。",
            ),
            chart_panel(
                _named("组织效能体检 · ", "radar-office", figs),
                figs["radar"],
                unit="分",
                id=IDS.id("radar"),
                mode=mode,
            ),
        ],
        "centre": chart_panel(
            "各所效能体检得分矩阵（近365天）",
            figs["matrix"],
            unit="分",
            id=IDS.id("matrix"),
            mode=mode,
            class_name="panel--map",
            note=None if view.kiosk else MODEL_NOTE,
        ),
        "bottom": chart_panel(
            "各所效能记分卡",
            html.Div(figs["list"], id=IDS.id("list"), className="panel-fill"),
            mode=mode,
        ),
        "right": [
            chart_panel(
                _named(f"近{TREND_MONTHS}个月效能趋势 · ", "trend-office", figs),
                figs["trend"],
                unit="%",
                id=IDS.id("trend"),
                mode=mode,
                note=None if view.kiosk else TREND_NOTE,
            ),
            chart_panel(
                "预警平均响应时长（按月）", figs["response"], unit="小时", id=IDS.id("response"), mode=mode
            ),
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


def _detail() -> Any:
    frame = _scorecard_frame()
    grid = detail_grid(GRID, grid_rows(frame, COLUMNS), COLUMNS)
    grid.getRowId = "params.data.office_code"
    return detail_panel(
        "效能评价记分卡（分子、分母与得分）",
        grid,
        caption_id=IDS.id("grid-caption"),
        caption=f"共 {len(frame)} 个市场监管所；点击某行可查看该所的体检雷达与趋势",
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("detail"),
        note=MODEL_NOTE,
    )


def _focus_text(state: dict[str, Any]) -> str:
    """Which office the radar and trend show, and what the KPI strip covers."""
    card = read.office_scorecard()
    focus = charts.focus_office(card, state.get("office"))
    if focus is None:
        return "暂无效能评价结果。"
    name = _offices()[focus]
    facts = "；".join(f"{k}：{v}" for k, v in charts.office_summary(card, focus))
    if state.get("office"):
        scope = _scope(state)
        area = extra.street_names().get(scope[0], "—") if scope else "—"
        return f"体检对象：{name}（{facts}）。顶部指标范围：{area}（{name}辖区）。"
    return f"体检对象：{name}（未选择时显示综合排名第一的所；{facts}）。顶部指标范围：全区。"


def _caption(state: dict[str, Any]) -> Any:
    return period_caption(
        _fields()[0].text(state["period"]), extra.period_bounds(state["period"]), id=IDS.id("period")
    )


def _filters(state: dict[str, Any], notes: list[str]) -> html.Div:
    fields = _fields()
    bar = filter_bar(
        IDS.slug,
        offices=list(fields[1].choices.items()),
        values=state,
        show=("period", "office"),
        periods=[o["value"] for o in period_options(fields[0], PERIOD_LABELS, state["period"])],
        default_period=DEFAULT_PERIOD,
    )
    return html.Div(
        [
            bar,
            html.Div(filter_chips(IDS.slug, state, fields), id=IDS.id("chips")),
            _caption(state),
            html.Div(_focus_text(state), id=IDS.id("focus"), className="period-caption"),
            link_notes(notes, id=IDS.id("link-notes")),
        ],
        className="screen-filters",
    )


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    try:
        state, notes = read_state(view.extra, _fields())
        figs, data_time = _draw(view, state)
        detail = None if view.kiosk else _detail()
    except Exception as exc:  # the frame shows its "data delayed" state instead of an error page
        log.exception("效能评价页面读取数据失败")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            centre=unavailable("效能评价", mode=view.mode, built=extra.read_layer_built()),
        )
    stores = [
        dcc.Store(id=IDS.id("state"), data=state),
        dcc.Store(id=IDS.id("shown"), data=figs["shown"]),
        dcc.Location(id=IDS.id("url"), refresh=False),
    ]
    panels = _panels(view, figs)
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        subtitle=None if view.kiosk else "组织效能体检 · 各市场监管所记分卡、综合排名与趋势",
        data_time=data_time,
        kpis=figs["kpis"],
        filters=None if view.kiosk else _filters(state, notes),
        left=panels["left"],
        right=panels["right"],
        centre=[panels["centre"], *stores],
        bottom=panels["bottom"],
        detail=detail,
    )


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


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    Output(IDS.id("ranking-graph"), "figure"),
    Output(IDS.id("radar-graph"), "figure"),
    Output(IDS.id("matrix-graph"), "figure"),
    Output(IDS.id("trend-graph"), "figure"),
    Output(IDS.id("response-graph"), "figure"),
    Output(IDS.id("list"), "children"),
    Output(IDS.id("radar-office"), "children"),
    Output(IDS.id("trend-office"), "children"),
    Output(IDS.id("shown"), "data"),
    inputs=[Input(IDS.id("state"), "data")],
    state=[State(IDS.view, "data"), State(IDS.id("shown"), "data")],
)
def refresh(state: dict[str, Any], view_query: dict[str, Any], shown: str | None = None) -> Refreshed:
    figs, data_time = _draw(ViewParams.from_query(view_query), state, shown)
    return Refreshed([figs[k] for k in REFRESHED], data_time=data_time)


def update_filters(trigger: Any, value: Any, state: dict[str, Any], view_query: dict[str, Any]) -> tuple:
    """The screen's new filter state after one event, and everything that shows it.

    ``trigger`` is the id of what fired (a dropdown, a graph, the scorecard grid, a chip) and
    ``value`` its new value (a dropdown value, a Plotly ``clickData``, the grid's ``cellClicked``,
    a chip's ``n_clicks``). Returns the state, the chips, the URL query, the period dropdown's
    value and options, the office dropdown's value, the (cleared) link note, the period's dates and
    the caption naming the office shown.
    """
    if trigger == GRID:
        office = (value or {}).get("rowId")
        event = ("toggle", "office", str(office)) if office else None
    else:
        event = event_of(trigger, value, page=IDS.slug, clicks=CLICK_TARGETS, controls=CONTROLS)
    if event is None:
        return (no_update,) * 9
    fields = _fields()
    new = next_state(state, fields, *event)
    view = ViewParams.from_query(view_query)
    search = state_search(new, fields, keep={"theme": "dark"} if view.theme == "dark" else None)
    return (
        new,
        filter_chips(IDS.slug, new, fields),
        search or "?",
        new["period"],
        period_options(fields[0], PERIOD_LABELS, new["period"]),
        new["office"],
        None,
        _caption(new).children,
        _focus_text(new),
    )


@callback(
    Output(IDS.id("state"), "data"),
    Output(IDS.id("chips"), "children"),
    Output(IDS.id("url"), "search"),
    Output(FILTERS.period, "value"),
    Output(FILTERS.period, "options"),
    Output(FILTERS.office, "value"),
    Output(IDS.id("link-notes"), "children"),
    Output(IDS.id("period"), "children"),
    Output(IDS.id("focus"), "children"),
    *(Input(i, "value") for i in CONTROLS.values()),
    *(Input(g, "clickData") for g in CLICK_TARGETS),
    Input(GRID, "cellClicked"),
    Input({"role": CHIP_ROLE, "page": IDS.slug, "name": ALL}, "n_clicks"),
    State(IDS.id("state"), "data"),
    State(IDS.view, "data"),
    prevent_initial_call=True,
)
def on_filter(*args: Any) -> tuple:
    state, view_query = args[-2], args[-1]
    return update_filters(
        ctx.triggered_id, ctx.triggered[0]["value"] if ctx.triggered else None, state, view_query
    )


def export_file(fmt: str) -> dict[str, Any]:
    """The scorecard of every office as a CSV or XLSX download."""
    as_of = extra.period_bounds(DEFAULT_PERIOD)["as_of"]
    return download(_scorecard_frame(), COLUMNS, f"效能评价记分卡_{as_of:%Y%m%d}", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    prevent_initial_call=True,
)
def on_export(_csv: int, _xlsx: int) -> dict[str, Any]:
    return export_file("xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv")
