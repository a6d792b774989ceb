"""主体信息 (/entities): the district's market entities — by type, by industry section, by street
(density), by credit risk class, on the credit lists — and how they come and go: registrations and
deregistrations over five years and the industries growing fastest.

For analysts every chart filters the others (a street, a type, an industry section, a credit class,
a month of the trend), the filter state lives in the URL, the entities behind the numbers are
listed and exported, and a search box leads to one entity's file (一户一档).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_entities as charts
from components.charts_common import kpi_cards, unavailable
from components.crossfilter import CHIP_ROLE, event_of, filter_chips, next_state
from components.filters import FilterIds, filter_bar
from components.formatting import format_month
from components.labels import ENUM_LABELS, GRADE_LABELS, INDUSTRY_SECTIONS, PERIOD_LABELS
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
from data_access.api import entities as read
from data_access.api import extra_screens as extra
from data_access.api.geo import street_polygons

log = logging.getLogger(__name__)

dash.register_page(
    __name__,
    path="/entities",
    name="主体信息",
    title="主体信息 · 智慧监管·云中心",
    category="主体信息",
    order=10,
    wall=True,
)

IDS = ScreenIds("entities")
FILTERS = FilterIds("entities")
TITLE = "市场主体信息"

KPI_IDS = (
    "entity.active_total",
    "entity.active_capital",
    "entity.new_registrations",
    "entity.deregistrations",
    "entity.abnormal_listed",
    "entity.serious_dishonest",
    "credit.class_share.D",
)
BETTER = {"entity.new_registrations": True, "entity.deregistrations": False}
TONES = {"entity.serious_dishonest": "red", "credit.class_share.D": "orange"}

GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 60

#: What the detail table lists (the filter ``list``).
LISTS = {"active": "在营主体", "new": "期间内新设", "exit": "期间内注销吊销"}

CLICK_TARGETS = {
    IDS.id("map-graph"): "street",
    IDS.id("streets-graph"): "street",
    IDS.id("types-graph"): "entity_type",
    IDS.id("industries-graph"): "industry",
    IDS.id("growth-graph"): "industry",
    IDS.id("credit-graph"): "risk_class",
    IDS.id("trend-graph"): "period",
}
CONTROLS = {
    "period": FILTERS.period,
    "street": FILTERS.street,
    "industry": FILTERS.industry,
    "entity_type": FILTERS.entity_type,
    "list": IDS.id("list"),
}

COLUMNS = (
    Column("uscc", "统一社会信用代码", width=190),
    Column("name", "名称", link="/entity/{uscc}", width=240),
    Column("entity_type", "主体类型", "enum", ("entity", "entity_type")),
    Column("status", "登记状态", "enum", ("entity", "status")),
    Column("section_name", "行业门类"),
    Column("industry_code", "行业大类代码"),
    Column("established_on", "成立日期", "date"),
    Column("status_changed_on", "注销吊销日期", "date"),
    Column("registered_capital", "注册资本（万元）", "number"),
    Column("street_name", "街镇"),
    Column("address", "住所", width=260),
    Column("risk_class", "信用风险分类"),
    Column("legal_rep_name", "法定代表人"),
    Column("legal_rep_phone", "联系电话"),
)


def _fields() -> list[FilterField]:
    return [
        FilterField(
            "period", "期间", dict(PERIOD_LABELS), "month", accept=extra.is_period, describe=format_month
        ),
        FilterField("street", "街镇", extra.street_names()),
        FilterField("industry", "行业门类", {k: f"{k} {v[0]}" for k, v in INDUSTRY_SECTIONS.items()}),
        FilterField("entity_type", "主体类型", ENUM_LABELS[("entity", "entity_type")]),
        FilterField("risk_class", "信用风险分类", dict(GRADE_LABELS)),
        FilterField("list", "明细", LISTS, "active"),
    ]


def _scope(state: dict[str, Any]) -> tuple[str, ...] | None:
    return (state["street"],) if state.get("street") else None


def _kpi_filters(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs = (("entity_type", state.get("entity_type")), ("section", state.get("industry")))
    return tuple((k, v) for k, v in pairs if v)


def _draw(view: ViewParams, state: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and KPI cards keyed by panel."""
    period, scope = state["period"], _scope(state)
    bounds = extra.period_bounds(period)
    theme, mode = view.theme, view.mode
    etype, section = state.get("entity_type"), state.get("industry")
    kpis = extra.screen_kpis(KPI_IDS, period, scope, _kpi_filters(state))
    streets = read.entities_by_street(None, etype, section)
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    out = {
        "kpis": kpi_cards(kpis, mode=mode, better=BETTER, tones=TONES),
        "kpi_note": _kpi_note(kpis),
        "types": charts.type_chart(
            read.entities_by_type(scope, section), selected=etype, theme=theme, mode=mode
        ),
        "industries": charts.industry_chart(
            read.industry_mix(scope, etype),
            selected=section,
            top=8 if mode == "wall" else None,
            theme=theme,
            mode=mode,
        ),
        "credit": charts.credit_chart(
            read.credit_class_split(scope, section, etype or "enterprise"),
            selected=state.get("risk_class"),
            theme=theme,
            mode=mode,
        ),
        "map": charts.density_map(
            street_polygons(),
            streets,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "trend": charts.registration_trend_chart(
            read.registration_trend(trend_start, trend_end, scope, etype, section),
            selected_month=period if extra.parse_month(period) else None,
            theme=theme,
            mode=mode,
        ),
        "growth": charts.growth_chart(
            read.top_growing_industries(bounds["start"], bounds["end"], scope, 8 if mode == "wall" else 10),
            selected=section,
            theme=theme,
            mode=mode,
        ),
        "lists": charts.credit_lists_chart(read.credit_list_counts(scope), theme=theme, mode=mode),
        "streets": charts.street_ranking(
            streets, selected=state.get("street"), top=8 if mode == "wall" else None, theme=theme, mode=mode
        ),
    }
    return out, bounds["data_time"]


_FILTER_NAMES = {"entity_type": "主体类型", "section": "行业门类"}


def _kpi_note(kpis) -> str:
    """Which KPI cards could not follow a filter (the indicator has no such dimension)."""
    parts = [
        f"{row.name}不分{'、'.join(_FILTER_NAMES[k] for k in row.unfiltered)}"
        for row in kpis.itertuples()
        if row.unfiltered
    ]
    return "注：" + "；".join(parts) + "。" if parts else ""


def _panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    # the wall shows one period for good, so its titles name it; analysts read it over the panels
    when = f" · {_fields()[0].text(state['period'])}" if view.kiosk else ""
    wall = view.kiosk
    return {
        "left": [
            chart_panel("在营主体类型构成", figs["types"], unit="户", id=IDS.id("types"), mode=mode),
            chart_panel(
                "行业门类构成（GB/T 4754）", figs["industries"], unit="户", id=IDS.id("industries"), mode=mode
            ),
            chart_panel(
                "企业信用风险分类",
                figs["credit"],
                unit="户",
                id=IDS.id("credit"),
                mode=mode,
                note=None if wall else "企业信用风险分类模型的结果；点击分类可列出该类主体。",
            ),
        ],
        "centre": chart_panel(
            "各街镇在营主体密度",
            figs["map"],
            unit="户/平方公里",
            id=IDS.id("map"),
            mode=mode,
            class_name="panel--map",
            note=None if wall else "街镇边界为近似划分（维诺图），密度按近似面积计算。",
        ),
        "bottom": chart_panel(
            f"近{TREND_MONTHS // 12}年新设与注销吊销（按月）",
            figs["trend"],
            unit="户",
            id=IDS.id("trend"),
            mode=mode,
        ),
        "right": [
            chart_panel(
                f"新设增长最快的行业{when}",
                figs["growth"],
                unit="同比",
                id=IDS.id("growth"),
                mode=mode,
                note=None if wall else "本期新设最多的行业门类，按与去年同期相比的增幅排列。",
            ),
            chart_panel("信用约束名单在列", figs["lists"], unit="户", id=IDS.id("lists"), mode=mode),
            chart_panel("各街镇在营主体", figs["streets"], unit="户", id=IDS.id("streets"), mode=mode),
        ],
    }


def _grid_frame(state: dict[str, Any], limit: int):
    rows = extra.entity_list(
        _scope(state),
        state.get("entity_type"),
        state.get("industry"),
        state.get("risk_class"),
        state.get("list") or "active",
        state["period"],
        limit,
    )
    return rows, rows.frame


def _list_control(state: dict[str, Any]) -> dbc.RadioItems:
    return dbc.RadioItems(
        id=IDS.id("list"),
        options=[{"label": v, "value": k} for k, v in LISTS.items()],
        value=state.get("list") or "active",
        inline=True,
        className="detail-list",
    )


def _detail(state: dict[str, Any]) -> Any:
    rows, frame = _grid_frame(state, GRID_LIMIT)
    grid = detail_grid(IDS.id("grid"), grid_rows(frame, COLUMNS), COLUMNS)
    return detail_panel(
        "市场主体明细（当前筛选）",
        grid,
        caption_id=IDS.id("grid-caption"),
        caption=count_text(len(rows), rows.truncated, rows.limit),
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("detail"),
        controls=_list_control(state),
        note=f"法定代表人姓名与电话已脱敏；导出与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
    )


def _search_box() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Label("一户一档", htmlFor=IDS.id("search"), className="filter-label"),
                    dbc.Input(
                        id=IDS.id("search"),
                        type="search",
                        placeholder="名称、统一社会信用代码、地址或许可证号",
                        debounce=False,
                        n_submit=0,
                        autoComplete="off",
                    ),
                ],
                className="d-flex flex-column flex-grow-1",
            ),
            html.Button(
                [html.I(className="bi bi-search me-1"), "查询"],
                id=IDS.id("search-go"),
                n_clicks=0,
                className="btn btn-primary",
                type="button",
            ),
            dcc.Location(id=IDS.id("nav"), refresh="callback-nav"),
        ],
        className="entity-search",
        role="search",
    )


