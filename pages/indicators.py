"""指标库 (/indicators): the indicator catalogue — id, name, definition, unit, grain, dimensions,
theme, current value and data time. Analysts search and filter it in a grid and export it as CSV;
the wall shows a glanceable summary: headline indicators, indicators per theme, and every current
value in a scrolling list.

``?theme=…&q=…`` preset the analyst filters, so a link restores the same view.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from components import figures
from components.catalogue import (
    catalogue_grid,
    catalogue_rows,
    data_time_of,
    dimension_coverage,
    display_unit,
    theme_counts,
    theme_options,
    theme_tiles,
    value_element,
)
from components.filters import DROPDOWN_LABELS
from components.kpi import kpi_card
from components.layout import Refreshed, ScreenIds, ViewParams, refresh_callback, screen_frame
from components.lists import scrolling_list
from components.panels import chart_panel, empty_state
from dashboard import auth
from dashboard.screen import jurisdiction, register_page
from data_access.api.indicators import indicator_catalogue

log = logging.getLogger(__name__)

IDS = ScreenIds("indicators")
TITLE = "指标库"
register_page(__name__, TITLE, path="/indicators", category="查询与指标", order=910, wall=True)

#: The headline indicators of the summary (the core of data.md §6, one per system).
HEADLINE = (
    "entity.active_total",
    "complaint.received",
    "case.opened",
    "warning.open_total",
    "device.online_rate",
    "equipment.elevators",
)
#: The standard period of the period indicators' current values.
PERIOD = "month"
PERIOD_PREFIX = "本月"

GRID = IDS.id("grid")
QUICK = IDS.id("quick")
THEME = IDS.id("theme")
EXPORT = IDS.id("export")
COUNT = IDS.id("count")
TOTAL = IDS.id("total")
TILES = IDS.id("tiles-body")
VALUES = IDS.id("values-body")
VALUE_TYPES = {"count": "计数", "rate": "比率", "money": "金额", "duration": "时长"}


def _read() -> pd.DataFrame:
    # values over the signed-in user's streets (a station's own; None = the district)
    return indicator_catalogue(scope=jurisdiction(), period=PERIOD)


def _kpis(cat: pd.DataFrame, view: ViewParams) -> list[html.Div]:
    rows = cat.set_index("id")
    cards = []
    for i in HEADLINE:
        if i not in rows.index:
            continue
        r = rows.loc[i]
        prefix = PERIOD_PREFIX if r["kind"] == "period" else ""
        cards.append(
            kpi_card(
                i,
                f"{prefix}{r['name']}",
                r["value"],
                display_unit(r["unit"], r["value_type"]),
                definition=r["definition"],
                data_time=r["data_time"],
                mode=view.mode,
                tone="good" if r["value_type"] == "rate" else None,
            )
        )
    return cards


def _value_rows(cat: pd.DataFrame, view: ViewParams) -> list[dict[str, Any]]:
    return [
        {
            "name": r["name"],
            "theme": r["theme"],
            "value": value_element(r["id"], r["value"], r["unit"], r["value_type"], mode=view.mode),
            "period": PERIOD_PREFIX if r["kind"] == "period" else "当前",
        }
        for r in cat.to_dict("records")
    ]


def _wall_panels(cat: pd.DataFrame, view: ViewParams) -> dict[str, Any]:
    """The bodies of the wall's refreshed panels: theme tiles and the list of every current value."""
    ticker = scrolling_list(
        _value_rows(cat, view),
        [("name", "指标"), ("value", "当前值"), ("period", "期间"), ("theme", "主题")],
        mode="wall",
        visible_rows=4,
        widths=["2fr", "1.4fr", "0.6fr", "1fr"],
    )
    return {TILES: theme_tiles(cat), VALUES: ticker}


def _wall(cat: pd.DataFrame, view: ViewParams) -> html.Div:
    counts = theme_counts(cat)
    ranking = figures.ranking(
        counts["theme"].tolist(),
        counts["count"].tolist(),
        unit="项",
        top=12,
        theme=view.theme,
        mode=view.mode,
    )
    mix = cat["value_type"].map(VALUE_TYPES).value_counts()
    donut = figures.donut(
        mix.index.tolist(),
        mix.tolist(),
        unit="项",
        theme=view.theme,
        mode=view.mode,
        centre_text=f"{len(cat)}项",
    )
    dims = dimension_coverage(cat)
    coverage = figures.ranking(
        dims["dimension"].tolist(), dims["count"].tolist(), unit="项", top=8, theme=view.theme, mode=view.mode
    )
    bodies = _wall_panels(cat, view)
    dt = data_time_of(cat)
    core = int(cat["core"].astype(bool).sum())
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        data_time=dt,
        kpis=_kpis(cat, view),
        left=chart_panel("各主题指标数", ranking, unit="项", id=IDS.id("themes"), mode=view.mode),
        centre=chart_panel(
            f"指标库概览 · 共 {len(cat)} 项，核心 {core} 项",
            html.Div(bodies[TILES], id=TILES),
            id=IDS.id("tiles"),
            mode=view.mode,
            class_name="panel--tiles",
        ),
        bottom=chart_panel(
            "全部指标当前值",
            html.Div(bodies[VALUES], id=VALUES),
            id=IDS.id("values"),
            mode=view.mode,
            data_time=dt,
        ),
        right=[
            chart_panel("指标类型构成", donut, unit="项", id=IDS.id("types"), mode=view.mode),
            chart_panel(
                "可下钻维度（支持的指标数）", coverage, unit="项", id=IDS.id("dimensions"), mode=view.mode
            ),
        ],
    )


