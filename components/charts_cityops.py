"""城运 figures: the work orders pushed up to the district 城运中心 from AI alarms, warnings,
12345 complaints and incidents — by source, their status funnel, day by day with the on-time rate,
the handling times per source, per street on the map, and the feed as it is pushed (a scrolling
list).

Each factory takes the read API's frame as it comes (``data_access.api.screens4``:
``city_orders_by``, ``city_order_status``, ``city_order_trend``, ``city_order_feed``); a source's
bar carries its code, a street its code.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import hbar, side_legend, street_choropleth
from components.figures import empty, figure, funnel
from components.formatting import format_datetime, format_duration, format_number, format_rate
from components.labels import label
from components.lists import FILL, newest_list
from components.maps import MapHeat
from components.theme import palette, sizes

SOURCES = ("ai_alarm", "warning", "complaint", "incident")
#: The funnel of a work order: every order, pushed up, accepted, closed.
STAGES = ("created", "pushed", "accepted", "closed")


def source_name(source: str) -> str:
    """The Chinese name of a work order's source (AI告警 …)."""
    return label("city_work_order", "source", source)


def _duration_text(minutes: Any) -> str:
    if minutes is None or pd.isna(minutes):
        return "—"
    d = format_duration(minutes)
    return f"{d.number}{d.unit}" if d.unit else d.number


def source_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Orders created per source (``city_orders_by("source")``), each labelled with the on-time rate
    of those closed; a click on a source selects it."""
    f = frame.set_index("source").reindex(list(SOURCES)).fillna({"n": 0, "n_closed": 0})
    if not f["n"].sum():
        return empty("期间内无城运工单", theme=theme, mode=mode)
    p = palette(theme)
    names = [source_name(s) for s in SOURCES]
    texts = [
        f"{format_number(n)}（按时 {format_rate(r, decimals=0).text}）"
        for n, r in zip(f["n"], f["ontime_rate"], strict=True)
    ]
    hover = [
        f"{nm}：生成 {format_number(n)} 件，办结 {format_number(c)} 件，按时办结率 {format_rate(r).text}"
        for nm, n, c, r in zip(names, f["n"], f["n_closed"], f["ontime_rate"], strict=True)
    ]
    return hbar(
        names,
        f["n"],
        list(SOURCES),
        selected=selected,
        unit="件",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        colours=[p.series[i % len(p.series)] for i in range(len(SOURCES))],
        name="城运工单",
    )


def status_funnel(
    frame: pd.DataFrame, *, source: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """The status funnel of the orders now (``city_order_status``): every order (returned ones
    apart), then those pushed, accepted and closed (each stage counts the orders that reached it)."""
    f = frame if source is None else frame[frame["source"] == source]
    created, pushed, accepted, closed = (float(f[s].sum()) for s in STAGES)
    reached = [created + pushed + accepted + closed, pushed + accepted + closed, accepted + closed, closed]
    if not reached[0]:
        return empty("暂无城运工单", theme=theme, mode=mode)
    fig = funnel(["生成", "已推送", "已受理", "已办结"], reached, unit="件", theme=theme, mode=mode)
    fig.update_layout(margin=dict(l=8, r=8, t=8, b=8))
    fig.update_traces(textfont=dict(size=sizes(mode).small + 1))
    return fig


def trend_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Orders created per day stacked by source (``city_order_trend``), the on-time rate of the day's
    closed orders as a line on the right axis."""
    if frame.empty or not frame["total"].sum():
        return empty("期间内无城运工单", theme=theme, mode=mode)
    p, _s = palette(theme), sizes(mode)
    x = list(frame["period"])
    traces: list[Any] = [
        go.Bar(
            x=x,
            y=frame[k].tolist(),
            name=source_name(k),
            marker=dict(color=p.series[i % len(p.series)]),
            hovertemplate="%{x|%-m月%-d日}<br>" + source_name(k) + "：%{y:,} 件<extra></extra>",
        )
        for i, k in enumerate(SOURCES)
    ]
    rate = (frame["ontime_rate"] * 100).where(frame["closed"] > 0)
    traces.append(
        go.Scatter(
            x=x,
            y=[None if pd.isna(v) else float(v) for v in rate],
            name="按时办结率",
            yaxis="y2",
            mode="lines+markers",
            connectgaps=True,
            line=dict(color=p.good, width=2),
            hovertemplate="%{x|%-m月%-d日}<br>按时办结率：%{y:.1f}%<extra></extra>",
        )
    )
    return figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            barmode="stack",
            bargap=0.2,
            legend=side_legend(mode),
            xaxis=dict(tickformat="%-m/%-d", showgrid=False),
            yaxis=dict(showgrid=True, nticks=4),
            yaxis2=dict(overlaying="y", side="right", range=[0, 105], showgrid=False, showticklabels=False),
        ),
    )


