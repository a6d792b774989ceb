"""The one place the operations write their audit rows (data.md §8 ``audit_log``).

Every write service (warning workflow, dispatch, rule changes, the 双随机 draw) calls
:func:`write_audit` on the connection of its own transaction, so the write and its audit row
commit or roll back together. (``dashboard.auth.audit.record`` writes the UI's own rows — sign-in,
views, exports — in a transaction of their own; the operations need theirs inside the write.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from data_access import schema as s

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_local() -> datetime:
    """The current instant in Asia/Shanghai local time, naive (the store's convention)."""
    return datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def write_audit(conn: sa.Connection, username: str, role: str | None, action: str, target: str | None,
                detail: dict[str, Any] | None = None, ip: str | None = None,
                at: datetime | None = None) -> None:
    """Append one audit row inside the caller's transaction; ``action`` is one of
    ``schema.AUDIT_ACTIONS``."""
    if action not in s.AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    conn.execute(sa.insert(s.audit_log).values(
        at=at or now_local(), username=username[:64], role=role, action=action,
        target=None if target is None else str(target)[:256], detail=detail, ip=ip))
