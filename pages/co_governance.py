"""社会共治 (/co-governance): how the public and the trades take part in supervision — the public QR
codes (电梯码、扫码评价、扫码查价、扫码投诉、扫码查看主体) by kind, month and street with their ratings
and the problems they report, enterprise self-inspections (企业自查), the mediations of the
消保委 and the industry associations with their success rate, and the 放心消费 commitments in force.

For analysts a click on a kind of scan or on a street (the map or the commitments) filters the
other panels; the filter state lives in the URL, and the scans that reported a problem are listed,
linked to their entities' files and exported.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from components import charts_cogov as charts
from components import kpis_screens4 as kpis4
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS, MENU_COGOV_PARTY
from components.layout import ScreenIds, ViewParams
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import (
    Grid,
    Note,
    Scope,
    Screen,
    kpi_note,
    kpi_strip,
    period_span,
    register,
    standard_fields,
)
from data_access.api import extra_screens as extra
from data_access.api import screens4 as read
from data_access.api.geo import street_polygons

IDS = ScreenIds("co-governance")
TITLE = "社会共治"
#: 社会共治 and 党建 share one menu.
CATEGORY = MENU_COGOV_PARTY

KPI_IDS = kpis4.COGOV
BETTER = {"cogov.qr_rating_avg": True, "cogov.self_rectify_rate": True, "cogov.mediation_success_rate": True}

GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
NEWEST = 20

COLUMNS = (
    Column("id", "扫码编号", width=110),
    Column("scanned_at", "扫码时间", "datetime"),
    Column("kind", "类型", "enum", ("qr_scan", "kind")),
    Column("rating", "评分", "number"),
    Column("entity_name", "主体", link="/entity/{uscc}", width=240),
    Column("uscc", "统一社会信用代码"),
    Column("equipment_code", "设备代码"),
    Column("street_name", "街镇"),
)


_fields = standard_fields(FilterField("kind", "扫码类型", ENUM_LABELS[("qr_scan", "kind")]))
_kpis = kpi_strip(KPI_IDS, "kind")
_kpi_note = kpi_note(_kpis, "kind", "不区分扫码类型，不随类型筛选。")


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds, start, end = period_span(state)
    here, kind, theme, mode, wall = scope.streets, state.get("kind"), view.theme, view.mode, view.kiosk
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    street = state.get("street")
    out = {
        "kpis": kpi_cards(_kpis(state, here), mode=mode, better=BETTER),
        "kinds": charts.qr_kind_chart(read.qr_scans_by("kind", start, end, here), selected=kind, theme=theme,
                                      mode=mode),
        "trend": charts.qr_trend_chart(read.qr_scan_trend(trend_start, trend_end, here, "month"),
                                       selected=kind, theme=theme, mode=mode),
        "self": charts.self_inspection_chart(read.self_inspections_by(start, end, here), theme=theme,
                                             mode=mode),
        "map": charts.scan_map(street_polygons(), read.qr_scans_by("street_code", start, end, scope.allowed),
                               selected=street, theme=theme, mode=mode, tile_url=view.tile_url),
        "mediation": charts.mediation_chart(read.mediations_by("body", start, end, here),
                                            top=5 if wall else 8, theme=theme, mode=mode),
        "results": charts.result_chart(read.mediations_by("result", start, end, here), theme=theme,
                                       mode=mode),
        "commitments": charts.commitment_chart(read.commitments_by_street(scope.allowed), selected=street,
                                               top=7 if wall else None, theme=theme, mode=mode),
        "problems": charts.problem_list(read.problem_scans(here, NEWEST, kind).frame, mode=mode,
                                        visible_rows=4 if wall else NEWEST),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when, panel = SCREEN.when(view, state), partial(SCREEN.panel, view, figs)
    inspections = "企业自查（发现问题比例）" if view.kiosk else "企业自查（括号内为发现问题比例）"
    return {
        "left": [
            panel("kinds", f"扫码（按类型）{when}", "次",
                  note="括号内为扫码时反映问题的次数；点击类型可筛选全屏。"),
            panel("trend", f"近{TREND_MONTHS}个月扫码", "次"),
            panel("self", f"{inspections}{when}", "次",
                  note="企业通过自查系统上报的自查，括号内为发现问题的比例。"),
        ],
        "centre": panel("map", f"各街镇扫码{when}", "次", class_name="panel--map",
                        note="色块为期间内各街镇的扫码次数；街镇边界为近似划分；点击街镇可筛选全屏。"),
        "bottom": panel("problems", "最新反映问题的扫码"),
        "right": [
            panel("mediation", f"消费纠纷调解（括号内为成功率）{when}", "件",
                  note="期间内办结的调解，括号内为调解成功率（成功 / 办结）。"),
            panel("results", "调解结果", "件"),
            panel("commitments", "放心消费承诺（在有效期内）", "户", note="点击街镇可筛选全屏。"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows = read.problem_scans(scope.streets, limit, state.get("kind"))
    return rows.frame, rows.truncated


GRAPHS = ("kinds", "trend", "self", "map", "mediation", "results", "commitments")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, notes=(Note("kpi-note", _kpi_note),),
    refreshed=("kpis", *GRAPHS, "problems"), children=("problems",),
    clicks={"map": "street", "kinds": "kind", "commitments": "street"},
    grid=Grid("反映问题的扫码明细（当前筛选）", COLUMNS, _grid, "反映问题的扫码明细", grid_limit=GRID_LIMIT,
              export_limit=EXPORT_LIMIT, note="扫码时反映了问题的记录（按街镇与扫码类型筛选，不限期间），"
              f"最新在前；不含扫码人信息；导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/co-governance", order=55, category=CATEGORY)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, _scope, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.streets, SCREEN.filter_ids, SCREEN.control_ids
