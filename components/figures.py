"""Figure factories shared by the screens and the weekly report: a chart in the PDF is the chart on
the screen. Each takes plain sequences (a DataFrame column will do) and returns a ``go.Figure``
styled by the Plotly template of its theme and mode (dark wall with large fonts, light analyst).

Rates are passed as fractions and shown as percentages; the ``unit`` goes into hover labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from components.formatting import value_kind
from components.theme import FONT_FAMILY, palette, sizes

# Every figure of the app carries its own template (``figure``): plotly's default one would only be
# copied into each new figure and then replaced (2 ms a figure).
pio.templates.default = None


@lru_cache(maxsize=8)
def _template(theme: str, mode: str) -> go.layout.Template:
    p, s = palette(theme), sizes(mode)
    wall = s.name == "wall"
    axis = dict(
        gridcolor=p.grid, linecolor=p.grid, zerolinecolor=p.grid, zeroline=False,
        tickfont=dict(size=s.axis, color=p.text_muted),
        title=dict(font=dict(size=s.axis, color=p.text_muted)),
        automargin=True, showline=False, ticks="", separatethousands=True,
    )
    layout = go.Layout(
        font=dict(family=FONT_FAMILY, size=s.font, color=p.text),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        colorway=list(p.series),
        margin=dict(l=8, r=12, t=12 if wall else 8, b=8),
        xaxis=axis, yaxis=axis,
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom", bgcolor="rgba(0,0,0,0)",
                    font=dict(size=s.legend, color=p.text_muted)),
        hoverlabel=dict(bgcolor=p.bg_accent if theme == "dark" else "#ffffff", bordercolor=p.accent,
                        font=dict(family=FONT_FAMILY, size=s.small + 1, color=p.text)),
        polar=dict(bgcolor="rgba(0,0,0,0)",
                   angularaxis=dict(gridcolor=p.grid, linecolor=p.grid,
                                    tickfont=dict(size=s.axis, color=p.text)),
                   radialaxis=dict(gridcolor=p.grid, linecolor=p.grid, showticklabels=False)),
        separators=".,",
        hovermode="closest",
        bargap=0.35,
    )
    return go.layout.Template(layout=layout)


def template(theme: str = "dark", mode: str = "wall") -> go.layout.Template:
    """The Plotly template of ``theme`` (dark/light) and ``mode`` (wall/analyst)."""
    return _template(theme if theme in ("dark", "light") else "dark",
                     mode if mode in ("wall", "analyst") else "analyst")


def figure(theme: str = "dark", mode: str = "wall", *, data: Sequence[Any] = (),
           layout: Mapping[str, Any] | None = None) -> go.Figure:
    """A figure of ``data`` and ``layout`` (both validated) styled by the template of its theme and mode.

    The template itself was validated once, when it was built (``_template`` is cached), and is
    attached here without being validated again: doing so for every figure cost about 5 ms a figure,
    a third of the time a screen takes to build its panels.
    """
    fig = go.Figure(data=list(data), layout=dict(layout or {}))
    fig.layout._validate = False  # plotly's own way of attaching its default template
    try:
        fig.layout.template = template(theme, mode)
    finally:
        fig.layout._validate = True
    return fig


def _figure(theme: str, mode: str) -> go.Figure:
    return figure(theme, mode)


def _hover_value(unit: str, axis: str = "y") -> str:
    if value_kind(unit) == "rate":
        return f"%{{{axis}:.1%}}"
    return f"%{{{axis}:,}}{unit}"


def _rate_axis(fig: go.Figure, unit: str, axis: str = "y") -> None:
    if value_kind(unit) == "rate":
        fig.update_layout({f"{axis}axis": dict(tickformat=".0%")})


def bar(categories: Sequence[Any], values: Sequence[float], *, name: str = "", unit: str = "",
        theme: str = "dark", mode: str = "wall", color: str | None = None,
        colors: Sequence[str] | None = None, show_values: bool = True) -> go.Figure:
    """A vertical bar chart of one series (values printed above the bars by default)."""
    p = palette(theme)
    fig = _figure(theme, mode)
    fig.add_bar(
        x=list(categories), y=list(values), name=name,
        marker=dict(color=list(colors) if colors else (color or p.accent), line=dict(width=0)),
        text=[_plain(v, unit) for v in values] if show_values else None,
        textposition="outside", cliponaxis=False,
        hovertemplate=f"%{{x}}<br>{name + '：' if name else ''}{_hover_value(unit)}<extra></extra>",
    )
    _rate_axis(fig, unit)
    fig.update_layout(showlegend=False)
    return fig


def stacked_bar(categories: Sequence[Any], series: Mapping[str, Sequence[float]], *, unit: str = "",
                theme: str = "dark", mode: str = "wall", horizontal: bool = False,
                colors: Mapping[str, str] | None = None) -> go.Figure:
    """Bars stacked by series (``{series name: values per category}``), with a legend."""
    fig = _figure(theme, mode)
    cats = list(categories)
    for label, values in series.items():
        kw: dict[str, Any] = {"x": list(values), "y": cats, "orientation": "h"} if horizontal \
            else {"x": cats, "y": list(values)}
        fig.add_bar(name=label, marker=dict(color=(colors or {}).get(label), line=dict(width=0)),
                    hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{label}："
                                  f"{_hover_value(unit, 'x' if horizontal else 'y')}<extra></extra>",
                    **kw)
    fig.update_layout(barmode="stack")
    _rate_axis(fig, unit, "x" if horizontal else "y")
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    return fig


def trend(x: Sequence[Any], y: Sequence[float], *, previous: Sequence[float] | None = None,
          name: str = "本期", previous_name: str = "去年同期", unit: str = "", area: bool = True,
          theme: str = "dark", mode: str = "wall", others: Mapping[str, Sequence[float]] | None = None
          ) -> go.Figure:
    """A line (filled by default) over time, with the same period a year earlier as a dashed line.

    ``others`` adds further named series on the same axis (e.g. cancellations beside registrations).
    """
    p = palette(theme)
    fig = _figure(theme, mode)
    xs = list(x)
    width = 3 if mode == "wall" else 2
    if previous is not None:
        fig.add_scatter(x=xs, y=list(previous), name=previous_name, mode="lines",
                        line=dict(color=p.text_muted, width=width - 1, dash="dash"),
                        hovertemplate=f"%{{x}}<br>{previous_name}：{_hover_value(unit)}<extra></extra>")
    fig.add_scatter(x=xs, y=list(y), name=name, mode="lines",
                    line=dict(color=p.accent, width=width, shape="spline", smoothing=0.6),
                    fill="tozeroy" if area else None,
                    fillcolor=_fade(p.accent, 0.18) if area else None,
                    hovertemplate=f"%{{x}}<br>{name}：{_hover_value(unit)}<extra></extra>")
    for i, (label, values) in enumerate((others or {}).items()):
        fig.add_scatter(x=xs, y=list(values), name=label, mode="lines",
                        line=dict(color=p.series[(i + 2) % len(p.series)], width=width),
                        hovertemplate=f"%{{x}}<br>{label}：{_hover_value(unit)}<extra></extra>")
    _rate_axis(fig, unit)
    fig.update_layout(showlegend=previous is not None or bool(others), hovermode="x unified")
    return fig


def donut(labels: Sequence[str], values: Sequence[float], *, unit: str = "", theme: str = "dark",
          mode: str = "wall", colors: Sequence[str] | None = None, centre_text: str | None = None
          ) -> go.Figure:
    """A donut of shares (percentages outside, slivers under 4 % unlabelled), with an optional
    caption in the hole (e.g. the total)."""
    p, s = palette(theme), sizes(mode)
    fig = _figure(theme, mode)
    vals = [float(v or 0) for v in values]
    total = sum(vals) or 1.0
    # slivers under 4 % get no outside label: their labels would pile up on each other
    texts = [f"{v / total:.0%}" if v / total >= 0.04 else "" for v in vals]
    fig.add_pie(labels=list(labels), values=vals, hole=0.62, sort=False, text=texts,
                marker=dict(colors=list(colors) if colors else list(p.series),
                            line=dict(color=p.bg if theme == "dark" else "#ffffff", width=2)),
                textinfo="text", textposition="outside",
                textfont=dict(size=s.small, color=p.text),
                hovertemplate=f"%{{label}}：%{{value:,}}{unit}（%{{percent:.1%}}）<extra></extra>")
    fig.update_layout(legend=dict(orientation="v", x=1.02, y=0.5, yanchor="middle"),
                      margin=dict(l=16, r=16, t=16, b=16))
    if centre_text:
        fig.add_annotation(text=centre_text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                           font=dict(size=s.panel_title, color=p.title))
    return fig


def funnel(stages: Sequence[str], values: Sequence[float], *, unit: str = "", theme: str = "dark",
           mode: str = "wall") -> go.Figure:
    """A funnel (e.g. alarm → pushed → rectified, or case stages), with the share of the first stage."""
    p = palette(theme)
    fig = _figure(theme, mode)
    n = len(stages)
    fig.add_funnel(y=list(stages), x=list(values), textinfo="value+percent initial",
                   marker=dict(color=[p.series[i % len(p.series)] for i in range(n)]),
                   connector=dict(line=dict(color=p.grid)),
                   hovertemplate=f"%{{y}}：%{{x:,}}{unit}<extra></extra>")
    return fig


def radar(axes: Sequence[str], series: Mapping[str, Sequence[float]], *, range_max: float = 100,
          theme: str = "dark", mode: str = "wall") -> go.Figure:
    """A radar (e.g. 五官图 facets or an office's scorecard), one closed trace per series."""
    p = palette(theme)
    fig = _figure(theme, mode)
    ax = list(axes)
    for i, (label, values) in enumerate(series.items()):
        colour = p.series[i % len(p.series)]
        vals = list(values)
        fig.add_scatterpolar(r=vals + vals[:1], theta=ax + ax[:1], name=label, fill="toself",
                             line=dict(color=colour, width=2), fillcolor=_fade(colour, 0.22),
                             hovertemplate="%{theta}：%{r:.0f}<extra>" + label + "</extra>")
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, range_max])), showlegend=len(series) > 1,
                      margin=dict(l=40, r=40, t=24, b=24))
    return fig


