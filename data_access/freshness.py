"""The data time (数据时间): the instant of the newest event in the store (data.md §3)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from data_access import schema

# Event columns, each indexed, so every MAX is a single index probe.
_EVENT_COLUMNS = (
    schema.complaint.c.received_at,
    schema.warning.c.raised_at,
    schema.device_alarm.c.at,
    schema.incident.c.reported_at,
    schema.inspection.c.done_on,
    schema.case_file.c.opened_on,
    schema.entity.c.established_on,
    # The four screens' event streams (社会共治 scans, 重大事项保障 patrols, 城运 work orders).
    schema.qr_scan.c.scanned_at,
    schema.assurance_patrol.c.at,
    schema.city_work_order.c.created_at,
)


def _as_datetime(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value))


def data_time(conn: sa.Connection) -> datetime | None:
    """The newest event instant over the event tables; None for an empty store."""
    newest: datetime | None = None
    for col in _EVENT_COLUMNS:
        value = _as_datetime(conn.execute(sa.select(sa.func.max(col))).scalar())
        if value is not None and (newest is None or value > newest):
            newest = value
    return newest
