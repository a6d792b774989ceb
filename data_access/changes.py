"""What changed in the source tables since the last refresh: a change log kept by triggers.

Every source table carries a row trigger (insert, update, delete) that appends one row to
``source_change_log``: the table's name and the values of its date and time columns before
(``old``) and after (``new``) the change, as JSON. That is the watermark the incremental refresh
reads — an ``id`` or ``updated_at`` would not do: the keys are text (complaint numbers, USCCs),
most tables have no update stamp, and ``smartsup import`` may write rows of any date.

* Appends, updates and imports are all logged, in the writer's own transaction, so a change is
  in the log exactly when it is in the table.
* The refresh consumes the log rows its snapshot sees (``seq <= w``) and deletes exactly those at
  the switch; on PostgreSQL a row committed after the snapshot (even with a smaller ``seq``) is
  neither seen nor deleted, so it is consumed next time.
* A change whose dates are not known (a ``TRUNCATE`` on PostgreSQL; a table without date columns)
  is logged with neither ``old`` nor ``new``: what depends on that table is rebuilt whole.
* ``generate`` drops the triggers before it replaces every row (millions of log rows would serve
  nothing: the next refresh rebuilds everything anyway); the refresh puts them back, and a store
  whose triggers are missing gets a full rebuild.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from data_access.schema import SOURCE_TABLES

LOG = "source_change_log"
_PG_FUNCTION = "source_change_row"
_SQLITE_OPS = (("i", "INSERT"), ("u", "UPDATE"), ("d", "DELETE"))


def _trigger(table: str, suffix: str = "") -> str:
    return f"sc_{table}{suffix}"


def _time_columns(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, sa.Date | sa.DateTime)]


def _create_log(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                f'CREATE TABLE IF NOT EXISTS "{LOG}" (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, '
                "tbl VARCHAR(64) NOT NULL, old JSONB, new JSONB)"
            )
        )
        conn.execute(
            sa.text(
                f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                "  IF TG_LEVEL = 'STATEMENT' THEN\n"
                f'    INSERT INTO "{LOG}" (tbl) VALUES (TG_TABLE_NAME);\n'
                "    RETURN NULL;\n"
                "  END IF;\n"
                f'  INSERT INTO "{LOG}" (tbl, old, new) VALUES (TG_TABLE_NAME,\n'
                "    CASE WHEN TG_OP <> 'INSERT' THEN (SELECT jsonb_object_agg(key, value)\n"
                "      FROM jsonb_each(to_jsonb(OLD)) WHERE key = ANY(TG_ARGV)) END,\n"
                "    CASE WHEN TG_OP <> 'DELETE' THEN (SELECT jsonb_object_agg(key, value)\n"
                "      FROM jsonb_each(to_jsonb(NEW)) WHERE key = ANY(TG_ARGV)) END);\n"
                "  RETURN NULL;\n"
                "END $$"
            )
        )
    else:
        conn.execute(
            sa.text(
                f'CREATE TABLE IF NOT EXISTS "{LOG}" (seq INTEGER PRIMARY KEY AUTOINCREMENT, '
                "tbl VARCHAR(64) NOT NULL, old TEXT, new TEXT)"
            )
        )


def _existing_triggers(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
            )
        )
    else:
        rows = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return {r[0] for r in rows}


def _expected(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "postgresql":
        return {_trigger(t.name, s) for t in SOURCE_TABLES for s in ("", "_t")}
    return {_trigger(t.name, f"_{op}") for t in SOURCE_TABLES for op, _ in _SQLITE_OPS}


def installed(conn: sa.Connection) -> bool:
    """Whether every source table's change trigger is in place (the log is complete)."""
    return _expected(conn) <= _existing_triggers(conn)


def install(conn: sa.Connection) -> bool:
    """Create the log and any missing trigger (caller commits). True when all were there already,
    i.e. the log holds every change since it was last consumed."""
    _create_log(conn)
    have = _existing_triggers(conn)
    complete = _expected(conn) <= have
    pg = conn.dialect.name == "postgresql"
    for table in SOURCE_TABLES:
        cols = _time_columns(table)
        if pg:
            if _trigger(table.name) not in have:
                args = ", ".join(f"'{c}'" for c in cols)
                conn.execute(
                    sa.text(
                        f'CREATE TRIGGER "{_trigger(table.name)}" AFTER INSERT OR UPDATE OR DELETE '
                        f'ON "{table.name}" FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}({args})'
                    )
                )
            if _trigger(table.name, "_t") not in have:
                conn.execute(
                    sa.text(
                        f'CREATE TRIGGER "{_trigger(table.name, "_t")}" AFTER TRUNCATE '
                        f'ON "{table.name}" FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()'
                    )
                )
            continue
        for op, event in _SQLITE_OPS:
            name = _trigger(table.name, f"_{op}")
            if name in have:
                continue

            def obj(row: str, cols: list[str] = cols) -> str:
                if not cols:
                    return "NULL"
                return "json_object(" + ", ".join(f"'{c}', {row}.\"{c}\"" for c in cols) + ")"

            old = obj("OLD") if event != "INSERT" else "NULL"
            new = obj("NEW") if event != "DELETE" else "NULL"
            conn.execute(
                sa.text(
                    f'CREATE TRIGGER "{name}" AFTER {event} ON "{table.name}" FOR EACH ROW BEGIN '
                    f"INSERT INTO \"{LOG}\" (tbl, old, new) VALUES ('{table.name}', {old}, {new}); END"
                )
            )
    return complete


def uninstall(conn: sa.Connection) -> None:
    """Drop the triggers (before a bulk replacement of every source row; the next refresh is full)."""
    have = _existing_triggers(conn)
    pg = conn.dialect.name == "postgresql"
    for table in SOURCE_TABLES:
        for suffix in ("", "_t") if pg else tuple(f"_{op}" for op, _ in _SQLITE_OPS):
            name = _trigger(table.name, suffix)
            if name in have:
                on = f' ON "{table.name}"' if pg else ""
                conn.execute(sa.text(f'DROP TRIGGER IF EXISTS "{name}"{on}'))


def _log_table(conn: sa.Connection) -> bool:
    return sa.inspect(conn).has_table(LOG)


def pending(conn: sa.Connection) -> bool:
    """Whether the log holds any change not yet consumed by a refresh (an index probe)."""
    if not _log_table(conn):
        return False
    return conn.execute(sa.text(f'SELECT 1 FROM "{LOG}" LIMIT 1')).first() is not None


def last_seq(conn: sa.Connection) -> int:
    """The newest log row this connection's snapshot sees (0 for an empty log)."""
    if not _log_table(conn):
        return 0
    return int(conn.execute(sa.text(f'SELECT COALESCE(MAX(seq), 0) FROM "{LOG}"')).scalar_one())


def consume(conn: sa.Connection, upto: int) -> None:
    """Delete the log rows a refresh has taken into account (caller commits)."""
    if _log_table(conn):
        conn.execute(sa.text(f'DELETE FROM "{LOG}" WHERE seq <= :w'), {"w": upto})


def _day(value: object) -> date | None:
    if value is None:
        return None
    text = str(value)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


@dataclass
class TableChanges:
    """The changes to one source table: how many, and per date column the days they touched.

    ``unattributed`` counts changes whose dates are unknown (nothing can be recomputed by day).
    """

    rows: int = 0
    unattributed: int = 0
    days: dict[str, set[date]] = field(default_factory=dict)


#: Past this many log rows a refresh rebuilds whole what they touch instead of reading them one by one.
MAX_LOG_ROWS = 200_000


def read(conn: sa.Connection, upto: int) -> dict[str, TableChanges] | None:
    """The changes logged up to ``upto``, per table; None when there are too many to read."""
    if not _log_table(conn):
        return {}
    count = conn.execute(sa.text(f'SELECT COUNT(*) FROM "{LOG}" WHERE seq <= :w'), {"w": upto}).scalar_one()
    if count > MAX_LOG_ROWS:
        return None
    out: dict[str, TableChanges] = {}
    rows = conn.execute(sa.text(f'SELECT tbl, old, new FROM "{LOG}" WHERE seq <= :w'), {"w": upto})
    for tbl, old, new in rows:
        tc = out.setdefault(tbl, TableChanges())
        tc.rows += 1
        values = [json.loads(v) if isinstance(v, str) else v for v in (old, new) if v is not None]
        if not values:
            tc.unattributed += 1
            continue
        for v in values:
            for col, value in v.items():
                day = _day(value)
                if day is not None:
                    tc.days.setdefault(col, set()).add(day)
    return out


def tables_with_changes(conn: sa.Connection) -> set[str]:
    """Names of the tables with pending changes (for the watcher's log line)."""
    if not _log_table(conn):
        return set()
    return {r[0] for r in conn.execute(sa.text(f'SELECT DISTINCT tbl FROM "{LOG}"'))}


def source_names() -> Iterable[str]:
    """The tables whose changes are logged."""
    return (t.name for t in SOURCE_TABLES)
