"""总览 (/): the command centre's overview — headline KPIs of every system, the district map with
the day's events over this month's complaints per street, the newest warnings, and the state of
warnings, alarms, devices, cases and incidents.

Wall-first. For analysts the same panels follow a street (chosen in the filter or by clicking the
map; kept in the URL), and the page links to every screen.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import dash
import pandas as pd
from dash import html

from components import charts_overview as charts
from components.charts_common import kpi_cards
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from dashboard.screen import Scope, Screen, register, street_field
from data_access.api import cases, complaints, emergency, extra_screens, monitoring, warnings
from data_access.api.geo import street_polygons
from data_access.api.overview import OVERVIEW_KPIS, latest_warnings, live_events

IDS = ScreenIds("overview")
TITLE = "应急指挥中心总览"

#: Card titles where the indicator's own name would not say which period it counts.
KPI_NAMES = {
    ("complaint.received", "today"): "今日受理投诉举报",
    ("complaint.received", "week"): "本周受理投诉举报",
}
TONES = {f"warning.open.{lv}": lv for lv in charts.LEVELS}
EVENT_HOURS = 24
RECENT_DAYS = 30
INCIDENT_DAYS = 90
CASE_MONTHS = 12


def _fields() -> list[FilterField]:
    return [street_field()]


def _kpis(scope: tuple[str, ...] | None, mode: str) -> list[Any]:
    """The headline cards in the read API's order (``OVERVIEW_KPIS``), each over its own period."""
    by_period: dict[str, Any] = {}
    for period in dict.fromkeys(p for _, p in OVERVIEW_KPIS):
        ids = tuple(i for i, p in OVERVIEW_KPIS if p == period)
        by_period[period] = extra_screens.screen_kpis(ids, period, scope).set_index("indicator_id")
    frame = pd.concat([by_period[p].loc[[i]].reset_index() for i, p in OVERVIEW_KPIS], ignore_index=True)
    names = [KPI_NAMES.get((i, p), frame["name"][k]) for k, (i, p) in enumerate(OVERVIEW_KPIS)]
    ids = [f"kpi-{i.replace('.', '-')}-{p}" for i, p in OVERVIEW_KPIS]
    return kpi_cards(frame, mode=mode, tones=TONES, names=names, ids=ids, delta_label="环比")


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state."""
    here, theme, mode = scope.streets, view.theme, view.mode
    month = extra_screens.period_bounds("month")
    as_of = month["as_of"]
    tomorrow = as_of + timedelta(days=1)
    streets = street_polygons()
    by_street = complaints.complaints_by("street_code", month["start"], month["end"], scope.allowed)
    values = dict(zip(by_street["street_code"], by_street["n"].astype(float), strict=True))
    case_start, case_end = extra_screens.month_window(as_of, CASE_MONTHS)
    out = {
        "kpis": _kpis(here, mode),
        "map": charts.event_map(
            streets,
            values,
            live_events(EVENT_HOURS, 200, scope.allowed),
            value_name="本月受理投诉举报",
            unit="件",
            selected=state.get("street"),
            theme=theme,
            mode=mode,
            tile_url=view.tile_url,
        ),
        "complaints": charts.complaint_days_chart(
            complaints.complaint_trend(tomorrow - timedelta(days=RECENT_DAYS), tomorrow, here, "day"),
            theme=theme,
            mode=mode,
        ),
        "warnings": charts.warning_levels_chart(warnings.warning_status(here), theme=theme, mode=mode),
        "alarms": charts.alarm_kinds_chart(
            monitoring.alarms_by_kind(tomorrow - timedelta(days=RECENT_DAYS), tomorrow, here),
            theme=theme,
            mode=mode,
        ),
        "devices": charts.device_online_chart(monitoring.device_summary(here), theme=theme, mode=mode),
        "cases": charts.case_trend_chart(
            cases.case_trend(case_start, case_end, here), theme=theme, mode=mode
        ),
        "incidents": charts.incident_kinds_chart(
            emergency.incidents_by("kind", tomorrow - timedelta(days=INCIDENT_DAYS), tomorrow, here),
            theme=theme,
            mode=mode,
        ),
        "ticker": charts.warnings_ticker(
            latest_warnings(20, here).frame, mode=mode, visible_rows=4 if view.kiosk else 20
        ),
    }
    return out, month["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], _state: dict[str, Any]) -> dict[str, Any]:
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("complaints", f"近{RECENT_DAYS}日受理投诉举报", unit="件"),
            panel("warnings", "未办结预警（按等级）", unit="条"),
            panel("alarms", f"近{RECENT_DAYS}日设备告警", unit="条"),
        ],
        "centre": panel(
            "map",
            f"全区态势 · 近{EVENT_HOURS}小时事件",
            unit="件",
            class_name="panel--map",
            note="色块为本月各街镇受理投诉举报；点为近24小时的突发事件、预警、"
            "设备告警与投诉举报；点击街镇可筛选全屏。",
        ),
        "bottom": chart_panel(
            "最新预警", html.Div(figs["ticker"], id=IDS.id("ticker"), className="panel-fill"), mode=view.mode
        ),
        "right": [
            panel("devices", "感知设备在线率", unit="%"),
            panel("cases", f"近{CASE_MONTHS}个月立案与结案", unit="件"),
            panel("incidents", f"近{INCIDENT_DAYS}日突发事件", unit="起"),
        ],
    }


def _screens() -> list[dict[str, Any]]:
    pages = [p for p in dash.page_registry.values() if p.get("category") and not p.get("path_template")]
    return [
        {"name": p["name"], "path": p.get("relative_path") or p["path"], "category": p["category"]}
        for p in sorted(pages, key=lambda p: (p.get("order", 1e9), p["path"]))
    ]


def _links(_state: dict[str, Any]) -> Any:
    """Every screen of the centre, over the filter bar (analysts only)."""
    return chart_panel(
        "各系统大屏",
        charts.screen_links(_screens(), exclude=("/",)),
        mode="analyst",
        class_name="panel--links",
    )


GRAPHS = ("map", "complaints", "warnings", "alarms", "devices", "cases", "incidents")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    refreshed=("kpis", *GRAPHS, "ticker"),
    children=("ticker",),
    controls=("street",),
    clicks={"map": "street"},
    filters_head=_links,
    unavailable_title="全区态势",
)
register(__name__, SCREEN, path="/", order=0, name="总览")
layout, refresh, update_filters, _, _ = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids
