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
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tqdm import tqdm

from data_access import changes
from data_access.db import bulk_insert, get_meta, set_meta
from data_access.freshness import data_time
from data_access.indicators import standard_values
from data_access.marts import (
    CUBES,
    MARTS,
    SOURCE_NAMES,
    VERSION_KEY,
    BuildContext,
    Mart,
    Reader,
    current_version,
    parse_table_name,
    signature,
    table_name,
)
from data_access.marts.derived import DERIVED_MARTS, STANDARD_VALUES, compute_derived, model_frames
from data_access.schema import SOURCE_TABLES
from data_access.schema import meta as meta_table

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
    #: ``full`` or ``incremental``; why a full rebuild was chosen (empty for an incremental one)
    mode: str = "full"
    full_reason: str = ""
    #: incremental only: marts carried over unchanged, rebuilt whole, and recomputed by partition
    carried: list[str] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)
    partial: dict[str, int] = field(default_factory=dict)
    changed_tables: dict[str, int] = field(default_factory=dict)
    #: model feature frames kept from this process's previous refresh (their tables unchanged)
    features_reused: int = 0

    def summary(self) -> str:
        """A one-line Chinese summary for the command line."""
        dt = f"{self.data_time:%Y-%m-%d %H:%M}" if self.data_time else "（库为空）"
        if self.mode == "incremental":
            how = (
                f"增量：{len(self.rebuilt)} 张表重建，{len(self.partial)} 张表按日/月重算，"
                f"{len(self.carried)} 张表沿用"
            )
        else:
            how = f"全量（{self.full_reason}）" if self.full_reason else "全量"
        return (
            f"读优化层已刷新为版本 {self.version}（{how}）：{len(self.rows)} 张表，"
            f"{sum(self.rows.values()):,} 行，数据截至 {dt}，用时 {self.seconds:.1f} 秒"
        )


def _source_stamps(conn: sa.Connection) -> dict[str, str | None]:
    return {key: get_meta(conn, key) for key in SOURCE_STAMPS}


def _now() -> datetime:
    """Local time in Asia/Shanghai, the zone every instant of the store is in."""
    return datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def needs_refresh(engine: Engine) -> bool:
    """Whether the read layer is missing, built by a different layout, or older than the source.

    The source changed when the change log holds rows no refresh has consumed yet (every insert,
    update and delete of a source table, see ``data_access.changes``), or when a
    ``generated_at``/``imported_at``/``simulated_at`` stamp in ``meta`` differs from the one the
    last refresh saw. Comparing the log and the stamps, not clocks, keeps this right whatever zone
    or clock each writer used. Cheap (a few index probes): the watcher calls it every few seconds.
    """
    with engine.connect() as conn:
        version = current_version(conn)
        if version is None:
            return True
        if get_meta(conn, "read_layer_signature") != signature():
            return True
        existing = {p for p, _ in _layer_objects(conn).items()}
        if any(table_name(name, version) not in existing for name in MARTS):
            return True
        if changes.pending(conn):
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


def _layer_objects(conn: sa.Connection) -> dict[str, tuple[str, int, bool]]:
    """Every read-layer relation: physical name → (mart, version, is a view)."""
    insp = sa.inspect(conn)
    out: dict[str, tuple[str, int, bool]] = {}
    for is_view, names in ((False, insp.get_table_names()), (True, insp.get_view_names())):
        for physical in names:
            parsed = parse_table_name(physical)
            if parsed:
                out[physical] = (*parsed, is_view)
    return out


def _versions_present(conn: sa.Connection) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for physical, (_, v, _) in _layer_objects(conn).items():
        out.setdefault(v, []).append(physical)
    return out


def _base_key(version: int) -> str:
    return f"read_layer_base:{int(version)}"


def _bases(conn: sa.Connection, version: int) -> dict[str, int]:
    """Marts of ``version`` that are views over an older version's table: mart → that version."""
    value = get_meta(conn, _base_key(version))
    return {k: int(v) for k, v in json.loads(value).items()} if value else {}


