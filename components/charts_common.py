"""Pieces the screen-specific figure modules share: clickable bars and donuts that carry the code
of what they show (``customdata``, read back by ``crossfilter.clicked_value``) and emphasise the
selected one, a top list that keeps its selection, the street map with the selected street
outlined, clickable monthly charts, colours for rises and falls, and KPI cards from a KPI frame.

A selection never removes the others from its own chart — they fade — so the analyst still sees
what they can switch to (classic cross-filtering: a chart is filtered by the other charts'
selections, not by its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.figures import _fade, donut, empty, figure
from components.formatting import format_number
from components.kpi import kpi_card
from components.labels import label
from components.maps import MapHeat, district_map
from components.panels import chart_panel, empty_state
from components.theme import palette, sizes

#: How much of its colour an unselected bar keeps while another is selected.
FADED = 0.28


def emphasis(codes: Sequence[str], selected: str | None, colours: Sequence[str]) -> list[str]:
    """Per-item colours with everything but ``selected`` faded (unchanged when nothing is selected)."""
    if selected is None or selected not in codes:
        return list(colours)
    return [c if code == selected else _fade(c, FADED) for code, c in zip(codes, colours, strict=True)]


def hbar(
    labels: Sequence[str],
    values: Sequence[float],
    codes: Sequence[str],
    *,
    selected: str | None = None,
    unit: str = "",
    theme: str = "dark",
    mode: str = "wall",
    texts: Sequence[str] | None = None,
    colours: Sequence[str] | None = None,
    name: str = "",
    hover: Sequence[str] | None = None,
) -> go.Figure:
    """Horizontal bars in the given order (first at the top), clickable, each value printed right
    of its bar.

    ``texts`` replaces the printed values (e.g. "+12（+35%）"); ``colours`` one colour per bar
    (default: the theme's accent); ``hover`` the hover text per bar. Negative values grow to the
    left of zero and keep their text on the right of it, clear of the labels.
    """
    p, s = palette(theme), sizes(mode)
    if not codes:
        return empty("暂无数据", theme=theme, mode=mode)
    vals = [float(v) for v in values]
    rows = list(range(len(vals)))
    base = list(colours) if colours is not None else [p.accent] * len(vals)
    shown = list(texts) if texts is not None else [_number(v) for v in vals]
    tips = (
        list(hover)
        if hover is not None
        else [f"{lbl}：{_number(v)}{unit}" for lbl, v in zip(labels, vals, strict=True)]
    )
    bar = go.Bar(
        y=rows,
        x=vals,
        orientation="h",
        name=name,
        customdata=list(codes),
        hovertext=tips,
        marker=dict(color=emphasis(list(codes), selected, base), line=dict(width=0)),
        hovertemplate="%{hovertext}<extra></extra>",
    )
    font = dict(size=s.small + (1 if mode == "wall" else 0), color=p.text)
    low, high = min(vals + [0.0]), max(vals + [0.0])
    span = (high - low) or 1.0
    # room right of the longest bar for its text: about 4.5 % of the width per character
    room = max(0.25, 0.045 * max(len(str(x)) for x in shown))
    # built in one go: every update_* call on a figure validates and copies the layout again
    return figure(
        theme,
        mode,
        data=[bar],
        layout=dict(
            annotations=[
                dict(x=max(v, 0.0), y=row, text=text, showarrow=False, xanchor="left", xshift=4, font=font)
                for row, v, text in zip(rows, vals, shown, strict=True)
            ],
            xaxis=dict(
                showgrid=False,
                showticklabels=False,
                zeroline=low < 0,
                zerolinecolor=p.grid,
                range=[low - 0.02 * span, high + room * span],
            ),
            yaxis=dict(autorange="reversed", showgrid=False, tickvals=rows, ticktext=list(labels)),
            showlegend=False,
            # a few bars stay bars rather than blocks
            bargap=max(0.35, 0.75 - 0.08 * len(vals)),
            clickmode="event",
        ),
    )


def choice_donut(
    labels: Sequence[str],
    values: Sequence[float],
    codes: Sequence[str],
    *,
    selected: str | None = None,
    unit: str = "",
    theme: str = "dark",
    mode: str = "wall",
    colours: Sequence[str] | None = None,
    centre_text: str | None = None,
) -> go.Figure:
    """``figures.donut`` whose slices carry their codes; the selected slice pulled out, others faded."""
    p = palette(theme)
    if not codes or not any(values):
        return empty("暂无数据", theme=theme, mode=mode)
    base = list(colours) if colours is not None else [p.series[i % len(p.series)] for i in range(len(codes))]
    fig = donut(
        labels,
        values,
        unit=unit,
        theme=theme,
        mode=mode,
        colors=emphasis(list(codes), selected, base),
        centre_text=centre_text,
    )
    fig.update_traces(customdata=list(codes), pull=[0.08 if c == selected else 0 for c in codes])
    if mode == "wall":
        fig.update_layout(legend=dict(font=dict(size=sizes(mode).legend)))
    return fig


def coded_labels(values: Iterable[object], table: str, column: str) -> tuple[list[str], list[str]]:
    """``(labels, codes)``: the codes of the enum ``table.column`` as text and their Chinese labels."""
    codes = [str(c) for c in values]
    return [label(table, column, c) for c in codes], codes


def total_donut(
    labels: Sequence[str],
    values: Sequence[float],
    codes: Sequence[str],
    *,
    selected: str | None = None,
    unit: str = "",
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """``choice_donut`` with the total (in ``unit``) in the hole."""
    total = int(sum(values))
    return choice_donut(
        labels,
        values,
        codes,
        selected=selected,
        unit=unit,
        theme=theme,
        mode=mode,
        centre_text=f"{format_number(total)}{unit}",
    )


def top_with_selected(frame: pd.DataFrame, key: str, top: int | None, selected: str | None) -> pd.DataFrame:
    """The first ``top`` rows of ``frame`` (all of them when ``top`` is None); a ``selected`` row
    (``key`` equal to it) that falls outside takes the last place, so a chart keeps its selection
    in view."""
    if top is None or len(frame) <= top:
        return frame
    head = frame.head(top)
    if selected is not None and selected not in set(head[key]):
        head = pd.concat([head.head(top - 1), frame[frame[key] == selected]])
    return head


def street_choropleth(
    streets: Any,
    frame: pd.DataFrame,
    column: str,
    *,
    value_name: str,
    unit: str,
    heat: MapHeat | None = None,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """The district map coloured by ``column`` per ``street_code`` of ``frame``, with an optional
    heat layer and the selected street outlined."""
    values = dict(zip(frame["street_code"].astype(str), frame[column].astype(float), strict=True))
    fig = district_map(
        streets,
        values,
        heat=heat,
        theme=theme,
        mode=mode,
        value_name=value_name,
        unit=unit,
        tile_url=tile_url,
    )
    return outline_region(fig, streets, selected, theme=theme, mode=mode)


def outline_region(
    fig: go.Figure, streets_geojson: Any, code: str | None, *, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Outline the street ``code`` on a district map (a no-op without one); clicking the outline
    clicks the street, so it can be deselected where it was selected."""
    if code is None:
        return fig
    feature = [
        f
        for f in streets_geojson["features"]
        if str(f.get("id", f.get("properties", {}).get("code"))) == code
    ]
    if not feature:
        return fig
    clear = "rgba(0,0,0,0)"
    fig.add_choroplethmap(
        geojson={"type": "FeatureCollection", "features": feature},
        locations=[code],
        z=[1],
        featureidkey="id",
        colorscale=[[0, clear], [1, clear]],
        showscale=False,
        name="已选街镇",
        marker=dict(line=dict(color=palette(theme).warn, width=5 if mode == "wall" else 3.5)),
        hovertemplate=f"<b>{feature[0]['properties'].get('name', code)}</b>（已选，点击取消）<extra></extra>",
    )
    return fig


def month_axis(fig: go.Figure, months: int, *, narrow: bool = False) -> None:
    """A monthly time axis labelled in Chinese (``2026年3月``), ticks thinned to the span; a
    ``narrow`` chart (a side panel of the wall) puts the year under the month."""
    step = 1 if months <= 8 else 2 if months <= 14 else 6 if months <= 40 else 12
    fig.update_xaxes(
        tickformat="%-m月\n%Y" if narrow else "%Y年%-m月",
        hoverformat="%Y年%-m月",
        dtick=f"M{step + (1 if narrow and step < 6 else 0)}",
        showgrid=False,
    )


def clickable_months(fig: go.Figure, dates: Sequence[Any], selected: str | None, theme: str) -> go.Figure:
    """A monthly chart whose points carry their month (``YYYY-MM``) so a click can select it, on a
    Chinese month axis, the ``selected`` month shaded."""
    months = [pd.Timestamp(d).strftime("%Y-%m") for d in dates]
    fig.update_traces(customdata=months)
    month_axis(fig, len(months))
    select_month(fig, months, selected, theme)
    return fig


def sign_colours(values: Sequence[float], theme: str, *, rise_is_good: bool) -> list[str]:
    """One colour per change: rises good (green) or bad (red) as ``rise_is_good`` says, falls the
    other, no change muted."""
    p = palette(theme)
    up, down = (p.good, p.bad) if rise_is_good else (p.bad, p.good)
    return [up if v > 0 else down if v < 0 else p.text_muted for v in values]


def select_month(fig: go.Figure, months: Sequence[str], selected: str | None, theme: str) -> None:
    """Shade the selected month (``YYYY-MM``) of a monthly chart (nothing when it is not shown)."""
    if selected not in months:
        return
    start = pd.Timestamp(f"{selected}-01")
    fig.add_vrect(
        x0=start - pd.Timedelta(days=14),
        x1=start + pd.Timedelta(days=14),
        line_width=0,
        fillcolor=palette(theme).warn,
        opacity=0.18,
        layer="below",
    )


def _number(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def display_unit(value_type: str, unit: str) -> str:
    """The unit a KPI is shown in: rates as %, money in 元, durations in minutes (the raw values'
    units, product.md §6), counts in their own unit."""
    return {"rate": "%", "money": "元", "duration": "分钟"}.get(value_type, unit)


def change(value: float | None, previous: float | None, value_type: str) -> float | None:
    """The change against the comparison span: percentage points for rates, relative otherwise
    (None without a base)."""
    if value is None or previous is None or value != value or previous != previous:
        return None
    if value_type == "rate":
        return value - previous
    return (value - previous) / previous if previous else None


def kpi_cards(
    frame: pd.DataFrame,
    *,
    mode: str,
    better: Mapping[str, bool | None] | None = None,
    tones: Mapping[str, str] | None = None,
    ids: Sequence[str | None] | None = None,
    names: Sequence[str] | None = None,
    delta_label: str = "环比",
) -> list[html.Div]:
    """KPI cards of a strip read by ``extra_screens.screen_kpis`` (one row per card).

    ``better`` says per indicator whether a rise is good (colours the change); ``tones`` colours
    numbers (warning levels); ``ids``/``names`` override a card's DOM id and title (an indicator
    shown twice, e.g. complaints today and this week).
    """
    cards = []
    for k, row in enumerate(frame.to_dict("records")):
        value = None if pd.isna(row["value"]) else float(row["value"])
        previous = row.get("previous")
        previous = None if previous is None or pd.isna(previous) else float(previous)
        iid = row["indicator_id"]
        cards.append(
            kpi_card(
                iid,
                names[k] if names else row["name"],
                value,
                display_unit(row["value_type"], row["unit"]),
                definition=row["definition"],
                data_time=row["data_time"],
                delta=change(value, previous, row["value_type"]) if row["kind"] == "period" else None,
                delta_label=delta_label,
                higher_is_better=(better or {}).get(iid),
                tone=(tones or {}).get(iid),
                mode=mode,
                id=ids[k] if ids else None,
            )
        )
    return cards


def unavailable(title: str, *, mode: str, built: bool) -> html.Section:
    """The panel a screen shows when its data cannot be read: why, and what to do when the read
    layer has never been built."""
    if built:
        body = empty_state("暂时无法读取数据", "稍后将自动重试")
    else:
        body = empty_state("读优化层尚未构建", "请先运行 smartsup generate（或 import）和 smartsup refresh")
    return chart_panel(title, body, mode=mode)


def side_legend(mode: str) -> dict[str, Any]:
    """A legend stacked right of the plot, for charts of four or more series in a narrow side
    panel (a horizontal legend would wrap over several rows and squeeze the plot)."""
    return dict(
        orientation="v",
        x=1.01,
        xanchor="left",
        y=1,
        yanchor="top",
        font=dict(size=sizes(mode).legend),
        tracegroupgap=2,
    )
