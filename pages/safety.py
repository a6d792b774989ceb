"""“三品一特”安全守护 (/safety): food (licences, catering risk grades, sampling and the follow-up of
failed batches), drugs, medical devices and cosmetics (licences), special equipment (inspections due
and overdue, elevators by age, entrapments) and cold-chain traceability (cold-store sensors).

For analysts a street (map or filter), an office, a food category (sampling chart), an equipment
kind (inspection chart) and a month (entrapment trend) filter the other panels; the state lives in
the URL; the failed samplings behind the numbers are listed, linked to each entity's file and
exported. Automatic drug vending machines are not in the data and so not on the screen.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from dash import html

from components import charts_safety as charts
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS, PRODUCT_NAME
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import (
    Grid,
    Scope,
    Screen,
    register,
    standard_fields,
)
from data_access.api import extra_screens as extra
from data_access.api import safety as read
from data_access.api.geo import street_choropleth

IDS = ScreenIds("safety")
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


_fields = standard_fields(
    lambda: FilterField("category", "食品类别", _categories()),
    FilterField("equipment", "设备种类", ENUM_LABELS[("equipment", "kind")]),
)


def _failed(state: dict[str, Any], streets, limit: int) -> tuple[Any, bool]:
    """The failed samplings of a state, newest first, at most ``limit``, and whether the list was
    cut. The read API lists them for every category: for one category it reads up to
    ``EXPORT_LIMIT`` and keeps that category's rows."""
    bounds = extra.period_bounds(state["period"])
    category = state.get("category")
    rows = read.failed_samplings(
        bounds["start"], bounds["end"], streets, limit=EXPORT_LIMIT if category else limit
    )
    frame = rows.frame
    if category:
        frame = frame[frame["food_category"] == category]
    cut = rows.truncated or len(frame) > limit
    return frame.head(limit).reset_index(drop=True), cut


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    theme, mode = view.theme, view.mode
    kind = state.get("equipment") or DEFAULT_KIND
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    cold = read.cold_chain(here)
    failed, _ = _failed(state, here, 30 if view.kiosk else 20)
    out = {
        "kpis": kpi_cards(extra.screen_kpis(KPI_IDS, period, here), mode=mode, better=BETTER),
        "licences": charts.licence_chart(read.licences_by_kind(here), theme=theme, mode=mode),
        "grades": charts.catering_grade_chart(read.catering_grades(here), theme=theme, mode=mode),
        "sampling": charts.sampling_chart(
            read.sampling_by_category(start, end, here),
            selected=state.get("category"),
            top=6 if mode == "wall" else 10,
            theme=theme,
            mode=mode,
        ),
        "cold": charts.cold_chain_chart(cold, theme=theme, mode=mode),
        "cold_caption": charts.cold_chain_caption(cold),
        "map": charts.street_map(
            street_choropleth(MAP_INDICATOR, scope=scope.allowed),
            value_name="超期未检特种设备",
            unit="台",
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "due": charts.inspection_due_chart(
            read.equipment_inspection_due(here), selected=state.get("equipment"), theme=theme, mode=mode
        ),
        "age": charts.age_chart(read.equipment_by_age(kind, here), kind=kind, theme=theme, mode=mode),
        "entrapment": charts.entrapment_chart(
            read.entrapments(trend_start, trend_end, here),
            selected_month=period if extra.parse_month(period) else None,
            theme=theme,
            mode=mode,
        ),
        "failed": charts.failed_samplings_list(
            failed, extra.street_names(), mode=mode, visible_rows=3 if view.kiosk else 20
        ),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when = SCREEN.when(view, state)
    panel = partial(SCREEN.panel, view, figs)
    failed = panel("failed", f"抽检不合格批次及核查处置{when}", "批")
    # the cold-chain caption shows on the wall too
    cold = chart_panel("冷链追溯" if view.kiosk else "冷链追溯 · 冷库温度传感器在线率", figs["cold"],
                       id=IDS.id("cold"), mode=view.mode, note=figs["cold_caption"])
    right = [
        panel("due", "特种设备检验到期", "台", note="点击设备种类可查看其使用年限。"),
        panel("age", "在用特种设备使用年限", "台"),
        panel("entrapment", f"近{TREND_MONTHS}个月电梯困人", "次/起",
              note="柱为物联网困人告警（次），线为报告的困人事件（起）；点击月份可筛选期间。"),
    ]
    return {
        "left": [
            panel("licences", "有效许可证（三品）", "张"),
            panel("grades", "餐饮食品安全风险等级", "家"),
            panel("sampling", f"食品抽检批次与合格率{when}", "批",
                  note="抽检最多的10类；点击食品类别可筛选不合格批次。"),
        ],
        "centre": panel(
            "map", "各街镇超期未检特种设备", "台", class_name="panel--map",
            note="色块为各街镇在用、已超过下次检验日期的特种设备；街镇边界为近似划分；点击街镇可筛选全屏。",
        ),
        # the wall's side columns hold three panels each; the cold chain sits beside the list
        "bottom": html.Div([failed, cold], style=WALL_BOTTOM) if view.kiosk else failed,
        "right": right if view.kiosk else [*right, cold],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int) -> tuple[Any, bool]:
    frame, cut = _failed(state, scope.streets, limit)
    frame = frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    frame["followup"] = frame["followed_up_on"].map(charts.followup_text)
    return frame, cut


GRAPHS = ("licences", "grades", "sampling", "cold", "map", "due", "age", "entrapment")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, refreshed=("kpis", *GRAPHS, "failed"),
    children=("failed",), unavailable_title="三品一特",
    clicks={"map": "street", "sampling": "category", "due": "equipment", "entrapment": "period"},
    grid=Grid("食品抽检不合格批次明细（当前筛选）", COLUMNS, _grid, "食品抽检不合格明细",
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT,
              note=f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条；点击主体名称查看一户一档。"),
)
register(__name__, SCREEN, path="/safety", order=25, name="三品一特", title=f"{TITLE} · {PRODUCT_NAME}")
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, _scope, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.streets, SCREEN.filter_ids, SCREEN.control_ids
