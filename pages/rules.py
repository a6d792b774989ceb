"""预警规则 (/rules, administrators): every rule of the engine with its readable condition — enable or
disable it, change its level and its parameters (thresholds, windows, filter values), each change
validated by ``data_access.rules.update_rule`` and written with its ``rule_change`` audit row in one
transaction. Other roles get 无权查看 (page guard, layout and callback check ``rules``)."""

from __future__ import annotations

from typing import Any

import dash
from dash import MATCH, Input, Output, State, callback, dcc, html

from components.forbidden import forbidden_page
from dashboard import auth
from dashboard.auth.web import page_guard
from dashboard.screen import register_page
from data_access.db import store
from data_access.rules import RuleError, RulePermissionError, rule_catalogue, update_rule

register_page(__name__, "预警规则", path="/rules", order=910, wall=False)

ROOT_ID = "page-rules"
SAVE = "rules-save"
ENABLED = "rules-enabled"
LEVEL = "rules-level"
PARAM = "rules-param"
MSG = "rules-msg"
LEVELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
_CELL = {"padding": "4px 8px", "verticalAlign": "top", "textAlign": "left", "whiteSpace": "nowrap"}
_WRAP = {**_CELL, "whiteSpace": "normal"}


def _guard(_path: str) -> str | None:
    return None if auth.has_permission("rules") else "需要规则维护权限"


page_guard("/rules", _guard)


def param_label(key: str) -> str:
    """A parameter's name in Chinese (``filters.2.value`` → 条件3取值)."""
    fixed = {
        "count.threshold": "阈值（次数）",
        "count.window_days": "统计窗口（天）",
        "lookback_days": "回溯天数",
    }
    if key in fixed:
        return fixed[key]
    parts = key.split(".")
    if len(parts) == 4 and parts[0] == "filters" and parts[1].isdigit() and parts[2:] == ["ref", "days"]:
        return f"条件{int(parts[1]) + 1}参照天数"
    if len(parts) == 3 and parts[0] == "filters" and parts[1].isdigit():
        return f"条件{int(parts[1]) + 1}{'取值' if parts[2] == 'value' else '天数'}"
    return key


def _editable(value: Any) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def _row(rule: dict[str, Any]) -> html.Tr:
    rid = rule["rule_id"]
    params = [
        html.Div(
            [
                html.Label(param_label(key), title=key, style={"minWidth": "8em", "display": "inline-block"}),
                dcc.Input(
                    id={"role": PARAM, "rule": rid, "key": key},
                    value=str(value),
                    type="text",
                    debounce=True,
                    style={"width": "8em"},
                ),
            ]
        )
        for key, value in rule.get("params", {}).items()
        if _editable(value)
    ]
    return html.Tr(
        [
            html.Td(rid, style=_CELL),
            html.Td(
                [
                    html.B(rule.get("name") or ""),
                    html.Div(rule.get("condition") or "", className="detail-caption"),
                ],
                style=_WRAP,
            ),
            html.Td(
                dcc.Checklist(
                    id={"role": ENABLED, "rule": rid},
                    options=[{"label": " 启用", "value": "on"}],
                    value=["on"] if rule.get("enabled") else [],
                ),
                style=_CELL,
            ),
            html.Td(
                dcc.Dropdown(
                    id={"role": LEVEL, "rule": rid},
                    options=[{"label": v, "value": k} for k, v in LEVELS.items()],
                    value=rule.get("level"),
                    clearable=False,
                    style={"width": "7em"},
                ),
                style=_CELL,
            ),
            html.Td(params or "—", style=_CELL),
            html.Td(
                [
                    html.Button(
                        "保存",
                        id={"role": SAVE, "rule": rid},
                        n_clicks=0,
                        type="button",
                        className="btn btn-sm btn-primary",
                        **{"data-rule": rid},
                    ),
                    html.Div(id={"role": MSG, "rule": rid}),
                ],
                style=_CELL,
            ),
        ],
        id=f"rules-row-{rid}",
    )


def layout(**_query: Any) -> html.Div:
    if not auth.has_permission("rules"):
        return forbidden_page("预警规则仅对管理员开放。")
    rules = rule_catalogue(store.engine)
    head = ("编号", "规则与条件", "状态", "等级", "参数", "")
    return html.Div(
        [
            html.Div(
                [
                    html.H2("预警规则", className="screen-title"),
                    html.P(
                        "修改在保存时校验并记入审计日志；下次数据刷新时按新规则计算预警。",
                        className="text-secondary",
                    ),
                ],
                className="screen-header",
            ),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(h, style=_CELL) for h in head])),
                    html.Tbody([_row(r) for r in rules]),
                ],
                className="table table-sm",
            ),
        ],
        id=ROOT_ID,
        className="p-3",
    )


def _typed(old: Any, new: Any) -> Any:
    """``new`` (text from the form) in the type of the rule's current value ``old``."""
    text = str(new).strip()
    if isinstance(old, int):
        return int(text)
    if isinstance(old, float):
        return float(text)
    return text


def save_rule(
    rule_id: str, enabled: list[str] | None, level: str | None, params: dict[str, Any]
) -> tuple[bool, str]:
    """Write one rule's form as the signed-in administrator: (ok, Chinese message)."""
    if not auth.has_permission("rules"):
        return False, "只有系统管理员可以修改预警规则。"
    auth.require("rules")
    info = auth.current_user_info()
    if info is None:
        return False, "未登录。"
    current = next((r for r in rule_catalogue(store.engine) if r["rule_id"] == rule_id), None)
    if current is None:
        return False, f"没有编号为 {rule_id} 的规则。"
    try:
        typed = {k: _typed(current["params"].get(k), v) for k, v in params.items() if k in current["params"]}
    except ValueError:
        return False, "参数须为数字。"
    from flask import has_request_context, request

    try:
        update_rule(
            store.engine,
            rule_id,
            username=info.username,
            role=info.role,
            enabled="on" in (enabled or []),
            level=level,
            params=typed or None,
            ip=request.remote_addr if has_request_context() else None,
        )
    except (RuleError, RulePermissionError) as exc:
        return False, str(exc)
    return True, "已保存。"


@callback(
    Output({"role": MSG, "rule": MATCH}, "children"),
    Input({"role": SAVE, "rule": MATCH}, "n_clicks"),
    State({"role": ENABLED, "rule": MATCH}, "value"),
    State({"role": LEVEL, "rule": MATCH}, "value"),
    State({"role": PARAM, "rule": MATCH, "key": dash.ALL}, "value"),
    State({"role": PARAM, "rule": MATCH, "key": dash.ALL}, "id"),
    prevent_initial_call=True,
)
def _save(n: int, enabled: list[str] | None, level: str | None, values: list[Any], ids: list[dict]) -> Any:
    if not n:
        return dash.no_update
    rule_id = dash.ctx.triggered_id["rule"]
    ok, text = save_rule(rule_id, enabled, level, {i["key"]: v for i, v in zip(ids, values, strict=True)})
    return html.Span(
        text, className="text-success" if ok else "text-danger", **{"data-ok": "1" if ok else "0"}
    )
