"""效能评价 figures: the composite ranking of the offices, the scorecard matrix (offices × the five
sub-scores), one office's radar (组织效能体检) against the stations' average, its monthly trend and
warning response times, and the scorecard as a list.

Each factory takes the read API's frame as it comes (``efficacy.office_scorecard``,
``office_radar``, ``office_trend``) and returns a figure or a component, so the screen and the
weekly report draw the same charts. Clickable charts carry the office code in ``customdata``
and emphasise ``selected``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import hbar, month_axis
from components.figures import _fade, empty, figure, radar
from components.formatting import DASH, format_duration, format_rate, is_missing
from components.lists import scrolling_list
from components.partial import mark_trend
from components.theme import palette, sizes

#: The five measures of the scorecard (docs/models.md §4), in drawing order: column → Chinese name.
MEASURES: dict[str, str] = {
    "inspection_done_rate": "双随机检查完成率",
    "complaint_ontime_rate": "投诉按期办结率",
    "case_within_limit_rate": "案件限期内结案率",
    "warning_response_minutes": "预警响应时长（中位数）",
    "satisfaction_rate": "群众满意率",
}
#: Short names of the measures, for radar axes and matrix columns.
SHORT: dict[str, str] = {
    "inspection_done_rate": "检查完成",
    "complaint_ontime_rate": "按期办结",
    "case_within_limit_rate": "限期结案",
    "warning_response_minutes": "预警响应",
    "satisfaction_rate": "群众满意",
}
#: The monthly series of ``office_trend`` drawn as rates: column → name.
TREND_RATES: dict[str, str] = {
    "inspection_done_rate": "双随机检查完成率",
    "case_within_90d_rate": "90天内结案率",
    "complaint_ontime_rate": "投诉按期办结率",
}
COMPOSITE = "综合得分"
OFFICE_SUFFIX = "市场监管所"


def short_name(name: Any) -> str:
    """An office's name without the common suffix (``七宝市场监管所`` → ``七宝``), for narrow charts."""
    text = str(name or "")
    if text.endswith(OFFICE_SUFFIX) and len(text) > len(OFFICE_SUFFIX):
        return text[: -len(OFFICE_SUFFIX)]
    return text


def measure_text(measure: str, value: Any) -> str:
    """A measure as people read it: rates as percentages, the response time in 分钟/小时."""
    if is_missing(value):
        return DASH
    if measure == "warning_response_minutes":
        return format_duration(value).text
    return format_rate(value).text


def focus_office(card: pd.DataFrame, selected: str | None) -> str | None:
    """The office whose radar and trend are shown: the selected one, else the best ranked."""
    if selected is not None and selected in set(card["office_code"]):
        return selected
    return None if card.empty else str(card["office_code"].iloc[0])


def next_office(card: pd.DataFrame, shown: str | None) -> str | None:
    """The office after ``shown`` in ranking order, back to the first after the last (the wall's
    round of 体检): the best ranked when ``shown`` is unknown."""
    codes = [str(c) for c in card.sort_values(["rank", "office_code"])["office_code"]]
    if not codes:
        return None
    if shown not in codes:
        return codes[0]
    return codes[(codes.index(shown) + 1) % len(codes)]


