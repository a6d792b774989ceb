"""网络监管 figures: online stores per platform, ad-monitoring hits (互联网智能感知) by risk level,
their push-and-handle status and monthly trend, online-shopping complaints per street and month,
the newest online-shopping complaints, and the intellectual-property rights (知识产权) the
district's entities hold.

Each factory takes the read API's frame as it comes (``online_stores``, ``ad_hits_by``,
``ad_hit_trend``, ``ip_rights``, ``complaints_by``, ``complaint_trend``, ``complaint_list``) and
returns a figure or a component; the screen and the weekly report call the same ones. Monthly
charts carry their month (``YYYY-MM``) in ``customdata`` so a click selects that month.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import hbar, month_axis, outline_region, select_month
from components.figures import donut, empty, figure
from components.formatting import format_datetime, format_duration, format_number, format_rate
from components.labels import label
from components.lists import FILL, entity_link, newest_list
from components.maps import MapHeat, district_map
from components.partial import mark_trend
from components.theme import palette, sizes

#: Risk levels of an ad-monitoring hit, most severe first.
RISK_LEVELS = ("high", "medium", "low")
#: Push-and-handle status of a hit, in its order (已推送 → 处置中 → 已处置).
AD_STATUSES = ("pushed", "handling", "handled")
#: Platforms of an online store, in the register's order.
PLATFORMS = ("taobao", "jd", "pinduoduo", "meituan", "eleme", "douyin", "own_site", "other")
#: Kinds of intellectual-property right, trademarks first.
IP_KINDS = ("trademark", "patent_invention", "patent_utility", "patent_design", "geo_indication")
#: The complaint category this screen reads (网络购物).
ONLINE_CATEGORY = "online_shopping"

_RISK_TONES = {"high": "bad", "medium": "warn", "low": "accent"}
_STATUS_TONES = {"pushed": "bad", "handling": "warn", "handled": "good"}


def risk_name(level: str) -> str:
    """The Chinese name of an ad hit's risk level (高风险 …)."""
    return label("ad_hit", "risk_level", level)


def _duration_text(minutes: Any) -> str:
    d = format_duration(minutes)
    return f"{d.number}{d.unit}" if d.unit else d.number


def _months(frame: pd.DataFrame, column: str) -> list[str]:
    return [pd.Timestamp(m).strftime("%Y-%m") for m in frame[column]]


