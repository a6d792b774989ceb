"""社会共治 figures: public QR scans (扫码评价、电梯码 …) by kind, month and street, enterprise
self-inspections by kind, consumer-dispute mediations by body and result, 放心消费 commitments per
street, and the newest scans that reported a problem.

Each factory takes the read API's frame as it comes (``data_access.api.screens4``: ``qr_scans_by``,
``qr_scan_trend``, ``self_inspections_by``, ``mediations_by``, ``commitments_by_street``,
``problem_scans``) and returns a figure or a component; bars carry their code in ``customdata``
(a click on a kind selects it), the map its street codes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.charts_common import hbar, month_axis, side_legend, street_choropleth, top_with_selected
from components.figures import donut, empty, figure
from components.formatting import format_datetime, format_number, format_rate
from components.labels import label
from components.lists import FILL, entity_link, newest_list
from components.theme import palette, sizes

#: Kinds of QR scan, in the register's order.
QR_KINDS = ("elevator_code", "catering_review", "price_check", "complaint_qr", "public_card")
SELF_KINDS = ("food_safety", "special_equipment", "drug_cosmetics", "product_quality", "price_publicity")
RESULTS = ("agreed", "failed", "withdrawn")
_RESULT_TONES = {"agreed": "good", "failed": "bad", "withdrawn": "text_muted"}


def kind_name(kind: str) -> str:
    """The Chinese name of a QR scan kind (电梯码 …)."""
    return label("qr_scan", "kind", kind)


def qr_kind_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Scans per kind (``qr_scans_by("kind")``), in the register's order, each bar labelled with its
    count and the problems reported; the hover adds the average rating."""
    f = frame.set_index("kind").reindex(list(QR_KINDS)).fillna({"n": 0, "n_problem": 0})
    if not f["n"].sum():
        return empty("期间内无扫码记录", theme=theme, mode=mode)
    p = palette(theme)
    names = [kind_name(k) for k in QR_KINDS]
    texts = [
        f"{format_number(n)}（问题 {format_number(q)}）" for n, q in zip(f["n"], f["n_problem"], strict=True)
    ]
    hover = [
        f"{nm}：扫码 {format_number(n)} 次，反映问题 {format_number(q)} 次，"
        f"平均评分 {'—' if pd.isna(a) else f'{a:.2f}'}"
        for nm, n, q, a in zip(names, f["n"], f["n_problem"], f["avg_rating"], strict=True)
    ]
    return hbar(
        names,
        f["n"],
        list(QR_KINDS),
        selected=selected,
        unit="次",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        name="扫码",
        colours=[p.series[i % len(p.series)] for i in range(len(QR_KINDS))],
    )


def qr_trend_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Scans per month stacked by kind (``qr_scan_trend(grain="month")``); a selected kind stands
    alone (the others are hidden to the legend)."""
    if frame.empty or not frame["total"].sum():
        return empty("暂无扫码记录", theme=theme, mode=mode)
    p, _s = palette(theme), sizes(mode)
    traces = [
        go.Bar(
            x=list(frame["period"]),
            y=frame[k].tolist(),
            name=kind_name(k),
            customdata=[k] * len(frame),
            marker=dict(color=p.series[i % len(p.series)], line=dict(width=0)),
            visible=True if selected in (None, k) else "legendonly",
            hovertemplate=f"%{{x|%Y年%-m月}}<br>{kind_name(k)}：%{{y:,}} 次<extra></extra>",
        )
        for i, k in enumerate(QR_KINDS)
        if frame[k].sum() or k == selected
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


def self_inspection_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Enterprise self-inspections per kind (``self_inspections_by``), labelled with the share that
    found a problem; the hover adds items, problems and the rectified share."""
    f = frame.set_index("kind").reindex(list(SELF_KINDS)).fillna({"n": 0})
    if not f["n"].sum():
        return empty("期间内无企业自查", theme=theme, mode=mode)
    names = [label("self_inspection", "kind", k) for k in SELF_KINDS]
    texts = [
        f"{format_number(n)}（{format_rate(r, decimals=0).text}）"
        for n, r in zip(f["n"], f["problem_rate"], strict=True)
    ]
    hover = [
        f"{nm}：{format_number(n)} 次，检查 {format_number(i)} 项，发现问题 {format_number(q)} 项，"
        f"整改率 {format_rate(r).text}"
        for nm, n, i, q, r in zip(
            names, f["n"], f["items"].fillna(0), f["problems"].fillna(0), f["rectify_rate"], strict=True
        )
    ]
    return hbar(
        names,
        f["n"],
        list(SELF_KINDS),
        unit="次",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        name="企业自查",
        colours=[palette(theme).accent_2] * len(SELF_KINDS),
    )


