"""Panels: a framed, titled box holding a chart (or any children), with its unit and data time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from components.formatting import format_datetime


def graph(figure: go.Figure, *, id: str | None = None, mode: str = "wall",
          filename: str = "chart") -> dcc.Graph:
    """A ``dcc.Graph`` that fills its panel: no mode bar on the wall, a download button for analysts."""
    config: dict[str, Any] = {"displaylogo": False, "responsive": True, "scrollZoom": False}
    if mode == "wall":
        config["displayModeBar"] = False
        config["staticPlot"] = False
    else:
        config["modeBarButtonsToRemove"] = ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"]
        config["toImageButtonOptions"] = {"format": "png", "filename": filename, "scale": 2}
    kwargs: dict[str, Any] = {"figure": figure, "config": config, "className": "panel-graph",
                              "responsive": True, "style": {"height": "100%", "width": "100%"}}
    if id is not None:
        kwargs["id"] = id
    return dcc.Graph(**kwargs)


def chart_panel(title: str, figure_or_children: go.Figure | Any, *, unit: str | None = None,
                data_time: datetime | date | str | None = None, id: str | None = None,
                graph_id: str | None = None, mode: str = "wall", note: str | None = None,
                tools: Any = None, class_name: str = "") -> html.Section:
    """A titled panel around a figure (wrapped in a ``dcc.Graph``) or arbitrary children.

    The header shows the title, the unit (``单位：万元``) and the data time; ``note`` adds a small
    caption under the body (e.g. "街镇边界为近似划分"); ``tools`` goes at the right of the header
    (an export button, a toggle). The graph's id is ``graph_id``, else ``{id}-graph`` when ``id``
    is given, so a screen's refresh callback can redraw it.
    """
    if isinstance(figure_or_children, go.Figure):
        gid = graph_id or (f"{id}-graph" if id else None)
        body: Any = graph(figure_or_children, id=gid, mode=mode, filename=title)
    else:
        body = figure_or_children
    meta: list[Any] = []
    if unit:
        meta.append(html.Span(f"单位：{unit}", className="panel-unit"))
    if data_time is not None:
        meta.append(html.Span(format_datetime(data_time, "short"), className="panel-time",
                              title="数据时间"))
    head = html.Header([html.H3(title, className="panel-title"), html.Div(meta, className="panel-meta"),
                        html.Div(tools, className="panel-tools") if tools is not None else None],
                       className="panel-head")
    children = [head, html.Div(body, className="panel-body")]
    if note:
        children.append(html.Div(note, className="panel-note"))
    variant = "wall" if mode == "wall" else "analyst"
    kwargs: dict[str, Any] = {"className": f"panel panel--{variant} {class_name}".strip()}
    if id is not None:
        kwargs["id"] = id
    return html.Section(children, **kwargs)


def empty_state(message: str = "暂无数据", detail: str | None = None) -> html.Div:
    """A quiet placeholder for a panel with nothing to show (and why)."""
    return html.Div([html.Div(message, className="empty-title"),
                     html.Div(detail, className="empty-detail") if detail else None],
                    className="empty-state")
