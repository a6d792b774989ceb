"""The drill-down table: the records behind a screen's numbers in a dash-ag-grid, and their export.

A table is described once by its ``Column`` list; the grid, the CSV and the XLSX all come from
that list, so what an analyst sees and what they download agree (same rows, same Chinese headers,
same labels). Exports are written for spreadsheet programs that execute formulas: any text cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` so it
stays text. Personal data arrives masked from the read API and is exported as it comes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from components.formatting import format_date, format_datetime, format_number, is_missing
from components.labels import label
from components.panels import chart_panel

#: Characters that make a spreadsheet treat a cell as a formula (or smuggle one in).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Chinese text of the grid's own controls (pagination, empty overlay, sorting menu).
LOCALE_TEXT = {
    "page": "页码",
    "of": "，共",
    "to": "至",
    "more": "更多",
    "next": "下一页",
    "previous": "上一页",
    "first": "首页",
    "last": "末页",
    "pageSizeSelectorLabel": "每页：",
    "noRowsToShow": "无符合条件的记录",
    "loadingOoo": "加载中…",
    "sortAscending": "升序",
    "sortDescending": "降序",
    "sortUnSort": "取消排序",
    "pinColumn": "固定列",
    "autosizeThisColumn": "自动调整列宽",
    "autosizeAllColumns": "自动调整全部列宽",
    "resetColumns": "重置列",
    "columnFilter": "筛选",
    "filterOoo": "筛选…",
    "contains": "包含",
    "equals": "等于",
    "notEqual": "不等于",
    "startsWith": "开头是",
    "endsWith": "结尾是",
    "notContains": "不包含",
    "blank": "为空",
    "notBlank": "不为空",
    "andCondition": "且",
    "orCondition": "或",
    "lessThan": "小于",
    "greaterThan": "大于",
    "inRange": "介于",
}


@dataclass(frozen=True)
class Column:
    """One column of a detail table.

    ``kind`` decides how a value is shown and exported: ``text``, ``enum`` (an enumeration code
    shown by its Chinese label; ``enum`` names its ``(table, column)``), ``number``, ``money``
    (元, two decimals), ``date``, ``datetime``, ``bool`` (是/否). ``link`` is a URL template over
    the row (``"/entity/{uscc}"``): the grid shows the cell as a link, the export as plain text.
    """

    field: str
    header: str
    kind: str = "text"
    enum: tuple[str, str] | None = None
    link: str | None = None
    width: int | None = None


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet could run as a formula, prefixed with ``'``; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _shown(value: Any, column: Column) -> Any:
    """A cell as people read it (export and grid); numbers stay numbers."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if column.kind == "enum" and column.enum is not None:
        return label(column.enum[0], column.enum[1], value)
    if column.kind == "date":
        return format_date(pd.Timestamp(value).date(), "short")
    if column.kind == "datetime":
        return format_datetime(pd.Timestamp(value).to_pydatetime(), "short")
    if column.kind == "bool":
        return "是" if bool(value) else "否"
    if column.kind in ("number", "money"):
        return None if is_missing(value) else float(value)
    return str(value)