def _filtered(cat: pd.DataFrame, theme: str | None) -> pd.DataFrame:
    return cat[cat["theme"] == theme] if theme else cat


def _count_text(n: int, total: int) -> str:
    return f"共 {total} 项指标" if n == total else f"显示 {n} / {total} 项指标"


def _analyst(cat: pd.DataFrame, view: ViewParams, topic: str, quick: str) -> html.Div:
    theme = topic if topic in {o["value"] for o in theme_options(cat)} else ""
    shown = _filtered(cat, theme)
    toolbar = html.Div(
        [
            html.Div(
                [
                    html.Label("搜索指标", htmlFor=QUICK, className="filter-label"),
                    dcc.Input(
                        id=QUICK,
                        type="search",
                        value=quick,
                        placeholder="指标编号、名称或口径中的文字",
                        className="ind-quick-input",
                        autoComplete="off",
                    ),
                ],
                className="ind-quick",
            ),
            html.Div(
                [
                    html.Label("主题", htmlFor=THEME, className="filter-label"),
                    dcc.Dropdown(
                        id=THEME,
                        options=theme_options(cat),
                        value=theme,
                        clearable=False,
                        searchable=False,
                        labels=DROPDOWN_LABELS,
                        className="filter-dropdown",
                    ),
                ],
                className="ind-theme",
            ),
            html.Button(
                [html.I(className="bi bi-download me-1"), "导出 CSV"],
                id=EXPORT,
                n_clicks=0,
                className="btn btn-outline-primary ind-export",
            ),
        ],
        className="ind-toolbar",
        role="search",
        **{"aria-label": "筛选指标"},
    )
    grid = catalogue_grid(GRID, catalogue_rows(shown), theme=view.theme, mode=view.mode, quick_filter=quick)
    panel = chart_panel(
        "指标目录",
        html.Div(
            [
                dcc.Store(id=TOTAL, data=len(cat)),
                html.Div(_count_text(len(shown), len(cat)), id=COUNT, className="ind-count"),
                grid,
            ]
        ),
        id=IDS.id("catalogue"),
        mode=view.mode,
        class_name="panel--catalogue",
        note="当前值：状态类指标为截至数据时间的值，期间类指标为本月（自然月）累计；比率以百分比显示。",
    )
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        data_time=data_time_of(cat),
        subtitle="每个屏幕上的数字都来自指标库：编号、口径、单位、粒度、可用维度和当前值",
        filters=toolbar,
        kpis=_kpis(cat, view),
        centre=panel,
    )


def _first(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return "" if value is None else str(value).strip()[:100]


def layout(topic: Any = None, q: Any = None, **query: Any) -> html.Div:
    # "theme" is already the wall's dark/light parameter: the catalogue's theme filter is "topic"
    view = ViewParams.from_query(query)
    try:
        cat = _read()
    except Exception as exc:  # database down or read layer missing: the "data delayed" state
        log.exception("indicator catalogue could not be read")
        page = screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            live=False,
            centre=chart_panel(TITLE, empty_state("暂时无法读取指标库", "请稍后刷新页面"), mode=view.mode),
        )
        page.children = [c for c in page.children if getattr(c, "id", None) != IDS.tick]
        return page
    return _wall(cat, view) if view.kiosk else _analyst(cat, view, _first(topic), _first(q))


# Only the wall ticks, so only the wall's panels are redrawn (the analyst grid has its own callbacks).
@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    Output(TILES, "children"),
    Output(VALUES, "children"),
    state=[State(IDS.view, "data")],
)
def refresh(view_query: dict) -> Refreshed:
    view = ViewParams.from_query(view_query)
    cat = _read()
    bodies = _wall_panels(cat, view)
    return Refreshed([_kpis(cat, view), bodies[TILES], bodies[VALUES]], data_time=data_time_of(cat))


@callback(Output(GRID, "rowData"), Input(THEME, "value"), prevent_initial_call=True)
def filter_theme(theme: str | None) -> list[dict[str, Any]]:
    return catalogue_rows(_filtered(_read(), theme or None))


@callback(Output(GRID, "exportDataAsCsv"), Input(EXPORT, "n_clicks"), prevent_initial_call=True)
def export_csv(n_clicks: int) -> bool:
    auth.require("export")
    if n_clicks:
        auth.record("export", "indicators", {"format": "csv"})
    return bool(n_clicks)


clientside_callback(
    """function (text, options) {
        return Object.assign({}, options || {}, {quickFilterText: text || ""});
    }""",
    Output(GRID, "dashGridOptions"),
    Input(QUICK, "value"),
    State(GRID, "dashGridOptions"),
    prevent_initial_call=True,
)

# The count follows what the grid shows after the theme, the quick filter and any column filter.
clientside_callback(
    """function (rows, total) {
        const n = (rows || []).length;
        return n === total ? "共 " + total + " 项指标" : "显示 " + n + " / " + total + " 项指标";
    }""",
    Output(COUNT, "children"),
    Input(GRID, "virtualRowData"),
    State(TOTAL, "data"),
    prevent_initial_call=True,
)
