"""审计日志 (/audit): who signed in, viewed which entity file, exported or unmasked what — for admins.

Filters (user, action, dates) re-read the log; the export downloads what the filters select as CSV
and is itself an audited ``export``. Every output id starts with ``audit-``: the sign-in gate lets
only users with the ``audit`` permission run these callbacks (``auth.permissions.OUTPUT_PERMISSIONS``),
the page guard answers 403 to a full load by anyone else, and the callbacks check once more.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from components.forbidden import forbidden_page
from components.tables import Column, count_text, csv_bytes, detail_grid, export_frame, grid_rows
from dashboard import auth
from dashboard.auth.accounts import now_local
from dashboard.auth.permissions import ROLE_LABELS
from dashboard.auth.web import page_guard
from dashboard.screen import register_page
from data_access import identity
from data_access.schema import AUDIT_ACTIONS

register_page(__name__, "审计日志", path="/audit", order=900, wall=False)

ROOT_ID = "page-audit"
USER = "audit-user"
ACTION = "audit-action"
DATES = "audit-dates"
GRID = "audit-grid"
COUNT = "audit-count"
EXPORT = "audit-export"
DOWNLOAD = "audit-download"
LIMIT = 2_000

ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出", "view_entity": "查看一户一档",
    "export": "导出", "unmask": "查看个人信息", "import": "导入数据", "user_admin": "账户管理",
    "dispatch": "调度", "warning_transition": "预警处置", "rule_change": "规则变更", "draw": "双随机抽取",
}
COLUMNS = [
    Column("at", "时间", "datetime", width=170),
    Column("username", "用户", width=150),
    Column("role_label", "角色", width=110),
    Column("action_label", "操作", width=130),
    Column("target", "对象", width=220),
    Column("detail_text", "详情", width=260),
    Column("ip", "来源地址", width=140),
]


def _guard(_path: str) -> str | None:
    return None if auth.has_permission("audit") else "需要审计权限"


page_guard("/audit", _guard)


def _read(user: str | None, action: str | None, start: str | None, end: str | None):
    since = datetime.fromisoformat(start) if start else None
    until = datetime.fromisoformat(end) + timedelta(days=1) if end else None
    frame, truncated = identity.read_audit(since=since, until=until, username=(user or "").strip() or None,
                                           action=action or None, limit=LIMIT)
    frame["role_label"] = [ROLE_LABELS.get(r, r) if r else "" for r in frame["role"]]
    frame["action_label"] = [ACTION_LABELS.get(a, a) for a in frame["action"]]
    frame["detail_text"] = [json.dumps(d, ensure_ascii=False) if d else "" for d in frame["detail"]]
    return frame, truncated


def layout(**_query: Any) -> html.Div:
    if not auth.has_permission("audit"):
        return forbidden_page("审计日志仅对管理员开放。")
    today = now_local().date()
    frame, truncated = _read(None, None, (today - timedelta(days=30)).isoformat(), today.isoformat())
    filters = html.Div([
        dcc.Input(id=USER, type="text", placeholder="用户名", debounce=True, className="form-control",
                  style={"maxWidth": "200px"}),
        dcc.Dropdown(id=ACTION, options=[{"label": ACTION_LABELS[a], "value": a} for a in AUDIT_ACTIONS],
                     placeholder="全部操作", clearable=True, style={"minWidth": "200px"}),
        dcc.DatePickerRange(id=DATES, start_date=(today - timedelta(days=30)).isoformat(),
                            end_date=today.isoformat(), display_format="YYYY-MM-DD"),
        html.Button([html.I(className="bi bi-download me-1"), "导出 CSV"], id=EXPORT, n_clicks=0,
                    className="btn btn-outline-primary"),
        dcc.Download(id=DOWNLOAD),
    ], className="d-flex flex-wrap gap-2 align-items-center mb-3")
    return html.Div([
        html.Div([html.H2("审计日志", className="screen-title"),
                  html.P("登录、查看一户一档、导出、查看个人信息、导入与账户管理，逐条记录（只增不改）。",
                         className="text-secondary")], className="screen-header"),
        filters,
        html.Div(count_text(len(frame), truncated, LIMIT), id=COUNT, className="grid-count"),
        detail_grid(GRID, grid_rows(frame, COLUMNS), COLUMNS),
    ], id=ROOT_ID, className="audit-page p-3")


@callback(
    Output(GRID, "rowData"), Output(COUNT, "children"),
    Input(USER, "value"), Input(ACTION, "value"), Input(DATES, "start_date"), Input(DATES, "end_date"),
    prevent_initial_call=True,
)
def filter_log(user, action, start, end):
    """Re-read the log for the filters."""
    auth.require("audit")
    frame, truncated = _read(user, action, start, end)
    return grid_rows(frame, COLUMNS), count_text(len(frame), truncated, LIMIT)


@callback(
    Output(DOWNLOAD, "data"),
    Input(EXPORT, "n_clicks"),
    State(USER, "value"), State(ACTION, "value"), State(DATES, "start_date"), State(DATES, "end_date"),
    prevent_initial_call=True,
)
def export_log(n_clicks, user, action, start, end):
    """The filtered log as CSV; the export itself is audited."""
    auth.require("audit")
    if not n_clicks:
        raise PreventUpdate
    frame, truncated = _read(user, action, start, end)
    auth.record("export", "audit_log", {"rows": len(frame), "user": user, "action": action,
                                        "start": start, "end": end, "truncated": truncated})
    return dcc.send_bytes(csv_bytes(export_frame(frame, COLUMNS)), f"审计日志_{now_local():%Y%m%d}.csv")