def _caption(state: dict[str, Any]) -> Any:
    return period_caption(
        _fields()[0].text(state["period"]), extra.period_bounds(state["period"]), id=IDS.id("period")
    )


def _filters(state: dict[str, Any], notes: list[str]) -> html.Div:
    fields = _fields()
    periods = [o["value"] for o in period_options(fields[0], PERIOD_LABELS, state["period"])]
    return html.Div(
        [
            html.Div(
                [
                    filter_bar(
                        IDS.slug,
                        streets=list(fields[1].choices.items()),
                        values=state,
                        show=("period", "street", "industry", "entity_type"),
                        periods=periods,
                    ),
                    _search_box(),
                ],
                className="d-flex flex-wrap gap-3 align-items-end",
            ),
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
        log.exception("主体信息页面读取数据失败")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            centre=unavailable("市场主体", mode=view.mode, built=extra.read_layer_built()),
        )
    stores = [dcc.Store(id=IDS.id("state"), data=state), dcc.Location(id=IDS.id("url"), refresh=False)]
    panels = _panels(view, figs, state)
    kpi_note = html.Div(figs["kpi_note"], id=IDS.id("kpi-note"), className="detail-caption")
    return screen_frame(
        IDS,
        view,
        title=TITLE,
        data_time=data_time,
        kpis=figs["kpis"],
        filters=None if view.kiosk else html.Div([_filters(state, notes), kpi_note]),
        left=panels["left"],
        right=panels["right"],
        centre=[panels["centre"], *stores],
        bottom=panels["bottom"],
        detail=None if view.kiosk else _detail(state),
    )


OUTPUT_KEYS = ("kpis", "types", "industries", "credit", "map", "trend", "growth", "lists", "streets")


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    *(Output(IDS.id(f"{k}-graph"), "figure") for k in OUTPUT_KEYS[1:]),
    inputs=[Input(IDS.id("state"), "data")],
    state=[State(IDS.view, "data")],
)
def refresh(state: dict[str, Any], view_query: dict[str, Any]) -> Refreshed:
    figs, data_time = _draw(ViewParams.from_query(view_query), state)
    return Refreshed([figs[k] for k in OUTPUT_KEYS], data_time=data_time)


