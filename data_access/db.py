"""Engines and the low-level plumbing every other ``data_access`` module shares.

The store is addressed by a SQLAlchemy URL: SQLite (the embedded default) or PostgreSQL.
``store`` is created unbound and configured once by the application or the CLI
(``store.configure(url)``), so nothing connects at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import schema

log = logging.getLogger(__name__)


class StoreNotConfigured(RuntimeError):
    """Raised when a read is attempted before ``store.configure`` was called."""


def make_engine(url: str, *, statement_timeout_ms: int = 0) -> Engine:
    """Create an engine for ``url`` with the settings this project relies on.

    SQLite gets WAL mode (readers never block on the refresh's writer), foreign keys on and a busy
    timeout; PostgreSQL gets an optional per-statement timeout so a runaway read cannot hold a worker.
    """
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    connect_args: dict[str, Any] = {}
    if statement_timeout_ms and u.get_backend_name() == "postgresql":
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)


class Store:
    """The configured database of this process (one per process, shared by reads and commands)."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self.url: str | None = None

    def configure(self, url: str, *, statement_timeout_ms: int = 0) -> Engine:
        """Bind the store to ``url`` (idempotent for the same URL)."""
        if self._engine is not None and self.url == url:
            return self._engine
        if self._engine is not None:
            self._engine.dispose()
        self._engine = make_engine(url, statement_timeout_ms=statement_timeout_ms)
        self.url = url
        return self._engine

    @property
    def engine(self) -> Engine:
        """The bound engine; raises ``StoreNotConfigured`` before ``configure``."""
        if self._engine is None:
            raise StoreNotConfigured("the store has not been configured (call store.configure(url))")
        return self._engine

    @property
    def is_postgres(self) -> bool:
        """Whether the bound database is PostgreSQL."""
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        """Close every pooled connection and unbind."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self.url = None


store = Store()


# --- meta (key/value facts about the store) ---------------------------------------------------

def get_meta(conn: sa.Connection, key: str, default: str | None = None) -> str | None:
    """Read one ``meta`` value."""
    row = conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == key)).first()
    return default if row is None else row[0]


def set_meta(conn: sa.Connection, values: Mapping[str, Any]) -> None:
    """Write ``meta`` values (upsert), inside the caller's transaction."""
    t = schema.meta
    for key, value in values.items():
        conn.execute(sa.delete(t).where(t.c.key == key))
        conn.execute(sa.insert(t).values(key=key, value=None if value is None else str(value)))


# --- bulk writes ----------------------------------------------------------------------------

def _plain_rows(table: sa.Table, frame: pd.DataFrame) -> list[tuple]:
    """Rows of ``frame`` as tuples of plain Python values that both drivers accept.

    NaN/NaT become None; DATE columns become ``datetime.date`` and TIMESTAMP columns
    ``datetime.datetime`` whatever dtype the frame carried, so SQLite stores exactly the text
    SQLAlchemy itself would (``YYYY-MM-DD`` / ``YYYY-MM-DD HH:MM:SS.ffffff``).
    """
    out = frame.copy()
    for col in out.columns:
        ctype = table.c[col].type
        s = out[col]
        if isinstance(ctype, sa.DateTime):
            s = pd.to_datetime(s)
            out[col] = pd.Series(s.dt.to_pydatetime(), index=s.index, dtype=object).where(s.notna(), None)
        elif isinstance(ctype, sa.Date):
            s = pd.to_datetime(s)
            out[col] = pd.Series([v.date() if v is not pd.NaT else None for v in s],
                                 index=s.index, dtype=object)
        elif isinstance(ctype, sa.Boolean):
            out[col] = s.astype(object).where(s.notna(), None).map(
                lambda v: None if v is None else bool(v))
        else:
            out[col] = s.astype(object).where(s.notna(), None)
    return list(out.itertuples(index=False, name=None))


def bulk_insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame,
                chunk_rows: int = 50_000) -> int:
    """Append ``frame`` to ``table`` as fast as the backend allows; returns the row count.

    PostgreSQL uses ``COPY FROM STDIN`` (an order of magnitude faster than INSERTs); SQLite uses
    ``executemany`` on the raw DB-API cursor. Columns are matched by name; missing ones get NULL.
    Runs inside the caller's transaction.
    """
    if frame.empty:
        return 0
    cols = [c.name for c in table.columns if c.name in frame.columns]
    col_sql = ", ".join(f'"{c}"' for c in cols)
    raw = conn.connection.driver_connection
    for start in range(0, len(frame), chunk_rows):
        rows = _plain_rows(table, frame[cols].iloc[start:start + chunk_rows])
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({col_sql}) FROM STDIN') as cp:
                for row in rows:
                    cp.write_row(row)
        else:
            cur = raw.cursor()
            cur.executemany(f'INSERT INTO "{table.name}" ({col_sql}) VALUES '
                            f'({", ".join("?" for _ in cols)})', rows)
            cur.close()
    return len(frame)


def table_counts(conn: sa.Connection) -> dict[str, int]:
    """Row count of every source table (for the start page, the CLI and the closing notes)."""
    return {
        t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        for t in schema.SOURCE_TABLES
    }
