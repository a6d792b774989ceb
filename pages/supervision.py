"""综合监管 (/supervision): 双随机一公开 inspections planned and done, what they found (result
categories and the problem-found rate), completion and findings per 市场监管所, double-random
inspections per street, the credit lists (经营异常名录, 严重违法失信名单, 联合惩戒名单) with the newest
joint-punishment entries, and the double-random tasks with their published draw seed and progress.

The risk-weighted draw (product.md §5) stores its results as such tasks; this screen shows them, it
does not draw. For analysts a street on the map, an office, a month of the trend and a credit list
filter the screen, the state lives in the URL, and the entities of the chosen credit list are listed,
linked to their file (一户一档) and exported.

The dedicated reads of ``data_access.api.supervision`` answer the unfiltered view; under an office
filter the trend and the result categories come from the indicator library's breakdowns
(``indicators.indicator_values``), which take the office as a filter.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from components import charts_supervision as charts
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
    office_field,
    period_field,
    register,
    street_field,
    unfiltered_note,
)
from data_access.api import entities as ent
from data_access.api import extra_screens as extra
from data_access.api import indicators
from data_access.api import supervision as read
from data_access.api.geo import street_polygons

IDS = ScreenIds("supervision")
TITLE = "综合监管"

KPI_IDS = (
    "inspection.tasks",
    "inspection.planned",
    "inspection.double_random_planned",
    "inspection.done_rate",
    "inspection.done",
    "inspection.problems",
    "inspection.problem_rate",
    "inspection.case_opened",
    "credit.abnormal_added",
    "entity.abnormal_listed",
    "entity.serious_dishonest",
    "entity.joint_punishment",
)
#: The wall's strip: nine cards fit 1920 px; the task count, all kinds of planned inspections and
#: the cases opened after inspections are for analysts.
WALL_KPI_IDS = tuple(
    i for i in KPI_IDS if i not in ("inspection.tasks", "inspection.planned", "inspection.case_opened")
)
BETTER = {
    "inspection.done_rate": True,
    "inspection.done": True,
    "credit.abnormal_added": False,
}
FILTER_NAMES = {"office_code": "检查机构"}

#: Rows in the grid and in an export; entries in the wall's joint-punishment list.
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
LIST_LIMIT = 50
TREND_MONTHS = 12
#: Double-random tasks are drawn once a quarter: the task list looks back a year from the period's end.
TASK_MONTHS = 12
OFFICE_KINDS = ("station", "brigade")
DEFAULT_LIST = "joint_punishment"

COLUMNS = (
    Column("name", "当事人", link="/entity/{uscc}", width=260),
    Column("uscc", "统一社会信用代码"),
    Column("street_name", "街镇"),
    Column("list", "信用名录", "enum", ("credit_list", "list")),
    Column("reason", "列入事由"),
    Column("listed_on", "列入日期", "date"),
)


def _fields() -> list[FilterField]:
    return [
        period_field(),
        street_field(),
        office_field("检查机构", OFFICE_KINDS),
        FilterField("list", "信用名录", ENUM_LABELS[("credit_list", "list")], DEFAULT_LIST),
    ]


def _office_filter(state: dict[str, Any]) -> dict[str, str]:
    return {"office_code": state["office"]} if state.get("office") else {}


def _values(ids: tuple[str, ...], start: date, end: date, scope, by: str, state: dict[str, Any]):
    """``indicator_values`` broken down by ``by`` under the office filter, one column per indicator."""
    long = indicators.indicator_values(ids, start, end, scope, (by,), _office_filter(state))
    wide = long.pivot_table(index=by, columns="indicator_id", values="value", aggfunc="sum")
    return wide.reindex(columns=list(ids)).reset_index()


def _trend(start: date, end: date, scope, state: dict[str, Any]) -> pd.DataFrame:
    """Per month: planned, done_of_planned, done_rate (``inspection_trend`` without an office)."""
    if not state.get("office"):
        return read.inspection_trend(start, end, scope)
    ids = ("inspection.double_random_planned", "inspection.done_rate")
    wide = _values(ids, start, end, scope, "month", state)
    wide["month"] = pd.to_datetime(wide["month"])
    months = pd.DataFrame({"month": pd.date_range(start, end, freq="MS", inclusive="left")})
    out = months.merge(wide, on="month", how="left")
    out["planned"] = out["inspection.double_random_planned"].fillna(0).astype("int64")
    out["done_rate"] = out["inspection.done_rate"]
    # the library gives the rate; the count done of those planned is the rate's numerator
    out["done_of_planned"] = (out["done_rate"].fillna(0) * out["planned"]).round().astype("int64")
    return out[["month", "planned", "done_of_planned", "done_rate"]]


def _results(start: date, end: date, scope, state: dict[str, Any]) -> pd.DataFrame:
    """Inspections completed per result category (``inspection_results`` without an office)."""
    if not state.get("office"):
        return read.inspection_results(start, end, scope)
    wide = _values(("inspection.done",), start, end, scope, "result", state)
    return wide.rename(columns={"inspection.done": "n"}).fillna(0).astype({"n": "int64"})


def _streets(start: date, end: date, allowed, state: dict[str, Any]) -> pd.DataFrame:
    """双随机 inspections planned per street over the whole district (under the office filter)."""
    wide = _values(("inspection.double_random_planned",), start, end, allowed, "street_code", state)
    return wide.rename(columns={"inspection.double_random_planned": "planned"}).fillna(0)


def _tasks(state: dict[str, Any], streets, bounds: dict[str, Any], limit: int = 200) -> pd.DataFrame:
    """Double-random tasks drawn in the year up to the period's end, newest first, of the chosen
    office."""
    end = bounds["end"]
    start = (pd.Timestamp(end) - pd.DateOffset(months=TASK_MONTHS)).date()
    frame = read.inspection_tasks(start, end, streets, "double_random", limit).frame
    if state.get("office"):
        frame = frame[frame["office_code"] == state["office"]]
    return frame.reset_index(drop=True)


def _kpis(state: dict[str, Any], scope, ids: tuple[str, ...] = KPI_IDS) -> pd.DataFrame:
    """The KPI strip under the period, the street and the office filter: the inspection cards follow
    the office; the credit cards, which have no office, list it in ``unfiltered``."""
    return extra.screen_kpis(ids, state["period"], scope, tuple(sorted(_office_filter(state).items())))


def _kpi_note(kpis: pd.DataFrame) -> str:
    """Which KPI cards could not follow the office filter."""
    return unfiltered_note(kpis, "不分检查机构，按全部统计。")


def _credit_rows(state: dict[str, Any], streets, limit: int):
    """Entities now on the chosen credit list (street scope), newest first, with the street's name."""
    rows = read.credit_list_entries(state.get("list") or DEFAULT_LIST, streets, limit)
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return rows, frame


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds = extra.period_bounds(state["period"])
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    month = state["period"] if extra.parse_month(state["period"]) else None
    kpis = _kpis(state, here, WALL_KPI_IDS if wall else KPI_IDS)
    offices = read.inspections_by_office(start, end, here)
    top = 7 if wall else None
    joint = read.credit_list_entries("joint_punishment", here, LIST_LIMIT).frame
    out = {
        "kpis": kpi_cards(kpis, mode=mode, better=BETTER),
        "trend": charts.plan_trend_chart(
            _trend(trend_start, trend_end, here, state), selected_month=month, theme=theme, mode=mode
        ),
        "results": charts.results_donut(_results(start, end, here, state), theme=theme, mode=mode),
        "credit": charts.credit_lists_chart(
            ent.credit_list_counts(here),
            selected=None if wall else state.get("list"),
            theme=theme,
            mode=mode,
        ),
        "map": charts.street_map(
            street_polygons(),
            _streets(start, end, scope.allowed, state),
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "office": charts.office_completion_chart(
            offices, selected=state.get("office"), top=top, theme=theme, mode=mode
        ),
        "problem": charts.problem_rate_chart(
            offices, selected=state.get("office"), top=top, theme=theme, mode=mode
        ),
        "joint": charts.credit_entry_list(joint, extra.street_names(), mode=mode, visible_rows=4),
        "tasks": charts.task_list(_tasks(state, here, bounds), mode=mode, visible_rows=3),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when = f" · {_fields()[0].text(state['period'])}" if view.kiosk else ""
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("trend", f"近{TREND_MONTHS}个月双随机计划与完成", "户次",
                  note="按计划日期统计，完成率为当月计划中已完成的比例；点击月份可筛选全屏。"),
            panel("results", f"检查结果分类{when}", "户次"),
            panel("credit", "信用名录在列（当前）", "户",
                  note="括号内为累计列入户数；点击名录可在下方明细中列出其主体。"),
        ],
        "centre": panel("map", f"各街镇双随机计划检查{when}", "户次", class_name="panel--map",
                        note="按检查对象所在街镇统计；街镇边界为近似划分；点击街镇可筛选全屏。"),
        "bottom": panel("tasks", f"双随机抽查任务与公开种子（近{TASK_MONTHS}个月抽取）", "户"),
        "right": [
            panel("office", f"各机构双随机完成{when}", "户次",
                  note="浅色为计划、深色为其中已完成；点击机构可筛选全屏。"),
            panel("problem", f"各机构问题发现率{when}", "%",
                  note="完成检查中结果不是“未发现问题”的比例，括号内为发现问题户次；高于全区平均的标橙。"),
            panel("joint", "联合惩戒名单（最新列入）", "户"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows, frame = _credit_rows(state, scope.streets, limit)
    return frame, rows.truncated


def _note(state: dict[str, Any], scope: Scope) -> str:
    return _kpi_note(_kpis(state, scope.streets))


def _export_name(state: dict[str, Any] | None) -> str:
    return f"{ENUM_LABELS[('credit_list', 'list')][(state or {}).get('list') or DEFAULT_LIST]}在列主体"


GRAPHS = ("trend", "results", "credit", "map", "office", "problem")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, refreshed=("kpis", *GRAPHS, "joint", "tasks"),
    children=("joint", "tasks"), notes=(Note("kpi-note", _note),),
    clicks={"map": "street", "office": "office", "problem": "office", "trend": "period", "credit": "list"},
    scope_by=("street",),  # the office filter is a dimension of the inspection marts, not a street
    grid=Grid("信用名录在列主体明细（当前筛选，最新列入在前）", COLUMNS, _grid, _export_name,
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT,
              note="名录为截至数据日期的在列状态，随街镇筛选，不受统计期间和检查机构影响；"
              f"点击“信用名录在列”图可切换名录；最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/supervision", order=15)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids
