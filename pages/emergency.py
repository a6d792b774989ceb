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

import logging
from typing import Any

import dash
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import charts_emergency as charts
from components.charts_common import kpi_cards, unavailable
from components.crossfilter import CHIP_ROLE, clicked_value, event_of, filter_chips, next_state
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
from data_access.api import emergency as read
from data_access.api import extra_screens as extra
from data_access.api.geo import street_polygons

dash.register_page(
    __name__,
    path="/emergency",
    name="应急指挥",
    title="应急指挥 · 智慧监管·云中心",
    category="应急指挥",
    order=5,
    wall=True,
)

log = logging.getLogger(__name__)

IDS = ScreenIds("emergency")
FILTERS = FilterIds("emergency")
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

CLICK_TARGETS = {
    IDS.id("levels-graph"): "level",
    IDS.id("kinds-graph"): "kind",
}
MAP_GRAPH = IDS.id("map-graph")
CONTROLS = {"period": FILTERS.period, "street": FILTERS.street}


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
        FilterField(
            "period", "期间", dict(PERIOD_LABELS), "month", accept=extra.is_period, describe=format_month
        ),
        FilterField("street", "街镇", extra.street_names()),
        FilterField("level", "事件等级", ENUM_LABELS[("incident", "level")]),
        FilterField("kind", "事件类型", ENUM_LABELS[("incident", "kind")]),
        FilterField("incident", "查看事件", {}, accept=_incident_known),
    ]


def _scope(state: dict[str, Any]) -> tuple[str, ...] | None:
    return (state["street"],) if state.get("street") else None