def _drop_unused(conn: sa.Connection, keep: set[int]) -> None:
    """Drop every read relation of a version not in ``keep``, except tables a kept version's
    views still read; views first (PostgreSQL refuses to drop a table a view reads)."""
    needed = set()
    for v in keep:
        bases = _bases(conn, v)
        needed.update(table_name(name, bases.get(name, v)) for name in MARTS)
    objects = _layer_objects(conn)
    for physical, (_, v, is_view) in objects.items():
        if is_view and v not in keep:
            conn.execute(sa.text(f'DROP VIEW IF EXISTS "{physical}"'))
    for physical, (_, v, is_view) in objects.items():
        if not is_view and v not in keep and physical not in needed:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{physical}"'))
    t = meta_table
    keys = conn.execute(sa.select(t.c.key).where(t.c.key.like("read_layer_base:%"))).scalars().all()
    stale = [k for k in keys if int(k.rsplit(":", 1)[1]) not in keep]
    if stale:
        conn.execute(sa.delete(t).where(t.c.key.in_(stale)))


def refresh(engine: Engine, *, progress: bool = True, full: bool = False) -> RefreshResult:
    """Build the next version of the read layer and switch to it atomically.

    Incremental by default: the marts whose source tables did not change since the last refresh
    are carried over (a view of the new version over the table that holds them), the day and
    month cubes of a table that only had rows added, changed or removed are recomputed for the
    touched days and months only, and the rest of what the changes reach is rebuilt. A full
    rebuild (``full=True``) is also chosen by itself when there is no watermark, the layout
    changed, the store was regenerated, the data date moved on, or a change cannot be attributed.

    Bumps ``meta.data_version`` (part of every cache key), records ``refreshed_at``,
    ``source_data_time``, the layout signature and the watermark, consumes the change log up to
    the watermark, and drops versions older than the previous.
    """
    t0 = time.perf_counter()
    pg = engine.dialect.name == "postgresql"
    with engine.connect() as conn, _pg_lock(conn) if pg else _sqlite_lock(engine), _tuned(conn):
        # The warning rules raise their new warnings first (own transaction), so the marts count them.
        from data_access.rules import evaluate as evaluate_rules

        rules_run = evaluate_rules(engine)
        with engine.begin() as ddl:
            tracking = changes.install(ddl)
        if pg:
            conn.execution_options(isolation_level="REPEATABLE READ")
            # The app's per-statement timeout guards web reads; a build statement may run longer.
            conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
            conn.execute(sa.text("SET LOCAL work_mem = '64MB'"))
            _analyze_if_never(conn)
        old = current_version(conn) or 0
        _drop_unused(conn, {old, old - 1})
        new = old + 1
        # Everything below reads one snapshot on PostgreSQL: the log up to ``seq`` is exactly the
        # changes this build sees.
        seq = changes.last_seq(conn)
        dt = data_time(conn)
        stamps = _source_stamps(conn)
        ctx = BuildContext(conn, new, dt or _now(), MARTS, CUBES)
        plan = _plan(conn, old, dt, tracking, full)
        result = RefreshResult(new, dt, _now(), 0.0)
        result.step_seconds["warning_rules"] = rules_run.seconds
        result.step_seconds["plan"] = time.perf_counter() - t0 - rules_run.seconds
        result.mode = "full" if plan.reason else "incremental"
        result.full_reason = plan.reason
        result.changed_tables = {k: v.rows for k, v in plan.changed.items()}
        derived_needed = plan.reason or any(
            plan.actions.get(m.name, ("build",))[0] == "build" for m in DERIVED_MARTS if m.query is None
        )
        # The models and tags are Python work over their own reads: they run in a thread beside
        # the SQL marts (SQLite and psycopg release the GIL while the database works), sharing
        # the build's snapshot on PostgreSQL.
        snapshot = conn.execute(sa.select(sa.func.pg_export_snapshot())).scalar_one() if pg else None
        if not pg:
            conn.commit()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-models")
        if derived_needed:
            reuse = {} if plan.reason else _reusable_features(engine, old, ctx.as_of, plan)
            result.features_reused = len(reuse)
            ctx.extra["derived"] = pool.submit(_derived, engine, ctx.as_of, snapshot, reuse)
        # The indicator_value mart stores the indicator library evaluated over this very version.
        ctx.extra[STANDARD_VALUES] = standard_values
        bar = tqdm(total=len(MARTS), desc="刷新读优化层", unit="表", disable=not progress, leave=False)
        marts = list(MARTS.values())
        bases: dict[str, int] = {}
        try:
            if plan.reason:
                if not pg:
                    parallel = [m for m in marts if m.name in SOURCE_NAMES and m.query is not None]
                    _build_parallel(conn, engine, ctx, parallel, bar, result)
                    marts = [m for m in marts if m not in parallel]
                _build_all(conn, ctx, marts, bar, result, pg)
            else:
                bases = _build_incremental(conn, ctx, old, plan, bar, result, pg)
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
                "refresh_mode": result.mode,
                "source_data_time": dt.isoformat(sep=" ") if dt else None,
                "read_layer_signature": signature(),
                WATERMARK_KEY: json.dumps(
                    {
                        "data_time": dt.isoformat(sep=" ") if dt else None,
                        "generated_at": get_meta(conn, "generated_at"),
                        "signature": signature(),
                    },
                    sort_keys=True,
                ),
                _base_key(new): json.dumps(bases, sort_keys=True) if bases else None,
            },
        )
        changes.consume(conn, seq)
        conn.commit()
        _remember_features(engine, new, ctx, bool(derived_needed))
        _drop_older(conn, new, pg)
    result.seconds = time.perf_counter() - t0
    log.info(result.summary())
    return result


