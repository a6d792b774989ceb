"""应急指挥 figures: incidents by level (Ⅰ–Ⅳ) and by kind, dispatches and arrival times per resource
kind, the resources and their status, the district map of open incidents and resources, one
incident's timeline (reported → dispatched → arrived → resolved) with its nearest available
resources, and the list of incidents.

Each factory takes the read API's frames as they come (``incidents_by``, ``open_incidents_by``,
``incidents``, ``resource_summary``, ``resources``, ``nearest_resources``, ``dispatch_stats``,
``incident_dispatches``) and returns a figure or a component; the screen and the weekly report can
call the same ones. Clickable marks carry their code in ``customdata``: a level, a kind, or on the
map an incident id (a street carries its ``location``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.charts_common import emphasis, hbar, outline_region
from components.figures import empty, figure
from components.formatting import format_datetime, format_duration, format_number
from components.labels import label
from components.lists import scrolling_list
from components.maps import MapPoints, district_map
from components.theme import LEVEL_COLOURS, palette, sizes

#: Incident levels, most severe first (Ⅰ 特别重大 … Ⅳ 一般).
LEVELS = ("I", "II", "III", "IV")
#: Incident kinds in the store's order.
KINDS = (
    "food_poisoning",
    "elevator_entrapment",
    "equipment_accident",
    "mass_complaint",
    "product_safety",
    "public_opinion",
)
RESOURCE_KINDS = ("enforcement_team", "vehicle", "expert", "lab", "drone")
RESOURCE_STATUSES = ("available", "busy", "off_duty")
#: The warning colour of each incident level (national practice: Ⅰ red, Ⅱ orange, Ⅲ yellow, Ⅳ blue);
#: also the ``tone-…`` class that marks a list row.
LEVEL_TONES = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}
#: Short level names for axes and lists (the labels module holds the long ones).
LEVEL_SHORT = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "IV": "Ⅳ级"}
#: The role of the "查看" buttons of the analyst's incident list (pattern-matching ids).
PICK_ROLE = "emergency-pick"
_RESOURCE_TONES = {"available": "good", "busy": "warn", "off_duty": "text_muted"}


def level_colour(level: str) -> str:
    """The colour of an incident level."""
    return LEVEL_COLOURS[LEVEL_TONES.get(level, "blue")]


def kind_name(kind: str) -> str:
    """The Chinese name of an incident kind (食物中毒 …)."""
    return label("incident", "kind", kind)


def duration_text(minutes: Any) -> str:
    """A duration in minutes as "28分钟" / "5.3小时" (— when missing)."""
    d = format_duration(minutes)
    return f"{d.number}{d.unit}" if d.unit else d.number


def incident_title(row: Mapping[str, Any], streets: Mapping[str, str]) -> str:
    """One line naming an incident: id, kind, level, street and status."""
    return (
        f"{row['id']} · {kind_name(row['kind'])} · {LEVEL_SHORT.get(row['level'], row['level'])} · "
        f"{streets.get(str(row['street_code']), '—')} · {label('incident', 'status', row['status'])}"
    )


def level_chart(
    reported: pd.DataFrame,
    open_now: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Incidents per level: reported in the period (``incidents_by("level")``) beside those not yet
    resolved now (``open_incidents_by("level")``), each count over its bar; bars carry the level."""
    r = reported.set_index("level").reindex(list(LEVELS)).fillna({"n": 0, "resolved": 0})
    o = open_now.set_index("level").reindex(list(LEVELS)).fillna({"n": 0})
    if not r["n"].sum() and not o["n"].sum():
        return empty("期间内无突发事件", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    names = [LEVEL_SHORT[lv] for lv in LEVELS]
    colours = [level_colour(lv) for lv in LEVELS]
    font = dict(size=s.small + (2 if mode == "wall" else 0), color=p.text)
    traces = [
        go.Bar(
            x=names,
            y=r["n"].tolist(),
            name="期间报告",
            customdata=list(LEVELS),
            marker=dict(color=emphasis(list(LEVELS), selected, [p.accent_2] * 4), line=dict(width=0)),
            text=[format_number(v) for v in r["n"]],
            textposition="outside",
            cliponaxis=False,
            textfont=font,
            hovertext=[
                f"{label('incident', 'level', lv)}：期间报告 {format_number(n)} 起，"
                f"已处置 {format_number(d)} 起"
                for lv, n, d in zip(LEVELS, r["n"], r["resolved"], strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        ),
        go.Bar(
            x=names,
            y=o["n"].tolist(),
            name="当前未处置",
            customdata=list(LEVELS),
            marker=dict(color=emphasis(list(LEVELS), selected, colours), line=dict(width=0)),
            text=[format_number(v) for v in o["n"]],
            textposition="outside",
            cliponaxis=False,
            textfont=font,
            hovertext=[
                f"{label('incident', 'level', lv)}：当前未处置 {format_number(n)} 起"
                for lv, n in zip(LEVELS, o["n"], strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        ),
    ]
    top = float(max(r["n"].max(), o["n"].max(), 1))
    return figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            barmode="group",
            bargap=0.35,
            bargroupgap=0.08,
            clickmode="event",
            xaxis=dict(showgrid=False),
            yaxis=dict(showticklabels=False, showgrid=False, range=[0, top * 1.3]),
            showlegend=False,
            annotations=[
                dict(
                    x=0,
                    y=1.0,
                    xref="paper",
                    yref="paper",
                    xanchor="left",
                    yanchor="bottom",
                    showarrow=False,
                    font=dict(size=s.legend, color=p.text),
                    text=f"<span style='color:{p.accent_2}'>■</span> 期间报告　"
                    f"<span style='color:{level_colour('I')}'>■</span>"
                    f"<span style='color:{level_colour('IV')}'>■</span> 当前未处置（按等级着色）",
                )
            ],
            margin=dict(t=34 if mode == "wall" else 30),
        ),
    )


def kind_chart(
    reported: pd.DataFrame,
    open_now: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Incidents per kind reported in the period (``incidents_by("kind")``), most first, each bar's
    text adding how many of that kind are open now (``open_incidents_by("kind")``); the hover adds
    the average time to resolve."""
    r = reported.set_index("kind").reindex(list(KINDS)).fillna({"n": 0, "resolved": 0})
    o = open_now.set_index("kind")["n"].reindex(list(KINDS)).fillna(0)
    if not r["n"].sum() and not o.sum():
        return empty("期间内无突发事件", theme=theme, mode=mode)
    order = sorted(KINDS, key=lambda k: (-float(r.loc[k, "n"]), -float(o[k]), KINDS.index(k)))
    texts = [
        f"{format_number(r.loc[k, 'n'])}" + (f"（未处置 {format_number(o[k])}）" if o[k] else "")
        for k in order
    ]
    hover = [
        f"{kind_name(k)}：期间报告 {format_number(r.loc[k, 'n'])} 起，"
        f"已处置 {format_number(r.loc[k, 'resolved'])} 起，"
        f"平均处置 {duration_text(r.loc[k, 'avg_resolve_minutes'])}；当前未处置 {format_number(o[k])} 起"
        for k in order
    ]
    return hbar(
        [kind_name(k) for k in order],
        [float(r.loc[k, "n"]) for k in order],
        order,
        selected=selected,
        unit="起",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        name="事件类型",
    )


def _widen(fig: go.Figure, values: list[float], factor: float) -> go.Figure:
    """Room right of the longest bar for a text in Chinese (``hbar`` sizes it for digits)."""
    fig.layout.xaxis.range = [0, max(values + [1.0]) * factor]
    return fig


def dispatch_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Dispatches per resource kind in the period (``dispatch_stats``), each bar's text adding the
    average time from dispatch to arrival."""
    f = frame.set_index("resource_kind").reindex(list(RESOURCE_KINDS)).fillna({"n": 0, "arrived": 0})
    if not f["n"].sum():
        return empty("期间内无调度记录", theme=theme, mode=mode)
    order = sorted(RESOURCE_KINDS, key=lambda k: (-float(f.loc[k, "n"]), RESOURCE_KINDS.index(k)))
    texts = [
        f"{format_number(f.loc[k, 'n'])} 次"
        + (f" · 到场 {duration_text(f.loc[k, 'avg_arrive_minutes'])}" if f.loc[k, "arrived"] else "")
        for k in order
    ]
    hover = [
        f"{label('resource', 'kind', k)}：调度 {format_number(f.loc[k, 'n'])} 次，已到场 "
        f"{format_number(f.loc[k, 'arrived'])} 次，平均到场 {duration_text(f.loc[k, 'avg_arrive_minutes'])}"
        for k in order
    ]
    p = palette(theme)
    values = [float(f.loc[k, "n"]) for k in order]
    fig = hbar(
        [label("resource", "kind", k) for k in order],
        values,
        order,
        unit="次",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        colours=[p.accent] * len(order),
        name="调度次数",
    )
    return _widen(fig, values, 2.3 if mode == "wall" else 1.9)


def resource_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Resources per kind by status (``resource_summary``): one stacked bar per kind from 可调度 to
    执行任务中 and 休整, "可调度 a/total" printed at the bar's end."""
    f = frame.set_index("kind").reindex(list(RESOURCE_KINDS)).fillna(0)
    if not f["total"].sum():
        return empty("尚未登记应急资源", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    names = [label("resource", "kind", k) for k in RESOURCE_KINDS]
    traces = [
        go.Bar(
            y=names,
            x=f[st].tolist(),
            orientation="h",
            name=label("resource", "status", st),
            customdata=list(RESOURCE_KINDS),
            marker=dict(color=getattr(p, _RESOURCE_TONES[st]), line=dict(width=0)),
            hovertemplate=f"%{{y}} · {label('resource', 'status', st)}：%{{x:,}} 个<extra></extra>",
        )
        for st in RESOURCE_STATUSES
    ]
    font = dict(size=s.small + (1 if mode == "wall" else 0), color=p.text)
    notes = [
        dict(
            x=float(t),
            y=n,
            text=f"可调度 {format_number(a)}/{format_number(t)}",
            showarrow=False,
            xanchor="left",
            xshift=6,
            font=font,
        )
        for n, a, t in zip(names, f["available"], f["total"], strict=True)
    ]
    return figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            barmode="stack",
            bargap=0.38,
            annotations=notes,
            xaxis=dict(showgrid=False, showticklabels=False, range=[0, float(f["total"].max()) * 1.75]),
            yaxis=dict(autorange="reversed", showgrid=False),
            legend=dict(
                orientation="h", x=0, y=1.0, yanchor="bottom", traceorder="normal", font=dict(size=s.legend)
            ),
            showlegend=True,
            margin=dict(t=34 if mode == "wall" else 28),
        ),
    )


def incident_map(
    streets: Mapping[str, Any],
    values: Mapping[str, float],
    incidents: pd.DataFrame,
    resources: pd.DataFrame,
    *,
    focus: Mapping[str, Any] | None = None,
    nearest: pd.DataFrame | None = None,
    selected_street: str | None = None,
    street_names: Mapping[str, str] | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """The district map: ``values`` per street as a choropleth (incidents reported in the period),
    the resources (``resources``) as small points by status, the open incidents (``incidents``, the
    rows of ``incidents(open_only=True)``) as large points in their level colours, each carrying its
    id; the ``focus`` incident (a row of ``incidents``, open or not) ringed and joined to its ``nearest``
    resources by lines."""
    p, wall = palette(theme), mode == "wall"
    names = street_names or {}
    layers: list[MapPoints] = []
    res = resources.dropna(subset=["lon", "lat"])
    for st in RESOURCE_STATUSES:
        f = res[res["status"] == st]
        if f.empty:
            continue
        layers.append(
            MapPoints(
                name=f"应急资源·{label('resource', 'status', st)}",
                lon=f["lon"].astype(float).tolist(),
                lat=f["lat"].astype(float).tolist(),
                text=[
                    f"{n}（{label('resource', 'kind', k)}，{o or '区局'}）"
                    for n, k, o in zip(f["name"], f["kind"], f["office_name"], strict=True)
                ],
                color=getattr(p, _RESOURCE_TONES[st]),
                size=7 if wall else 6,
            )
        )
    fig = district_map(
        streets,
        values,
        points=layers,
        theme=theme,
        mode=mode,
        value_name="期间报告突发事件",
        unit="起",
        tile_url=tile_url,
    )
    pts = incidents.dropna(subset=["lon", "lat"])
    here = None
    if focus is not None and pd.notna(focus.get("lon")) and pd.notna(focus.get("lat")):
        here = float(focus["lon"]), float(focus["lat"])
    if here is not None and nearest is not None and not nearest.empty:
        lons: list[float | None] = []
        lats: list[float | None] = []
        for lon, lat in zip(nearest["lon"], nearest["lat"], strict=True):
            lons += [here[0], float(lon), None]
            lats += [here[1], float(lat), None]
        fig.add_scattermap(
            lon=lons,
            lat=lats,
            mode="lines",
            name="最近可调度资源",
            line=dict(color=p.good, width=2.5 if wall else 2),
            hoverinfo="skip",
        )
    if here is not None:
        fig.add_scattermap(
            lon=[here[0]],
            lat=[here[1]],
            mode="markers",
            name="当前查看事件",
            customdata=[str(focus["id"])],
            marker=dict(size=34 if wall else 26, color=p.text, opacity=0.55),
            hovertemplate="当前查看：%{customdata}<extra></extra>",
        )
    if not pts.empty:  # a pale halo keeps a blue Ⅳ-level point visible on the blue streets
        fig.add_scattermap(
            lon=pts["lon"].astype(float).tolist(),
            lat=pts["lat"].astype(float).tolist(),
            mode="markers",
            name="事件光圈",
            showlegend=False,
            customdata=pts["id"].tolist(),
            marker=dict(size=30 if wall else 20, color="#ffffff", opacity=0.8),
            hoverinfo="skip",
        )
    # the most severe level drawn last, on top
    for lv in reversed(LEVELS):
        f = pts[pts["level"] == lv]
        if f.empty:
            continue
        text = [
            f"{i} {kind_name(k)}（{names.get(str(sc), '—')}）<br>{label('incident', 'status', st)} · "
            f"接报 {format_datetime(at, 'short')}"
            for i, k, sc, st, at in zip(
                f["id"], f["kind"], f["street_code"], f["status"], f["reported_at"], strict=True
            )
        ]
        fig.add_scattermap(
            lon=f["lon"].astype(float).tolist(),
            lat=f["lat"].astype(float).tolist(),
            mode="markers",
            name=f"未处置{LEVEL_SHORT[lv]}事件",
            customdata=f["id"].tolist(),
            text=text,
            marker=dict(
                size=(24 if lv in ("I", "II") else 20) * (1.2 if wall else 0.8),
                color=level_colour(lv),
                opacity=0.95,
            ),
            hovertemplate="%{text}<extra></extra>",
        )
    fig.update_layout(
        showlegend=True,
        legend=dict(
            orientation="v",
            x=0.01,
            y=0.02,
            yanchor="bottom",
            bgcolor="rgba(0,0,0,0)",
            font=dict(size=sizes(mode).legend, color=p.text),
        ),
    )
    return outline_region(fig, streets, selected_street, theme=theme, mode=mode)


def timeline_chart(
    incident: Mapping[str, Any] | None,
    dispatches: pd.DataFrame,
    *,
    title: str = "",
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """One incident's timeline: the incident's row (接报, then 处置 when resolved) and one row per
    dispatch (``incident_dispatches``): 派遣 → 到场 (dashed: on the way) → 完成 (solid: on site), each
    event a marker; ``title`` (``incident_title``) names the incident above the chart."""
    if incident is None:
        return empty("暂无可查看的突发事件", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    wall = mode == "wall"
    rows = ["事件"] + [
        f"{n}" if wall else f"{n}（{label('resource', 'kind', k)}）"
        for n, k in zip(dispatches["resource_name"], dispatches["resource_kind"], strict=True)
    ]
    reported = pd.Timestamp(incident["reported_at"])
    resolved = incident.get("resolved_at")
    resolved = None if resolved is None or pd.isna(resolved) else pd.Timestamp(resolved)
    ev_x, ev_y, ev_text, ev_colour = [reported], ["事件"], [f"接报 {reported:%m-%d %H:%M}"], [p.bad]
    ev_pos = ["middle right"]
    if resolved is not None:
        ev_x.append(resolved)
        ev_y.append("事件")
        ev_text.append(f"处置 {resolved:%m-%d %H:%M}")
        ev_colour.append(p.good)
        ev_pos.append("middle left")
    way_x: list[Any] = []
    way_y: list[Any] = []
    site_x: list[Any] = []
    site_y: list[Any] = []
    mk_x, mk_y, mk_text, mk_colour = [], [], [], []
    for name, d in zip(rows[1:], dispatches.itertuples(index=False), strict=True):
        events = [
            ("派遣", d.dispatched_at, p.accent),
            ("到场", d.arrived_at, p.warn),
            ("完成", d.finished_at, p.good),
        ]
        if pd.notna(d.arrived_at):
            way_x += [d.dispatched_at, d.arrived_at, None]
            way_y += [name, name, None]
            end = d.finished_at if pd.notna(d.finished_at) else resolved
            if end is not None and pd.notna(end):
                site_x += [d.arrived_at, end, None]
                site_y += [name, name, None]
        for what, at, colour in events:
            if pd.notna(at):
                mk_x.append(at)
                mk_y.append(name)
                mk_text.append(
                    f"{name} · {what} {pd.Timestamp(at):%m-%d %H:%M}"
                    + (f"（{d.dispatched_by} 派遣）" if what == "派遣" and d.dispatched_by else "")
                )
                mk_colour.append(colour)
    size = 14 if wall else 10
    traces = [
        go.Scatter(
            x=way_x,
            y=way_y,
            mode="lines",
            name="赶赴现场",
            line=dict(color=p.accent, width=4 if wall else 3, dash="dot"),
            hoverinfo="skip",
        ),
        go.Scatter(
            x=site_x,
            y=site_y,
            mode="lines",
            name="现场处置",
            line=dict(color=p.good, width=8 if wall else 6),
            hoverinfo="skip",
        ),
        go.Scatter(
            x=mk_x,
            y=mk_y,
            mode="markers",
            name="调度节点",
            hovertext=mk_text,
            marker=dict(size=size, color=mk_colour, line=dict(width=0)),
            hovertemplate="%{hovertext}<extra></extra>",
        ),
        go.Scatter(
            x=ev_x,
            y=ev_y,
            mode="markers+text",
            name="事件节点",
            text=ev_text,
            textposition=ev_pos,
            cliponaxis=False,
            textfont=dict(size=s.small + (1 if wall else 0), color=p.text),
            marker=dict(size=size + 4, color=ev_colour, symbol="diamond", line=dict(width=0)),
            hovertemplate="%{text}<extra></extra>",
        ),
    ]
    times = [t for t in [*ev_x, *mk_x] if t is not None and pd.notna(t)]
    lo, hi = min(times), max(times)
    pad = max((hi - lo) * 0.08, pd.Timedelta(minutes=5))
    return figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            title=dict(
                text=title,
                x=0,
                xanchor="left",
                y=0.98,
                yanchor="top",
                font=dict(size=s.small + (2 if wall else 1), color=p.title),
            ),
            showlegend=False,
            xaxis=dict(
                type="date",
                range=[lo - pad, hi + pad],
                tickformat="%H:%M",
                hoverformat="%m-%d %H:%M",
                showgrid=True,
                gridcolor=p.grid,
                nticks=6,
            ),
            yaxis=dict(
                type="category",
                categoryorder="array",
                categoryarray=rows,
                autorange="reversed",
                showgrid=False,
                range=[len(rows) - 0.4, -0.8],
            ),
            margin=dict(t=36 if wall else 32),
        ),
    )


def nearest_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """The nearest available resources of an incident (``nearest_resources``), nearest first: the
    straight-line distance as the bar, "1.2 km · 约 4 分钟" (the read API's ETA) as its text."""
    if frame.empty:
        return empty("附近暂无可调度资源", theme=theme, mode=mode)
    p = palette(theme)
    kind_colour = {k: p.series[i % len(p.series)] for i, k in enumerate(RESOURCE_KINDS)}
    wall = mode == "wall"
    labels = [
        n if wall else f"{n}（{label('resource', 'kind', k)}）"
        for n, k in zip(frame["name"], frame["kind"], strict=True)
    ]
    texts = [
        f"{d:.1f}km · {'不足1分钟' if e < 1 else duration_text(e)}"
        for d, e in zip(frame["distance_km"], frame["eta_minutes"], strict=True)
    ]
    hover = [
        f"{n}（{label('resource', 'kind', k)}，{o or '区局'}）：直线 {d:.2f} km，预计 {duration_text(e)} 到达"
        for n, k, o, d, e in zip(
            frame["name"],
            frame["kind"],
            frame["office_name"],
            frame["distance_km"],
            frame["eta_minutes"],
            strict=True,
        )
    ]
    values = frame["distance_km"].astype(float).tolist()
    fig = hbar(
        labels,
        values,
        frame["id"].astype(str).tolist(),
        unit="km",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        colours=[kind_colour.get(k, p.accent) for k in frame["kind"]],
        name="距离",
    )
    return _widen(fig, values, 2.3 if wall else 1.8)


def _entity(uscc: Any, mode: str) -> Any:
    if mode != "wall" and isinstance(uscc, str) and uscc:
        return dcc.Link(
            "一户一档", href=f"/entity/{uscc}", className="entity-link", title=f"查看一户一档：{uscc}"
        )
    return "—"


def incident_list(
    frame: pd.DataFrame,
    streets: Mapping[str, str],
    *,
    mode: str = "wall",
    visible_rows: int = 4,
    focus: str | None = None,
    id: str | None = None,
) -> html.Div:
    """Incidents (rows of ``incidents``), newest first: time, level, kind, street, summary, status;
    analysts also get the entity's file (一户一档) and a "查看" button (id ``{"role": PICK_ROLE,
    "incident": id}``) that shows the incident's timeline and nearest resources."""
    rows = []
    for r in frame.itertuples(index=False):
        row = {
            "at": format_datetime(r.reported_at, "short")[5:],
            "level": LEVEL_SHORT.get(r.level, r.level),
            "kind": kind_name(r.kind),
            "street": streets.get(str(r.street_code), "—"),
            "summary": r.summary or "—",
            "status": label("incident", "status", r.status),
            "tone": LEVEL_TONES.get(r.level),
        }
        if mode != "wall":
            row["entity"] = _entity(r.uscc, mode)
            row["pick"] = html.Button(
                "当前查看" if r.id == focus else "查看",
                id={"role": PICK_ROLE, "incident": str(r.id)},
                n_clicks=0,
                type="button",
                className="btn btn-sm " + ("btn-primary" if r.id == focus else "btn-outline-primary"),
                title=f"查看 {r.id} 的处置时间线与最近可调度资源",
            )
        rows.append(row)
    if mode == "wall":
        columns = [
            ("at", "接报时间"),
            ("level", "等级"),
            ("kind", "事件类型"),
            ("street", "街镇"),
            ("summary", "事件概要"),
            ("status", "状态"),
        ]
        widths = ["7.5em", "3.2em", "6.5em", "6em", "minmax(0, 1fr)", "4em"]
    else:
        columns = [
            ("at", "接报时间"),
            ("level", "等级"),
            ("kind", "事件类型"),
            ("street", "街镇"),
            ("summary", "事件概要"),
            ("status", "状态"),
            ("entity", "涉及主体"),
            ("pick", "时间线"),
        ]
        widths = None
    return scrolling_list(
        rows,
        columns,
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=widths,
        empty_text="暂无突发事件",
        id=id,
    )
