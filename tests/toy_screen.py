"""A toy screen declared on the screen controller, for tests/test_screen_controller.py: complaints
by channel with a street and a channel filter, one KPI, and the complaints behind them in a grid.

Registered only by that test's app (``create_app(..., extra_pages=[__name__])``). ``FAIL`` makes
its next draw raise, as a database outage would.
"""

from __future__ import annotations

from typing import Any

from components import charts_complaints as charts
from components.charts_common import kpi_cards
from components.labels import ENUM_LABELS, PERIOD_LABELS
from components.layout import ScreenIds, ViewParams
from components.panels import chart_panel
from components.permalink import FilterField
from components.tables import Column
from dashboard.screen import Grid, Note, Scope, Screen, register
from data_access.api import complaints as read
from data_access.api import extra_screens as extra

IDS = ScreenIds("toy")
FAIL = {"draw": False}
#: The scopes the toy's reads were given, newest last.
SCOPES: list[Scope] = []


def fields() -> list[FilterField]:
    return [
        FilterField("period", "期间", dict(PERIOD_LABELS), "month", accept=extra.is_period),
        FilterField("street", "街镇", extra.street_names()),
        FilterField("channel", "渠道", ENUM_LABELS[("complaint", "channel")]),
    ]


def draw(view: ViewParams, state: dict[str, Any], scope: Scope) -> tuple[dict[str, Any], Any]:
    if FAIL["draw"]:
        raise ConnectionError("database unreachable")
    SCOPES.append(scope)
    bounds = extra.period_bounds(state["period"])
    picks = (("channel", state["channel"]),) if state.get("channel") else ()
    kpis = extra.screen_kpis(("complaint.received",), state["period"], scope.streets, picks)
    frame = read.complaints_by("channel", bounds["start"], bounds["end"], scope.streets)
    figs = {
        "kpis": kpi_cards(kpis, mode=view.mode),
        "channel": charts.channel_chart(frame, selected=state.get("channel"), theme=view.theme,
                                        mode=view.mode),
    }
    return figs, bounds["data_time"]


def panels(view: ViewParams, figs: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    return {"centre": chart_panel("受理渠道", figs["channel"], id=IDS.id("channel"), mode=view.mode)}


def grid_rows(state: dict[str, Any] | None, scope: Scope, limit: int):
    bounds = extra.period_bounds(state["period"])
    rows = read.complaint_list(bounds["start"], bounds["end"], scope.streets, channel=state.get("channel"),
                               limit=limit)
    return rows.frame, rows.truncated


def scope_text(scope: Scope) -> str:
    if scope.streets is None:
        return "范围：全区"
    return "范围：" + ("、".join(scope.streets) or "无")


COLUMNS = (Column("id", "编号"), Column("channel", "渠道", "enum", ("complaint", "channel")),
           Column("street_code", "街镇代码"))

SCREEN = Screen(
    IDS,
    "玩具",
    fields=fields,
    draw=draw,
    panels=panels,
    refreshed=("kpis", "channel"),
    controls=("period", "street"),
    clicks={"channel": "channel"},
    grid=Grid("投诉明细", COLUMNS, grid_rows, "玩具明细", grid_limit=5, export_limit=50),
    notes=(Note("scope", lambda state, scope: scope_text(scope)),),
    scope_by=("street",),
)
register(__name__, SCREEN, path="/_toy", order=999, category=None, wall=False)
layout, refresh, update_filters, update_grid, export_file = SCREEN.wire()
