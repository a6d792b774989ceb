"""数据分析 building blocks: which dimensions a choice of indicators allows, the indicator picker's
options grouped by theme, the pivot table as shown and exported, the breakdown chart (bars across
a dimension, lines over a time bucket), rankings, and the 同比/环比 comparison as cards and a table.

Everything is a pure function of read-API frames: ``indicator_catalogue`` (id, name, unit,
value_type, dimensions "a, b, c", theme, definition), ``analysis.pivot`` (one row per dimension
value, one column per indicator, ``label`` for streets/offices/sections), ``analysis.ranking`` (key,
label, value, rank) and ``analysis.compare`` (value, previous, last_year, mom, yoy).

Values are shown in the units people read: rates (fractions in the store) as percentages, money in
元, durations in 分钟, counts in their own unit; the table, the chart and the export agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.catalogue import DIMENSION_LABELS
from components.charts_common import change, hbar
from components.figures import empty, figure
from components.formatting import format_delta, format_value, is_missing
from components.kpi import kpi_card
from components.labels import ENUM_LABELS, INDUSTRY_SECTIONS
from components.lists import scrolling_list
from components.tables import Column
from components.theme import palette, sizes

#: Dimensions that are time buckets: drawn as lines, labelled as dates.
TIME_DIMENSIONS = ("day", "month", "year")

#: The enumeration table behind an indicator family's dimension codes (id prefix → table); a
#: dimension not found there is looked up in any table with a column of that name.
_PREFIX_TABLES = {
    "complaint": "complaint",
    "case": "case_file",
    "device": "device",
    "alarm": "device",
    "equipment": "equipment",
    "incident": "incident",
    "inspection": "inspection",
    "ip": "ip_right",
    "quality": "entity_honor",
    "licence": "licence",
    "resource": "resource",
    "dispatch": "resource",
    "warning": "warning",
    "entity": "entity",
    "credit": "entity",
    "online": "online_store",
    "sampling": "food_sampling",
}
#: Dimensions whose codes are another column's (``alarm_kind`` is a device alarm's ``kind``).
_ALIASES = {
    "device_kind": ("device", "kind"),
    "alarm_kind": ("device_alarm", "kind"),
    "resource_kind": ("resource", "kind"),
    "risk_level": ("ad_hit", "risk_level"),
    "field": ("entity_change", "field"),
    "result": ("inspection", "result"),
}




def code_labels(indicator_id: str, dimension: str) -> dict[str, str]:
    """Code → Chinese label of a dimension's values for an indicator (``12345`` → 12345市民热线);
    empty where the read API labels them itself (streets, offices) or they are dates."""
    return _enum_labels(indicator_id, dimension)


@dataclass(frozen=True)
class Measure:
    """How one indicator is shown: its name, its display unit and the factor from stored values
    (rates are stored as fractions and shown in %)."""

    id: str
    name: str
    unit: str
    value_type: str
    definition: str = ""

    @property
    def display_unit(self) -> str:
        """``%`` for rates, 元 for money, 分钟 for durations, else the indicator's own unit."""
        return {"rate": "%", "money": "元", "duration": "分钟"}.get(self.value_type, self.unit)

    @property
    def header(self) -> str:
        """The table/export header: ``受理投诉举报（件）``."""
        return f"{self.name}（{self.display_unit}）"

    def shown(self, value: Any) -> float | None:
        """A stored value in display units, rounded as the table shows it (None when missing)."""
        if is_missing(value):
            return None
        v = float(value)
        if self.value_type == "rate":
            return round(v * 100, 2)
        if self.value_type == "duration":
            return round(v, 1)
        if self.value_type == "money":
            return round(v, 2)
        return round(v, 2) if not v.is_integer() else v


