"""The 预警处置 panel of 智能预警 (analyst mode), pure: data in, Dash components out.

The page reads the chosen warning, its history and the steps the signed-in user may take, and
writes a step; this module only draws them — the warning's state and history, a button per step
(``data-action="transition"``, ``data-to="<status>"``), the newest warnings to pick from, the panel
around them and the message after a step — so each can be tested without a store or a user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from dash import dcc, html

from components.labels import ENUM_LABELS
from components.panels import chart_panel

LEVELS = ENUM_LABELS[("warning", "level")]
STATUSES = ENUM_LABELS[("warning", "status")]
#: Statuses of the newest warnings offered to pick (still to act on, or to verify).
PICKABLE = ("pending", "handling", "closed")
PICKS = 8
_CELL = {"padding": "2px 8px", "textAlign": "left"}


def ids(slug: str) -> dict[str, str]:
    """The panel's ids under a page's ``slug``: body, message, chosen store, note, history."""
    return {part: f"{slug}-act-{part}" for part in ("body", "message", "chosen", "note", "history")}


def when(value: Any) -> str:
    """A time to the minute, or — for none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _status(code: Any) -> Any:
    return STATUSES.get(code, code)


def history_table(history: pd.DataFrame, *, id: str) -> Any:
    """The warning's steps so far (``warning_history``): time, from, to, who, note."""
    if not len(history):
        return html.Div("尚无处置记录。", className="detail-caption")
    head = html.Thead(html.Tr([html.Th(h, style=_CELL) for h in ("时间", "从", "到", "操作人", "说明")]))
    body = html.Tbody([
        html.Tr([html.Td(c, style=_CELL) for c in
                 (when(e.at), _status(e.from_status), _status(e.to_status), e.username, e.note or "")])
        for e in history.itertuples()
    ])
    return html.Table([head, body], className="dispatch-table", id=id)


def warning_detail(warning_id: str | None, row: Mapping[str, Any] | None, history: pd.DataFrame | None = None,
                   steps: Sequence[tuple[str, str]] = (), *, slug: str, step_role: str) -> Any:
    """The chosen warning (``row`` from ``warning_brief``, None when unknown or not the user's):
    its state, history and a button per step (``(to status, label)``) the user may take."""
    if not warning_id:
        return html.Div("请在下方明细表或上方列表中点击一条预警。", className="detail-caption")
    if row is None:
        return html.Div(f"没有编号为 {warning_id} 的预警（或不在您的辖区内）。", className="detail-caption")
    buttons = [
        html.Button(label, id={"role": step_role, "to": to}, n_clicks=0, type="button",
                    className="btn btn-sm btn-outline-primary me-2",
                    **{"data-action": "transition", "data-to": to, "data-warning": warning_id})
        for to, label in steps
    ]
    return html.Div([
        html.Div([html.B(f"{warning_id} · {LEVELS.get(row['level'], row['level'])}预警 · "),
                  html.Span(row["title"] or "")]),
        html.Div(f"当前状态：{_status(row['status'])}；"
                 f"承办机构：{row['office_code'] or '—'}；办理期限：{when(row['deadline_at'])}",
                 className="detail-caption"),
        history_table(history if history is not None else pd.DataFrame(), id=ids(slug)["history"]),
        html.Div(buttons, style={"marginTop": "4px"}) if buttons
        else html.Div("您当前没有可执行的处置步骤。", className="detail-caption"),
    ])


def pick_buttons(frame: pd.DataFrame, *, role: str) -> html.Div:
    """A button for each of the newest warnings still to act on or verify (at most ``PICKS``)."""
    rows = frame[frame["status"].isin(PICKABLE)].head(PICKS) if len(frame) else frame
    return html.Div([
        html.Button(f"{r.id}（{_status(r.status)}）", id={"role": role, "warning": str(r.id)}, n_clicks=0,
                    type="button", className="btn btn-sm btn-outline-secondary me-1 mb-1")
        for r in rows.itertuples()
    ])


def action_panel(frame: pd.DataFrame, body: Any, *, mode: str, slug: str, pick_role: str,
                 note_max: int) -> Any:
    """The panel: the newest warnings to pick (``frame``), the message, the chosen warning's
    ``body``, the note for the next step and the store of the chosen warning."""
    own = ids(slug)
    return chart_panel(
        "预警处置",
        html.Div([
            html.Div("最新未办结与待核查的预警：", className="detail-caption"),
            pick_buttons(frame, role=pick_role),
            html.Div(id=own["message"], **{"aria-live": "polite"}),
            html.Div(body, id=own["body"]),
            dcc.Textarea(id=own["note"], placeholder="处置说明（可选，最多 1000 字；随下一步处置记录）",
                         maxLength=note_max, style={"width": "100%", "height": "3.5em", "marginTop": "4px"}),
            dcc.Store(id=own["chosen"], data=None),
        ]),
        mode=mode,
        id=f"{slug}-act",
        note="派单处置、办结、核查与退回均记入处置记录与审计日志。",
    )


def message(ok: bool, text: str) -> html.Div:
    """The line after a step: green when it was taken, red with the refusal's reason otherwise."""
    return html.Div(text, className="dispatch-message " + ("text-success" if ok else "text-danger"),
                    role="status", **{"data-ok": "1" if ok else "0"})
