"""The seeded synthetic 闵行 district (data.md §3): ``smartsup generate``.

``generate`` empties the source tables, then builds them with vectorised numpy/pandas recipes (the
``gen_*`` modules) and loads each one as soon as it is built. The ``meta`` keys that mark a complete
store (``generated_at``, ``scale``, ``seed``, ``until``) are removed first and written last, so an
interrupted run never looks complete.

Determinism: the same seed and ``until`` give the same rows, because each recipe draws from its own
generator derived from the seed and the recipe's name (see ``gen_common.Ctx.rng``). When ``until``
is today the cut-off is the current minute, which naturally differs between runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tqdm import tqdm

from data_access import rules, schema
from data_access.db import bulk_insert, set_meta
from ingest import gen_events, gen_registry, gen_safety, gen_screens4, geography
from ingest.gen_common import SCALES, Ctx

log = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
META_KEYS = ("generated_at", "scale", "seed", "until")

# Recipes in dependency order (each reads what the earlier ones left in the context).
STEPS: tuple[tuple[str, Callable[[Ctx], None]], ...] = (
    ("office", gen_registry.offices),
    ("staff", gen_registry.staff),
    ("entity", gen_registry.entities),
    ("entity_change", gen_registry.entity_changes),
    ("licence", gen_registry.licences),
    ("online_store", gen_registry.online_stores),
    ("credit_list", gen_registry.credit_lists),
    ("equipment", gen_safety.equipment),
    ("food_sampling", gen_safety.food_sampling),
    ("inspection_task", gen_events.inspections),
    ("complaint", gen_events.complaints),
    ("device", gen_safety.devices),
    ("device_reading", gen_safety.device_readings),
    ("device_alarm", gen_safety.device_alarms),
    ("inspection", gen_events.complaint_inspections),
    ("inspection", gen_events.finish_inspections),
    ("case_file", gen_events.cases),
    ("ad_hit", gen_events.ad_hits),
    ("warning_rule", gen_events.warning_rules),
    ("warning", gen_events.warnings),
    ("resource", gen_events.resources),
    ("incident", gen_events.incidents),
    ("entity_honor", gen_registry.honors),
    ("ip_right", gen_registry.ip_rights),
    *gen_screens4.STEPS,
)


def cutoff_for(until: date, now: datetime | None = None) -> datetime:
    """The data's cut-off instant: ``until`` 23:59:59, or the current minute when ``until`` is today
    (or later: data is never stamped after now). ``now`` is naive bureau time (default: Asia/Shanghai)."""
    now = now or datetime.now(TZ).replace(tzinfo=None)
    if until >= now.date():
        return now.replace(second=0, microsecond=0)
    return datetime.combine(until, datetime.min.time()) + timedelta(days=1, seconds=-1)


def _tables(
    scale: str, seed: int, until: date, now: datetime | None = None
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Run the recipes, yielding each table as soon as it is complete.

    Within a step, tables come in ``SOURCE_TABLES`` order, and recipes never build a child before its
    parents, so the yield order is a valid foreign-key load order. Later recipes read the yielded
    frames but never change them.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    streets = geography.street_polygons()
    yield "street", streets
    ctx = Ctx(seed=seed, scale=scale, until=until, cutoff=cutoff_for(until, now), streets=streets)
    sent = set()
    for name, recipe in STEPS:
        t0 = time.perf_counter()
        recipe(ctx)
        log.debug("generated %s in %.2f s", name, time.perf_counter() - t0)
        for table in schema.SOURCE_TABLES:
            if table.name in ctx.tables and table.name not in sent:
                sent.add(table.name)
                yield table.name, ctx.tables[table.name]


def build(
    *, scale: str = "minhang", seed: int = 20261123, until: date, now: datetime | None = None
) -> dict[str, pd.DataFrame]:
    """Generate every source table in memory (no database); returns frames keyed by table name."""
    return dict(_tables(scale, seed, until, now))


def generate(
    engine: Engine, *, scale: str = "minhang", seed: int = 20261123, until: date, progress: bool = True,
    now: datetime | None = None,
) -> dict[str, int]:
    """Replace the store's source tables with the synthetic district; returns rows written per table.

    ``now`` is the current instant in the bureau's time zone, naive (default: Asia/Shanghai's); it
    caps the data's cut-off, so the data time is never later than the wall clock.

    Each table is loaded (one transaction each) as soon as its recipe has built it. The ``meta`` keys
    that mark a complete store are removed first and written last.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    counts: dict[str, int] = {}
    with engine.connect() as conn, _bulk_session(conn):
        with conn.begin():
            conn.execute(sa.delete(schema.meta).where(schema.meta.c.key.in_(META_KEYS)))
            _empty_source_tables(conn)
        with tqdm(total=len(schema.SOURCE_TABLES), desc="生成", unit="表", disable=not progress) as bar:
            for name, frame in _tables(scale, seed, until, now):
                t0 = time.perf_counter()
                with conn.begin():
                    if name == "street":
                        counts[name] = geography.load_streets(conn, frame)
                    else:
                        counts[name] = _write(conn, schema.metadata.tables[name], frame)
                log.debug("wrote %s (%d rows) in %.2f s", name, counts[name], time.perf_counter() - t0)
                bar.set_postfix_str(name)
                bar.update(1)
        with conn.begin():
            set_meta(
                conn,
                {
                    "scale": scale,
                    "seed": seed,
                    "until": until.isoformat(),
                    "generated_at": (now or datetime.now(TZ).replace(tzinfo=None)).isoformat(
                        timespec="seconds"),
                },
            )
    # The generated history carries its own warnings: the rule engine starts its ledger here.
    rules.baseline(engine)
    return {t.name: counts[t.name] for t in schema.SOURCE_TABLES}


