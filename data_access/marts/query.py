"""Reading the read-optimised layer: one version, parameterised aggregate queries over marts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from data_access.marts import sqlx
from data_access.marts.core import BuildContext, Cube, Mart

TIME_BUCKETS = ("day", "month", "year")

_raw_reads: ContextVar[bool] = ContextVar("smartsup_raw_reads", default=False)


@contextmanager
def raw_reads() -> Iterator[None]:
    """Inside the block, readers compute every aggregate from the source tables, as the marts'
    definitions say, without using the marts: the baseline the benchmark compares against."""
    token = _raw_reads.set(True)
    try:
        yield
    finally:
        _raw_reads.reset(token)


def raw_mode() -> bool:
    """Whether reads are in ``raw_reads`` mode."""
    return _raw_reads.get()


@dataclass(frozen=True)
class Sum:
    """A measure to add up, optionally only over rows matching ``where`` (a conditional sum)."""

    column: str
    where: Mapping[str, object] | None = None


def first_of_month(d: date) -> date:
    """The first day of ``d``'s month."""
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    """The first day of the month ``n`` months after ``d``'s month."""
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def split_period(start: date, end: date) -> list[tuple[str, date, date]]:
    """Cover ``[start, end)`` with whole months (month grain) and ragged edges (day grain).

    Returns ``(grain, lo, hi)`` parts, each half-open; an empty period gives no parts.
    """
    if start >= end:
        return []
    m0 = start if start.day == 1 else add_months(start, 1)
    m1 = first_of_month(end)
    if m0 >= m1:
        return [("day", start, end)]
    parts = []
    if start < m0:
        parts.append(("day", start, m0))
    parts.append(("month", m0, m1))
    if m1 < end:
        parts.append(("day", m1, end))
    return parts


def _match(col: sa.ColumnElement, value: object) -> sa.ColumnElement:
    if isinstance(value, (tuple, list, set, frozenset)):
        return col.in_(sorted(value, key=str))
    if value is None:
        return col.is_(None)
    return col == value