def _kpi_filters(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((k, state[k]) for k in ("level", "kind") if state.get(k))


def _kpis(state: dict[str, Any]) -> pd.DataFrame:
    scoped = extra.screen_kpis(KPI_IDS, state["period"], _scope(state), _kpi_filters(state))
    district = extra.screen_kpis((RESOURCE_KPI,), state["period"])
    return pd.concat([scoped, district], ignore_index=True)


def _kpi_note(state: dict[str, Any]) -> str:
    """What could not follow the filters: the read API counts dispatches by resource kind only and
    incidents by level or by kind (not both), and resources serve the whole district."""
    notes = []
    if _kpi_filters(state):
        frame = extra.screen_kpis(KPI_IDS, state["period"], _scope(state), _kpi_filters(state))
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


def _incident_rows(state: dict[str, Any], limit: int) -> tuple[pd.DataFrame, bool, int]:
    """The incidents behind the screen: those still open and those reported in the period (under the
    street, level and kind), newest first; whether a read was cut at ``limit``."""
    bounds = extra.period_bounds(state["period"])
    scope = _scope(state)
    now = read.incidents(scope, True, None, None, limit)
    period = read.incidents(scope, False, bounds["start"], bounds["end"], limit)
    frame = pd.concat([now.frame, period.frame], ignore_index=True).drop_duplicates("id")
    frame = _only(frame, state).sort_values(["reported_at", "id"], ascending=[False, True])
    return frame.head(limit).reset_index(drop=True), now.truncated or period.truncated, limit


def _focus(state: dict[str, Any], rows: pd.DataFrame) -> dict[str, Any] | None:
    """The incident whose timeline is shown: the chosen one, else the newest open one, else the
    newest of the period (None when there is none)."""
    chosen = state.get("incident")
    if chosen:
        hit = rows[rows["id"] == chosen]
        if hit.empty:  # chosen by a link outside the filters: look among the district's newest
            every = read.incidents(None, False, None, None, EXPORT_LIMIT).frame
            hit = every[every["id"] == chosen]
        return hit.iloc[0].to_dict() if not hit.empty else None
    if rows.empty:
        return None
    open_rows = rows[~rows["status"].isin(("resolved", "closed"))]
    return (open_rows if not open_rows.empty else rows).iloc[0].to_dict()


def _draw(view: ViewParams, state: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    bounds = extra.period_bounds(state["period"])
    start, end = bounds["start"], bounds["end"]
    scope = _scope(state)
    theme, mode = view.theme, view.mode
    wall = mode == "wall"
    names = extra.street_names()
    rows, _, _ = _incident_rows(state, GRID_LIMIT)
    focus = _focus(state, rows)
    fid = None if focus is None else str(focus["id"])
    dispatches = read.incident_dispatches(fid) if fid else pd.DataFrame()
    try:
        nearest = read.nearest_resources(fid, WALL_NEAREST if wall else NEAREST) if fid else None
    except (LookupError, ValueError):  # an incident without a location has no distances
        nearest = None
    per_street = _only(read.incidents(None, False, start, end, PERIOD_LIMIT).frame, state)[
        "street_code"
    ].value_counts()
    open_points = rows[~rows["status"].isin(("resolved", "closed"))]
    out = {
        "kpis": kpi_cards(_kpis(state), mode=mode, better=BETTER, tones=TONES),
        "levels": charts.level_chart(
            read.incidents_by("level", start, end, scope),
            read.open_incidents_by("level", scope),
            selected=state.get("level"),
            theme=theme,
            mode=mode,
        ),
        "kinds": charts.kind_chart(
            read.incidents_by("kind", start, end, scope),
            read.open_incidents_by("kind", scope),
            selected=state.get("kind"),
            theme=theme,
            mode=mode,
        ),
        "dispatch": charts.dispatch_chart(read.dispatch_stats(start, end, scope), theme=theme, mode=mode),
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
            chart_panel(
                f"突发事件等级{when}",
                figs["levels"],
                unit="起",
                id=IDS.id("levels"),
                mode=mode,
                note="期间报告与当前未处置；点击等级可筛选全屏。" if analyst else None,
            ),
            chart_panel(
                f"事件类型{when}",
                figs["kinds"],
                unit="起",
                id=IDS.id("kinds"),
                mode=mode,
                note="括号内为当前未处置数；点击类型可筛选全屏。" if analyst else None,
            ),
            chart_panel(
                f"调度次数与平均到场时长{when}",
                figs["dispatch"],
                id=IDS.id("dispatch"),
                mode=mode,
                note="按资源类型统计派遣时间在期间内的调度。" if analyst else None,
            ),
        ],
        "centre": chart_panel(
            "未处置突发事件与应急资源分布",
            figs["map"],
            unit="起",
            id=IDS.id("map"),
            mode=mode,
            class_name="panel--map",
            note="色块为期间内各街镇报告的突发事件，大点为当前未处置事件（按等级着色），小点为应急资源"
            "（按状态着色）；街镇边界为近似划分。点击事件查看其时间线与最近资源，点击街镇可筛选全屏。"
            if analyst
            else None,
        ),
        "bottom": chart_panel(
            "突发事件列表",
            html.Div(figs["list"], id=IDS.id("list"), className="panel-fill"),
            mode=mode,
        ),
        "right": [
            chart_panel(
                "事件处置时间线",
                figs["timeline"],
                id=IDS.id("timeline"),
                mode=mode,
                note="◆ 接报与处置；虚线为派遣后赶赴现场，实线为到场后现场处置。" if analyst else None,
            ),
            chart_panel(
                "最近可调度资源",
                figs["nearest"],
                unit="km",
                id=IDS.id("nearest"),
                mode=mode,
                note="直线距离；到达时间按路网绕行系数 1.3、时速 30 km 估算。派遣请在指挥调度屏操作。"
                if analyst
                else None,
            ),
            chart_panel(
                "应急资源状态（全区）",
                figs["resources"],
                unit="个",
                id=IDS.id("resources"),
                mode=mode,
            ),
        ],
    }


def _grid_frame(state: dict[str, Any], limit: int) -> tuple[pd.DataFrame, bool, int]:
    frame, truncated, limit = _incident_rows(state, limit)
    frame = frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    return frame, truncated, limit


def _detail(state: dict[str, Any]) -> Any:
    frame, truncated, limit = _grid_frame(state, GRID_LIMIT)
    grid = detail_grid(IDS.id("grid"), grid_rows(frame, COLUMNS), COLUMNS)
    return detail_panel(
        "突发事件明细（当前筛选）",
        grid,
        caption_id=IDS.id("grid-caption"),
        caption=count_text(len(frame), truncated, limit),
        csv_id=IDS.id("export-csv"),
        xlsx_id=IDS.id("export-xlsx"),
        download_id=IDS.id("download"),
        id=IDS.id("detail"),
        note=f"列出当前未处置的事件和期间内报告的事件（按街镇、等级、类型筛选），最新在前；"
        f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
    )


def _filters(state: dict[str, Any], notes: list[str]) -> html.Div:
    fields = _fields()
    bar = filter_bar(
        IDS.slug,
        streets=list(fields[1].choices.items()),
        values=state,
        show=("period", "street"),
        periods=[o["value"] for o in period_options(fields[0], PERIOD_LABELS, state["period"])],
    )
    return html.Div(
        [
            bar,
            html.Div(filter_chips(IDS.slug, state, fields), id=IDS.id("chips")),
            _caption(state),
            link_notes(notes, id=IDS.id("link-notes")),
            html.Div(_kpi_note(state), id=IDS.id("kpi-note"), className="detail-caption"),
        ],
        className="screen-filters",
    )


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    try:
        state, notes = read_state(view.extra, _fields())
        figs, data_time = _draw(view, state)
    except Exception as exc:  # the frame shows its "data delayed" state instead of an error page
        log.exception("应急指挥页面读取数据失败")
        return screen_frame(
            IDS,
            view,
            title=TITLE,
            ok=False,
            error=type(exc).__name__,
            centre=unavailable("应急指挥", mode=view.mode, built=extra.read_layer_built()),
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


GRAPHS = ("levels", "kinds", "dispatch", "map", "timeline", "nearest", "resources")


@refresh_callback(
    IDS,
    Output(IDS.kpis, "children"),
    *(Output(IDS.id(f"{k}-graph"), "figure") for k in GRAPHS),
    Output(IDS.id("list"), "children"),
    inputs=[Input(IDS.id("state"), "data")],
    state=[State(IDS.view, "data")],
)
def refresh(state: dict[str, Any], view_query: dict[str, Any]) -> Refreshed:
    figs, data_time = _draw(ViewParams.from_query(view_query), state)
    return Refreshed([figs["kpis"], *(figs[k] for k in GRAPHS), figs["list"]], data_time=data_time)


def _event(trigger: Any, value: Any) -> tuple[str, str | None, str | None] | None:
    """What one trigger means: the screen's own events (a map click on an incident or a street, a
    "查看" button) first, then the shared ones (dropdowns, chart clicks, chips)."""
    if isinstance(trigger, dict) and trigger.get("role") == charts.PICK_ROLE:
        return ("set", "incident", trigger.get("incident")) if value else None
    if trigger == MAP_GRAPH:
        points = (value or {}).get("points") or []
        if not points:
            return None
        if points[0].get("location") not in (None, ""):
            return "toggle", "street", clicked_value(value)
        incident = clicked_value(value)
        return ("toggle", "incident", incident) if incident else None
    return event_of(trigger, value, page=IDS.slug, clicks=CLICK_TARGETS, controls=CONTROLS)


def update_filters(trigger: Any, value: Any, state: dict[str, Any], view_query: dict[str, Any]) -> tuple:
    """The screen's new state after one event, and everything that shows it.

    ``trigger`` is the id of what fired (a dropdown, a graph, a chip, a "查看" button) and ``value``
    its new value. Returns the state, the chips, the URL query, the period value and options, the
    street value, the (cleared) link note, the period's dates and the note on the KPI strip.
    """
    event = _event(trigger, value)
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
        None,
        _caption(new).children,
        _kpi_note(new),
    )


@callback(
    Output(IDS.id("state"), "data"),
    Output(IDS.id("chips"), "children"),
    Output(IDS.id("url"), "search"),
    Output(FILTERS.period, "value"),
    Output(FILTERS.period, "options"),
    Output(FILTERS.street, "value"),
    Output(IDS.id("link-notes"), "children"),
    Output(IDS.id("period"), "children"),
    Output(IDS.id("kpi-note"), "children"),
    *(Input(i, "value") for i in CONTROLS.values()),
    *(Input(g, "clickData") for g in CLICK_TARGETS),
    Input(MAP_GRAPH, "clickData"),
    Input({"role": CHIP_ROLE, "page": IDS.slug, "name": ALL}, "n_clicks"),
    Input({"role": charts.PICK_ROLE, "incident": ALL}, "n_clicks"),
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
    frame, truncated, limit = _grid_frame(state, GRID_LIMIT)
    return grid_rows(frame, COLUMNS), count_text(len(frame), truncated, limit)


def export_file(state: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The incidents of a filter state as a CSV or XLSX download (at most ``EXPORT_LIMIT`` rows)."""
    frame, _, _ = _grid_frame(state, EXPORT_LIMIT)
    as_of = extra.period_bounds(state["period"])["as_of"]
    return download(frame, COLUMNS, f"突发事件明细_{as_of:%Y%m%d}", fmt)


@callback(
    Output(IDS.id("download"), "data"),
    Input(IDS.id("export-csv"), "n_clicks"),
    Input(IDS.id("export-xlsx"), "n_clicks"),
    State(IDS.id("state"), "data"),
    prevent_initial_call=True,
)
def on_export(_csv: int, _xlsx: int, state: dict[str, Any]) -> dict[str, Any]:
    return export_file(state, "xlsx" if ctx.triggered_id == IDS.id("export-xlsx") else "csv")
