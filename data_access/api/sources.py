"""Freshness of each source feeding the store: which one has stopped, and since when.

The "数据延迟" banner rises when the app's own refresh fails. A feed that stops upstream — the 12345
hotline export, the camera platform — leaves the refresh succeeding on hours-old rows; only the age
of each source's newest row shows it. This module reads that age from the source tables (one
indexed ``MAX`` per source, not the read layer: a stale read layer must not hide a stopped feed)
and compares it with the source's expected freshness, which is shorter in office hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from data_access import schema
from data_access.db import store

#: Each source and the column holding the instant (or date) of its rows, in display order.
SOURCES: dict[str, sa.Column] = {
    "complaints": schema.complaint.c.received_at,
    "alarms": schema.device_alarm.c.at,
    "warnings": schema.warning.c.raised_at,
    "incidents": schema.incident.c.reported_at,
    "readings": schema.device_reading.c.at,
    "registrations": schema.entity.c.established_on,
}


@dataclass(frozen=True)
class SourceAge:
    """The newest row of one source and whether it is older than expected at ``now``."""

    source: str
    newest: datetime | None
    limit_minutes: int
    late: bool

    def silent_minutes(self, now: datetime) -> int | None:
        """Minutes since the newest row (None for an empty source)."""
        if self.newest is None:
            return None
        return max(0, int((now - self.newest).total_seconds() // 60))


def parse_freshness(text: str) -> dict[str, tuple[int, int]]:
    """``complaints=120/720,alarms=60`` → ``{"complaints": (120, 720), "alarms": (60, 60)}`` (minutes,
    office hours / otherwise). ``ValueError`` for an unknown source or a malformed entry."""
    out: dict[str, tuple[int, int]] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, spec = part.partition("=")
        name = name.strip()
        if name not in SOURCES:
            raise ValueError(f"未知数据源 {name!r}；可选：{', '.join(SOURCES)}")
        inside, _, outside = spec.partition("/")
        try:
            limits = (int(inside), int(outside or inside))
        except ValueError:
            raise ValueError(f"数据源新鲜度格式应为 名称=分钟/分钟：{part!r}") from None
        if min(limits) <= 0:
            raise ValueError(f"数据源新鲜度必须为正：{part!r}")
        out[name] = limits
    return out


def parse_office_hours(text: str) -> tuple[time, time]:
    """``08:00-20:00`` → ``(time(8), time(20))``; ``ValueError`` when malformed or empty."""
    try:
        start, end = (time.fromisoformat(t.strip()) for t in text.split("-"))
    except ValueError:
        raise ValueError(f"工作时段格式应为 HH:MM-HH:MM：{text!r}") from None
    if start >= end:
        raise ValueError(f"工作时段的开始应早于结束：{text!r}")
    return start, end


def in_office_hours(now: datetime, hours: tuple[time, time]) -> bool:
    """Monday–Friday between the two times (bureau time)."""
    return now.weekday() < 5 and hours[0] <= now.time() < hours[1]


def _newest(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        # a date-only source (a registration day) is complete at the end of that day
        return datetime.combine(value, time()) + timedelta(days=1)
    text = str(value)
    if len(text) == 10:
        return datetime.fromisoformat(text) + timedelta(days=1)
    return datetime.fromisoformat(text)


def source_ages(now: datetime, limits: Mapping[str, tuple[int, int]],
                office_hours: tuple[time, time], *, engine: sa.Engine | None = None) -> list[SourceAge]:
    """The age of every source in ``limits`` at ``now`` (naive, bureau time), in ``SOURCES`` order.

    A source is late when its newest row is older than its limit for ``now`` (the office-hours one
    inside office hours); an empty source is late too (nothing ever arrived). Not memoised: the
    answer moves with the clock, and each source is one index probe.
    """
    which = 0 if in_office_hours(now, office_hours) else 1
    out = []
    with (engine or store.engine).connect() as conn:
        for name, column in SOURCES.items():
            if name not in limits:
                continue
            newest = _newest(conn.execute(sa.select(sa.func.max(column))).scalar())
            limit = limits[name][which]
            late = newest is None or now - newest > timedelta(minutes=limit)
            out.append(SourceAge(name, newest, limit, late))
    return out


def late_sources(now: datetime, limits: Mapping[str, tuple[int, int]],
                 office_hours: tuple[time, time], *, engine: sa.Engine | None = None) -> list[SourceAge]:
    """Only the late ones of ``source_ages``."""
    return [s for s in source_ages(now, limits, office_hours, engine=engine) if s.late]
