"""Rebuild the read-optimised layer (``smartsup refresh``), atomically.

Version N+1 of every read table is built beside the live version N under its own suffix
(``rl_<name>__v<N+1>``); then the single ``meta`` row ``data_version`` is switched. Readers resolve
the version once per read and use only that version's tables, so they see the old complete set or
the new one, never a mix. Version N is kept until the next refresh (a reader that resolved it just
before the switch still finds its tables); older versions are dropped.

PostgreSQL builds the whole version in one REPEATABLE READ transaction: one snapshot of the source,
and the switch commits with the tables. SQLite commits after each table, so the single writer lock
is never held for long (the live simulator keeps appending); the switch is the last short
transaction. A lock (an advisory lock, or a lock file beside the SQLite file) keeps two refreshes
from building the same version.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tqdm import tqdm

from data_access.db import get_meta, set_meta
from data_access.freshness import data_time
from data_access.indicators import standard_values
from data_access.marts import (
    CUBES,
    MARTS,
    SOURCE_NAMES,
    VERSION_KEY,
    BuildContext,
    Mart,
    current_version,
    parse_table_name,
    signature,
    table_name,
)
from data_access.marts.derived import STANDARD_VALUES, compute_derived, model_frames
from data_access.schema import SOURCE_TABLES

log = logging.getLogger(__name__)

#: meta keys written by the sources; a value newer than ``refreshed_at`` means the layer is stale.
SOURCE_STAMPS = ("generated_at", "imported_at", "simulated_at", "drawn_at")
_PG_LOCK_KEY = 0x5AA7_0001
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: SQL marts built at once on SQLite (the machine this is sized for has two cores).
PARALLEL_BUILDS = 2


@dataclass
class RefreshResult:
    """What a refresh built: the new version, the data time it reflects, rows and timings."""

    version: int
    data_time: datetime | None
    refreshed_at: datetime
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)
    step_cpu_seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """A one-line Chinese summary for the command line."""
        dt = f"{self.data_time:%Y-%m-%d %H:%M}" if self.data_time else "（库为空）"
        return (
            f"读优化层已刷新为版本 {self.version}：{len(self.rows)} 张表，"
            f"{sum(self.rows.values()):,} 行，数据截至 {dt}，用时 {self.seconds:.1f} 秒"
        )


def _source_stamps(conn: sa.Connection) -> dict[str, str | None]:
    return {key: get_meta(conn, key) for key in SOURCE_STAMPS}


def _now() -> datetime:
    """Local time in Asia/Shanghai, the zone every instant of the store is in."""
    return datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def needs_refresh(engine: Engine) -> bool:
    """Whether the read layer is missing, built by a different layout, or older than the source.

    The source changed when a ``generated_at``/``imported_at``/``simulated_at`` stamp in ``meta``
    differs from the one the last refresh saw. Comparing the stamps themselves, not clocks, keeps
    this right whatever zone or clock each writer used.
    """
    with engine.connect() as conn:
        version = current_version(conn)
        if version is None:
            return True
        if get_meta(conn, "read_layer_signature") != signature():
            return True
        existing = set(sa.inspect(conn).get_table_names())
        if any(table_name(name, version) not in existing for name in MARTS):
            return True
        seen = get_meta(conn, "refresh_source_stamps")
        return seen is None or json.loads(seen) != _source_stamps(conn)


@contextlib.contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    db = engine.url.database
    if not db or db == ":memory:":
        yield
        return
    path = Path(db).with_name(Path(db).name + ".refresh.lock")
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _pg_lock(conn: sa.Connection) -> Iterator[None]:
    # A session lock taken (and committed) before the build's snapshot: a refresh that waited here
    # then sees the version the other one committed, and builds the next.
    conn.execute(sa.select(sa.func.pg_advisory_lock(_PG_LOCK_KEY)))
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.execute(sa.select(sa.func.pg_advisory_unlock(_PG_LOCK_KEY)))
        conn.commit()


_BUILD_PRAGMAS = {"mmap_size": "1073741824", "temp_store": "MEMORY", "cache_size": "-65536"}


@contextlib.contextmanager
def _tuned(conn: sa.Connection) -> Iterator[None]:
    """SQLite settings for a build connection: reads through mmap (a quarter of the refresh's CPU
    was system time copying pages), sorts in memory, a larger page cache. Restored afterwards,
    because the connection goes back to a pool the app's readers share."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    before = {k: raw.execute(f"PRAGMA {k}").fetchone()[0] for k in _BUILD_PRAGMAS}
    for k, v in _BUILD_PRAGMAS.items():
        raw.execute(f"PRAGMA {k} = {v}")
    try:
        yield
    finally:
        for k, v in before.items():
            raw.execute(f"PRAGMA {k} = {v}")


