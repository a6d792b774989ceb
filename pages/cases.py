"""稽查办案 (/cases): cases opened and closed, by source and by cause, fines and confiscations,
transfers to the police (行刑衔接), where open cases sit in the procedure, the cases near or past
the 90-day limit, the street map of cases opened and the average duration per office.

For analysts every chart filters the others (a street on the map, a source, a cause, an office, a
month of the trend or of the money chart), the filter state lives in the URL, and the open cases
behind the numbers are listed, linked to their entity's file and exported. "Which office's cases
drag on, and which of them are about to pass the limit?" is the duration chart's first bar: one
click lists that office's open cases, oldest first.

The dedicated reads of ``data_access.api.cases`` answer the unfiltered view; under an office, cause
or source filter the same numbers come from the indicator library's breakdowns
(``indicators.indicator_values``), which take those dimensions as filters.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from components import charts_cases as charts
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import Grid, Note, Scope, Screen, office_field, period_field, register, street_field
from data_access.api import cases as read
from data_access.api import extra_screens as extra
from data_access.api import indicators
from data_access.api.geo import street_polygons

IDS = ScreenIds("cases")
TITLE = "稽查办案"

KPI_IDS = (
    "case.opened",
    "case.closed",
    "case.open",
    "case.approaching_limit",
    "case.overdue_open",
    "case.decisions",
    "case.fines_total",
    "case.confiscation_total",
    "case.transferred_to_police",
    "case.avg_duration_minutes",
    "inspection.case_opened",
)
#: The wall's strip: the eleven cards do not fit 1920 px with money in 万元, so decisions and
#: cases opened after inspections are for analysts only.
WALL_KPI_IDS = tuple(i for i in KPI_IDS if i not in ("case.decisions", "inspection.case_opened"))
BETTER = {
    "case.closed": True,
    "case.approaching_limit": False,
    "case.overdue_open": False,
    "case.avg_duration_minutes": False,
}
#: The filters that are dimensions of the case marts (and the Chinese names of the ones a KPI may lack).
CASE_FILTERS = {"office": "office_code", "cause": "cause", "source": "source"}
FILTER_NAMES = {"office_code": "办案机构", "cause": "案由", "source": "案件来源"}

#: Rows in the grid, and in an export (the grid is for looking, the export for working).
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
LIST_LIMIT = 200
TREND_MONTHS = 12
OFFICE_KINDS = ("brigade", "station")

COLUMNS = (
    Column("case_no", "案件编号", width=210),
    Column("entity_name", "当事人", link="/entity/{uscc}", width=240),
    Column("uscc", "统一社会信用代码"),
    Column("office_name", "办案机构"),
    Column("cause", "案由", "enum", ("case_file", "cause")),
    Column("source", "案件来源", "enum", ("case_file", "source")),
    Column("stage", "当前环节", "enum", ("case_file", "stage")),
    Column("opened_on", "立案日期", "date"),
    Column("days_open", "已立案天数", "number"),
    Column("overdue", "是否超期", "bool"),
)


def _office_names() -> dict[str, str]:
    f = extra.offices()
    return dict(zip(f["code"], f["name"], strict=True))


def _fields() -> list[FilterField]:
    return [
        period_field(),
        street_field(),
        office_field("办案机构", OFFICE_KINDS),
        FilterField("source", "案件来源", ENUM_LABELS[("case_file", "source")]),
        FilterField("cause", "案由", ENUM_LABELS[("case_file", "cause")]),
    ]


def _filters(state: dict[str, Any], *, without: str | None = None) -> dict[str, str]:
    """The case-mart filters of a state (``office_code``, ``cause``, ``source``), leaving out the
    chart's own dimension."""
    return {dim: state[k] for k, dim in CASE_FILTERS.items() if state.get(k) and dim != without}


