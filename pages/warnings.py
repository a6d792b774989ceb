"""智能预警 (/warnings): the warnings the rule engine raised — by level (红/橙/黄/蓝), by theme and by
rule — how many are still open against closed, how fast they were answered and closed, where the
open ones are on the district map, the newest warnings as they arrive, and the rule catalogue
(rules as data: id, name, theme, level, condition, enabled).

For analysts a click on a level (the level chart or the open/closed chart) or on a street of the
map filters the other panels; the filter state lives in the URL, and the open warnings behind the
map are listed, linked to their entities' files and exported.

预警处置 (analyst mode): for a chosen warning — a click on a row of the grid or on one of the newest
unfinished warnings listed in the panel — its history (``warning_history``) and a button per step
``allowed_transitions`` gives the signed-in user (``data-action="transition"``, ``data-to="<status>"``),
with a note; the step is ``transition_warning`` (one transaction with its event and audit rows), and a
refusal shows its Chinese sentence. The callback checks ``dashboard.auth`` before writing; Dash's
endpoint is JSON-only behind a SameSite=Lax cookie and the gate's cross-site check (docs/security.md).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from components import charts_warnings as charts
from components import warning_actions as act
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.permalink import FilterField
from components.tables import Column
from dashboard import auth
from dashboard.screen import (
    Grid,
    Note,
    Scope,
    Screen,
    register,
    standard_fields,
    unfiltered_note,
)
from data_access import operations as ops
from data_access.api import extra_screens as extra
from data_access.api import warnings as read
from data_access.api.geo import street_polygons
from data_access.api.overview import latest_warnings
from data_access.db import store

IDS = ScreenIds("warnings")
TITLE = "智能预警"

KPI_IDS = (
    "warning.raised",
    "warning.open_total",
    "warning.open.red",
    "warning.open.orange",
    "warning.open.yellow",
    "warning.open.blue",
    "warning.closure_rate",
    "warning.avg_response_minutes",
    "warning.avg_closure_minutes",
)
BETTER = {
    "warning.closure_rate": True,
    "warning.avg_response_minutes": False,
    "warning.avg_closure_minutes": False,
}
TONES = {f"warning.open.{lv}": lv for lv in charts.LEVELS}

#: Rows in the grid and in an export; open warnings on the map; newest warnings in the list.
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
MAP_LIMIT = 2_000
NEWEST = 20
#: Rules in the rule ranking: a wall panel holds six legible bars, an analyst's ten.
WALL_RULES = 6
ANALYST_RULES = 10

COLUMNS = (
    Column("id", "预警编号", width=170),
    Column("raised_at", "发出时间", "datetime"),
    Column("level", "等级", "enum", ("warning", "level")),
    Column("status", "状态", "enum", ("warning", "status")),
    Column("title", "预警内容", width=320),
    Column("street_name", "街镇"),
    Column("entity_name", "涉及主体", link="/entity/{uscc}"),
    Column("uscc", "统一社会信用代码"),
)


_fields = standard_fields(
    FilterField("level", "预警等级", ENUM_LABELS[("warning", "level")]),
)


def _kpi_filters(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The KPI strip follows the level filter (indicators that fix a level of their own cannot)."""
    return (("level", state["level"]),) if state.get("level") else ()


def _kpis(state: dict[str, Any], streets):
    return extra.screen_kpis(KPI_IDS, state["period"], streets, _kpi_filters(state))