def _analyze_if_never(conn: sa.Connection) -> None:
    """ANALYZE source tables PostgreSQL has no statistics for yet (just bulk-loaded by a generate or
    an import, before autovacuum came by): without them the planner guesses the build's joins."""
    names = [t.name for t in SOURCE_TABLES]
    fresh = (
        conn.execute(
            sa.text(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND relname IN :names AND last_analyze IS NULL AND last_autoanalyze IS NULL"
            ).bindparams(sa.bindparam("names", expanding=True)),
            {"names": names},
        )
        .scalars()
        .all()
    )
    for name in fresh:
        conn.execute(sa.text(f'ANALYZE "{name}"'))


def _versions_present(conn: sa.Connection) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for physical in sa.inspect(conn).get_table_names():
        parsed = parse_table_name(physical)
        if parsed:
            out.setdefault(parsed[1], []).append(physical)
    return out


def _drop(conn: sa.Connection, physical: str) -> None:
    conn.execute(sa.text(f'DROP TABLE IF EXISTS "{physical}"'))


def refresh(engine: Engine, *, progress: bool = True) -> RefreshResult:
    """Rebuild every read table as a new version and switch to it atomically.

    Bumps ``meta.data_version`` (part of every cache key), records ``refreshed_at``,
    ``source_data_time`` and the layout signature, and drops versions older than the previous.
    """
    t0 = time.perf_counter()
    pg = engine.dialect.name == "postgresql"
    with engine.connect() as conn, _pg_lock(conn) if pg else _sqlite_lock(engine), _tuned(conn):
        # The warning rules raise their new warnings first (own transaction), so the marts count them.
        from data_access.rules import evaluate as evaluate_rules

        rules_run = evaluate_rules(engine)
        if pg:
            conn.execution_options(isolation_level="REPEATABLE READ")
            # The app's per-statement timeout guards web reads; a build statement may run longer.
            conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
            conn.execute(sa.text("SET LOCAL work_mem = '64MB'"))
            _analyze_if_never(conn)
        old = current_version(conn) or 0
        for v, tables in _versions_present(conn).items():
            if v not in (old, old - 1):
                for physical in tables:
                    _drop(conn, physical)
        new = old + 1
        dt = data_time(conn)
        stamps = _source_stamps(conn)
        ctx = BuildContext(conn, new, dt or _now(), MARTS, CUBES)
        # The models and tags are Python work over their own reads: they run in a thread beside
        # the SQL marts (SQLite and psycopg release the GIL while the database works), sharing
        # the build's snapshot on PostgreSQL.
        snapshot = conn.execute(sa.select(sa.func.pg_export_snapshot())).scalar_one() if pg else None
        if not pg:
            conn.commit()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-models")
        ctx.extra["derived"] = pool.submit(_derived, engine, ctx.as_of, snapshot)
        # The indicator_value mart stores the indicator library evaluated over this very version.
        ctx.extra[STANDARD_VALUES] = standard_values
        result = RefreshResult(new, dt, _now(), 0.0)
        result.step_seconds["warning_rules"] = rules_run.seconds
        bar = tqdm(total=len(MARTS), desc="刷新读优化层", unit="表", disable=not progress, leave=False)
        marts = list(MARTS.values())
        try:
            if not pg:
                parallel = [m for m in marts if m.name in SOURCE_NAMES and m.query is not None]
                _build_parallel(conn, engine, ctx, parallel, bar, result)
                marts = [m for m in marts if m not in parallel]
            _build_all(conn, ctx, marts, bar, result, pg)
        finally:
            bar.close()
            pool.shutdown(wait=True)
        if current_version(conn) != (old or None):
            raise RuntimeError("刷新期间数据版本被其他进程改变，本次刷新作废")
        result.refreshed_at = _now()
        set_meta(
            conn,
            {
                "refresh_source_stamps": json.dumps(stamps, sort_keys=True),
                VERSION_KEY: new,
                "refreshed_at": result.refreshed_at.isoformat(sep=" "),
                # for /metrics in the web workers, which never run a refresh themselves
                "refresh_seconds": f"{time.perf_counter() - t0:.3f}",
                "source_data_time": dt.isoformat(sep=" ") if dt else None,
                "read_layer_signature": signature(),
            },
        )
        conn.commit()
        _drop_older(conn, new, pg)
    result.seconds = time.perf_counter() - t0
    log.info(result.summary())
    return result


