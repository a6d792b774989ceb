"""总览 figures: the district map with the day's events, the complaints of the last days, warnings
by level, device alarms, devices online, cases and incidents, the newest-warnings ticker, and the
links to every screen.

Each factory takes the read API's frame as it comes (``live_events``, ``complaint_trend``,
``warning_status``, ``alarms_by_kind``, ``device_summary``, ``case_trend``, ``incidents_by``,
``latest_warnings``) and returns a figure or a component; the screen and the weekly report call
the same ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.charts_common import hbar, month_axis, outline_region
from components.figures import empty, figure, trend
from components.formatting import format_datetime, format_number, format_rate
from components.labels import label
from components.lists import scrolling_list
from components.maps import MapPoints, district_map
from components.partial import mark_trend
from components.theme import LEVEL_COLOURS, palette, sizes

#: The kinds of live event on the map, in legend order, with their Chinese names.
EVENT_KINDS = {"incident": "突发事件", "warning": "预警", "alarm": "设备告警", "complaint": "投诉举报"}
LEVELS = ("red", "orange", "yellow", "blue")


def _event_text(kind: str, detail: Any) -> str:
    if kind == "complaint":
        return f"投诉举报：{label('complaint', 'category', detail)}"
    if kind == "alarm":
        return f"设备告警：{label('device_alarm', 'kind', detail)}"
    if kind == "incident":
        return f"突发事件：{label('incident', 'kind', detail)}"
    return f"预警：{detail}"


def event_map(
    streets: Mapping[str, Any],
    values: Mapping[str, float],
    events: pd.DataFrame,
    *,
    value_name: str,
    unit: str,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """The street choropleth of ``values`` with the newest events (``live_events``) as points, one
    layer per kind: incidents and warnings in their level colours, alarms and complaints in the
    theme's warning and accent colours. The selected street is outlined."""
    p = palette(theme)
    layers = []
    wall = mode == "wall"
    for kind, name in EVENT_KINDS.items():
        f = events[(events["kind"] == kind)].dropna(subset=["lon", "lat"])
        if f.empty:
            continue
        if kind in ("incident", "warning"):
            colour: Any = [LEVEL_COLOURS.get(str(lv), p.bad) for lv in f["level"]]
        else:
            colour = p.warn if kind == "alarm" else p.accent
        text = [
            f"{_event_text(kind, d)}<br>{format_datetime(at, 'short')}"
            for d, at in zip(f["detail"], f["at"], strict=True)
        ]
        size = {"incident": 18, "warning": 13, "alarm": 11, "complaint": 9}[kind] * (1.3 if wall else 1)
        layers.append(
            MapPoints(
                name=name, lon=f["lon"].tolist(), lat=f["lat"].tolist(), text=text, color=colour, size=size
            )
        )
    fig = district_map(
        streets,
        values,
        points=layers,
        theme=theme,
        mode=mode,
        value_name=value_name,
        unit=unit,
        tile_url=tile_url,
    )
    fig.update_layout(
        showlegend=bool(layers),
        legend=dict(
            orientation="h",
            x=0.01,
            y=0.99,
            yanchor="top",
            bgcolor="rgba(0,0,0,0)",
            font=dict(size=sizes(mode).legend, color=p.text),
        ),
    )
    return outline_region(fig, streets, selected, theme=theme, mode=mode)


def complaint_days_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Complaints received per day with the same day a year earlier (``complaint_trend``, grain day)."""
    if frame.empty:
        return empty("暂无数据", theme=theme, mode=mode)
    fig = trend(
        frame["period"],
        frame["n"],
        previous=frame["n_last_year"],
        name="受理量",
        previous_name="去年同期",
        unit="件",
        theme=theme,
        mode=mode,
    )
    fig.update_xaxes(tickformat="%-m月%-d日", hoverformat="%Y年%-m月%-d日", showgrid=False)
    mark_trend(fig, frame, "period", theme=theme, mode=mode)
    return fig


def warning_levels_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Warnings not yet closed by level (``warning_status``), in the levels' colours; the hover
    adds how many of that level were closed and verified."""
    f = frame.set_index("level").reindex(list(LEVELS)).fillna(0)
    p, s = palette(theme), sizes(mode)
    names = [label("warning", "level", lv) for lv in LEVELS]
    fig = figure(theme, mode)
    hover = [
        f"{n}预警：待派单 {format_number(a)}，处置中 {format_number(b)}，已办结 {format_number(c)}，"
        f"已核查 {format_number(d)}"
        for n, a, b, c, d in zip(names, f["pending"], f["handling"], f["closed"], f["verified"], strict=True)
    ]
    fig.add_bar(
        x=names,
        y=f["open"],
        marker=dict(color=[LEVEL_COLOURS[lv] for lv in LEVELS], line=dict(width=0)),
        text=[format_number(v) for v in f["open"]],
        textposition="outside",
        cliponaxis=False,
        textfont=dict(size=s.small + (1 if mode == "wall" else 0), color=p.text),
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        customdata=list(LEVELS),
    )
    fig.update_yaxes(showticklabels=False, showgrid=False, range=[0, max(float(f["open"].max()), 1.0) * 1.3])
    fig.update_xaxes(showgrid=False)
    fig.update_layout(showlegend=False, bargap=0.45)
    return fig


def alarm_kinds_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Device alarms by kind (``alarms_by_kind``), most first, with their rectification rate in the hover."""
    f = frame[frame["n"] > 0].sort_values("n", ascending=False)
    if f.empty:
        return empty("近期无设备告警", theme=theme, mode=mode)
    codes = [str(k) for k in f["alarm_kind"]]
    names = [label("device_alarm", "kind", k) for k in codes]
    hover = [
        f"{n}：{format_number(v)} 条，已整改 {format_number(r)} 条"
        for n, v, r in zip(names, f["n"], f["rectified"], strict=True)
    ]
    return hbar(
        names,
        f["n"],
        codes,
        unit="条",
        theme=theme,
        mode=mode,
        hover=hover,
        colours=[palette(theme).warn] * len(codes),
        name="设备告警",
    )


def device_online_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Devices online by kind (``device_summary``): the online rate, with online/total printed."""
    f = frame[frame["total"] > 0]
    if f.empty:
        return empty("暂无感知设备", theme=theme, mode=mode)
    p = palette(theme)
    codes = [str(k) for k in f["kind"]]
    names = [label("device", "kind", k) for k in codes]
    texts = [
        f"{format_rate(r).text}（{format_number(o)}/{format_number(t)}）"
        for r, o, t in zip(f["online_rate"], f["online"], f["total"], strict=True)
    ]
    colours = [p.good if r >= 0.95 else p.warn if r >= 0.9 else p.bad for r in f["online_rate"]]
    return hbar(
        names,
        f["online_rate"],
        codes,
        theme=theme,
        mode=mode,
        texts=texts,
        colours=colours,
        hover=[f"{n}：在线 {t}" for n, t in zip(names, texts, strict=True)],
        name="在线率",
    )


def case_trend_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Cases opened and closed per month (``case_trend``)."""
    if frame.empty:
        return empty("暂无数据", theme=theme, mode=mode)
    fig = trend(
        frame["month"],
        frame["opened"],
        name="立案",
        unit="件",
        theme=theme,
        mode=mode,
        others={"结案": frame["closed"]},
    )
    month_axis(fig, len(frame), narrow=True)
    mark_trend(fig, frame, "month", theme=theme, mode=mode)
    return fig


def incident_kinds_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Incidents by kind (``incidents_by("kind")``), with how many were resolved."""
    f = frame[frame["n"] > 0].sort_values("n", ascending=False)
    if f.empty:
        return empty("期间内无突发事件", theme=theme, mode=mode)
    codes = [str(k) for k in f["kind"]]
    names = [label("incident", "kind", k) for k in codes]
    texts = [
        f"{format_number(n)}（已处置 {format_number(r)}）" for n, r in zip(f["n"], f["resolved"], strict=True)
    ]
    return hbar(
        names,
        f["n"],
        codes,
        unit="起",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[palette(theme).bad] * len(codes),
        name="突发事件",
    )


def warnings_ticker(
    frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4, id: str | None = None
) -> html.Div:
    """The newest warnings (``latest_warnings``) as a ticker on the wall and a table for analysts:
    time, level, title, street, status; each row marked in its level's colour; for analysts the
    entity links to its file."""
    rows = []
    for r in frame.itertuples(index=False):
        title = r.title
        if mode != "wall" and isinstance(r.uscc, str) and r.uscc:
            title = dcc.Link(r.title, href=f"/entity/{r.uscc}", className="entity-link")
        rows.append(
            {
                "at": format_datetime(r.raised_at, "short")[5:],
                "level": label("warning", "level", r.level),
                "title": title,
                "street": r.street_name or "—",
                "status": label("warning", "status", r.status),
                "tone": r.level,
            }
        )
    return scrolling_list(
        rows,
        [("at", "时间"), ("level", "等级"), ("title", "预警内容"), ("street", "街镇"), ("status", "状态")],
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=["7.5em", "4em", "minmax(0, 1fr)", "6em", "5em"],
        empty_text="暂无预警",
        id=id,
    )


def screen_links(pages: Sequence[Mapping[str, Any]], *, exclude: Sequence[str] = ()) -> html.Nav:
    """Links to every screen (``{"name", "path", "category"}`` from the page registry), in order."""
    items = [
        dcc.Link(
            [
                html.Span(p["name"], className="screen-link-name"),
                html.Span(p.get("category") or "", className="screen-link-group"),
            ],
            href=p["path"],
            className="screen-link",
        )
        for p in pages
        if p["path"] not in exclude
    ]
    return html.Nav(items, className="screen-links", **{"aria-label": "各系统大屏"})
