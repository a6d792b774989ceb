"""稽查办案 figures: cases by source and by cause (with transfers to police), opened and closed per
month, fines and confiscations per month, the street map of cases opened, open cases by stage,
the average duration per office, and the list of open cases near or past the 90-day limit.

Each factory takes the read API's frame as it comes (``cases_by``, ``case_trend``,
``case_funnel``, ``duration_by_office``, ``cases_near_limit``) and returns a figure or a
component; the screen and the weekly report call the same ones. Clickable charts carry their codes
(a source, a cause, a street, an office, a month ``YYYY-MM``) in ``customdata`` or as the map's
location, and emphasise ``selected``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.charts_common import choice_donut, hbar, month_axis, outline_region, select_month
from components.figures import empty, template, trend
from components.formatting import format_duration, format_money, format_number, format_rate
from components.labels import label
from components.lists import scrolling_list
from components.maps import district_map
from components.partial import mark_trend
from components.theme import palette, sizes

#: The statutory time limit of a case (days from 立案 to 结案) and when it counts as "approaching".
LIMIT_DAYS = 90
NEAR_DAYS = 60
#: Stages of an open case, in procedure order (``结案`` is not open).
OPEN_STAGES = (
    "opened",
    "investigation",
    "legal_review",
    "prior_notice",
    "hearing",
    "decision",
    "served",
    "executed",
)
MINUTES_PER_DAY = 1440


def _months(frame: pd.DataFrame) -> list[str]:
    return [pd.Timestamp(m).strftime("%Y-%m") for m in frame["month"]]


def source_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Cases opened per source (``cases_by("source")``: inspection, complaint, referral, online
    monitoring, non-site) as a donut with the total in the hole."""
    f = frame[frame["opened"] > 0] if frame["opened"].sum() else frame
    codes = [str(c) for c in f["source"]]
    fig = choice_donut(
        [label("case_file", "source", c) for c in codes],
        f["opened"],
        codes,
        selected=selected,
        unit="件",
        theme=theme,
        mode=mode,
        centre_text=f"{format_number(int(f['opened'].sum()))}件",
    )
    # room above and below the ring for the percentages printed outside it
    fig.update_layout(margin=dict(l=16, r=16, t=28, b=28))
    return fig