def _build_all(
    conn: sa.Connection, ctx: BuildContext, marts: list[Mart], bar: tqdm, result: RefreshResult, pg: bool
) -> None:
    """Build ``marts`` one after the other on the refresh's own connection."""
    for mart in marts:
        bar.set_postfix_str(mart.name)
        started, started_cpu = time.perf_counter(), time.thread_time()
        table = mart.create(ctx, _frame_for(ctx, mart.name) if mart.columns is None else None)
        mart.build(ctx, table)
        result.rows[mart.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        result.step_seconds[mart.name] = time.perf_counter() - started
        result.step_cpu_seconds[mart.name] = time.thread_time() - started_cpu
        if not pg:
            conn.commit()
        bar.update(1)


def _build_parallel(
    conn: sa.Connection,
    engine: Engine,
    ctx: BuildContext,
    marts: list[Mart],
    bar: tqdm,
    result: RefreshResult,
) -> None:
    """Build SQL marts that read only source tables on two connections at once (SQLite).

    SQLite has one writer, and an ``INSERT … SELECT`` holds the write lock for its whole run. So
    each worker runs its SELECT into a TEMP table of its own connection (reads only: both run at
    once, the GIL released while SQLite works) and then copies the result in, which holds the
    write lock only for the copy.
    """
    tables = {m.name: m.create(ctx) for m in marts}
    conn.commit()

    def job(mart: Mart) -> tuple[str, int, float, float]:
        started, started_cpu = time.perf_counter(), time.thread_time()
        with engine.connect() as wc, _tuned(wc):
            sel = mart.query(BuildContext(wc, ctx.version, ctx.data_time, ctx.registry, ctx.cubes))
            compiled = sel.compile(dialect=wc.dialect, compile_kwargs={"render_postcompile": True})
            params = [compiled.params[k] for k in compiled.positiontup]
            cols = ", ".join(f'"{c.name}"' for c in sel.selected_columns)
            tmp = f"build_{mart.name}"
            raw = wc.connection.driver_connection
            cur = raw.cursor()
            try:
                cur.execute(f'CREATE TEMP TABLE "{tmp}" AS {compiled}', params)
                cur.execute(
                    f'INSERT INTO main."{tables[mart.name].name}" ({cols}) SELECT {cols} FROM temp."{tmp}"'
                )
                rows = cur.rowcount
                raw.commit()
                cur.execute(f'DROP TABLE temp."{tmp}"')
            finally:
                cur.close()
        return mart.name, rows, time.perf_counter() - started, time.thread_time() - started_cpu

    with ThreadPoolExecutor(max_workers=PARALLEL_BUILDS, thread_name_prefix="refresh-sql") as pool:
        for done in as_completed([pool.submit(job, m) for m in marts]):
            name, rows, seconds, cpu = done.result()
            result.rows[name], result.step_seconds[name], result.step_cpu_seconds[name] = rows, seconds, cpu
            bar.set_postfix_str(name)
            bar.update(1)


def _derived(engine: Engine, as_of, snapshot: str | None) -> dict[str, object]:
    with engine.connect() as conn, _tuned(conn):
        if snapshot is not None:
            conn.execution_options(isolation_level="REPEATABLE READ")
            if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
                raise ValueError(f"unexpected snapshot id {snapshot!r}")
            # A utility statement takes no bind parameters; the id was checked above.
            conn.execute(sa.text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
        else:
            # One read transaction: a single snapshot of the source for every feature read, and no
            # "schema has changed" while the build creates tables on other connections.
            conn.exec_driver_sql("BEGIN")
        return compute_derived(conn, as_of)


def _frame_for(ctx: BuildContext, name: str):
    return model_frames(ctx)[name.removeprefix("model_")]


def _drop_older(conn: sa.Connection, new: int, pg: bool) -> None:
    """Drop versions before the previous one; a reader holding one only delays this to next time."""
    try:
        if pg:
            conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        for v, tables in _versions_present(conn).items():
            if v < new - 1:
                for physical in tables:
                    _drop(conn, physical)
        conn.commit()
    except sa.exc.DBAPIError as exc:
        conn.rollback()
        log.warning("旧版本读表暂未删除（下次刷新再删）：%s", exc)
