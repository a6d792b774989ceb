"""社会共治, 党建, 重大事项保障 and 城运大屏 on the small district in PostgreSQL: each page's KPI
``data-value``s (wall and analyst, the district and one street) equal the indicator library's values
read from the same store, and each page draws its panels there (the SQLite side is in
tests/test_screen_<name>.py)."""

from __future__ import annotations

import importlib

import pytest

from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from data_access.api import extra_screens
from tests.screens4_helpers import kpis
from tests.test_refresh import refreshed_pg

PAGES = ("co_governance", "party_building", "major_events", "city_ops")
HUACAO = "310112106000"  # holds sites of the mission, work orders and party organisations


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_pg_engine):
    engine = refreshed_pg(small_pg_engine)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("s4pg"), cache_type="null",
                              statement_timeout_ms=0))
    yield app
    cache.reset()


def _expected(page, street: str | None) -> dict[str, float]:
    scope = (street,) if street else None
    if hasattr(page, "ORG_KPIS"):  # 党建 reads its strip in two groups
        ids = (*page.ORG_KPIS, *page.ACTIVITY_KPIS)
    else:
        ids = page.KPI_IDS
    period = getattr(page, "KPI_PERIOD", None) or ("year" if hasattr(page, "ORG_KPIS") else "month")
    f = extra_screens.screen_kpis(tuple(ids), period, scope)
    return dict(zip(f["indicator_id"], f["value"], strict=True))


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("street", [None, HUACAO], ids=["district", "huacao"])
def test_s4pg001_kpis_equal_the_indicator_library(app, name, street):
    page = importlib.import_module(f"pages.{name}")
    expected = _expected(page, street)
    query = {"street": street} if street else {}
    for mode in ({"kiosk": "1"}, {}):
        layout = page.layout(**mode, **query)
        assert layout.id == f"page-{name.replace('_', '-')}"
        shown = kpis(layout)
        assert list(shown) == list(page.KPI_IDS)
        for i, v in shown.items():
            assert v == pytest.approx(expected[i], rel=1e-6, abs=1e-6, nan_ok=True), (name, street, i)
    if street is None:
        assert any(v for v in shown.values() if v == v)


@pytest.mark.parametrize("street", [None, HUACAO], ids=["district", "huacao"])
def test_s4pg002_kpis_equal_the_panels_read_api(app, street):
    """The strips against the read API's panel frames on PostgreSQL (another path to the same numbers)."""
    from data_access.api import screens4 as api4

    scope = (street,) if street else None
    m = extra_screens.period_bounds("month")
    y = extra_screens.period_bounds("year")
    query = {"street": street} if street else {}

    def shown(name: str) -> dict[str, float]:
        return kpis(importlib.import_module(f"pages.{name}").layout(**query))

    cogov = shown("co_governance")
    kinds = api4.qr_scans_by("kind", m["start"], m["end"], scope)
    assert cogov["cogov.qr_scans"] == kinds["n"].sum()
    assert cogov["cogov.commitments_active"] == api4.commitments_by_street(scope)["assured_consumption"].sum()
    party = shown("party_building")
    assert party["party.orgs"] == api4.party_orgs_by("kind", scope)["n"].sum()
    acts = api4.party_activities_by("kind", y["start"], y["end"], scope)
    assert party["party.activities"] == acts["n"].sum()
    assure = shown("major_events")
    sites = api4.assurance_sites(None, scope).frame
    assert assure["assurance.sites"] == len(sites)
    assert assure["assurance.patrols_overdue"] == sites["overdue"].sum()
    city = shown("city_ops")
    assert city["cityops.orders"] == api4.city_orders_by("source", m["start"], m["end"], scope)["n"].sum()
    assert city["cityops.orders_open"] == api4.city_order_status(scope)["open"].sum()