def risk_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Ad-monitoring hits per risk level in the period (``ad_hits_by("risk_level")``), most severe
    at the top in its colour, each bar labelled with its count and handled rate; the hover adds the
    handled count and the average time to handle."""
    f = frame.set_index("risk_level").reindex(list(RISK_LEVELS))
    f[["n", "handled"]] = f[["n", "handled"]].fillna(0)
    if not f["n"].sum():
        return empty("期间内无广告监测命中", theme=theme, mode=mode)
    p = palette(theme)
    names = [risk_name(lv) for lv in RISK_LEVELS]
    texts = [
        f"{format_number(n)}（处置 {format_rate(r, decimals=0).text}）"
        for n, r in zip(f["n"], f["handled_rate"], strict=True)
    ]
    hover = [
        f"{nm}：命中 {format_number(n)} 条，已处置 {format_number(h)} 条（{format_rate(r).text}），"
        f"平均处置 {_duration_text(m)}"
        for nm, n, h, r, m in zip(
            names, f["n"], f["handled"], f["handled_rate"], f["avg_handle_minutes"], strict=True
        )
    ]
    return hbar(
        names,
        f["n"],
        list(RISK_LEVELS),
        unit="条",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[getattr(p, _RISK_TONES[lv]) for lv in RISK_LEVELS],
        hover=hover,
        name="广告监测命中",
    )


def status_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Hits of the period by push-and-handle status (``ad_hits_by("status")``): a donut of 已推送,
    处置中 and 已处置 with the handled rate in its hole."""
    f = frame.set_index("status").reindex(list(AD_STATUSES))
    f["n"] = f["n"].fillna(0)
    total = float(f["n"].sum())
    if not total:
        return empty("期间内无广告监测命中", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    handled = float(f.loc["handled", "n"])
    fig = donut(
        [label("ad_hit", "status", st) for st in AD_STATUSES],
        f["n"].tolist(),
        unit="条",
        theme=theme,
        mode=mode,
        colors=[getattr(p, _STATUS_TONES[st]) for st in AD_STATUSES],
        centre_text=f"处置率<br>{format_rate(handled / total).text}",
    )
    fig.update_traces(customdata=list(AD_STATUSES), sort=False, direction="clockwise")
    if mode == "wall":
        fig.update_layout(legend=dict(font=dict(size=s.legend)))
    return fig


def ad_trend_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Ad-monitoring hits per month stacked by risk level (``ad_hit_trend``); each bar carries its
    month (``YYYY-MM``) so a click selects it, and the selected month is shaded."""
    if frame.empty or not frame["total"].sum():
        return empty("暂无广告监测命中", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    months = _months(frame, "month")
    # most severe on top of the stack: low first
    traces = [
        go.Bar(
            x=list(frame["month"]),
            y=frame[lv].tolist(),
            name=risk_name(lv),
            customdata=months,
            marker=dict(color=getattr(p, _RISK_TONES[lv]), line=dict(width=0)),
            hovertemplate=f"%{{x|%Y年%-m月}}<br>{risk_name(lv)}：%{{y:,}} 条<extra></extra>",
        )
        for lv in reversed(RISK_LEVELS)
    ]
    fig = figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            barmode="stack",
            bargap=0.3,
            clickmode="event",
            legend=dict(traceorder="reversed", font=dict(size=s.legend)),
            yaxis=dict(showgrid=True, nticks=4),
        ),
    )
    month_axis(fig, len(frame), narrow=mode == "wall")
    select_month(fig, months, selected_month, theme)
    mark_trend(fig, frame, "month", theme=theme, mode=mode)
    return fig


def platform_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Online stores of the district's entities per platform (``online_stores``): the active ones,
    most first; the hover adds the closed ones."""
    f = frame[(frame["active"] + frame["closed"]) > 0].sort_values(
        ["active", "platform"], ascending=[False, True]
    )
    if f.empty:
        return empty("暂无登记网店", theme=theme, mode=mode)
    codes = [str(c) for c in f["platform"]]
    names = [label("online_store", "platform", c) for c in codes]
    hover = [
        f"{nm}：经营中 {format_number(a)} 家，已关闭 {format_number(c)} 家"
        for nm, a, c in zip(names, f["active"], f["closed"], strict=True)
    ]
    return hbar(names, f["active"], codes, unit="家", theme=theme, mode=mode, hover=hover, name="在营网店")


def ip_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Intellectual-property rights held by the district's entities per kind (``ip_rights`` read
    with a period): the rights held, each bar labelled with its count and those registered in the
    period."""
    f = frame.set_index("kind").reindex(list(IP_KINDS)).fillna(0)
    if not f["held"].sum():
        return empty("暂无知识产权登记", theme=theme, mode=mode)
    p = palette(theme)
    names = [label("ip_right", "kind", k) for k in IP_KINDS]
    new = f["registered"] if "registered" in f else pd.Series(0, index=f.index)
    texts = [f"{format_number(h)}（+{format_number(r)}）" for h, r in zip(f["held"], new, strict=True)]
    hover = [
        f"{nm}：持有 {format_number(h)} 件，期间新增 {format_number(r)} 件"
        for nm, h, r in zip(names, f["held"], new, strict=True)
    ]
    return hbar(
        names,
        f["held"],
        list(IP_KINDS),
        unit="件",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=[p.series[i % len(p.series)] for i in range(len(IP_KINDS))],
        hover=hover,
        name="知识产权",
    )


def complaint_trend_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Online-shopping complaints received per month with the same month a year earlier
    (``complaint_trend(..., category="online_shopping")``); each bar carries its month so a click
    selects it, the year-over-year change in the hover."""
    if frame.empty or not (frame["n"].sum() or frame["n_last_year"].sum()):
        return empty("暂无网购投诉举报", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    months = _months(frame, "period")
    yoy = ["—" if pd.isna(v) else format_rate(v).text for v in frame["yoy"]]
    fig = figure(
        theme,
        mode,
        data=[
            go.Bar(
                x=list(frame["period"]),
                y=frame["n"].tolist(),
                name="网购投诉举报",
                customdata=months,
                hovertext=yoy,
                marker=dict(color=p.accent, line=dict(width=0)),
                hovertemplate="%{x|%Y年%-m月}<br>网购投诉举报：%{y:,} 件<br>"
                "同比：%{hovertext}<extra></extra>",
            ),
            go.Scatter(
                x=list(frame["period"]),
                y=frame["n_last_year"].tolist(),
                name="去年同期",
                customdata=months,
                mode="lines+markers",
                line=dict(color=p.text_muted, width=2 if mode == "wall" else 1.5, dash="dash"),
                marker=dict(size=6 if mode == "wall" else 4),
                hovertemplate="%{x|%Y年%-m月}<br>去年同期：%{y:,} 件<extra></extra>",
            ),
        ],
        layout=dict(
            bargap=0.3,
            clickmode="event",
            legend=dict(font=dict(size=s.legend)),
            yaxis=dict(showgrid=True, nticks=4),
        ),
    )
    month_axis(fig, len(frame), narrow=mode == "wall")
    select_month(fig, months, selected_month, theme)
    mark_trend(fig, frame, "period", theme=theme, mode=mode)
    return fig


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
    """Online-shopping complaints per street as a choropleth (``complaints_by("street_code",
    category="online_shopping")``), where they happened as a heat layer (``points`` with lon/lat),
    the selected street outlined."""
    values = dict(zip(frame["street_code"].astype(str), frame["n"].astype(float), strict=True))
    heat = None
    if points is not None:
        pts = points.dropna(subset=["lon", "lat"])
        if len(pts):
            heat = MapHeat(
                lon=pts["lon"].astype(float).tolist(),
                lat=pts["lat"].astype(float).tolist(),
                name="网购投诉位置",
                radius=8 if mode == "wall" else 6,
            )
    fig = district_map(
        streets,
        values,
        heat=heat,
        theme=theme,
        mode=mode,
        value_name="网购投诉举报",
        unit="件",
        tile_url=tile_url,
    )
    return outline_region(fig, streets, selected, theme=theme, mode=mode)


def newest_complaints(
    frame: pd.DataFrame,
    street_names: Mapping[str, str],
    *,
    mode: str = "wall",
    visible_rows: int = 4,
    id: str | None = None,
) -> html.Div:
    """The newest online-shopping complaints (``complaint_list``): time, channel, kind, summary,
    the complained entity (a link to its file for analysts), street and status."""
    rows = [
        {
            "at": format_datetime(r.received_at, "short")[5:],
            "channel": label("complaint", "channel", r.channel),
            "kind": label("complaint", "kind", r.kind),
            "summary": r.summary or "—",
            "entity": entity_link(r.entity_name, r.uscc, mode),
            "street": street_names.get(str(r.street_code), "—"),
            "status": label("complaint", "status", r.status),
        }
        for r in frame.itertuples(index=False)
    ]
    return newest_list(
        rows,
        {"at": "受理时间", "channel": "渠道", "kind": "类型", "summary": "诉求摘要", "entity": "被投诉主体",
         "street": "街镇", "status": "状态"},
        wall={"at": "7.5em", "channel": "8.5em", "summary": FILL, "street": "6em", "status": "4.5em"},
        mode=mode, visible_rows=visible_rows, empty_text="期间内无网购投诉举报", id=id,
    )
