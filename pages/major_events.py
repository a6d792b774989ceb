"""重大事项保障 (/major-events): the assurance mission of the moment (a 进博会-style week) — the
countdown to its start or the days it has left, its sites (场馆、接待酒店、供餐厨房、食材供应商) on the
district map by risk tier with the sites whose patrol is overdue standing out in red, how many sites
of each tier and kind are patrolled on time, the patrols and rapid tests day by day, and the
mission's food samplings and incidents.

For analysts a click on a street or on a risk tier filters the other panels; the filter state
lives in the URL, and the sites (overdue first) are listed, linked to their entities' files and
exported. The screen always shows the current mission (active, else the next), so it has no period.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from components import charts_assurance as charts
from components import kpis_screens4 as kpis4
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import Grid, Note, Scope, Screen, office_field, register, street_field
from data_access.api import extra_screens as extra
from data_access.api import screens4 as read
from data_access.api.geo import street_polygons

IDS = ScreenIds("major-events")
TITLE = "重大事项保障"

KPI_IDS = kpis4.ASSURANCE
#: The KPIs count the patrols of the day (the mission's sites are state: as of the data time).
KPI_PERIOD = kpis4.ASSURANCE_PERIOD
BETTER = {"assurance.patrols_overdue": False, "assurance.patrol_problem_rate": False}

GRID_LIMIT = 2_000
EXPORT_LIMIT = 2_000
LIST_ROWS = 20

COLUMNS = (
    Column("id", "点位编号", width=100),
    Column("entity_name", "点位", link="/entity/{uscc}", width=240),
    Column("uscc", "统一社会信用代码"),
    Column("kind", "类型", "enum", ("assurance_site", "kind")),
    Column("risk_tier", "风险等级", "enum", ("assurance_site", "risk_tier")),
    Column("patrol_interval_hours", "巡查间隔（小时）", "number"),
    Column("last_patrol_at", "上次巡查", "datetime"),
    Column("overdue", "巡查超时", "bool"),
    Column("patrols", "巡查次数", "number"),
    Column("problems", "发现问题", "number"),
    Column("street_name", "街镇"),
)


def _fields() -> list[FilterField]:
    return [
        street_field(),
        office_field(),
        FilterField("tier", "风险等级", ENUM_LABELS[("assurance_site", "risk_tier")]),
    ]


def _kpis(state: dict[str, Any], streets):
    filters = (("risk_tier", state["tier"]),) if state.get("tier") else ()
    return extra.screen_kpis(KPI_IDS, KPI_PERIOD, streets, filters)


def _kpi_note(state: dict[str, Any], scope: Scope) -> str:
    if not state.get("tier"):
        return "注：巡查、快检为今日数；点位为当前保障任务的点位。"
    fixed = [row.name for row in _kpis(state, scope.streets).itertuples() if row.unfiltered]
    return f"注：{'、'.join(fixed)}不随风险等级筛选。" if fixed else ""


def _sites(here, tier, limit):
    rows = read.assurance_sites(None, here, limit)
    frame = rows.frame
    if tier:
        frame = frame[frame["risk_tier"] == tier].reset_index(drop=True)
    return frame, rows.truncated


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    here, tier = scope.streets, state.get("tier")
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    sites, _ = _sites(here, tier, GRID_LIMIT)
    out = {
        "kpis": kpi_cards(_kpis(state, here), mode=mode, better=BETTER),
        "countdown": charts.countdown(read.assurance_missions(), mode=mode),
        "tiers": charts.tier_chart(
            read.assurance_sites_by("risk_tier", None, here), selected=tier, theme=theme, mode=mode
        ),
        "kinds": charts.kind_chart(read.assurance_sites_by("kind", None, here), theme=theme, mode=mode),
        "map": charts.site_map(
            street_polygons(),
            read.assurance_sites_by("street_code", None, scope.allowed),
            sites,
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "patrols": charts.patrol_trend_chart(read.assurance_patrol_trend(None, here), theme=theme, mode=mode),
        "samplings": charts.sampling_list(
            read.assurance_samplings(None, here, LIST_ROWS).frame,
            mode=mode,
            visible_rows=3 if wall else LIST_ROWS,
        ),
        "incidents": charts.incident_list(
            read.assurance_incidents(None, here, LIST_ROWS).frame,
            mode=mode,
            visible_rows=3 if wall else LIST_ROWS,
        ),
    }
    return out, extra.period_bounds("today")["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("countdown", "保障任务"),
            panel(
                "tiers", "保障点位（按风险等级）", "个", note="括号内为巡查超时的点位；点击等级可筛选全屏。"
            ),
            panel("kinds", "保障点位（按类型）", "个", note="括号内为按时巡查的点位比例（巡查合规率）。"),
        ],
        "centre": panel(
            "map",
            "保障点位分布（红色大点：巡查超时）" if view.kiosk else "保障点位分布",
            "个",
            class_name="panel--map",
            note="点按风险等级着色，红色大点为超过巡查间隔未巡查的点位；色块为各街镇点位数；点击街镇可筛选全屏。",
        ),
        "bottom": panel("incidents", "保障期内突发事件"),
        "right": [
            panel("patrols", "保障巡查（逐日）", "次", note="自保障开始前三天（前置保障）起。"),
            panel("samplings", "保障点位食品抽检"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int):
    return _sites(scope.streets, state.get("tier"), limit)


GRAPHS = ("tiers", "kinds", "map", "patrols")
LISTS = ("countdown", "samplings", "incidents")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    notes=(Note("kpi-note", _kpi_note),),
    controls=("street", "office"),
    refreshed=("kpis", *GRAPHS, *LISTS),
    children=LISTS,
    clicks={"map": "street", "tiers": "tier"},
    grid=Grid("保障点位明细（当前筛选）", COLUMNS, _grid, "保障点位明细",
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT,
              note="当前保障任务的点位，巡查超时的在前，再按风险等级；不含巡查人员信息；"
              "导出文件与表格为同一筛选条件。"),
)
register(__name__, SCREEN, path="/major-events", order=60)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, _scope, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.streets, SCREEN.filter_ids, SCREEN.control_ids
