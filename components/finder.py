"""综合查询 building blocks: the search form (a plain GET form, so the query lives in the URL and a
link restores it), the sentence that says what a search found, and the wall parameters that links
carry along. The results table is ``components.tables``' drill-down grid.

The query is always data: it goes into React text nodes and attribute values (escaped), so
``<script>`` or ``=1+1`` shows verbatim.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import dcc, html

from components.formatting import format_number
from components.layout import ViewParams

#: How a result matched its query (read API ``search``'s ``matched`` column).
MATCH_LABELS: dict[str, str] = {
    "uscc": "信用代码",
    "licence": "许可证编号",
    "name_prefix": "名称（前缀）",
    "name": "名称",
    "address": "住所",
}

SEARCH_HINT = "输入主体名称、统一社会信用代码、住所或许可证编号"

#: The wall parameters a link or form carries along, so following it stays on the wall.
WALL_KEYS = ("theme", "fit", "refresh")


def wall_params(view: ViewParams) -> dict[str, str]:
    """``kiosk=1`` and the wall parameters that differ from their defaults (empty for analysts)."""
    if not view.kiosk:
        return {}
    defaults = ViewParams.from_query({"kiosk": "1"}).as_query()
    current = view.as_query()
    return {"kiosk": "1", **{k: str(current[k]) for k in WALL_KEYS if current.get(k) != defaults.get(k)}}


def search_form(
    query: str,
    *,
    action: str,
    input_id: str,
    hidden: Mapping[str, str] | None = None,
    mode: str = "analyst",
    autofocus: bool = False,
) -> html.Form:
    """A search box and button that load ``action?q=…`` (plus ``hidden`` parameters, e.g. the
    wall's ``kiosk=1``), so the query round-trips through the URL."""
    fields: list[Any] = [
        html.Label("查询内容", htmlFor=input_id, className="visually-hidden"),
        dcc.Input(
            id=input_id,
            name="q",
            type="search",
            value=query,
            placeholder=SEARCH_HINT,
            maxLength=100,
            autoComplete="off",
            autoFocus=autofocus,
            debounce=True,
            className="search-input",
        ),
        html.Button(
            [html.I(className="bi bi-search me-1"), "查询"],
            type="submit",
            className="btn btn-primary search-submit",
        ),
    ]
    fields += [dcc.Input(type="hidden", name=k, value=v) for k, v in (hidden or {}).items()]
    return html.Form(
        fields, action=action, method="get", role="search", className=f"search-form search-form--{mode}"
    )


def result_message(
    query: str, n: int, *, truncated: bool, limit: int, min_length: int, problem: str | None = None
) -> html.Div:
    """What the search found, in one sentence: a prompt, a too-short query, no results, N results,
    or the first ``limit`` of more."""
    q = html.Q(query, className="search-query")
    if not query:
        parts: list[Any] = [SEARCH_HINT, "，按回车或点击“查询”。"]
        tone = "info"
    elif len(query) < min_length:
        parts = ["查询内容过短：", q, f"。请至少输入 {min_length} 个字符。"]
        tone = "warn"
    elif n == 0:
        parts = ["未找到与 ", q, " 匹配的主体。请检查名称、信用代码或许可证编号是否有误。"]
        tone = "warn"
    elif truncated:
        parts = [
            "与 ",
            q,
            f" 匹配的主体较多，仅显示前 {format_number(limit)} 个。请输入更完整的名称或信用代码缩小范围。",
        ]
        tone = "warn"
    else:
        parts = ["与 ", q, f" 匹配的主体共 {format_number(n)} 个。"]
        tone = "ok"
    children = [html.Div(parts)]
    if problem:
        children.append(html.Div(problem, className="search-problem"))
    return html.Div(children, className=f"search-message search-message--{tone}", role="status")