def export_frame(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """The rows as they are exported: Chinese headers, labels for codes, formulas neutralised."""
    data = {
        c.header: [neutralise(_shown(v, c)) for v in frame[c.field]]
        if c.field in frame
        else [None] * len(frame)
        for c in columns
    }
    return pd.DataFrame(data, columns=[c.header for c in columns])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so spreadsheet programs on Chinese Windows read it right."""
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "明细") -> bytes:
    """An XLSX workbook of one sheet; every text cell is written as a string, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if _missing_cell(v) else v for v in row])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for i, header in enumerate(frame.columns, start=1):
        longest = max([len(str(header))] + [len(str(v)) for v in frame.iloc[:200, i - 1] if v is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, 4 + 1.6 * longest)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _missing_cell(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def download(frame: pd.DataFrame, columns: Sequence[Column], basename: str, fmt: str) -> dict[str, Any]:
    """What a ``dcc.Download`` needs to save the rows as ``basename.csv`` or ``basename.xlsx``."""
    table = export_frame(frame, columns)
    if fmt == "xlsx":
        return dcc.send_bytes(xlsx_bytes(table), f"{basename}.xlsx")
    return dcc.send_bytes(csv_bytes(table), f"{basename}.csv")


def _markdown_text(text: str) -> str:
    """Text safe inside a Markdown link label (brackets and emphasis marks escaped)."""
    for ch in "\\[]()*_`<>":
        text = text.replace(ch, "\\" + ch)
    return text


def grid_rows(frame: pd.DataFrame, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """The rows for the grid: shown values, link columns as Markdown links."""
    rows = []
    for rec in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for c in columns:
            v = _shown(rec.get(c.field), c)
            if c.link and v is not None:
                try:
                    href = c.link.format(**rec)
                except (KeyError, ValueError):
                    href = None
                v = f"[{_markdown_text(str(v))}]({href})" if href else v
            row[c.field] = v
        rows.append(row)
    return rows


def _column_def(c: Column) -> dict[str, Any]:
    d: dict[str, Any] = {"field": c.field, "headerName": c.header, "tooltipField": c.field}
    if c.width:
        d["width"] = c.width
    if c.link:
        d["cellRenderer"] = "markdown"
        d.pop("tooltipField")
    if c.kind in ("number", "money"):
        d["type"] = "rightAligned"
        d["filter"] = "agNumberColumnFilter"
        d["valueFormatter"] = {
            "function": "params.value == null ? '' : d3.format(',.2f')(params.value)"
            if c.kind == "money"
            else "params.value == null ? '' : d3.format(',')(params.value)"
        }
    return d


def detail_grid(
    id: str, rows: list[dict[str, Any]], columns: Sequence[Column], *, page_size: int = 20
) -> dag.AgGrid:
    """A sortable, filterable grid of ``rows`` (from ``grid_rows``), paginated, with Chinese controls."""
    return dag.AgGrid(
        id=id,
        rowData=rows,
        columnDefs=[_column_def(c) for c in columns],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": page_size,
            "paginationPageSizeSelector": [20, 50, 100],
            "localeText": LOCALE_TEXT,
            "tooltipShowDelay": 400,
            "enableCellTextSelection": True,
            "animateRows": False,
        },
        columnSize="autoSize",
        className="detail-grid",
        style={"height": "460px", "width": "100%"},
    )


def count_text(shown: int, truncated: bool, limit: int) -> str:
    """The caption over the grid: how many rows, and whether the list was cut at the limit."""
    if truncated:
        return f"显示最新 {format_number(limit)} 条（符合条件的记录更多，请缩小筛选范围）"
    return f"共 {format_number(shown)} 条"


def detail_panel(
    title: str,
    grid: dag.AgGrid,
    *,
    caption_id: str,
    caption: str,
    csv_id: str,
    xlsx_id: str,
    download_id: str,
    note: str | None = None,
    id: str | None = None,
    controls: Any = None,
) -> html.Section:
    """The analyst's drill-down panel: title, the row count, CSV/XLSX export buttons, the grid.

    ``controls`` goes between the caption and the grid (e.g. a choice of which records to list).
    The export buttons only raise ``n_clicks``; the page's callback reads the rows of the current
    filter again and answers through the ``dcc.Download`` (``download_id``).
    """
    tools = html.Div(
        [
            html.Button(
                [html.I(className="bi bi-filetype-csv me-1"), "导出 CSV"],
                id=csv_id,
                n_clicks=0,
                className="btn btn-outline-primary btn-sm",
                type="button",
            ),
            html.Button(
                [html.I(className="bi bi-file-earmark-excel me-1"), "导出 XLSX"],
                id=xlsx_id,
                n_clicks=0,
                className="btn btn-outline-primary btn-sm",
                type="button",
            ),
            dcc.Download(id=download_id),
        ],
        className="d-flex gap-2",
    )
    body = html.Div(
        [
            html.Div(
                [html.Div(caption, id=caption_id, className="detail-caption"), controls],
                className="detail-bar",
            ),
            grid,
        ]
    )
    return chart_panel(title, body, id=id, mode="analyst", tools=tools, note=note, class_name="panel--detail")
