"""投诉举报 (/complaints): channels, kinds and categories, the trend against last year, on-time and
satisfaction rates, the street map, the streets where complaints rose most, the most complained
entities, hot words and the amounts recovered for consumers.

For analysts every chart filters the others (a street on the map or in the change ranking, a
channel, a kind, a category, a month of the trend), the filter state lives in the URL, and the
complaints behind the numbers are listed and exported. "Which street's complaints rose most this
month, and about which entities?" is the change ranking's first bar: one click shows that street's
complaints, its most complained entities and its hot words.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_complaints as charts
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
from data_access.api import complaints as read
from data_access.api import extra_screens as extra
from data_access.api.geo import street_polygons

dash.register_page(
    __name__,
    path="/complaints",
    name="投诉举报",
    title="投诉举报 · 智慧监管·云中心",
    category="投诉举报",
    order=40,
    wall=True,
)

log = logging.getLogger(__name__)

IDS = ScreenIds("complaints")
FILTERS = FilterIds("complaints")
TITLE = "投诉举报"

KPI_IDS = (
    "complaint.received",
    "complaint.closed",
    "complaint.ontime_rate",
    "complaint.satisfaction_rate",
    "complaint.recovered_amount",
    "complaint.avg_handling_minutes",
    "complaint.open",
)
BETTER = {
    "complaint.closed": True,
    "complaint.ontime_rate": True,
    "complaint.satisfaction_rate": True,
    "complaint.recovered_amount": True,
    "complaint.avg_handling_minutes": False,
}

#: Rows in the grid, and in an export (the grid is for looking, the export for working).
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
#: The window of the wall's most-complained ranking (the 高频被投诉 tag counts over 90 days too).
WALL_ENTITY_DAYS = 90

#: Which filter a click on which graph sets.
CLICK_TARGETS = {
    IDS.id("map-graph"): "street",
    IDS.id("change-graph"): "street",
    IDS.id("channel-graph"): "channel",
    IDS.id("kind-graph"): "kind",
    IDS.id("category-graph"): "category",
    IDS.id("trend-graph"): "period",
}
CONTROLS = {"period": FILTERS.period, "street": FILTERS.street, "office": FILTERS.office}

COLUMNS = (
    Column("id", "编号", width=150),
    Column("received_at", "受理时间", "datetime"),
    Column("channel", "渠道", "enum", ("complaint", "channel")),
    Column("kind", "类型", "enum", ("complaint", "kind")),
    Column("category", "类别", "enum", ("complaint", "category")),
    Column("status", "状态", "enum", ("complaint", "status")),
    Column("street_name", "街镇"),
    Column("entity_name", "被投诉主体", link="/entity/{uscc}"),
    Column("uscc", "统一社会信用代码"),
    Column("summary", "诉求摘要", width=320),
    Column("complainant_name", "投诉人"),
    Column("complainant_phone", "联系电话"),
    Column("due_at", "办理期限", "datetime"),
    Column("closed_at", "办结时间", "datetime"),
    Column("satisfied", "是否满意", "bool"),
    Column("amount_recovered", "挽回金额（元）", "money"),
)


def _fields() -> list[FilterField]:
    stations = extra.offices("station")
    return [
        FilterField(
            "period", "期间", dict(PERIOD_LABELS), "month", accept=extra.is_period, describe=format_month
        ),
        FilterField("street", "街镇", extra.street_names()),
        FilterField("office", "市场监管所", dict(zip(stations["code"], stations["name"], strict=True))),
        FilterField("channel", "渠道", ENUM_LABELS[("complaint", "channel")]),
        FilterField("kind", "类型", ENUM_LABELS[("complaint", "kind")]),
        FilterField("category", "类别", ENUM_LABELS[("complaint", "category")]),
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


def _picks(state: dict[str, Any], *, without: str | None = None) -> dict[str, str | None]:
    """The channel/kind/category filters for a read, leaving out the chart's own dimension."""
    return {k: state.get(k) for k in ("channel", "kind", "category") if k != without}


def _entity_window(view: ViewParams, bounds: dict[str, Any]) -> tuple[date, date]:
    """The period of the most-complained ranking: the chosen period for analysts; on the wall the
    last ``WALL_ENTITY_DAYS`` days, long enough to name the repeat targets whatever the date."""
    if not view.kiosk:
        return bounds["start"], bounds["end"]
    end = bounds["as_of"] + timedelta(days=1)
    return end - timedelta(days=WALL_ENTITY_DAYS), end