def _wide(
    ids: dict[str, str], start: date, end: date, scope, by: str, filters: dict[str, str]
) -> pd.DataFrame:
    """``indicator_values`` broken down by ``by`` under ``filters``, one column per indicator
    (``ids`` maps indicator ids to the column names of the matching ``cases`` read)."""
    long = indicators.indicator_values(tuple(ids), start, end, scope, (by,), filters)
    wide = long.pivot_table(index=by, columns="indicator_id", values="value", aggfunc="sum")
    wide = wide.reindex(columns=list(ids)).fillna(0.0).rename(columns=ids).reset_index()
    return wide


def _by(dim: str, start: date, end: date, scope, state: dict[str, Any]) -> pd.DataFrame:
    """Cases opened (and transferred to the police) per ``dim``: ``cases_by`` when no other
    case filter applies, else the indicator library's breakdown under those filters."""
    f = _filters(state, without=dim)
    if not f:
        return read.cases_by(dim, start, end, scope)
    out = _wide(
        {"case.opened": "opened", "case.transferred_to_police": "transferred_to_police"},
        start,
        end,
        scope,
        dim,
        f,
    )
    out = out.astype({"opened": "int64", "transferred_to_police": "int64"})
    return out.sort_values(["opened", dim], ascending=[False, True]).reset_index(drop=True)


def _trend(start: date, end: date, scope, state: dict[str, Any]) -> pd.DataFrame:
    """Per month: opened, closed, fines_yuan, confiscation_yuan (``case_trend`` when unfiltered)."""
    f = _filters(state)
    if not f:
        return read.case_trend(start, end, scope)
    ids = {
        "case.opened": "opened",
        "case.closed": "closed",
        "case.fines_total": "fines_yuan",
        "case.confiscation_total": "confiscation_yuan",
    }
    months = pd.DataFrame({"month": pd.date_range(start, end, freq="MS", inclusive="left")})
    wide = _wide(ids, start, end, scope, "month", f)
    wide["month"] = pd.to_datetime(wide["month"])
    out = months.merge(wide, on="month", how="left").fillna(0.0)
    return out.astype({"opened": "int64", "closed": "int64"})


def _funnel(bounds: dict[str, Any], scope, state: dict[str, Any]) -> pd.DataFrame:
    """Open cases per current stage (``case_funnel`` unless a cause or source is chosen)."""
    f = _filters(state)
    if set(f) <= {"office_code"}:
        return read.case_funnel(scope, f.get("office_code"))
    return _wide({"case.open": "open"}, bounds["start"], bounds["end"], scope, "stage", f)


def _duration(start: date, end: date, scope, state: dict[str, Any]) -> pd.DataFrame:
    """Per office: closed, avg_duration_minutes, within_90d_rate (``duration_by_office`` unless a
    cause or source is chosen; the office filter only highlights its bar)."""
    f = _filters(state, without="office_code")
    if not f:
        return read.duration_by_office(start, end, scope)
    ids = {
        "case.closed": "closed",
        "case.avg_duration_minutes": "avg_duration_minutes",
        "case.closed_within_90d_rate": "within_90d_rate",
    }
    out = _wide(ids, start, end, scope, "office_code", f)
    out.insert(1, "office_name", out["office_code"].map(_office_names()))
    return out


def _kpis(state: dict[str, Any], scope, ids: tuple[str, ...] = KPI_IDS) -> pd.DataFrame:
    """The KPI strip under the period, the street and the office, cause or source filters: each card
    follows the filters its indicator allows; the rest are listed in ``unfiltered``."""
    return extra.screen_kpis(ids, state["period"], scope, tuple(sorted(_filters(state).items())))


def _kpi_note(kpis: pd.DataFrame) -> str:
    """Which KPI cards could not follow a filter (the indicator has no such dimension)."""
    parts = [
        f"{row.name}不分{'、'.join(FILTER_NAMES[k] for k in row.unfiltered)}"
        for row in kpis.itertuples()
        if row.unfiltered
    ]
    return "注：" + "；".join(parts) + "，按全部统计。" if parts else ""


