"""指挥调度 (/dispatch): the open incidents of the user's streets and, for the chosen one, the
available resources nearest first (distance and estimated arrival) — and, for those who may dispatch
(值班、局领导、管理员), the dispatch itself: a button per resource (``data-action="dispatch"``,
``data-resource``), then ``#dispatch-confirm``. The incident's dispatches then get 到场 / 完成 buttons.
Below: dispatch statistics (response and arrival minutes) per period and resource kind.

On the wall it is the live dispatch board (open incidents, their status, dispatched resources and
times). The board and the action panel are drawn by this page's own callback from the source tables
on every load, wall tick and write, so they never show a cached state after a dispatch.

Writes go through ``data_access.operations`` (one transaction with its audit row); the callback checks
``dashboard.auth.require("dispatch")`` first. Dash's callback endpoint is JSON-only behind a SameSite=Lax
cookie and the cross-site check of the gate (docs/security.md).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_emergency as echarts
from components.charts_common import kpi_cards
from components.crossfilter import clicked_value
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from dashboard import auth
from dashboard.screen import Scope, Screen, period_field, register
from data_access import operations as ops
from data_access.api import emergency as eread
from data_access.api import extra_screens as extra
from data_access.api.geo import street_polygons
from data_access.db import store

IDS = ScreenIds("dispatch")
TITLE = "指挥调度"
KPI_IDS = ("incident.open", "incident.open_major", "dispatch.count", "dispatch.avg_arrive_minutes")
PICK_ROLE = "dispatch-pick"
ACT_ROLE = "dispatch-act"
BOARD = IDS.id("board")
ACTIONS = IDS.id("actions")
MESSAGE = IDS.id("message")
CHOSEN = IDS.id("chosen")
CONFIRM = IDS.id("confirm")  # "dispatch-confirm"
RANKED = 10

_LEVEL = ENUM_LABELS.get(("incident", "level"), {})
_KIND = ENUM_LABELS.get(("incident", "kind"), {})
_STATUS = ENUM_LABELS.get(("incident", "status"), {})
_RKIND = ENUM_LABELS.get(("resource", "kind"), {})
_CELL = {"padding": "2px 8px", "textAlign": "left", "whiteSpace": "nowrap"}


def _known(value: str) -> bool:
    return bool(value) and len(value) <= 32 and value.replace("-", "").replace("_", "").isalnum()


def _fields() -> list[FilterField]:
    return [period_field(), FilterField("incident", "调度事件", {}, accept=_known)]


def _t(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return pd.Timestamp(value).strftime("%m-%d %H:%M")


def _table(head: list[str], rows: list[list[Any]], **kw: Any) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h, style=_CELL) for h in head])),
            html.Tbody([html.Tr([html.Td(c, style=_CELL) for c in r]) for r in rows]),
        ],
        className="dispatch-table",
        style={"width": "100%", "borderCollapse": "collapse"},
        **kw,
    )


def _names() -> dict[str, str]:
    try:
        return dict(extra.street_names())
    except Exception:  # noqa: BLE001 — names are decoration; the codes still say where
        return {}


# ---- the reads (fresh from the source tables) --------------------------------------------------
def board_frame(streets: Any) -> pd.DataFrame:
    """Open incidents within ``streets`` with their dispatches (one row per dispatch)."""
    return ops.incident_board(store.engine, streets=streets)


def focus_of(board: pd.DataFrame, chosen: str | None) -> str | None:
    """The chosen incident when it is open in the user's streets, else the newest open one."""
    ids = list(dict.fromkeys(board["incident_id"])) if not board.empty else []
    if chosen in ids:
        return chosen
    return ids[0] if ids else None


