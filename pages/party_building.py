"""党建 (/party-building): the party organisations of the bureau and of the two-new organisations
(两新组织: non-public enterprises and social organisations, singly or in joint branches) — how many,
of which kind, in which street, with how many members — how much of the district's active
enterprises they cover, and their activities (三会一课、主题党日 …) month by month.

For analysts a click on a kind of organisation or on a street (the map, the street bars or the
coverage ranking) filters the other panels; the filter state lives in the URL, and the
organisations are listed and exported (organisations only: no member's name).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from components import charts_party as charts
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
    office_field,
    period_field,
    period_span,
    register,
    street_field,
    unfiltered_note,
)
from data_access.api import extra_screens as extra
from data_access.api import screens4 as read
from data_access.api.geo import street_polygons

IDS = ScreenIds("party-building")
TITLE = "党建"

#: The organisation KPIs follow the kind filter as ``kind``, the activity ones as ``org_kind``.
ORG_KPIS = kpis4.PARTY_ORGS
ACTIVITY_KPIS = kpis4.PARTY_ACTIVITIES
KPI_IDS = ORG_KPIS + ACTIVITY_KPIS
BETTER = {"party.two_new_coverage": True}

GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
LIST_ROWS = 30

COLUMNS = (
    Column("id", "编号", width=90),
    Column("name", "党组织", width=260),
    Column("kind", "类型", "enum", ("party_org", "kind")),
    Column("street_name", "街镇"),
    Column("uscc", "所在企业统一社会信用代码"),
    Column("members", "党员数", "number"),
    Column("enterprises", "覆盖企业", "number"),
    Column("activities_365d", "近一年活动", "number"),
    Column("established_on", "成立日期", "date"),
)


def _fields() -> list[FilterField]:
    return [
        period_field("year"),
        street_field(),
        office_field(),
        FilterField("kind", "党组织类型", ENUM_LABELS[("party_org", "kind")]),
    ]


def _kpis(state: dict[str, Any], streets) -> pd.DataFrame:
    kind = state.get("kind")
    orgs = extra.screen_kpis(ORG_KPIS, state["period"], streets, (("kind", kind),) if kind else ())
    acts = extra.screen_kpis(ACTIVITY_KPIS, state["period"], streets, (("org_kind", kind),) if kind else ())
    return pd.concat([orgs, acts], ignore_index=True)


def _kpi_note(state: dict[str, Any], scope: Scope) -> str:
    if not state.get("kind"):
        return ""
    return unfiltered_note(_kpis(state, scope.streets), "按其本身的口径统计，不随党组织类型筛选。")


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds, start, end = period_span(state)
    here, kind, street = scope.streets, state.get("kind"), state.get("street")
    theme, mode, wall = view.theme, view.mode, view.kiosk
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    coverage = read.party_coverage_by_street(scope.allowed)
    out = {
        "kpis": kpi_cards(_kpis(state, here), mode=mode, better=BETTER),
        "kinds": charts.org_kind_chart(read.party_orgs_by("kind", here), selected=kind, theme=theme,
                                       mode=mode),
        "streets": charts.street_org_chart(read.party_orgs_by("street_code", scope.allowed),
                                           selected_street=street, top=6 if wall else None, theme=theme,
                                           mode=mode),
        "map": charts.coverage_map(street_polygons(), coverage, selected=street, theme=theme, mode=mode,
                                   tile_url=view.tile_url),
        "coverage": charts.coverage_chart(coverage if not wall else coverage.nsmallest(7, "coverage"),
                                          selected=street, theme=theme, mode=mode),
        "trend": charts.activity_trend_chart(read.party_activity_trend(trend_start, trend_end, here),
                                             theme=theme, mode=mode),
        "activities": charts.activity_kind_chart(read.party_activities_by("kind", start, end, here),
                                                 theme=theme, mode=mode),
        "orgs": charts.org_list(read.party_orgs(here, kind, LIST_ROWS).frame, mode=mode,
                                visible_rows=4 if wall else LIST_ROWS),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when, panel = SCREEN.when(view, state), partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("kinds", "党组织（按类型）", "个", note="点击类型可筛选全屏。"),
            panel("streets", "各街镇党组织", "个",
                  note="局机关科室、执法队的党支部不属街镇，不在此列；点击街镇可筛选全屏。"),
            panel("activities", f"党组织活动{when}", "次"),
        ],
        "centre": panel("map", "两新组织党建覆盖率", "%", class_name="panel--map",
                        note="在营企业中由本企业党组织或联合党组织覆盖的比例；街镇边界为近似划分；"
                        "点击街镇可筛选全屏。"),
        "bottom": panel("orgs", "党组织（党员数最多的在前）"),
        "right": [
            panel("coverage", "覆盖率最低的街镇" if view.kiosk else "各街镇覆盖率（低者在前）", "%",
                  note="括号内为覆盖企业 / 在营企业。"),
            panel("trend", f"近{TREND_MONTHS}个月党组织活动", "次"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    rows = read.party_orgs(scope.streets, state.get("kind"), limit)
    return rows.frame, rows.truncated


GRAPHS = ("kinds", "streets", "map", "coverage", "trend", "activities")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels, notes=(Note("kpi-note", _kpi_note),),
    refreshed=("kpis", *GRAPHS, "orgs"), children=("orgs",), default_period="year",
    clicks={"map": "street", "kinds": "kind", "streets": "street", "coverage": "street"},
    grid=Grid("党组织明细（当前筛选）", COLUMNS, _grid, "党组织明细", grid_limit=GRID_LIMIT,
              export_limit=EXPORT_LIMIT, note="按街镇与党组织类型筛选，党员数多的在前；只列组织，"
              f"不含党员个人信息；导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。"),
)
register(__name__, SCREEN, path="/party-building", order=56, category=MENU_COGOV_PARTY)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, _scope, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.streets, SCREEN.filter_ids, SCREEN.control_ids
