"""“三品一特”安全守护 figures: licences per kind, catering risk grades, food sampling per category,
cold-chain sensors, special equipment due for inspection, elevators by age, entrapments per month,
the street map and the list of failed samplings.

Each factory takes the read API's frame as it comes (``data_access.api.safety`` and
``geo.street_choropleth``) and returns a figure or a component; the screen and the weekly report
call the same ones. Clickable charts carry their codes in ``customdata`` and emphasise ``selected``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc

from components.charts_common import choice_donut, emphasis, hbar, month_axis, outline_region, select_month
from components.figures import _fade, empty, figure
from components.formatting import format_count, format_date, format_number, format_rate
from components.labels import GRADE_LABELS, label
from components.lists import scrolling_list
from components.maps import district_map
from components.theme import palette, sizes

#: Years since installation, as the read API bands them (``safety.AGE_BANDS``).
AGE_LABELS = {"0-5": "5年以下", "5-10": "5–10年", "10-15": "10–15年", "15+": "15年以上"}
#: Next-inspection status of in-use equipment (``safety.DUE_BANDS``).
DUE_LABELS = {"overdue": "超期未检", "d30": "30天内到期", "ok": "检验有效", "none": "无检验日期"}
#: Cold-store sensor states (``safety.cold_chain`` measures).
#: Short names of licence kinds for a narrow wall panel.
LICENCE_SHORT = {
    "food_business": "食品经营",
    "food_production": "食品生产",
    "drug_retail": "药品零售",
    "medical_device": "医疗器械经营",
    "cosmetics": "化妆品生产",
    "industrial_product": "工业产品生产",
}
#: A category whose pass rate falls below this is drawn in the warning colour.
PASS_RATE_ALERT = 0.95


def _grade_colours(theme: str) -> dict[str, str]:
    p = palette(theme)
    return {"A": p.good, "B": p.accent, "C": p.warn, "D": p.bad}


def licence_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Valid licences per kind (``licences_by_kind``), in the read API's order, with the number
    expiring within 30 days beside each."""
    f = frame[frame[["valid", "expiring_30d", "expired"]].sum(axis=1) > 0]
    if f.empty:
        return empty("暂无许可证数据", theme=theme, mode=mode)
    codes = [str(k) for k in f["kind"]]
    texts = [
        format_number(v) + (f"（{format_number(e)}张将到期）" if e and mode != "wall" else "")
        for v, e in zip(f["valid"], f["expiring_30d"], strict=True)
    ]
    hover = [
        f"{label('licence', 'kind', k)}：有效 {format_number(v)} 张，30天内到期 {format_number(e)} 张，"
        f"已过期 {format_number(x)} 张，已吊销 {format_number(r)} 张"
        for k, v, e, x, r in zip(
            codes, f["valid"], f["expiring_30d"], f["expired"], f["revoked"], strict=True
        )
    ]
    return hbar(
        [LICENCE_SHORT.get(k, label("licence", "kind", k)) for k in codes],
        f["valid"],
        codes,
        unit="张",
        theme=theme,
        mode=mode,
        texts=texts,
        hover=hover,
        name="有效许可证",
    )


def catering_grade_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Active catering entities per food-safety risk grade A–D (``catering_grades``) as a donut
    with the total in the hole."""
    codes = [str(g) for g in frame["risk_grade"]]
    colours = _grade_colours(theme)
    total = int(frame["n"].sum())
    total_text = format_count(total, "家", mode=mode).text
    return choice_donut(
        [GRADE_LABELS.get(g, g).replace("类", "级") for g in codes],
        frame["n"],
        codes,
        unit="家",
        theme=theme,
        mode=mode,
        colours=[colours.get(g, palette(theme).accent) for g in codes],
        centre_text=total_text,
    )


def sampling_chart(
    frame: pd.DataFrame,
    *,
    selected: str | None = None,
    top: int | None = None,
    theme: str = "dark",
    mode: str = "wall",
) -> go.Figure:
    """Food sampling batches per category (``sampling_by_category``), most sampled first, each
    with its pass rate; categories under ``PASS_RATE_ALERT`` in the warning colour. At most
    ``top``, the selected category kept in view."""
    p = palette(theme)
    f = frame
    if top is not None and len(f) > top:
        head = f.head(top)
        if selected is not None and selected not in set(head["food_category"]):
            head = pd.concat([head.head(top - 1), f[f["food_category"] == selected]])
        f = head
    if f.empty:
        return empty("本期暂无抽检", theme=theme, mode=mode)
    codes = [str(c) for c in f["food_category"]]
    texts = [
        f"{format_number(n)} · {format_rate(r).text}" for n, r in zip(f["n"], f["pass_rate"], strict=True)
    ]
    colours = [p.warn if r < PASS_RATE_ALERT else p.accent for r in f["pass_rate"]]
    hover = [
        f"{c}：抽检 {format_number(n)} 批，不合格 {format_number(x)} 批，合格率 {format_rate(r).text}"
        for c, n, x, r in zip(codes, f["n"], f["failed"], f["pass_rate"], strict=True)
    ]
    return hbar(
        codes,
        f["n"],
        codes,
        selected=selected,
        unit="批",
        theme=theme,
        mode=mode,
        texts=texts,
        colours=colours,
        hover=hover,
        name="抽检批次",
    )


def cold_chain_chart(frame: pd.DataFrame, *, theme: str = "dark", mode: str = "wall") -> go.Figure:
    """The online rate of cold-store temperature sensors (``cold_chain``) as a gauge: red under
    80 %, amber under 95 %, green above."""
    p, s = palette(theme), sizes(mode)
    values = dict(zip(frame["measure"], frame["value"], strict=True))
    if not values.get("sensors"):
        return empty("暂无冷库温度传感器", theme=theme, mode=mode)
    rate = float(values["online_rate"]) * 100
    gauge = go.Indicator(
        mode="gauge+number",
        value=round(rate, 1),
        number=dict(suffix="%", valueformat=".1f", font=dict(size=round(s.kpi_value * 0.7), color=p.title)),
        gauge=dict(
            shape="angular",
            axis=dict(range=[0, 100], tickvals=[0, 80, 100], tickfont=dict(size=s.small, color=p.text_muted)),
            bar=dict(color=p.accent, thickness=0.32),
            bgcolor="rgba(0,0,0,0)",
            borderwidth=0,
            steps=[
                dict(range=[0, 80], color=_fade(p.bad, 0.22)),
                dict(range=[80, 95], color=_fade(p.warn, 0.22)),
                dict(range=[95, 100], color=_fade(p.good, 0.22)),
            ],
        ),
        domain=dict(x=[0, 1], y=[0, 1]),
    )
    return figure(theme, mode, data=[gauge], layout=dict(margin=dict(l=44, r=44, t=16, b=4)))


def cold_chain_caption(frame: pd.DataFrame) -> str:
    """One line under the cold-chain gauge: entities tagged 冷链经营, sensors, offline and faulty."""
    v = {
        m: format_number(x) if x == x else "—" for m, x in zip(frame["measure"], frame["value"], strict=True)
    }
    return f"冷链主体 {v['entities']} 家 · 传感器 {v['sensors']} 台（离线 {v['offline']}，故障 {v['fault']}）"


def inspection_due_chart(
    frame: pd.DataFrame, *, selected: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """In-use special equipment per kind overdue for inspection or due within 30 days
    (``equipment_inspection_due``), stacked, kinds with equipment only, most overdue first;
    clickable by kind."""
    p = palette(theme)
    f = frame[frame["total"] > 0].sort_values(["overdue", "d30"], ascending=False)
    if f.empty:
        return empty("暂无在用特种设备", theme=theme, mode=mode)
    codes = [str(k) for k in f["kind"]]
    names = [label("equipment", "kind", k).replace("场（厂）内专用机动车辆", "场（厂）内车辆") for k in codes]
    rows = list(range(len(codes)))
    s = sizes(mode)
    traces = []
    for band, colour in (("overdue", p.bad), ("d30", p.warn)):
        traces.append(
            go.Bar(
                y=rows,
                x=list(f[band]),
                orientation="h",
                name=DUE_LABELS[band],
                customdata=codes,
                marker=dict(color=emphasis(codes, selected, [colour] * len(codes)), line=dict(width=0)),
                hovertext=[
                    f"{n}：{DUE_LABELS[band]} {format_number(v)} 台（在用 {format_number(t)} 台）"
                    for n, v, t in zip(names, f[band], f["total"], strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    ends = (f["overdue"] + f["d30"]).tolist()
    high = max(ends) or 1
    return figure(
        theme,
        mode,
        data=traces,
        layout=dict(
            barmode="stack",
            annotations=[
                dict(
                    x=end,
                    y=row,
                    text=f"{format_number(o)} / {format_number(d)}",
                    showarrow=False,
                    xanchor="left",
                    xshift=4,
                    font=dict(size=s.small + (1 if mode == "wall" else 0), color=p.text),
                )
                for row, end, o, d in zip(rows, ends, f["overdue"], f["d30"], strict=True)
            ],
            xaxis=dict(showgrid=False, showticklabels=False, range=[0, high * 1.45]),
            yaxis=dict(autorange="reversed", showgrid=False, tickvals=rows, ticktext=names),
            legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
            bargap=max(0.3, 0.7 - 0.08 * len(rows)),
            clickmode="event",
        ),
    )


def age_chart(
    frame: pd.DataFrame, *, kind: str = "elevator", theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """In-use equipment of one kind per age band (``equipment_by_age``): columns with count and
    share; the oldest band in the warning colour."""
    p, s = palette(theme), sizes(mode)
    total = int(frame["n"].sum())
    if not total:
        return empty(f"暂无在用{label('equipment', 'kind', kind)}", theme=theme, mode=mode)
    bands = [str(b) for b in frame["age_band"]]
    unit = "台"
    texts = [
        f"{format_number(n)}<br>{format_rate(sh, decimals=0).text}"
        for n, sh in zip(frame["n"], frame["share"], strict=True)
    ]
    bar = go.Bar(
        x=[AGE_LABELS.get(b, b) for b in bands],
        y=list(frame["n"]),
        customdata=bands,
        text=texts,
        textposition="outside",
        cliponaxis=False,
        textfont=dict(size=s.small + (1 if mode == "wall" else 0), color=p.text),
        marker=dict(color=[p.warn if b == "15+" else p.accent for b in bands], line=dict(width=0)),
        hovertemplate=f"使用%{{x}}：%{{y:,}}{unit}<extra></extra>",
    )
    return figure(
        theme,
        mode,
        data=[bar],
        layout=dict(
            annotations=[
                dict(
                    text=f"{label('equipment', 'kind', kind)} · 共 {format_number(total)}{unit}",
                    x=0,
                    y=1,
                    xref="paper",
                    yref="paper",
                    xanchor="left",
                    yanchor="top",
                    showarrow=False,
                    font=dict(size=s.small + (1 if mode == "wall" else 0), color=p.text_muted),
                )
            ],
            yaxis=dict(showgrid=False, showticklabels=False, range=[0, float(frame["n"].max()) * 1.8]),
            xaxis=dict(showgrid=False),
            showlegend=False,
            bargap=0.4,
        ),
    )


def entrapment_chart(
    frame: pd.DataFrame, *, selected_month: str | None = None, theme: str = "dark", mode: str = "wall"
) -> go.Figure:
    """Elevator entrapments per month (``entrapments``): IoT entrapment alarms as columns,
    reported incidents as a line on their own axis; each month carries ``YYYY-MM`` so a click can
    select it."""
    p = palette(theme)
    if frame.empty:
        return empty("暂无数据", theme=theme, mode=mode)
    months = [pd.Timestamp(m).strftime("%Y-%m") for m in frame["month"]]
    xs = [pd.Timestamp(m) for m in frame["month"]]
    width = 3 if mode == "wall" else 2
    fig = figure(
        theme,
        mode,
        data=[
            go.Bar(
                x=xs,
                y=list(frame["iot_alarms"]),
                name="物联网困人告警",
                customdata=months,
                marker=dict(color=p.accent, line=dict(width=0)),
                hovertemplate="%{x|%Y年%-m月}<br>物联网困人告警：%{y:,}次<extra></extra>",
            ),
            go.Scatter(
                x=xs,
                y=list(frame["incidents"]),
                name="困人事件",
                yaxis="y2",
                mode="lines+markers",
                customdata=months,
                line=dict(color=p.bad, width=width),
                marker=dict(size=7 if mode == "wall" else 5),
                hovertemplate="%{x|%Y年%-m月}<br>困人事件：%{y:,}起<extra></extra>",
            ),
        ],
        layout=dict(
            yaxis=dict(showgrid=True, rangemode="tozero"),
            yaxis2=dict(
                overlaying="y",
                side="right",
                showgrid=False,
                rangemode="tozero",
                # whole incidents only, about four ticks: a small count would repeat "1" on every tick
                tickmode="linear",
                tick0=0,
                dtick=max(1, math.ceil(float(frame["incidents"].max()) / 4)),
                tickformat=",d",
                automargin=True,
            ),
            showlegend=True,
            bargap=0.35,
        ),
    )
    month_axis(fig, len(frame), narrow=mode == "wall")
    select_month(fig, months, selected_month, theme)
    return fig


def street_map(
    choropleth: Mapping[str, Any],
    *,
    value_name: str,
    unit: str,
    selected: str | None = None,
    theme: str = "dark",
    mode: str = "wall",
    tile_url: str | None = None,
) -> go.Figure:
    """One indicator per street (``geo.street_choropleth``) with the selected street outlined."""
    values = {
        str(f["id"]): float(f["properties"].get("value") or 0.0) for f in choropleth.get("features", [])
    }
    fig = district_map(
        choropleth, values, theme=theme, mode=mode, value_name=value_name, unit=unit, tile_url=tile_url
    )
    return outline_region(fig, choropleth, selected, theme=theme, mode=mode)


def followup_text(followed_up_on: Any) -> str:
    """Whether a failed sampling has been followed up (``followed_up_on`` set), in words."""
    return "待核查处置" if followed_up_on is None or pd.isna(followed_up_on) else "已核查处置"


def failed_samplings_list(
    frame: pd.DataFrame,
    street_names: Mapping[str, str],
    *,
    mode: str = "wall",
    visible_rows: int = 5,
    id: str | None = None,
) -> Any:
    """Failed samplings (``failed_samplings``), newest first: date, entity (a link to its file for
    analysts), street, category, hazard and whether it has been followed up."""
    rows = []
    for r in frame.itertuples(index=False):
        name = r.entity_name if isinstance(r.entity_name, str) and r.entity_name else r.uscc
        rows.append(
            {
                "date": pd.Timestamp(r.sampled_on).strftime("%m-%d")
                if mode == "wall"
                else format_date(pd.Timestamp(r.sampled_on).date(), "short"),
                "name": name
                if mode == "wall"
                else dcc.Link(
                    name, href=f"/entity/{r.uscc}", className="entity-link", title=f"查看一户一档：{r.uscc}"
                ),
                "street": street_names.get(str(r.street_code), "—"),
                "category": r.food_category,
                "hazard": r.hazard or "—",
                "status": followup_text(r.followed_up_on),
                "tone": "red" if pd.isna(r.followed_up_on) else "blue",
            }
        )
    wall = mode == "wall"
    columns = [
        ("date", "抽样日期"),
        ("name", "被抽样主体"),
        *([] if wall else [("street", "街镇")]),
        ("category", "食品类别"),
        ("hazard", "不合格项目"),
        ("status", "核查处置"),
    ]
    return scrolling_list(
        rows,
        columns,
        mode=mode,
        visible_rows=visible_rows,
        tone_key="tone",
        widths=["6em", "minmax(0, 1.5fr)", "minmax(0, 0.8fr)", "minmax(0, 1fr)", "5.5em"] if wall else None,
        empty_text="本期无抽检不合格批次",
        id=id,
    )
