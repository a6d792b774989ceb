"""Lists of records: a CSS-animated vertical ticker on the wall, a plain table for analysts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.formatting import DASH, format_number

#: Seconds each row stays in view while the wall list scrolls.
SECONDS_PER_ROW = 2.5


def _columns(columns: Sequence[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
    return list(columns.items()) if isinstance(columns, Mapping) else [(c[0], c[1]) for c in columns]


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return DASH
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return format_number(value, 0 if float(value).is_integer() else 2)
    return value


def scrolling_list(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]] | Mapping[str, str],
                   *, mode: str = "wall", visible_rows: int = 5, tone_key: str | None = None,
                   widths: Sequence[str] | None = None, empty_text: str = "暂无记录",
                   id: str | None = None) -> html.Div:
    """Rows under a header: a seamless vertical scroll on the wall, a table otherwise.

    ``columns`` maps row keys to Chinese headers (a mapping or ``(key, header)`` pairs); cell
    values may be text, numbers (formatted with thousands separators) or components (e.g. links).
    On the wall the list scrolls only when there are more rows than ``visible_rows`` (the rows are
    rendered twice so the loop has no seam; the animation stops under prefers-reduced-motion and
    on hover). ``tone_key`` names a row key whose value (e.g. a warning level ``red``) becomes a
    CSS modifier that colours the row's marker.
    """
    cols = _columns(columns)
    ident = {"id": id} if id is not None else {}
    if mode != "wall":
        if not rows:
            return html.Div(html.Div(empty_text, className="list-empty"), className="record-list", **ident)
        table = dbc.Table(
            [html.Thead(html.Tr([html.Th(h) for _, h in cols])),
             html.Tbody([html.Tr([html.Td(_cell(r.get(k))) for k, _ in cols],
                                 className=f"tone-{r.get(tone_key)}" if tone_key else None)
                         for r in rows])],
            striped=True, hover=True, size="sm", responsive=True, className="record-table mb-0",
        )
        return html.Div(table, className="record-list", **ident)
    template = " ".join(widths) if widths else " ".join("1fr" for _ in cols)
    grid_style = {"gridTemplateColumns": template}

    def row(r: Mapping[str, Any], key: str) -> html.Div:
        tone = f" tone-{r.get(tone_key)}" if tone_key else ""
        return html.Div([html.Div(_cell(r.get(k)), className="ticker-cell") for k, _ in cols],
                        className=f"ticker-row{tone}", style=grid_style, key=key)

    header = html.Div([html.Div(h, className="ticker-cell") for _, h in cols],
                      className="ticker-head", style=grid_style)
    if not rows:
        body = html.Div(html.Div(empty_text, className="list-empty"), className="ticker-viewport")
        return html.Div([header, body], className="ticker", **ident)
    scrolling = len(rows) > visible_rows
    track_rows = [row(r, f"a{i}") for i, r in enumerate(rows)]
    if scrolling:
        track_rows += [row(r, f"b{i}") for i, r in enumerate(rows)]
    track = html.Div(
        track_rows,
        className="ticker-track ticker-track--scrolling" if scrolling else "ticker-track",
        style={"--ss-ticker-duration": f"{len(rows) * SECONDS_PER_ROW:.1f}s"},
    )
    return html.Div([header, html.Div(track, className="ticker-viewport")], className="ticker",
                    style={"--ss-ticker-rows": str(visible_rows)}, **ident)


#: The width of a wall list's column that takes the rest of the row (a title, a summary).
FILL = "minmax(0, 1fr)"


def newest_list(rows: Sequence[Mapping[str, Any]], headers: Mapping[str, str], *, wall: Mapping[str, str],
                analyst: Sequence[str] | None = None, mode: str = "wall", visible_rows: int = 5,
                empty_text: str = "暂无记录", tone_key: str | None = None, id: str | None = None) -> html.Div:
    """The newest records of a screen (a feed, the latest complaints or scans) as a ``scrolling_list``:
    the wall shows the few columns of ``wall`` (key → width, in order) in a fixed grid, analysts the
    ``analyst`` keys (default: every key of ``headers``, in order) as a table. ``headers`` maps every
    key to its Chinese header."""
    if mode == "wall":
        columns, widths = [(k, headers[k]) for k in wall], list(wall.values())
    else:
        columns, widths = [(k, headers[k]) for k in (analyst or headers)], None
    return scrolling_list(rows, columns, mode=mode, visible_rows=visible_rows, widths=widths,
                          tone_key=tone_key, empty_text=empty_text, id=id)


def entity_link(name: Any, uscc: Any, mode: str) -> Any:
    """An entity's name in a list: for analysts a link to its file (一户一档), on the wall plain text."""
    text = name if isinstance(name, str) and name else "—"
    if mode != "wall" and isinstance(uscc, str) and uscc:
        return dcc.Link(text, href=f"/entity/{uscc}", className="entity-link", title=f"查看一户一档：{uscc}")
    return text
