"""The screen frame every page uses, the URL parameters of wall mode, and the refresh pattern.

A screen module looks like this (ids namespaced by ``ScreenIds``; the data comes from the read
API; nothing is built at import time)::

    dash.register_page(__name__, path="/complaints", name="投诉举报", title="投诉举报",
                       category="业务监管", order=40, wall=True)
    IDS = ScreenIds("complaints")

    def _draw(view: ViewParams, filters: dict) -> tuple[Refreshed, dict]:
        data = read.complaint_screen(scope="all", **filters)        # the read API, one call
        figures = {"trend": trend(..., theme=view.theme, mode=view.mode), ...}
        return Refreshed([figures["trend"], ...], data_time=data.data_time), figures

    def layout(**query):
        view = ViewParams.from_query(query)
        try:
            _, figs = _draw(view, filters_from(query))
        except Exception:                 # the frame shows its "data delayed" state instead
            return screen_frame(IDS, view, title="投诉举报", ok=False)
        return screen_frame(IDS, view, title="投诉举报", data_time=..., kpis=[...],
                            left=[chart_panel(..., id=IDS.id("trend"))], centre=..., bottom=...)

    @refresh_callback(IDS, Output(IDS.id("trend-graph"), "figure"), ...,
                      inputs=[Input(FilterIds("complaints").street, "value")],
                      state=[State(IDS.view, "data")])
    def refresh(street, view):
        refreshed, _ = _draw(ViewParams.from_query(view), {"street": street})
        return refreshed

On the wall the shell ticks every ``refresh`` seconds (only while the tab is visible); each tick
reaches the screen's ``IDS.tick`` store and runs its one refresh callback. While it runs the
shell's interval is disabled, so refreshes never overlap. If the callback raises (database
unreachable, statement timeout) its outputs are left as they are — the last good data stays on
screen — and the screen's status store turns ``ok: false``, which raises the "数据延迟" banner;
the banner also rises when no refresh has succeeded for twice the refresh interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from dash import Input, Output, State, callback, dcc, html, no_update

from components.formatting import data_time_text
from components.kpi import kpi_strip

log = logging.getLogger(__name__)

#: Ids of the app shell that screens refer to (the shell itself is built by ``dashboard.app``).
WALL_INTERVAL = "wall-interval"
APP_CONFIG = "app-config"
TICK_ROLE = "wall-tick"
STATUS_ROLE = "wall-status"
VIEW_ROLE = "wall-view"

FITS = ("contain", "width", "height", "stretch")
THEMES = ("dark", "light")
DEFAULT_REFRESH = 30
MIN_REFRESH, MAX_REFRESH = 5, 3600
MIN_ROTATE, MAX_ROTATE = 5, 24 * 3600


def _first(value: Any) -> Any:
    """A repeated query parameter arrives as a list; like the browser, use its first value."""
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _truthy(value: Any) -> bool:
    return str(_first(value)).strip().lower() in ("1", "true", "yes", "on")


def _int_in(value: Any, low: int, high: int, default: int) -> int:
    try:
        n = float(str(_first(value)).strip())
    except (TypeError, ValueError):
        return default
    if n != n or n in (float("inf"), float("-inf")):
        return default
    n = int(n)
    return n if low <= n <= high else default


@dataclass(frozen=True)
class ViewParams:
    """How a screen is being viewed, parsed leniently from the URL query (bad values → defaults).

    ``kiosk=1`` selects wall mode; ``fit``, ``refresh`` (seconds), ``rotate`` (seconds, 0 = off),
    ``playlist`` (comma-separated slugs) and ``theme`` follow product.md §3. ``tile_url`` and
    ``video_hosts`` (intranet video origins a page may play) come from the app configuration (passed
    to every page layout as ``app_config``), not from the URL.
    ``assets/kiosk.js`` applies the same rules in the browser.
    """

    kiosk: bool = False
    theme: str = "light"
    fit: str = "contain"
    refresh: int = DEFAULT_REFRESH
    rotate: int = 0
    playlist: tuple[str, ...] = ()
    tile_url: str | None = None
    video_hosts: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """``wall`` in kiosk mode, else ``analyst``."""
        return "wall" if self.kiosk else "analyst"

    @classmethod
    def from_query(cls, query: Mapping[str, Any] | None) -> ViewParams:
        """Parse a page's layout kwargs (query parameters plus ``app_config``)."""
        q = {k: v for k, v in dict(query or {}).items() if v is not None}
        config = q.pop("app_config", None) or {}
        kiosk = _truthy(q.pop("kiosk", ""))
        theme = str(_first(q.pop("theme", "")) or "").strip().lower()
        fit = str(_first(q.pop("fit", "")) or "").strip().lower()
        refresh = _int_in(q.pop("refresh", None), MIN_REFRESH, MAX_REFRESH, DEFAULT_REFRESH)
        rotate = _int_in(q.pop("rotate", None), MIN_ROTATE, MAX_ROTATE, 0)
        raw_playlist = _first(q.pop("playlist", "")) or ""
        playlist = tuple(s for s in (p.strip() for p in str(raw_playlist).split(",")) if s)
        return cls(
            kiosk=kiosk,
            theme=theme if theme in THEMES else ("dark" if kiosk else "light"),
            fit=fit if fit in FITS else "contain",
            refresh=refresh, rotate=rotate, playlist=playlist,
            tile_url=config.get("tile_url") if isinstance(config, Mapping) else None,
            video_hosts=tuple(str(h) for h in (config.get("video_hosts") or ()))
            if isinstance(config, Mapping) else (),
            extra={k: v for k, v in q.items() if isinstance(v, str)},
        )

    def as_query(self) -> dict[str, Any]:
        """A JSON-able copy (kept in the screen's view store for its callbacks)."""
        d = asdict(self)
        d["playlist"] = ",".join(self.playlist)
        d["kiosk"] = "1" if self.kiosk else ""
        d["app_config"] = {"tile_url": self.tile_url, "video_hosts": list(self.video_hosts)}
        d.pop("tile_url")
        d.pop("video_hosts")
        extra = d.pop("extra")
        return {**extra, **d}


