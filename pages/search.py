"""综合查询 (/search?q=…): find entities by name, USCC, address or licence number and open their
file (一户一档). The query lives in the URL, so a search is a link that can be shared or bookmarked.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlencode

import dash
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

from components.finder import MATCH_LABELS, result_message, search_form, wall_params
from components.labels import label
from components.layout import ScreenIds, ViewParams, screen_frame
from components.lists import scrolling_list
from components.panels import chart_panel, empty_state
from components.tables import Column, detail_grid, detail_panel, download, grid_rows
from dashboard import auth
from dashboard.screen import jurisdiction, register_page
from data_access.api.search import search
from data_access.api.status import data_status
from data_access.uscc import InvalidUSCC, validate_uscc

log = logging.getLogger(__name__)

IDS = ScreenIds("search")
TITLE = "综合查询"
register_page(__name__, TITLE, path="/search", category="查询与指标", order=900)
MIN_LENGTH = 2
MAX_LENGTH = 100
LIMIT = 200
_USCC_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

QUERY = IDS.id("query")
GRID = IDS.id("grid")


def columns() -> list[Column]:
    """The results table: the name links to the entity's file; the export gets it as plain text."""
    return [
        Column("name", "主体名称", link=dash.get_relative_path("/entity/") + "{uscc}", width=280),
        Column("uscc", "统一社会信用代码", width=190),
        Column("entity_type", "主体类型", kind="enum", enum=("entity", "entity_type"), width=120),
        Column("status", "登记状态", kind="enum", enum=("entity", "status"), width=110),
        Column("street_name", "所属街镇", width=120),
        Column("address", "住所", width=300),
        Column("matched_by", "匹配方式", width=120),
    ]


def _first(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return "" if value is None else str(value)


def _query(value: Any) -> str:
    """The query as searched: whitespace collapsed, at most ``MAX_LENGTH`` characters."""
    return " ".join(_first(value).split())[:MAX_LENGTH]


def _hits(text: str) -> tuple[pd.DataFrame, bool]:
    """The matching entities (empty for a query shorter than ``MIN_LENGTH``) and whether they were cut."""
    if len(text) < MIN_LENGTH:
        return pd.DataFrame(columns=["uscc", "name"]), False
    # a station user finds only the entities of their streets (never widened by the URL)
    rows = search(text, limit=LIMIT, scope=jurisdiction())
    frame = rows.frame.assign(matched_by=rows.frame["matched"].map(MATCH_LABELS))
    return frame, rows.truncated


def uscc_problem(text: str) -> str | None:
    """Why an 18-character query that looks like a USCC is not one (None when it is, or when the
    query does not look like a code at all) — a hint beside the results."""
    code = text.strip().upper()
    if len(code) != 18 or not set(code) <= _USCC_CHARS:
        return None
    try:
        validate_uscc(code)
    except InvalidUSCC as exc:
        return f"提示：该查询形似统一社会信用代码，但{exc}。"
    return None


def _wall_list(frame: pd.DataFrame, view: ViewParams) -> html.Div:
    keep = "?" + urlencode(wall_params(view))
    rows = [
        {
            "name": dcc.Link(r["name"], href=dash.get_relative_path(f"/entity/{quote(r['uscc'])}") + keep),
            "uscc": r["uscc"],
            "entity_type": label("entity", "entity_type", r["entity_type"]),
            "status": label("entity", "status", r["status"]),
            "street": r["street_name"],
            "address": r["address"],
        }
        for r in frame.to_dict("records")
    ]
    header = [
        ("name", "主体名称"),
        ("uscc", "统一社会信用代码"),
        ("entity_type", "主体类型"),
        ("status", "登记状态"),
        ("street", "所属街镇"),
        ("address", "住所"),
    ]
    return scrolling_list(
        rows,
        header,
        mode="wall",
        visible_rows=14,
        empty_text="暂无结果",
        widths=["2.2fr", "1.5fr", "1fr", "0.8fr", "0.9fr", "2.4fr"],
        id=IDS.id("results"),
    )


def _results_panel(frame: pd.DataFrame, text: str, truncated: bool) -> html.Section:
    cols = columns()
    return detail_panel(
        "查询结果",
        detail_grid(GRID, grid_rows(frame, cols), cols),
        caption_id=IDS.id("caption"),
        caption=f"共 {len(frame)} 个主体" + (f"（仅列出前 {LIMIT} 个）" if truncated else ""),
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("results-panel"),
        controls=dcc.Store(id=QUERY, data=text),
        note="点击主体名称打开一户一档；导出的是本次查询列出的全部结果。",
    )


def layout(q: Any = None, **query: Any) -> html.Div:
    view = ViewParams.from_query(query)
    text = _query(q)
    form = search_form(
        text,
        action=dash.get_relative_path("/search"),
        input_id=IDS.id("q"),
        hidden=wall_params(view),
        mode=view.mode,
        autofocus=not text,
    )
    try:
        dt = data_status()["data_time"]
        frame, truncated = _hits(text)
    except Exception as exc:  # database down: say so where the results would be
        log.exception("search %r failed", text)
        unavailable = empty_state("暂时无法查询", "数据库暂不可用，请稍后再试")
        body = html.Div([form, unavailable], className="search-body")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            live=False,
            centre=chart_panel("查询主体", body, id=IDS.id("panel"), mode=view.mode),
        )
    message = result_message(
        text, len(frame), truncated=truncated, limit=LIMIT, min_length=MIN_LENGTH, problem=uscc_problem(text)
    )
    found = not frame.empty
    wall_results = _wall_list(frame, view) if view.kiosk and found else None
    body = html.Div([form, message, wall_results], className="search-body", id=IDS.id("body"))
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        data_time=dt,
        live=False,
        subtitle="按名称、统一社会信用代码、住所或许可证编号查询市场主体，点击名称打开一户一档",
        centre=chart_panel("查询主体", body, id=IDS.id("panel"), mode=view.mode, class_name="panel--search"),
        bottom=_results_panel(frame, text, truncated) if found and not view.kiosk else None,
    )


def export_file(text: str, fmt: str) -> dict[str, Any]:
    """The results of a query as a CSV or XLSX download (formula-like text neutralised)."""
    frame, _ = _hits(_query(text))
    return download(frame, columns(), "综合查询结果", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    State(QUERY, "data"),
    prevent_initial_call=True,
)
def export(_csv: int, _xlsx: int, text: str) -> dict[str, Any]:
    auth.require("export")
    fmt = "xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv"
    result = export_file(text, fmt)
    auth.record("export", "search", {"q": _query(text), "format": fmt})
    return result