def cause_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Cases opened per cause (``cases_by("cause")``), most first, at most ``top``; a cause with
    cases transferred to the police (行刑衔接) says how many. The selected cause stays in view."""
    f = frame[frame["opened"] > 0] if frame["opened"].sum() else frame
    f = f.sort_values(["opened", "cause"], ascending=[False, True])
    if top is not None and len(f) > top:
        head = f.head(top)
        if selected is not None and selected not in set(head["cause"]):
            head = pd.concat([head.head(top - 1), f[f["cause"] == selected]])
        f = head
    codes = [str(c) for c in f["cause"]]
    police = [int(v) for v in f["transferred_to_police"]]
    texts = [
        f"{format_number(n)}（移送公安{p}）" if p else format_number(n)
        for n, p in zip(f["opened"], police, strict=True)
    ]
    hover = [
        f"{label('case_file', 'cause', c)}：立案 {format_number(n)} 件，移送公安 {p} 件"
        for c, n, p in zip(codes, f["opened"], police, strict=True)
    ]
    return hbar(
        [label("case_file", "cause", c) for c in codes],
        f["opened"],
        codes,
        selected=selected,
        unit="件",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        name="案由",
    )


def trend_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Cases opened and closed per month (``case_trend``); each point carries its month
    (``YYYY-MM``) so a click can select it."""
    if frame.empty:
        return empty("暂无数据", theme=theme, mode=mode)
    months = _months(frame)
    fig = trend(
        frame["month"],
        frame["opened"],
        name="立案",
        unit="件",
        theme=theme,
        mode=mode,
        others={"结案": frame["closed"]},
    )
    fig.update_traces(customdata=months, mode="lines+markers", marker=dict(size=7 if mode == "wall" else 5))
    fig.update_layout(legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    month_axis(fig, len(frame), narrow=mode == "wall")
    select_month(fig, months, selected_month, theme)
    mark_trend(fig, frame, "month", theme=theme, mode=mode)
    return fig


def money_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Fines and confiscations per month (``case_trend``: ``fines_yuan``, ``confiscation_yuan``),
    stacked, in 万元; each bar carries its month so a click can select it."""
    if frame.empty or not (frame["fines_yuan"].sum() + frame["confiscation_yuan"].sum()):
        return empty("期间内无罚没款", theme=theme, mode=mode)
    p = palette(theme)
    months = _months(frame)
    fig = go.Figure(layout=dict(template=template(theme, mode)))
    for name, col, colour in (("罚款", "fines_yuan", p.accent), ("没收", "confiscation_yuan", p.warn)):
        wan = [float(v) / 10_000 for v in frame[col]]
        fig.add_bar(
            x=list(frame["month"]),
            y=wan,
            name=name,
            customdata=months,
            hovertext=[format_money(v).text for v in frame[col]],
            marker=dict(color=colour, line=dict(width=0)),
            hovertemplate=f"%{{x|%Y年%-m月}}<br>{name}：%{{hovertext}}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        showlegend=True,
        legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
        yaxis=dict(ticksuffix="万" if mode == "wall" else ""),
        clickmode="event",
    )
    month_axis(fig, len(frame), narrow=mode == "wall")
    select_month(fig, months, selected_month, theme)
    mark_trend(fig, frame, "month", theme=theme, mode=mode)
    return fig


def street_map(
    streets: Mapping[str, Any],
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """Cases opened per street as a choropleth (``cases_by("street_code")``), the selected street
    outlined."""
    values = dict(zip(frame["street_code"].astype(str), frame["opened"].astype(float), strict=True))
    fig = district_map(
        streets, values, theme=theme, mode=mode, value_name="立案", unit="件", tile_url=tile_url
    )
    return outline_region(fig, streets, selected, theme=theme, mode=mode)


def stage_funnel(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Open cases by their current stage (``case_funnel``'s ``open``), in procedure order from 立案
    to 执行 — where the caseload sits in the procedure."""
    f = frame.set_index("stage")["open"].reindex(list(OPEN_STAGES)).fillna(0)
    if not f.sum():
        return empty("暂无在办案件", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    total = float(f.sum())
    names = [label("case_file", "stage", st) for st in f.index]
    fig = go.Figure(layout=dict(template=template(theme, mode)))
    fig.add_funnel(
        y=names,
        x=[int(v) for v in f],
        customdata=list(f.index),
        text=[f"{int(v)}（{format_rate(v / total, decimals=0).text}）" for v in f],
        textinfo="text",
        # wide bars hold their text, narrow ones print it beside them: never shrunk, never clipped
        textposition=["inside" if v >= 0.4 * f.max() else "outside" for v in f],
        insidetextanchor="middle",
        constraintext="none",
        textfont=dict(size=s.small + (1 if mode == "wall" else 0), color=p.text),
        marker=dict(color=[p.series[i % len(p.series)] for i in range(len(f))], line=dict(width=0)),
        connector=dict(line=dict(color=p.grid, width=1)),
        hovertemplate="%{y}：%{x:,}件<extra></extra>",
    )
    fig.update_layout(showlegend=False, yaxis=dict(showgrid=False), xaxis=dict(visible=False))
    return fig


def office_duration_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Average duration (立案 → 结案, in days) of the cases each office closed
    (``duration_by_office``), longest first, with the share closed within 90 days; at most
    ``top`` offices, the selected one kept in view. Offices that closed nothing are left out."""
    f = frame[frame["closed"] > 0].sort_values(
        ["avg_duration_minutes", "office_code"], ascending=[False, True]
    )
    if f.empty:
        return empty("期间内无结案", theme=theme, mode=mode)
    if top is not None and len(f) > top:
        head = f.head(top)
        if selected is not None and selected not in set(head["office_code"]):
            head = pd.concat([head.head(top - 1), f[f["office_code"] == selected]])
        f = head
    p = palette(theme)
    days = [float(m) / MINUTES_PER_DAY for m in f["avg_duration_minutes"]]
    rates = list(f["within_90d_rate"])
    texts = [f"{d:.1f}天 · {format_rate(r, decimals=0).text}" for d, r in zip(days, rates, strict=True)]
    colours = [p.bad if d > LIMIT_DAYS else p.warn if d > NEAR_DAYS else p.accent for d in days]
    hover = [
        f"{n}：结案 {int(c)} 件，平均 {format_duration(m).text}{format_duration(m).unit}，"
        f"90天内结案 {format_rate(r).text}"
        for n, c, m, r in zip(f["office_name"], f["closed"], f["avg_duration_minutes"], rates, strict=True)
    ]
    return hbar(
        [str(n) for n in f["office_name"]],
        days,
        [str(c) for c in f["office_code"]],
        selected=selected,
        unit="天",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=colours,
        hover=hover,
        name="平均办案时长",
    )


def near_limit_list(
    frame: pd.DataFrame,
    office_names: Mapping[str, str],
    *,
    mode: str = "wall",
    visible_rows: int = 5,
    id: str | None = None,
) -> html.Div:
    """Open cases near or past the 90-day limit (``cases_near_limit``), oldest first: case
    number, entity (a link to its file for analysts), office, cause, stage, days open; rows past
    the limit are marked red, those approaching it amber."""
    rows = []
    for r in frame.itertuples(index=False):
        name = r.entity_name if isinstance(r.entity_name, str) and r.entity_name else r.uscc
        days = int(r.days_open)
        rows.append(
            {
                "case_no": r.case_no,
                "entity": name
                if mode == "wall"
                else dcc.Link(
                    name, href=f"/entity/{r.uscc}", className="entity-link", title=f"查看一户一档：{r.uscc}"
                ),
                "office": office_names.get(str(r.office_code), str(r.office_code)),
                "cause": label("case_file", "cause", r.cause),
                "stage": label("case_file", "stage", r.stage),
                "days": f"{days}天（超期）" if days > LIMIT_DAYS else f"{days}天",
                "tone": "red" if days > LIMIT_DAYS else "orange",
            }
        )
    # the wall has no room for the long case numbers: the entity names the case there
    columns = [("case_no", "案件编号")] if mode != "wall" else []
    columns += [
        ("entity", "当事人"),
        ("office", "办案机构"),
        ("cause", "案由"),
        ("stage", "当前环节"),
        ("days", "已立案"),
    ]
    return scrolling_list(
        rows,
        columns,
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=["minmax(0, 1fr)", "10em", "8em", "6em", "8.5em"],
        empty_text=f"无立案满{NEAR_DAYS}天仍未结案的案件",
        id=id,
    )