WATERMARK_KEY = "refresh_watermark"
#: Marts rebuilt by every refresh: tiny, and they state the data time itself.
ALWAYS = frozenset({"build_info", "street_dim"})
#: Python-built marts and what they read (source tables, other marts); models and tags read
#: nearly every source table, so any change rebuilds them (not per entity: their features are
#: district-wide ranks and shares).
FRAME_DEPS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "complaint_word_d": (frozenset({"complaint", "entity"}), frozenset()),
    "complaint_word_m": (frozenset({"complaint", "entity"}), frozenset()),
    "topic_entity_dynamics": (frozenset(), frozenset({"entity_reg_m", "entity_exit_m"})),
}
#: Python-built cubes that can redo a day range: the source column their day comes from.
FRAME_TIME = {
    "complaint_word_d": ("complaint", "received_at"),
    "complaint_word_m": ("complaint", "received_at"),
}
_ALL_SOURCES = frozenset(t.name for t in SOURCE_TABLES)


@dataclass
class _Plan:
    """What an incremental refresh does with each mart; ``reason`` non-empty means a full rebuild.

    ``actions[name]`` is ``("carry",)``, ``("build",)`` or ``("partial", [(lo, hi), …])``.
    """

    reason: str = ""
    actions: dict[str, tuple] = field(default_factory=dict)
    changed: dict[str, changes.TableChanges] = field(default_factory=dict)


def _plan(conn: sa.Connection, old: int, dt: datetime | None, tracking: bool, full: bool) -> _Plan:
    """Decide what to rebuild from the change log and the watermark of the last refresh."""
    watermark = get_meta(conn, WATERMARK_KEY)
    wm = json.loads(watermark) if watermark else None
    reason = ""
    if full:
        reason = "按要求全量重建"
    elif not old:
        reason = "尚无读优化层"
    elif not tracking:
        reason = "变更记录刚建立"
    elif wm is None:
        reason = "无增量水位"
    elif wm.get("signature") != signature() or get_meta(conn, "read_layer_signature") != signature():
        reason = "读优化层结构已变"
    elif wm.get("generated_at") != get_meta(conn, "generated_at"):
        reason = "库已重新生成"
    elif dt is None or not wm.get("data_time"):
        reason = "库为空"
    elif datetime.fromisoformat(wm["data_time"]).date() != dt.date():
        reason = "数据日期已变（跨日，所有按日窗口随之移动）"
    else:
        present = set(_layer_objects(conn))
        if any(table_name(n, old) not in present for n in MARTS):
            reason = "上一版本不完整"
    if reason:
        return _Plan(reason)
    changed = changes.read(conn, changes.last_seq(conn))
    if changed is None:
        return _Plan("变更过多，逐行归属不划算")
    plan = _Plan(changed=changed)
    moved = wm["data_time"] != dt.isoformat(sep=" ")
    touched = set(changed)
    # the SELECTs are only compiled, over the previous version (whose model tables exist to reflect)
    ctx = BuildContext(conn, old, dt, MARTS, CUBES)
    timed = _time_dependent(ctx)
    time_cols = _cube_time_columns()
    for m in MARTS.values():
        plan.actions[m.name] = _action(m, ctx, plan, touched, moved, timed, time_cols)
    return plan


