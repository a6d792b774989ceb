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


def test_sim003_patrols_of_the_active_mission_and_work_orders(small_store_url, tmp_path):
    """Sites of the active mission are patrolled as they fall due (overdue ones caught up within the
    hour); new alarms, warnings, complaints and incidents raise 城运 work orders naming them."""
    engine = _copy(small_store_url, tmp_path)
    sim = Simulator(engine, seed=5, speed=5.0)
    active = sim.sites[(sim.sites["starts_on"] <= "2026-11-21") & (sim.sites["ends_on"] >= "2026-11-21")]
    assert len(active) > 0
    now = datetime(2026, 11, 21, 0, 30)
    total = {"patrol": 0, "work_order": 0}
    for k in range(12):
        counts = sim.tick(now + timedelta(minutes=5 * k), minutes=5.0)
        for key in total:
            total[key] += counts[key]
    assert total["patrol"] > 0 and total["work_order"] > 0
    end = now + timedelta(minutes=55)
    with engine.connect() as conn:
        p, s, m = schema.assurance_patrol, schema.assurance_site, schema.assurance_mission
        new = conn.execute(
            sa.select(p.c.site_id, m.c.starts_on, m.c.ends_on, p.c.staff_id)
            .select_from(p.join(s, s.c.id == p.c.site_id).join(m, m.c.id == s.c.mission_id))
            .where(p.c.at > datetime(2026, 11, 21))
        ).all()
        assert len(new) == total["patrol"]
        assert all(r.starts_on <= end.date() <= r.ends_on and r.staff_id is not None for r in new)
        # An hour on, no high-tier site of the active mission is left more than an interval behind.
        last = conn.execute(
            sa.select(s.c.patrol_interval_hours, sa.func.max(p.c.at))
            .select_from(s.join(p, p.c.site_id == s.c.id).join(m, m.c.id == s.c.mission_id))
            .where(m.c.starts_on <= end.date(), m.c.ends_on >= end.date(), s.c.patrol_interval_hours == 2)
            .group_by(s.c.id, s.c.patrol_interval_hours)
        ).all()
        late = [r for r in last if (end - r[1]).total_seconds() > 2 * 3600]
        assert len(late) <= max(1, len(last) // 5)
        w = schema.city_work_order
        orders = conn.execute(sa.select(w).where(w.c.id.like("CYS%"))).all()
        assert len(orders) == total["work_order"]
        assert all(o.status == "pushed" and o.created_at <= o.pushed_at <= end and o.due_at > o.created_at
                   for o in orders)
        sources = {
            "warning": set(conn.execute(sa.select(schema.warning.c.id)).scalars()),
            "incident": set(conn.execute(sa.select(schema.incident.c.id)).scalars()),
            "complaint": set(conn.execute(sa.select(schema.complaint.c.id)).scalars()),
            "ai_alarm": {str(i) for i in conn.execute(sa.select(schema.device_alarm.c.id)).scalars()},
        }
        assert all(o.source_id in sources[o.source] for o in orders)
    engine.dispose()
