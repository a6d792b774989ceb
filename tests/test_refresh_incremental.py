"""The incremental refresh gives the read layer a full rebuild gives, on SQLite and PostgreSQL.

Each round changes the source at random — complaints, alarms and incidents appended (today and
days, months, years back), complaints closed, case stages moved on, warnings handled, a complaint
deleted, rows imported with ``smartsup import`` — refreshes incrementally, then rebuilds in full
and compares every mart of the two versions, row by row (order-independent, floats to 1e-6).
"""

from __future__ import annotations

import csv
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access import changes
from data_access import schema as s
from data_access.db import get_meta, make_engine
from data_access.freshness import data_time
from data_access.marts import MARTS, table_name
from data_access.refresh import needs_refresh, refresh
from ingest.importer import import_file
from tests.conftest import SMALL_SEED, SMALL_UNTIL, _pg_store
from tests.test_refresh import refreshed_copy

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _canon(value: object) -> object:
    if isinstance(value, float):
        if value != value:
            return "nan"
        return round(value, 6) + 0.0 if not float(value).is_integer() else int(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if value is None:
        return "∅"
    return str(value) if not isinstance(value, int | bool) else int(value)


def _rows(conn: sa.Connection, physical: str) -> list[tuple]:
    result = conn.execute(sa.text(f'SELECT * FROM "{physical}"'))
    cols = list(result.keys())
    return sorted((tuple(_canon(v) for v in row) for row in result), key=repr), cols


def assert_versions_equal(engine: sa.Engine, a: int, b: int) -> None:
    """Every mart of version ``a`` holds exactly the rows of version ``b``."""
    diffs = []
    with engine.connect() as conn:
        for name in MARTS:
            ra, ca = _rows(conn, table_name(name, a))
            rb, cb = _rows(conn, table_name(name, b))
            if ca != cb:
                diffs.append(f"{name}: columns {ca} != {cb}")
            elif ra != rb:
                only_a = [r for r in ra if r not in set(rb)][:3]
                only_b = [r for r in rb if r not in set(ra)][:3]
                diffs.append(
                    f"{name}: {len(ra)} vs {len(rb)} rows; only incremental {only_a}; only full {only_b}"
                )
    assert not diffs, "\n".join(diffs)


def _pick(conn: sa.Connection, table: sa.Table, rng: random.Random, n: int, *where) -> list[dict]:
    rows = [
        dict(r._mapping) for r in conn.execute(sa.select(table).where(*where).order_by(*table.primary_key))
    ]
    return rng.sample(rows, min(n, len(rows)))


def change_at_random(engine: sa.Engine, seed: int, tmp: Path) -> None:
    """Appends, updates, a delete and an import, all at or before the data time (same data date)."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        now = data_time(conn)
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)

        def when() -> datetime:
            back = rng.choice(
                [
                    timedelta(seconds=rng.randint(0, int((now - start_of_day).total_seconds()))),
                    timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600)),
                    timedelta(days=rng.randint(60, 200)),
                    timedelta(days=rng.randint(500, 900)),  # before the day tables' window
                ]
            )
            return (now - back).replace(microsecond=0)

        c = s.complaint
        for i, row in enumerate(_pick(conn, c, rng, 6, c.c.status == "closed")):
            at = when()
            row.update(
                id=f"TX{seed:03d}{i:05d}",
                received_at=at,
                status=rng.choice(["received", "in_progress"]),
                closed_at=None,
                due_at=at + timedelta(days=7),
            )
            conn.execute(sa.insert(c).values(**row))
        for row in _pick(conn, c, rng, 4, c.c.status.in_(["received", "accepted", "in_progress"])):
            closed = min(now, row["received_at"] + timedelta(hours=rng.randint(1, 48)))
            conn.execute(sa.update(c).where(c.c.id == row["id"]).values(status="closed", closed_at=closed))
        victim = _pick(conn, c, rng, 1, c.c.status == "rejected", c.c.id.not_in(sa.select(s.warning.c.id)))
        if victim and not _referenced(conn, victim[0]["id"]):
            conn.execute(sa.delete(c).where(c.c.id == victim[0]["id"]))
        cf = s.case_file
        for row in _pick(conn, cf, rng, 3, cf.c.stage != "closed"):
            conn.execute(
                sa.update(cf)
                .where(cf.c.case_no == row["case_no"])
                .values(stage="closed", closed_on=now.date())
            )
        a = s.device_alarm
        top = conn.execute(sa.select(sa.func.max(a.c.id))).scalar_one()
        for i, row in enumerate(_pick(conn, a, rng, 5)):
            at = when()
            row.update(id=top + 1 + i, at=at, pushed_at=at, rectified_at=None)
            conn.execute(sa.insert(a).values(**row))
        w = s.warning
        for row in _pick(conn, w, rng, 2, w.c.status == "handling"):
            conn.execute(sa.update(w).where(w.c.id == row["id"]).values(status="closed", closed_at=now))
        inc = s.incident
        for i, row in enumerate(_pick(conn, inc, rng, 2)):
            row.update(id=f"IX{seed:03d}{i:04d}", reported_at=when(), resolved_at=None, status="reported")
            conn.execute(sa.insert(inc).values(**row))
    # an import: new rows the first time, then changed summaries (updates through the importer)
    with (SAMPLES / "complaint_good.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for r in rows[1:]:
        r[10] = f"{r[10]}（第 {seed} 轮）"
    path = tmp / f"complaints_{seed}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    # (two sample rows name entities of the sample entity file, not in this district: rejected)
    assert import_file(engine, "complaint", path, reject_file=tmp / f"rejects_{seed}.csv").changed > 0


def _referenced(conn: sa.Connection, complaint_id: str) -> bool:
    for t in s.SOURCE_TABLES:
        for fk in t.foreign_keys:
            if fk.column.table is s.complaint:
                if conn.execute(sa.select(sa.func.count()).where(fk.parent == complaint_id)).scalar_one():
                    return True
    return False


def _rounds(engine: sa.Engine, seeds: list[int], tmp: Path) -> None:
    for seed in seeds:
        change_at_random(engine, seed, tmp)
        assert needs_refresh(engine)
        inc = refresh(engine, progress=False)
        assert inc.mode == "incremental", inc.full_reason
        assert inc.partial and inc.carried, inc.summary()  # days recomputed, untouched marts kept
        assert "complaint_recv_d" in inc.partial and "entity_stock" in inc.carried
        # after a refresh in this process, the model features of unchanged tables are kept (the
        # entity spine, licences, …) and the comparison below shows the models are still right
        assert inc.features_reused > 5 or seed == seeds[0]
        assert not needs_refresh(engine)
        full = refresh(engine, progress=False, full=True)
        assert full.mode == "full" and full.version == inc.version + 1
        assert_versions_equal(engine, inc.version, full.version)


def test_inc001_incremental_equals_full_on_sqlite(tmp_path, tmp_path_factory, small_store_url):
    path = tmp_path / "store.sqlite"
    shutil.copy(sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        _rounds(engine, [11, 12], tmp_path)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def writable_pg():
    """A PostgreSQL store of its own with the small district (this module writes to it)."""
    from ingest.generate import generate

    for engine in _pg_store():
        generate(engine, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
        refresh(engine, progress=False)
        yield engine


def test_inc002_incremental_equals_full_on_postgres(writable_pg, tmp_path):
    _rounds(writable_pg, [21, 22], tmp_path)


def test_inc003_what_forces_a_full_rebuild(writable_pg, tmp_path):
    engine = writable_pg
    assert refresh(engine, progress=False).mode == "incremental"
    with engine.begin() as conn:  # triggers gone (as after a generate): the log is not complete
        changes.uninstall(conn)
        assert not changes.installed(conn)
    r = refresh(engine, progress=False)
    assert (r.mode, r.full_reason) == ("full", "变更记录刚建立")
    with engine.connect() as conn:
        assert changes.installed(conn)
    # a change to a table every model reads rebuilds the models; the watermark moves on
    with engine.begin() as conn:
        conn.execute(
            sa.update(s.entity)
            .where(s.entity.c.uscc == sa.select(sa.func.min(s.entity.c.uscc)).scalar_subquery())
            .values(name="增量测试主体")
        )
    r = refresh(engine, progress=False)
    assert r.mode == "incremental" and "search_key" in r.rebuilt and "model_credit_risk" in r.rebuilt
    with engine.connect() as conn:
        assert not changes.pending(conn)
        assert get_meta(conn, "refresh_mode") == "incremental"


def test_inc004_watcher_refreshes_when_an_event_arrives_and_stops_on_sigterm(
    tmp_path, tmp_path_factory, small_store_url
):
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "store.sqlite"
    shutil.copy(sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "SMARTSUP_DATA_DIR": str(tmp_path)}
    cmd = [
        sys.executable,
        "-m",
        "dashboard.cli",
        "--database-url",
        url,
        "refresh",
        "--watch",
        "--interval",
        "0.3",
    ]
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().startswith("监视源数据变动")
        with engine.connect() as conn:
            before = int(get_meta(conn, "data_version"))
        with engine.begin() as conn:
            row = dict(conn.execute(sa.select(s.complaint).limit(1)).one()._mapping)
            now = data_time(conn)
            row.update(id="TW000000001", received_at=now, status="received", closed_at=None)
            conn.execute(sa.insert(s.complaint).values(**row))
        written = time.monotonic()
        version = before
        while version == before and time.monotonic() - written < 60:
            time.sleep(0.1)
            with engine.connect() as conn:
                version = int(get_meta(conn, "data_version"))
        seen = time.monotonic() - written
        assert version == before + 1, "the watcher did not refresh within 60 s"
        # about 2 s on a quiet machine (poll 0.3 s + an incremental refresh of the small store)
        assert seen < 20, f"visible after {seen:.1f} s"
        line = proc.stdout.readline()
        assert f"版本 {version} incremental" in line and "complaint 1" in line, line
        with engine.connect() as conn:
            r = conn.execute(
                sa.text(f'SELECT SUM(n) FROM "{table_name("complaint_recv_d", version)}" WHERE day = :d'),
                {"d": now.date().isoformat()},
            ).scalar_one()
            r_before = conn.execute(
                sa.text(f'SELECT SUM(n) FROM "{table_name("complaint_recv_d", before)}" WHERE day = :d'),
                {"d": now.date().isoformat()},
            ).scalar_one()
        assert r == r_before + 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        engine.dispose()
    assert proc.returncode == 0, err
    assert "已停止：共刷新 1 次" in out


def test_inc005_carried_versions_keep_their_base_tables_and_drop_the_rest(
    tmp_path, tmp_path_factory, small_store_url
):
    from data_access.refresh import _layer_objects

    path = tmp_path / "store.sqlite"
    shutil.copy(sa.make_url(refreshed_copy(tmp_path_factory, small_store_url)).database, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            start = int(get_meta(conn, "data_version"))
        for _ in range(3):  # nothing changed: everything but build_info/street_dim is carried over
            r = refresh(engine, progress=False)
            assert r.mode == "incremental" and set(r.rebuilt) == {"build_info", "street_dim"}
        with engine.connect() as conn:
            objects = _layer_objects(conn)
            versions = {v for _, v, _ in objects.values()}
            # the live and the previous version, and the tables their views read (the full build)
            assert versions == {start, start + 2, start + 3}
            assert all(
                is_view
                for name, v, is_view in objects.values()
                if v > start and name != "build_info" and name != "street_dim"
            )
            for v in (start + 2, start + 3):
                for name in MARTS:
                    conn.execute(sa.text(f'SELECT COUNT(*) FROM "{table_name(name, v)}"')).scalar_one()
        refresh(engine, progress=False, full=True)  # a full rebuild frees the old base tables
        with engine.connect() as conn:
            assert {v for _, v, _ in _layer_objects(conn).values()} == {start + 3, start + 4} | {start}
        refresh(engine, progress=False, full=True)
        with engine.connect() as conn:
            assert {v for _, v, _ in _layer_objects(conn).values()} == {start + 4, start + 5}
    finally:
        engine.dispose()
