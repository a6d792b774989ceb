"""主体信息 figures: entities by type, industry mix, credit risk classes, credit lists, the street
density map and ranking, registrations and deregistrations over five years, and the industries
growing fastest.

Each factory takes the read API's frame as it comes (``entities_by_type``, ``industry_mix``,
``credit_class_split``, ``credit_list_counts``, ``entities_by_street``, ``registration_trend``,
``top_growing_industries``) and returns a figure; the screen and the weekly report call the same
ones. Clickable charts carry their codes in ``customdata`` and emphasise ``selected``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from components.charts_common import (
    clickable_months,
    coded_labels,
    emphasis,
    hbar,
    sign_colours,
    street_choropleth,
    top_with_selected,
    total_donut,
)
from components.figures import empty, figure, trend
from components.formatting import format_number, format_rate
from components.labels import ENUM_LABELS, GRADE_LABELS
from components.partial import mark_trend
from components.theme import GRADE_COLOURS, palette, sizes


def type_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Active entities by type (``entities_by_type``) as a donut with the total in the hole."""
    f = frame[frame["n"] > 0]
    labels, codes = coded_labels(f["entity_type"], "entity", "entity_type")
    return total_donut(labels, f["n"], codes, selected=selected, unit="户", theme=theme, mode=mode)


def industry_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Active entities per GB/T 4754 section (``industry_mix``), most first, at most ``top`` (the
    selected section stays in view)."""
    f = top_with_selected(frame, "section", top, selected)
    labels = [f"{s} {n}" for s, n in zip(f["section"], f["section_name"], strict=True)]
    hover = [
        f"{lbl}：{format_number(n)}户（{format_rate(s).text}）"
        for lbl, n, s in zip(labels, f["n"], f["share"], strict=True)
    ]
    return hbar(
        labels,
        f["n"],
        [str(s) for s in f["section"]],
        selected=selected,
        unit="户",
        theme=theme,
        mode=mode,
        hover=hover,
        name="行业门类",
    )


def credit_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Credit risk classes A–D (``credit_class_split``) as bars in their grade colours, with shares."""
    f = frame[frame["risk_class"].isin(list(GRADE_COLOURS))]
    if not f["n"].sum():
        return empty("暂无信用风险分类结果", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    codes = [str(c) for c in f["risk_class"]]
    bar = go.Bar(
        x=[GRADE_LABELS[c].replace("（", "<br>（") for c in codes],
        y=f["n"],
        customdata=codes,
        marker=dict(color=emphasis(codes, selected, [GRADE_COLOURS[c] for c in codes]), line=dict(width=0)),
        text=[f"{format_rate(v, decimals=1).text}" for v in f["share"]],
        textposition="outside",
        cliponaxis=False,
        textfont=dict(size=s.small + (1 if mode == "wall" else 0), color=p.text),
        hovertext=[GRADE_LABELS[c] for c in codes],
        hovertemplate="%{hovertext}：%{y:,}户（%{text}）<extra></extra>",
    )
    return figure(
        theme,
        mode,
        data=[bar],
        layout=dict(
            yaxis=dict(showticklabels=False, showgrid=False, range=[0, float(f["n"].max()) * 1.25]),
            xaxis=dict(showgrid=False),
            showlegend=False,
            bargap=0.45,
        ),
    )


def credit_lists_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Entities now on each credit list (``credit_list_counts``), with those ever listed in the hover."""
    labels = ENUM_LABELS[("credit_list", "list")]
    codes = [str(c) for c in frame["list"]]
    hover = [
        f"{labels.get(c, c)}：在列 {format_number(n)} 户，累计列入 {format_number(m)} 户"
        for c, n, m in zip(codes, frame["n_current"], frame["n_ever"], strict=True)
    ]
    p = palette(theme)
    colours = [p.warn, p.bad, p.series[5]][: len(codes)]
    return hbar(
        [labels.get(c, c) for c in codes],
        frame["n_current"],
        codes,
        unit="户",
        theme=theme,
        mode=mode,
        colours=colours,
        hover=hover,
        name="信用约束名单",
    )


def density_map(
    streets: Mapping[str, Any],
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """Active entities per km² by street (``entities_by_street``), the selected street outlined."""
    return street_choropleth(
        streets,
        frame,
        "per_km2",
        value_name="主体密度",
        unit="户/km²",
        selected=selected,
        theme=theme,
        mode=mode,
        tile_url=tile_url,
    )


def street_ranking(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Streets by active entities (``entities_by_street``), most first, with their density."""
    f = top_with_selected(
        frame.sort_values(["n", "street_code"], ascending=[False, True]), "street_code", top, selected
    )
    hover = [
        f"{name}：{format_number(n)}户，{format_number(d, 1)}户/km²"
        for name, n, d in zip(f["street_name"], f["n"], f["per_km2"], strict=True)
    ]
    return hbar(
        list(f["street_name"]),
        f["n"],
        [str(c) for c in f["street_code"]],
        selected=selected,
        unit="户",
        theme=theme,
        mode=mode,
        hover=hover,
        name="在营主体",
    )


def registration_trend_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """New registrations and deregistrations per month (``registration_trend``); each point carries
    its month (``YYYY-MM``) so a click can select it."""
    if frame.empty:
        return empty("暂无数据", theme=theme, mode=mode)
    fig = trend(
        frame["month"],
        frame["new"],
        name="新设登记",
        unit="户",
        theme=theme,
        mode=mode,
        others={"注销吊销": frame["deregistered"]},
    )
    fig = clickable_months(fig, frame["month"], selected_month, theme)
    return mark_trend(fig, frame, "month", theme=theme, mode=mode)


def growth_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """The sections with most new registrations (``top_growing_industries``), ordered by their
    growth against the same span a year earlier: rises green, falls red."""
    if frame.empty:
        return empty("本期暂无新设登记", theme=theme, mode=mode)
    f = frame.assign(_g=frame["growth"].fillna(float("inf"))).sort_values(["_g", "new"], ascending=False)
    growth = [0.0 if pd.isna(g) else float(g) for g in f["growth"]]
    texts = [
        "新增" if pd.isna(g) else f"{'+' if g > 0 else ''}{format_rate(g, decimals=0).text}"
        for g in f["growth"]
    ]
    colours = sign_colours(growth, theme, rise_is_good=True)
    hover = [
        f"{s} {n}：本期 {format_number(a)} 户，去年同期 {format_number(b)} 户"
        for s, n, a, b in zip(f["section"], f["section_name"], f["new"], f["new_last_year"], strict=True)
    ]
    return hbar(
        list(f["section_name"]),
        growth,
        [str(s) for s in f["section"]],
        selected=selected,
        theme=theme,
        mode=mode,
        texts=texts,
        colours=colours,
        hover=hover,
        name="同比增长",
    )
