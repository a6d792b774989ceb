"""Helpers for the operations tests: the audit_log table of the identity schema (data.md §8),
created here while the identity migration is not on this branch (``checkfirst``: a no-op once it is)."""

from __future__ import annotations

import sqlalchemy as sa

_meta = sa.MetaData()
AUDIT_LOG = sa.Table(
    "audit_log", _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("username", sa.String(64)),
    sa.Column("role", sa.String(8)),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("target", sa.String(256)),
    sa.Column("detail", sa.JSON),
    sa.Column("ip", sa.String(45)),
)


def create_audit_log(engine: sa.Engine) -> None:
    """Create ``audit_log`` unless the schema already has it."""
    AUDIT_LOG.create(engine, checkfirst=True)


def audit_rows(engine: sa.Engine) -> list[dict]:
    """Every audit row, oldest first."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(AUDIT_LOG).order_by(AUDIT_LOG.c.id)).mappings()]
