"""远程监控 (/monitoring): 明厨亮灶 kitchen cameras by venue and online, AI and IoT alarms by kind
and their alarm → push → rectify funnel, devices online by kind, cold-storage temperature curves
against the −18 ℃ threshold, the elevator IoT terminals, the alarm trend, a video wall of cameras
and the devices that are down.

For analysts the venue chart filters the cameras (video wall, list, table), the device chart
filters every alarm panel and the table by device kind, a month of the trend sets the period, and
street/office narrow everything; the state lives in the URL, and the devices behind the numbers are
listed and exported with links to each venue's 一户一档.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pandas as pd
from dash import html

from components import charts_monitoring as charts
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import (
    Grid,
    Note,
    Scope,
    Screen,
    register,
    standard_fields,
)
from data_access.api import extra_screens as extra
from data_access.api import monitoring as read

IDS = ScreenIds("monitoring")
TITLE = "远程监控"

KPI_IDS = (
    "device.kitchen_cameras",
    "device.kitchen_online_rate",
    "device.online_rate",
    "alarm.raised",
    "alarm.push_rate",
    "alarm.rectify_rate",
    "alarm.avg_rectify_minutes",
)
BETTER = {
    "alarm.raised": False,
    "alarm.push_rate": True,
    "alarm.rectify_rate": True,
    "alarm.avg_rectify_minutes": False,
}

GRID_LIMIT = 500
EXPORT_LIMIT = 5_000
TREND_MONTHS = 12
#: Cameras on the video wall (3×2 on the wall, two rows of five for analysts on a desk).
WALL_TILES = {"wall": 6, "analyst": 10}
#: Cameras read for the video wall, so those with a playable stream can come first.
VIDEO_CANDIDATES = 60
#: Cold stores read for the temperature panel, and how many of them (the warmest) are drawn.
COLD_CANDIDATES = 12
COLD_CURVES = 3
#: Days of readings in the temperature panel (the store keeps the last week of readings).
COLD_DAYS = 7
#: Devices listed as down (offline and fault each).
DOWN_LIMIT = 50
#: What the period does not change (a fixed line under the period's dates).
PERIOD_NOTE = "设备数与在线率为当前状态，不随期间变化；告警按期间统计；顶部指标按期间与街镇统计。"

COLUMNS = (
    Column("device_id", "设备编号", width=130),
    Column("kind", "设备类型", "enum", ("device", "kind")),
    Column("venue_category", "场所类别", "enum", ("device", "venue_category")),
    Column("status", "状态", "enum", ("device", "status")),
    Column("entity_name", "所在主体", link="/entity/{uscc}", width=260),
    Column("uscc", "统一社会信用代码"),
    Column("street_name", "街镇"),
    Column("stream", "视频流"),
    Column("last_seen_at", "最后在线时间", "datetime"),
    Column("lon", "经度", "number"),
    Column("lat", "纬度", "number"),
)
STREAM_TEXT = {"image": "有（图像）", "video": "有（视频）", "external": "外部地址（未接入）", "none": "无"}


_fields = standard_fields(
    FilterField("kind", "设备类型", ENUM_LABELS[("device", "kind")]),
    FilterField("venue", "场所类别", ENUM_LABELS[("device", "venue_category")]),
)


def _cameras(state: dict[str, Any], scope: tuple[str, ...] | None, hosts: tuple[str, ...]) -> pd.DataFrame:
    """The video wall's cameras: those with a stream the page can play first, then online ones
    (the read API's order: online first, then by id)."""
    f = read.devices("kitchen_camera", scope, state.get("venue"), limit=VIDEO_CANDIDATES).frame.copy()
    playable = f["stream_url"].map(lambda u: charts.stream_kind(u, hosts)).isin(("image", "video"))
    f["_rank"] = (~playable).astype(int)
    return f.sort_values("_rank", kind="stable").drop(columns="_rank")


def _cold_curves(scope: tuple[str, ...] | None, as_of) -> list[tuple[str, pd.DataFrame]]:
    """The warmest ``COLD_CURVES`` of the first ``COLD_CANDIDATES`` cold stores over the last
    ``COLD_DAYS`` days, named by their venue."""
    end = as_of + timedelta(days=1)
    start = end - timedelta(days=COLD_DAYS)
    sensors = read.devices("cold_storage_sensor", scope, limit=COLD_CANDIDATES).frame
    curves = []
    for r in sensors.itertuples(index=False):
        f = read.sensor_readings(r.device_id, start, end).frame
        if f.empty:
            continue
        name = r.entity_name if isinstance(r.entity_name, str) and r.entity_name else r.device_id
        curves.append((float(f["value"].max()), name if len(name) <= 7 else name[:6] + "…", f))
    curves.sort(key=lambda c: -c[0])
    return [(name, f) for _, name, f in curves[:COLD_CURVES]]


def _down(state: dict[str, Any], scope: tuple[str, ...] | None) -> pd.DataFrame:
    """Devices offline or in fault under the filters, most recently seen first."""
    frames = [
        read.devices(state.get("kind"), scope, state.get("venue"), status, DOWN_LIMIT).frame
        for status in ("fault", "offline")
    ]
    f = pd.concat([x for x in frames if not x.empty] or frames[:1], ignore_index=True)
    return f.sort_values("last_seen_at", ascending=False, na_position="last").reset_index(drop=True)


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    """Every panel of the screen for a state: figures and components keyed by panel."""
    period = state["period"]
    bounds = extra.period_bounds(period)
    start, end = bounds["start"], bounds["end"]
    here = scope.streets
    kind = state.get("kind")
    theme, mode = view.theme, view.mode
    names = extra.street_names()
    summary = read.device_summary(here)
    trend_start, trend_end = extra.month_window(bounds["as_of"], TREND_MONTHS)
    out = {
        "kpis": kpi_cards(extra.screen_kpis(KPI_IDS, period, here), mode=mode, better=BETTER),
        "venues": charts.venue_chart(
            read.cameras_by_venue(here), selected=state.get("venue"), theme=theme, mode=mode
        ),
        "alarms": charts.alarm_kinds_chart(
            read.alarms_by_kind(start, end, here, kind), theme=theme, mode=mode
        ),
        "funnel": charts.funnel_chart(read.alarm_funnel(start, end, here, kind), theme=theme, mode=mode),
        "devices": charts.device_online_chart(summary, selected=kind, theme=theme, mode=mode),
        "cold": charts.cold_storage_chart(_cold_curves(here, bounds["as_of"]), theme=theme, mode=mode),
        "elevator": charts.elevator_chart(
            summary, read.alarms_by_kind(start, end, here, "elevator_iot"), theme=theme, mode=mode
        ),
        "trend": charts.alarm_trend_chart(
            read.alarm_trend(trend_start, trend_end, here, "month", kind),
            selected_month=period if extra.parse_month(period) else None,
            theme=theme,
            mode=mode,
        ),
        "video": charts.video_wall(
            _cameras(state, here, view.video_hosts), names, mode=mode, tiles=WALL_TILES[mode],
            allowed=view.video_hosts,
        ),
        "down": charts.down_devices_list(
            _down(state, here), names, mode=mode, visible_rows=4 if view.kiosk else 20
        ),
    }
    return out, bounds["data_time"]


def _kind_text(state: dict[str, Any]) -> str:
    kind = state.get("kind")
    return f"（{charts.SHORT_KINDS[kind]}）" if kind else ""


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    mode = view.mode
    when = SCREEN.when(view, state)
    kind = _kind_text(state)
    panel = partial(SCREEN.panel, view, figs)
    return {
        "left": [
            panel("venues", "明厨亮灶摄像头（按场所）", unit="路",
                  note="括号内为在线率；点击场所类别可筛选视频墙、离线清单与明细（告警统计不分场所）。"),
            panel("alarms", f"告警类型{kind}{when}", unit="条"),
            panel("funnel", f"告警→推送→整改{kind}", unit="条"),
        ],
        "centre": chart_panel(
            "明厨亮灶视频墙",
            html.Div(figs["video"], id=IDS.id("video"), className="panel-fill"),
            id=IDS.id("video-panel"),
            mode=mode,
            class_name="panel--video",
            note=None
            if view.kiosk
            else "仅播放本平台可访问的视频流（同源地址）；未登记或位于外部主机的地址显示为“无视频流”。",
        ),
        "bottom": [
            panel("trend", f"近{TREND_MONTHS}个月告警与整改{kind}", unit="条",
                  note="点击某月可把统计期间设为该月。"),
            chart_panel(
                "离线与故障设备",
                html.Div(figs["down"], id=IDS.id("down"), className="panel-fill"),
                unit="台",
                mode=mode,
            ),
        ],
        "right": [
            panel("devices", "各类感知设备在线率", unit="%", note="点击设备类型可筛选告警、设备清单与明细。"),
            panel("cold", f"冷库温度（近{COLD_DAYS}天）", unit="℃",
                  note=f"温度最高的{COLD_CURVES}个冷库；-18℃为冻品贮存要求，高于-15℃触发温度超限告警。"),
            panel("elevator", f"电梯物联网终端{when}", unit="台"),
        ],
    }


def _grid(state: dict[str, Any], scope: Scope, limit: int) -> tuple[pd.DataFrame, bool]:
    rows = read.devices(state.get("kind"), scope.streets, state.get("venue"), limit=limit)
    frame = rows.frame.copy()
    frame["street_name"] = frame["street_code"].map(extra.street_names())
    frame["stream"] = frame["stream_url"].map(lambda u: STREAM_TEXT[charts.stream_kind(u, None)])
    return frame, rows.truncated


GRAPHS = ("venues", "alarms", "funnel", "devices", "cold", "elevator", "trend")

SCREEN = Screen(
    IDS, TITLE, fields=_fields, draw=draw, panels=panels,
    refreshed=("kpis", *GRAPHS, "video", "down"),
    children=("video", "down"),
    clicks={"venues": "venue", "devices": "kind", "trend": "period"},
    grid=Grid("感知设备明细（当前筛选）", COLUMNS, _grid, "感知设备明细",
              note="在线设备在前；不含已停用设备。"
              f"导出文件与表格为同一筛选条件，最多导出 {EXPORT_LIMIT:,} 条。",
              grid_limit=GRID_LIMIT, export_limit=EXPORT_LIMIT),
    notes=(Note("period-note", lambda _state, _scope: PERIOD_NOTE, class_name="period-caption",
                place="caption", follows=False),),
)
register(__name__, SCREEN, path="/monitoring", order=20)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
_draw, FILTERS, CONTROLS = SCREEN.draw_state, SCREEN.filter_ids, SCREEN.control_ids
