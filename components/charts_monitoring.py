"""远程监控 figures and components: kitchen cameras by venue, alarm kinds, the alarm → push →
rectify funnel, devices online by kind, cold-storage temperature curves with their threshold, the
elevator IoT terminals, the alarm trend, the video wall and the list of devices that are down.

Each factory takes the read API's frame as it comes (``cameras_by_venue``, ``alarms_by_kind``,
``alarm_funnel``, ``device_summary``, ``sensor_readings``, ``alarm_trend``, ``devices``) and
returns a figure or a component; the screen and the weekly report call the same ones. Clickable
charts carry their codes in ``customdata`` and emphasise ``selected``.

The video wall points the browser only at hosts the bureau has named: a stream is played when its
address is on the app's own origin (a path such as ``/video/CAM000602/index.m3u8`` behind the same
reverse proxy) or on one of the intranet video platforms configured in ``SMARTSUP_VIDEO_HOSTS``;
any other address is shown as a "无视频流" tile that says why (product.md §1: nothing is fetched
from outside). HLS (``.m3u8``) plays through the vendored hls.js where the browser has no native
HLS (``assets/video.js``); MJPEG and still images are ``<img>`` tiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.charts_common import choice_donut, hbar, month_axis, select_month
from components.figures import _fade, empty, template
from components.formatting import DASH, format_datetime, format_duration, format_number, format_rate
from components.labels import label
from components.lists import scrolling_list
from components.partial import mark_trend
from components.theme import palette, sizes

#: Frozen storage is kept at or below −18 ℃ (GB 31605); warmer than −15 ℃ raises an alarm (rule R04).
COLD_SETPOINT = -18.0
COLD_ALARM = -15.0
#: Stages of the alarm funnel and their Chinese names.
FUNNEL_STAGES = {"alarm": "告警", "pushed": "已推送", "rectified": "已整改"}
#: Device states shown on the screen (retired devices are not counted).
LIVE_STATES = ("online", "offline", "fault")
#: Short device kind names for the wall's list of devices that are down.
SHORT_KINDS = {
    "kitchen_camera": "明厨亮灶",
    "cold_storage_sensor": "冷库",
    "elevator_iot": "电梯",
    "gas_sensor": "燃气",
}
#: Where an address of one of these endings is a still image or an MJPEG stream (an ``<img>``).
IMAGE_ENDINGS = (".mjpg", ".mjpeg", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
#: How a tile plays its stream, by ``stream_kind``.
STREAM_NOTES = {
    "none": "设备未登记视频流地址",
    "external": "视频流地址不在本平台（需经内网视频代理接入）",
}


def _status_colour(status: str, theme: str) -> str:
    p = palette(theme)
    return {"online": p.good, "offline": p.text_muted, "fault": p.bad}.get(status, p.text_muted)


def venue_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """明厨亮灶 cameras per venue category (``cameras_by_venue``), most first, with the online rate
    printed beside each bar; a venue without cameras is left out unless it is selected."""
    f = frame[(frame["total"] > 0) | (frame["venue_category"] == selected)]
    f = f.sort_values(["total", "venue_category"], ascending=[False, True])
    if f.empty:
        return empty("暂无明厨亮灶摄像头", theme=theme, mode=mode)
    codes = [str(c) for c in f["venue_category"]]
    names = [label("device", "venue_category", c) for c in codes]
    texts = [
        f"{format_number(t)}（在线 {format_rate(r).text}）"
        for t, r in zip(f["total"], f["online_rate"], strict=True)
    ]
    hover = [
        f"{n}：{format_number(t)} 路，在线 {format_number(o)} 路（{format_rate(r).text}）"
        for n, t, o, r in zip(names, f["total"], f["online"], f["online_rate"], strict=True)
    ]
    return hbar(
        names,
        f["total"],
        codes,
        selected=selected,
        unit="路",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        name="明厨亮灶摄像头",
    )


def alarm_kinds_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Alarms per kind (``alarms_by_kind``), most first, with the share rectified printed."""
    f = frame[frame["n"] > 0]
    if f.empty:
        return empty("期间内无告警", theme=theme, mode=mode)
    p = palette(theme)
    codes = [str(k) for k in f["alarm_kind"]]
    names = [label("device_alarm", "kind", k) for k in codes]
    texts = [
        f"{format_number(n)}（整改 {format_rate(r, decimals=0).text}）"
        for n, r in zip(f["n"], f["rectify_rate"], strict=True)
    ]
    hover = [
        f"{name}：{format_number(n)} 条，已推送 {format_number(pu)} 条，已整改 {format_number(r)} 条，"
        f"平均整改 {format_duration(m).text}"
        for name, n, pu, r, m in zip(
            names, f["n"], f["pushed"], f["rectified"], f["avg_rectify_minutes"], strict=True
        )
    ]
    return hbar(
        names,
        f["n"],
        codes,
        unit="条",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        colours=[p.warn] * len(codes),
        name="告警类型",
    )


def funnel_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """The alarm → push → rectify funnel (``alarm_funnel``): each stage's count and share of the
    alarms, the average time from the alarm to that stage in the hover."""
    if frame.empty or not int(frame["n"].iloc[0]):
        return empty("期间内无告警", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    stages = [FUNNEL_STAGES.get(str(st), str(st)) for st in frame["stage"]]
    texts = [
        f"{format_number(n)}（{format_rate(sh).text}）"
        for n, sh in zip(frame["n"], frame["share"], strict=True)
    ]
    hover = [
        f"{st}：{format_number(n)} 条" + ("" if pd.isna(m) else f"，告警后平均 {format_duration(m).text}")
        for st, n, m in zip(stages, frame["n"], frame["avg_minutes"], strict=True)
    ]
    trace = go.Funnel(
        y=stages,
        x=[int(v) for v in frame["n"]],
        text=texts,
        textinfo="text",
        textposition="inside",
        insidetextfont=dict(size=s.font if mode == "wall" else s.small + 1, color="#ffffff"),
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(color=[p.warn, p.accent_2, p.good][: len(stages)], line=dict(width=0)),
        connector=dict(line=dict(color=p.grid, width=1), fillcolor=_fade(p.accent, 0.10)),
    )
    return go.Figure(
        data=[trace],
        layout=dict(
            template=template(theme, mode),
            showlegend=False,
            funnelgap=0.18,
            yaxis=dict(showgrid=False),
            margin=dict(l=8, r=8, t=8, b=8),
        ),
    )


def device_online_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Devices online per kind (``device_summary``): the online rate, online/total printed; below
    95 % amber, below 90 % red."""
    f = frame[(frame["total"] > 0) | (frame["kind"] == selected)]
    if f.empty:
        return empty("暂无感知设备", theme=theme, mode=mode)
    p = palette(theme)
    codes = [str(k) for k in f["kind"]]
    names = [label("device", "kind", k) for k in codes]
    texts = [
        f"{format_rate(r).text} · {format_number(t)}台"
        for r, t in zip(f["online_rate"], f["total"], strict=True)
    ]
    hover = [
        f"{n}：在线 {format_number(o)}，离线 {format_number(off)}，故障 {format_number(fa)}，"
        f"共 {format_number(t)} 台"
        for n, o, off, fa, t in zip(names, f["online"], f["offline"], f["fault"], f["total"], strict=True)
    ]
    rates = f["online_rate"].fillna(0.0)
    colours = [p.good if r >= 0.95 else p.warn if r >= 0.9 else p.bad for r in rates]
    return hbar(
        names,
        rates,
        codes,
        selected=selected,
        theme=theme,
        mode=mode,
        texts=texts,
        colours=colours,
        hover=hover,
        name="在线率",
    )


def cold_storage_chart(
    curves: Sequence[tuple[str, pd.DataFrame]],
    *,
    setpoint: float = COLD_SETPOINT,
    alarm: float = COLD_ALARM,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Temperature curves of cold stores (``sensor_readings``: at, value), one line per
    ``(name, frame)``, with the storage requirement (``setpoint``, muted dashes) and the alarm
    threshold (``alarm``, red dashes); readings above the alarm threshold are marked."""
    curves = [(n, f) for n, f in curves if not f.empty]
    if not curves:
        return empty("暂无冷库温度读数", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    width = 2.5 if mode == "wall" else 1.8
    traces: list[go.Scatter] = []
    for i, (name, f) in enumerate(curves):
        colour = p.series[i % len(p.series)]
        traces.append(
            go.Scatter(
                x=f["at"],
                y=f["value"],
                name=name,
                mode="lines",
                line=dict(color=colour, width=width),
                hovertemplate=f"{name}<br>%{{x|%m-%d %H:%M}}：%{{y:.1f}}℃<extra></extra>",
            )
        )
    warm = pd.concat([f.assign(name=n) for n, f in curves])
    warm = warm[warm["value"] > alarm]
    if not warm.empty:
        traces.append(
            go.Scatter(
                x=warm["at"],
                y=warm["value"],
                name="超阈值",
                mode="markers",
                marker=dict(color=p.bad, size=8 if mode == "wall" else 6),
                text=warm["name"],
                hovertemplate="%{text}<br>%{x|%m-%d %H:%M}：%{y:.1f}℃（超过告警阈值）<extra></extra>",
            )
        )
    values = pd.concat([f["value"] for _, f in curves])
    low, high = min(float(values.min()), setpoint), max(float(values.max()), alarm)
    pad = max(0.8, 0.08 * (high - low))
    lines = ((setpoint, f"贮存要求 {setpoint:g}℃", p.text_muted), (alarm, f"告警阈值 {alarm:g}℃", p.bad))
    return go.Figure(
        data=traces,
        layout=dict(
            template=template(theme, mode),
            shapes=[
                dict(
                    type="line",
                    xref="paper",
                    x0=0,
                    x1=1,
                    y0=y,
                    y1=y,
                    line=dict(color=colour, width=2, dash="dash"),
                    layer="below",
                )
                for y, _, colour in lines
            ],
            annotations=[
                dict(
                    xref="paper",
                    x=1,
                    y=y,
                    xanchor="right",
                    yanchor=anchor,
                    showarrow=False,
                    text=text,
                    bgcolor=_fade(p.bg, 0.8) if theme == "dark" else "rgba(255, 255, 255, 0.85)",
                    font=dict(size=s.small, color=colour),
                )
                for (y, text, colour), anchor in zip(lines, ("top", "bottom"), strict=True)
            ],
            xaxis=dict(tickformat="%-m月%-d日", showgrid=False, nticks=4),
            yaxis=dict(ticksuffix="℃", range=[low - pad, high + pad], nticks=4),
            showlegend=True,
            legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom", font=dict(size=s.legend)),
            hovermode="closest",
        ),
    )


def elevator_chart(
    summary: pd.DataFrame, alarms: pd.DataFrame, *, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """电梯物联网终端 by state (the ``elevator_iot`` row of ``device_summary``) as a donut with the
    total, and the period's entrapment alarms (``alarms_by_kind`` for elevator IoT) under it."""
    row = summary.set_index("kind").reindex(["elevator_iot"]).fillna(0).iloc[0]
    total = int(row["total"])
    if not total:
        return empty("暂无电梯物联网终端", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    counts = [int(row[st]) for st in LIVE_STATES]
    fig = choice_donut(
        [
            f"{label('device', 'status', st)} {format_number(n)}"
            for st, n in zip(LIVE_STATES, counts, strict=True)
        ],
        counts,
        list(LIVE_STATES),
        unit="台",
        theme=theme,
        mode=mode,
        colours=[_status_colour(st, theme) for st in LIVE_STATES],
        centre_text=f"{format_number(total)}台<br>在线 {format_rate(row['online_rate']).text}",
    )
    # the states are named in the legend with their counts; labels round the ring would crowd it
    fig.update_traces(textinfo="none")
    trapped = alarms.set_index("alarm_kind").reindex(["entrapment"]).fillna(0).iloc[0]
    n, rate = int(trapped["n"]), trapped["rectify_rate"] if int(trapped["n"]) else None
    text = f"期间困人告警 {format_number(n)} 起" + (f" · 已处置 {format_rate(rate).text}" if rate else "")
    fig.add_annotation(
        text=text,
        showarrow=False,
        x=0.5,
        y=0.0,
        xref="paper",
        yref="paper",
        yanchor="bottom",
        font=dict(size=s.small + (1 if mode == "wall" else 0), color=p.warn if n else p.text_muted),
    )
    # the donut keeps clear of the line of text under it; its caption follows it to its new centre
    fig.update_traces(domain=dict(x=[0, 0.72], y=[0.16, 1]))
    fig.layout.annotations[0].update(x=0.36, y=0.58)
    fig.update_layout(margin=dict(l=8, r=8, t=8, b=8), legend=dict(x=0.78, xanchor="left"))
    return fig


def alarm_trend_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Alarms and rectified alarms per month (``alarm_trend``, grain month); each point carries its
    month (``YYYY-MM``) so a click can select that period."""
    if frame.empty or not frame["n"].sum():
        return empty("暂无告警", theme=theme, mode=mode)
    p = palette(theme)
    months = [pd.Timestamp(x).strftime("%Y-%m") for x in frame["period"]]
    width = 3 if mode == "wall" else 2
    marker = dict(size=7 if mode == "wall" else 5)
    fig = go.Figure(
        data=[
            go.Scatter(
                x=frame["period"],
                y=frame["n"],
                name="告警",
                mode="lines+markers",
                customdata=months,
                line=dict(color=p.warn, width=width),
                marker=marker,
                fill="tozeroy",
                fillcolor=_fade(p.warn, 0.14),
                hovertemplate="%{x|%Y年%-m月}<br>告警：%{y:,}条<extra></extra>",
            ),
            go.Scatter(
                x=frame["period"],
                y=frame["rectified"],
                name="已整改",
                mode="lines+markers",
                customdata=months,
                line=dict(color=p.good, width=width),
                marker=marker,
                hovertemplate="%{x|%Y年%-m月}<br>已整改：%{y:,}条<extra></extra>",
            ),
        ],
        layout=dict(template=template(theme, mode), showlegend=True, clickmode="event"),
    )
    month_axis(fig, len(frame), narrow=mode == "wall")
    select_month(fig, months, selected_month, theme)
    mark_trend(fig, frame, "period", theme=theme, mode=mode)
    return fig


def stream_kind(url: object, allowed: Sequence[str] | None = ()) -> str:
    """How a tile shows a device's ``stream_url``: ``image`` (an ``<img>``: MJPEG or a still image),
    ``video`` (a ``<video>``: HLS and the rest), ``external`` (an address on a host not in
    ``allowed`` — origins such as ``http://video.intra`` — which the page must not load) or ``none``
    (no address). ``allowed=None`` accepts any host (the kind of stream a device has, for lists)."""
    if not isinstance(url, str) or not url.strip():
        return "none"
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or text.startswith("//") or not text.startswith("/"):
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if allowed is not None and (parts.scheme not in ("http", "https") or origin not in allowed):
            return "external"
    path = parts.path.lower()
    if path.endswith(IMAGE_ENDINGS) or "mjpeg" in path or "mjpg" in path:
        return "image"
    return "video"


def _screen(device_id: str, url: Any, kind: str, mode: str) -> Any:
    if kind == "image":
        return html.Img(src=url, alt=f"{device_id} 实时画面", className="mon-tile-media")
    if kind == "video" and urlsplit(str(url)).path.lower().endswith(".m3u8"):
        # assets/video.js plays it: natively where the browser can, else through hls.js
        return html.Video(
            autoPlay=True,
            muted=True,
            loop=True,
            controls=mode != "wall",
            className="mon-tile-media mon-tile-hls",
            title=f"{device_id} 实时视频",
            **{"data-hls": url},
        )
    if kind == "video":
        return html.Video(
            src=url,
            autoPlay=True,
            muted=True,
            loop=True,
            controls=mode != "wall",
            preload="none",
            className="mon-tile-media",
            title=f"{device_id} 实时视频",
        )
    return html.Div(
        [
            html.I(className="bi bi-camera-video-off mon-tile-icon"),
            html.Div("无视频流", className="mon-tile-nostream"),
            html.Div(STREAM_NOTES[kind], className="mon-tile-why"),
        ],
        className="mon-tile-blank",
    )


def video_wall(
    frame: pd.DataFrame,
    street_names: Mapping[str, str],
    *,
    mode: str = "wall",
    tiles: int = 6,
    id: str | None = None,
    allowed: Sequence[str] = (),
) -> html.Div:
    """Tiles of the first ``tiles`` cameras (``devices``): each plays its stream when it has one
    the page may load (see ``stream_kind``), else says "无视频流"; under it the camera, its venue
    (a link to the entity's file for analysts), the street and the online state."""
    items = []
    for r in frame.head(tiles).itertuples(index=False):
        kind = stream_kind(r.stream_url, allowed)
        venue = r.entity_name if isinstance(r.entity_name, str) and r.entity_name else DASH
        if mode != "wall" and isinstance(r.uscc, str) and r.uscc:
            venue = dcc.Link(
                venue, href=f"/entity/{r.uscc}", className="entity-link", title=f"一户一档：{r.uscc}"
            )
        items.append(
            html.Div(
                [
                    html.Div(_screen(r.device_id, r.stream_url, kind, mode), className="mon-tile-screen"),
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Span(r.device_id, className="mon-tile-id"),
                                    html.Span(
                                        label("device", "venue_category", r.venue_category),
                                        className="mon-tile-venue-kind",
                                    ),
                                    html.Span(
                                        label("device", "status", r.status),
                                        className=f"mon-status mon-status--{r.status}",
                                    ),
                                ],
                                className="mon-tile-line",
                            ),
                            html.Div(
                                [
                                    html.Span(venue, className="mon-tile-venue"),
                                    html.Span(
                                        street_names.get(str(r.street_code), DASH),
                                        className="mon-tile-street",
                                    ),
                                ],
                                className="mon-tile-line",
                            ),
                        ],
                        className="mon-tile-caption",
                    ),
                ],
                className=f"mon-tile mon-tile--{r.status}",
                key=str(r.device_id),
                **{"data-device": str(r.device_id), "data-stream": kind},
            )
        )
    ident = {"id": id} if id is not None else {}
    if not items:
        return html.Div(
            html.Div("当前筛选下没有明厨亮灶摄像头", className="list-empty"), className="mon-wall", **ident
        )
    return html.Div(items, className=f"mon-wall mon-wall--{mode}", **ident)


def down_devices_list(
    frame: pd.DataFrame,
    street_names: Mapping[str, str],
    *,
    mode: str = "wall",
    visible_rows: int = 4,
    id: str | None = None,
) -> html.Div:
    """Devices offline or in fault (``devices`` with those states), longest silent last: last
    seen, device, kind, venue (a link to the entity's file for analysts), street, state."""
    rows = []
    for r in frame.itertuples(index=False):
        name = r.entity_name if isinstance(r.entity_name, str) and r.entity_name else DASH
        if mode != "wall" and isinstance(r.uscc, str) and r.uscc:
            name = dcc.Link(name, href=f"/entity/{r.uscc}", className="entity-link")
        rows.append(
            {
                "seen": format_datetime(r.last_seen_at, "short")[5:] if r.last_seen_at is not None else DASH,
                "device": r.device_id,
                "kind": SHORT_KINDS.get(r.kind, label("device", "kind", r.kind))
                if mode == "wall"
                else label("device", "kind", r.kind),
                "venue": name,
                "street": street_names.get(str(r.street_code), DASH),
                "status": label("device", "status", r.status),
                "tone": "red" if r.status == "fault" else "yellow",
            }
        )
    if mode == "wall":  # a half-width panel read from afar: what is down, where, since when
        columns = [("seen", "最后在线"), ("kind", "类型"), ("venue", "所在主体")]
        widths = ["6.5em", "4.5em", "minmax(0, 1fr)"]
    else:
        columns = [
            ("seen", "最后在线"),
            ("device", "设备"),
            ("kind", "类型"),
            ("venue", "所在主体"),
            ("street", "街镇"),
        ]
        widths = ["7.5em", "7em", "8em", "minmax(0, 1fr)", "6em"]
    return scrolling_list(
        rows,
        [*columns, ("status", "状态")],
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=[*widths, "3em"],
        empty_text="当前筛选下没有离线或故障设备",
        id=id,
    )


__all__ = [
    "COLD_ALARM",
    "COLD_SETPOINT",
    "alarm_kinds_chart",
    "alarm_trend_chart",
    "cold_storage_chart",
    "device_online_chart",
    "down_devices_list",
    "elevator_chart",
    "funnel_chart",
    "stream_kind",
    "venue_chart",
    "video_wall",
]
