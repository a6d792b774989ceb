"""网络监管 (/online): the online stores the district's entities run, per platform; the illegal-ad
hits of 互联网智能感知 by risk level, their push-and-handle status and monthly trend; the
online-shopping complaints on the district map, by month against last year and as they arrive;
and the intellectual-property rights (知识产权) held in the district, whose protection is part of
the bureau's online supervision.

For analysts a click on a street of the map or on a month of either trend filters the other
panels; the filter state lives in the URL, and the online-shopping complaints behind the numbers
are listed, linked to their entities' files and exported.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_online as charts
from components.charts_common import kpi_cards, unavailable
from components.crossfilter import CHIP_ROLE, event_of, filter_chips, next_state
from components.filters import FilterIds, filter_bar
from components.formatting import format_month
from components.labels import PERIOD_LABELS
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
from data_access.api import complaints
from data_access.api import extra_screens as extra
from data_access.api import online as read
from data_access.api.geo import street_polygons

dash.register_page(
    __name__,
    path="/online",
    name="网络监管",
    title="网络监管 · 智慧监管·云中心",
    category="网络监管",
    order=45,
    wall=True,
)

log = logging.getLogger(__name__)

IDS = ScreenIds("online")
FILTERS = FilterIds("online")
TITLE = "网络监管"
CATEGORY = charts.ONLINE_CATEGORY

KPI_IDS = (
    "online.stores_active",
    "online.ad_hits",
    "online.ad_hits_high",
    "online.ad_handled_rate",
    "complaint.online_shopping",
    "ip.registered",
    "ip.trademarks",
    "ip.invention_patents",
)
BETTER = {"online.ad_handled_rate": True}

#: Rows in the grid and in an export; months of the trends; newest complaints in the list.
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
NEWEST = 20
MAP_POINTS = 1_000

#: Which filter a click on which graph sets.
CLICK_TARGETS = {
    IDS.id("map-graph"): "street",
    IDS.id("ad-trend-graph"): "period",
    IDS.id("complaint-trend-graph"): "period",
}
CONTROLS = {"period": FILTERS.period, "street": FILTERS.street, "office": FILTERS.office}

COLUMNS = (
    Column("id", "编号", width=150),
    Column("received_at", "受理时间", "datetime"),
    Column("channel", "渠道", "enum", ("complaint", "channel")),
    Column("kind", "类型", "enum", ("complaint", "kind")),
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


def _draw(view: ViewParams, state: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    scope = _scope(state)
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    month = period if extra.parse_month(period) else None
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    out = {
        "kpis": kpi_cards(extra.screen_kpis(KPI_IDS, period, scope), mode=mode, better=BETTER),
        "risk": charts.risk_chart(read.ad_hits_by("risk_level", start, end, scope), theme=theme, mode=mode),
        "status": charts.status_chart(read.ad_hits_by("status", start, end, scope), theme=theme, mode=mode),
        "ad-trend": charts.ad_trend_chart(
            read.ad_hit_trend(trend_start, trend_end, scope), selected_month=month, theme=theme, mode=mode
        ),
        "map": charts.street_map(
            street_polygons(),
            complaints.complaints_by("street_code", start, end, None, category=CATEGORY),
            points=extra.complaint_points(start, end, scope, category=CATEGORY, limit=MAP_POINTS).frame,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "platforms": charts.platform_chart(read.online_stores(scope), theme=theme, mode=mode),
        "complaint-trend": charts.complaint_trend_chart(
            complaints.complaint_trend(trend_start, trend_end, scope, "month", category=CATEGORY),
            selected_month=month,
            theme=theme,
            mode=mode,
        ),
        "ip": charts.ip_chart(read.ip_rights(scope, start, end), theme=theme, mode=mode),
        "newest": charts.newest_complaints(
            complaints.complaint_list(start, end, scope, category=CATEGORY, limit=NEWEST).frame,
            extra.street_names(),
            mode=mode,
            visible_rows=3 if wall else NEWEST,
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
    analyst = not view.kiosk
    return {
        "left": [
            chart_panel(
                f"广告监测命中{when}" if view.kiosk else "广告监测命中（按风险等级）",
                figs["risk"],
                unit="条",
                id=IDS.id("risk"),
                mode=mode,
                note="互联网智能感知发现的违法广告线索；按街镇筛选时，未关联辖区主体的线索只计入全区。"
                if analyst
                else None,
            ),
            chart_panel("线索推送与处置状态", figs["status"], unit="条", id=IDS.id("status"), mode=mode),
            chart_panel(
                f"近{TREND_MONTHS}个月广告监测命中",
                figs["ad-trend"],
                unit="条",
                id=IDS.id("ad-trend"),
                mode=mode,
                note="点击月份可筛选全屏。" if analyst else None,
            ),
        ],
        "centre": chart_panel(
            f"各街镇网购投诉举报分布{when}",
            figs["map"],
            unit="件",
            id=IDS.id("map"),
            mode=mode,
            class_name="panel--map",
            note="色块为各街镇受理的网购投诉举报，热力为投诉发生位置；街镇边界为近似划分；点击街镇可筛选全屏。"
            if analyst
            else None,
        ),
        "bottom": chart_panel(
            "最新网购投诉举报",
            html.Div(figs["newest"], id=IDS.id("newest"), className="panel-fill"),
            mode=mode,
        ),
        "right": [
            chart_panel(
                "在营网店（按平台）",
                figs["platforms"],
                unit="家",
                id=IDS.id("platforms"),
                mode=mode,
                note="辖区主体开设、当前经营中的网店。" if analyst else None,
            ),
            chart_panel(
                f"网购投诉举报（近{TREND_MONTHS}个月）"
                if view.kiosk
                else f"近{TREND_MONTHS}个月网购投诉举报（与去年同期比较）",
                figs["complaint-trend"],
                unit="件",
                id=IDS.id("complaint-trend"),
                mode=mode,
                note="点击月份可筛选全屏。" if analyst else None,
            ),
            chart_panel(
                f"知识产权（+为{_fields()[0].text(state['period'])}新增）"
                if view.kiosk
                else "知识产权（持有，括号内为期间新增）",
                figs["ip"],
                unit="件",
                id=IDS.id("ip"),
                mode=mode,
            ),
        ],
    }


def _grid_frame(state: dict[str, Any], limit: int):
    bounds = extra.period_bounds(state["period"])
    rows = complaints.complaint_list(
        bounds["start"], bounds["end"], _scope(state), category=CATEGORY, limit=limit
    )
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return rows, frame


def _detail(state: dict[str, Any]) -> Any:
    rows, frame = _grid_frame(state, GRID_LIMIT)
    grid = detail_grid(IDS.id("grid"), grid_rows(frame, COLUMNS), COLUMNS)
    return detail_panel(
        "网购投诉举报明细（当前筛选）",
        grid,
        caption_id=IDS.id("grid-caption"),
        caption=count_text(len(rows), rows.truncated, rows.limit),
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("detail"),
        note=f"期间内受理、类别为网络购物的投诉举报，最新在前；投诉人姓名与电话已脱敏；"
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
        ],
        className="screen-filters",
    )


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    try:
        state, notes = read_state(view.extra, _fields())
        figs, data_time = _draw(view, state)
    except Exception as exc:  # the frame shows its "data delayed" state instead of an error page
        log.exception("网络监管页面读取数据失败")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            centre=unavailable(TITLE, mode=view.mode, built=extra.read_layer_built()),
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


GRAPHS = ("risk", "status", "ad-trend", "map", "platforms", "complaint-trend", "ip")


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    *(Output(IDS.id(f"{k}-graph"), "figure") for k in GRAPHS),
    Output(IDS.id("newest"), "children"),
    inputs=[Input(IDS.id("state"), "data")],
    state=[State(IDS.view, "data")],
)
def refresh(state: dict[str, Any], view_query: dict[str, Any]) -> Refreshed:
    figs, data_time = _draw(ViewParams.from_query(view_query), state)
    return Refreshed([figs["kpis"], *(figs[k] for k in GRAPHS), figs["newest"]], data_time=data_time)


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
    """The online-shopping complaints of a filter state as a CSV or XLSX download (at most
    ``EXPORT_LIMIT`` rows)."""
    _, frame = _grid_frame(state, EXPORT_LIMIT)
    as_of = extra.period_bounds(state["period"])["as_of"]
    return download(frame, COLUMNS, f"网购投诉举报明细_{as_of:%Y%m%d}", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    State(IDS.id("state"), "data"),
    prevent_initial_call=True,
)
def on_export(_csv: int, _xlsx: int, state: dict[str, Any]) -> dict[str, Any]:
    return export_file(state, "xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv")
