"""预警处置 on /warnings (analyst mode): for a chosen warning — a click on a row of the grid or on one of
the newest open warnings listed in the panel — its history (``warning_history``) and a button per step
``allowed_transitions`` gives the signed-in user (``data-action="transition"``, ``data-to="<status>"``),
with a note; the step is ``transition_warning`` (one transaction with its event and audit rows), and a
refusal shows its Chinese sentence. Not a screen of its own: pages/warnings.py places the panel and
this module registers its callback. The callback checks ``dashboard.auth`` before writing; Dash's
endpoint is JSON-only behind a SameSite=Lax cookie and the gate's cross-site check (docs/security.md).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components.labels import ENUM_LABELS
from components.panels import chart_panel
from dashboard import auth
from data_access import operations as ops
from data_access import schema as s
from data_access.db import store

SLUG = "warnings"
BODY = f"{SLUG}-act-body"
MESSAGE = f"{SLUG}-act-message"
CHOSEN = f"{SLUG}-act-chosen"
NOTE = f"{SLUG}-act-note"
GRID = f"{SLUG}-grid"
PICK_ROLE = "warnings-act-pick"
STEP_ROLE = "warnings-act-step"
_LEVEL = ENUM_LABELS.get(("warning", "level"), {})
_CELL = {"padding": "2px 8px", "textAlign": "left"}


def _t(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _warning(warning_id: str) -> dict[str, Any] | None:
    w = s.warning
    with store.engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(
                    w.c.id,
                    w.c.status,
                    w.c.level,
                    w.c.title,
                    w.c.street_code,
                    w.c.office_code,
                    w.c.deadline_at,
                ).where(w.c.id == warning_id)
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def _visible(row: dict[str, Any]) -> bool:
    streets = auth.current_streets()
    return streets is None or row["street_code"] in set(streets)


def panel_body(warning_id: str | None) -> Any:
    """The chosen warning: its state, history and the steps the signed-in user may take."""
    if not warning_id:
        return html.Div("请在下方明细表或上方列表中点击一条预警。", className="detail-caption")
    row = _warning(warning_id)
    if row is None or not _visible(row):
        return html.Div(f"没有编号为 {warning_id} 的预警（或不在您的辖区内）。", className="detail-caption")
    info = auth.current_user_info()
    steps = []
    if info is not None and auth.has_permission("warning_transition"):
        steps = ops.allowed_transitions(
            row["status"], info.role, street_code=row["street_code"], streets=info.streets
        )
    history = ops.warning_history(store.engine, warning_id)
    hist = (
        html.Table(
            [
                html.Thead(
                    html.Tr([html.Th(h, style=_CELL) for h in ("时间", "从", "到", "操作人", "说明")])
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Td(c, style=_CELL)
                                for c in (
                                    _t(e.at),
                                    ops.STATUS_LABELS.get(e.from_status, e.from_status),
                                    ops.STATUS_LABELS.get(e.to_status, e.to_status),
                                    e.username,
                                    e.note or "",
                                )
                            ]
                        )
                        for e in history.itertuples()
                    ]
                ),
            ],
            className="dispatch-table",
            id=f"{SLUG}-act-history",
        )
        if len(history)
        else html.Div("尚无处置记录。", className="detail-caption")
    )
    buttons = [
        html.Button(
            ops.WARNING_TRANSITIONS[(row["status"], to)][0],
            id={"role": STEP_ROLE, "to": to},
            n_clicks=0,
            type="button",
            className="btn btn-sm btn-outline-primary me-2",
            **{"data-action": "transition", "data-to": to, "data-warning": warning_id},
        )
        for to in steps
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.B(f"{warning_id} · {_LEVEL.get(row['level'], row['level'])}预警 · "),
                    html.Span(row["title"] or ""),
                ]
            ),
            html.Div(
                f"当前状态：{ops.STATUS_LABELS.get(row['status'], row['status'])}；"
                f"承办机构：{row['office_code'] or '—'}；办理期限：{_t(row['deadline_at'])}",
                className="detail-caption",
            ),
            hist,
            html.Div(buttons, style={"marginTop": "4px"})
            if buttons
            else html.Div("您当前没有可执行的处置步骤。", className="detail-caption"),
        ]
    )


def newest_open(frame: pd.DataFrame) -> Any:
    """Buttons for the newest open warnings (pending, handling) of the screen's scope."""
    open_rows = (
        frame[frame["status"].isin(("pending", "handling", "closed"))].head(8) if len(frame) else frame
    )
    return html.Div(
        [
            html.Button(
                f"{r.id}（{ops.STATUS_LABELS.get(r.status, r.status)}）",
                id={"role": PICK_ROLE, "warning": str(r.id)},
                n_clicks=0,
                type="button",
                className="btn btn-sm btn-outline-secondary me-1 mb-1",
            )
            for r in open_rows.itertuples()
        ]
    )


