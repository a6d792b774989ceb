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
import time
from collections.abc import Callable
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


def build(
    *,
    scale: str = "minhang",
    seed: int = 20261123,
    until: date,
    progress: bool = False,
    now: datetime | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate every source table in memory (no database); returns frames keyed by table name."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    streets = geography.street_polygons()
    ctx = Ctx(seed=seed, scale=scale, until=until, cutoff=cutoff_for(until, now), streets=streets)
    with tqdm(STEPS, desc="生成", unit="步", disable=not progress, leave=False) as bar:
        for name, recipe in bar:
            bar.set_postfix_str(name)
            t0 = time.perf_counter()
            recipe(ctx)
            log.debug("generated %s in %.2f s", name, time.perf_counter() - t0)
    tables = dict(ctx.tables)
    tables["street"] = streets
    return tables


def generate(
    engine: Engine, *, scale: str = "minhang", seed: int = 20261123, until: date, progress: bool = True
) -> dict[str, int]:
    """Replace the store's source tables with the synthetic district; returns rows written per table."""
    tables = build(scale=scale, seed=seed, until=until, progress=progress)
    counts: dict[str, int] = {}
    order = schema.SOURCE_TABLES
    with tqdm(total=len(order) + 1, desc="写入", unit="表", disable=not progress) as bar:
        with engine.begin() as conn:
            _tune(conn)
            conn.execute(sa.delete(schema.meta).where(schema.meta.c.key.in_(META_KEYS)))
            for table in reversed(order):
                conn.execute(sa.delete(table))
        bar.update(1)
        for table in order:
            bar.set_postfix_str(table.name)
            t0 = time.perf_counter()
            with engine.begin() as conn:
                _tune(conn)
                if table is schema.street:
                    counts["street"] = geography.load_streets(conn, tables["street"])
                else:
                    counts[table.name] = _write(conn, table, tables[table.name])
            log.debug(
                "wrote %s (%d rows) in %.2f s", table.name, counts[table.name], time.perf_counter() - t0
            )
            bar.update(1)
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
    return counts


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