def _action(m: Mart, ctx: BuildContext, plan: _Plan, touched: set[str], moved: bool,
            timed: set[str], time_cols: dict[str, tuple[str, str]]) -> tuple:
    if m.name in ALWAYS:
        return ("build",)
    if m.query is None:
        if m.name == "indicator_value":  # each indicator is summed from one cube or mart
            stale = _stale_indicators(plan)
            if not stale:
                return ("carry",)
            return ("indicators", stale)
        sources, deps = FRAME_DEPS.get(m.name, (_ALL_SOURCES, frozenset()))
        if not (sources & touched) and all(plan.actions[d][0] == "carry" for d in deps):
            return ("carry",)
        if m.range_frame is not None and m.name in FRAME_TIME and not deps:
            return _by_partition(m, plan, sources & touched, *FRAME_TIME[m.name])
        return ("build",)
    sources, deps = _sql_deps(m, ctx)
    if m.name in timed and moved:
        return ("build",)
    dep_actions = [plan.actions[d] for d in deps]
    if not (sources & touched) and all(a[0] == "carry" for a in dep_actions):
        return ("carry",)
    if m.range_query is None:
        return ("build",)
    if deps:  # a street rollup: follows its base, partition by partition
        if sources or len(dep_actions) != 1 or dep_actions[0][0] != "partial":
            return ("build",)
        return dep_actions[0]
    table, column = time_cols.get(m.name, (None, None))
    return _by_partition(m, plan, sources & touched, table, column)


def _by_partition(m: Mart, plan: _Plan, hit: set[str], table: str | None, column: str | None) -> tuple:
    """Recompute by day (month) when only the table the mart's day comes from changed, and every
    change of it has its dates; else rebuild."""
    if table is None or hit != {table} or plan.changed[table].unattributed:
        return ("build",)
    days = plan.changed[table].days.get(column, set())
    if not days:  # changed rows of the table, none of them with a date in this cube's column
        return ("carry",)
    month = m.time == "month"
    return ("partial", _ranges({d.replace(day=1) for d in days} if month else days, month))


def _stale_indicators(plan: _Plan) -> set[str]:
    """Indicators whose source cube or mart is not carried over unchanged (their values move)."""
    from data_access.indicators import CATALOGUE

    out = set()
    for ind in CATALOGUE:
        cube = CUBES.get(ind.source)
        marts = [t.name for t in cube.tables] if cube is not None else [ind.source]
        if any(plan.actions.get(name, ("build",))[0] != "carry" for name in marts):
            out.add(ind.id)
    return out


def _ranges(points: set, month: bool, limit: int = 24) -> list[tuple]:
    """Half-open ranges ``[lo, hi)`` covering the touched days (or months), consecutive ones merged."""

    def after(d):
        if not month:
            return d + timedelta(days=1)
        return (d.replace(day=28) + timedelta(days=4)).replace(day=1)

    out: list[list] = []
    for p in sorted(points):
        if out and out[-1][1] == p:
            out[-1][1] = after(p)
        else:
            out.append([p, after(p)])
    if len(out) > limit:  # scattered (an import of old rows): one span, still the same answer
        out = [[out[0][0], out[-1][1]]]
    return [tuple(r) for r in out]


