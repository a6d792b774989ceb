"""Shareable links: a screen's filter state read from and written to the URL query.

A screen declares its filters once as ``FilterField``s (URL parameter, Chinese label, allowed
values, default). ``read_state`` turns a page's query into a state — a value it cannot accept (an
unknown street, a malformed month) falls back to the default and yields a note for the screen to
show, never an error — and ``state_search`` writes the state back as a query string holding only
what differs from the defaults, so the plain URL of a screen stays plain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from dash import html

from components.formatting import format_date

State = dict[str, str | None]


@dataclass(frozen=True)
class FilterField:
    """One filter of a screen: its URL parameter ``name``, Chinese ``label``, the allowed values
    (``choices``: value → display text), and its ``default`` (None = no filter).

    ``accept`` admits values beyond ``choices`` (e.g. any month ``YYYY-MM`` for a period) and
    ``describe`` gives their display text.
    """

    name: str
    label: str
    choices: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None
    accept: Callable[[str], bool] | None = None
    describe: Callable[[str], str] | None = None

    def allows(self, value: str) -> bool:
        """Whether ``value`` is a valid value of this filter."""
        return value in self.choices or (self.accept is not None and self.accept(value))

    def text(self, value: str | None) -> str:
        """The display text of a value."""
        if value is None:
            return "全部"
        if value in self.choices:
            return self.choices[value]
        return self.describe(value) if self.describe is not None else value


def _first(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def read_state(query: Mapping[str, Any] | None, fields: Sequence[FilterField]) -> tuple[State, list[str]]:
    """The filter state in a page's query, and a note for every parameter that was not accepted."""
    query = query or {}
    state: State = {}
    notes: list[str] = []
    for f in fields:
        raw = _first(query.get(f.name))
        value = None if raw is None else str(raw).strip()
        if value in (None, ""):
            state[f.name] = f.default
        elif f.allows(value):
            state[f.name] = value
        else:
            state[f.name] = f.default
            fallback = f.text(f.default) if f.default is not None else "全部"
            notes.append(f"链接中的{f.label}“{value[:40]}”无法识别，已改为{fallback}")
    return state, notes


def state_search(
    state: Mapping[str, str | None], fields: Sequence[FilterField], keep: Mapping[str, str] | None = None
) -> str:
    """The query string (``?street=…&period=…``) of a state: non-default values only, in field
    order, after the parameters in ``keep`` (e.g. ``theme``); ``""`` when there is nothing to say."""
    params = [(k, v) for k, v in (keep or {}).items() if v not in (None, "")]
    params += [
        (f.name, state[f.name])
        for f in fields
        if state.get(f.name) is not None and state.get(f.name) != f.default
    ]
    return "?" + urlencode(params) if params else ""


def link_notes(notes: Sequence[str], *, id: str | None = None) -> html.Div:
    """The visible note about URL parameters that fell back to defaults (empty when none)."""
    kwargs: dict[str, Any] = {"id": id} if id is not None else {}
    if not notes:
        return html.Div(className="link-notes", **kwargs)
    return html.Div(
        [html.I(className="bi bi-info-circle me-1"), "；".join(notes) + "。"],
        className="link-notes",
        role="status",
        **kwargs,
    )


def period_caption(label: str, bounds: Mapping[str, Any], *, id: str | None = None) -> html.Div:
    """ "统计期间：本年（2026-01-01 至 2026-11-20）；环比对比期：2025-01-01 至 2025-11-20" — the dates
    behind a period's name (``bounds`` as read by ``extra_screens.period_bounds``), up to the data
    date at most."""
    last = min(bounds["end"] - timedelta(days=1), bounds["as_of"])
    cmp_last = bounds["cmp_end"] - timedelta(days=1)
    text = (
        f"统计期间：{label}（{format_date(bounds['start'], 'short')} 至 {format_date(last, 'short')}）；"
        f"环比对比期：{format_date(bounds['cmp_start'], 'short')} 至 {format_date(cmp_last, 'short')}"
    )
    kwargs: dict[str, Any] = {"id": id} if id is not None else {}
    return html.Div(text, className="period-caption", **kwargs)


def period_options(field: FilterField, presets: Sequence[str], period: str) -> list[dict[str, str]]:
    """Dropdown options of a period filter: the ``presets``, then ``period`` itself when it is not
    one of them (a month chosen by clicking a trend)."""
    values = list(presets) + ([period] if period not in presets else [])
    return [{"label": field.text(p), "value": p} for p in values]