@dataclass(frozen=True)
class ScreenIds:
    """The component ids of one screen, namespaced by its slug."""

    slug: str

    @property
    def root(self) -> str:
        """The page root (test contract: ``page-<slug>``)."""
        return f"page-{self.slug}"

    @property
    def tick(self) -> dict[str, str]:
        """The store the shell writes on every wall tick (pattern-matching id)."""
        return {"role": TICK_ROLE, "page": self.slug}

    @property
    def status(self) -> dict[str, str]:
        """The store holding the screen's refresh status (read by the shell's title bar)."""
        return {"role": STATUS_ROLE, "page": self.slug}

    @property
    def view(self) -> dict[str, str]:
        """The store holding the parsed view parameters (for callbacks)."""
        return {"role": VIEW_ROLE, "page": self.slug}

    @property
    def kpis(self) -> str:
        """The KPI strip (a refresh callback redraws its ``children``)."""
        return f"{self.slug}-kpis"

    def id(self, name: str) -> str:
        """A namespaced id for one of the screen's own components (``complaints-trend``)."""
        return f"{self.slug}-{name}"


@dataclass
class Refreshed:
    """What a refresh callback returns: the new values of its outputs and the data time."""

    values: Sequence[Any]
    data_time: datetime | date | str | None = None


def status_data(title: str, data_time: datetime | date | str | None, *, ok: bool = True,
                error: str | None = None, live: bool = True) -> dict[str, Any]:
    """The content of a screen's status store (JSON).

    ``live`` says the screen refreshes on the wall tick; only then does a long silence since the
    last good refresh count as "data delayed".
    """
    if isinstance(data_time, date):
        data_time = data_time.isoformat()
    return {"ok": ok, "title": title, "data_time": data_time, "live": live,
            "data_time_text": data_time_text(data_time), "error": error}


def _section(children: Any, area: str) -> html.Div | None:
    if children is None:
        return None
    items = list(children) if isinstance(children, list | tuple) else [children]
    return html.Div(items, className=f"frame-area frame-{area}")


