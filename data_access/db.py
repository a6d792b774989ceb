"""Engines and the low-level plumbing every other ``data_access`` module shares.

The store is addressed by a SQLAlchemy URL: SQLite (the embedded default) or PostgreSQL.
``store`` is created unbound and configured once by the application or the CLI
(``store.configure(url)``), so nothing connects at import time.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
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
        # connect_args replace the URL's own ``options`` (e.g. a search_path): keep those too
        given = u.query.get("options")
        given = " ".join(given) if isinstance(given, tuple) else given
        timeout = f"-c statement_timeout={int(statement_timeout_ms)}"
        connect_args["options"] = f"{given} {timeout}" if given else timeout
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

def _column_values(table: sa.Table, frame: pd.DataFrame, *, for_copy: bool) -> list[np.ndarray]:
    """One object array per column of plain values that the driver accepts, None for null.

    Converted column-wise with numpy (no per-row Python). Instants become the exact text SQLAlchemy
    itself writes on SQLite (``YYYY-MM-DD HH:MM:SS.ffffff``) and dates ``YYYY-MM-DD``, so string
    comparisons against bound parameters stay correct; PostgreSQL's COPY parses the same text.
    Booleans become 0/1 for SQLite and ``t``/``f`` for COPY; integer columns stay integers even when
    a nullable frame column arrived as float.
    """
    out = []
    for col in frame.columns:
        ctype = table.c[col].type
        s = frame[col]
        if isinstance(ctype, (sa.DateTime, sa.Date)):
            values = pd.to_datetime(s).to_numpy()
            if isinstance(ctype, sa.DateTime):
                text = np.datetime_as_string(values.astype("datetime64[us]"), unit="us")
                # ISO 'T' → ' ' in place on the code points: np.char.replace is ~50× slower.
                text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
            else:
                text = np.datetime_as_string(values.astype("datetime64[D]"), unit="D")
            arr = _nulls_to_none(text.astype(object), np.isnat(values))
        elif isinstance(ctype, sa.Boolean):
            b = s.fillna(False).astype(bool).to_numpy()
            arr = (np.where(b, "t", "f") if for_copy else b.astype(np.int64)).astype(object)
            arr = _nulls_to_none(arr, s.isna().to_numpy())
        elif isinstance(ctype, sa.Integer):
            arr = _nulls_to_none(s.fillna(0).astype(np.int64).to_numpy().astype(object), s.isna().to_numpy())
        elif isinstance(ctype, sa.Numeric):
            values = s.astype(float).to_numpy()
            arr = _nulls_to_none(values.astype(object), np.isnan(values))
        else:
            # One pass: pandas' string arrays test every element for missingness, so avoid a second.
            arr = s.to_numpy(dtype=object, na_value=None)
        out.append(arr)
    return out


def _nulls_to_none(arr: np.ndarray, null: np.ndarray) -> np.ndarray:
    if null.any():
        arr = arr.copy()
        arr[null] = None
    return arr


def _has_null_marker(values: list[np.ndarray]) -> bool:
    return any(bool((col == "\\N").any()) for col in values if col.dtype == object)


def bulk_insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame,
                chunk_rows: int = 100_000) -> int:
    """Append ``frame`` to ``table`` as fast as the backend allows; returns the row count.

    PostgreSQL uses ``COPY FROM STDIN`` in CSV form (an order of magnitude faster than INSERTs);
    SQLite uses ``executemany`` on the raw DB-API cursor. Columns are matched by name; missing ones
    get NULL (or their server default). Runs inside the caller's transaction.
    """
    if frame.empty:
        return 0
    cols = [c.name for c in table.columns if c.name in frame.columns]
    col_sql = ", ".join(f'"{c}"' for c in cols)
    raw = conn.connection.driver_connection
    is_pg = conn.dialect.name == "postgresql"
    for start in range(0, len(frame), chunk_rows):
        part = frame[cols].iloc[start:start + chunk_rows]
        values = _column_values(table, part, for_copy=is_pg)
        if is_pg and _has_null_marker(values):
            # A cell that literally reads \N would turn into NULL in CSV COPY: copy this chunk row by
            # row instead, where psycopg sends every value exactly.
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({col_sql}) FROM STDIN') as cp:
                for row in zip(*_column_values(table, part, for_copy=False), strict=True):
                    cp.write_row(row)
        elif is_pg:
            buf = io.StringIO()
            pd.DataFrame(dict(zip(cols, values, strict=True))).to_csv(
                buf, header=False, index=False, na_rep="\\N", lineterminator="\n")
            with raw.cursor() as cur, cur.copy(
                    f'COPY "{table.name}" ({col_sql}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')') as cp:
                cp.write(buf.getvalue())
        else:
            cur = raw.cursor()
            cur.executemany(f'INSERT INTO "{table.name}" ({col_sql}) VALUES '
                            f'({", ".join("?" for _ in cols)})', zip(*values, strict=True))
            cur.close()
    return len(frame)


def table_counts(conn: sa.Connection) -> dict[str, int]:
    """Row count of every source table (for the start page, the CLI and the closing notes)."""
    return {
        t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        for t in schema.SOURCE_TABLES
    }
