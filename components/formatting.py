"""The one place where numbers, money, rates, durations and dates become Chinese display text.

The wall, the analyst view and the weekly PDF all format through here, so they agree. Raw values
follow the indicator contract (product.md §6): counts are integers, rates fractions in [0, 1],
money in 元, durations in minutes. The *unit* names the display unit and so the kind of value:
``%`` → rate, ``元``/``万元`` → money, ``分钟`` → duration, anything else (户、件、台 …) → count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

ValueKind = Literal["count", "rate", "money", "duration"]

DASH = "—"
_WAN = 10_000
_YI = 100_000_000


@dataclass(frozen=True)
class Formatted:
    """A formatted value, split so a counter animation can roll the number and keep the unit.

    ``number`` is the visible number text ("33.01"), ``unit`` what follows it ("万户"), ``target``
    the float that ``number`` shows (33.01) and ``decimals`` its decimals; ``text`` is both together.
    ``target`` is None when the value is missing.
    """

    number: str
    unit: str
    target: float | None
    decimals: int

    @property
    def text(self) -> str:
        """Number and unit as one string."""
        return f"{self.number}{self.unit}"


def is_missing(value: object) -> bool:
    """True for None, NaN and anything that is not a number."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def value_kind(unit: str) -> ValueKind:
    """The kind of value a display unit implies."""
    if unit in ("%", "百分比"):
        return "rate"
    if unit in ("元", "万元", "亿元"):
        return "money"
    if unit in ("分钟", "小时", "天"):
        return "duration"
    return "count"


def format_number(value: float, decimals: int = 0) -> str:
    """``value`` with thousands separators and a fixed number of decimals (``12,345.6``)."""
    return f"{value:,.{decimals}f}"


def _scaled(value: float, unit: str, *, wan_from: float) -> Formatted:
    """Scale by 万/亿 once the value reaches ``wan_from``; two decimals below 100万, one above."""
    if abs(value) >= _YI:
        v, prefix = value / _YI, "亿"
    elif abs(value) >= wan_from:
        v, prefix = value / _WAN, "万"
    else:
        decimals = 0 if float(value).is_integer() else 2
        return Formatted(format_number(value, decimals), unit, round(value, decimals), decimals)
    decimals = 2 if abs(v) < 100 else 1
    v = round(v, decimals)
    return Formatted(format_number(v, decimals), prefix + unit, v, decimals)


def format_count(value: object, unit: str = "", *, mode: str = "analyst") -> Formatted:
    """A count: full digits for analysts, 万/亿 from 10,000 on the wall (``33.01万户``)."""
    if is_missing(value):
        return Formatted(DASH, "", None, 0)
    v = float(value)  # type: ignore[arg-type]
    return _scaled(v, unit, wan_from=_WAN if mode == "wall" else math.inf)


def format_rate(value: object, *, decimals: int = 1) -> Formatted:
    """A fraction as a percentage (``0.9785`` → ``97.9%``)."""
    if is_missing(value):
        return Formatted(DASH, "", None, 0)
    pct = round(float(value) * 100, decimals)  # type: ignore[arg-type]
    return Formatted(format_number(pct, decimals), "%", pct, decimals)


def format_money(value: object, unit: str = "元") -> Formatted:
    """Money given in 元: 元 below 1万, then 万元, then 亿元 (``unit='万元'`` forces 万元)."""
    if is_missing(value):
        return Formatted(DASH, "", None, 0)
    v = float(value)  # type: ignore[arg-type]
    if unit == "万元":
        w = round(v / _WAN, 2)
        return Formatted(format_number(w, 2), "万元", w, 2)
    return _scaled(v, "元", wan_from=_WAN)


def format_duration(minutes: object) -> Formatted:
    """A duration given in minutes: 分钟 below two hours, 小时 below two days, then 天."""
    if is_missing(minutes):
        return Formatted(DASH, "", None, 0)
    m = float(minutes)  # type: ignore[arg-type]
    if abs(m) < 120:
        v = round(m)
        return Formatted(format_number(v), "分钟", float(v), 0)
    if abs(m) < 48 * 60:
        v = round(m / 60, 1)
        return Formatted(format_number(v, 1), "小时", v, 1)
    v = round(m / 1440, 1)
    return Formatted(format_number(v, 1), "天", v, 1)


def format_value(value: object, unit: str, *, mode: str = "analyst") -> Formatted:
    """Format a raw indicator value for its display ``unit`` (see the module docstring)."""
    kind = value_kind(unit)
    if kind == "rate":
        return format_rate(value)
    if kind == "money":
        return format_money(value, unit)
    if kind == "duration":
        return format_duration(value)
    return format_count(value, unit, mode=mode)


def format_delta(delta: object, unit: str, *, label: str = "") -> str:
    """A change with an arrow: relative change for counts and money (``同比 ↑5.2%``),
    percentage points for rates (``↓0.4个百分点``). ``delta`` is a fraction in both cases."""
    if is_missing(delta):
        return ""
    d = float(delta)  # type: ignore[arg-type]
    arrow = "↑" if d > 0 else "↓" if d < 0 else "→"
    if value_kind(unit) == "rate":
        body = f"{abs(d) * 100:.1f}个百分点"
    else:
        body = f"{abs(d) * 100:.1f}%"
    return f"{label} {arrow}{body}".strip()


def format_date(value: date | datetime | str | None, style: str = "long") -> str:
    """A date as ``2026年11月23日`` (``long``) or ``2026-11-23`` (``short``)."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if style == "short":
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value: datetime | str | None, style: str = "long") -> str:
    """An instant as ``2026年11月23日 18:05`` (``long``) or ``2026-11-23 18:05`` (``short``)."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return format_date(value, style)
    return f"{format_date(value, style)} {value.hour:02d}:{value.minute:02d}"


def data_time_text(value: datetime | date | str | None) -> str:
    """The "data as of" caption shown on every screen (``数据截至 2026年11月20日 18:05``)."""
    if value is None or value == "":
        return "数据截至 —（库中暂无数据）"
    return f"数据截至 {format_datetime(value)}"


def format_week(year: int, week: int, first: date, last: date) -> str:
    """An ISO week with its days: ``2026年第47周（11月16日—11月22日）``.

    The days carry their year only when the week crosses into another calendar year
    (``2026年第1周（2025年12月29日—2026年1月4日）``), so a reader never has to guess it.
    """
    if first.year == last.year == year:
        days = f"{first.month}月{first.day}日—{last.month}月{last.day}日"
    else:
        days = f"{format_date(first)}—{format_date(last)}"
    return f"{year}年第{week}周（{days}）"


def format_month(value: date | datetime | str) -> str:
    """A calendar month as ``2026年10月`` (from a date or a ``YYYY-MM`` string)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value[:7] + "-01")
    return f"{value.year}年{value.month}月"
