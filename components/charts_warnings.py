"""智能预警 figures: warnings by level, theme and rule, open against closed per level, response and
closure times, the district map of open warnings, the newest warnings and the rule catalogue.

Each factory takes the read API's frame as it comes (``warnings_by``, ``warning_status``,
``open_warning_points``, ``latest_warnings``, ``warning_rules``) and returns a figure or a
component; the screen and the weekly report call the same ones. The level charts carry the level
code in ``customdata`` (a click filters the screen by level) and emphasise ``selected``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import emphasis, hbar, outline_region
from components.figures import empty, template
from components.formatting import format_datetime, format_duration, format_number, format_rate
from components.labels import label
from components.lists import entity_link, scrolling_list
from components.maps import MapPoints, district_map
from components.theme import LEVEL_COLOURS, palette, sizes

#: Warning levels, most severe first (红/橙/黄/蓝).
LEVELS = ("red", "orange", "yellow", "blue")
#: Current statuses of a warning in their order (待派单 → 处置中 → 已办结 → 已核查).
STATUSES = ("pending", "handling", "closed", "verified")
#: Colours of the status stack: open ones warm, closed ones cool.
_STATUS_TONES = {"pending": "bad", "handling": "warn", "closed": "accent", "verified": "good"}


def level_name(level: str) -> str:
    """The Chinese name of a warning level (红色 …)."""
    return label("warning", "level", level)


def _duration_text(minutes: Any) -> str:
    d = format_duration(minutes)
    return f"{d.number}{d.unit}" if d.unit else d.number


def level_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Warnings raised per level in the period (``warnings_by("level")``), in the levels' colours,
    the count over each bar; the hover adds the closure rate and the average response time."""
    f = frame.set_index("level").reindex(list(LEVELS))
    f[["n", "closed", "handled"]] = f[["n", "closed", "handled"]].fillna(0)
    if not f["n"].sum():
        return empty("期间内未发出预警", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    names = [level_name(lv) for lv in LEVELS]
    hover = [
        f"{n}预警：发出 {format_number(v)} 条，已办结 {format_number(c)} 条（办结率 "
        f"{format_rate(r).text}），平均响应 {_duration_text(m)}"
        for n, v, c, r, m in zip(
            names, f["n"], f["closed"], f["closure_rate"], f["avg_response_minutes"], strict=True
        )
    ]
    fig = go.Figure(
        data=[
            go.Bar(
                x=names,
                y=f["n"].tolist(),
                customdata=list(LEVELS),
                marker=dict(
                    color=emphasis(list(LEVELS), selected, [LEVEL_COLOURS[lv] for lv in LEVELS]),
                    line=dict(width=0),
                ),
                text=[format_number(v) for v in f["n"]],
                textposition="outside",
                cliponaxis=False,
                textfont=dict(size=s.small + (2 if mode == "wall" else 0), color=p.text),
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                name="发出预警",
            )
        ],
        layout=dict(
            template=template(theme, mode),
            showlegend=False,
            bargap=0.45,
            clickmode="event",
            xaxis=dict(showgrid=False),
            yaxis=dict(showticklabels=False, showgrid=False, range=[0, float(f["n"].max()) * 1.25]),
        ),
    )
    return fig


def theme_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Warnings raised per theme (``warnings_by("theme")``), most first, with the closure rate."""
    f = frame[frame["n"] > 0]
    if f.empty:
        return empty("期间内未发出预警", theme=theme, mode=mode)
    codes = [str(t) for t in f["theme"]]
    texts = [
        f"{format_number(n)}（办结 {format_rate(r, decimals=0).text}）"
        for n, r in zip(f["n"], f["closure_rate"], strict=True)
    ]
    return hbar(
        codes,
        f["n"],
        codes,
        unit="条",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[palette(theme).accent] * len(codes),
        name="预警主题",
    )


def rule_chart(
    frame: pd.DataFrame,
    rules: pd.DataFrame,
    *,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Warnings raised per rule (``warnings_by("rule_id")``), most first, at most ``top``; each bar
    named by its rule (``warning_rules``) and coloured by the rule's level."""
    f = frame[frame["n"] > 0]
    if top is not None:
        f = f.head(top)
    if f.empty:
        return empty("期间内未发出预警", theme=theme, mode=mode)
    info = rules.set_index("rule_id")
    codes = [str(r) for r in f["rule_id"]]
    names = [str(info["name"].get(r, r)) for r in codes]
    shown = [f"{r} {n}" if mode != "wall" else n for r, n in zip(codes, names, strict=True)]
    colours = [LEVEL_COLOURS.get(str(info["level"].get(r)), palette(theme).accent) for r in codes]
    hover = [
        f"{r} {n}（{info['theme'].get(r, '—')}）：{format_number(v)} 条，平均响应 {_duration_text(m)}"
        for r, n, v, m in zip(codes, names, f["n"], f["avg_response_minutes"], strict=True)
    ]
    return hbar(
        shown, f["n"], codes, unit="条", theme=theme, mode=mode, colours=colours, hover=hover, name="预警规则"
    )


def status_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Current warnings per level and status (``warning_status``): one stacked bar per level from
    待派单 and 处置中 (open) to 已办结 and 已核查, the open count printed at the bar's end."""
    f = frame.set_index("level").reindex(list(LEVELS)).fillna(0)
    total = f[list(STATUSES)].sum(axis=1)
    if not total.sum():
        return empty("暂无预警", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    names = [level_name(lv) for lv in LEVELS]
    traces = []
    for st in STATUSES:
        colour = getattr(p, _STATUS_TONES[st])
        traces.append(
            go.Bar(
                y=names,
                x=f[st].tolist(),
                orientation="h",
                name=label("warning", "status", st),
                customdata=list(LEVELS),
                marker=dict(
                    color=emphasis(list(LEVELS), selected, [colour] * len(LEVELS)), line=dict(width=0)
                ),
                hovertemplate=f"%{{y}}预警 · {label('warning', 'status', st)}：%{{x:,}} 条<extra></extra>",
            )
        )
    font = dict(size=s.small + (1 if mode == "wall" else 0), color=p.text)
    top = float(total.max())
    notes = [
        dict(
            x=float(t),
            y=n,
            text=f"未办结 {format_number(o)}",
            showarrow=False,
            xanchor="left",
            xshift=6,
            font=font,
        )
        for n, t, o in zip(names, total, f["open"], strict=True)
    ]
    return go.Figure(
        data=traces,
        layout=dict(
            template=template(theme, mode),
            barmode="stack",
            bargap=0.4,
            clickmode="event",
            annotations=notes,
            xaxis=dict(showgrid=False, showticklabels=False, range=[0, top * 1.45]),
            yaxis=dict(autorange="reversed", showgrid=False),
            legend=dict(
                orientation="h", x=0, y=1.0, yanchor="bottom", traceorder="normal", font=dict(size=s.legend)
            ),
            showlegend=True,
        ),
    )


def times_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Average response and closure times per level (``warnings_by("level")``), side by side on
    scales of their own (answering takes minutes to hours, closing hours to days); each bar is
    labelled with its duration (分钟/小时/天)."""
    f = frame.set_index("level").reindex(list(LEVELS))
    if f["avg_response_minutes"].isna().all() and f["avg_closure_minutes"].isna().all():
        return empty("期间内无已响应的预警", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    names = [level_name(lv) for lv in LEVELS]
    font = dict(size=s.small + (1 if mode == "wall" else 0), color=p.text)
    series = (
        ("avg_response_minutes", "平均响应", p.accent, "x", [0.0, 0.44]),
        ("avg_closure_minutes", "平均办结", p.warn, "x2", [0.56, 1.0]),
    )
    traces, annotations, axes = [], [], {}
    for col, title, colour, axis, domain in series:
        minutes = [None if pd.isna(m) else float(m) for m in f[col]]
        traces.append(
            go.Bar(
                y=names,
                x=minutes,
                xaxis=axis,
                orientation="h",
                name=title,
                customdata=list(LEVELS),
                marker=dict(color=colour, line=dict(width=0)),
                hovertext=[
                    f"{n}预警 · {title}时长：{_duration_text(m)}" for n, m in zip(names, minutes, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
        annotations += [
            dict(
                x=m or 0,
                y=n,
                xref=axis,
                yref="y",
                text=_duration_text(m),
                showarrow=False,
                xanchor="left",
                xshift=4,
                font=font,
            )
            for n, m in zip(names, minutes, strict=True)
        ]
        annotations.append(
            dict(
                x=domain[0],
                y=1.0,
                xref="paper",
                yref="paper",
                text=f"{title}时长",
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                font=dict(size=s.legend, color=colour),
            )
        )
        high = max([m for m in minutes if m is not None] or [1.0])
        axes[f"xaxis{axis[1:]}"] = dict(
            domain=domain, range=[0, high * 1.9], showgrid=False, showticklabels=False, zeroline=False
        )
    return go.Figure(
        data=traces,
        layout=dict(
            template=template(theme, mode),
            bargap=0.35,
            annotations=annotations,
            yaxis=dict(autorange="reversed", showgrid=False),
            showlegend=False,
            margin=dict(t=34 if mode == "wall" else 28),
            **axes,
        ),
    )


def warning_map(
    streets: Mapping[str, Any],
    values: Mapping[str, float],
    points: pd.DataFrame,
    *,
    selected: str | None = None,
    value_name: str = "发出预警",
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """The district map: ``values`` per street as a choropleth (warnings raised in the period) and
    the open warnings (``open_warning_points``) as points, one layer per level in its colour; the
    selected street is outlined."""
    p = palette(theme)
    wall = mode == "wall"
    layers = []
    pts = points.dropna(subset=["lon", "lat"])
    # the most severe level drawn last, on top; the legend lists it first
    for lv in reversed(LEVELS):
        f = pts[pts["level"] == lv]
        if f.empty:
            continue
        text = [
            f"{t}<br>{label('warning', 'status', st)} · {format_datetime(at, 'short')}"
            for t, st, at in zip(f["title"], f["status"], f["raised_at"], strict=True)
        ]
        layers.append(
            MapPoints(
                name=f"{level_name(lv)}预警",
                lon=f["lon"].astype(float).tolist(),
                lat=f["lat"].astype(float).tolist(),
                text=text,
                color=LEVEL_COLOURS[lv],
                size=(10 if lv == "red" else 7) * (1.25 if wall else 1),
            )
        )
    fig = district_map(
        streets,
        values,
        points=layers,
        theme=theme,
        mode=mode,
        value_name=value_name,
        unit="条",
        tile_url=tile_url,
    )
    fig.update_layout(
        showlegend=bool(layers),
        legend=dict(
            orientation="h",
            x=0.01,
            y=0.99,
            yanchor="top",
            traceorder="reversed",
            bgcolor="rgba(0,0,0,0)",
            font=dict(size=sizes(mode).legend, color=p.text),
        ),
    )
    return outline_region(fig, streets, selected, theme=theme, mode=mode)


def newest_list(
    frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4, id: str | None = None
) -> html.Div:
    """The newest warnings (``latest_warnings``): time, level, rule, content, entity (a link to its
    file for analysts), street and status; each row marked in its level's colour."""
    rows = [
        {
            "at": format_datetime(r.raised_at, "short")[5:],
            "level": level_name(r.level),
            "rule": r.rule_name or r.rule_id,
            "title": r.title,
            "entity": entity_link(r.entity_name, r.uscc, mode),
            "street": r.street_name or "—",
            "status": label("warning", "status", r.status),
            "tone": r.level,
        }
        for r in frame.itertuples(index=False)
    ]
    if mode == "wall":
        columns = [
            ("at", "时间"),
            ("level", "等级"),
            ("rule", "预警规则"),
            ("title", "预警内容"),
            ("street", "街镇"),
            ("status", "状态"),
        ]
        widths = ["7.5em", "4em", "11em", "minmax(0, 1fr)", "6em", "5em"]
    else:
        columns = [
            ("at", "时间"),
            ("level", "等级"),
            ("rule", "预警规则"),
            ("title", "预警内容"),
            ("entity", "涉及主体"),
            ("street", "街镇"),
            ("status", "状态"),
        ]
        widths = None
    return scrolling_list(
        rows,
        columns,
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=widths,
        empty_text="暂无预警",
        id=id,
    )


def rule_catalogue(
    frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4, id: str | None = None
) -> html.Div:
    """The rule catalogue (``warning_rules``, rules as data): id, name, theme, level, whether it is
    enabled, its open and total warnings; analysts also read each rule's condition."""
    rows = [
        {
            "rule_id": r.rule_id,
            "name": r.name,
            "theme": r.theme,
            "level": level_name(r.level),
            "condition": r.condition,
            "enabled": "启用" if r.enabled else "停用",
            "open": int(r.open),
            "raised": int(r.raised),
            "tone": r.level,
        }
        for r in frame.itertuples(index=False)
    ]
    if mode == "wall":
        columns = [
            ("rule_id", "编号"),
            ("name", "规则名称"),
            ("level", "等级"),
            ("enabled", "状态"),
            ("open", "未办结"),
        ]
        widths = ["2.9em", "minmax(0, 1fr)", "2.8em", "2.8em", "3.6em"]
    else:
        columns = [
            ("rule_id", "编号"),
            ("name", "规则名称"),
            ("theme", "主题"),
            ("level", "等级"),
            ("condition", "触发条件"),
            ("enabled", "状态"),
            ("open", "未办结"),
            ("raised", "累计预警"),
        ]
        widths = None
    return scrolling_list(
        rows,
        columns,
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=widths,
        empty_text="尚未配置预警规则",
        id=id,
    )