def mediation_chart(
    frame: pd.DataFrame, *, top: int = 6, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Mediations closed per body (``mediations_by("body")``: 消保委 and the associations), most
    first, each labelled with its success rate."""
    f = frame[frame["n"] > 0].sort_values(["n", "body"], ascending=[False, True]).head(top)
    if f.empty:
        return empty("期间内无办结的消费纠纷调解", theme=theme, mode=mode)
    names = [str(n).replace("闵行区", "") for n in f["body_name"]]
    texts = [
        f"{format_number(n)}（{format_rate(r, decimals=0).text}）"
        for n, r in zip(f["n"], f["success_rate"], strict=True)
    ]
    hover = [
        f"{nm}：办结 {format_number(n)} 件，调解成功 {format_number(a)} 件"
        for nm, n, a in zip(f["body_name"], f["n"], f["n_agreed"], strict=True)
    ]
    return hbar(
        names,
        f["n"],
        [str(b) for b in f["body"]],
        unit="件",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        name="调解",
    )


def result_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Mediations closed per result (``mediations_by("result")``) with the success rate in the hole."""
    f = frame.set_index("result").reindex(list(RESULTS)).fillna({"n": 0})
    total = float(f["n"].sum())
    if not total:
        return empty("期间内无办结的消费纠纷调解", theme=theme, mode=mode)
    p = palette(theme)
    fig = donut(
        [label("mediation", "result", r) for r in RESULTS],
        f["n"].tolist(),
        unit="件",
        theme=theme,
        mode=mode,
        colors=[getattr(p, _RESULT_TONES[r]) for r in RESULTS],
        centre_text=f"成功率<br>{format_rate(float(f.loc['agreed', 'n']) / total).text}",
    )
    fig.update_traces(customdata=list(RESULTS))
    if mode == "wall":
        fig.update_layout(legend=dict(font=dict(size=sizes(mode).legend)))
    return fig


def commitment_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = 8,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """放心消费 commitments in force per street (``commitments_by_street``), most first; a click on a
    street selects it. The hover adds the 无理由退货 commitments."""
    f = frame.sort_values(["assured_consumption", "street_code"], ascending=[False, True])
    f = top_with_selected(f, "street_code", top, selected)
    if f.empty or not f["assured_consumption"].sum():
        return empty("暂无放心消费承诺", theme=theme, mode=mode)
    hover = [
        f"{nm}：放心消费承诺 {format_number(a)} 户，无理由退货承诺 {format_number(b)} 户"
        for nm, a, b in zip(f["street_name"], f["assured_consumption"], f["no_reason_return"], strict=True)
    ]
    return hbar(
        list(f["street_name"]),
        f["assured_consumption"],
        list(f["street_code"]),
        selected=selected,
        unit="户",
        theme=theme,
        mode=mode,
        hover=hover,
        name="放心消费承诺",
        colours=[palette(theme).good] * len(f),
    )


def scan_map(
    streets: Any,
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """Scans per street (``qr_scans_by("street_code")``) as a choropleth, the selected street outlined."""
    return street_choropleth(
        streets,
        frame,
        "n",
        value_name="扫码",
        unit="次",
        selected=selected,
        theme=theme,
        mode=mode,
        tile_url=tile_url,
    )


def problem_list(frame: pd.DataFrame, *, mode: str = "wall", visible_rows: int = 4) -> html.Div:
    """The newest scans that reported a problem (``problem_scans``): time, kind, rating, the entity
    (a link to its file for analysts), equipment code and street."""
    rows = [
        {
            "at": format_datetime(r.scanned_at, "short")[5:],
            "kind": kind_name(r.kind),
            "rating": "—" if pd.isna(r.rating) else f"{int(r.rating)}星",
            "entity": entity_link(r.entity_name, r.uscc, mode),
            "equipment": r.equipment_code or "—",
            "street": r.street_name or "—",
        }
        for r in frame.itertuples(index=False)
    ]
    return newest_list(
        rows,
        {"at": "扫码时间", "kind": "类型", "rating": "评分", "entity": "主体", "equipment": "设备代码",
         "street": "街镇"},
        wall={"at": "7.5em", "kind": "9em", "entity": FILL, "rating": "3.5em", "street": "6em"},
        mode=mode, visible_rows=visible_rows, empty_text="暂无反映问题的扫码",
    )
