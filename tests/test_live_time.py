"""Time is true (issue 13 §1): the bureau's zone everywhere, data never later than now, 今日 rolls
over at midnight, and late sources are named."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from components.sources import late_sources_text, silence_text
from dashboard.settings import Settings
from data_access import cache, schema
from data_access.api.sources import (
    SOURCES,
    in_office_hours,
    late_sources,
    parse_freshness,
    parse_office_hours,
    source_ages,
)
from data_access.db import get_meta, make_engine, store
from ingest.generate import cutoff_for
from tests.conftest import SMALL_UNTIL

HOURS = (time(8), time(20))
DEFAULT_LIMITS = parse_freshness(Settings.model_fields["source_freshness"].default)


def _copy(small_store_url: str, tmp_path) -> sa.Engine:
    dst = tmp_path / "live.sqlite"
    shutil.copy(sa.make_url(small_store_url).database, dst)
    return make_engine(f"sqlite:///{dst}")


# --- the bureau's clock --------------------------------------------------------------------------

def test_lt001_settings_now_is_the_bureaus_zone():
    utc = Settings(timezone="UTC").now()
    shanghai = Settings().now()
    assert round((shanghai - utc).total_seconds() / 3600) == 8
    with pytest.raises(ValueError):
        Settings(timezone="Mars/Olympus")


def test_lt002_cutoff_never_later_than_now():
    now = datetime(2026, 12, 8, 2, 52, 31)
    assert cutoff_for(date(2026, 12, 8), now) == datetime(2026, 12, 8, 2, 52)
    # a cut-off day still to come is capped at the current minute, not its 23:59:59
    assert cutoff_for(date(2026, 12, 9), now) == datetime(2026, 12, 8, 2, 52)
    assert cutoff_for(date(2026, 12, 7), now) == datetime(2026, 12, 7, 23, 59, 59)


def test_lt003_generate_defaults_to_today_in_the_bureaus_zone(monkeypatch, tmp_path):
    """On a UTC machine at 18:52 on 7 December, Shanghai is already at 02:52 on the 8th."""
    import ingest.generate
    from dashboard.cli import main

    seen = {}

    def fake_generate(engine, **kwargs):
        seen.update(kwargs)
        return {}

    monkeypatch.setattr(ingest.generate, "generate", fake_generate)
    monkeypatch.setattr(Settings, "now", lambda self: datetime(2026, 12, 8, 2, 52))
    args = ["--data-dir", str(tmp_path), "generate", "--scale", "small", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert seen["until"] == date(2026, 12, 8)
    assert seen["now"] == datetime(2026, 12, 8, 2, 52)


def test_lt004_simulate_stamps_events_in_the_bureaus_zone(small_store_url, tmp_path):
    from data_access.freshness import data_time
    from ingest.simulate import run

    engine = _copy(small_store_url, tmp_path)
    with engine.connect() as conn:
        before = data_time(conn)
    later = datetime.combine(SMALL_UNTIL + timedelta(days=1), time(9, 5))
    stats = run(engine, interval_s=0.01, duration_s=0.05, speed=100_000.0, seed=1, clock=lambda: later)
    assert stats.appended["complaint"] > 0
    with engine.connect() as conn:
        after = data_time(conn)
        newest = conn.execute(sa.select(sa.func.max(schema.complaint.c.received_at))).scalar()
    assert before < after <= later   # "数据截至" moves, and never past the clock
    assert datetime.fromisoformat(str(newest)) <= later
    engine.dispose()


def test_lt005_simulate_default_clock_is_shanghai_not_the_machines(small_store_url, tmp_path):
    from zoneinfo import ZoneInfo

    from ingest.simulate import run

    engine = _copy(small_store_url, tmp_path)
    run(engine, interval_s=0.01, duration_s=0.02, speed=500.0, seed=2)
    with engine.connect() as conn:
        stamp = get_meta(conn, "simulated_at")
    expected = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((datetime.fromisoformat(stamp) - expected).total_seconds()) < 60
    engine.dispose()


# --- 今日 rolls over at midnight ---------------------------------------------------------------------

def test_lt006_today_rolls_over_with_the_data_time(small_store_url, tmp_path):
    """The 今日 KPIs are relative to the data time of the version read: after midnight, the first
    refresh that sees a new day's events starts 今日 from zero — what the wall's next tick shows."""
    from data_access.api.indicators import kpis
    from data_access.refresh import refresh
    from ingest.simulate import Simulator

    engine = _copy(small_store_url, tmp_path)
    refresh(engine, progress=False)
    store.configure(engine.url.render_as_string(hide_password=False))
    cache.reset()
    try:
        first = kpis(("complaint.received",), "today")
        assert first["data_time"].iloc[0].date() == SMALL_UNTIL
        assert first["value"].iloc[0] > 0
        sim = Simulator(engine, seed=5, speed=3.0)
        just_after_midnight = datetime.combine(SMALL_UNTIL + timedelta(days=1), time(0, 3))
        counts = sim.tick(just_after_midnight, minutes=2.0)
        refresh(engine, progress=False)
        second = kpis(("complaint.received",), "today")
        assert second["data_time"].iloc[0].date() == just_after_midnight.date()
        assert second["value"].iloc[0] == counts["complaint"]
        assert second["previous"].iloc[0] == first["value"].iloc[0]   # yesterday is now the 上期
    finally:
        store.dispose()
        cache.reset()
        engine.dispose()


# --- late sources ----------------------------------------------------------------------------------

def test_lt007_freshness_settings_parse():
    assert set(DEFAULT_LIMITS) == set(SOURCES)
    assert parse_freshness("complaints=120/720, alarms=30") == {"complaints": (120, 720), "alarms": (30, 30)}
    for bad in ("nosuch=10", "complaints=abc", "complaints=0/10"):
        with pytest.raises(ValueError):
            parse_freshness(bad)
    assert parse_office_hours("08:00-20:00") == HOURS
    with pytest.raises(ValueError):
        parse_office_hours("20:00-08:00")
    assert in_office_hours(datetime(2026, 12, 7, 9, 0), HOURS)        # a Monday morning
    assert not in_office_hours(datetime(2026, 12, 7, 21, 0), HOURS)   # the evening
    assert not in_office_hours(datetime(2026, 12, 5, 10, 0), HOURS)   # a Saturday


def test_lt008_late_sources_named_with_office_hours(small_engine):
    ages = {a.source: a for a in source_ages(datetime.combine(SMALL_UNTIL, time(21, 30)),
                                             DEFAULT_LIMITS, HOURS, engine=small_engine)}
    assert set(ages) == set(SOURCES)
    assert not ages["complaints"].late and not ages["alarms"].late
    # Friday 20 Nov is the small district's last day (newest complaint 21:23); on Saturday at 14:00
    # (outside office hours) complaints are allowed 12 h of silence, so they are late; registrations
    # (a date, complete at the end of that day) are not.
    saturday = datetime(2026, 11, 21, 14, 0)
    late = {a.source: a for a in late_sources(saturday, DEFAULT_LIMITS, HOURS, engine=small_engine)}
    assert "complaints" in late and "registrations" not in late
    text = late_sources_text([late["complaints"]], saturday)
    assert text == "数据源延迟：投诉举报 16 小时无新数据（最新 11月20日 21:23）"
    several = late_sources_text([late["complaints"], late["alarms"]], saturday)
    assert several == "数据源延迟：投诉举报 16 小时、设备告警 19 小时无新数据"
    # the same silence on a weekday morning is judged by the office-hours limit (2 h)
    monday = datetime(2026, 11, 23, 9, 0)
    late_monday = {a.source for a in late_sources(monday, {"complaints": (120, 4000)}, HOURS,
                                                  engine=small_engine)}
    assert late_monday == {"complaints"}
    assert late_sources(monday, {"complaints": (6000, 6000)}, HOURS, engine=small_engine) == []


def test_lt009_silence_text():
    assert silence_text(45) == "45 分钟"
    assert silence_text(180) == "3 小时"
    assert silence_text(3 * 24 * 60 + 5) == "3 天"
    assert late_sources_text([], datetime(2026, 11, 21)) == ""


def _day(value) -> date:
    return datetime.fromisoformat(str(value)).date()


def test_lt010_the_walls_refresh_rolls_over_at_midnight(small_store_url, tmp_path):
    """A wall left open: its next tick after midnight (once a new day's events are in the read
    layer) shows the new day — the overview's refresh callback, called as the tick calls it."""
    from dashboard.app import create_app
    from data_access.refresh import refresh
    from ingest.simulate import Simulator

    engine = _copy(small_store_url, tmp_path)
    refresh(engine, progress=False)
    create_app(Settings(database_url=engine.url.render_as_string(hide_password=False),
                        data_dir=tmp_path / "app", cache_type="simple"))
    import pages.overview as page

    def today_complaints(refreshed) -> int:
        found = []

        def walk(node) -> None:   # the KPI strip, as components or as their JSON
            if hasattr(node, "to_plotly_json"):
                node = node.to_plotly_json()
            if isinstance(node, list | tuple):
                for child in node:
                    walk(child)
            elif isinstance(node, dict):
                props = node.get("props", node)
                if props.get("data-indicator") == "complaint.received":
                    found.append(props["data-value"])
                walk(props.get("children"))

        walk(refreshed.values[0])
        return int(float(found[0]))   # 今日受理投诉举报 comes before 本周

    view = {"kiosk": "1", "theme": "dark"}
    try:
        before = page.refresh({"street": None}, view)
        assert _day(before.data_time) == SMALL_UNTIL and today_complaints(before) > 0
        midnight = datetime.combine(SMALL_UNTIL + timedelta(days=1), time(0, 3))
        counts = Simulator(engine, seed=9, speed=3.0).tick(midnight, minutes=2.0)
        refresh(engine, progress=False)
        after = page.refresh({"street": None}, view)
        assert _day(after.data_time) == midnight.date()
        assert today_complaints(after) == counts["complaint"]
    finally:
        store.dispose()
        cache.reset()
        engine.dispose()


def test_lt011_shell_note_only_on_the_wall(small_store_url, tmp_path):
    from dashboard.app import _late_sources_note

    store.configure(small_store_url)
    try:
        note = _late_sources_note(Settings(database_url=small_store_url, data_dir=tmp_path))
        assert note([], "?kiosk=1").startswith("数据源延迟：")   # the small district ends on 20 Nov
        assert note([], "") == "" and note([], None) == ""
    finally:
        store.dispose()