def _sql_deps(m: Mart, ctx: BuildContext) -> tuple[frozenset[str], frozenset[str]]:
    """The source tables and the other marts the SELECT of ``m`` reads."""
    key = (m.name, ctx.dialect)
    if key not in _DEPS:
        from sqlalchemy.sql.util import find_tables

        found = {
            t.name
            for t in find_tables(
                m.query(ctx),
                check_columns=True,
                include_aliases=True,
                include_joins=True,
                include_selects=True,
            )
            if isinstance(t, sa.Table)
        }
        marts = {parse_table_name(n)[0] for n in found if parse_table_name(n)}
        _DEPS[key] = (frozenset(found & _ALL_SOURCES), frozenset(marts))
    return _DEPS[key]


_DEPS: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {}


def _time_dependent(ctx: BuildContext) -> set[str]:
    """SQL marts whose SELECT changes with the data time within one day (e.g. "overdue now").

    A property of the code, found once per process by compiling each SELECT for two instants of
    one day (the watcher pays it once)."""
    if ctx.dialect not in _TIMED:
        _TIMED[ctx.dialect] = _find_time_dependent(ctx)
    return _TIMED[ctx.dialect]


_TIMED: dict[str, set[str]] = {}


def _find_time_dependent(ctx: BuildContext) -> set[str]:
    out = set()
    base = datetime.combine(ctx.as_of, datetime.min.time())
    a = BuildContext(ctx.conn, ctx.version, base + timedelta(seconds=1), MARTS, CUBES)
    b = BuildContext(ctx.conn, ctx.version, base + timedelta(hours=23, minutes=59), MARTS, CUBES)
    for m in MARTS.values():
        if m.query is None:
            continue
        qa, qb = (m.query(c).compile(dialect=ctx.conn.dialect) for c in (a, b))
        if str(qa) != str(qb) or qa.params != qb.params:
            out.add(m.name)
    return out


def _cube_time_columns() -> dict[str, tuple[str, str]]:
    """Day and month marts of the SQL cubes → (source table, column) their day is taken from."""
    out = {}
    for c in CUBES.values():
        if c.time_col is None:
            continue
        col = c.time_col()
        for m in (c.day, c.month):
            if m is not None:
                out[m.name] = (col.table.name, col.name)
    return out


def _build_incremental(
    conn: sa.Connection, ctx: BuildContext, old: int, plan: _Plan, bar: tqdm, result: RefreshResult, pg: bool
) -> dict[str, int]:
    """Carry, rebuild or recompute by partition each mart as planned; returns the carried marts'
    base versions (the version whose table a carried mart's view reads)."""
    old_bases = _bases(conn, old)
    bases: dict[str, int] = {}
    for mart in MARTS.values():
        action = plan.actions[mart.name]
        bar.set_postfix_str(mart.name)
        started, started_cpu = time.perf_counter(), time.thread_time()
        if action[0] == "carry":
            base = old_bases.get(mart.name, old)
            bases[mart.name] = base
            conn.execute(
                sa.text(
                    f'CREATE VIEW "{table_name(mart.name, ctx.version)}" AS '
                    f'SELECT * FROM "{table_name(mart.name, base)}"'
                )
            )
            result.carried.append(mart.name)
        elif action[0] == "indicators":  # the stale indicators recomputed, the others copied
            stale = sorted(action[1])
            table = mart.create(ctx)
            before = mart.table(old)
            names = [c.name for c in table.columns]
            conn.execute(
                sa.insert(table).from_select(
                    names, sa.select(*(before.c[n] for n in names)).where(before.c.indicator_id.not_in(stale))
                )
            )
            frame = standard_values(Reader.for_build(ctx), ctx.as_of, stale)
            bulk_insert(conn, table, frame[names])
            result.partial[mart.name] = len(stale)
        elif action[0] == "build":
            table = mart.create(ctx, _frame_for(ctx, mart.name) if mart.columns is None else None)
            mart.build(ctx, table)
            result.rebuilt.append(mart.name)
        else:
            ranges = action[1]
            table = mart.create(ctx)
            before = mart.table(old)
            col = before.c[mart.time]
            inside = sa.or_(*(sa.and_(col >= lo, col < hi) for lo, hi in ranges))
            names = [c.name for c in table.columns]
            conn.execute(
                sa.insert(table).from_select(names, sa.select(*(before.c[n] for n in names)).where(~inside))
            )
            for lo, hi in ranges:
                if mart.range_query is None:
                    frame = mart.range_frame(ctx, lo, hi)
                    names = [c.name for c in table.columns if c.name in frame.columns]
                    bulk_insert(conn, table, frame[names])
                    continue
                sel = mart.range_query(ctx, lo, hi)
                conn.execute(sa.insert(table).from_select([c.name for c in sel.selected_columns], sel))
            result.partial[mart.name] = len(ranges)
        if action[0] != "carry":
            result.rows[mart.name] = conn.execute(
                sa.select(sa.func.count()).select_from(sa.table(table_name(mart.name, ctx.version)))
            ).scalar_one()
        result.step_seconds[mart.name] = time.perf_counter() - started
        result.step_cpu_seconds[mart.name] = time.thread_time() - started_cpu
        if not pg:
            conn.commit()
        bar.update(1)
    return bases


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


