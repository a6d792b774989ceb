"""指标库 building blocks: catalogue rows for a grid, the grid itself (quick filter, CSV export), a
per-theme summary and the value element that carries the indicator test hooks.

The rows come from the read API's ``indicator_catalogue`` frame (id, name, definition, unit,
grain, dimensions, theme, kind, value_type, core, value, period_start, period_end, data_time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import html

from components.formatting import DASH, format_date, format_datetime, format_value, is_missing
from components.kpi import raw_value
from components.tables import LOCALE_TEXT
from components.theme import FONT_FAMILY, palette, sizes

#: Display unit by value type: the catalogue says "比例" for rates, the formatter wants "%".
_TYPE_UNITS = {"rate": "%", "money": "元", "duration": "分钟"}

#: Chinese names of the dimensions an indicator may be broken down by.
DIMENSION_LABELS: dict[str, str] = {
    "street_code": "街镇",
    "office_code": "监管所",
    "entity_type": "主体类型",
    "section": "行业门类",
    "day": "日",
    "month": "月",
    "year": "年",
    "channel": "渠道",
    "kind": "类别",
    "category": "分类",
    "cause": "案由",
    "source": "来源",
    "stage": "办案环节",
    "rule_id": "预警规则",
    "theme": "主题",
    "venue_category": "场所类别",
    "status": "状态",
    "age_band": "使用年限",
    "due": "检验到期",
    "level": "等级",
    "field": "变更事项",
    "expiry": "有效期",
    "food_category": "食品类别",
    "result": "结果",
    "device_kind": "设备类别",
    "alarm_kind": "告警类别",
    "resource_kind": "资源类别",
    "platform": "平台",
    "media": "媒介",
    "risk_level": "风险等级",
}

GRID_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "指标编号"),
    ("name", "指标名称"),
    ("theme", "主题"),
    ("value_text", "当前值"),
    ("unit", "单位"),
    ("period", "统计期间"),
    ("definition", "口径"),
    ("grain", "粒度"),
    ("dimensions", "可用维度"),
    ("core", "核心指标"),
    ("data_time", "数据时间"),
    ("value", "原始值"),
)


def display_unit(unit: str, value_type: str) -> str:
    """The unit that ``components.formatting`` understands for an indicator (rates → ``%``)."""
    return _TYPE_UNITS.get(value_type, unit)


def period_text(kind: str, start: Any, end: Any) -> str:
    """``截至数据时间`` for a state indicator, else the half-open period as inclusive dates."""
    if kind != "period" or start is None or end is None or (isinstance(start, float) and start != start):
        return "截至数据时间"
    last = end - timedelta(days=1) if isinstance(end, date) else end
    return f"{format_date(start, 'short')} 至 {format_date(last, 'short')}"


def dimension_text(dimensions: str) -> str:
    """``street_code, month`` → ``街镇、月``."""
    codes = [d.strip() for d in str(dimensions or "").split(",") if d.strip()]
    return "、".join(DIMENSION_LABELS.get(c, c) for c in codes) or DASH


def catalogue_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One display row per indicator: the raw ``value`` (test contract) beside its formatted text."""
    rows = []
    for r in frame.to_dict("records"):
        unit = display_unit(str(r.get("unit") or ""), str(r.get("value_type") or "count"))
        value = None if is_missing(r.get("value")) else float(r["value"])
        shown = format_value(value, unit, mode="analyst")
        rows.append(
            {
                "id": r["id"],
                "name": r.get("name"),
                "theme": r.get("theme"),
                "value_text": shown.number,
                "unit": shown.unit or unit or DASH,
                "period": period_text(str(r.get("kind")), r.get("period_start"), r.get("period_end")),
                "definition": r.get("definition"),
                "grain": r.get("grain"),
                "dimensions": dimension_text(r.get("dimensions")),
                "core": "是" if r.get("core") else "否",
                "data_time": format_datetime(r.get("data_time"), "short"),
                "value": None if value is None else float(raw_value(value, unit)),
            }
        )
    return rows


def theme_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Indicators per theme (``theme, count, core``), largest first."""
    if frame.empty:
        return pd.DataFrame(columns=["theme", "count", "core"])
    out = (
        frame.assign(core=frame["core"].astype(bool))
        .groupby("theme", sort=False)
        .agg(count=("id", "size"), core=("core", "sum"))
        .reset_index()
    )
    return out.sort_values(["count", "theme"], ascending=[False, True]).reset_index(drop=True)


def theme_options(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Options of the theme filter, each with its count (``全部`` first)."""
    counts = theme_counts(frame)
    return [{"label": f"全部（{len(frame)}）", "value": ""}] + [
        {"label": f"{t}（{n}）", "value": t} for t, n in zip(counts["theme"], counts["count"], strict=True)
    ]


