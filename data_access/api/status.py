"""Health and freshness of the store and the read layer (for /health and the wall's banner)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from data_access.db import get_meta, store
from data_access.freshness import data_time
from data_access.marts import current_version

log = logging.getLogger(__name__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(sep=" ", timespec="seconds") if value else None


def health() -> dict[str, Any]:
    """``{"status", "database", "data_time", "data_version"}``; never raises.

    ``database`` is ``ok`` or ``error`` (the reason is logged, never answered); ``status`` is ``ok``
    only when the database answers and the read layer exists.
    """
    try:
        with store.engine.connect() as conn:
            conn.execute(sa.select(1))
            version = current_version(conn)
            stamp = get_meta(conn, "source_data_time")
            dt = datetime.fromisoformat(stamp) if stamp else data_time(conn)
    except Exception as exc:  # noqa: BLE001 — health must answer whatever went wrong
        # the reason goes to the log only: /health is public, and a driver's message names hosts
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        log.warning("健康检查：数据库不可用：%s", reason)
        return {
            "status": "error",
            "database": "error",
            "data_time": None,
            "data_version": None,
        }
    return {
        "status": "ok" if version else "degraded",
        "database": "ok",
        "data_time": _iso(dt),
        "data_version": version,
    }


def data_status() -> dict[str, Any]:
    """``{"data_version", "data_time", "refreshed_at"}`` of the live read layer.

    ``data_time`` is the source data time the live version reflects (数据截至); the values are
    None before the first refresh.
    """
    with store.engine.connect() as conn:
        version = current_version(conn)
        return {
            "data_version": version,
            "data_time": get_meta(conn, "source_data_time"),
            "refreshed_at": get_meta(conn, "refreshed_at"),
        }