def board_view(board: pd.DataFrame, focus: str | None, *, wall: bool) -> Any:
    """The live dispatch board: each open incident, its status, dispatched resources and times."""
    if board.empty:
        return html.Div("当前没有未处置的突发事件。", className="detail-caption")
    names = _names()
    rows = []
    for iid, grp in board.groupby("incident_id", sort=False):
        first = grp.iloc[0]
        sent = grp.dropna(subset=["dispatch_id"])
        res = (
            "；".join(
                f"{r.resource_name}（派{_t(r.dispatched_at)}"
                + (
                    f"，到{_t(r.arrived_at)}"
                    if r.arrived_at is not None and not pd.isna(r.arrived_at)
                    else ""
                )
                + (
                    f"，毕{_t(r.finished_at)}"
                    if r.finished_at is not None and not pd.isna(r.finished_at)
                    else ""
                )
                + "）"
                for r in sent.itertuples()
            )
            or "未调派"
        )
        pick = (
            html.Span(iid)
            if wall
            else html.Button(
                iid,
                id={"role": PICK_ROLE, "incident": str(iid)},
                n_clicks=0,
                type="button",
                className="btn btn-sm " + ("btn-primary" if iid == focus else "btn-outline-primary"),
            )
        )
        rows.append(
            [
                pick,
                _LEVEL.get(first.level, first.level),
                _KIND.get(first.kind, first.kind),
                names.get(first.street_code, first.street_code),
                _t(first.reported_at),
                html.B(_STATUS.get(first.status, first.status)),
                res,
            ]
        )
    return _table(
        ["事件", "等级", "类型", "街镇", "接报", "状态", "已调派资源（派遣/到场/完成）"],
        rows,
        id=IDS.id("board-table"),
    )


def actions_view(focus: str | None, board: pd.DataFrame, chosen: str | None = None) -> Any:
    """For the chosen incident: its dispatches (到场 / 完成 buttons), the available resources nearest
    first (a 调派 button each for users who may dispatch) and the confirm step for the chosen one."""
    if focus is None:
        return html.Div("请选择左侧列表中的事件。", className="detail-caption")
    may = auth.has_permission("dispatch")
    parts: list[Any] = [html.H4(f"事件 {focus}", style={"margin": "4px 0"})]
    sent = board[(board["incident_id"] == focus)].dropna(subset=["dispatch_id"]) if not board.empty else board
    if len(sent):
        rows = []
        for r in sent.itertuples():
            btns: list[Any] = []
            if may and (r.finished_at is None or pd.isna(r.finished_at)):
                if r.arrived_at is None or pd.isna(r.arrived_at):
                    btns.append(
                        html.Button(
                            "到场",
                            id={"role": ACT_ROLE, "step": "arrive", "id": r.dispatch_id},
                            n_clicks=0,
                            type="button",
                            className="btn btn-sm btn-outline-success",
                            **{"data-action": "arrive", "data-dispatch": r.dispatch_id},
                        )
                    )
                btns.append(
                    html.Button(
                        "完成",
                        id={"role": ACT_ROLE, "step": "finish", "id": r.dispatch_id},
                        n_clicks=0,
                        type="button",
                        className="btn btn-sm btn-outline-secondary",
                        **{"data-action": "finish", "data-dispatch": r.dispatch_id},
                    )
                )
            rows.append(
                [
                    r.resource_name,
                    r.dispatched_by or "—",
                    _t(r.dispatched_at),
                    _t(r.arrived_at),
                    _t(r.finished_at),
                    html.Span(btns),
                ]
            )
        parts += [
            html.Div("已调派", className="detail-caption"),
            _table(["资源", "调派人", "派遣", "到场", "完成", ""], rows),
        ]
    try:
        ranked = ops.rank_resources(store.engine, focus, limit=RANKED)
    except ops.OperationError as exc:
        ranked = pd.DataFrame()
        parts.append(html.Div(str(exc), className="detail-caption"))
    rows = []
    for r in ranked.itertuples():
        dist = "—" if pd.isna(r.distance_km) else f"{r.distance_km:.1f} km"
        eta = "—" if pd.isna(r.eta_minutes) else f"{r.eta_minutes:.0f} 分钟"
        btn = (
            html.Button(
                "调派",
                id={"role": ACT_ROLE, "step": "pick", "id": r.id},
                n_clicks=0,
                type="button",
                className="btn btn-sm " + ("btn-warning" if r.id == chosen else "btn-outline-warning"),
                **{"data-action": "dispatch", "data-resource": r.id},
            )
            if may
            else ""
        )
        rows.append([r.name, _RKIND.get(r.kind, r.kind), dist, eta, btn])
    parts += [
        html.Div(
            "可调度资源（按预计到达时间，最近在前；路网绕行系数 1.3、时速 30 km、出发准备 3 分钟）",
            className="detail-caption",
        ),
        _table(["资源", "类型", "距离", "预计到达", ""], rows)
        if rows
        else html.Div("当前没有可调度的资源。", className="detail-caption"),
    ]
    if not may:
        parts.append(
            html.Div("您的角色只能查看；调度由值班、局领导或管理员操作。", className="detail-caption")
        )
    return html.Div(parts)


