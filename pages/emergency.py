"""应急指挥 (/emergency): the incidents of the district — by level (Ⅰ–Ⅳ) and by kind, the open ones on
the map among the emergency resources (teams, vehicles, experts, labs, drones) and their status —
dispatches and arrival times, and one incident at a time: its timeline (reported, dispatched,
arrived, resolved) and its nearest available resources with distance and ETA.

For analysts a click on a level or a kind, or on a street of the map, filters the other panels; a
click on an incident on the map (or "查看" in the list) shows that incident's timeline and nearest
resources. The filter state and the chosen incident live in the URL; the incidents behind the
screen are listed, linked to their entities' files and exported. Dispatching itself (a write)
belongs to 指挥调度 (/dispatch). The store holds no duty roster and no plans (预案), so the screen
has no panels for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import pandas as pd
from dash import ALL, html

from components import charts_emergency as charts
from components.charts_common import kpi_cards
from components.crossfilter import clicked_value
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import Grid, Note, Scope, Screen, period_field, register, street_field
from data_access.api import emergency as read
from data_access.api import extra_screens as extra
from data_access.api.geo import street_polygons

IDS = ScreenIds("emergency")
TITLE = "应急指挥"

#: Incident and dispatch indicators follow the period, the street and (where they can) level/kind.
KPI_IDS = (
    "incident.open",
    "incident.open_major",
    "incident.reported",
    "incident.avg_resolve_minutes",
    "dispatch.count",
    "dispatch.avg_arrive_minutes",
)
#: Resources serve the whole district (a street's incident gets the nearest team, wherever it is
#: based), so their card is read district-wide, as the resource panels are.
RESOURCE_KPI = "resource.available"
ALL_KPIS = (*KPI_IDS, RESOURCE_KPI)
BETTER = {"incident.avg_resolve_minutes": False, "dispatch.avg_arrive_minutes": False}
TONES = {"incident.open_major": "red"}

#: Rows in the grid and an export; incidents of a period read for the map's street counts.
GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
PERIOD_LIMIT = 5_000
#: Incidents in the bottom list; nearest resources shown for the chosen incident.
NEWEST = 20
NEAREST = 8
WALL_NEAREST = 5

MAP_GRAPH = IDS.id("map-graph")

COLUMNS = (
    Column("id", "事件编号", width=130),
    Column("reported_at", "接报时间", "datetime"),
    Column("level", "等级", "enum", ("incident", "level")),
    Column("kind", "事件类型", "enum", ("incident", "kind")),
    Column("status", "状态", "enum", ("incident", "status")),
    Column("resolved_at", "处置时间", "datetime"),
    Column("street_name", "街镇"),
    Column("summary", "事件概要", width=360),
    Column("uscc", "涉及主体（一户一档）", link="/entity/{uscc}"),
)


def _incident_known(value: str) -> bool:
    """Whether ``value`` names an incident of the store (the read API says so by its lookup)."""
    if not value or len(value) > 32:
        return False
    try:
        read.nearest_resources(value, 1, None, False)
    except LookupError:
        return False
    except ValueError:  # an incident without a location still has a timeline
        return True
    return True


def _fields() -> list[FilterField]:
    return [
        period_field(),
        street_field(),
        FilterField("level", "事件等级", ENUM_LABELS[("incident", "level")]),
        FilterField("kind", "事件类型", ENUM_LABELS[("incident", "kind")]),
        FilterField("incident", "查看事件", {}, accept=_incident_known),
    ]


def _kpi_filters(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((k, state[k]) for k in ("level", "kind") if state.get(k))


def _kpis(state: dict[str, Any], scope: Scope) -> pd.DataFrame:
    scoped = extra.screen_kpis(KPI_IDS, state["period"], scope.streets, _kpi_filters(state))
    district = extra.screen_kpis((RESOURCE_KPI,), state["period"], scope.allowed)
    return pd.concat([scoped, district], ignore_index=True)


def _kpi_note(state: dict[str, Any], scope: Scope) -> str:
    """What could not follow the filters: the read API counts dispatches by resource kind only and
    incidents by level or by kind (not both), and resources serve the whole district."""
    notes = []
    if _kpi_filters(state):
        frame = extra.screen_kpis(KPI_IDS, state["period"], scope.streets, _kpi_filters(state))
        fixed = [row.name for row in frame.itertuples() if row.unfiltered]
        notes.append(f"{'、'.join([*fixed, '调度图'])}不随事件等级、类型筛选")
    if state.get("level"):
        notes.append("事件类型图不随等级筛选")
    if state.get("kind"):
        notes.append("事件等级图不随类型筛选")
    if state.get("street"):
        notes.append("可调度应急资源与资源状态为全区数（资源跨街镇调度）")
    return f"注：{'；'.join(notes)}。" if notes else ""


def _only(frame: pd.DataFrame, state: dict[str, Any]) -> pd.DataFrame:
    """Incident rows of the chosen level and kind (the read API's lists take no such filter)."""
    for key in ("level", "kind"):
        if state.get(key):
            frame = frame[frame[key] == state[key]]
    return frame


def _incident_rows(state: dict[str, Any], scope: Scope, limit: int) -> tuple[pd.DataFrame, bool]:
    """The incidents behind the screen: those still open and those reported in the period (under the
    street, level and kind), newest first; whether a read was cut at ``limit``."""
    bounds = extra.period_bounds(state["period"])
    now = read.incidents(scope.streets, True, None, None, limit)
    period = read.incidents(scope.streets, False, bounds["start"], bounds["end"], limit)
    frame = pd.concat([now.frame, period.frame], ignore_index=True).drop_duplicates("id")
    frame = _only(frame, state).sort_values(["reported_at", "id"], ascending=[False, True])
    return frame.head(limit).reset_index(drop=True), now.truncated or period.truncated


def _focus(state: dict[str, Any], rows: pd.DataFrame, scope: Scope) -> dict[str, Any] | None:
    """The incident whose timeline is shown: the chosen one, else the newest open one, else the
    newest of the period (None when there is none)."""
    chosen = state.get("incident")
    if chosen:
        hit = rows[rows["id"] == chosen]
        if hit.empty:  # chosen by a link outside the filters: look among the district's newest
            every = read.incidents(scope.allowed, False, None, None, EXPORT_LIMIT).frame
            hit = every[every["id"] == chosen]
        return hit.iloc[0].to_dict() if not hit.empty else None
    if rows.empty:
        return None
    open_rows = rows[~rows["status"].isin(("resolved", "closed"))]
    return (open_rows if not open_rows.empty else rows).iloc[0].to_dict()


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds = extra.period_bounds(state["period"])
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    names = extra.street_names()
    rows, _ = _incident_rows(state, scope, GRID_LIMIT)
    focus = _focus(state, rows, scope)
    fid = None if focus is None else str(focus["id"])
    dispatches = read.incident_dispatches(fid) if fid else pd.DataFrame()
    try:
        nearest = read.nearest_resources(fid, WALL_NEAREST if wall else NEAREST) if fid else None
    except (LookupError, ValueError):  # an incident without a location has no distances
        nearest = None
    per_street = _only(read.incidents(scope.allowed, False, start, end, PERIOD_LIMIT).frame, state)[
        "street_code"
    ].value_counts()
    open_points = rows[~rows["status"].isin(("resolved", "closed"))]
    out = {
        "kpis": kpi_cards(_kpis(state, scope), mode=mode, better=BETTER, tones=TONES),
        "levels": charts.level_chart(
            read.incidents_by("level", start, end, here),
            read.open_incidents_by("level", here),
            selected=state.get("level"),
            theme=theme,
            mode=mode,
        ),
        "kinds": charts.kind_chart(
            read.incidents_by("kind", start, end, here),
            read.open_incidents_by("kind", here),
            selected=state.get("kind"),
            theme=theme,
            mode=mode,
        ),
        "dispatch": charts.dispatch_chart(read.dispatch_stats(start, end, here), theme=theme, mode=mode),
        "map": charts.incident_map(
            street_polygons(),
            {str(k): float(v) for k, v in per_street.items()},
            open_points,
            read.resources(),
            focus=focus,
            nearest=nearest,
            selected_street=state.get("street"),
            street_names=names,
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "timeline": charts.timeline_chart(
            focus,
            dispatches,
            title=charts.incident_title(focus, names) if focus is not None else "",
            theme=theme,
            mode=mode,
        ),
        "nearest": charts.nearest_chart(
            nearest if nearest is not None else pd.DataFrame(columns=["id"]), theme=theme, mode=mode
        ),
        "resources": charts.resource_chart(read.resource_summary(), theme=theme, mode=mode),
        "list": charts.incident_list(
            rows.head(NEWEST), names, mode=mode, visible_rows=4 if wall else NEWEST, focus=fid
        ),
    }
    return out, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    when = SCREEN.when(view, state)
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("levels", f"突发事件等级{when}", unit="起",
                  note="期间报告与当前未处置；点击等级可筛选全屏。"),
            panel("kinds", f"事件类型{when}", unit="起", note="括号内为当前未处置数；点击类型可筛选全屏。"),
            panel("dispatch", f"调度次数与平均到场时长{when}", note="按资源类型统计派遣时间在期间内的调度。"),
        ],
        "centre": panel(
            "map",
            "未处置突发事件与应急资源分布",
            unit="起",
            class_name="panel--map",
            note="色块为期间内各街镇报告的突发事件，大点为当前未处置事件（按等级着色），小点为应急资源"
            "（按状态着色）；街镇边界为近似划分。点击事件查看其时间线与最近资源，点击街镇可筛选全屏。",
        ),
        "bottom": chart_panel(
            "突发事件列表", html.Div(figs["list"], id=IDS.id("list"), className="panel-fill"), mode=view.mode
        ),
        "right": [
            panel("timeline", "事件处置时间线",
                  note="◆ 接报与处置；虚线为派遣后赶赴现场，实线为到场后现场处置。"),
            panel(
                "nearest",
                "最近可调度资源",
                unit="km",
                note="直线距离；到达时间按路网绕行系数 1.3、时速 30 km 估算。派遣请在指挥调度屏操作。",
            ),
            panel("resources", "应急资源状态（全区）", unit="个"),
        ],
    }


