"""Cross-filtering: a click on a map region or a chart bar filters the other panels.

The pieces are pure: ``clicked_value`` reads the code a Plotly click carries (a map's
``location`` or a trace's ``customdata``), ``next_state`` folds one event (a dropdown, a click, a
chip's ×, "clear all") into the screen's state, and ``filter_chips`` draws the "已筛选：… ×" chips.
The screen wires them to its own callback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import html

from components.permalink import FilterField, State

CHIP_ROLE = "xf-chip"
#: The ``name`` of the "clear all" button among the chips (one pattern-matching input serves both).
RESET = "__all__"


def chip_id(page: str, name: str) -> dict[str, str]:
    """The pattern-matching id of the chip of filter ``name`` on ``page``."""
    return {"role": CHIP_ROLE, "page": page, "name": name}


def clear_id(page: str) -> dict[str, str]:
    """The id of the "clear all filters" button of ``page`` (a chip id whose name is ``RESET``)."""
    return chip_id(page, RESET)


def clicked_value(click_data: Mapping[str, Any] | None) -> str | None:
    """The code behind a Plotly click: a map region's ``location`` or the point's ``customdata``
    (its first element when it is a list); None for a click that carries neither."""
    points = (click_data or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    if point.get("location") not in (None, ""):
        return str(point["location"])
    custom = point.get("customdata")
    if isinstance(custom, list | tuple):
        custom = custom[0] if custom else None
    return None if custom in (None, "") else str(custom)


def next_state(
    state: Mapping[str, str | None],
    fields: Sequence[FilterField],
    event: str,
    name: str | None = None,
    value: str | None = None,
) -> State:
    """The state after one event.

    ``event`` is ``set`` (a dropdown chose ``value`` for ``name``; None clears it), ``toggle`` (a
    click on ``value``: selects it, or clears the filter when it was already selected), ``clear``
    (the × of ``name``'s chip: back to its default) or ``reset`` (every filter back to default).
    Values a filter does not allow are ignored.
    """
    by_name = {f.name: f for f in fields}
    out: State = {f.name: state.get(f.name, f.default) for f in fields}
    if event == "reset":
        return {f.name: f.default for f in fields}
    f = by_name.get(name or "")
    if f is None:
        return out
    if event == "clear":
        out[f.name] = f.default
    elif event == "set":
        out[f.name] = value if value is None or f.allows(value) else out[f.name]
        if out[f.name] is None:
            out[f.name] = f.default
    elif event == "toggle" and value is not None and f.allows(value):
        out[f.name] = f.default if out[f.name] == value else value
    return out


def filter_chips(page: str, state: Mapping[str, str | None], fields: Sequence[FilterField]) -> html.Div:
    """ "已筛选：街镇 七宝镇 × · 渠道 12345 ×  清除全部" — one chip per filter away from its default.

    Each chip's × (``chip_id``) restores that filter's default; "清除全部" (``clear_id``) all of
    them. With nothing filtered the row says so quietly.
    """
    active = [f for f in fields if state.get(f.name) != f.default and state.get(f.name) is not None]
    if not active:
        return html.Div(html.Span("未筛选：显示全区数据", className="xf-none"), className="xf-chips")
    chips: list[Any] = [html.Span("已筛选：", className="xf-lead")]
    for f in active:
        text = f"{f.label}：{f.text(state[f.name])}"
        chips.append(
            html.Span(
                [
                    html.Span(text, className="xf-chip-text"),
                    html.Button(
                        "×",
                        id=chip_id(page, f.name),
                        n_clicks=0,
                        className="xf-chip-x",
                        type="button",
                        title=f"清除{f.label}筛选",
                        **{"aria-label": f"清除{f.label}筛选"},
                    ),
                ],
                className="xf-chip",
                **{"data-filter": f.name, "data-value": str(state[f.name])},
            )
        )
    chips.append(
        html.Button(
            "清除全部", id=clear_id(page), n_clicks=0, className="xf-clear btn btn-link btn-sm", type="button"
        )
    )
    return html.Div(chips, className="xf-chips")


def event_of(
    trigger: Any, value: Any, *, page: str, clicks: Mapping[str, str], controls: Mapping[str, str]
) -> tuple[str, str | None, str | None] | None:
    """What one callback trigger means for ``next_state``: ``(event, name, value)``, or None for
    nothing (a chip drawn anew, its ``n_clicks`` still 0).

    ``trigger`` is the id that fired and ``value`` its new value: a chip's ``n_clicks``, a graph's
    ``clickData`` (``clicks`` maps graph ids to the filter they set) or a control's value
    (``controls`` maps filter names to control ids).
    """
    if isinstance(trigger, Mapping):
        if trigger.get("role") != CHIP_ROLE or trigger.get("page") != page or not value:
            return None
        return ("reset", None, None) if trigger.get("name") == RESET else ("clear", trigger.get("name"), None)
    if trigger in clicks:
        return "toggle", clicks[trigger], clicked_value(value)
    for name, control in controls.items():
        if control == trigger:
            return "set", name, value
    return None
