"""The screen controller: a page declares what it shows, this module wires how every screen behaves.

A screen page states only what is its own — its filters, which graph click sets which filter, how
its data becomes figures and panels, which of them the wall refresh redraws, its drill-down grid —
as one ``Screen``. ``Screen.wire()`` then builds the layout (with the "data delayed" fallback) and
registers the callbacks every screen shares: the wall refresh, the filter/URL/chip callback, the
grid and the export. Like Dash's All-in-One components, the ids (``ScreenIds``/``FilterIds``) and
the callbacks that use them live together, here, so a layout and its callbacks cannot drift; like
vizro, the page is a model (what) and the controller holds the actions (how).

This is the **single place where reads receive their scope**: ``Screen.scope(state)`` turns the
filter state into the streets a read may cover — the street filter and the office filter (a
市场监管所 serves its streets), intersected with the signed-in user's jurisdiction — and every
draw, grid and export of a screen is handed that ``Scope``. A page never builds a scope itself,
and never from a URL parameter alone: a station user who edits the URL still only gets their
streets, because the jurisdiction is intersected here.

A minimal screen (see docs/architecture.md for a complete one)::

    IDS = ScreenIds("toy")

    def draw(view, state, scope):
        bounds = extra.period_bounds(state["period"])
        frame = read.complaints_by("channel", bounds["start"], bounds["end"], scope.streets)
        return {"kpis": kpi_cards(...), "channel": bar(frame, theme=view.theme)}, bounds["data_time"]

    def panels(view, figs, state):
        return {"centre": chart_panel("受理渠道", figs["channel"], id=IDS.id("channel"), mode=view.mode)}

    SCREEN = Screen(IDS, "玩具", fields=lambda: [period_field(), street_field()], draw=draw,
                    panels=panels, refreshed=("kpis", "channel"), clicks={"channel": "channel"})
    register(__name__, SCREEN, path="/toy", order=99)
    layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dash
import flask
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from plotly.io.json import to_json_plotly

from components.charts_common import unavailable
from components.crossfilter import CHIP_ROLE, event_of, filter_chips, next_state
from components.filters import FILTER_NAMES, FilterIds, filter_bar
from components.formatting import format_month
from components.labels import PERIOD_LABELS, PRODUCT_NAME
from components.layout import Refreshed, ScreenIds, ViewParams, refresh_callback, screen_frame
from components.panels import chart_panel
from components.permalink import (
    FilterField,
    link_notes,
    period_caption,
    period_options,
    read_state,
    state_search,
)
from components.tables import Column, count_text, detail_grid, detail_panel, download, grid_rows
from dashboard import auth, response_cache
from data_access import cache as query_cache
from data_access.api import extra_screens as extra
from data_access.cache import memoized

log = logging.getLogger(__name__)

#: Filters that narrow the streets a read covers (the others are dimensions a read filters by).
SCOPE_FILTERS = ("street", "office")

StateDict = dict[str, Any]
Streets = tuple[str, ...] | None


def jurisdiction() -> Streets:
    """The streets the signed-in user may see: None for the whole district (leaders, analysts,
    duty officers, admins, walls), the streets of their office for station staff, ``()`` — nothing —
    for a request without a user (the gate lets none through; if one ever came, it fails closed).
    Every read of every page gets its scope through here, never from the URL."""
    return auth.current_streets()


def viewer() -> tuple:
    """What of the signed-in user changes what a screen shows — the jurisdiction, and the role (a
    duty officer's page carries buttons an analyst's does not) — for the keys of built screens: two
    viewers with the same key are shown the same page."""
    info = auth.current_user_info()
    return (jurisdiction(), info.role if info is not None else None)


def absolute_url(path: str) -> str:
    """``path`` on the address the current request came in by (a QR code needs a whole URL)."""
    base = flask.request.host_url if flask.has_request_context() else "http://localhost/"
    return base.rstrip("/") + path


def _intersect(a: Streets, b: Streets) -> Streets:
    if a is None:
        return b
    if b is None:
        return a
    return tuple(sorted(set(a) & set(b)))


@dataclass(frozen=True)
class Scope:
    """What a screen's reads may cover.

    ``streets``: the streets the filters select, within the user's jurisdiction (None = the whole
    district; an empty tuple = nothing, e.g. a street and an office that disagree). ``allowed``:
    the jurisdiction alone — for the panels that show every street so that one can be clicked (a
    street map, a ranking of streets), which must still never show streets beyond it.
    """

    streets: Streets = None
    allowed: Streets = None


def filter_streets(state: Mapping[str, Any], by: Sequence[str] = SCOPE_FILTERS) -> Streets:
    """The streets the filters in ``by`` select: the street, the office's street (a 市场监管所
    serves one street), both (their intersection, possibly empty) or the whole district (None)."""
    chosen: list[set[str]] = []
    if "street" in by and state.get("street"):
        chosen.append({state["street"]})
    if "office" in by and state.get("office"):
        stations = extra.offices("station").set_index("code")["street_code"]
        street = stations.get(state["office"])
        chosen.append({street} if isinstance(street, str) and street else set())
    if not chosen:
        return None
    return tuple(sorted(set.intersection(*chosen)))


def period_field(default: str = "month") -> FilterField:
    """The period filter: a preset (本月, 本年 …) or any month ``YYYY-MM`` (a click on a trend)."""
    return FilterField("period", "期间", dict(PERIOD_LABELS), default, accept=extra.is_period,
                       describe=format_month)


def street_field() -> FilterField:
    """The street filter, offering only the streets the user may see."""
    allowed = jurisdiction()
    return FilterField("street", "街镇", {code: name for code, name in extra.street_names().items()
                                        if allowed is None or code in allowed})


def office_field(label: str = "市场监管所", kinds: Sequence[str] = ("station",)) -> FilterField:
    """The office filter: the offices of ``kinds`` (code → name); for a user limited to some
    streets, only the 市场监管所 of those streets."""
    offices = extra.offices()
    offices = offices[offices["kind"].isin(kinds)]
    allowed = jurisdiction()
    if allowed is not None:
        offices = offices[offices["street_code"].isin(allowed)]
    return FilterField("office", label, dict(zip(offices["code"], offices["name"], strict=True)))


@dataclass(frozen=True)
class Grid:
    """A screen's drill-down grid and its export.

    ``read(state, scope, limit)`` returns the rows as shown (a frame with the ``columns``' keys) and
    whether the list was cut at ``limit``. ``columns`` may be a function of the state (a pivot whose
    columns are the chosen indicators: then the grid's column definitions follow the state too).
    ``filename`` is the export's name before the data date (or ``filename(state)`` for a name that
    follows the filters, e.g. the chosen list). ``follows_state=False`` for a grid that does not
    change with the filters (and whose export takes no state). ``controls`` may be a function of the
    state (a choice of what to list); ``caption(frame)`` replaces the row count over the grid;
    ``row_id`` names the field that identifies a row (AG Grid's ``getRowId``, so that a click on a
    row can name it).
    """

    title: str
    columns: Sequence[Column] | Callable[[StateDict | None], Sequence[Column]]
    read: Callable[[StateDict | None, Scope, int], tuple[pd.DataFrame, bool]]
    filename: str | Callable[[StateDict | None], str]
    note: str | None = None
    grid_limit: int = 500
    export_limit: int = 5_000
    follows_state: bool = True
    controls: Any = None
    caption: Callable[[pd.DataFrame], str] | None = None
    row_id: str | None = None
    #: ``as_of(state)``: the date in the export's file name, for a screen whose data is not the
    #: district's read layer (the city store); by default the read layer's as-of date.
    as_of: Callable[[StateDict | None], date] | None = None

    def caption_text(self, frame: pd.DataFrame, cut: bool) -> str:
        """The caption over the grid: the row count, or the grid's own caption."""
        if self.caption is not None:
            return self.caption(frame)
        return count_text(len(frame), cut, self.grid_limit)

    def columns_for(self, state: StateDict | None) -> Sequence[Column]:
        """The grid's columns for a state."""
        return self.columns(state) if callable(self.columns) else self.columns

    @property
    def dynamic(self) -> bool:
        """Whether the columns follow the state."""
        return callable(self.columns)


def period_span(state: Mapping[str, Any]) -> tuple[dict[str, Any], date, date]:
    """What a draw reads its period by: the state's ``period_bounds`` and its first and last day."""
    bounds = extra.period_bounds(state["period"])
    return bounds, bounds["start"], bounds["end"]


def standard_fields(*more: FilterField | Callable[[], FilterField]) -> Callable[[], list[FilterField]]:
    """The filters of most screens: the period, the street and the 市场监管所 (each within the user's
    jurisdiction), then the screen's own ``more`` — a field whose choices come from the data is given
    as a function, so that, like the others, it is read when asked and never at import."""
    return lambda: [period_field(), street_field(), office_field(),
                    *(f() if callable(f) else f for f in more)]


def kpi_strip(ids: Sequence[str], *dims: str) -> Callable[[StateDict, Streets], pd.DataFrame]:
    """``read(state, streets)``: the KPI strip of ``ids`` over the state's period within ``streets``,
    each card following the state's filters of ``dims`` its indicator allows (``screen_kpis``)."""
    def read(state: StateDict, streets: Streets) -> pd.DataFrame:
        filters = tuple((dim, state[dim]) for dim in dims if state.get(dim))
        return extra.screen_kpis(tuple(ids), state["period"], streets, filters)

    return read


def kpi_note(kpis: Callable[[StateDict, Streets], pd.DataFrame], dim: str,
             says: str) -> Callable[[StateDict, Scope], str]:
    """A ``Note`` text naming the KPI cards that cannot follow the ``dim`` filter, while it is set."""
    def text(state: StateDict, scope: Scope) -> str:
        return unfiltered_note(kpis(state, scope.streets), says) if state.get(dim) else ""

    return text


def unfiltered_note(kpis: pd.DataFrame, says: str) -> str:
    """ "注：A、B<says>" naming the KPI cards that could not follow a filter (``screen_kpis``'s
    ``unfiltered``: their indicator has no such dimension), or "" when every card followed it."""
    fixed = [row.name for row in kpis.itertuples() if row.unfiltered]
    return f"注：{'、'.join(fixed)}{says}" if fixed else ""


@dataclass(frozen=True)
class Note:
    """A line under the filter bar that follows the filters (``text(state, scope)``), e.g. which
    KPI cards cannot follow an office filter.

    ``place``: ``"end"`` after the link note, ``"caption"`` right under the period's dates (above
    the link note), ``"below"`` under the whole filter area. ``follows=False`` for a fixed line
    (drawn once, without an id, not an output of the filter callback).
    """

    name: str
    text: Callable[[StateDict, Scope], Any]
    class_name: str = "detail-caption"
    place: str = "end"
    follows: bool = True

    def render(self, slug: str, state: StateDict, scope: Scope) -> html.Div:
        kwargs = {"id": f"{slug}-{self.name}"} if self.follows else {}
        return html.Div(self.text(state, scope), className=self.class_name, **kwargs)


@dataclass
class Screen:
    """What one screen shows; the controller does the rest.

    - ``fields()``: the filters (``FilterField``s, read lazily: choices come from the data);
    - ``controls``: the filters with a dropdown in the analyst's filter bar (``period``, ``street``,
      ``office``, … — ``FilterIds`` names);
    - ``draw(view, state, scope, *carried)``: ``(figures and components by key, data time)``; the key
      ``kpis`` is the KPI strip;
    - ``panels(view, figs, state)``: ``left``/``right``/``centre``/``bottom`` of ``screen_frame``;
    - ``refreshed``: the keys the wall refresh and a filter change redraw, in output order: ``kpis``,
      figures (``<key>-graph``), ``children`` keys (``<key>`` children, ``_`` written ``-``) and
      ``carry`` keys;
    - ``clicks``: graph key → the filter a click on it sets (``<key>-graph``'s ``clickData``);
      ``triggers``: other inputs that set filters, ``{id: (property, value → event | None)}``;
      ``patterns``: pattern-matching ones, ``[(id pattern, property, (id, value) → event | None)]``
      (told apart by the id's ``role``, e.g. a "查看" button in each row of a list);
    - ``controls`` outside ``FILTER_NAMES`` are the screen's own inputs (id ``<slug>-<name>``, e.g.
      a choice in the grid's panel); ``beside_bar(state)``: what stands next to the filter bar
      (e.g. a search box);
    - ``carry``: names of stores that a refresh reads and writes back (e.g. the office the wall's
      rotating radar shows), passed to ``draw`` after the scope;
    - ``scope_by``: which filters narrow the streets (``SCOPE_FILTERS`` or a part of it).
    """

    ids: ScreenIds
    title: str
    fields: Callable[[], list[FilterField]]
    draw: Callable[..., tuple[dict[str, Any], Any]]
    panels: Callable[[ViewParams, dict[str, Any], StateDict], dict[str, Any]]
    refreshed: Sequence[str]
    controls: Sequence[str] = ("period", "street", "office")
    clicks: Mapping[str, str] = field(default_factory=dict)
    triggers: Mapping[str, tuple[str, Callable[[Any], tuple | None]]] = field(default_factory=dict)
    patterns: Sequence[tuple[Mapping[str, Any], str, Callable[[Mapping[str, Any], Any], tuple | None]]] = ()
    children: Sequence[str] = ()
    carry: Sequence[str] = ()
    grid: Grid | None = None
    notes: Sequence[Note] = ()
    scope_by: Sequence[str] = SCOPE_FILTERS
    subtitle: str | None = None
    unavailable_title: str | None = None
    default_period: str = "month"
    filters_head: Callable[[StateDict], Any] | None = None
    #: A screen whose choice is not a set of ``FilterField``s (the analysis workbench) reads its
    #: state from the view itself, draws its own controls and registers its own choice callback.
    state_reader: Callable[[ViewParams], tuple[StateDict, list[str]]] | None = None
    filter_area: Callable[[StateDict, list[str]], Any] | None = None
    beside_bar: Callable[[StateDict], Any] | None = None
    #: ``empty(view)``: what to show instead of the panels when the screen has nothing to compare
    #: at all (e.g. a city store with no district package loaded) — a message saying so and how to
    #: fill it — or None to draw as usual. Shown in a plain frame: no filters, no refreshed outputs.
    empty: Callable[[ViewParams], Any] | None = None
    #: ``version()``: for a screen whose data changes without a refresh (the city store: an import
    #: does not change the read layer's data version), a cheap key of what it shows; the built
    #: page and refreshes are cached under it as well as under the data version.
    version: Callable[[], Any] | None = None

    # ---- ids -------------------------------------------------------------------------------
    @property
    def filter_ids(self) -> FilterIds:
        """The ids of the screen's filter bar."""
        return FilterIds(self.ids.slug)

    @property
    def control_ids(self) -> dict[str, str]:
        """Filter name → its dropdown's id (the screen's own id for a control outside the bar)."""
        return {name: getattr(self.filter_ids, name) if name in FILTER_NAMES else self.ids.id(name)
                for name in self.controls}

    @property
    def click_ids(self) -> dict[str, str]:
        """Graph id → the filter a click on it sets."""
        return {self.ids.id(f"{key}-graph"): name for key, name in self.clicks.items()}

    def _output(self, key: str) -> Output:
        if key == "kpis":
            return Output(self.ids.kpis, "children")
        if key in self.carry:
            return Output(self.ids.id(key), "data")
        if key in self.children:
            return Output(self.ids.id(key.replace("_", "-")), "children")
        return Output(self.ids.id(f"{key}-graph"), "figure")

    # ---- scope and data --------------------------------------------------------------------
    def scope(self, state: Mapping[str, Any]) -> Scope:
        """The scope of every read of this screen for a filter state (see the module docstring)."""
        allowed = jurisdiction()
        return Scope(_intersect(filter_streets(state, self.scope_by), allowed), allowed)

    def streets(self, state: Mapping[str, Any]) -> Streets:
        """The streets of the scope of a filter state (``scope(state).streets``)."""
        return self.scope(state).streets

    def draw_state(self, view: ViewParams, state: StateDict, *carried: Any) -> tuple[dict[str, Any], Any]:
        """The screen's figures and data time for a state, read within its scope."""
        return self.draw(view, state, self.scope(state), *carried)

    def refresh(self, state: StateDict, view_query: dict[str, Any], *carried: Any) -> Refreshed:
        """The values of the refreshed outputs (wall tick or filter change); on the wall built once
        per state, view, viewer and data version for every wall that asks (see ``_built``)."""
        if ViewParams.from_query(view_query).kiosk:
            values, data_time = _built(self.ids.slug, "refresh", (state, view_query, carried), self._viewer())
        else:  # an analyst's filter change is seldom asked for twice: not worth a cache entry
            values, data_time = self._refresh_values(state, view_query, carried)
        return Refreshed(values, data_time=data_time)

    def _refresh_values(self, state: StateDict, view_query: dict[str, Any],
                        carried: Sequence[Any]) -> tuple[list[Any], Any]:
        figs, data_time = self.draw_state(ViewParams.from_query(view_query), state, *carried)
        return [figs[k] for k in self.refreshed], data_time

    def _period(self) -> FilterField | None:
        return next((f for f in self.fields() if f.name == "period"), None)

    def caption(self, state: StateDict) -> html.Div:
        """The dates behind the chosen period (analysts read them over the panels)."""
        period = self._period()
        assert period is not None
        return period_caption(period.text(state["period"]), extra.period_bounds(state["period"]),
                              id=self.ids.id("period"))

    def when(self, view: ViewParams, state: StateDict) -> str:
        """" · <period>" for a panel title on the wall, which shows one period for good; "" for
        analysts, who read the period over the panels."""
        period = self._period()
        assert period is not None
        return f" · {period.text(state['period'])}" if view.kiosk else ""

    def panel(self, view: ViewParams, figs: Mapping[str, Any], key: str, title: str, unit: str | None = None,
              *, note: Any = None, **kw: Any) -> html.Section:
        """The ``chart_panel`` of ``figs[key]`` with the screen's ids: a figure is drawn in the graph
        ``<key>-graph`` of the panel ``<key>``; a ``children`` key (a list) fills its panel in the div
        ``<key>``. ``note`` is for analysts (the wall shows none); ``kw`` goes to ``chart_panel``."""
        if key in self.children:
            body: Any = html.Div(figs[key], id=self.ids.id(key), className="panel-fill")
        else:
            body, kw = figs[key], {"id": self.ids.id(key), **kw}
        return chart_panel(title, body, unit=unit, mode=view.mode, note=None if view.kiosk else note, **kw)

    # ---- layout ----------------------------------------------------------------------------
    def _filter_area(self, state: StateDict, notes: list[str], scope: Scope) -> html.Div:
        fields = self.fields()
        by_name = {f.name: f for f in fields}
        period = by_name.get("period")
        bar = filter_bar(
            self.ids.slug,
            streets=list(by_name["street"].choices.items()) if "street" in by_name else (),
            offices=list(by_name["office"].choices.items()) if "office" in by_name else (),
            values=state,
            show=tuple(self.controls),
            periods=[o["value"] for o in period_options(period, PERIOD_LABELS, state["period"])]
            if period is not None else tuple(PERIOD_LABELS),
            default_period=self.default_period,
        )
        if self.beside_bar is not None:
            bar = html.Div([bar, self.beside_bar(state)], className="d-flex flex-wrap gap-3 align-items-end")
        head = self.filters_head(state) if self.filters_head is not None else None

        def placed(place: str) -> list[html.Div]:
            return [n.render(self.ids.slug, state, scope) for n in self.notes if n.place == place]

        area = html.Div(
            [
                head,
                html.Div(bar, className="mt-3") if head is not None else bar,
                html.Div(filter_chips(self.ids.slug, state, fields), id=self.ids.id("chips")),
                self.caption(state) if period is not None else None,
                *placed("caption"),
                link_notes(notes, id=self.ids.id("link-notes")),
                *placed("end"),
            ],
            className="screen-filters",
        )
        below = placed("below")
        return html.Div([area, *below]) if below else area

    def _grid_frame(self, state: StateDict | None, limit: int) -> tuple[pd.DataFrame, bool]:
        assert self.grid is not None
        return self.grid.read(state, self.scope(state or {}), limit)

    def _detail(self, state: StateDict) -> Any:
        grid = self.grid
        assert grid is not None
        frame, cut = self._grid_frame(state, grid.grid_limit)
        columns = grid.columns_for(state)
        table = detail_grid(self.ids.id("grid"), grid_rows(frame, columns), columns)
        if grid.row_id is not None:
            table.getRowId = f"params.data.{grid.row_id}"
        return detail_panel(
            grid.title,
            table,
            caption_id=self.ids.id("grid-caption"),
            caption=grid.caption_text(frame, cut),
            csv_id=self.ids.id("export-csv"),
            xlsx_id=self.ids.id("export-xlsx"),
            download_id=self.ids.id("download"),
            id=self.ids.id("detail"),
            note=grid.note,
            controls=grid.controls(state) if callable(grid.controls) else grid.controls,
        )

    def layout(self, **query: object) -> Any:
        """The page: the screen frame with its panels, or its "data delayed" state when a read fails.

        A good page is built once per query, viewer and data version and served from the cache to
        every wall and browser that asks (the failed state is never cached: the next load retries).
        """
        try:
            page = _built(self.ids.slug, "layout", tuple(sorted(query.items())), self._viewer())
            if query_cache.stores_values():
                response_cache.mark_cacheable()  # the whole answer may be kept as bytes too
            return page
        except _ReadFailed as failed:
            return failed.frame
        except Exception:  # noqa: BLE001 — the cache could not even learn the data version: store down
            log.exception("%s页面无法确定数据版本", self.title)
            try:
                return self._layout(**query)
            except _ReadFailed as failed:
                return failed.frame

    def _viewer(self) -> tuple:
        """The key of who is looking (``viewer``) and, for a screen with a ``version``, of what is loaded."""
        return viewer() if self.version is None else (*viewer(), self.version())

    def _layout(self, **query: object) -> html.Div:
        view = ViewParams.from_query(query)
        try:
            shown = self.empty(view) if self.empty is not None else None
            if shown is not None:  # the store's own data time: it has data, if not what this screen shows
                return screen_frame(self.ids, view, title=self.title, centre=shown, live=False,
                                    data_time=extra.store_data_time(),
                                    subtitle=None if view.kiosk else self.subtitle)
            state, notes = self._read_state(view)
            figs, data_time = self.draw_state(view, state)
            filters = None if view.kiosk else self._filters(state, notes)
            detail = None if view.kiosk or self.grid is None else self._detail(state)
        except Exception as exc:  # the frame shows its "data delayed" state instead of an error page
            log.exception("%s页面读取数据失败", self.title)
            raise _ReadFailed(screen_frame(
                self.ids, view, title=self.title, ok=False, error=type(exc).__name__,
                centre=unavailable(self.unavailable_title or self.title, mode=view.mode,
                                   built=_layer_built()),
            )) from exc
        stores = [
            dcc.Store(id=self.ids.id("state"), data=state),
            *(dcc.Store(id=self.ids.id(name), data=figs[name]) for name in self.carry),
            dcc.Location(id=self.ids.id("url"), refresh=False),
        ]
        panels = self.panels(view, figs, state)
        return screen_frame(
            self.ids, view, title=self.title, subtitle=None if view.kiosk else self.subtitle,
            data_time=data_time, kpis=figs["kpis"], filters=filters,
            left=panels.get("left"), right=panels.get("right"),
            centre=[panels["centre"], *stores], bottom=panels.get("bottom"), detail=detail,
        )

    def _read_state(self, view: ViewParams) -> tuple[StateDict, list[str]]:
        if self.state_reader is not None:
            return self.state_reader(view)
        return read_state(view.extra, self.fields())

    def _filters(self, state: StateDict, notes: list[str]) -> Any:
        if self.filter_area is not None:
            return self.filter_area(state, notes)
        return self._filter_area(state, notes, self.scope(state))

    # ---- filters ---------------------------------------------------------------------------
    def _event(self, trigger: Any, value: Any) -> tuple | None:
        if isinstance(trigger, str) and trigger in self.triggers:
            return self.triggers[trigger][1](value)
        if isinstance(trigger, Mapping):
            for pattern, _, event in self.patterns:
                if trigger.get("role") == pattern.get("role"):
                    return event(trigger, value)
        return event_of(trigger, value, page=self.ids.slug, clicks=self.click_ids, controls=self.control_ids)

    def _filter_outputs(self) -> list[Output]:
        has_period = self._period_control()
        outs = [Output(self.ids.id("state"), "data"), Output(self.ids.id("chips"), "children"),
                Output(self.ids.id("url"), "search")]
        for name, cid in self.control_ids.items():
            outs.append(Output(cid, "value"))
            if name == "period":
                outs.append(Output(cid, "options"))
        outs.append(Output(self.ids.id("link-notes"), "children"))
        if has_period:
            outs.append(Output(self.ids.id("period"), "children"))
        outs += [Output(self.ids.id(n.name), "children") for n in self.notes if n.follows]
        return outs

    def _period_control(self) -> bool:
        return "period" in self.controls

    def update_filters(self, trigger: Any, value: Any, state: StateDict, view_query: dict[str, Any]) -> tuple:
        """The new filter state after one event, and everything that shows it.

        ``trigger`` is the id of what fired (a dropdown, a graph, a chip, a declared trigger) and
        ``value`` its new value (a dropdown value, a Plotly ``clickData``, a chip's ``n_clicks``).
        Returns, in order: the state, the chips, the URL query, each control's value (the period's
        options after its value), the (cleared) link note, the period's dates and the notes.
        """
        n = len(self._filter_outputs())
        event = self._event(trigger, value)
        if event is None:
            return (no_update,) * n
        fields = self.fields()
        new = next_state(state, fields, *event)
        view = ViewParams.from_query(view_query)
        search = state_search(new, fields, keep={"theme": "dark"} if view.theme == "dark" else None)
        out: list[Any] = [new, filter_chips(self.ids.slug, new, fields), search or "?"]
        for name in self.control_ids:
            out.append(new[name])
            if name == "period":
                out.append(period_options(self._period(), PERIOD_LABELS, new["period"]))
        out.append(None)
        if self._period_control():
            out.append(self.caption(new).children)
        scope = self.scope(new)
        out += [note.text(new, scope) for note in self.notes if note.follows]
        return tuple(out)

    # ---- grid and export -------------------------------------------------------------------
    def update_grid(self, state: StateDict) -> tuple:
        """The detail grid's rows and caption for a filter state."""
        grid = self.grid
        assert grid is not None
        frame, cut = self._grid_frame(state, grid.grid_limit)
        columns = grid.columns_for(state)
        caption = grid.caption_text(frame, cut)
        if grid.dynamic:
            return grid_rows(frame, columns), detail_grid("unused", [], columns).columnDefs, caption
        return grid_rows(frame, columns), caption

    def export_file(self, state: StateDict | None, fmt: str) -> dict[str, Any]:
        """The grid's records for a state as a CSV or XLSX download (at most ``export_limit`` rows)."""
        grid = self.grid
        assert grid is not None
        auth.require("export")  # a wall account, for one, may not
        frame, _ = self._grid_frame(state, grid.export_limit)
        as_of: date = grid.as_of(state) if grid.as_of is not None else extra.period_bounds()["as_of"]
        name = f"{grid.filename(state) if callable(grid.filename) else grid.filename}_{as_of:%Y%m%d}"
        file = download(frame, grid.columns_for(state), name, fmt)
        # who exported what (可追溯): the screen, the filters, the rows and the file
        auth.record("export", self.ids.slug, {"file": file["filename"], "rows": len(frame), "filters": state})
        return file

    # ---- wiring ----------------------------------------------------------------------------
    def wire(self) -> tuple[Callable[..., Any], ...]:
        """Register the screen's callbacks; returns ``layout, refresh, update_filters,
        update_grid, export_file`` for the page module to expose (Dash Pages reads ``layout``)."""
        ids = self.ids
        _SCREENS[ids.slug] = self
        refresh_callback(
            ids,
            *(self._output(k) for k in self.refreshed),
            inputs=[Input(ids.id("state"), "data")],
            state=[State(ids.view, "data"), *(State(ids.id(name), "data") for name in self.carry)],
        )(self.refresh)

        if self.state_reader is None:
            self._wire_filters()
        if self.grid is not None:
            self._wire_grid()
        return self.layout, self.refresh, self.update_filters, self.update_grid, self.export_file

    def _wire_filters(self) -> None:
        ids = self.ids
        trigger_inputs = [Input(tid, prop) for tid, (prop, _) in self.triggers.items()]
        trigger_inputs += [Input(dict(pattern), prop) for pattern, prop, _ in self.patterns]

        @callback(
            *self._filter_outputs(),
            *(Input(i, "value") for i in self.control_ids.values()),
            *(Input(g, "clickData") for g in self.click_ids),
            *trigger_inputs,
            Input({"role": CHIP_ROLE, "page": ids.slug, "name": ALL}, "n_clicks"),
            State(ids.id("state"), "data"),
            State(ids.view, "data"),
            prevent_initial_call=True,
        )
        def on_filter(*args: Any) -> tuple:
            value = ctx.triggered[0]["value"] if ctx.triggered else None
            return self.update_filters(ctx.triggered_id, value, args[-2], args[-1])

    def _wire_grid(self) -> None:
        ids, grid = self.ids, self.grid
        assert grid is not None
        if grid.follows_state:
            callback(
                Output(ids.id("grid"), "rowData"),
                *([Output(ids.id("grid"), "columnDefs")] if grid.dynamic else []),
                Output(ids.id("grid-caption"), "children"),
                Input(ids.id("state"), "data"),
                prevent_initial_call=True,
            )(self.update_grid)

        @callback(
            Output(ids.id("download"), "data"),
            Input(ids.id("export-csv"), "n_clicks"),
            Input(ids.id("export-xlsx"), "n_clicks"),
            State(ids.id("state"), "data"),
            prevent_initial_call=True,
        )
        def on_export(_csv: int, _xlsx: int, state: StateDict) -> dict[str, Any]:
            fmt = "xlsx" if ctx.triggered_id == ids.id("export-xlsx") else "csv"
            return self.export_file(state if grid.follows_state else None, fmt)


_OWN_MENU = "__own__"


#: Every wired screen by slug, for ``_built``.
_SCREENS: dict[str, Screen] = {}
#: Every registered screen by its route, for ``page_viewer``.
_PATHS: dict[str, Screen] = {}


def page_viewer(pathname: str) -> tuple:
    """The viewer part of the build key of the page at ``pathname`` — its screen's (with what that
    screen has loaded, for one with a ``version``), else the signed-in viewer's: the response cache
    keys a page's bytes as the build cache keys the page."""
    screen = _PATHS.get(pathname.rstrip("/") or "/")
    return screen._viewer() if screen is not None else viewer()


class _ReadFailed(Exception):
    """A screen's read failed; carries the "data delayed" frame to show instead (not cached)."""

    def __init__(self, frame: html.Div) -> None:
        super().__init__("read failed")
        self.frame = frame


def _layer_built() -> bool:
    try:
        return extra.read_layer_built()
    except Exception:  # noqa: BLE001 — the store itself is down: say "no data", not an error page
        return True


@memoized
def _built(slug: str, kind: str, args: tuple, who: tuple) -> Any:
    """A screen's page (``kind`` layout) or refreshed outputs (``refresh``), built from ``args``.

    Memoised like a read — under the data version, so a refresh rebuilds it — and shared across
    workers when the cache is Redis: one build serves every wall showing the same screen, view and
    scope (``who``), which is what makes many walls cheap (the cost of a screen is building its
    figures, not reading). The cached form is the JSON the browser receives (figures' arrays as
    typed-array dicts), so a hit costs no figure building or validation. With no cache (or the null
    cache of the tests) the Dash objects themselves are returned.
    """
    screen = _SCREENS[slug]
    if kind == "layout":
        built: Any = screen._layout(**dict(args))
    else:
        state, view_query, carried = args
        built = screen._refresh_values(state, view_query, carried)
    return json.loads(to_json_plotly(built)) if query_cache.stores_values() else built


def register(module: str, screen: Screen, *, path: str, order: int, category: str | None = _OWN_MENU,
             name: str | None = None, wall: bool = True, title: str | None = None, **meta: Any) -> None:
    """Register a screen page with Dash Pages: its route and its menu metadata (``category`` groups
    the navigation — by default a menu entry of its own, None for none; ``wall`` puts it in the
    wall's playlist; ``title``, the browser tab's, defaults to the menu name and the product)."""
    name = name or screen.title
    _PATHS[path] = screen
    register_page(module, name, path=path, title=title, category=name if category == _OWN_MENU else category,
                  order=order, wall=wall, **meta)


def register_page(module: str, name: str, *, title: str | None = None, **meta: Any) -> None:
    """Register a page with Dash Pages — a ``Screen`` (through ``register``) or a page that builds its
    own layout (一户一档, 综合查询, 指标库 …): ``name`` in the menu, the browser tab's ``title``
    (by default the name and the product), and the route and menu metadata in ``meta``."""
    dash.register_page(module, name=name, title=title or f"{name} · {PRODUCT_NAME}", **meta)


__all__ = ["Grid", "Note", "Scope", "Screen", "filter_streets", "jurisdiction", "office_field",
           "kpi_note", "kpi_strip", "period_field", "period_span", "register", "register_page",
           "standard_fields", "street_field", "unfiltered_note"]
