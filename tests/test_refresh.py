"""The refresh: versioned tables, the atomic switch, needs_refresh, cleanup, and readers during a refresh."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access import marts
from data_access.db import get_meta, make_engine, set_meta
from data_access.marts import MARTS, table_name
from data_access.refresh import needs_refresh, refresh


def refreshed_copy(tmp_path_factory: pytest.TempPathFactory, small_store_url: str) -> str:
    """URL of a refreshed copy of the small store, built once per session and then shared read-only.

    Other test modules call this too; the copy on disk is reused, so the session pays for one refresh.
    """
    base = tmp_path_factory.getbasetemp() / "readlayer"
    path = base / "small.sqlite"
    done = base / "refreshed"
    if not done.exists():
        base.mkdir(exist_ok=True)
        shutil.copy(sa.make_url(small_store_url).database, path)
        engine = make_engine(f"sqlite:///{path}")
        refresh(engine, progress=False)
        engine.dispose()
        done.touch()
    return f"sqlite:///{path}"


def refreshed_pg(small_pg_engine: sa.Engine) -> sa.Engine:
    """The session's small PostgreSQL store with a read layer (refreshed once, then read-only)."""
    with small_pg_engine.connect() as conn:
        built = marts.current_version(conn)
    if built is None:
        refresh(small_pg_engine, progress=False)
    return small_pg_engine