def screen_frame(ids: ScreenIds, view: ViewParams, *, title: str, kpis: Sequence[Any] = (),
                 left: Sequence[Any] | Any = None, right: Sequence[Any] | Any = None,
                 centre: Any = None, bottom: Any = None, filters: Any = None,
                 data_time: datetime | date | str | None = None, ok: bool = True,
                 error: str | None = None, subtitle: str | None = None, live: bool = True,
                 detail: Any = None) -> html.Div:
    """The classic command-centre layout: KPI strip on top, left and right columns of panels, a
    map or central visual in the middle with a list under it.

    On the wall (``view.kiosk``) the areas form a fixed grid inside the 1920×1080 canvas and the
    title bar of the shell shows ``title`` and the data time; for analysts the same panels reflow
    in the Bootstrap grid (centre first, then left and right side by side, one column on a phone),
    under a header with the title, the data time and the ``filters`` bar. ``ok=False`` (the data
    could not be read) raises the "数据延迟" banner; ``error`` says why in the log-like detail.
    ``live=False`` for a screen without a refresh callback (its data never goes stale on its own).
    ``detail`` (analysts only) goes full width under all the panels: the drill-down table.
    """
    stores = [
        dcc.Store(id=ids.tick),
        dcc.Store(id=ids.status, data=status_data(title, data_time, ok=ok, error=error, live=live)),
        dcc.Store(id=ids.view, data=view.as_query()),
    ]
    body: list[Any]
    if view.kiosk:
        body = [html.Div([
            _section(kpi_strip(list(kpis), id=ids.kpis) if kpis else None, "kpi"),
            _section(left, "left"),
            _section(centre, "centre"),
            _section(bottom, "bottom"),
            _section(right, "right"),
        ], className="frame-grid")]
    else:
        header = html.Div([
            html.Div([html.H1(title, className="screen-title"),
                      html.Div(subtitle, className="screen-subtitle") if subtitle else None]),
            html.Div(data_time_text(data_time), className="screen-data-time"),
        ], className="screen-header")
        alert = None if ok else html.Div(
            ["数据延迟：暂时无法读取数据", html.Span(f"（{error}）" if error else "")],
            className="screen-alert", role="alert")
        centre_col = [item for c in (centre, bottom) if c is not None for item in _items(c)]
        body = [
            header,
            alert,
            filters,
            html.Div(kpi_strip(list(kpis), id=ids.kpis), className="frame-kpi") if kpis else None,
            html.Div([
                html.Div(centre_col, className="col-12 col-xxl-6 order-xxl-2 frame-col")
                if centre_col else None,
                html.Div(_items(left), className="col-12 col-md-6 col-xxl-3 order-xxl-1 frame-col")
                if left is not None else None,
                html.Div(_items(right), className="col-12 col-md-6 col-xxl-3 order-xxl-3 frame-col")
                if right is not None else None,
            ], className="row g-3 frame-row"),
            html.Div(detail, className="frame-detail") if detail is not None else None,
        ]
    return html.Div([*stores, *body], id=ids.root,
                    className=f"screen screen--{view.mode} screen--{view.theme}")


def _items(children: Any) -> list[Any]:
    return list(children) if isinstance(children, list | tuple) else [children]


def run_refresh(fn: Callable[..., Any], n_outputs: int, args: Sequence[Any],
                old_status: Mapping[str, Any] | None, *, slug: str = "") -> tuple[Any, ...]:
    """Call a screen's refresh function and turn its result into the callback's return value.

    Success: the ``n_outputs`` new values, then an ``ok`` status with the new data time. Failure
    (any exception — database unreachable, statement timeout): ``no_update`` for every output, so
    the last good data stays on screen, then a failed status that keeps the old data time.
    """
    old = old_status or {}
    title = old.get("title", "")
    live = old.get("live", True)
    try:
        result = fn(*args)
    except Exception as exc:  # the wall must stay up: keep the last good data, raise the banner
        log.exception("refresh of screen %s failed", slug)
        return (*([no_update] * n_outputs),
                status_data(title, old.get("data_time"), ok=False, error=type(exc).__name__, live=live))
    if isinstance(result, Refreshed):
        values, dt = list(result.values), result.data_time
    else:
        values, dt = list(result), old.get("data_time")
    if len(values) != n_outputs:
        raise ValueError(f"refresh of {slug} returned {len(values)} values for {n_outputs} outputs")
    return (*values, status_data(title, dt, ok=True, live=live))


def refresh_callback(ids: ScreenIds, *outputs: Output, inputs: Sequence[Input] = (),
                     state: Sequence[State] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a screen's one refresh callback (see the module docstring for the pattern).

    The decorated function receives the values of ``inputs`` then ``state`` (not the tick) and
    returns a ``Refreshed`` (or a plain sequence) with one value per output. It runs on every wall
    tick and whenever one of ``inputs`` changes (e.g. a filter), never at page load (the layout has
    drawn the data already). A raised exception is logged; the outputs keep their last good values
    and the status store reports the failure so the "数据延迟" banner rises.
    """
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        n = len(outputs)

        @callback(
            *outputs,
            Output(ids.status, "data"),
            Input(ids.tick, "data"),
            *inputs,
            State(ids.status, "data"),
            *state,
            running=[(Output(WALL_INTERVAL, "disabled"), True, False)],
            prevent_initial_call=True,
        )
        def _refresh(_tick: Any, *args: Any) -> tuple[Any, ...]:
            k = len(inputs)
            return run_refresh(fn, n, args[:k] + args[k + 1:], args[k], slug=ids.slug)

        return fn

    return decorate


__all__ = [
    "APP_CONFIG", "STATUS_ROLE", "TICK_ROLE", "VIEW_ROLE", "WALL_INTERVAL", "Refreshed",
    "ScreenIds", "ViewParams", "refresh_callback", "run_refresh", "screen_frame", "status_data",
]
