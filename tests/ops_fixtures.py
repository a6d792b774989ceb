"""Helpers for the operations tests."""

from __future__ import annotations

import sqlalchemy as sa

from data_access import schema as s


def audit_rows(engine: sa.Engine) -> list[dict]:
    """Every audit row, oldest first."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(s.audit_log).order_by(s.audit_log.c.id)).mappings()]
