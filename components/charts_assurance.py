"""重大事项保障 figures: the mission's countdown, its sites on the district map by risk tier with the
overdue patrols standing out (red, larger), sites per tier and kind with their patrol compliance,
the daily patrols of the mission's window, and its food samplings and incidents.

Each factory takes the read API's frame as it comes (``data_access.api.screens4``:
``assurance_missions``, ``assurance_sites``, ``assurance_sites_by``, ``assurance_patrol_trend``,
``assurance_samplings``, ``assurance_incidents``); a tier's bar carries its code, a street its code.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import hbar, outline_region
from components.figures import empty, figure
from components.formatting import format_date, format_datetime, format_duration, format_number, format_rate
from components.labels import label
from components.lists import scrolling_list
from components.maps import MapPoints, district_map
from components.theme import palette, sizes

TIERS = ("high", "medium", "low")
SITE_KINDS = ("venue", "hotel", "kitchen", "supplier")
_TIER_TONES = {"high": "warn", "medium": "accent", "low": "good"}
#: The colour of an overdue site on the map (red whatever its tier).
OVERDUE = "#ff2d2d"


def tier_name(tier: str) -> str:
    """The Chinese name of a risk tier (高风险 …)."""
    return label("assurance_site", "risk_tier", tier)


def countdown(missions: pd.DataFrame, *, mode: str = "wall") -> html.Div:
    """The current mission (``assurance_missions`` row with ``current``): its name, venue and dates,
    and the countdown — days to its start while upcoming, days remaining while active."""
    cur = missions[missions["current"]] if "current" in missions else missions.iloc[0:0]
    if cur.empty:
        return html.Div("当前无保障任务", className="countdown countdown--none")
    m = cur.iloc[0]
    if m["phase"] == "upcoming":
        head, number, unit = "距保障开始", int(m["days_to_start"]), "天"
    elif m["phase"] == "active":
        head, number, unit = "保障进行中 · 剩余", int(m["days_to_end"]) + 1, "天"
    else:
        head, number, unit = "保障已结束", int(-m["days_to_end"]), "天前"
    return html.Div(
        [
            html.Div(str(m["name"]), className="countdown-name"),
            html.Div(
                [
                    html.Span(head, className="countdown-head"),
                    html.Span(f"{number}", className="countdown-number", **{"data-days": str(number)}),
                    html.Span(unit, className="countdown-unit"),
                ],
                className="countdown-line",
            ),
            html.Div(
                f"{format_date(m['starts_on'].date())} — {format_date(m['ends_on'].date())}"
                + (f" · {m['venue']}" if isinstance(m.get("venue"), str) and m["venue"] else ""),
                className="countdown-dates",
            ),
        ],
        className=f"countdown countdown--{m['phase']} countdown--{mode}",
        **{"data-phase": str(m["phase"])},
    )


def _duration_text(minutes: Any) -> str:
    if pd.isna(minutes):
        return "未巡查"
    d = format_duration(minutes)
    return f"{d.number}{d.unit}" if d.unit else d.number


def site_map(
    streets: Any,
    by_street: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """Sites per street as a choropleth (``assurance_sites_by("street_code")``) and each site
    (``assurance_sites``) as a point in its tier's colour; sites whose patrol is overdue are drawn
    last, red and larger, so they stand out."""
    p = palette(theme)
    wall = mode == "wall"
    pts = sites.dropna(subset=["lon", "lat"])
    layers = []
    for tier in TIERS:
        f = pts[(pts["risk_tier"] == tier) & ~pts["overdue"]]
        if len(f):
            layers.append(
                MapPoints(
                    name=f"{tier_name(tier)}点位",
                    lon=f["lon"].astype(float).tolist(),
                    lat=f["lat"].astype(float).tolist(),
                    text=[
                        f"{n}<br>{label('assurance_site', 'kind', k)} · 上次巡查 {_duration_text(m)}前"
                        for n, k, m in zip(
                            f["entity_name"], f["kind"], f["minutes_since_patrol"], strict=True
                        )
                    ],
                    color=getattr(p, _TIER_TONES[tier]),
                    size=12 if wall else 8,
                )
            )
    late = pts[pts["overdue"]]
    if len(late):
        layers.append(
            MapPoints(
                name="巡查超时",
                lon=late["lon"].astype(float).tolist(),
                lat=late["lat"].astype(float).tolist(),
                text=[
                    f"{n}<br>{tier_name(t)} · 应每{int(h)}小时巡查，已 {_duration_text(m)}未巡查"
                    for n, t, h, m in zip(
                        late["entity_name"],
                        late["risk_tier"],
                        late["patrol_interval_hours"],
                        late["minutes_since_patrol"],
                        strict=True,
                    )
                ],
                color=OVERDUE,
                size=22 if wall else 15,
            )
        )
    values = dict(zip(by_street["street_code"].astype(str), by_street["n"].astype(float), strict=True))
    fig = district_map(
        streets,
        values,
        points=layers,
        theme=theme,
        mode=mode,
        value_name="保障点位",
        unit="个",
        tile_url=tile_url,
    )
    return outline_region(fig, streets, selected, theme=theme, mode=mode)


def tier_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Sites per risk tier (``assurance_sites_by("risk_tier")``), each labelled with its overdue
    sites; a click on a tier selects it."""
    f = frame.set_index("risk_tier").reindex(list(TIERS)).fillna(0)
    if not f["n"].sum():
        return empty("暂无保障点位", theme=theme, mode=mode)
    p = palette(theme)
    texts = [
        f"{format_number(n)}（超时 {format_number(o)}）" for n, o in zip(f["n"], f["n_overdue"], strict=True)
    ]
    return hbar(
        [tier_name(t) for t in TIERS],
        f["n"],
        list(TIERS),
        selected=selected,
        unit="个",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[getattr(p, _TIER_TONES[t]) for t in TIERS],
        name="保障点位",
    )