def value_element(
    indicator_id: str, value: Any, unit: str, value_type: str, *, mode: str = "wall"
) -> html.Span:
    """An indicator's current value as text, carrying ``data-indicator`` and ``data-value``."""
    shown_unit = display_unit(unit, value_type)
    shown = format_value(value, shown_unit, mode=mode)
    return html.Span(
        shown.text,
        className="ind-value",
        **{"data-indicator": indicator_id, "data-value": raw_value(value, shown_unit)},
    )


def theme_tiles(frame: pd.DataFrame, *, examples: int = 2) -> html.Div:
    """A tile per theme: how many indicators it holds, how many are core, and a few of their names."""
    counts = theme_counts(frame)
    names = frame.groupby("theme", sort=False)["name"].agg(lambda s: "、".join(s.head(examples)))
    tiles = []
    for t, n, core in zip(counts["theme"], counts["count"], counts["core"], strict=True):
        tiles.append(
            html.Div(
                [
                    html.Div(t, className="theme-tile-name"),
                    html.Div(
                        [
                            html.Span(str(n), className="theme-tile-count"),
                            html.Span("项", className="theme-tile-unit"),
                        ]
                    ),
                    html.Div(f"核心 {int(core)} 项" if core else "扩展指标", className="theme-tile-core"),
                    html.Div(names.get(t, ""), className="theme-tile-examples"),
                ],
                className="theme-tile",
            )
        )
    return html.Div(tiles, className="theme-tiles")


def grid_theme(theme: str = "light", mode: str = "analyst") -> dict[str, str]:
    """AG Grid's Quartz theme in the app's colours and font (applied by the grid's own JS:
    nothing is fetched)."""
    p, s = palette(theme), sizes(mode)
    bg = "#ffffff" if theme == "light" else "#071a3a"
    header = "#f3f6fb" if theme == "light" else "#0b2a5b"
    params = (
        f"backgroundColor: '{bg}', foregroundColor: '{p.text}', headerBackgroundColor: '{header}', "
        f"headerTextColor: '{p.title}', accentColor: '{p.accent}', borderColor: '{p.panel_border}', "
        f"fontFamily: '{FONT_FAMILY.replace(chr(34), '')}', fontSize: {s.font - 1}, "
        f"headerFontWeight: 600, oddRowBackgroundColor: '{p.bg if theme == 'light' else '#061633'}'"
    )
    return {"function": f"themeQuartz.withParams({{ {params} }})"}


def catalogue_grid(
    id: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    theme: str = "light",
    mode: str = "analyst",
    quick_filter: str = "",
) -> dag.AgGrid:
    """The catalogue in a sortable, filterable ``dash_ag_grid.AgGrid`` with a quick filter and a CSV
    export of the rows it shows (``exportDataAsCsv``; AG Grid writes a BOM, so spreadsheet programs
    read the Chinese)."""
    return dag.AgGrid(
        id=id,
        rowData=list(rows),
        columnDefs=catalogue_columns(),
        defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 80},
        dashGridOptions={
            "theme": grid_theme(theme, mode),
            "quickFilterText": quick_filter,
            "animateRows": False,
            "enableCellTextSelection": True,
            "tooltipShowDelay": 300,
            "localeText": LOCALE_TEXT,
        },
        csvExportParams={"fileName": "指标库.csv", "allColumns": True},
        style={"height": 620, "width": "100%"},
        className="data-grid",
    )


def catalogue_columns() -> list[dict[str, Any]]:
    """Column definitions of the indicator catalogue grid (raw value hidden but exported)."""
    widths = {
        "id": 220,
        "name": 170,
        "theme": 100,
        "value_text": 130,
        "unit": 72,
        "period": 190,
        "grain": 150,
        "dimensions": 220,
        "core": 92,
        "data_time": 150,
    }
    cols: list[dict[str, Any]] = []
    for field, header in GRID_COLUMNS:
        col: dict[str, Any] = {"field": field, "headerName": header}
        if field in widths:
            col["width"] = widths[field]
        if field == "id":
            col["pinned"] = "left"
        if field == "definition":
            col.update(flex=1, minWidth=260, wrapText=True, autoHeight=True, tooltipField="definition")
        if field == "value_text":
            col.update(type="rightAligned", sortable=False, filter=False)
        if field == "value":
            col.update(hide=True, filter="agNumberColumnFilter")
        cols.append(col)
    return cols


def dimension_coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """How many indicators allow each dimension (``dimension`` in Chinese, ``count``), largest first."""
    codes = frame["dimensions"].fillna("").str.split(",").explode().str.strip()
    counts = codes[codes != ""].map(lambda c: DIMENSION_LABELS.get(c, c)).value_counts()
    return pd.DataFrame({"dimension": counts.index.tolist(), "count": counts.tolist()})


def data_time_of(frame: pd.DataFrame) -> Any:
    """The catalogue's data time (one per read), or None for an empty frame."""
    return None if frame.empty else frame["data_time"].iloc[0]