#: The model features read by the last refresh in this process: (store URL, version it built,
#: as-of date, {feature: (frame, source tables)}). A watcher keeps the frames of tables that did
#: not change (the entity spine alone is most of the models' reads) for its next refresh.
_FEATURES: dict[str, object] = {}


def _reusable_features(
    engine: Engine, old: int, as_of, plan: _Plan
) -> dict[str, tuple[object, frozenset[str]]]:
    """The previous refresh's feature frames that this one may keep: same store, the version
    that refresh built is the one this one starts from, same as-of date, and none of the tables
    a feature read changed since."""
    if _FEATURES.get("key") != (engine.url.render_as_string(), old, as_of):
        return {}
    changed = set(plan.changed)
    return {k: v for k, v in _FEATURES["values"].items() if not (v[1] & changed)}


def _remember_features(engine: Engine, version: int, ctx: BuildContext, computed: bool) -> None:
    url = engine.url.render_as_string()
    features = ctx.extra.get("features")
    if not computed and _FEATURES.get("key") == (url, version - 1, ctx.as_of):
        _FEATURES["key"] = (url, version, ctx.as_of)  # no source changed: the frames still hold
        return
    _FEATURES.clear()
    if features:
        _FEATURES.update(key=(url, version, ctx.as_of), values=features)


def _derived(engine: Engine, as_of, snapshot: str | None, reuse=None) -> dict[str, object]:
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
        return compute_derived(conn, as_of, reuse=reuse)


def _frame_for(ctx: BuildContext, name: str):
    return model_frames(ctx)[name.removeprefix("model_")]


def _drop_older(conn: sa.Connection, new: int, pg: bool) -> None:
    """Drop versions before the previous one; a reader holding one only delays this to next time."""
    try:
        if pg:
            conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        _drop_unused(conn, {new, new - 1})
        conn.commit()
    except sa.exc.DBAPIError as exc:
        conn.rollback()
        log.warning("旧版本读表暂未删除（下次刷新再删）：%s", exc)


def watch(
    engine: Engine,
    *,
    interval: float = 2.0,
    stop: threading.Event | None = None,
    on_refresh=None,
    on_error=None,
) -> int:
    """Poll the change log every ``interval`` seconds and refresh (incrementally) when the source
    changed, until ``stop`` is set; returns the number of refreshes run.

    The poll is ``needs_refresh`` (a few index probes). Refreshes never overlap: this loop runs
    one at a time, and each takes the refresh lock, so a ``smartsup refresh`` started by hand (or
    the timer) waits for it. A failed refresh is reported and retried at the next poll.
    """
    stop = stop or threading.Event()
    runs = 0
    while not stop.is_set():
        try:
            if needs_refresh(engine):
                result = refresh(engine, progress=False)
                runs += 1
                if on_refresh is not None:
                    on_refresh(result)
        except Exception as exc:  # noqa: BLE001 — the watcher outlives one bad refresh
            log.exception("刷新失败")
            if on_error is not None:
                on_error(exc)
        stop.wait(interval)
    return runs
