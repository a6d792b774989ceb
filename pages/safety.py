"""“三品一特”安全守护 (/safety): food (licences, catering risk grades, sampling and the follow-up of
failed batches), drugs, medical devices and cosmetics (licences), special equipment (inspections due
and overdue, elevators by age, entrapments) and cold-chain traceability (cold-store sensors).

For analysts a street (map or filter), an office, a food category (sampling chart), an equipment
kind (inspection chart) and a month (entrapment trend) filter the other panels; the state lives in
the URL; the failed samplings behind the numbers are listed, linked to each entity's file and
exported. Automatic drug vending machines are not in the data and so not on the screen.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_safety as charts
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
from data_access.api import safety as read
from data_access.api.geo import street_choropleth

dash.register_page(
    __name__,
    path="/safety",
    name="三品一特",
    title="“三品一特”安全守护 · 智慧监管·云中心",
    category="三品一特",
    order=25,
    wall=True,
)

log = logging.getLogger(__name__)

IDS = ScreenIds("safety")
FILTERS = FilterIds("safety")
TITLE = "“三品一特”安全守护"

KPI_IDS = (
    "licence.food_business_valid",
    "licence.drug_retail_valid",
    "sampling.batches",
    "sampling.pass_rate",
    "sampling.followup_rate",
    "equipment.elevators",
    "equipment.overdue_inspection",
    "equipment.inspection_pass_rate",
)
BETTER = {
    "sampling.batches": True,
    "sampling.pass_rate": True,
    "sampling.followup_rate": True,
    "equipment.inspection_pass_rate": True,
}
#: The map's indicator: in-use special equipment past its inspection date, per street.
MAP_INDICATOR = "equipment.overdue_inspection"

GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
DEFAULT_KIND = "elevator"
#: The wall's bottom row: the failed-sampling list and the cold-chain gauge side by side.
WALL_BOTTOM = {
    "display": "grid",
    "gridTemplateColumns": "minmax(0, 2.6fr) minmax(0, 1fr)",
    "gridTemplateRows": "minmax(0, 1fr)",
    "gap": "16px",
    "flex": "1 1 0",
    "minHeight": 0,
}

CLICK_TARGETS = {
    IDS.id("map-graph"): "street",
    IDS.id("sampling-graph"): "category",
    IDS.id("due-graph"): "equipment",
    IDS.id("entrapment-graph"): "period",
}
CONTROLS = {"period": FILTERS.period, "street": FILTERS.street, "office": FILTERS.office}

COLUMNS = (
    Column("id", "编号", width=110),
    Column("sampled_on", "抽样日期", "date"),
    Column("food_category", "食品类别"),
    Column("hazard", "不合格项目"),
    Column("entity_name", "被抽样主体", link="/entity/{uscc}"),
    Column("uscc", "统一社会信用代码"),
    Column("street_name", "街镇"),
    Column("followup", "核查处置"),
    Column("followed_up_on", "处置日期", "date"),
)


def _categories() -> dict[str, str]:
    """The food categories sampled in the last twelve months (the filter's allowed values)."""
    b = extra.period_bounds("last12m")
    cats = read.sampling_by_category(b["start"], b["end"])["food_category"]
    return {str(c): str(c) for c in sorted(cats)}


def _fields() -> list[FilterField]:
    stations = extra.offices("station")
    return [
        FilterField(
            "period", "期间", dict(PERIOD_LABELS), "month", accept=extra.is_period, describe=format_month
        ),
        FilterField("street", "街镇", extra.street_names()),
        FilterField("office", "市场监管所", dict(zip(stations["code"], stations["name"], strict=True))),
        FilterField("category", "食品类别", _categories()),
        FilterField("equipment", "设备种类", ENUM_LABELS[("equipment", "kind")]),
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


def _failed(state: dict[str, Any], limit: int) -> tuple[Any, bool]:
    """The failed samplings of a state, newest first, at most ``limit``, and whether the list was
    cut. The read API lists them for every category: for one category it reads up to
    ``EXPORT_LIMIT`` and keeps that category's rows."""
    bounds = extra.period_bounds(state["period"])
    category = state.get("category")
    rows = read.failed_samplings(
        bounds["start"], bounds["end"], _scope(state), limit=EXPORT_LIMIT if category else limit
    )
    frame = rows.frame
    if category:
        frame = frame[frame["food_category"] == category]
    cut = rows.truncated or len(frame) > limit
    return frame.head(limit).reset_index(drop=True), cut


def _draw(view: ViewParams, state: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    scope = _scope(state)
    theme, mode = view.theme, view.mode
    kind = state.get("equipment") or DEFAULT_KIND
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    cold = read.cold_chain(scope)
    failed, _ = _failed(state, 30 if view.kiosk else 20)
    out = {
        "kpis": kpi_cards(extra.screen_kpis(KPI_IDS, period, scope), mode=mode, better=BETTER),
        "licences": charts.licence_chart(read.licences_by_kind(scope), theme=theme, mode=mode),
        "grades": charts.catering_grade_chart(read.catering_grades(scope), theme=theme, mode=mode),
        "sampling": charts.sampling_chart(
            read.sampling_by_category(start, end, scope),
            selected=state.get("category"),
            top=6 if mode == "wall" else 10,
            theme=theme,
            mode=mode,
        ),
        "cold": charts.cold_chain_chart(cold, theme=theme, mode=mode),
        "cold_caption": charts.cold_chain_caption(cold),
        "map": charts.street_map(
            street_choropleth(MAP_INDICATOR),
            value_name="超期未检特种设备",
            unit="台",
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "due": charts.inspection_due_chart(
            read.equipment_inspection_due(scope), selected=state.get("equipment"), theme=theme, mode=mode
        ),
        "age": charts.age_chart(read.equipment_by_age(kind, scope), kind=kind, theme=theme, mode=mode),
        "entrapment": charts.entrapment_chart(
            read.entrapments(trend_start, trend_end, scope),
            selected_month=period if extra.parse_month(period) else None,
            theme=theme,
            mode=mode,
        ),
        "failed": charts.failed_samplings_list(
            failed, extra.street_names(), mode=mode, visible_rows=3 if view.kiosk else 20
        ),
    }
    return out, bounds["data_time"]


def _caption(state: dict[str, Any]) -> Any:
    return period_caption(
        _fields()[0].text(state["period"]), extra.period_bounds(state["period"]), id=IDS.id("period")
    )


def _panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    when = f" · {_fields()[0].text(state['period'])}" if view.kiosk else ""
    analyst = not view.kiosk
    return {
        "left": [
            chart_panel("有效许可证（三品）", figs["licences"], unit="张", id=IDS.id("licences"), mode=mode),
            chart_panel("餐饮食品安全风险等级", figs["grades"], unit="家", id=IDS.id("grades"), mode=mode),
            chart_panel(
                f"食品抽检批次与合格率{when}",
                figs["sampling"],
                unit="批",
                id=IDS.id("sampling"),
                mode=mode,
                note="抽检最多的10类；点击食品类别可筛选不合格批次。" if analyst else None,
            ),
        ],
        "centre": chart_panel(
            "各街镇超期未检特种设备",
            figs["map"],
            unit="台",
            id=IDS.id("map"),
            mode=mode,
            class_name="panel--map",
            note="色块为各街镇在用、已超过下次检验日期的特种设备；街镇边界为近似划分；点击街镇可筛选全屏。"
            if analyst
            else None,
        ),
        "bottom": chart_panel(
            f"抽检不合格批次及核查处置{when}",
            html.Div(figs["failed"], id=IDS.id("failed"), className="panel-fill"),
            unit="批",
            mode=mode,
        ),
        "cold": chart_panel(
            "冷链追溯" if view.kiosk else "冷链追溯 · 冷库温度传感器在线率",
            figs["cold"],
            id=IDS.id("cold"),
            mode=mode,
            note=figs["cold_caption"],
        ),
        "right": [
            chart_panel(
                "特种设备检验到期",
                figs["due"],
                unit="台",
                id=IDS.id("due"),
                mode=mode,
                note="点击设备种类可查看其使用年限。" if analyst else None,
            ),
            chart_panel("在用特种设备使用年限", figs["age"], unit="台", id=IDS.id("age"), mode=mode),
            chart_panel(
                f"近{TREND_MONTHS}个月电梯困人",
                figs["entrapment"],
                unit="次/起",
                id=IDS.id("entrapment"),
                mode=mode,
                note="柱为物联网困人告警（次），线为报告的困人事件（起）；点击月份可筛选期间。"
                if analyst
                else None,
            ),
        ],
    }


def _grid_frame(state: dict[str, Any], limit: int) -> tuple[Any, bool]:
    frame, cut = _failed(state, limit)
    frame = frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    frame["followup"] = frame["followed_up_on"].map(charts.followup_text)
    return frame, cut


def _grid_caption(frame: Any, cut: bool, limit: int) -> str:
    return count_text(len(frame), cut, limit)


def _detail(state: dict[str, Any]) -> Any:
    frame, cut = _grid_frame(state, GRID_LIMIT)
    grid = detail_grid(IDS.id("grid"), grid_rows(frame, COLUMNS), COLUMNS)
    return detail_panel(
        "食品抽检不合格批次明细（当前筛选）",
        grid,
        caption_id=IDS.id("grid-caption"),
        caption=_grid_caption(frame, cut, GRID_LIMIT),
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("detail"),
        note=f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条；点击主体名称查看一户一档。",
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
        log.exception("三品一特页面读取数据失败")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            centre=unavailable("三品一特", mode=view.mode, built=extra.read_layer_built()),
        )
    stores = [dcc.Store(id=IDS.id("state"), data=state), dcc.Location(id=IDS.id("url"), refresh=False)]
    panels = _panels(view, figs, state)
    if view.kiosk:
        # the wall's side columns hold three panels each; the cold chain sits beside the list
        bottom: Any = html.Div([panels["bottom"], panels["cold"]], style=WALL_BOTTOM)
        right = panels["right"]
    else:
        bottom, right = panels["bottom"], [*panels["right"], panels["cold"]]
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        data_time=data_time,
        kpis=figs["kpis"],
        filters=None if view.kiosk else _filters(state, notes),
        left=panels["left"],
        right=right,
        centre=[panels["centre"], *stores],
        bottom=bottom,
        detail=None if view.kiosk else _detail(state),
    )


GRAPHS = ("licences", "grades", "sampling", "cold", "map", "due", "age", "entrapment")


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    *(Output(IDS.id(f"{k}-graph"), "figure") for k in GRAPHS),
    Output(IDS.id("failed"), "children"),
    inputs=[Input(IDS.id("state"), "data")],
    state=[State(IDS.view, "data")],
)
def refresh(state: dict[str, Any], view_query: dict[str, Any]) -> Refreshed:
    figs, data_time = _draw(ViewParams.from_query(view_query), state)
    return Refreshed([figs["kpis"], *(figs[k] for k in GRAPHS), figs["failed"]], data_time=data_time)


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
    frame, cut = _grid_frame(state, GRID_LIMIT)
    return grid_rows(frame, COLUMNS), _grid_caption(frame, cut, GRID_LIMIT)


def export_file(state: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The failed samplings of a filter state as a CSV or XLSX download (at most ``EXPORT_LIMIT``)."""
    frame, _ = _grid_frame(state, EXPORT_LIMIT)
    as_of = extra.period_bounds(state["period"])["as_of"]
    return download(frame, COLUMNS, f"食品抽检不合格明细_{as_of:%Y%m%d}", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    State(IDS.id("state"), "data"),
    prevent_initial_call=True,
)
def on_export(_csv: int, _xlsx: int, state: dict[str, Any]) -> dict[str, Any]:
    return export_file(state, "xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv")
