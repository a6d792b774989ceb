"""主体信息 (/entities): the district's market entities — by type, by industry section, by street
(density), by credit risk class, on the credit lists — and how they come and go: registrations and
deregistrations over five years and the industries growing fastest.

For analysts every chart filters the others (a street, a type, an industry section, a credit class,
a month of the trend), the filter state lives in the URL, the entities behind the numbers are
listed and exported, and a search box leads to one entity's file (一户一档).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from components import charts_entities as charts
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS, GRADE_LABELS, INDUSTRY_SECTIONS
from components.layout import ScreenIds, ViewParams
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import Grid, Note, Scope, Screen, period_field, register, street_field
from data_access.api import entities as read
from data_access.api import extra_screens as extra
from data_access.api.geo import street_polygons

IDS = ScreenIds("entities")
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
        period_field(),
        street_field(),
        FilterField("industry", "行业门类", {k: f"{k} {v[0]}" for k, v in INDUSTRY_SECTIONS.items()}),
        FilterField("entity_type", "主体类型", ENUM_LABELS[("entity", "entity_type")]),
        FilterField("risk_class", "信用风险分类", dict(GRADE_LABELS)),
        FilterField("list", "明细", LISTS, "active"),
    ]


def _kpi_filters(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs = (("entity_type", state.get("entity_type")), ("section", state.get("industry")))
    return tuple((k, v) for k, v in pairs if v)


def _kpis(state: dict[str, Any], scope: Scope):
    return extra.screen_kpis(KPI_IDS, state["period"], scope.streets, _kpi_filters(state))


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and KPI cards keyed by panel."""
    period, here = state["period"], scope.streets
    bounds = extra.period_bounds(period)
    theme, mode = view.theme, view.mode
    etype, section = state.get("entity_type"), state.get("industry")
    kpis = _kpis(state, scope)
    streets = read.entities_by_street(scope.allowed, etype, section)
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    out = {
        "kpis": kpi_cards(kpis, mode=mode, better=BETTER, tones=TONES),
        "types": charts.type_chart(
            read.entities_by_type(here, section), selected=etype, theme=theme, mode=mode
        ),
        "industries": charts.industry_chart(
            read.industry_mix(here, etype),
            selected=section,
            top=8 if mode == "wall" else None,
            theme=theme,
            mode=mode,
        ),
        "credit": charts.credit_chart(
            read.credit_class_split(here, section, etype or "enterprise"),
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
            read.registration_trend(trend_start, trend_end, here, etype, section),
            selected_month=period if extra.parse_month(period) else None,
            theme=theme,
            mode=mode,
        ),
        "growth": charts.growth_chart(
            read.top_growing_industries(bounds["start"], bounds["end"], here, 8 if mode == "wall" else 10),
            selected=section,
            theme=theme,
            mode=mode,
        ),
        "lists": charts.credit_lists_chart(read.credit_list_counts(here), theme=theme, mode=mode),
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


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when = SCREEN.when(view, state)
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("types", "在营主体类型构成", unit="户"),
            panel("industries", "行业门类构成（GB/T 4754）", unit="户"),
            panel("credit", "企业信用风险分类", unit="户",
                  note="企业信用风险分类模型的结果；点击分类可列出该类主体。"),
        ],
        "centre": panel("map", "各街镇在营主体密度", unit="户/平方公里", class_name="panel--map",
                        note="街镇边界为近似划分（维诺图），密度按近似面积计算。"),
        "bottom": panel("trend", f"近{TREND_MONTHS // 12}年新设与注销吊销（按月）", unit="户"),
        "right": [
            panel("growth", f"新设增长最快的行业{when}", unit="同比",
                  note="本期新设最多的行业门类，按与去年同期相比的增幅排列。"),
            panel("lists", "信用约束名单在列", unit="户"),
            panel("streets", "各街镇在营主体", unit="户"),
        ],
    }


def _list_control(state: dict[str, Any]) -> dbc.RadioItems:
    return dbc.RadioItems(
        id=IDS.id("list"),
        options=[{"label": v, "value": k} for k, v in LISTS.items()],
        value=state.get("list") or "active",
        inline=True,
        className="detail-list",
    )



def _search_box(_state: dict[str, Any]) -> html.Div:
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



def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows = extra.entity_list(
        scope.streets,
        state.get("entity_type"),
        state.get("industry"),
        state.get("risk_class"),
        state.get("list") or "active",
        state["period"],
        limit,
    )
    return rows.frame, rows.truncated


SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    refreshed=("kpis", "types", "industries", "credit", "map", "trend", "growth", "lists", "streets"),
    controls=("period", "street", "industry", "entity_type", "list"),
    clicks={"map": "street", "streets": "street", "types": "entity_type", "industries": "industry",
            "growth": "industry", "credit": "risk_class", "trend": "period"},
    notes=(Note("kpi-note", lambda state, scope: _kpi_note(_kpis(state, scope)), place="below"),),
    beside_bar=_search_box,
    unavailable_title="市场主体",
    grid=Grid("市场主体明细（当前筛选）", COLUMNS, _grid, "市场主体明细",
              note=f"法定代表人姓名与电话已脱敏；导出与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT,
              controls=_list_control),
)
register(__name__, SCREEN, path="/entities", order=10, name="主体信息")
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids


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