def confirm_text(focus: str | None, chosen: str | None) -> tuple[str, dict[str, str]]:
    """The confirm bar's question and style (hidden until a resource is chosen)."""
    if not chosen or focus is None:
        return "", {"display": "none"}
    return f"确认将「{_resource_name(chosen)}」调派至事件 {focus}？", {"display": "block", "margin": "6px 0"}


def _resource_name(resource_id: str) -> str:
    """A resource's name (its id when it has none), for the confirm question and messages."""
    return ops.resource_name(store.engine, resource_id)


def stats_view(state: dict[str, Any], scope: Scope) -> Any:
    """Dispatches per period and resource kind: count, arrived, mean response and arrival minutes."""
    bounds = extra.period_bounds(state["period"])
    frame = ops.dispatch_statistics(
        store.engine,
        bounds["start"],
        bounds["end"],
        streets=scope.streets,
        freq="W" if str(state["period"]).startswith("week") else "M",
    )
    if frame.empty:
        return html.Div("期间内没有调度记录。", className="detail-caption")
    rows = [
        [
            pd.Timestamp(r.period).strftime("%Y-%m-%d"),
            _RKIND.get(r.resource_kind, r.resource_kind),
            int(r.n),
            int(r.n_arrived),
            "—" if pd.isna(r.avg_response_minutes) else f"{r.avg_response_minutes:.0f}",
            "—" if pd.isna(r.avg_arrival_minutes) else f"{r.avg_arrival_minutes:.0f}",
        ]
        for r in frame.itertuples()
    ]
    return _table(
        ["期间起", "资源类型", "调度次数", "已到场", "平均响应（分钟）", "平均到场（分钟）"],
        rows,
        id=IDS.id("stats-table"),
    )


# ---- the writes (plain functions; the callback calls them) ---------------------------------------
def _who() -> tuple[str, str]:
    auth.require("dispatch")
    info = auth.current_user_info()
    if info is None:  # outside a request: never reached from a callback (the gate signs every one)
        auth.require("dispatch")
        raise ops.NotPermitted("未登录，不能调度")
    return info.username, info.role


def _ip() -> str | None:
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


def do_dispatch(incident_id: str, resource_id: str) -> tuple[bool, str]:
    """Dispatch ``resource_id`` to ``incident_id`` as the signed-in user: (ok, Chinese message)."""
    if not auth.has_permission("dispatch"):
        return False, "您的角色无权调度（仅值班、局领导、管理员可调派资源）。"
    username, role = _who()
    try:
        res = ops.dispatch(store.engine, incident_id, resource_id, username=username, role=role, ip=_ip())
    except ops.OperationError as exc:
        return False, str(exc)
    return True, (
        f"已调派：{_resource_name(res.resource_id)} → 事件 {res.incident_id}（{_t(res.at)}），"
        f"事件状态：{_STATUS.get(res.incident_status, res.incident_status)}。"
    )


def do_step(step: str, dispatch_id: str) -> tuple[bool, str]:
    """Record arrival (``arrive``) or finish (``finish``) of a dispatch as the signed-in user."""
    if not auth.has_permission("dispatch"):
        return False, "您的角色无权调度（仅值班、局领导、管理员可记录到场与完成）。"
    username, role = _who()
    fn = {"arrive": ops.arrive, "finish": ops.finish}.get(step)
    if fn is None:
        return False, "未知的操作。"
    try:
        res = fn(store.engine, dispatch_id, username=username, role=role, ip=_ip())
    except ops.OperationError as exc:
        return False, str(exc)
    word = "到场" if step == "arrive" else "完成"
    return True, (
        f"已记录{word}：{_resource_name(res.resource_id)}（{_t(res.at)}），"
        f"事件状态：{_STATUS.get(res.incident_status, res.incident_status)}。"
    )


