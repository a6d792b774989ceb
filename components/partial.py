"""The current period of a trend is partial: draw it so it never reads as a drop.

A monthly trend that ends in the month of the data time ends in a month of, say, 8 days; drawn like
the others it looks like a collapse. ``mark_partial`` takes a built trend figure and its period
starts, and when the last period is not yet complete at ``as_of`` (the data time, or the end of the
half-open period shown, whichever is earlier) it draws that period distinctly — a hatched, lighter bar;
a shaded band behind a line — and labels it (本月至今 …). A line is not cut into a solid and a dotted
trace: its points stay one trace, so hover, clicks and anything reading the figure's data see what
the read API returned.

``as_of`` comes from the screen (the data time it read). A chart function that was not given one
looks for ``frame.attrs["as_of"]``; without either, nothing is marked (a past period is complete).
Pure: figure in, figure out, no clock, no query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from components.theme import palette, sizes

#: The label of a partial period, by grain.
PARTIAL_LABELS = {"day": "今日至今", "week": "本周至今", "month": "本月至今", "quarter": "本季至今",
                  "year": "本年至今"}

_NEXT = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1),
         "quarter": pd.DateOffset(months=3), "year": pd.DateOffset(years=1)}


def _instant(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, str | date | datetime | pd.Timestamp) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        # a date as of is the whole day
        return datetime.combine(value, time()) + timedelta(days=1)
    return datetime.fromisoformat(str(value))


def frame_as_of(frame: pd.DataFrame, as_of: Any = None) -> Any:
    """``as_of`` if given, else what the read function left in ``frame.attrs["as_of"]`` (or None)."""
    return as_of if as_of is not None else getattr(frame, "attrs", {}).get("as_of")


def infer_grain(periods: Sequence[Any]) -> str:
    """The bucket size of a series of period starts, from its last step (a month by default)."""
    if len(periods) < 2:
        return "month"
    days = (pd.Timestamp(periods[-1]) - pd.Timestamp(periods[-2])).days
    for grain, most in (("day", 1), ("week", 7), ("month", 31), ("quarter", 92)):
        if days <= most:
            return grain
    return "year"


def is_partial(last_period: Any, as_of: Any, grain: str = "month") -> bool:
    """Whether the period starting at ``last_period`` (a ``grain`` bucket) is still open at ``as_of``."""
    at = _instant(as_of)
    if at is None or last_period is None:
        return False
    start = pd.Timestamp(last_period)
    end = (start + _NEXT[grain]).to_pydatetime()
    return start.to_pydatetime() <= at < end


def partial_label(grain: str, as_of: Any) -> str:
    """``本月至今（截至12月8日）``; for a day, the time (``今日至今（截至02:52）``)."""
    at = _instant(as_of)
    label = PARTIAL_LABELS.get(grain, "至今")
    if at is None:
        return label
    if grain == "day" and at.time() != time():
        return f"{label}（截至{at:%H:%M}）"
    if at.time() == time():
        at -= timedelta(days=1)   # complete to midnight: through the day before
    return f"{label}（截至{at.month}月{at.day}日）"


def _band(x_last: Any, periods: Sequence[Any]) -> tuple[Any, Any]:
    """The x extent of the last period: half a step either side of its point."""
    if isinstance(x_last, str):   # a category axis: positions are indices
        return len(periods) - 1.5, len(periods) - 0.5
    last = pd.Timestamp(periods[-1])
    step = last - pd.Timestamp(periods[-2]) if len(periods) > 1 else pd.Timedelta(days=30)
    return last - step / 2, last + step / 2


def mark_partial(fig: go.Figure, periods: Sequence[Any], as_of: Any, *, grain: str = "month",
                 theme: str = "dark", mode: str = "wall") -> go.Figure:
    """Draw and label the last of ``periods`` as partial when it is open at ``as_of`` (in place;
    returns ``fig``). Bars: the last bar hatched and lighter. Lines: the last period shaded. Either way
    labelled (本月至今（截至11月20日）) and the data of every trace left as it was. Returns the figure
    unchanged when the last period is complete. Last year's series (named 去年…) is complete and
    left alone."""
    periods = list(periods)
    if not periods or not is_partial(periods[-1], as_of, grain):
        return fig
    n = len(periods)
    p = palette(theme)
    lines = False
    x_last = None
    for trace in fig.data:
        x = getattr(trace, "x", None)
        if x is None or len(x) != n:
            continue
        if str(trace.name or "").startswith("去年"):
            continue   # last year's period is complete: only this year's is cut short
        x_last = list(x)[-1]
        if trace.type == "bar":
            shapes = [""] * (n - 1) + ["/"]
            opacity = [1.0] * (n - 1) + [0.5]
            trace.marker.pattern = dict(shape=shapes, fillmode="overlay", size=8, solidity=0.35)
            trace.marker.opacity = opacity
        else:
            lines = True
    if lines:
        # Lines keep every point as it is (hover, clicks, the values a reader or a test takes from a
        # trace): the open period is shaded instead, a band the label sits on.
        x0, x1 = _band(x_last, periods)
        fig.add_vrect(x0=x0, x1=x1, fillcolor=p.text_muted, opacity=0.2, line_width=0, layer="below")
    s = sizes(mode)
    fig.add_annotation(x=x_last if x_last is not None else periods[-1], y=1, xref="x", yref="paper",
                       yanchor="bottom", showarrow=False,
                       text=partial_label(grain, as_of), font=dict(size=s.small, color=p.text_muted),
                       xanchor="right", name="partial-period")
    return fig


def mark_trend(fig: go.Figure, frame: pd.DataFrame, column: str, *, theme: str = "dark",
               mode: str = "wall") -> go.Figure:
    """``mark_partial`` for a chart drawn from a read API trend frame: the periods are
    ``frame[column]``, the as-of instant the one the read function recorded (``frame.attrs``)."""
    if column not in frame:
        return fig
    periods = list(frame[column])
    return mark_partial(fig, periods, frame_as_of(frame), grain=infer_grain(periods), theme=theme, mode=mode)
