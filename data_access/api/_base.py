"""Shared plumbing of the read API: the reading context, argument checks, bounded results, masking."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from data_access import marts
from data_access.cache import pinned_version
from data_access.db import get_meta, store
from data_access.freshness import data_time
from data_access.marts import Reader
from data_access.uscc import validate_uscc

#: Upper bound of any detail read, whatever the caller asks for.
MAX_LIMIT = 50_000


@dataclass
class Rows:
    """Detail rows read with a limit: ``frame`` holds at most ``limit`` rows, ``truncated`` says
    whether more matched (the screens then say so)."""

    frame: pd.DataFrame
    truncated: bool
    limit: int

    def __len__(self) -> int:
        return len(self.frame)


@contextmanager
def reading() -> Iterator[Reader]:
    """A reader over the pinned data version (set by ``memoized``) or else the live one."""
    with store.engine.connect() as conn:
        yield marts.reader(conn, pinned_version())


@dataclass(frozen=True)
class Scoped:
    """A reader bound to the caller's checked scope and, for a period read, its checked period
    ``[start, end)``: ``aggregate`` and ``breakdown`` read within both unless told otherwise, and
    ``in_scope`` limits a detail query to the scope's streets."""

    r: Reader
    scope: tuple[str, ...] | None
    start: date | None = None
    end: date | None = None

    def _within(self, kwargs: dict[str, object]) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "scope": self.scope, **kwargs}

    def aggregate(
        self, source: str, measures: dict[str, object] | list[str], **kwargs: object
    ) -> pd.DataFrame:
        """``Reader.aggregate`` within this read's scope and period (a state mart has no period)."""
        return self.r.aggregate(source, measures, **self._within(kwargs))

    def breakdown(
        self,
        source: str,
        measures: dict[str, object] | list[str],
        dimension: str,
        values: Sequence[str] | None = None,
        **kwargs: object,
    ) -> pd.DataFrame:
        """``breakdown`` within this read's scope and period."""
        return breakdown(self.r, source, measures, dimension, values, **self._within(kwargs))

    def in_scope(self, stmt: sa.Select, street: sa.ColumnElement) -> sa.Select:
        """``stmt`` limited to rows whose ``street`` is in the scope (unchanged for the district)."""
        return stmt if self.scope is None else stmt.where(street.in_(self.scope))


@contextmanager
def scoped_reading(
    scope: Sequence[str] | None, period: tuple[date | str | None, date | str | None] | None = None
) -> Iterator[Scoped]:
    """What every screen read does first: check the period (when the read has one), open a reader
    over the pinned version, and check the scope against that version's streets."""
    start, end = check_period(*period) if period is not None else (None, None)
    with reading() as r:
        yield Scoped(r, check_scope(r, scope), start, end)


def as_date(value: date | str | None, name: str) -> date | None:
    """A date from a date, datetime or ISO string (None stays None); ``ValueError`` otherwise."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"{name} 不是有效日期（YYYY-MM-DD）：{value!r}") from None


def check_period(start: date | str | None, end: date | str | None) -> tuple[date, date]:
    """A half-open period ``[start, end)``; both required, ``start <= end``."""
    s, e = as_date(start, "start"), as_date(end, "end")
    if s is None or e is None:
        raise ValueError("需要给出期间：start 和 end（半开区间 [start, end)）")
    if s > e:
        raise ValueError(f"期间开始 {s} 晚于结束 {e}")
    return s, e


def street_codes(r: Reader) -> dict[str, str]:
    """Street code → name of the version being read."""
    t = r.table("street_dim")
    return dict(r.conn.execute(sa.select(t.c.code, t.c.name).order_by(t.c.code)).all())


def check_scope(r: Reader, scope: Sequence[str] | None) -> tuple[str, ...] | None:
    """The scope as a sorted tuple of known street codes (None = the whole district).

    An unknown code raises ``ValueError``: a typo must not silently widen or empty a view.
    """
    if scope is None:
        return None
    if isinstance(scope, str):
        scope = (scope,)
    codes = tuple(sorted({str(c).strip() for c in scope}))
    unknown = [c for c in codes if c not in street_codes(r)]
    if unknown:
        raise ValueError(f"未知街镇代码：{', '.join(unknown)}")
    return codes


def check_street(r: Reader, street: str | None) -> str | None:
    """One street code (or None); ``ValueError`` if unknown."""
    if street is None:
        return None
    return check_scope(r, (street,))[0]


def check_choice(value: str | None, allowed: Sequence[str], name: str) -> str | None:
    """``value`` if it is one of ``allowed`` (None passes); ``ValueError`` otherwise."""
    if value is not None and value not in allowed:
        raise ValueError(f"{name} 取值无效：{value!r}；可选：{', '.join(map(str, allowed))}")
    return value


def check_limit(limit: int) -> int:
    """A positive row limit no larger than ``MAX_LIMIT``."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit 必须是正整数：{limit!r}")
    return min(limit, MAX_LIMIT)


