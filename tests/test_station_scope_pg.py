"""A station user's numbers on PostgreSQL: every screen's KPI strip, drawn for a user whose jurisdiction is
one street, equals the indicator library read for that street alone and differs from the district's
(the SQLite side, and the check itself, are in tests/test_station_scope.py)."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.settings import Settings
from data_access import cache
from tests.test_refresh import refreshed_pg
from tests.test_station_scope import SCREENS, check_station_kpis


@pytest.fixture(scope="module")
def app(tmp_path_factory, small_pg_engine):
    engine = refreshed_pg(small_pg_engine)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("stapg"), cache_type="null",
                              statement_timeout_ms=0))
    yield app
    cache.reset()


@pytest.mark.parametrize("name", SCREENS)
def test_stapg001_every_kpi_of_a_station_user_covers_their_street_only(app, name, monkeypatch):
    check_station_kpis(name, monkeypatch)