def composite_ranking(
    card: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """The offices by composite score (``office_scorecard``), best at the top, each bar labelled
    with its score and rank; a click selects the office."""
    if card.empty:
        return empty("暂无效能评价结果（请先运行数据刷新）", theme=theme, mode=mode)
    f = card.sort_values(["rank", "office_code"])
    p = palette(theme)
    ranks = [int(r) for r in f["rank"]]
    colours = [p.good if r <= 3 else p.accent for r in ranks]
    labels = [f"{r}. {short_name(n)}" for r, n in zip(ranks, f["name"], strict=True)]
    hover = [
        f"第{r}名 {n}：综合得分 {v:.1f}" for r, n, v in zip(ranks, f["name"], f["composite"], strict=True)
    ]
    return hbar(
        labels,
        [float(v) for v in f["composite"]],
        [str(c) for c in f["office_code"]],
        selected=selected,
        texts=[f"{float(v):.1f}" for v in f["composite"]],
        colours=colours,
        hover=hover,
        unit="分",
        theme=theme,
        mode=mode,
        name=COMPOSITE,
    )


def score_matrix(
    card: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """The scorecard as a matrix: one row per office (ranking order), one column per sub-score
    (0–100) and the composite, each cell printed; a click on a row selects its office."""
    if card.empty:
        return empty("暂无效能评价结果（请先运行数据刷新）", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    f = card.sort_values(["rank", "office_code"])
    measures = [m for m in MEASURES if f"{m}_score" in f]
    columns = [SHORT[m] for m in measures] + [COMPOSITE]
    codes = [str(c) for c in f["office_code"]]
    z = [[float(row[f"{m}_score"]) for m in measures] + [float(row["composite"])] for _, row in f.iterrows()]
    rows = [f"{int(r)}. {short_name(n)}" for r, n in zip(f["rank"], f["name"], strict=True)]
    hover = [
        [
            f"{name}<br>{MEASURES[m]}：{measure_text(m, row[m])}<br>得分：{row[f'{m}_score']:.1f}"
            for m in measures
        ]
        + [f"{name}<br>{COMPOSITE}：{row['composite']:.1f}（第{int(row['rank'])}名）"]
        for name, (_, row) in zip(f["name"], f.iterrows(), strict=True)
    ]
    scale = [[0.0, _fade(p.accent_2, 0.25)], [0.5, p.accent_2], [1.0, p.good]]
    heat = go.Heatmap(
        z=z,
        x=columns,
        y=rows,
        customdata=[[c] * len(columns) for c in codes],
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        texttemplate="%{z:.0f}",
        textfont=dict(size=s.small + (2 if mode == "wall" else 0), color=p.text),
        colorscale=scale,
        zmin=0,
        zmax=100,
        xgap=3,
        ygap=3,
        showscale=False,
    )
    shapes = []
    if selected in codes:
        i = codes.index(selected)
        shapes.append(
            dict(
                type="rect",
                xref="paper",
                yref="y",
                x0=0,
                x1=1,
                y0=i - 0.5,
                y1=i + 0.5,
                line=dict(color=p.warn, width=3 if mode == "wall" else 2),
                fillcolor="rgba(0,0,0,0)",
            )
        )
    return figure(
        theme,
        mode,
        data=[heat],
        layout=dict(
            xaxis=dict(side="top", showgrid=False, tickfont=dict(size=s.axis, color=p.text)),
            yaxis=dict(autorange="reversed", showgrid=False, tickfont=dict(size=s.axis, color=p.text)),
            shapes=shapes,
            clickmode="event",
            margin=dict(l=8, r=8, t=8, b=8),
        ),
    )


def office_radar_chart(
    frame: pd.DataFrame, office_name: str, *, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """One office's five sub-scores (``office_radar``) against the stations' average; each axis
    is labelled with the office's score so the wall can be read without hovering."""
    if frame.empty:
        return empty("暂无该机构的效能评价", theme=theme, mode=mode)
    measures = [str(d).removesuffix("_score") for d in frame["dimension"]]
    scores = [float(v) for v in frame["score"]]
    axes = [f"{SHORT.get(m, m)}<br>{v:.0f}" for m, v in zip(measures, scores, strict=True)]
    fig = radar(
        axes,
        {short_name(office_name): scores, "各所平均": [float(v) for v in frame["district_mean"]]},
        theme=theme,
        mode=mode,
    )
    p = palette(theme)
    fig.data[1].update(
        line=dict(color=p.text_muted, width=2, dash="dash"), fillcolor=_fade(p.text_muted, 0.08)
    )
    pad = 50 if mode == "wall" else 44
    fig.update_layout(
        polar=dict(radialaxis=dict(tickvals=[20, 40, 60, 80, 100])),
        margin=dict(l=pad, r=pad, t=pad, b=pad - 12),
        # bottom right, the one corner no axis label of a five-axis web reaches
        legend=dict(orientation="v", x=1, xanchor="right", y=0, yanchor="bottom"),
    )
    return fig


def _months(frame: pd.DataFrame) -> list[pd.Timestamp]:
    return [pd.Timestamp(m) for m in frame["month"]]


def trend_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """One office's monthly rates (``office_trend``): double-random inspections done, cases closed
    within 90 days and — for a 市场监管所 — complaints closed on time."""
    series = [c for c in TREND_RATES if c in frame]
    if frame.empty or not series:
        return empty("暂无数据", theme=theme, mode=mode)
    p = palette(theme)
    width = 3 if mode == "wall" else 2
    months = _months(frame)
    traces = [
        go.Scatter(
            x=months,
            y=[None if is_missing(v) else float(v) for v in frame[col]],
            name=TREND_RATES[col],
            mode="lines+markers",
            line=dict(color=p.series[i % len(p.series)], width=width),
            marker=dict(size=7 if mode == "wall" else 5),
            connectgaps=False,
            hovertemplate=f"%{{x|%Y年%-m月}}<br>{TREND_RATES[col]}：%{{y:.1%}}<extra></extra>",
        )
        for i, col in enumerate(series)
    ]
    fig = figure(
        theme,
        mode,
        data=traces,
        layout=dict(yaxis=dict(tickformat=".0%"), margin=dict(l=8, r=12, t=8, b=8)),
    )
    month_axis(fig, len(months), narrow=mode == "wall")
    mark_trend(fig, frame, "month", theme=theme, mode=mode)
    return fig


def response_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """One office's average warning response time per month (``office_trend``), in hours; an
    office without a street of its own (a department) has none, and the figure says so."""
    col = "warning_avg_response_minutes"
    if frame.empty or col not in frame:
        return empty("该机构无辖区预警，不统计响应时长", theme=theme, mode=mode)
    p = palette(theme)
    minutes = [None if is_missing(v) else float(v) for v in frame[col]]
    hours = [None if v is None else round(v / 60, 2) for v in minutes]
    texts = [DASH if v is None else format_duration(v).text for v in minutes]
    bar = go.Bar(
        x=_months(frame),
        y=hours,
        name="平均响应时长",
        marker=dict(color=p.accent, line=dict(width=0)),
        hovertext=texts,
        hovertemplate="%{x|%Y年%-m月}<br>平均响应时长：%{hovertext}<extra></extra>",
    )
    fig = figure(
        theme,
        mode,
        data=[bar],
        layout=dict(
            yaxis=dict(rangemode="tozero"),
            showlegend=False,
            margin=dict(l=8, r=12, t=8, b=8),
        ),
    )
    month_axis(fig, len(hours), narrow=mode == "wall")
    mark_trend(fig, frame, "month", theme=theme, mode=mode)
    return fig


def scorecard_rows(card: pd.DataFrame) -> list[dict[str, Any]]:
    """The scorecard as display rows (ranking order): rank, office, the five measures as text,
    composite."""
    rows = []
    for _, r in card.sort_values(["rank", "office_code"]).iterrows():
        row: dict[str, Any] = {
            "rank": int(r["rank"]),
            "office": short_name(r["name"]),
            "composite": f"{float(r['composite']):.1f}",
        }
        for m in MEASURES:
            row[m] = measure_text(m, r.get(m))
        rows.append(row)
    return rows


def scorecard_list(
    card: pd.DataFrame,
    *,
    mode: str = "wall",
    visible_rows: int = 4,
    id: str | None = None,
) -> html.Div:
    """The scorecard as a list (a scrolling ticker on the wall, a table for analysts): rank,
    office, the five measures and the composite."""
    columns = [("rank", "排名"), ("office", "市场监管所")]
    columns += [(m, SHORT[m]) for m in MEASURES] + [("composite", COMPOSITE)]
    return scrolling_list(
        scorecard_rows(card),
        columns,
        mode=mode,
        visible_rows=visible_rows,
        widths=["4em", "minmax(0, 1.3fr)"] + ["minmax(0, 1fr)"] * (len(MEASURES) + 1),
        empty_text="暂无效能评价结果",
        id=id,
    )


def office_summary(card: pd.DataFrame, office: str | None) -> list[tuple[str, str]]:
    """(label, text) facts of one office for a caption: rank and composite, then the measure
    whose sub-score is its weakest."""
    row = card[card["office_code"] == office]
    if row.empty:
        return []
    r = row.iloc[0]
    scored = {m: float(r[f"{m}_score"]) for m in MEASURES if f"{m}_score" in card}
    weakest = min(scored, key=lambda m: scored[m]) if scored else None
    out = [("排名", f"第{int(r['rank'])}名 / {len(card)}"), (COMPOSITE, f"{float(r['composite']):.1f}")]
    if weakest is not None:
        out.append(("最弱项", f"{MEASURES[weakest]} {measure_text(weakest, r[weakest])}"))
    return out