def _draw(view: ViewParams, state: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    scope = _scope(state)
    theme, mode = view.theme, view.mode
    streets = street_polygons()
    names = extra.street_names()
    picks = _picks(state)
    kpis = extra.screen_kpis(KPI_IDS, period, scope, tuple((k, v) for k, v in picks.items() if v))
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    by_street = read.complaints_by("street_code", start, end, None, **picks)
    points = extra.complaint_points(start, end, scope, **picks).frame
    out = {
        "kpis": kpi_cards(kpis, mode=mode, better=BETTER),
        "channel": charts.channel_chart(
            read.complaints_by("channel", start, end, scope, **_picks(state, without="channel")),
            selected=state.get("channel"),
            theme=theme,
            mode=mode,
        ),
        "kind": charts.kind_chart(
            read.complaints_by("kind", start, end, scope, **_picks(state, without="kind")),
            selected=state.get("kind"),
            theme=theme,
            mode=mode,
        ),
        "category": charts.category_chart(
            read.complaints_by("category", start, end, scope, **_picks(state, without="category")),
            selected=state.get("category"),
            top=8 if mode == "wall" else None,
            theme=theme,
            mode=mode,
        ),
        "map": charts.street_map(
            streets,
            by_street,
            points=points,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "trend": charts.trend_chart(
            read.complaint_trend(trend_start, trend_end, scope, "month", **picks),
            selected_month=period if extra.parse_month(period) else None,
            theme=theme,
            mode=mode,
        ),
        "change": charts.street_change_chart(
            extra.complaint_street_change(period, None, **picks),
            selected=state.get("street"),
            top=8 if mode == "wall" else None,
            theme=theme,
            mode=mode,
        ),
        "entities": charts.top_entities_list(
            read.top_complained_entities(*_entity_window(view, bounds), scope, 10, state.get("category")),
            names,
            mode=mode,
            visible_rows=5,
        ),
        "words": charts.hot_words_chart(
            read.complaint_hot_words(start, end, scope, 30), theme=theme, mode=mode
        ),
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
    return {
        "left": [
            chart_panel(f"受理渠道{when}", figs["channel"], unit="件", id=IDS.id("channel"), mode=mode),
            chart_panel("诉求类型", figs["kind"], unit="件", id=IDS.id("kind"), mode=mode),
            chart_panel("投诉举报类别", figs["category"], unit="件", id=IDS.id("category"), mode=mode),
        ],
        "centre": chart_panel(
            f"各街镇投诉举报分布{when}",
            figs["map"],
            unit="件",
            id=IDS.id("map"),
            mode=mode,
            class_name="panel--map",
            note="色块为各街镇受理量，热力为投诉发生位置；街镇边界为近似划分。" if mode != "wall" else None,
        ),
        "bottom": chart_panel(
            f"近{TREND_MONTHS}个月受理趋势（与去年同期比较）",
            figs["trend"],
            unit="件",
            id=IDS.id("trend"),
            mode=mode,
        ),
        "right": [
            chart_panel(
                "各街镇受理量环比变化",
                figs["change"],
                unit="件",
                id=IDS.id("change"),
                mode=mode,
                note=None if view.kiosk else "本期与对比期（上一期的同样天数）相比；点击街镇可筛选全屏。",
            ),
            chart_panel(
                f"近{WALL_ENTITY_DAYS}天被投诉最多的主体" if view.kiosk else "被投诉最多的主体",
                html.Div(figs["entities"], id=IDS.id("entities"), className="panel-fill"),
                unit="件",
                mode=mode,
            ),
            chart_panel("诉求热词", figs["words"], id=IDS.id("words"), mode=mode),
        ],
    }


def _grid_frame(state: dict[str, Any], limit: int):
    bounds = extra.period_bounds(state["period"])
    rows = read.complaint_list(bounds["start"], bounds["end"], _scope(state), **_picks(state), limit=limit)
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return rows, frame


def _detail(state: dict[str, Any]) -> Any:
    rows, frame = _grid_frame(state, GRID_LIMIT)
    grid = detail_grid(IDS.id("grid"), grid_rows(frame, COLUMNS), COLUMNS)
    return detail_panel(
        "投诉举报明细（当前筛选）",
        grid,
        caption_id=IDS.id("grid-caption"),
        caption=count_text(len(rows), rows.truncated, rows.limit),
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("detail"),
        note=f"投诉人姓名与电话已脱敏；导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
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
        ],
        className="screen-filters",
    )


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    try:
        state, notes = read_state(view.extra, _fields())
        figs, data_time = _draw(view, state)
    except Exception as exc:  # the frame shows its "data delayed" state instead of an error page
        log.exception("投诉举报页面读取数据失败")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            centre=unavailable("投诉举报", mode=view.mode, built=extra.read_layer_built()),
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


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    Output(IDS.id("channel-graph"), "figure"),
    Output(IDS.id("kind-graph"), "figure"),
    Output(IDS.id("category-graph"), "figure"),
    Output(IDS.id("map-graph"), "figure"),
    Output(IDS.id("trend-graph"), "figure"),
    Output(IDS.id("change-graph"), "figure"),
    Output(IDS.id("entities"), "children"),
    Output(IDS.id("words-graph"), "figure"),
    inputs=[Input(IDS.id("state"), "data")],
    state=[State(IDS.view, "data")],
)
def refresh(state: dict[str, Any], view_query: dict[str, Any]) -> Refreshed:
    figs, data_time = _draw(ViewParams.from_query(view_query), state)
    return Refreshed(
        [
            figs[k]
            for k in ("kpis", "channel", "kind", "category", "map", "trend", "change", "entities", "words")
        ],
        data_time=data_time,
    )


def update_filters(trigger: Any, value: Any, state: dict[str, Any], view_query: dict[str, Any]) -> tuple:
    """The screen's new filter state after one event, and everything that shows it.

    ``trigger`` is the id of what fired (a dropdown, a graph, a chip) and ``value`` its new value
    (a dropdown value, a Plotly ``clickData``, a chip's ``n_clicks``). Returns the state, the
    chips, the URL query, the dropdowns' values and the period options, the (cleared) link note
    and the period's dates.
    """
    event = event_of(trigger, value, page=IDS.slug, clicks=CLICK_TARGETS, controls=CONTROLS)
    if event is None:
        return (no_update,) * 9
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
    """The complaints of a filter state as a CSV or XLSX download (at most ``EXPORT_LIMIT`` rows)."""
    _, frame = _grid_frame(state, EXPORT_LIMIT)
    as_of = extra.period_bounds(state["period"])["as_of"]
    return download(frame, COLUMNS, f"投诉举报明细_{as_of:%Y%m%d}", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    State(IDS.id("state"), "data"),
    prevent_initial_call=True,
)
def on_export(_csv: int, _xlsx: int, state: dict[str, Any]) -> dict[str, Any]:
    return export_file(state, "xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv")