def kind_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Sites per kind (``assurance_sites_by("kind")``) with their patrol compliance (on time / all)."""
    f = frame.set_index("kind").reindex(list(SITE_KINDS)).fillna(0)
    if not f["n"].sum():
        return empty("暂无保障点位", theme=theme, mode=mode)
    rate = [(n - o) / n if n else None for n, o in zip(f["n"], f["n_overdue"], strict=True)]
    texts = [
        f"{format_number(n)}（按时 {format_rate(r, decimals=0).text}）"
        for n, r in zip(f["n"], rate, strict=True)
    ]
    return hbar(
        [label("assurance_site", "kind", k) for k in SITE_KINDS],
        f["n"],
        list(SITE_KINDS),
        unit="个",
        theme=theme,
        mode=mode,
        texts=texts,
        name="保障点位",
    )


def patrol_trend_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Patrols per day of the mission's window (``assurance_patrol_trend``), those that found a
    problem stacked in red, the rapid tests as a line."""
    if frame.empty or not frame["n"].sum():
        return empty("保障期内暂无巡查", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    x = list(frame["period"])
    fig = figure(
        theme,
        mode,
        data=[
            go.Bar(
                x=x,
                y=(frame["n"] - frame["n_problem"]).tolist(),
                name="正常",
                marker=dict(color=p.accent),
                hovertemplate="%{x|%-m月%-d日}<br>正常：%{y:,} 次<extra></extra>",
            ),
            go.Bar(
                x=x,
                y=frame["n_problem"].tolist(),
                name="发现问题",
                marker=dict(color=p.bad),
                hovertemplate="%{x|%-m月%-d日}<br>发现问题：%{y:,} 次<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=frame["rapid_tests"].tolist(),
                name="快检批次",
                mode="lines+markers",
                line=dict(color=p.warn, width=2),
                hovertemplate="%{x|%-m月%-d日}<br>快检：%{y:,} 批次<extra></extra>",
            ),
        ],
        layout=dict(
            barmode="stack",
            bargap=0.25,
            legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, font=dict(size=s.legend)),
            xaxis=dict(tickformat="%-m/%-d", showgrid=False),
            yaxis=dict(showgrid=True, nticks=4),
        ),
    )
    return fig


def sampling_list(frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4) -> html.Div:
    """The mission's food samplings (``assurance_samplings``): date, entity, site kind, food, result."""
    rows = [
        {
            "on": format_date(r.sampled_on.date(), "short")
            if hasattr(r.sampled_on, "date")
            else str(r.sampled_on),
            "entity": r.entity_name or "—",
            "site": label("assurance_site", "kind", r.site_kind),
            "food": label("food_sampling", "food_category", r.food_category),
            "result": label("food_sampling", "result", r.result),
            "tone": "red" if r.result not in ("pass", "qualified") else None,
        }
        for r in frame.itertuples(index=False)
    ]
    if mode == "wall":  # a side panel: the place gets the room, the date its month and day
        for row in rows:
            row["on"] = row["on"][5:] if len(row["on"]) == 10 else row["on"]
        columns = [("on", "日期"), ("entity", "点位"), ("food", "食品"), ("result", "结果")]
        widths: list[str] | None = ["3.6em", "minmax(0, 1fr)", "5em", "3.4em"]
    else:
        columns = [("on", "抽检日期"), ("entity", "点位"), ("site", "类型"), ("food", "食品"),
                   ("result", "结果")]
        widths = None
    return scrolling_list(
        rows, columns, mode=mode, visible_rows=visible_rows, widths=widths, empty_text="保障期内暂无抽检"
    )


def incident_list(frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4) -> html.Div:
    """Incidents during the mission's window (``assurance_incidents``): time, kind, level, summary,
    at a site or nearby, status."""
    rows = [
        {
            "at": format_datetime(r.reported_at, "short")[5:],
            "kind": label("incident", "kind", r.kind),
            "level": label("incident", "level", r.level),
            "summary": r.summary or "—",
            "where": "保障点位" if r.at_site else "周边",
            "status": label("incident", "status", r.status),
        }
        for r in frame.itertuples(index=False)
    ]
    columns = [
        ("at", "报告时间"),
        ("kind", "类型"),
        ("summary", "概要"),
        ("where", "位置"),
        ("status", "状态"),
    ]
    widths = ["7.5em", "6em", "minmax(0, 1fr)", "5em", "5em"] if mode == "wall" else None
    return scrolling_list(
        rows, columns, mode=mode, visible_rows=visible_rows, widths=widths, empty_text="保障期内暂无突发事件"
    )