def _message(ok: bool, text: str) -> html.Div:
    return html.Div(
        text,
        className="dispatch-message " + ("text-success" if ok else "text-danger"),
        role="status",
        **{"data-ok": "1" if ok else "0"},
    )


# ---- the screen --------------------------------------------------------------------------------
def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    bounds = extra.period_bounds(state["period"])
    wall = view.mode == "wall"
    board = board_frame(scope.streets)
    focus = focus_of(board, state.get("incident"))
    open_points = eread.incidents(scope.streets, True, None, None, 500).frame
    hit = open_points[open_points["id"] == focus] if focus else open_points.iloc[0:0]
    out = {
        "map": echarts.incident_map(
            street_polygons(),
            {},
            open_points,
            eread.resources(),
            focus=hit.iloc[0].to_dict() if len(hit) else None,
            street_names=_names(),
            theme=view.theme,
            mode=view.mode,
            tile_url=view.tile_url,
        ),
        "kpis": kpi_cards(
            extra.screen_kpis(KPI_IDS, state["period"], scope.streets),
            mode=view.mode,
            better={"dispatch.avg_arrive_minutes": False},
        ),
        "stats": stats_view(state, scope),
        "board": board_view(board, focus, wall=wall),
        "actions": None if wall else actions_view(focus, board),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    board = chart_panel(
        "实时调度看板（未处置事件）",
        html.Div(figs["board"], id=BOARD, className="dispatch-fill", style={"overflow": "auto"}),
        mode=mode,
        note=None if view.kiosk else "点击事件编号选择事件；看板随大屏刷新实时更新。",
    )
    stats = chart_panel(
        "调度统计（按期间与资源类型）",
        html.Div(figs["stats"], id=IDS.id("stats"), className="dispatch-fill", style={"overflow": "auto"}),
        mode=mode,
    )
    themap = SCREEN.panel(
        view,
        figs,
        "map",
        "未处置事件与应急资源",
        class_name="panel--map",
        note="大点为未处置事件（按等级着色），小点为应急资源（按状态着色）；点击事件可选择该事件。",
    )
    stores = [dcc.Store(id=CHOSEN, data=None)]
    if view.kiosk:  # the wall acts on nothing: the action panel's ids stay, empty and hidden
        hidden = html.Div(
            [
                html.Div(id=MESSAGE),
                html.Span(id=IDS.id("confirm-text")),
                html.Div(id=IDS.id("confirm-bar")),
                html.Button(id=CONFIRM, n_clicks=0, type="button", disabled=True),
                html.Div(id=ACTIONS),
            ],
            style={"display": "none"},
        )
        return {
            "centre": html.Div([board, *stores, hidden], className="dispatch-fill"),
            "bottom": stats,
            "right": themap,
        }
    bar = html.Div(
        [
            html.Span(id=IDS.id("confirm-text")),
            " ",
            html.Button("确认调派", id=CONFIRM, n_clicks=0, type="button", className="btn btn-sm btn-danger"),
        ],
        id=IDS.id("confirm-bar"),
        style={"display": "none"},
    )
    act = chart_panel(
        "调度操作",
        html.Div(
            [html.Div(id=MESSAGE, **{"aria-live": "polite"}), bar, html.Div(figs["actions"], id=ACTIONS)],
            className="dispatch-fill",
            style={"overflow": "auto"},
        ),
        mode=mode,
    )
    # the analyst works top to bottom: the board, the chosen incident's actions, the map, statistics
    return {"centre": html.Div([board, act, themap, *stores], className="dispatch-fill"), "bottom": stats}


def _map_click(value: Any) -> tuple[str, str, Any] | None:
    """A click on an incident of the map picks it (a click on a street does nothing here)."""
    points = (value or {}).get("points") or []
    if not points or points[0].get("location") not in (None, ""):
        return None
    incident = clicked_value(value)
    return ("set", "incident", incident) if incident else None


def _pick(trigger: Any, value: Any) -> tuple[str, str, Any] | None:
    return ("set", "incident", trigger.get("incident")) if value else None


SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    refreshed=("kpis", "map", "stats"),
    triggers={IDS.id("map-graph"): ("clickData", _map_click)},
    children=("stats",),
    controls=("period",),
    patterns=(({"role": PICK_ROLE, "incident": ALL}, "n_clicks", _pick),),
    scope_by=(),
)
register(__name__, SCREEN, path="/dispatch", order=6)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()


