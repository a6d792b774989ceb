"""The wall's note naming the sources that stopped feeding the store (数据源延迟：投诉举报 3 小时无新数据)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from components.labels import SOURCE_LABELS


class SourceAge(Protocol):
    """What the note needs of one late source (``data_access.api.sources.SourceAge``)."""

    source: str
    newest: datetime | None

    def silent_minutes(self, now: datetime) -> int | None:
        """Minutes since the newest row."""


def silence_text(minutes: int) -> str:
    """``3 小时`` / ``45 分钟`` / ``2 天``: how long a source has been silent, in its largest whole unit."""
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 48 * 60:
        return f"{minutes // 60} 小时"
    return f"{minutes // (24 * 60)} 天"


def _since(newest: datetime, now: datetime) -> str:
    if newest.date() == now.date():
        return f"{newest:%H:%M}"
    return f"{newest.month}月{newest.day}日 {newest:%H:%M}"


def late_sources_text(late: Sequence[SourceAge], now: datetime) -> str:
    """One line for the title bar, empty when every source is on time. One late source is named
    with its newest row; several, each with its silence, so the line still fits the title bar::

        数据源延迟：投诉举报 3 小时无新数据（最新 14:05）
        数据源延迟：投诉举报 3 小时、设备告警 2 天无新数据
    """
    if not late:
        return ""
    if len(late) == 1:
        s = late[0]
        name = SOURCE_LABELS.get(s.source, s.source)
        if s.newest is None:
            return f"数据源延迟：{name} 暂无数据"
        return (f"数据源延迟：{name} {silence_text(s.silent_minutes(now))}无新数据"
                f"（最新 {_since(s.newest, now)}）")
    parts = [f"{SOURCE_LABELS.get(s.source, s.source)} "
             + ("暂无数据" if s.newest is None else silence_text(s.silent_minutes(now))) for s in late]
    return "数据源延迟：" + "、".join(parts) + "无新数据"
