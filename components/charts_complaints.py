"""投诉举报 figures: channels, kinds, categories, the trend with last year, the street map, the
street change ranking, the most complained entities and the hot words.

Each factory takes the read API's frame as it comes (``complaints_by``, ``complaint_trend``,
``complaint_street_change``, ``top_complained_entities``, ``complaint_hot_words``) and returns a
figure or a component; the screen and the weekly report call the same ones. Clickable charts
carry their codes in ``customdata`` and emphasise ``selected``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.charts_common import (
    clickable_months,
    coded_labels,
    hbar,
    sign_colours,
    street_choropleth,
    top_with_selected,
    total_donut,
)
from components.figures import empty, figure, trend
from components.formatting import format_number, format_rate
from components.lists import scrolling_list
from components.maps import MapHeat
from components.partial import mark_trend
from components.tables import Column
from components.theme import palette, sizes

#: The complaints grid (投诉举报 and the online-shopping complaints of 网络监管): the same columns,
#: so the two screens' exports agree.
COMPLAINT_COLUMNS = (
    Column("id", "编号", width=150),
    Column("received_at", "受理时间", "datetime"),
    Column("channel", "渠道", "enum", ("complaint", "channel")),
    Column("kind", "类型", "enum", ("complaint", "kind")),
    Column("category", "类别", "enum", ("complaint", "category")),
    Column("status", "状态", "enum", ("complaint", "status")),
    Column("street_name", "街镇"),
    Column("entity_name", "被投诉主体", link="/entity/{uscc}"),
    Column("uscc", "统一社会信用代码"),
    Column("summary", "诉求摘要", width=320),
    Column("complainant_name", "投诉人"),
    Column("complainant_phone", "联系电话"),
    Column("due_at", "办理期限", "datetime"),
    Column("closed_at", "办结时间", "datetime"),
    Column("satisfied", "是否满意", "bool"),
    Column("amount_recovered", "挽回金额（元）", "money"),
)


def channel_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Complaints per channel (``complaints_by("channel")``), most first."""
    labels, codes = coded_labels(frame["channel"], "complaint", "channel")
    return hbar(
        labels, frame["n"], codes, selected=selected, unit="件", theme=theme, mode=mode, name="受理渠道"
    )


def kind_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Complaints, reports and consultations (``complaints_by("kind")``) as a donut with the total."""
    labels, codes = coded_labels(frame["kind"], "complaint", "kind")
    return total_donut(labels, frame["n"], codes, selected=selected, unit="件", theme=theme, mode=mode)


def category_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Complaints per category (``complaints_by("category")``), most first, at most ``top``; the
    selected category stays in view even when it falls outside the top."""
    f = top_with_selected(frame[frame["n"] > 0] if frame["n"].sum() else frame, "category", top, selected)
    labels, codes = coded_labels(f["category"], "complaint", "category")
    return hbar(labels, f["n"], codes, selected=selected, unit="件", theme=theme, mode=mode, name="投诉类别")


def trend_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Complaints received per month with the same month a year earlier (``complaint_trend``);
    each point carries its month (``YYYY-MM``) so a click can select it."""
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
    fig.update_traces(mode="lines+markers", marker=dict(size=7 if mode == "wall" else 5))
    yoy = [None if pd.isna(v) else format_rate(v).text for v in frame["yoy"]]
    fig.data[-1].update(
        hovertemplate="%{x|%Y年%-m月}<br>受理量：%{y:,}件<br>同比：%{text}<extra></extra>",
        text=[v or "—" for v in yoy],
        textposition="top center",
        texttemplate="",
    )
    fig = clickable_months(fig, frame["period"], selected_month, theme)
    return mark_trend(fig, frame, "period", theme=theme, mode=mode)


def street_map(
    streets: Mapping[str, Any],
    frame: pd.DataFrame,
    *,
    points: pd.DataFrame | None = None,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """Complaints per street as a choropleth (``complaints_by("street_code")``), with the
    complaints' own locations as a heat layer (``points`` with lon/lat) and the selected street
    outlined."""
    heat = None
    if points is not None and len(points.dropna(subset=["lon", "lat"])):
        pts = points.dropna(subset=["lon", "lat"])
        heat = MapHeat(
            lon=pts["lon"].astype(float).tolist(),
            lat=pts["lat"].astype(float).tolist(),
            name="投诉举报分布",
            radius=14 if mode == "wall" else 10,
        )
    return street_choropleth(
        streets,
        frame,
        "n",
        value_name="受理量",
        unit="件",
        heat=heat,
        selected=selected,
        theme=theme,
        mode=mode,
        tile_url=tile_url,
    )


def street_change_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Streets ranked by the rise in complaints against the comparison span
    (``complaint_street_change``): rises red, falls green, largest rise at the top."""
    f = frame.head(top) if top is not None else frame
    if selected is not None and top is not None and selected not in set(f["street_code"]):
        f = pd.concat([f.head(top - 1), frame[frame["street_code"] == selected]])
    texts = []
    for change, rate in zip(f["change"], f["change_rate"], strict=True):
        rel = "" if pd.isna(rate) else f"（{'+' if rate > 0 else ''}{format_rate(rate, decimals=0).text}）"
        texts.append(f"{'+' if change > 0 else ''}{format_number(change)}{rel}")
    colours = sign_colours(f["change"], theme, rise_is_good=False)
    hover = [
        f"{name}：本期 {format_number(n)} 件，对比期 {format_number(m)} 件"
        for name, n, m in zip(f["street_name"], f["n"], f["n_prev"], strict=True)
    ]
    return hbar(
        list(f["street_name"]),
        f["change"],
        [str(c) for c in f["street_code"]],
        selected=selected,
        unit="件",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=colours,
        hover=hover,
        name="环比变化",
    )


