"""A station user's numbers (issue 10: jurisdiction everywhere): with the signed-in user's streets set to
one street, every screen's KPI strip equals the indicator library read for that street alone, and the
street filter offers that street only — the scope comes from the controller, whatever the URL says."""

from __future__ import annotations

import importlib
import math

import pytest

import dashboard.screen as screen
from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens
from tests.test_refresh import refreshed_copy

STREET = "310112102000"  # 七宝镇
OTHER = "310112101000"   # 莘庄镇

#: Screens whose KPI strip is ``screen_kpis`` of their ``KPI_IDS`` over the state's period (重大事项保障
#: reads its mission's window instead: tests/test_screen_major_events.py checks it for one street).
SCREENS = ("cases", "city_ops", "co_governance", "complaints", "emergency", "entities", "monitoring",
           "online", "party_building", "safety", "supervision", "warnings")


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_store_url):
    url = refreshed_copy(tmp_path_factory, small_store_url)
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("station"), cache_type="null")
    app = create_app(settings)
    yield app
    cache.reset()


def _walk(component):
    yield component
    props = component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}
    children = props.get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _props(c) -> dict:
    return c.to_plotly_json()["props"]


@pytest.mark.parametrize("name", SCREENS)
def test_sta001_every_kpi_of_a_station_user_covers_their_street_only(app, name, monkeypatch):
    check_station_kpis(name, monkeypatch)


def check_station_kpis(name: str, monkeypatch) -> None:
    """Screen ``name`` drawn for a station user of 七宝镇 shows the library's values for that street only
    (on the store the current app reads: tests/test_station_scope_pg.py runs it on PostgreSQL)."""
    monkeypatch.setattr(screen, "jurisdiction", lambda: (STREET,))
    page = importlib.import_module(f"pages.{name}")
    # a street outside the jurisdiction asked for in the URL changes nothing
    layout = page.layout(kiosk="", theme="light", street=OTHER)
    nodes = list(_walk(layout))
    state = next(_props(c)["data"] for c in nodes if _props(c).get("id") == page.IDS.id("state"))
    assert state.get("street") in (None, STREET)
    shown = {p["data-indicator"]: p["data-value"] for p in map(_props, nodes) if "data-indicator" in p}
    assert shown, name
    period = state.get("period") or "month"
    expected = extra_screens.screen_kpis(tuple(shown), period, (STREET,)).set_index("indicator_id")["value"]
    for indicator, value in shown.items():
        got = float(value) if value != "" else math.nan
        # data-value carries six decimals
        want = float(expected[indicator])
        assert got == pytest.approx(want, rel=1e-6, abs=1e-6, nan_ok=True), (name, indicator)
    # the district's figure differs for at least one card, so the check above could fail
    district = extra_screens.screen_kpis(tuple(shown), period, None).set_index("indicator_id")["value"]
    assert any(not math.isclose(float(district[i]), float(expected[i]), abs_tol=1e-9)
               for i in shown if not math.isnan(float(expected[i]))), name


def test_sta002_the_street_filter_offers_only_the_jurisdiction(app, monkeypatch):
    monkeypatch.setattr(screen, "jurisdiction", lambda: (STREET,))
    assert list(screen.street_field().choices) == [STREET]
    assert all(code for code in screen.office_field().choices)
    assert len(screen.office_field().choices) == 1


def test_sta003_an_export_is_refused_to_a_wall_and_audited_for_a_user(app):
    """Every screen's export goes through the controller: the export permission, then an audit row."""
    from werkzeug.exceptions import Forbidden

    from dashboard.auth.web import act_as_service
    from data_access.identity import read_audit

    page = importlib.import_module("pages.complaints")
    state = {**page.SCREEN._read_state(page.ViewParams())[0]}
    with app.server.test_request_context("/complaints"):
        act_as_service("wall-pc", role="wall")
        with pytest.raises(Forbidden):
            page.export_file(state, "csv")
    before = len(read_audit(action="export")[0])
    with app.server.test_request_context("/complaints"):
        act_as_service("analyst", (STREET,), role="analyst")
        file = page.export_file(state, "csv")
    rows = read_audit(action="export")[0]  # newest first
    assert len(rows) == before + 1
    row = rows.iloc[0]
    assert row["target"] == "complaints"
    assert row["username"] == "system:analyst" and row["detail"]["file"] == file["filename"]
