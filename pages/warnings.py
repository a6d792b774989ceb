"""智能预警 (/warnings): the warnings the rule engine raised — by level (红/橙/黄/蓝), by theme and by
rule — how many are still open against closed, how fast they were answered and closed, where the
open ones are on the district map, the newest warnings as they arrive, and the rule catalogue
(rules as data: id, name, theme, level, condition, enabled).

For analysts a click on a level (the level chart or the open/closed chart) or on a street of the
map filters the other panels; the filter state lives in the URL, and the open warnings behind the
map are listed, linked to their entities' files and exported.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_warnings as charts
from components.charts_common import kpi_cards, unavailable
from components.crossfilter import CHIP_ROLE, event_of, filter_chips, next_state
from components.filters import FilterIds, filter_bar
from components.formatting import format_month
from components.labels import ENUM_LABELS, PERIOD_LABELS
from components.layout import Refreshed, ScreenIds, ViewParams, refresh_callback, screen_frame
from components.panels import chart_panel
from components.permalink import (
    FilterField,
    link_notes,
    period_caption,
    period_options,
    read_state,
    state_search,
)
from components.tables import Column, count_text, detail_grid, detail_panel, download, grid_rows
from data_access.api import extra_screens as extra
from data_access.api import warnings as read
from data_access.api.geo import street_polygons
from data_access.api.overview import latest_warnings

dash.register_page(
    __name__,
    path="/warnings",
    name="智能预警",
    title="智能预警 · 智慧监管·云中心",
    category="智能预警",
    order=30,
    wall=True,
)

log = logging.getLogger(__name__)

IDS = ScreenIds("warnings")
FILTERS = FilterIds("warnings")
TITLE = "智能预警"

KPI_IDS = (
    "warning.raised",
    "warning.open_total",
    "warning.open.red",
    "warning.open.orange",
    "warning.open.yellow",
    "warning.open.blue",
    "warning.closure_rate",
    "warning.avg_response_minutes",
    "warning.avg_closure_minutes",
)
BETTER = {
    "warning.closure_rate": True,
    "warning.avg_response_minutes": False,
    "warning.avg_closure_minutes": False,
}
TONES = {f"warning.open.{lv}": lv for lv in charts.LEVELS}

#: Rows in the grid and in an export; open warnings on the map; newest warnings in the list.
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
MAP_LIMIT = 2_000
NEWEST = 20
#: Rules in the rule ranking: a wall panel holds six legible bars, an analyst's ten.
WALL_RULES = 6
ANALYST_RULES = 10

#: Which filter a click on which graph sets.
CLICK_TARGETS = {
    IDS.id("map-graph"): "street",
    IDS.id("levels-graph"): "level",
    IDS.id("status-graph"): "level",
}
CONTROLS = {"period": FILTERS.period, "street": FILTERS.street, "office": FILTERS.office}

COLUMNS = (
    Column("id", "预警编号", width=170),
    Column("raised_at", "发出时间", "datetime"),
    Column("level", "等级", "enum", ("warning", "level")),
    Column("status", "状态", "enum", ("warning", "status")),
    Column("title", "预警内容", width=320),
    Column("street_name", "街镇"),
    Column("entity_name", "涉及主体", link="/entity/{uscc}"),
    Column("uscc", "统一社会信用代码"),
)


def _fields() -> list[FilterField]:
    stations = extra.offices("station")
    return [
        FilterField(
            "period", "期间", dict(PERIOD_LABELS), "month", accept=extra.is_period, describe=format_month
        ),
        FilterField("street", "街镇", extra.street_names()),
        FilterField("office", "市场监管所", dict(zip(stations["code"], stations["name"], strict=True))),
        FilterField("level", "预警等级", ENUM_LABELS[("warning", "level")]),
    ]


def _scope(state: dict[str, Any]) -> tuple[str, ...] | None:
    """The streets the state covers: the street, the office's street (a 市场监管所 serves one
    street), both (their intersection, possibly empty) or the whole district (None)."""
    chosen = []
    if state.get("street"):
        chosen.append({state["street"]})
    if state.get("office"):
        stations = extra.offices("station").set_index("code")["street_code"]
        chosen.append({stations.get(state["office"])} - {None})
    if not chosen:
        return None
    return tuple(sorted(set.intersection(*chosen)))


def _kpi_filters(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The KPI strip follows the level filter (indicators that fix a level of their own cannot)."""
    return (("level", state["level"]),) if state.get("level") else ()


def _kpis(state: dict[str, Any]):
    return extra.screen_kpis(KPI_IDS, state["period"], _scope(state), _kpi_filters(state))


def _kpi_note(state: dict[str, Any]) -> str:
    """Which KPI cards could not follow the level filter (the per-level cards count one level each)."""
    if not state.get("level"):
        return ""
    fixed = [row.name for row in _kpis(state).itertuples() if row.unfiltered]
    return f"注：{'、'.join(fixed)}各按其本身的等级统计，不随等级筛选。" if fixed else ""