def _kpi_note(state: dict[str, Any], scope: Scope) -> str:
    """Which KPI cards could not follow the level filter (the per-level cards count one level each)."""
    if not state.get("level"):
        return ""
    return unfiltered_note(_kpis(state, scope.streets), "各按其本身的等级统计，不随等级筛选。")


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    here, level = scope.streets, state.get("level")
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    rules = read.warning_rules(here)
    newest = latest_warnings(NEWEST, here, level).frame
    by_level = read.warnings_by("level", start, end, here)
    by_street = read.warnings_by("street_code", start, end, scope.allowed, level)
    out = {
        "kpis": kpi_cards(_kpis(state, here), mode=mode, better=BETTER, tones=TONES),
        "levels": charts.level_chart(by_level, selected=level, theme=theme, mode=mode),
        "themes": charts.theme_chart(
            read.warnings_by("theme", start, end, here, level), theme=theme, mode=mode
        ),
        "rules": charts.rule_chart(
            read.warnings_by("rule_id", start, end, here, level),
            rules,
            top=WALL_RULES if wall else ANALYST_RULES,
            theme=theme,
            mode=mode,
        ),
        "map": charts.warning_map(
            street_polygons(),
            dict(zip(by_street["street_code"].astype(str), by_street["n"].astype(float), strict=True)),
            read.open_warning_points(here, level, MAP_LIMIT).frame,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "status": charts.status_chart(read.warning_status(here), selected=level, theme=theme, mode=mode),
        "times": charts.times_chart(by_level, theme=theme, mode=mode),
        "newest": charts.newest_list(newest, mode=mode, visible_rows=4 if wall else NEWEST),
        "catalogue": charts.rule_catalogue(rules, mode=mode, visible_rows=4 if wall else len(rules)),
    }
    if not wall:  # 预警处置: the analyst's actions on a chosen warning (below)
        out["act"] = action_panel(newest, mode=mode)
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when = SCREEN.when(view, state)
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("levels", f"发出预警（按等级）{when}", "条", note="点击等级可筛选全屏。"),
            panel("themes", "预警主题分布", "条"),
            panel("rules", f"预警最多的规则（前{WALL_RULES if view.kiosk else ANALYST_RULES}）", "条"),
        ],
        "centre": panel(
            "map", f"未办结预警分布{when}", "条", class_name="panel--map",
            note="色块为期间内各街镇发出的预警，点为当前未办结（待派单、处置中）的预警；"
            "街镇边界为近似划分；点击街镇可筛选全屏。",
        ),
        "bottom": panel("newest", "最新预警") if view.kiosk else [panel("newest", "最新预警"), figs["act"]],
        "right": [
            panel("status", "未办结与已办结（当前）", "条",
                  note="待派单、处置中为未办结；已办结、已核查为办结。"),
            panel("times", "平均响应与办结时长"),
            panel("catalogue", "预警规则库", "条"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows = read.open_warning_points(scope.streets, state.get("level"), limit)
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return frame, rows.truncated


GRAPHS = ("levels", "themes", "rules", "map", "status", "times")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, notes=(Note("kpi-note", _kpi_note),),
    refreshed=("kpis", *GRAPHS, "newest", "catalogue"), children=("newest", "catalogue"),
    clicks={"map": "street", "levels": "level", "status": "level"},
    grid=Grid("未办结预警明细（当前筛选）", COLUMNS, _grid, "未办结预警明细",
              grid_limit=GRID_LIMIT, row_id="id",
              export_limit=EXPORT_LIMIT, note="列出当前待派单、处置中的预警（按街镇与等级筛选，不限期间），"
              f"最新在前；导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/warnings", order=30)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, _scope, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.streets, SCREEN.filter_ids, SCREEN.control_ids


# ---- 预警处置 -------------------------------------------------------------------------------------
ACT_SLUG = "warnings"
ACT_IDS = act.ids(ACT_SLUG)
ACT_BODY, ACT_MESSAGE, ACT_CHOSEN, ACT_NOTE = (ACT_IDS[k] for k in ("body", "message", "chosen", "note"))
ACT_GRID = f"{ACT_SLUG}-grid"
PICK_ROLE = "warnings-act-pick"
STEP_ROLE = "warnings-act-step"


def _act_visible(row: dict[str, Any]) -> bool:
    streets = auth.current_streets()
    return streets is None or row["street_code"] in set(streets)


def act_body(warning_id: str | None) -> Any:
    """The chosen warning: its state, history and the steps the signed-in user may take."""
    row = ops.warning_brief(store.engine, warning_id) if warning_id else None
    if row is None or not _act_visible(row):
        return act.warning_detail(warning_id, None, slug=ACT_SLUG, step_role=STEP_ROLE)
    info = auth.current_user_info()
    steps = []
    if info is not None and auth.has_permission("warning_transition"):
        steps = ops.allowed_transitions(
            row["status"], info.role, street_code=row["street_code"], streets=info.streets
        )
    return act.warning_detail(
        warning_id, row, ops.warning_history(store.engine, warning_id),
        [(to, ops.WARNING_TRANSITIONS[(row["status"], to)][0]) for to in steps],
        slug=ACT_SLUG, step_role=STEP_ROLE,
    )


def action_panel(frame: pd.DataFrame, *, mode: str) -> Any:
    """The analyst's 预警处置 panel (``frame``: the newest warnings the screen shows)."""
    return act.action_panel(frame, act_body(None), mode=mode, slug=ACT_SLUG, pick_role=PICK_ROLE,
                            note_max=ops.NOTE_MAX)


def do_transition(warning_id: str, to_status: str, note: str | None) -> tuple[bool, str]:
    """One step of the workflow as the signed-in user: (ok, Chinese message)."""
    if not auth.has_permission("warning_transition"):
        return False, "您的角色无权处置预警（仅值班、局领导、市场监管所、管理员）。"
    auth.require("warning_transition")
    info = auth.current_user_info()
    if info is None:
        return False, "未登录，不能处置预警。"
    from flask import has_request_context, request

    try:
        res = ops.transition_warning(
            store.engine,
            warning_id,
            to_status,
            username=info.username,
            role=info.role,
            streets=info.streets,
            note=(note or "").strip() or None,
            ip=request.remote_addr if has_request_context() else None,
        )
    except ops.OperationError as exc:
        return False, str(exc)
    return True, (
        f"预警 {res.warning_id} 已由「{ops.STATUS_LABELS.get(res.from_status, res.from_status)}」"
        f"转为「{ops.STATUS_LABELS.get(res.to_status, res.to_status)}」。"
    )


def act_on(trigger: Any, cell: Any, note: str | None, chosen: str | None) -> tuple[Any, Any, Any]:
    """(panel body, message, chosen warning) after a click: a grid row, a listed warning, or a step."""
    if trigger == ACT_GRID:
        wid = (cell or {}).get("rowId") or (
            (cell or {}).get("value") if (cell or {}).get("colId") == "id" else None
        )
        if not wid:
            return no_update, no_update, no_update
        return act_body(str(wid)), html.Div(), str(wid)
    if isinstance(trigger, dict) and trigger.get("role") == PICK_ROLE:
        wid = str(trigger.get("warning"))
        return act_body(wid), html.Div(), wid
    if isinstance(trigger, dict) and trigger.get("role") == STEP_ROLE and chosen:
        ok, text = do_transition(chosen, str(trigger.get("to")), note)
        return act_body(chosen), act.message(ok, text), chosen
    return no_update, no_update, no_update


@callback(
    Output(ACT_BODY, "children"),
    Output(ACT_MESSAGE, "children"),
    Output(ACT_CHOSEN, "data"),
    Input(ACT_GRID, "cellClicked"),
    Input({"role": PICK_ROLE, "warning": ALL}, "n_clicks"),
    Input({"role": STEP_ROLE, "to": ALL}, "n_clicks"),
    State(ACT_NOTE, "value"),
    State(ACT_CHOSEN, "data"),
    prevent_initial_call=True,
)
def _warning_act_callback(cell: Any, picks: Any, steps: Any, note: str | None, chosen: str | None) -> tuple:
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and trigger.get("role") == PICK_ROLE and not any(picks or []):
        return no_update, no_update, no_update
    if isinstance(trigger, dict) and trigger.get("role") == STEP_ROLE and not any(steps or []):
        return no_update, no_update, no_update
    return act_on(trigger, cell, note, chosen)