@contextmanager
def _bulk_session(conn: sa.Connection) -> Iterator[None]:
    """Session settings for a bulk reload, restored afterwards (the connection goes back to the pool).

    SQLite: no per-row foreign-key checks while every table is emptied and refilled in key order
    (checking made deleting a full store ~13× slower; integrity is asserted by the generator's tests),
    a 256 MB page cache and in-memory sorting for the index builds, and no fsync per commit (a crash
    mid-load leaves a store without its completion marks, to be generated again, nothing more).
    PostgreSQL: no statement timeout — the app's per-query limit protects web workers, not a batch
    load whose COPYs and index builds take longer.
    """
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # PRAGMA foreign_keys is a no-op inside a transaction: set it while none is open.
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.exec_driver_sql("PRAGMA cache_size = -262144")
        conn.exec_driver_sql("PRAGMA temp_store = MEMORY")
        conn.exec_driver_sql("PRAGMA synchronous = OFF")
    else:
        conn.exec_driver_sql("SET statement_timeout = 0")
    conn.commit()
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.exec_driver_sql("PRAGMA cache_size = -2000")
            conn.exec_driver_sql("PRAGMA temp_store = DEFAULT")
            conn.exec_driver_sql("PRAGMA synchronous = NORMAL")
        else:
            conn.exec_driver_sql("RESET statement_timeout")
        conn.commit()


def _empty_source_tables(conn: sa.Connection) -> None:
    """Delete every source row (children first); PostgreSQL truncates, which skips per-row FK triggers.

    The change-log triggers go first: a log row per generated row would serve nothing, since the
    next refresh rebuilds everything (``generated_at`` moved, and the refresh reinstalls them).
    """
    from data_access import changes

    changes.uninstall(conn)
    if conn.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in schema.SOURCE_TABLES)
        conn.exec_driver_sql(f"TRUNCATE {names}")
    else:
        for table in reversed(schema.SOURCE_TABLES):
            conn.execute(sa.delete(table))


def _write(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Load one emptied table: secondary indexes are rebuilt once after the load (a sort each)
    instead of being maintained row by row, and rows go in primary-key order (B-tree appends).
    On PostgreSQL the foreign keys are re-added after the COPY: one validating join instead of a
    trigger call per row (about twice as fast for the complaint table)."""
    frame = frame[[c.name for c in table.columns if c.name in frame.columns]]
    key = [c.name for c in table.primary_key.columns]
    if not (len(key) == 1 and frame[key[0]].is_monotonic_increasing):
        frame = frame.sort_values(key, kind="stable")
    if conn.dialect.name == "sqlite":
        # pysqlite opens its transaction at the first DML statement: without one, DROP INDEX would
        # commit on its own and a failed load would leave the table without indexes. Deleting from
        # the (already empty) table opens it.
        conn.execute(sa.delete(table))
    foreign_keys = list(table.foreign_key_constraints) if conn.dialect.name == "postgresql" else []
    for fk in foreign_keys:
        conn.execute(sa.schema.DropConstraint(fk))
    for index in table.indexes:
        index.drop(conn, checkfirst=True)
    n = bulk_insert(conn, table, frame)
    for index in table.indexes:
        index.create(conn, checkfirst=True)
    for fk in foreign_keys:
        conn.execute(sa.schema.AddConstraint(fk))
    return n
