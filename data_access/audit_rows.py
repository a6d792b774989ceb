"""The one place the operations write their audit rows (data.md §8 ``audit_log``).

Every write service (warning workflow, dispatch, rule changes, the 双随机 draw) calls
:func:`write_audit` on the connection of its own transaction, so the write and its audit row
commit or roll back together. The table itself belongs to the identity schema (migration
``0002_identity``); this module only needs its columns, so it declares a lightweight table
that is not part of ``schema.metadata``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: The audit_log columns of data.md §8 (append-only).
audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("username", sa.String),
    sa.column("role", sa.String),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("ip", sa.String),
)


def now_local() -> datetime:
    """The current instant in Asia/Shanghai local time, naive (the store's convention)."""
    return datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def write_audit(conn: sa.Connection, username: str, role: str | None, action: str, target: str | None,
                detail: dict[str, Any] | None = None, ip: str | None = None,
                at: datetime | None = None) -> None:
    """Append one audit row inside the caller's transaction."""
    conn.execute(sa.insert(audit_log).values(
        at=at or now_local(), username=username, role=role, action=action,
        target=None if target is None else str(target)[:256], detail=detail, ip=ip))