def times_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Average time to close per source (``city_orders_by("source")``, bars in hours), each labelled
    with it and the average time the 城运中心 took to accept; the hover adds the time to push."""
    f = frame.set_index("source").reindex(list(SOURCES))
    if not f["n"].fillna(0).sum():
        return empty("期间内无城运工单", theme=theme, mode=mode)
    p = palette(theme)
    names = [source_name(k) for k in SOURCES]
    texts = [
        f"{_duration_text(h)}（受理 {_duration_text(a)}）"
        for h, a in zip(f["avg_handle_minutes"], f["avg_accept_minutes"], strict=True)
    ]
    hover = [
        f"{nm}：平均推送 {_duration_text(pu)}，受理 {_duration_text(a)}，办结 {_duration_text(h)}"
        for nm, pu, a, h in zip(
            names, f["avg_push_minutes"], f["avg_accept_minutes"], f["avg_handle_minutes"], strict=True
        )
    ]
    return hbar(
        names,
        (f["avg_handle_minutes"].fillna(0) / 60).round(1).tolist(),
        list(SOURCES),
        unit="小时",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        colours=[p.series[i % len(p.series)] for i in range(len(SOURCES))],
        name="平均办结用时",
    )


def order_map(
    streets: Any,
    frame: pd.DataFrame,
    feed: pd.DataFrame | None = None,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """Orders created per street (``city_orders_by("street_code")``) as a choropleth, the open
    orders (``city_order_feed(open_only=True)``) as a heat layer, the selected street outlined."""
    heat = None
    if feed is not None:
        pts = feed.dropna(subset=["lon", "lat"])
        if len(pts):
            heat = MapHeat(
                lon=pts["lon"].astype(float).tolist(),
                lat=pts["lat"].astype(float).tolist(),
                name="未办结工单",
                radius=9 if mode == "wall" else 6,
            )
    return street_choropleth(
        streets,
        frame,
        "n",
        value_name="城运工单",
        unit="件",
        heat=heat,
        selected=selected,
        theme=theme,
        mode=mode,
        tile_url=tile_url,
    )


def feed_list(frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 5) -> html.Div:
    """The feed pushed upward (``city_order_feed``): time, source, title, street, status, and how
    long it took (to close, or so far); overdue open orders marked red."""
    rows = [
        {
            "at": format_datetime(r.created_at, "short")[5:],
            "source": source_name(r.source),
            "title": r.title or "—",
            "street": r.street_name or "—",
            "status": label("city_work_order", "status", r.status) + ("（超时）" if r.overdue else ""),
            "took": _duration_text(r.handle_minutes) if r.status == "closed" else "—",
            "tone": "red" if r.overdue else ("blue" if r.status == "closed" else "yellow"),
        }
        for r in frame.itertuples(index=False)
    ]
    return newest_list(
        rows,
        {"at": "生成时间", "source": "来源", "title": "事项", "street": "街镇", "status": "状态",
         "took": "办结用时"},
        wall={"at": "7.5em", "source": "6em", "title": FILL, "street": "6em", "status": "7em"},
        mode=mode, visible_rows=visible_rows, tone_key="tone", empty_text="暂无城运工单",
    )