def _draw(view: ViewParams, state: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    scope, level = _scope(state), state.get("level")
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    rules = read.warning_rules(scope)
    by_level = read.warnings_by("level", start, end, scope)
    by_street = read.warnings_by("street_code", start, end, None, level)
    out = {
        "kpis": kpi_cards(_kpis(state), mode=mode, better=BETTER, tones=TONES),
        "levels": charts.level_chart(by_level, selected=level, theme=theme, mode=mode),
        "themes": charts.theme_chart(
            read.warnings_by("theme", start, end, scope, level), theme=theme, mode=mode
        ),
        "rules": charts.rule_chart(
            read.warnings_by("rule_id", start, end, scope, level),
            rules,
            top=WALL_RULES if wall else ANALYST_RULES,
            theme=theme,
            mode=mode,
        ),
        "map": charts.warning_map(
            street_polygons(),
            dict(zip(by_street["street_code"].astype(str), by_street["n"].astype(float), strict=True)),
            read.open_warning_points(scope, level, MAP_LIMIT).frame,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "status": charts.status_chart(read.warning_status(scope), selected=level, theme=theme, mode=mode),
        "times": charts.times_chart(by_level, theme=theme, mode=mode),
        "newest": charts.newest_list(
            latest_warnings(NEWEST, scope, level).frame, mode=mode, visible_rows=4 if wall else NEWEST
        ),
        "catalogue": charts.rule_catalogue(rules, mode=mode, visible_rows=4 if wall else len(rules)),
    }
    return out, bounds["data_time"]


def _caption(state: dict[str, Any]) -> Any:
    return period_caption(
        _fields()[0].text(state["period"]), extra.period_bounds(state["period"]), id=IDS.id("period")
    )


def _panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    # the wall shows one period for good, so its titles name it; analysts read it over the panels
    when = f" · {_fields()[0].text(state['period'])}" if view.kiosk else ""
    analyst = not view.kiosk
    return {
        "left": [
            chart_panel(
                f"发出预警（按等级）{when}",
                figs["levels"],
                unit="条",
                id=IDS.id("levels"),
                mode=mode,
                note="点击等级可筛选全屏。" if analyst else None,
            ),
            chart_panel("预警主题分布", figs["themes"], unit="条", id=IDS.id("themes"), mode=mode),
            chart_panel(
                f"预警最多的规则（前{WALL_RULES if view.kiosk else ANALYST_RULES}）",
                figs["rules"],
                unit="条",
                id=IDS.id("rules"),
                mode=mode,
            ),
        ],
        "centre": chart_panel(
            f"未办结预警分布{when}",
            figs["map"],
            unit="条",
            id=IDS.id("map"),
            mode=mode,
            class_name="panel--map",
            note="色块为期间内各街镇发出的预警，点为当前未办结（待派单、处置中）的预警；"
            "街镇边界为近似划分；点击街镇可筛选全屏。"
            if analyst
            else None,
        ),
        "bottom": chart_panel(
            "最新预警",
            html.Div(figs["newest"], id=IDS.id("newest"), className="panel-fill"),
            mode=mode,
        ),
        "right": [
            chart_panel(
                "未办结与已办结（当前）",
                figs["status"],
                unit="条",
                id=IDS.id("status"),
                mode=mode,
                note="待派单、处置中为未办结；已办结、已核查为办结。" if analyst else None,
            ),
            chart_panel("平均响应与办结时长", figs["times"], id=IDS.id("times"), mode=mode),
            chart_panel(
                "预警规则库",
                html.Div(figs["catalogue"], id=IDS.id("catalogue"), className="panel-fill"),
                unit="条",
                mode=mode,
            ),
        ],
    }


def _grid_frame(state: dict[str, Any], limit: int):
    rows = read.open_warning_points(_scope(state), state.get("level"), limit)
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return rows, frame


def _detail(state: dict[str, Any]) -> Any:
    rows, frame = _grid_frame(state, GRID_LIMIT)
    grid = detail_grid(IDS.id("grid"), grid_rows(frame, COLUMNS), COLUMNS)
    return detail_panel(
        "未办结预警明细（当前筛选）",
        grid,
        caption_id=IDS.id("grid-caption"),
        caption=count_text(len(rows), rows.truncated, rows.limit),
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("detail"),
        note=f"列出当前待派单、处置中的预警（按街镇与等级筛选，不限期间），最新在前；"
        f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
    )


def _filters(state: dict[str, Any], notes: list[str]) -> html.Div:
    fields = _fields()
    stations = extra.offices("station")
    bar = filter_bar(
        IDS.slug,
        streets=list(fields[1].choices.items()),
        offices=list(zip(stations["code"], stations["name"], strict=True)),
        values=state,
        show=("period", "street", "office"),
        periods=[o["value"] for o in period_options(fields[0], PERIOD_LABELS, state["period"])],
    )
    return html.Div(
        [
            bar,
            html.Div(filter_chips(IDS.slug, state, fields), id=IDS.id("chips")),
            _caption(state),
            link_notes(notes, id=IDS.id("link-notes")),
            html.Div(_kpi_note(state), id=IDS.id("kpi-note"), className="detail-caption"),
        ],
        className="screen-filters",
    )


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    try:
        state, notes = read_state(view.extra, _fields())
        figs, data_time = _draw(view, state)
    except Exception as exc:  # the frame shows its "data delayed" state instead of an error page
        log.exception("智能预警页面读取数据失败")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            centre=unavailable("智能预警", mode=view.mode, built=extra.read_layer_built()),
        )
    stores = [dcc.Store(id=IDS.id("state"), data=state), dcc.Location(id=IDS.id("url"), refresh=False)]
    panels = _panels(view, figs, state)
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        data_time=data_time,
        kpis=figs["kpis"],
        filters=None if view.kiosk else _filters(state, notes),
        left=panels["left"],
        right=panels["right"],
        centre=[panels["centre"], *stores],
        bottom=panels["bottom"],
        detail=None if view.kiosk else _detail(state),
    )