def update_filters(trigger: Any, value: Any, state: dict[str, Any], view_query: dict[str, Any]) -> tuple:
    """The screen's new filter state after one event, and everything that shows it.

    ``trigger`` is the id of what fired (a dropdown, the list choice, a graph, a chip) and
    ``value`` its new value. Returns the state, the chips, the URL query, the period value and
    options, the street, industry, entity type and list values, the (cleared) link note and the
    KPI note, and the period's dates.
    """
    event = event_of(trigger, value, page=IDS.slug, clicks=CLICK_TARGETS, controls=CONTROLS)
    if event is None:
        return (no_update,) * 12
    fields = _fields()
    new = next_state(state, fields, *event)
    view = ViewParams.from_query(view_query)
    search = state_search(new, fields, keep={"theme": "dark"} if view.theme == "dark" else None)
    note = _kpi_note(extra.screen_kpis(KPI_IDS, new["period"], _scope(new), _kpi_filters(new)))
    return (
        new,
        filter_chips(IDS.slug, new, fields),
        search or "?",
        new["period"],
        period_options(fields[0], PERIOD_LABELS, new["period"]),
        new["street"],
        new["industry"],
        new["entity_type"],
        new["list"],
        None,
        note,
        _caption(new).children,
    )


@callback(
    Output(IDS.id("state"), "data"),
    Output(IDS.id("chips"), "children"),
    Output(IDS.id("url"), "search"),
    Output(FILTERS.period, "value"),
    Output(FILTERS.period, "options"),
    Output(FILTERS.street, "value"),
    Output(FILTERS.industry, "value"),
    Output(FILTERS.entity_type, "value"),
    Output(IDS.id("list"), "value"),
    Output(IDS.id("link-notes"), "children"),
    Output(IDS.id("kpi-note"), "children"),
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
    """The entities of a filter state as a CSV or XLSX download (at most ``EXPORT_LIMIT`` rows)."""
    _, frame = _grid_frame(state, EXPORT_LIMIT)
    as_of = extra.period_bounds(state["period"])["as_of"]
    return download(frame, COLUMNS, f"市场主体明细_{as_of:%Y%m%d}", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    State(IDS.id("state"), "data"),
    prevent_initial_call=True,
)
def on_export(_csv: int, _xlsx: int, state: dict[str, Any]) -> dict[str, Any]:
    return export_file(state, "xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv")


def search_target(text: str | None) -> str | None:
    """Where the search box leads: a valid USCC to its file (一户一档), anything else to 综合查询
    with the text as the query; None for an empty box."""
    text = (text or "").strip()
    if not text:
        return None
    uscc = extra.normalise_uscc(text)
    return f"/entity/{uscc}" if uscc else f"/search?q={quote(text)}"


@callback(
    Output(IDS.id("nav"), "href"),
    Input(IDS.id("search-go"), "n_clicks"),
    Input(IDS.id("search"), "n_submit"),
    State(IDS.id("search"), "value"),
    prevent_initial_call=True,
)
def on_search(_clicks: int, _submits: int, text: str | None) -> str:
    return search_target(text) or no_update
