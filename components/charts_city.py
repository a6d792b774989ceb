"""Figures and lists of the city screen (/city, 市级汇聚): districts ranked by one indicator, its
trend per district, the streets of all loaded districts ranked, the packages loaded, and the message
for a store with no package at all. Pure: frames of ``data_access.api.city`` in, figures out.

Values are shown as the KPI cards show them (``display_unit``): rates (stored as 0–1 fractions) in
%, durations in minutes, money in 元.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import _number, display_unit, emphasis, hbar
from components.figures import empty, figure
from components.formatting import format_datetime
from components.lists import scrolling_list
from components.theme import palette, sizes

#: How many streets the street ranking shows.
STREETS_TOP = 10


def shown(values: Sequence[float | None], value_type: str, unit: str) -> tuple[list[float | None], str]:
    """``values`` in the unit they are shown in, and that unit (rates ×100 in %)."""
    factor = 100.0 if value_type == "rate" else 1.0
    out = [None if v is None or pd.isna(v) else float(v) * factor for v in values]
    return out, display_unit(value_type, unit)


def _text(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    return f"{v:,.1f}{unit}" if unit == "%" else f"{_number(round(v, 2))}{unit}"


def district_ranking(frame: pd.DataFrame, *, selected: str | None, theme: str, mode: str) -> go.Figure:
    """The districts of ``city_ranking`` as clickable bars, highest first; a district without a value
    (a rate with nothing to divide) is listed last with "—"."""
    if frame.empty:
        return empty("所选期间没有区报送该指标", theme=theme, mode=mode)
    vals, unit = shown(list(frame["value"]), frame["value_type"].iloc[0], frame["unit"].iloc[0])
    names = list(frame["district_name"])
    codes = list(frame["district_code"])
    ranks = ["" if pd.isna(r) else f"{int(r)}. " for r in frame["rank"]]
    return hbar(
        [f"{r}{n}" for r, n in zip(ranks, names, strict=True)],
        [0.0 if v is None else v for v in vals],
        codes,
        selected=selected,
        unit=unit,
        theme=theme,
        mode=mode,
        texts=[_text(v, unit) for v in vals],
        hover=[f"{n}（{c}）：{_text(v, unit)}" for n, c, v in zip(names, codes, vals, strict=True)],
        name=str(frame["name"].iloc[0]),
    )


def district_trend(frame: pd.DataFrame, *, selected: str | None, value_type: str, unit: str, theme: str,
                   mode: str) -> go.Figure:
    """One line per district over the loaded periods (``city_trend``); the selected district stands
    out, the others fade. A period a district did not send is a gap in its line."""
    if frame.empty:
        return empty("尚无该类期间的数据包", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    periods = list(dict.fromkeys(frame.sort_values("start")["period"]))
    width = 3 if mode == "wall" else 2
    data = []
    groups = list(frame.groupby("district_code", sort=True))
    codes = [code for code, _ in groups]
    colours = emphasis(codes, selected, [p.series[i % len(p.series)] for i in range(len(codes))])
    for (code, g), colour in zip(groups, colours, strict=True):
        by = dict(zip(g["period"], g["value"], strict=True))
        vals, shown_unit = shown([by.get(x) for x in periods], value_type, unit)
        name = str(g["district_name"].iloc[0])
        data.append(go.Scatter(
            x=periods, y=vals, name=name, mode="lines+markers", customdata=[code] * len(periods),
            line=dict(color=colour, width=width + (1 if code == selected else 0)),
            marker=dict(size=7 if mode == "wall" else 6, color=colour),
            hovertemplate=f"{name} %{{x}}：%{{y:,.2f}}{shown_unit}<extra></extra>",
            connectgaps=False,
        ))
    return figure(theme, mode, data=data, layout=dict(
        showlegend=True,
        legend=dict(orientation="h", y=-0.18, x=0, font=dict(size=s.small, color=p.text)),
        xaxis=dict(type="category", showgrid=False),
        yaxis=dict(rangemode="tozero", ticksuffix="%" if shown_unit == "%" else ""),
        hovermode="closest",
    ))


def street_ranking(frame: pd.DataFrame, *, value_type: str, unit: str, theme: str, mode: str) -> go.Figure:
    """The top streets of the loaded districts (``city_street_ranking``), labelled 区·街镇; a click
    selects the street's district."""
    if frame.empty:
        return empty("该指标没有街镇数值", theme=theme, mode=mode)
    vals, shown_unit = shown(list(frame["value"]), value_type, unit)
    labels = [f"{d}·{s}" for d, s in zip(frame["district_name"], frame["street_name"], strict=True)]
    p = palette(theme)
    districts = list(frame["district_code"])
    order = list(dict.fromkeys(sorted(districts)))
    colours = [p.series[order.index(d) % len(p.series)] for d in districts]
    return hbar(labels, [0.0 if v is None else v for v in vals], districts, unit=shown_unit, theme=theme,
                mode=mode, texts=[_text(v, shown_unit) for v in vals], colours=colours)


def package_list(frame: pd.DataFrame, *, mode: str, visible_rows: int = 6) -> html.Div:
    """The packages loaded: district, period (marked while it had not ended when the package was
    made), data time and the checksum check of the import (with the manifest's SHA-256 prefix)."""
    wall = mode == "wall"
    rows = [
        {
            "district": r.district_name if wall else f"{r.district_name}（{r.district_code}）",
            "period": r.period if r.complete else f"{r.period}（未结束）",
            "data_time": f"{r.data_time:%m-%d %H:%M}" if wall else format_datetime(r.data_time, "short"),
            "checked": "✓ 通过" if wall else f"通过（{r.manifest_sha256[:12]}）",
        }
        for r in frame.itertuples()
    ]
    columns = [("district", "区"), ("period", "期间"), ("data_time", "数据截至"), ("checked", "校验和")]
    return scrolling_list(rows, columns, mode=mode, visible_rows=visible_rows, empty_text="尚未导入数据包",
                          widths=("1.3fr", "1.1fr", "1.2fr", "0.9fr"))


def no_packages(*, mode: str, example_code: str = "310112") -> html.Div:
    """What a store with no district package shows instead of the comparison: that nothing is
    loaded, and how to load it."""
    command = f"smartsup exchange import {example_code}_2026-10.zip 310104_2026-10.zip …"
    return html.Div(
        [
            html.Div("尚未导入任何区的数据交换包", className="city-empty-title"),
            html.P(
                "市级汇聚比较的是各区报送的数据交换包（“1+16”）。本库中还没有导入任何区的数据包，"
                "因此没有可以比较的数字。",
                className="city-empty-text",
            ),
            html.P("在运行本系统的服务器上，以服务账户导入各区报送的数据包（zip 或解压后的目录）：",
                   className="city-empty-text"),
            html.Pre(html.Code(command), className="city-empty-command"),
            html.P(
                "各区用 smartsup exchange export --period YYYY-MM 生成数据包；导入时逐个校验格式版本、"
                "SHA-256 校验和与区划代码，不合格的包不写入任何数据。详见 docs/exchange.md。",
                className="city-empty-text",
            ),
        ],
        className=f"city-empty city-empty--{mode}",
        role="status",
    )


__all__ = ["district_ranking", "district_trend", "no_packages", "package_list", "shown", "street_ranking"]
