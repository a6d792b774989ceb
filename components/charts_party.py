"""党建 figures: party organisations by kind and street, the two-new (两新组织) coverage of active
enterprises per street, party activities by kind and month, and the largest organisations.

Each factory takes the read API's frame as it comes (``data_access.api.screens4``: ``party_orgs_by``,
``party_coverage_by_street``, ``party_activity_trend``, ``party_activities_by``, ``party_orgs``) and
returns a figure or a component; a kind's slice carries its code, a street its code.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import (
    choice_donut,
    hbar,
    month_axis,
    side_legend,
    street_choropleth,
    top_with_selected,
)
from components.figures import empty, figure
from components.formatting import format_number, format_rate
from components.labels import label
from components.lists import scrolling_list
from components.theme import palette, sizes

ORG_KINDS = ("bureau", "two_new_enterprise", "two_new_social", "joint")
ACTIVITY_KINDS = ("branch_meeting", "party_lecture", "theme_day", "volunteer", "study")
#: Party red for the organisations' charts (the palette's ``bad`` is a warning colour, not this).
PARTY_RED = "#e23b3b"
_HOVER = "%{{x|%Y年%-m月}}<br>{}：%{{y:,}} 次<extra></extra>"


def org_kind_name(kind: str) -> str:
    """The Chinese name of an organisation kind (非公企业党组织 …)."""
    return label("party_org", "kind", kind)


def org_kind_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Organisations per kind (``party_orgs_by("kind")``) as a donut with the total in the hole; a
    click on a slice selects that kind."""
    f = frame.set_index("kind").reindex(list(ORG_KINDS)).fillna(0)
    p = palette(theme)
    return choice_donut(
        [org_kind_name(k) for k in ORG_KINDS],
        f["n"].tolist(),
        list(ORG_KINDS),
        selected=selected,
        unit="个",
        theme=theme,
        mode=mode,
        colours=[PARTY_RED, p.warn, p.accent, p.accent_2],
        centre_text=f"{format_number(f['n'].sum())}个",
    )


def street_org_chart(
    frame: pd.DataFrame,
    *,
    selected_street: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Organisations per street stacked by kind (``party_orgs_by("street_code")``), most first; a
    click on a street selects it. Bureau branches of departments have no street and are not shown."""
    f = frame.sort_values(["n", "street_code"], ascending=[False, True])
    f = top_with_selected(f, "street_code", top, selected_street)
    if f.empty or not f["n"].sum():
        return empty("暂无党组织", theme=theme, mode=mode)
    p, _s = palette(theme), sizes(mode)
    colours = dict(zip(ORG_KINDS, [PARTY_RED, p.warn, p.accent, p.accent_2], strict=True))
    names = list(f["street_name"])
    traces = [
        go.Bar(
            y=names,
            x=f[k].tolist(),
            orientation="h",
            name=org_kind_name(k),
            customdata=list(f["street_code"]),
            marker=dict(
                color=colours[k],
                opacity=[1 if selected_street in (None, c) else 0.3 for c in f["street_code"]],
                line=dict(width=0),
            ),
            hovertemplate=f"%{{y}}<br>{org_kind_name(k)}：%{{x:,}} 个<extra></extra>",
        )
        for k in ORG_KINDS
    ]
    return figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            barmode="stack",
            bargap=0.3,
            clickmode="event",
            yaxis=dict(autorange="reversed", showgrid=False, type="category", dtick=1),
            xaxis=dict(showgrid=True, nticks=4),
            legend=side_legend(mode),
        ),
    )


def coverage_map(
    streets: Any,
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """Two-new coverage per street (``party_coverage_by_street``, in %) as a choropleth."""
    f = frame.assign(coverage_pct=(frame["coverage"].fillna(0) * 100).round(1))
    return street_choropleth(
        streets,
        f,
        "coverage_pct",
        value_name="两新组织党建覆盖率",
        unit="%",
        selected=selected,
        theme=theme,
        mode=mode,
        tile_url=tile_url,
    )


def coverage_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Coverage per street, lowest first (where to build next), labelled with covered / active."""
    f = frame[frame["enterprises"] > 0].sort_values(["coverage", "street_code"])
    if f.empty:
        return empty("暂无在营企业", theme=theme, mode=mode)
    texts = [
        f"{format_rate(c, decimals=1).text}（{format_number(a)}/{format_number(b)}）"
        for c, a, b in zip(f["coverage"], f["covered"], f["enterprises"], strict=True)
    ]
    return hbar(
        list(f["street_name"]),
        (f["coverage"] * 100).tolist(),
        list(f["street_code"]),
        selected=selected,
        unit="%",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[PARTY_RED] * len(f),
        name="覆盖率",
    )


def activity_trend_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Party activities per month stacked by kind (``party_activity_trend``), participants in the hover."""
    if frame.empty or not frame["total"].sum():
        return empty("暂无党组织活动", theme=theme, mode=mode)
    p, _s = palette(theme), sizes(mode)
    traces = [
        go.Bar(
            x=list(frame["period"]),
            y=frame[k].tolist(),
            name=label("party_activity", "kind", k),
            marker=dict(color=p.series[i % len(p.series)], line=dict(width=0)),
            hovertemplate=_HOVER.format(label("party_activity", "kind", k)),
        )
        for i, k in enumerate(ACTIVITY_KINDS)
    ]
    fig = figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            barmode="stack",
            bargap=0.3,
            legend=side_legend(mode),
            yaxis=dict(showgrid=True, nticks=4),
        ),
    )
    month_axis(fig, len(frame), narrow=mode == "wall")
    return fig


def activity_kind_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Activities of the period per kind (``party_activities_by("kind")``), participants in the label."""
    f = frame.set_index("kind").reindex(list(ACTIVITY_KINDS)).fillna(0)
    if not f["n"].sum():
        return empty("期间内无党组织活动", theme=theme, mode=mode)
    names = [label("party_activity", "kind", k) for k in ACTIVITY_KINDS]
    texts = [
        f"{format_number(n)}（{format_number(q)}人次）"
        for n, q in zip(f["n"], f["participants"], strict=True)
    ]
    return hbar(
        names,
        f["n"],
        list(ACTIVITY_KINDS),
        unit="次",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[PARTY_RED] * len(names),
        name="党组织活动",
    )


def org_list(frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4) -> html.Div:
    """The largest organisations (``party_orgs``): name, kind, street, members, enterprises covered,
    activities in the last year."""
    rows = [
        {
            "name": r.name,
            "kind": org_kind_name(r.kind),
            "street": r.street_name or "局机关",
            "members": int(r.members),
            "enterprises": int(r.enterprises),
            "acts": int(r.activities_365d),
        }
        for r in frame.itertuples(index=False)
    ]
    columns = [
        ("name", "党组织"),
        ("kind", "类型"),
        ("street", "街镇"),
        ("members", "党员"),
        ("enterprises", "覆盖企业"),
        ("acts", "近一年活动"),
    ]
    widths = ["minmax(0, 1fr)", "9em", "6em", "4em", "5em", "6em"] if mode == "wall" else None
    return scrolling_list(
        rows, columns, mode=mode, visible_rows=visible_rows, widths=widths, empty_text="暂无党组织"
    )