GRAPHS = ("levels", "themes", "rules", "map", "status", "times")


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    *(Output(IDS.id(f"{k}-graph"), "figure") for k in GRAPHS),
    Output(IDS.id("newest"), "children"),
    Output(IDS.id("catalogue"), "children"),
    inputs=[Input(IDS.id("state"), "data")],
    state=[State(IDS.view, "data")],
)
def refresh(state: dict[str, Any], view_query: dict[str, Any]) -> Refreshed:
    figs, data_time = _draw(ViewParams.from_query(view_query), state)
    return Refreshed(
        [figs["kpis"], *(figs[k] for k in GRAPHS), figs["newest"], figs["catalogue"]], data_time=data_time
    )


def update_filters(trigger: Any, value: Any, state: dict[str, Any], view_query: dict[str, Any]) -> tuple:
    """The screen's new filter state after one event, and everything that shows it.

    ``trigger`` is the id of what fired (a dropdown, a graph, a chip) and ``value`` its new value
    (a dropdown value, a Plotly ``clickData``, a chip's ``n_clicks``). Returns the state, the
    chips, the URL query, the dropdowns' values and the period options, the (cleared) link note,
    the period's dates and the note on the KPI strip.
    """
    event = event_of(trigger, value, page=IDS.slug, clicks=CLICK_TARGETS, controls=CONTROLS)
    if event is None:
        return (no_update,) * 10
    fields = _fields()
    new = next_state(state, fields, *event)
    view = ViewParams.from_query(view_query)
    search = state_search(new, fields, keep={"theme": "dark"} if view.theme == "dark" else None)
    return (
        new,
        filter_chips(IDS.slug, new, fields),
        search or "?",
        new["period"],
        period_options(fields[0], PERIOD_LABELS, new["period"]),
        new["street"],
        new["office"],
        None,
        _caption(new).children,
        _kpi_note(new),
    )


@callback(
    Output(IDS.id("state"), "data"),
    Output(IDS.id("chips"), "children"),
    Output(IDS.id("url"), "search"),
    Output(FILTERS.period, "value"),
    Output(FILTERS.period, "options"),
    Output(FILTERS.street, "value"),
    Output(FILTERS.office, "value"),
    Output(IDS.id("link-notes"), "children"),
    Output(IDS.id("period"), "children"),
    Output(IDS.id("kpi-note"), "children"),
    *(Input(i, "value") for i in CONTROLS.values()),
    *(Input(g, "clickData") for g in CLICK_TARGETS),
    Input({"role": CHIP_ROLE, "page": IDS.slug, "name": ALL}, "n_clicks"),
    State(IDS.id("state"), "data"),
    State(IDS.view, "data"),
    prevent_initial_call=True,
)
def on_filter(*args: Any) -> tuple:
    state, view_query = args[-2], args[-1]
    return update_filters(
        ctx.triggered_id, ctx.triggered[0]["value"] if ctx.triggered else None, state, view_query
    )


@callback(
    Output(IDS.id("grid"), "rowData"),
    Output(IDS.id("grid-caption"), "children"),
    Input(IDS.id("state"), "data"),
    prevent_initial_call=True,
)
def update_grid(state: dict[str, Any]) -> tuple:
    """The detail grid's rows and caption for a filter state."""
    rows, frame = _grid_frame(state, GRID_LIMIT)
    return grid_rows(frame, COLUMNS), count_text(len(rows), rows.truncated, rows.limit)


def export_file(state: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The open warnings of a filter state as a CSV or XLSX download (at most ``EXPORT_LIMIT`` rows)."""
    _, frame = _grid_frame(state, EXPORT_LIMIT)
    as_of = extra.period_bounds(state["period"])["as_of"]
    return download(frame, COLUMNS, f"未办结预警明细_{as_of:%Y%m%d}", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    State(IDS.id("state"), "data"),
    prevent_initial_call=True,
)
def on_export(_csv: int, _xlsx: int, state: dict[str, Any]) -> dict[str, Any]:
    return export_file(state, "xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv")
