"""The live simulator appends plausible, consistent events and tells the refresh."""

import shutil
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from data_access import schema
from data_access.db import get_meta, make_engine
from data_access.freshness import data_time
from ingest.simulate import Simulator


def _copy(small_store_url, tmp_path):
    src = small_store_url.removeprefix("sqlite:///")
    dst = tmp_path / "sim.sqlite"
    shutil.copy(src, dst)
    return make_engine(f"sqlite:///{dst}")


def test_sim001_tick_appends_events_for_active_entities(small_store_url, tmp_path):
    engine = _copy(small_store_url, tmp_path)
    with engine.connect() as conn:
        before = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                  for t in (schema.complaint, schema.device_alarm, schema.warning, schema.incident)}
    sim = Simulator(engine, seed=3, speed=5.0)
    now = datetime(2026, 11, 21, 9, 30)
    counts = sim.tick(now, minutes=2.0)
    assert counts["complaint"] > 0 and counts["alarm"] > 0
    with engine.connect() as conn:
        after = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                 for t in (schema.complaint, schema.device_alarm, schema.warning, schema.incident)}
        assert after["complaint"] - before["complaint"] == counts["complaint"]
        assert after["device_alarm"] - before["device_alarm"] == counts["alarm"]
        assert after["warning"] - before["warning"] == counts["warning"]
        assert after["incident"] - before["incident"] == counts["incident"]
        # Every simulated complaint names an active entity and its street's station.
        c, e, o = schema.complaint, schema.entity, schema.office
        bad = conn.execute(
            sa.select(sa.func.count()).select_from(c.join(e, c.c.uscc == e.c.uscc))
            .where(c.c.id.like("SIMC%"), sa.or_(e.c.status != "active", c.c.street_code != e.c.street_code))
        ).scalar_one()
        assert bad == 0
        wrong_office = conn.execute(
            sa.select(sa.func.count()).select_from(c.join(o, c.c.office_code == o.c.code))
            .where(c.c.id.like("SIMC%"), o.c.street_code != c.c.street_code)).scalar_one()
        assert wrong_office == 0
        assert data_time(conn) >= now - timedelta(minutes=1)
        assert get_meta(conn, "simulated_at") == "2026-11-21 09:30:00"
    # A second tick never reuses an id.
    sim.tick(datetime(2026, 11, 21, 9, 31), minutes=2.0)
    with engine.connect() as conn:
        c = schema.complaint
        ids = list(conn.execute(sa.select(c.c.id).where(c.c.id.like("SIM%"))).scalars())
        assert len(ids) == len(set(ids))
    engine.dispose()


def test_sim002_empty_store_says_what_to_do(sqlite_engine):
    with pytest.raises(RuntimeError, match="smartsup generate"):
        Simulator(sqlite_engine)