def check_uscc(code: str) -> str:
    """The normalised USCC; raises ``data_access.uscc.InvalidUSCC``."""
    return validate_uscc(code)


def bounded(r: Reader, stmt: sa.Select, limit: int) -> Rows:
    """Run ``stmt`` for at most ``limit`` rows, reading one more to know whether it truncated."""
    frame = r.frame(stmt.limit(limit + 1))
    truncated = len(frame) > limit
    return Rows(frame.iloc[:limit].reset_index(drop=True), truncated, limit)


def current_data_time(r: Reader) -> datetime | None:
    """The data time recorded by the refresh that built the version being read."""
    value = get_meta(r.conn, "source_data_time")
    return datetime.fromisoformat(value) if value else data_time(r.conn)


_PHONE_DIGITS = re.compile(r"\d")


def mask_name(name: object) -> object:
    """张三 → 张*, 欧阳娜娜 → 欧***: the first character and one star per hidden character."""
    if not isinstance(name, str) or not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: object) -> object:
    """13812341234 → 138****1234: keep the first three and the last four digits."""
    if not isinstance(phone, str) or not phone:
        return phone
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def mask_frame(frame: pd.DataFrame, names: Sequence[str] = (), phones: Sequence[str] = ()) -> pd.DataFrame:
    """A copy of ``frame`` with personal-data columns masked."""
    out = frame.copy()
    for c in names:
        if c in out:
            out[c] = out[c].map(mask_name)
    for c in phones:
        if c in out:
            out[c] = out[c].map(mask_phone)
    return out


def to_int(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Counts as int64 (sums come back as floats)."""
    for c in columns:
        frame[c] = frame[c].round().astype("int64")
    return frame


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE wildcards in ``text`` escaped (use with ``escape='\\\\'``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def breakdown(
    r: Reader,
    source: str,
    measures: dict[str, object] | list[str],
    dimension: str,
    values: Sequence[str] | None = None,
    **kwargs: object,
) -> pd.DataFrame:
    """``Reader.aggregate`` by one dimension, every value of ``values`` present (0 when absent),
    measures as floats; ``kwargs`` go to ``aggregate`` (start, end, where, scope)."""
    f = r.aggregate(source, measures, by=(dimension,), **kwargs)
    if values is not None:
        f = pd.DataFrame({dimension: list(values)}).merge(f, on=dimension, how="left")
        f = f.fillna({c: 0.0 for c in f.columns if c != dimension})
    return f


def office_names(r: Reader) -> dict[str, str]:
    """Office code → name of the version being read."""
    t = r.table("office_dim")
    return dict(r.conn.execute(sa.select(t.c.code, t.c.name)).all())


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, NaN where the denominator is 0."""
    return num.astype(float) / den.astype(float).where(den > 0)


def month_buckets(start: date, end: date) -> pd.DatetimeIndex:
    """Month starts covering ``[start, end)``."""
    return pd.date_range(
        pd.Timestamp(start.replace(day=1)), pd.Timestamp(end) - pd.Timedelta(days=1), freq="MS"
    )


def as_of(r: Reader) -> date:
    """D, the as-of date of the version being read."""
    dt = current_data_time(r)
    return dt.date() if dt else date.today()


def stamp_as_of(frame: pd.DataFrame, end: date) -> pd.DataFrame:
    """Record in ``frame.attrs["as_of"]`` the instant a trend over ``[start, end)`` is complete to:
    the data time of the live version, or ``end`` when the period closed before it.

    The chart factories read it to draw the current, partial period distinctly
    (``components.partial``), so the last bucket of a trend is never read as a drop.
    """
    with reading() as r:
        dt = current_data_time(r)
    closes = datetime.combine(end, datetime.min.time())
    frame.attrs["as_of"] = min(dt, closes) if dt else closes
    return frame