def _open_cases(state: dict[str, Any], streets, min_days: int, limit: int):
    """Open cases at least ``min_days`` old under the state (``cases_near_limit``; its rows are
    then narrowed to the chosen cause and source), with the office's name."""
    rows = read.cases_near_limit(streets, min_days, limit, state.get("office"))
    frame = rows.frame
    for key in ("cause", "source"):
        if state.get(key):
            frame = frame[frame[key] == state[key]]
    frame = frame.reset_index(drop=True)
    frame["office_name"] = frame["office_code"].map(_office_names())
    return rows, frame


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds = extra.period_bounds(state["period"])
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    trend = _trend(trend_start, trend_end, here, state)
    month = state["period"] if extra.parse_month(state["period"]) else None
    kpis = _kpis(state, here, WALL_KPI_IDS if wall else KPI_IDS)
    out = {
        "kpis": kpi_cards(kpis, mode=mode, better=BETTER),
        "source": charts.source_chart(
            _by("source", start, end, here, state), selected=state.get("source"), theme=theme, mode=mode
        ),
        "cause": charts.cause_chart(
            _by("cause", start, end, here, state),
            selected=state.get("cause"),
            top=6 if wall else None,
            theme=theme,
            mode=mode,
        ),
        "trend": charts.trend_chart(trend, selected_month=month, theme=theme, mode=mode),
        "map": charts.street_map(
            street_polygons(),
            _by("street_code", start, end, scope.allowed, state),
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "funnel": charts.stage_funnel(_funnel(bounds, here, state), theme=theme, mode=mode),
        "duration": charts.office_duration_chart(
            _duration(start, end, here, state),
            selected=state.get("office"),
            top=6 if wall else None,
            theme=theme,
            mode=mode,
        ),
        "money": charts.money_chart(trend, selected_month=month, theme=theme, mode=mode),
        "near": charts.near_limit_list(
            _open_cases(state, here, charts.NEAR_DAYS, LIST_LIMIT)[1],
            _office_names(),
            mode=mode,
            visible_rows=4,
        ),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when = SCREEN.when(view, state)
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("source", f"案件来源{when}", "件"),
            panel("cause", "案由分布（立案）", "件", note="括号内为移送公安机关（行刑衔接）的案件数。"),
            panel("trend", f"近{TREND_MONTHS}个月立案与结案", "件"),
        ],
        "centre": panel("map", f"各街镇立案分布{when}", "件", class_name="panel--map",
                        note="按当事人所在街镇统计；街镇边界为近似划分；点击街镇可筛选全屏。"),
        "bottom": panel("near", f"临近或超过{charts.LIMIT_DAYS}天办案时限的在办案件", "件"),
        "right": [
            panel("funnel", "在办案件所处环节（当前）", "件"),
            panel("duration", "各办案机构平均办案时长", "天",
                  note="期间内结案案件从立案到结案的平均天数 · 90天内结案率；点击机构可筛选全屏。"),
            panel("money", f"近{TREND_MONTHS}个月罚没金额", "万元"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows, frame = _open_cases(state, scope.streets, 0, limit)
    return frame, rows.truncated


def _note(state: dict[str, Any], scope: Scope) -> str:
    return _kpi_note(_kpis(state, scope.streets))


GRAPHS = ("source", "cause", "trend", "map", "funnel", "duration", "money")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, refreshed=("kpis", *GRAPHS, "near"),
    children=("near",),
    clicks={"map": "street", "source": "source", "cause": "cause", "duration": "office", "trend": "period",
            "money": "period"},
    notes=(Note("kpi-note", _note),),
    scope_by=("street",),  # the office filter is a dimension of the case marts, not a street
    grid=Grid("在办案件明细（当前筛选，立案最早的在前）", COLUMNS, _grid, "在办案件明细",
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT,
              note=f"在办案件为截至数据日期尚未结案的案件，不受统计期间影响；最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/cases", order=50)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids
