"""Reads and writes of the identity tables: accounts (``app_user``) and the audit log (``audit_log``).

The rules (password policy, lockout, permissions) live in ``dashboard.auth``; this module only
stores and fetches rows. Every function takes an optional ``engine`` (the configured store by
default), so the CLI, the web app and the tests share it. ``audit_log`` is append-only: this module
offers no update or delete for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import schema
from data_access.db import store

U = schema.app_user
A = schema.audit_log

#: Columns of ``list_users`` (never the hashes).
USER_COLUMNS = ("username", "display_name", "role", "office_code", "active", "failed_logins",
                "locked_until", "last_login_at", "created_at")


def _engine(engine: Engine | None) -> Engine:
    return engine if engine is not None else store.engine


def _user_select() -> sa.Select:
    return (sa.select(U, schema.office.c.street_code.label("office_street"),
                      schema.office.c.name.label("office_name"), schema.office.c.kind.label("office_kind"))
            .select_from(U.outerjoin(schema.office, schema.office.c.code == U.c.office_code)))


def get_user(username: str, engine: Engine | None = None) -> dict[str, Any] | None:
    """The account ``username`` with its office's street, name and kind, or None."""
    with _engine(engine).connect() as conn:
        row = conn.execute(_user_select().where(U.c.username == username)).mappings().first()
    return dict(row) if row else None


def get_user_by_token_hash(token_hash: str, engine: Engine | None = None) -> dict[str, Any] | None:
    """The account whose wall token hashes to ``token_hash``, or None."""
    with _engine(engine).connect() as conn:
        row = conn.execute(_user_select().where(U.c.wall_token_hash == token_hash)).mappings().first()
    return dict(row) if row else None


def get_office(code: str, engine: Engine | None = None) -> dict[str, Any] | None:
    """``{code, name, kind, street_code}`` of an office, or None."""
    o = schema.office
    with _engine(engine).connect() as conn:
        row = conn.execute(sa.select(o.c.code, o.c.name, o.c.kind, o.c.street_code)
                           .where(o.c.code == code)).mappings().first()
    return dict(row) if row else None


def insert_user(values: Mapping[str, Any], engine: Engine | None = None) -> None:
    """Add an account (raises ``sqlalchemy.exc.IntegrityError`` when the username exists)."""
    with _engine(engine).begin() as conn:
        conn.execute(sa.insert(U).values(**values))


def update_user(username: str, values: Mapping[str, Any], engine: Engine | None = None) -> bool:
    """Change columns of one account; False when there is no such account."""
    with _engine(engine).begin() as conn:
        return conn.execute(sa.update(U).where(U.c.username == username).values(**values)).rowcount == 1


def count_failure(username: str, threshold: int, lock_until: datetime,
                  engine: Engine | None = None) -> int:
    """Add one failed login atomically (two workers cannot both miss the threshold); lock the
    account until ``lock_until`` once the count reaches ``threshold``. Returns the new count."""
    with _engine(engine).begin() as conn:
        conn.execute(sa.update(U).where(U.c.username == username)
                     .values(failed_logins=U.c.failed_logins + 1))
        n = conn.execute(sa.select(U.c.failed_logins).where(U.c.username == username)).scalar_one_or_none()
        if n is not None and n >= threshold:
            conn.execute(sa.update(U).where(U.c.username == username)
                         .values(locked_until=lock_until, failed_logins=0))
    return n or 0


def list_users(engine: Engine | None = None) -> pd.DataFrame:
    """Every account, ordered by role then username, without the hashes."""
    cols = [U.c[name] for name in USER_COLUMNS]
    with _engine(engine).connect() as conn:
        rows = conn.execute(sa.select(*cols).order_by(U.c.role, U.c.username)).all()
    return pd.DataFrame(rows, columns=list(USER_COLUMNS))


def count_users(engine: Engine | None = None) -> int:
    """How many accounts exist (``smartsup demo`` creates the demo ones when there are none)."""
    with _engine(engine).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(U)).scalar_one()


def append_audit(row: Mapping[str, Any], engine: Engine | None = None) -> None:
    """Append one row to the audit log."""
    with _engine(engine).begin() as conn:
        conn.execute(sa.insert(A).values(**row))


#: Columns of ``read_audit``, in display order.
AUDIT_COLUMNS = ("id", "at", "username", "role", "action", "target", "detail", "ip")


def read_audit(*, since: datetime | None = None, until: datetime | None = None,
               username: str | None = None, action: str | None = None, limit: int = 5_000,
               engine: Engine | None = None) -> tuple[pd.DataFrame, bool]:
    """Audit rows, newest first, filtered by time (``since`` ≤ at < ``until``), user and action.

    Returns ``(frame, truncated)``: at most ``limit`` rows, and whether more matched.
    """
    stmt = sa.select(*[A.c[c] for c in AUDIT_COLUMNS])
    if since is not None:
        stmt = stmt.where(A.c.at >= since)
    if until is not None:
        stmt = stmt.where(A.c.at < until)
    if username:
        stmt = stmt.where(A.c.username == username)
    if action:
        stmt = stmt.where(A.c.action == action)
    stmt = stmt.order_by(A.c.at.desc(), A.c.id.desc()).limit(limit + 1)
    with _engine(engine).connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame(rows[:limit], columns=list(AUDIT_COLUMNS)), len(rows) > limit