def measures(catalogue: pd.DataFrame, ids: Sequence[str]) -> list[Measure]:
    """The ``Measure`` of each id, in order, from the indicator catalogue frame."""
    cat = catalogue.set_index("id")
    return [
        Measure(
            i,
            str(cat.at[i, "name"]),
            str(cat.at[i, "unit"] or ""),
            str(cat.at[i, "value_type"] or "count"),
            str(cat.at[i, "definition"] or ""),
        )
        for i in ids
    ]


def dimensions_of(catalogue: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Indicator id → its allowed dimensions, in catalogue order (``"a, b"`` parsed)."""
    return {
        str(i): tuple(d.strip() for d in str(ds or "").split(",") if d.strip())
        for i, ds in zip(catalogue["id"], catalogue["dimensions"], strict=True)
    }


def allowed_dimensions(dimensions: Mapping[str, Sequence[str]], ids: Sequence[str]) -> list[str]:
    """The dimensions every indicator of ``ids`` allows, in the first indicator's order (none
    without indicators)."""
    if not ids:
        return []
    common = set(dimensions.get(ids[0], ()))
    for i in ids[1:]:
        common &= set(dimensions.get(i, ()))
    return [d for d in dimensions.get(ids[0], ()) if d in common]


def dimension_label(dimension: str) -> str:
    """The Chinese name of a dimension (``street_code`` → 街镇)."""
    return DIMENSION_LABELS.get(dimension, dimension)


def dimension_options(dimensions: Sequence[str]) -> list[dict[str, str]]:
    """Dropdown options of the dimensions, time buckets named as such."""
    return [
        {"label": dimension_label(d) + ("（趋势）" if d in TIME_DIMENSIONS else ""), "value": d}
        for d in dimensions
    ]


def indicator_options(catalogue: pd.DataFrame) -> list[dict[str, Any]]:
    """The indicator picker's options grouped by theme: a disabled header per theme (``── 投诉举报 ──``)
    above its indicators, each labelled ``名称（单位） · 主题`` so typing a theme's name finds them."""
    out: list[dict[str, Any]] = []
    for theme, group in catalogue.groupby("theme", sort=False):
        out.append({"label": f"── {theme} ──", "value": f"__theme__{theme}", "disabled": True})
        for m, row in zip(measures(group, list(group["id"])), group.itertuples(index=False), strict=True):
            out.append({"label": f"{m.name}（{m.display_unit}） · {row.theme}", "value": m.id})
    return out


def _enum_labels(indicator_id: str, dimension: str) -> dict[str, str]:
    if dimension == "section":
        return {k: v[0] for k, v in INDUSTRY_SECTIONS.items()}
    if dimension in _ALIASES:
        return ENUM_LABELS.get(_ALIASES[dimension], {})
    table = _PREFIX_TABLES.get(indicator_id.split(".")[0])
    if (table, dimension) in ENUM_LABELS:
        return ENUM_LABELS[(table, dimension)]
    merged: dict[str, str] = {}
    for (_, column), labels in ENUM_LABELS.items():
        if column == dimension:
            merged = {**labels, **merged}
    return merged


def bucket_text(dimension: str, value: Any) -> str:
    """A time bucket as people write it: ``2026-03-05``, ``2026年3月``, ``2026年``."""
    ts = pd.Timestamp(value)
    if dimension == "year":
        return f"{ts.year}年"
    if dimension == "month":
        return f"{ts.year}年{ts.month}月"
    return f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"


def row_labels(frame: pd.DataFrame, dimension: str, indicator_id: str) -> list[str]:
    """The label of each pivot row: the read API's ``label`` (streets, offices, sections), a date
    for a time bucket, else the Chinese label of an enumeration code."""
    if "label" in frame:
        return [str(v) for v in frame["label"]]
    if dimension in TIME_DIMENSIONS:
        return [bucket_text(dimension, v) for v in frame[dimension]]
    labels = _enum_labels(indicator_id, dimension)
    return [labels.get(str(v), "未填写" if _blank(v) else str(v)) for v in frame[dimension]]


def row_codes(frame: pd.DataFrame, dimension: str) -> list[str]:
    """The code of each pivot row as text (a time bucket as ``YYYY-MM-DD``)."""
    if dimension in TIME_DIMENSIONS:
        return [pd.Timestamp(v).strftime("%Y-%m-%d") for v in frame[dimension]]
    return ["" if _blank(v) else str(v) for v in frame[dimension]]


def _blank(value: Any) -> bool:
    """A missing code (None/NaN); unlike ``is_missing`` a text code is not missing."""
    return value is None or (isinstance(value, float) and value != value)


def pivot_table(
    frame: pd.DataFrame, dimension: str, ms: Sequence[Measure]
) -> tuple[pd.DataFrame, list[Column]]:
    """The pivot as shown and exported: ``key`` (the dimension's code), ``label`` (its name), one
    column per indicator (fields ``v0``, ``v1``, …, see ``field``) in display units; and the
    table's ``Column`` list (headers carry the units)."""
    out = pd.DataFrame(
        {
            "key": row_codes(frame, dimension),
            "label": row_labels(frame, dimension, ms[0].id if ms else ""),
        }
    )
    for k, m in enumerate(ms):
        out[field(k)] = [m.shown(v) for v in frame[m.id]] if m.id in frame else None
    columns = [Column("label", dimension_label(dimension), width=200)]
    columns += [
        Column(field(k), m.header, "money" if m.value_type == "money" else "number") for k, m in enumerate(ms)
    ]
    return out, columns


def field(k: int) -> str:
    """The table field of the ``k``-th indicator (the grid reads dotted fields as nested paths, so
    the indicator ids themselves cannot be fields)."""
    return f"v{k}"


def breakdown_chart(
    table: pd.DataFrame,
    dimension: str,
    ms: Sequence[Measure],
    *,
    selected: str | None = None,
    theme: str = "light",
    mode: str = "analyst",
    top: int = 20,
) -> go.Figure:
    """The pivot drawn: for a time bucket one line per indicator (one row of the chart each, so
    different units never share an axis), else horizontal bars per indicator side by side across
    the dimension's values (largest first by the first indicator; at most ``top`` rows). Bars carry
    their codes (click to filter); ``selected`` emphasises one."""
    if table.empty or not ms:
        return empty("所选期间内暂无数据", theme=theme, mode=mode)
    p, s = palette(theme), sizes(mode)
    n = len(ms)
    gap = 0.08 if n > 1 else 0.0
    if dimension in TIME_DIMENSIONS:
        x = [pd.Timestamp(k) for k in table["key"]]
        data, layout = [], {}
        height = (1 - gap * (n - 1)) / n
        for k, m in enumerate(ms):
            axis = "" if k == 0 else str(k + 1)
            top_edge = 1 - k * (height + gap)
            colour = p.series[k % len(p.series)]
            data.append(
                go.Scatter(
                    x=x,
                    y=list(table[field(k)]),
                    name=m.header,
                    mode="lines+markers" if len(x) <= 36 else "lines",
                    line=dict(color=colour, width=3 if mode == "wall" else 2),
                    xaxis="x",
                    yaxis=f"y{axis}",
                    hovertemplate=f"%{{x|{'%Y年%-m月' if dimension == 'month' else '%Y-%m-%d'}}}"
                    f"<br>{m.name}：%{{y:,}}{m.display_unit}<extra></extra>",
                )
            )
            layout[f"yaxis{axis}"] = dict(
                domain=[max(0.0, top_edge - height), top_edge],
                rangemode="tozero",
                anchor="x",
            )
        fmt = {"year": "%Y年", "month": "%Y年%-m月", "day": "%-m月%-d日"}[dimension]
        layout["xaxis"] = dict(tickformat=fmt, showgrid=False, anchor=f"y{'' if n == 1 else n}")
        if dimension == "year":
            layout["xaxis"]["dtick"] = "M12"
        layout["legend"] = dict(orientation="h", x=0, y=1.02, yanchor="bottom")
        # the units are in the legend (axis titles would stand Chinese on its side)
        layout["showlegend"] = True
        layout["hovermode"] = "x unified" if n == 1 else "closest"
        return figure(theme, mode, data=data, layout=layout)
    if n == 1:
        rows = table.dropna(subset=[field(0)]).sort_values(field(0), ascending=False).head(top)
        return hbar(
            [short_label(x, mode) for x in rows["label"]],
            list(rows[field(0)]),
            list(rows["key"]),
            selected=selected,
            unit=ms[0].display_unit,
            theme=theme,
            mode=mode,
            name=ms[0].name,
        )
    rows = table.sort_values(field(0), ascending=False, na_position="last").head(top)
    ys = list(range(len(rows)))
    width = (1 - gap * (n - 1)) / n
    data, layout = [], {}
    for k, m in enumerate(ms):
        axis = "" if k == 0 else str(k + 1)
        left = k * (width + gap)
        colour = p.series[k % len(p.series)]
        values = [None if is_missing(v) else float(v) for v in rows[field(k)]]
        data.append(
            go.Bar(
                y=ys,
                x=values,
                orientation="h",
                name=m.header,
                customdata=list(rows["key"]),
                marker=dict(color=colour, line=dict(width=0)),
                text=[_short(v) + ("%" if m.value_type == "rate" and v is not None else "") for v in values],
                textposition="outside",
                cliponaxis=False,
                textfont=dict(size=s.small, color=p.text),
                xaxis=f"x{axis}",
                yaxis="y",
                hovertext=list(rows["label"]),
                hovertemplate=f"%{{hovertext}}<br>{m.name}：%{{x:,}}{m.display_unit}<extra></extra>",
            )
        )
        high = max([v for v in values if v is not None] + [0.0]) or 1.0
        layout[f"xaxis{axis}"] = dict(
            domain=[left, left + width],
            anchor="y",
            showticklabels=False,
            showgrid=False,
            range=[0, high * 1.35],
            title=dict(text=m.header, font=dict(size=s.small, color=p.text)),
            side="top",
        )
    layout["yaxis"] = dict(
        tickvals=ys,
        ticktext=[short_label(x, mode) for x in rows["label"]],
        autorange="reversed",
        showgrid=False,
        anchor="x",
    )
    layout["showlegend"] = False
    layout["bargap"] = 0.3
    layout["clickmode"] = "event"
    return figure(theme, mode, data=data, layout=layout)


def short_label(text: Any, mode: str) -> str:
    """A category label cut to fit beside a bar on the wall (``信息传输、软件和信息…``); analysts
    read it whole (hover shows it whole on both)."""
    text = str(text)
    limit = 9 if mode == "wall" else 16
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.2f}"


def ranking_chart(
    frame: pd.DataFrame,
    m: Measure,
    *,
    selected: str | None = None,
    theme: str = "light",
    mode: str = "analyst",
    message: str = "暂无数据",
) -> go.Figure:
    """A ranking (``analysis.ranking``) as clickable bars, first at the top, each bar carrying its
    key; ``#1`` … before each label."""
    if frame.empty:
        return empty(message, theme=theme, mode=mode)
    values = [m.shown(v) or 0.0 for v in frame["value"]]
    return hbar(
        [f"{int(r)}. {short_label(lbl, mode)}" for r, lbl in zip(frame["rank"], frame["label"], strict=True)],
        values,
        [str(k) for k in frame["key"]],
        selected=selected,
        unit=m.display_unit,
        theme=theme,
        mode=mode,
        name=m.name,
        texts=[_short(v) + ("%" if m.value_type == "rate" else "") for v in values],
    )


def _delta(row: Mapping[str, Any], base: str, m: Measure) -> float | None:
    value = None if is_missing(row.get("value")) else float(row["value"])
    before = None if is_missing(row.get(base)) else float(row[base])
    return change(value, before, m.value_type)


def compare_cards(
    frame: pd.DataFrame,
    ms: Sequence[Measure],
    *,
    mode: str,
    data_time: Any = None,
    better: Mapping[str, bool] | None = None,
) -> list[html.Div]:
    """KPI cards of ``analysis.compare``: the value (``data-indicator``/``data-value``) with its
    环比 and 同比 arrows (percentage points for rates, relative changes otherwise)."""
    rows = {r["indicator_id"]: r for r in frame.to_dict("records")}
    cards = []
    for m in ms:
        row = rows.get(m.id, {})
        value = None if is_missing(row.get("value")) else float(row["value"])
        card = kpi_card(
            m.id,
            m.name,
            value,
            m.display_unit,
            definition=m.definition,
            data_time=data_time,
            delta=_delta(row, "previous", m),
            delta_label="环比",
            higher_is_better=(better or {}).get(m.id),
            mode=mode,
        )
        yoy = format_delta(_delta(row, "last_year", m), m.display_unit, label="同比")
        kids = list(card.children)
        mom = [c for c in kids if "kpi-delta" in str(getattr(c, "className", ""))]
        if yoy:
            d = _delta(row, "last_year", m) or 0.0
            direction = "up" if d > 0 else "down" if d < 0 else "flat"
            good = (better or {}).get(m.id)
            judged = ""
            if good is not None and direction != "flat":
                judged = " kpi-delta--good" if (direction == "up") == good else " kpi-delta--bad"
            both = [*mom, html.Div(yoy, className=f"kpi-delta kpi-delta--{direction}{judged}")]
            # 环比 and 同比 side by side: a card of the strip has room for one line of changes
            row_div = html.Div(
                both,
                className="kpi-deltas",
                style={
                    "display": "flex",
                    "gap": "0.8em",
                    "justifyContent": "center" if mode == "wall" else "flex-start",
                    "flexWrap": "wrap",
                },
            )
            kids = [c for c in kids if c not in mom]
            # in analyst mode the popover stays last
            kids.insert(len(kids) if mode == "wall" else len(kids) - 1, row_div)
            card.children = kids
        cards.append(card)
    return cards


def compare_rows(frame: pd.DataFrame, ms: Sequence[Measure]) -> list[dict[str, Any]]:
    """One display row per indicator of ``analysis.compare``: 本期, 环比期, 去年同期 and both changes."""
    rows = {r["indicator_id"]: r for r in frame.to_dict("records")}
    out = []
    for m in ms:
        row = rows.get(m.id, {})

        def text(key: str, m: Measure = m, row: Mapping[str, Any] = row) -> str:
            v = row.get(key)
            if is_missing(v):
                return "—"
            return format_value(float(v), m.display_unit, mode="analyst").text

        out.append(
            {
                "indicator_id": m.id,
                "name": m.name,
                "value": text("value"),
                "previous": text("previous"),
                "last_year": text("last_year"),
                "mom": format_delta(_delta(row, "previous", m), m.display_unit) or "—",
                "yoy": format_delta(_delta(row, "last_year", m), m.display_unit) or "—",
            }
        )
    return out


def compare_table(
    frame: pd.DataFrame, ms: Sequence[Measure], *, mode: str, visible_rows: int = 3
) -> html.Div:
    """The 同比/环比 table of ``analysis.compare`` (state indicators have no comparison: "—"); on
    the wall it scrolls once it has more than ``visible_rows`` rows."""
    columns = [
        ("name", "指标"),
        ("value", "本期"),
        ("previous", "环比期"),
        ("mom", "环比"),
        ("last_year", "去年同期"),
        ("yoy", "同比"),
    ]
    widths = ["minmax(0, 1.3fr)", "1fr", "1fr", "1.25fr", "1fr", "1.25fr"]
    rows = compare_rows(frame, ms)
    return scrolling_list(rows, columns, mode=mode, visible_rows=visible_rows, widths=widths)