@pytest.fixture
def private_copy(tmp_path: Path, small_store_url: str) -> sa.Engine:
    """A private, writable copy of the small store (never refreshed)."""
    path = tmp_path / "store.sqlite"
    shutil.copy(sa.make_url(small_store_url).database, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def _physical(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def test_ref001_builds_every_mart_and_switches(private_copy):
    engine = private_copy
    assert needs_refresh(engine)
    result = refresh(engine, progress=False)
    assert result.version == 1
    assert set(result.rows) == set(MARTS)
    tables = _physical(engine)
    assert all(table_name(n, 1) in tables for n in MARTS)
    with engine.connect() as conn:
        assert get_meta(conn, "data_version") == "1"
        assert get_meta(conn, "source_data_time") == result.data_time.isoformat(sep=" ")
        assert get_meta(conn, "refreshed_at")
    assert result.data_time.date() == date(2026, 11, 20)
    assert result.rows["entity_stock"] > 0 and result.rows["complaint_recv_d"] > 0
    assert result.rows["indicator_value"] > 100
    assert "版本 1" in result.summary()
    assert not needs_refresh(engine)
    # a source stamp that moved (simulator, import) makes the layer stale, whatever its clock
    with engine.begin() as conn:
        set_meta(conn, {"simulated_at": "2026-11-21 09:00:00"})
    assert needs_refresh(engine)
    assert refresh(engine, progress=False, full=True).version == 2
    assert not needs_refresh(engine)
    with engine.begin() as conn:
        set_meta(conn, {"imported_at": "2026-11-21T10:00:00+08:00"})
    assert needs_refresh(engine)
    with engine.begin() as conn:
        set_meta(conn, {"imported_at": None})
        conn.execute(sa.text(f'DROP TABLE "{table_name("case_state", 2)}"'))
    assert needs_refresh(engine)  # a missing table too


def test_ref002_old_versions_and_leftovers_are_dropped(private_copy):
    engine = private_copy
    assert refresh(engine, progress=False).version == 1
    assert refresh(engine, progress=False, full=True).version == 2
    with engine.begin() as conn:  # what a crashed build of version 3 (and a stray 9) leave behind
        conn.execute(sa.text(f'CREATE TABLE "{table_name("entity_stock", 3)}" (x INTEGER)'))
        conn.execute(sa.text(f'CREATE TABLE "{table_name("entity_stock", 9)}" (x INTEGER)'))
    assert refresh(engine, progress=False, full=True).version == 3
    with engine.connect() as conn:
        cols = [c["name"] for c in sa.inspect(conn).get_columns(table_name("entity_stock", 3))]
    assert "n" in cols
    versions = {marts.parse_table_name(t)[1] for t in _physical(engine) if marts.parse_table_name(t)}
    assert versions == {2, 3}  # the live one and the previous one


def _version_snapshot(engine: sa.Engine) -> tuple[int, int, int]:
    """Read the live version's active-entity count twice over: from the stock mart and from the
    stored indicator value; within one version they must agree."""
    with engine.connect() as conn:
        r = marts.reader(conn)
        stock = r.aggregate("entity_stock", ["n"], where={"status": "active"})["n"].iloc[0]
        t = r.table("indicator_value")
        stored = conn.execute(
            sa.select(t.c.value).where(t.c.indicator_id == "entity.active_total")
        ).scalar_one()
        return r.version, int(stock), int(stored)


def test_ref003_readers_never_see_a_mix(tmp_path, tmp_path_factory, small_store_url):
    path = tmp_path / "store.sqlite"
    shutil.copy(sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database, path)
    engine = make_engine(f"sqlite:///{path}")
    _, before, _ = _version_snapshot(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE entity SET status = 'cancelled', status_changed_on = '2026-11-20' WHERE uscc IN "
                "(SELECT uscc FROM entity WHERE status = 'active' ORDER BY uscc LIMIT 25)"
            )
        )
    seen: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    reader_engine = make_engine(engine.url.render_as_string(hide_password=False))

    def read_loop() -> None:
        while not stop.is_set():
            try:
                seen.append(_version_snapshot(reader_engine))
                time.sleep(0.02)  # leave the GIL to the refresh; a few hundred reads are plenty
            except BaseException as exc:  # noqa: BLE001 — the assertion below reports it
                errors.append(exc)
                return

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        refresh(engine, progress=False)
        refresh(engine, progress=False)
    finally:
        stop.set()
        thread.join()
        reader_engine.dispose()
        engine.dispose()
    assert not errors, errors
    assert len(seen) > 5
    assert len({v for v, _, _ in seen}) >= 2  # the loop saw at least one switch
    for version, stock, stored in seen:
        assert stock == stored, (version, stock, stored)
        assert stock == (before if version == 1 else before - 25)


@pytest.mark.postgres
def test_ref004_postgres_refresh(small_pg_engine):
    engine = refreshed_pg(small_pg_engine)
    with engine.connect() as conn:
        version = marts.current_version(conn)
        tables = set(sa.inspect(conn).get_table_names())
        r = marts.reader(conn)
        active = r.aggregate("entity_stock", ["n"], where={"status": "active"})["n"].iloc[0]
        raw = conn.execute(sa.text("SELECT count(*) FROM entity WHERE status = 'active'")).scalar_one()
    assert version >= 1
    assert all(table_name(n, version) in tables for n in MARTS)
    assert active == raw
    assert not needs_refresh(engine)


def test_ref005_every_mart_is_documented():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "data-layer.md").read_text(encoding="utf-8")
    cube_tables = {m.name for c in marts.CUBES.values() for m in c.tables}
    names = set(marts.CUBES) | {n for n in MARTS if n not in cube_tables}
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/data-layer.md does not describe: {missing}"
    assert set(marts.TOPICS) == {
        "市场主体发展态势",
        "企业信用风险分类",
        "互联网以网管网",
        "高质量发展态势",
        "知识产权发展态势",
    }


def test_aggregate_top_groups_in_the_database_equal_sorting_all_groups(tmp_path_factory, small_store_url):
    """``order``/``limit`` keep the same top groups that sorting every group in pandas would, from the
    marts and from the raw tables, across the day and month tables of a ragged period."""
    engine = make_engine(refreshed_copy(tmp_path_factory, small_store_url))
    start, end = date(2025, 10, 17), date(2026, 11, 19)
    try:
        with engine.connect() as conn:
            for raw in (False, True):
                with marts.raw_reads() if raw else _nothing():
                    r = marts.reader(conn)
                    every = r.aggregate("complaint_entity", ["n"], start=start, end=end, by=("uscc",))
                    top = r.aggregate("complaint_entity", ["n"], start=start, end=end, by=("uscc",),
                                      order=(("n", False), ("uscc", True)), limit=7)
                expected = every.sort_values(["n", "uscc"], ascending=[False, True]).head(7)
                assert len(every) > 100 and len(top) == 7
                assert top["uscc"].tolist() == expected["uscc"].tolist()
                assert top["n"].tolist() == expected["n"].tolist()
    finally:
        engine.dispose()


@contextlib.contextmanager
def _nothing():
    yield
