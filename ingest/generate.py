"""The seeded synthetic 闵行 district (data.md §3): ``smartsup generate``.

``generate`` builds every source table in memory with vectorised numpy/pandas recipes (the
``gen_*`` modules), then replaces the store's contents table by table. The ``meta`` keys that mark
a complete store (``generated_at``, ``scale``, ``seed``, ``until``) are removed first and written
last, so an interrupted run never looks complete.

Determinism: the same seed and ``until`` give the same rows, because each recipe draws from its own
generator derived from the seed and the recipe's name (see ``gen_common.Ctx.rng``). When ``until``
is today the cut-off is the current minute, which naturally differs between runs.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tqdm import tqdm

from data_access import schema
from data_access.db import bulk_insert, set_meta
from ingest import gen_events, gen_registry, gen_safety, geography
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
)


def cutoff_for(until: date, now: datetime | None = None) -> datetime:
    """The data's cut-off instant: ``until`` 23:59:59, or the current minute when ``until`` is today."""
    now = now or datetime.now(TZ).replace(tzinfo=None)
    if until == now.date():
        return now.replace(second=0, microsecond=0)
    return datetime.combine(until, datetime.min.time()) + timedelta(days=1, seconds=-1)


def _tables(
    scale: str, seed: int, until: date, now: datetime | None = None
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Run the recipes, yielding each table as soon as it is complete.

    Within a step, tables come in ``SOURCE_TABLES`` order, and recipes never build a child before its
    parents, so the yield order is a valid foreign-key load order. A yielded frame is never changed
    afterwards (the writer may be loading it while later recipes run).
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
    engine: Engine, *, scale: str = "minhang", seed: int = 20261123, until: date, progress: bool = True
) -> dict[str, int]:
    """Replace the store's source tables with the synthetic district; returns rows written per table.

    Generation and loading overlap: a writer thread loads each table while the next ones are built
    (the database driver and numpy release the GIL for most of their work, so both cores are used).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    with engine.begin() as conn:
        conn.execute(sa.delete(schema.meta).where(schema.meta.c.key.in_(META_KEYS)))
        for table in reversed(schema.SOURCE_TABLES):
            conn.execute(sa.delete(table))
    with tqdm(total=len(schema.SOURCE_TABLES), desc="生成", unit="表", disable=not progress) as bar:
        writer = _Writer(engine, bar)
        writer.start()
        try:
            for name, frame in _tables(scale, seed, until):
                if writer.failure is not None:
                    break
                writer.put(name, frame)
        finally:
            writer.close()
    if writer.failure is not None:
        raise writer.failure
    missing = {t.name for t in schema.SOURCE_TABLES} - set(writer.counts)
    if missing:
        raise RuntimeError(f"generator produced no rows for {sorted(missing)}")
    with engine.begin() as conn:
        set_meta(
            conn,
            {
                "scale": scale,
                "seed": seed,
                "until": until.isoformat(),
                "generated_at": datetime.now(TZ).replace(tzinfo=None).isoformat(timespec="seconds"),
            },
        )
    return {t.name: writer.counts[t.name] for t in schema.SOURCE_TABLES}


class _Writer(threading.Thread):
    """Loads tables handed over by ``put`` in order, one transaction each; remembers the first failure."""

    def __init__(self, engine: Engine, bar: tqdm) -> None:
        super().__init__(name="generate-writer", daemon=True)
        self.engine = engine
        self.bar = bar
        self.queue: queue.Queue[tuple[str, pd.DataFrame] | None] = queue.Queue()
        self.counts: dict[str, int] = {}
        self.failure: BaseException | None = None

    def put(self, name: str, frame: pd.DataFrame) -> None:
        self.queue.put((name, frame))

    def close(self) -> None:
        self.queue.put(None)
        self.join()

    def run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.failure is not None:
                continue
            name, frame = item
            t0 = time.perf_counter()
            try:
                with self.engine.begin() as conn:
                    _tune(conn)
                    if name == "street":
                        self.counts[name] = geography.load_streets(conn, frame)
                    else:
                        self.counts[name] = _write(conn, schema.metadata.tables[name], frame)
            except Exception as exc:  # handed to the main thread, which re-raises it
                self.failure = exc
                continue
            log.debug("wrote %s (%d rows) in %.2f s", name, self.counts[name], time.perf_counter() - t0)
            self.bar.set_postfix_str(name)
            self.bar.update(1)


def _write(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Load one emptied table: secondary indexes are rebuilt once after the load (a sort each)
    instead of being maintained row by row, and rows go in primary-key order (B-tree appends)."""
    frame = frame[[c.name for c in table.columns if c.name in frame.columns]]
    key = [c.name for c in table.primary_key.columns]
    if not (len(key) == 1 and frame[key[0]].is_monotonic_increasing):
        frame = frame.sort_values(key, kind="stable")
    for index in table.indexes:
        index.drop(conn)
    n = bulk_insert(conn, table, frame)
    for index in table.indexes:
        index.create(conn)
    return n


def _tune(conn: sa.Connection) -> None:
    """A larger page cache for SQLite's bulk load (index maintenance is most of its cost)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -262144")