def _map_click(value: Any) -> tuple[str, str | None] | None:
    """A click on the map: on a street it filters the screen, on an incident it shows that one."""
    points = (value or {}).get("points") or []
    if not points:
        return None
    if points[0].get("location") not in (None, ""):
        return "toggle", "street", clicked_value(value)
    incident = clicked_value(value)
    return ("toggle", "incident", incident) if incident else None


def _pick(trigger: Mapping[str, Any], value: Any) -> tuple[str, str, Any] | None:
    """A "查看" button of the incident list (a fresh one, with no clicks yet, does nothing)."""
    return ("set", "incident", trigger.get("incident")) if value else None


def _grid(state: dict[str, Any], scope: Scope, limit: int) -> tuple[pd.DataFrame, bool]:
    frame, truncated = _incident_rows(state, scope, limit)
    frame = frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return frame, truncated


GRAPHS = ("levels", "kinds", "dispatch", "map", "timeline", "nearest", "resources")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    refreshed=("kpis", *GRAPHS, "list"),
    children=("list",),
    controls=("period", "street"),
    clicks={"levels": "level", "kinds": "kind"},
    triggers={MAP_GRAPH: ("clickData", _map_click)},
    patterns=(({"role": charts.PICK_ROLE, "incident": ALL}, "n_clicks", _pick),),
    notes=(Note("kpi-note", _kpi_note),),
    grid=Grid("突发事件明细（当前筛选）", COLUMNS, _grid, "突发事件明细",
              note=f"列出当前未处置的事件和期间内报告的事件（按街镇、等级、类型筛选），最新在前；"
              f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT),
)
register(__name__, SCREEN, path="/emergency", order=5)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids
