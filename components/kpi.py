"""KPI cards: one indicator value, its unit, an optional change, and its provenance."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.formatting import (
    format_datetime,
    format_delta,
    format_value,
    is_missing,
    value_kind,
)


def raw_value(value: object, unit: str) -> str:
    """The ``data-value`` attribute: integers for counts, fractions for rates, plain floats otherwise.

    Empty for a missing value, so a test reading it can tell "no data" from zero.
    """
    if is_missing(value):
        return ""
    v = float(value)  # type: ignore[arg-type]
    if value_kind(unit) == "count" and v.is_integer():
        return str(int(v))
    return repr(round(v, 6))


def kpi_dom_id(indicator_id: str) -> str:
    """A DOM id for an indicator's card (Dash ids may not contain dots)."""
    return "kpi-" + re.sub(r"[^A-Za-z0-9_-]", "-", indicator_id)


def provenance_text(name: str, definition: str, unit: str, data_time: datetime | date | str | None,
                    indicator_id: str) -> str:
    """The provenance of a number, as plain text (a tooltip on the wall, the PDF's notes)."""
    return (f"{name}\n口径：{definition}\n单位：{unit or '—'}\n"
            f"数据时间：{format_datetime(data_time)}\n指标编号：{indicator_id}")


def kpi_card(indicator_id: str, name: str, value: Any, unit: str, *, definition: str,
             data_time: datetime | date | str | None, delta: float | None = None,
             delta_label: str = "同比", higher_is_better: bool | None = None,
             tone: str | None = None, mode: str = "wall", id: str | None = None) -> html.Div:
    """A KPI card for one indicator value.

    The number element carries ``data-indicator`` and ``data-value`` (the raw value: counts as
    integers, rates as fractions, money in 元, durations in minutes — product.md §6); its visible
    text comes from ``components.formatting``. On the wall the number rolls from its previous value
    (``assets/counter.js``) and the provenance is a tooltip; in analyst mode a popover on hover or
    click shows name, definition, unit and data time. ``delta`` is a fraction (relative change, or
    percentage points for rates); ``higher_is_better`` colours it; ``tone`` (a warning level such
    as ``red``) colours the number. ``id`` defaults to one derived from the indicator id — pass one
    when a page shows the same indicator twice.
    """
    wall = mode == "wall"
    shown = format_value(value, unit, mode=mode)
    dom_id = id or kpi_dom_id(indicator_id)
    number_attrs = {
        "data-target": "" if shown.target is None else repr(shown.target),
        "data-decimals": str(shown.decimals),
        "data-final": shown.number,
    }
    figure = html.Div(
        [html.Span(shown.number, className="kpi-num", **number_attrs),
         html.Span(shown.unit, className="kpi-unit")],
        className="kpi-value",
        **{"data-indicator": indicator_id, "data-value": raw_value(value, unit)},
    )
    children: list[Any] = [html.Div(name, className="kpi-name"), figure]
    delta_text = format_delta(delta, unit, label=delta_label)
    if delta_text:
        direction = "up" if (delta or 0) > 0 else "down" if (delta or 0) < 0 else "flat"
        judged = ""
        if higher_is_better is not None and direction != "flat":
            judged = " kpi-delta--good" if (direction == "up") == higher_is_better else " kpi-delta--bad"
        children.append(html.Div(delta_text, className=f"kpi-delta kpi-delta--{direction}{judged}"))
    provenance = provenance_text(name, definition, unit, data_time, indicator_id)
    class_name = f"kpi-card kpi-card--{'wall' if wall else 'analyst'}"
    if tone:
        class_name += f" kpi-card--{tone}"
    if wall:
        return html.Div(children, id=dom_id, className=class_name, title=provenance)
    popover = dbc.Popover(
        [dbc.PopoverHeader(name),
         dbc.PopoverBody([
             html.Div(["口径：", definition]),
             html.Div(["单位：", unit or "—"]),
             html.Div(["数据时间：", format_datetime(data_time)]),
             html.Div(["指标编号：", html.Code(indicator_id)]),
         ], className="kpi-provenance")],
        target=dom_id, trigger="hover focus", placement="bottom",
    )
    return html.Div([*children, popover], id=dom_id, className=class_name, tabIndex="0",
                    role="button", **{"aria-label": f"{name} {shown.text}"})


def kpi_strip(cards: list[html.Div], *, id: str | None = None) -> html.Div:
    """The KPI cards of a screen in one strip (a flex row on the wall, a wrapping grid otherwise)."""
    if id is None:
        return html.Div(cards, className="kpi-strip")
    return html.Div(cards, className="kpi-strip", id=id)