def live(
    state: dict[str, Any] | None, view_query: dict[str, Any] | None, chosen: str | None = None
) -> tuple[Any, Any]:
    """The board and the action panel from the source tables (never cached)."""
    state = state or {}
    view = ViewParams.from_query(view_query or {})
    board = board_frame(SCREEN.scope(state).streets)
    focus = focus_of(board, state.get("incident"))
    return (
        board_view(board, focus, wall=view.mode == "wall"),
        no_update if view.kiosk else actions_view(focus, board, chosen),
    )


@callback(
    Output(BOARD, "children"),
    Input(IDS.id("state"), "data"),
    Input(IDS.tick, "data"),
    Input(MESSAGE, "children"),  # after a write of the action panel
    State(IDS.view, "data"),
)
def update_board(
    state: dict[str, Any] | None, _tick: Any, _written: Any, view_query: dict[str, Any] | None
) -> Any:
    """The live board from the source tables: on load, on a filter change, on every wall tick and
    after each write."""
    return live(state, view_query)[0]


def act(trigger: Any, state: dict[str, Any] | None, chosen: str | None) -> tuple[Any, Any, Any, Any, Any]:
    """A button of the action panel: pick a resource, confirm the dispatch, or arrive/finish.
    Returns (action panel, message, chosen resource, confirm text, confirm bar style)."""
    state = state or {}
    board = board_frame(SCREEN.scope(state).streets)
    focus = focus_of(board, state.get("incident"))

    def out(panel: Any, message: Any, pick: str | None) -> tuple[Any, Any, Any, Any, Any]:
        return (panel, message, pick, *confirm_text(focus, pick))

    if trigger == CONFIRM:
        if not chosen or focus is None:
            return out(no_update, _message(False, "请先选择要调派的资源。"), None)
        ok, text = do_dispatch(focus, chosen)
        board = board_frame(SCREEN.scope(state).streets)
        return out(actions_view(focus, board), _message(ok, text), None)
    if isinstance(trigger, dict) and trigger.get("role") == ACT_ROLE:
        if trigger.get("step") == "pick":
            if not auth.has_permission("dispatch"):
                return out(
                    no_update, _message(False, "您的角色无权调度（仅值班、局领导、管理员可调派资源）。"), None
                )
            return out(actions_view(focus, board, trigger["id"]), html.Div(), trigger["id"])
        ok, text = do_step(str(trigger.get("step")), str(trigger.get("id")))
        board = board_frame(SCREEN.scope(state).streets)
        return out(actions_view(focus, board), _message(ok, text), None)
    return out(actions_view(focus, board), no_update, None)


@callback(
    Output(ACTIONS, "children"),
    Output(MESSAGE, "children"),
    Output(CHOSEN, "data"),
    Output(IDS.id("confirm-text"), "children"),
    Output(IDS.id("confirm-bar"), "style"),
    Input({"role": ACT_ROLE, "step": ALL, "id": ALL}, "n_clicks"),
    Input(CONFIRM, "n_clicks"),
    Input(IDS.id("state"), "data"),
    State(CHOSEN, "data"),
    State(IDS.view, "data"),
    prevent_initial_call=False,
    running=[(Output(CONFIRM, "disabled"), True, False)],  # a double click sends one confirm
)
def _act_callback(
    clicks: Any, confirm: Any, state: dict[str, Any] | None, chosen: str | None, view_query: Any = None
) -> tuple:
    trigger = ctx.triggered_id
    if ViewParams.from_query(view_query or {}).kiosk:
        return (no_update,) * 5
    if trigger == IDS.id("state") or trigger is None:
        return act(None, state, None)
    if trigger == CONFIRM and not confirm:
        return (no_update,) * 5
    if isinstance(trigger, dict) and not any(c for c in (clicks or [])):
        return (no_update,) * 5
    return act(trigger, state, chosen)
