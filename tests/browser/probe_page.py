"""A probe screen for the shell's browser tests: the screen-frame and refresh pattern of
``components.layout`` with data the test controls (``STATE``), so the wall's refresh, banner,
overlap guard and pause can be exercised without depending on any real screen's internals.

Registered only by the browser tests' app (``create_app(..., extra_pages=[__name__])``).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

import dash
from dash import Output, State, html

from components.kpi import kpi_card
from components.layout import Refreshed, ScreenIds, ViewParams, refresh_callback, screen_frame
from components.panels import chart_panel

dash.register_page(__name__, path="/_probe", name="探针", title="探针", slug="probe")

IDS = ScreenIds("probe")
DATA_TIME = datetime(2026, 11, 20, 9, 30)

#: What the next reads return or do; tests set these through the ``probe`` fixture.
STATE: dict = {"value": 12_345, "fail": False, "delay": 0.0}
#: Reads so far and the most that ran at once.
CALLS: dict = {"n": 0, "active": 0, "max_active": 0}
_lock = threading.Lock()


def reset() -> None:
    """Back to a healthy, instant data source with no reads counted."""
    STATE.update(value=12_345, fail=False, delay=0.0)
    CALLS.update(n=0, active=0, max_active=0)


def read() -> int:
    """The probe's "database read": counted, optionally slow or failing."""
    with _lock:
        CALLS["n"] += 1
        CALLS["active"] += 1
        CALLS["max_active"] = max(CALLS["max_active"], CALLS["active"])
    try:
        if STATE["delay"]:
            time.sleep(STATE["delay"])
        if STATE["fail"]:
            raise ConnectionError("probe database down")
        return int(STATE["value"])
    finally:
        with _lock:
            CALLS["active"] -= 1


def _kpis(view: ViewParams, value: int) -> list:
    return [kpi_card("probe.value", "探针数值", value, "件", definition="测试用的探针数值",
                     data_time=DATA_TIME, mode=view.mode)]


def layout(**query: object) -> html.Div:
    view = ViewParams.from_query(query)
    return screen_frame(IDS, view, title="探针", data_time=DATA_TIME, kpis=_kpis(view, int(STATE["value"])),
                        left=[chart_panel("左栏", html.Div("左"), mode=view.mode)],
                        centre=chart_panel("中间", html.Div("中"), mode=view.mode),
                        right=[chart_panel("右栏", html.Div("右"), mode=view.mode)])


@refresh_callback(IDS, Output(IDS.kpis, "children"), state=[State(IDS.view, "data")])
def refresh(view_query: dict) -> Refreshed:
    view = ViewParams.from_query(view_query)
    return Refreshed([_kpis(view, read())], data_time=DATA_TIME)