def top_entities_list(
    frame: pd.DataFrame,
    street_names: Mapping[str, str],
    *,
    mode: str = "wall",
    visible_rows: int = 6,
    id: str | None = None,
) -> html.Div:
    """The most complained entities (``top_complained_entities``): rank, name (a link to the
    entity's file for analysts), street, complaints."""
    rows = []
    for i, r in enumerate(frame.itertuples(index=False), start=1):
        name = r.name if isinstance(r.name, str) and r.name else r.uscc
        rows.append(
            {
                "rank": i,
                "name": name
                if mode == "wall"
                else dcc.Link(
                    name, href=f"/entity/{r.uscc}", className="entity-link", title=f"查看一户一档：{r.uscc}"
                ),
                "street": street_names.get(str(r.street_code), "—"),
                "n": int(r.n),
            }
        )
    return scrolling_list(
        rows,
        [("rank", "排名"), ("name", "主体名称"), ("street", "街镇"), ("n", "件数")],
        mode=mode,
        visible_rows=visible_rows,
        widths=["3em", "minmax(0, 1fr)", "6em", "3.5em"],
        empty_text="本期无关联到主体的投诉举报",
        id=id,
    )


#: Expected size (px) of the hot-word panel's plot area, by mode; the layout is computed for it.
HOT_WORD_SIZES = {"wall": (440, 200), "analyst": (560, 250)}


def _place_words(
    words: Sequence[str], font_sizes: Sequence[float], width: float, height: float
) -> list[tuple[float, float] | None]:
    """Positions (centres, px) of words along an Archimedean spiral without overlaps; None for a
    word that does not fit. CJK characters are about one em wide."""
    t = np.arange(0, 1800) * 0.12
    xs = width / 2 + 2.2 * t * np.cos(t) * (width / height)
    ys = height / 2 + 2.2 * t * np.sin(t)
    placed = np.empty((0, 4))
    out: list[tuple[float, float] | None] = []
    for word, size in zip(words, font_sizes, strict=True):
        w, h = len(word) * size + 6, size * 1.15
        boxes = np.stack([xs - w / 2, ys - h / 2, xs + w / 2, ys + h / 2], axis=1)
        inside = (boxes[:, 0] >= 0) & (boxes[:, 1] >= 0) & (boxes[:, 2] <= width) & (boxes[:, 3] <= height)
        clear = ~(
            (boxes[:, None, 0] < placed[None, :, 2])
            & (boxes[:, None, 2] > placed[None, :, 0])
            & (boxes[:, None, 1] < placed[None, :, 3])
            & (boxes[:, None, 3] > placed[None, :, 1])
        ).any(axis=1)
        free = np.flatnonzero(inside & clear)
        if not len(free):
            out.append(None)
            continue
        placed = np.vstack([placed, boxes[free[0]]])
        out.append((float(xs[free[0]]), float(ys[free[0]])))
    return out


def hot_words_chart(
    frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall", size: tuple[int, int] | None = None
) -> go.Figure:
    """The hot words of complaint summaries (``complaint_hot_words``) as a word cloud: the more
    complaints use a word, the larger it is drawn; words that do not fit are left out."""
    p, s = palette(theme), sizes(mode)
    if frame.empty:
        return empty("本期暂无投诉摘要", theme=theme, mode=mode)
    width, height = size or HOT_WORD_SIZES.get(mode, HOT_WORD_SIZES["analyst"])
    counts = frame["n"].astype(float).tolist()
    lo, hi = min(counts), max(counts)
    small, big = (s.small + 1, s.font * 2.3) if mode == "wall" else (s.small, s.font * 2.1)
    font_sizes = [
        small + (big - small) * (math.sqrt(c) - math.sqrt(lo)) / ((math.sqrt(hi) - math.sqrt(lo)) or 1)
        for c in counts
    ]
    spots = _place_words(list(frame["word"]), font_sizes, width, height)
    keep = [i for i, spot in enumerate(spots) if spot is not None]
    words = go.Scatter(
        x=[spots[i][0] for i in keep],
        y=[height - spots[i][1] for i in keep],
        mode="text",
        text=[frame["word"].iloc[i] for i in keep],
        customdata=[int(counts[i]) for i in keep],
        textfont=dict(
            size=[round(font_sizes[i], 1) for i in keep], color=[p.series[i % len(p.series)] for i in keep]
        ),
        hovertemplate="%{text}：%{customdata:,}件<extra></extra>",
    )
    return figure(
        theme,
        mode,
        data=[words],
        layout=dict(
            xaxis=dict(range=[0, width], visible=False, fixedrange=True),
            yaxis=dict(range=[0, height], visible=False, fixedrange=True),
            margin=dict(l=0, r=0, t=0, b=0),
            showlegend=False,
        ),
    )