def panel(frame: pd.DataFrame, *, mode: str) -> Any:
    """The analyst's 预警处置 panel (``frame``: the newest warnings the screen shows)."""
    return chart_panel(
        "预警处置",
        html.Div(
            [
                html.Div("最新未办结与待核查的预警：", className="detail-caption"),
                newest_open(frame),
                html.Div(id=MESSAGE, **{"aria-live": "polite"}),
                html.Div(panel_body(None), id=BODY),
                dcc.Textarea(
                    id=NOTE,
                    placeholder="处置说明（可选，最多 1000 字；随下一步处置记录）",
                    maxLength=ops.NOTE_MAX,
                    style={"width": "100%", "height": "3.5em", "marginTop": "4px"},
                ),
                dcc.Store(id=CHOSEN, data=None),
            ]
        ),
        mode=mode,
        id=f"{SLUG}-act",
        note="派单处置、办结、核查与退回均记入处置记录与审计日志。",
    )


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


def _message(ok: bool, text: str) -> html.Div:
    return html.Div(
        text,
        className="dispatch-message " + ("text-success" if ok else "text-danger"),
        role="status",
        **{"data-ok": "1" if ok else "0"},
    )


def act(trigger: Any, cell: Any, note: str | None, chosen: str | None) -> tuple[Any, Any, Any]:
    """(panel body, message, chosen warning) after a click: a grid row, a listed warning, or a step."""
    if trigger == GRID:
        wid = (cell or {}).get("rowId") or (
            (cell or {}).get("value") if (cell or {}).get("colId") == "id" else None
        )
        if not wid:
            return no_update, no_update, no_update
        return panel_body(str(wid)), html.Div(), str(wid)
    if isinstance(trigger, dict) and trigger.get("role") == PICK_ROLE:
        wid = str(trigger.get("warning"))
        return panel_body(wid), html.Div(), wid
    if isinstance(trigger, dict) and trigger.get("role") == STEP_ROLE and chosen:
        ok, text = do_transition(chosen, str(trigger.get("to")), note)
        return panel_body(chosen), _message(ok, text), chosen
    return no_update, no_update, no_update


@callback(
    Output(BODY, "children"),
    Output(MESSAGE, "children"),
    Output(CHOSEN, "data"),
    Input(GRID, "cellClicked"),
    Input({"role": PICK_ROLE, "warning": ALL}, "n_clicks"),
    Input({"role": STEP_ROLE, "to": ALL}, "n_clicks"),
    State(NOTE, "value"),
    State(CHOSEN, "data"),
    prevent_initial_call=True,
)
def _act_callback(cell: Any, picks: Any, steps: Any, note: str | None, chosen: str | None) -> tuple:
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and trigger.get("role") == PICK_ROLE and not any(picks or []):
        return no_update, no_update, no_update
    if isinstance(trigger, dict) and trigger.get("role") == STEP_ROLE and not any(steps or []):
        return no_update, no_update, no_update
    return act(trigger, cell, note, chosen)