class Reader:
    """Reads one version of the read layer through one connection."""

    def __init__(
        self,
        conn: sa.Connection,
        version: int,
        marts: Mapping[str, Mart],
        cubes: Mapping[str, Cube],
        raw: bool = False,
    ) -> None:
        self.conn = conn
        self.raw = raw
        self.version = version
        self._marts = marts
        self._cubes = cubes
        self._info: dict[str, str] | None = None

    @classmethod
    def for_build(cls, ctx: BuildContext) -> Reader:
        """A reader over the version ``ctx`` is building, on the build's connection."""
        return cls(ctx.conn, ctx.version, ctx.registry, ctx.cubes)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.conn.dialect.name

    def table(self, name: str) -> sa.Table:
        """The table of mart ``name`` in this reader's version."""
        return self._marts[name].table(self.version, self.conn)

    def frame(self, stmt: sa.Executable) -> pd.DataFrame:
        """Run a statement and return its rows as a DataFrame (column names kept when empty)."""
        result = self.conn.execute(stmt)
        return pd.DataFrame(result.all(), columns=list(result.keys()))

    def aggregate(
        self,
        source: str,
        measures: Mapping[str, str | Sum] | Sequence[str],
        *,
        start: date | None = None,
        end: date | None = None,
        by: Iterable[str] = (),
        where: Mapping[str, object] | None = None,
        scope: Sequence[str] | None = None,
        order: Sequence[tuple[str, bool]] = (),
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Sum ``measures`` of a cube over ``[start, end)`` (or of a state mart), grouped ``by``.

        ``by`` names dimensions and, for cubes, a time bucket (``day``, ``month`` or ``year``);
        ``where`` maps a dimension to a value or a collection of allowed values; ``scope`` limits
        the rows to those street codes. Missing sums are 0; one row per group (a single row when
        ``by`` is empty). ``order`` — (column, ascending) pairs — and ``limit`` keep only the top
        groups, in the database (a ranking of thousands of entities returns ten rows).
        """
        if not isinstance(measures, Mapping):
            measures = {m: m for m in measures}
        spec = {k: (v if isinstance(v, Sum) else Sum(v)) for k, v in measures.items()}
        by = tuple(by)
        where = dict(where or {})
        if scope is not None:
            where["street_code"] = tuple(scope)
        if source in self._cubes:
            if start is None or end is None:
                raise ValueError(f"{source} 是按时间累计的数据，需要给出期间 start/end")
            c = self._cubes[source]
            selects = [
                self._cube_part(c, g, lo, hi, spec, by, where) for g, lo, hi in self._plan(c, start, end, by)
            ]
            dims = set(c.dim_names)
        else:
            mart = self._marts[source]
            selects = [self._part(self._state_rows(mart), mart.time, None, None, None, spec, by, where)]
            dims = set(mart.dims)
        unknown = [k for k in (*[b for b in by if b not in TIME_BUCKETS], *where) if k not in dims]
        if unknown:
            raise ValueError(f"{source} 没有维度 {', '.join(unknown)}")
        if not selects:
            return self._empty(spec, by)
        if len(selects) == 1:
            stmt = selects[0]
        else:
            u = sa.union_all(*selects).subquery("parts")
            stmt = sa.select(*(u.c[b] for b in by), *(sa.func.sum(u.c[k]).label(k) for k in spec)).group_by(
                *(u.c[b] for b in by)
            )
        if order:
            cols = [(sa.literal_column(f'"{c}"'), up) for c, up in order]
            stmt = stmt.order_by(*(c.asc() if up else c.desc() for c, up in cols))
        elif by:
            stmt = stmt.order_by(*(sa.literal_column(f'"{b}"') for b in by))
        if limit is not None:
            stmt = stmt.limit(limit)
        out = self.frame(stmt)
        if out.empty and not by:
            return self._empty(spec, by)
        measures = list(spec)
        out[measures] = out[measures].apply(pd.to_numeric, errors="coerce").fillna(0).astype(float)
        for b in by:
            if b in TIME_BUCKETS:
                out[b] = pd.to_datetime(out[b])
        return out

    def _state_rows(self, mart: Mart) -> sa.FromClause:
        """The rows of a state mart: its table, or in ``raw`` mode the SELECT that fills it, run now
        over the source tables (marts built from other read tables or from frames stay tables)."""
        if self.raw and mart.query is not None and not mart.reads_layer:
            return mart.query(self._context()).subquery(f"raw_{mart.name}")
        return mart.table(self.version, self.conn)

    def _empty(self, spec: Mapping[str, Sum], by: tuple[str, ...]) -> pd.DataFrame:
        if by:
            return pd.DataFrame(
                {
                    **{b: pd.Series([], dtype=object) for b in by},
                    **{k: pd.Series([], dtype=float) for k in spec},
                }
            )
        return pd.DataFrame({k: [0.0] for k in spec})

    def info(self) -> dict[str, str]:
        """Facts recorded by the refresh that built this version (as_of, day_window_start, …)."""
        if self._info is None:
            t = self.table("build_info")
            self._info = dict(self.conn.execute(sa.select(t.c.key, t.c.value)).all())
        return self._info

    def _context(self) -> BuildContext:
        """The build context of this version (its as-of instant), for reading source rows."""
        data_time = datetime.fromisoformat(self.info()["data_time"])
        return BuildContext(self.conn, self.version, data_time, self._marts, self._cubes)

    def _plan(self, c: Cube, start: date, end: date, by: tuple[str, ...]) -> list[tuple[str, date, date]]:
        """Which table serves which part of ``[start, end)``: whole months from the month table,
        days inside the day window from the day table, older days from the source (``raw``)."""
        if start >= end:
            return []
        if self.raw and c.source is not None:
            return [("raw", start, end)]
        parts = [("day", start, end)] if "day" in by or c.month is None else split_period(start, end)
        info = self.info()
        window = date.fromisoformat(info.get(f"day_window_start:{c.name}", info["day_window_start"]))
        plan = []
        for grain, lo, hi in parts:
            if grain == "day" and lo < window:
                if c.source is not None:
                    plan.append(("raw", lo, min(hi, window)))
                if hi > window:
                    plan.append(("day", window, hi))
            else:
                plan.append((grain, lo, hi))
        return plan

    def _cube_part(
        self,
        c: Cube,
        grain: str,
        lo: date,
        hi: date,
        spec: Mapping[str, Sum],
        by: tuple[str, ...],
        where: Mapping[str, object],
    ) -> sa.Select:
        if grain == "raw":
            return self._part(c.raw(self._context(), lo, hi), "day", "day", None, None, spec, by, where)
        used = {b for b in by if b not in TIME_BUCKETS} | set(where)
        used |= {k for m in spec.values() for k in (m.where or {})}
        rollup = c.day_streets if grain == "day" else c.month_streets
        if rollup is not None and used <= {"street_code"}:
            mart = rollup
        else:
            mart = c.day if grain == "day" else c.month
        return self._part(mart.table(self.version, self.conn), mart.time, grain, lo, hi, spec, by, where)

    def _part(
        self,
        t: sa.FromClause,
        time: str | None,
        grain: str | None,
        lo: date | None,
        hi: date | None,
        spec: Mapping[str, Sum],
        by: tuple[str, ...],
        where: Mapping[str, object],
    ) -> sa.Select:
        cols = []
        for b in by:
            if b in TIME_BUCKETS:
                if time is None:
                    raise ValueError(f"没有时间维度，不能按 {b} 分组")
                tc = t.c[time]
                expr = {
                    "day": tc,
                    "month": tc if grain == "month" else sqlx.month_of(self.dialect, tc),
                    "year": sqlx.year_of(self.dialect, tc),
                }[b]
                cols.append(sa.type_coerce(expr, sa.Date).label(b))
            else:
                cols.append(t.c[b].label(b))
        sums = []
        for k, s in spec.items():
            value = t.c[s.column]
            if s.where:
                cond = sa.and_(*(_match(t.c[c], v) for c, v in s.where.items()))
                value = sa.case((cond, value), else_=0)
            sums.append(sa.func.coalesce(sa.func.sum(value), 0).label(k))
        stmt = sa.select(*cols, *sums)
        if lo is not None:
            tc = t.c[time]
            stmt = stmt.where(tc >= lo, tc < hi)
        for c, v in where.items():
            stmt = stmt.where(_match(t.c[c], v))
        if by:
            stmt = stmt.group_by(*cols)
        return stmt