def ranking(labels: Sequence[str], values: Sequence[float], *, unit: str = "", top: int = 10,
            theme: str = "dark", mode: str = "wall", name: str = "") -> go.Figure:
    """Horizontal bars, largest first at the top, at most ``top`` of them, values at the bar ends."""
    p = palette(theme)
    pairs = sorted(zip(labels, values, strict=True), key=lambda lv: lv[1], reverse=True)[:top]
    fig = _figure(theme, mode)
    names = [str(lbl) for lbl, _ in pairs]
    vals = [v for _, v in pairs]
    fig.add_bar(y=names, x=vals, orientation="h", name=name,
                marker=dict(color=vals, colorscale=[[0, p.accent_2], [1, p.accent]], line=dict(width=0)),
                text=[_plain(v, unit) for v in vals], textposition="outside", cliponaxis=False,
                hovertemplate=f"%{{y}}：{_hover_value(unit, 'x')}<extra></extra>")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    # room at the right for the value printed past the longest bar
    fig.update_xaxes(showgrid=False, showticklabels=False, range=[0, max(vals, default=0) * 1.22 or 1])
    _rate_axis(fig, unit, "x")
    fig.update_layout(showlegend=False, bargap=0.4)
    return fig


def empty(message: str = "暂无数据", *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """A blank figure that says why it is blank (no data for the chosen filters, query failed …)."""
    p, s = palette(theme), sizes(mode)
    fig = _figure(theme, mode)
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=s.font, color=p.text_muted))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _plain(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if value_kind(unit) == "rate":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def _fade(colour: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(…, alpha)`` (fills under lines and inside radars)."""
    c = colour.lstrip("#")
    if len(c) != 6:
        return colour
    r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"
