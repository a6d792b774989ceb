"""The machinery of the read-optimised layer: versioned tables, mart definitions, cubes.

Every read table lives under a version suffix, ``rl_<name>__v<N>``. The refresh builds version
N+1 beside the live one and then switches the single ``meta`` row ``data_version``; a reader
resolves the version once and reads only that version's tables, so it sees one complete set
or the other, never a mix. The previous version is kept until the next refresh, so a reader
that resolved it just before the switch still finds its tables.

A *mart* is one table with its column list and a builder. A *cube* is an additive aggregate
over a time axis, stored twice: at day grain (``<name>_d``) and rolled up to month grain
(``<name>_m``); a period read takes whole months from the month table and only the ragged
edges from the day table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from data_access.db import bulk_insert, get_meta
from data_access.marts import sqlx

VERSION_KEY = "data_version"
TABLE_PREFIX = "rl_"
_NAME_RE = re.compile(r"^rl_(?P<name>[a-z0-9_]+?)__v(?P<version>\d+)$")

Columns = tuple[tuple[str, sa.types.TypeEngine], ...]


class ReadLayerMissing(RuntimeError):
    """The read-optimised layer has not been built yet (run ``smartsup refresh``)."""


def table_name(name: str, version: int) -> str:
    """The physical name of mart ``name`` in ``version``."""
    return f"{TABLE_PREFIX}{name}__v{int(version)}"


def parse_table_name(physical: str) -> tuple[str, int] | None:
    """``(mart name, version)`` of a physical read-layer table name, None for other tables."""
    m = _NAME_RE.match(physical)
    return (m["name"], int(m["version"])) if m else None


def current_version(conn: sa.Connection) -> int | None:
    """The live data version of the read layer, None when it was never built."""
    value = get_meta(conn, VERSION_KEY)
    return int(value) if value else None


@dataclass
class BuildContext:
    """What a mart builder needs: the connection, the version being built and the as-of instant."""

    conn: sa.Connection
    version: int
    data_time: datetime
    registry: Mapping[str, Mart]
    cubes: Mapping[str, Cube]
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        """D, the as-of date (the data time's date)."""
        return self.data_time.date()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.conn.dialect.name

    @property
    def window_start(self) -> date:
        """The first day the day-grain cube tables cover (unless a cube says otherwise)."""
        return self.as_of - timedelta(days=DAY_WINDOW_DAYS)

    def cube_window_start(self, cube: Cube) -> date:
        """The first day ``cube``'s day table covers."""
        return self.as_of - timedelta(days=cube.day_days)

    def table(self, name: str) -> sa.Table:
        """The table of mart ``name`` in the version being built (built earlier in the run)."""
        return self.registry[name].table(self.version, self.conn)


Builder = Callable[[BuildContext, sa.Table], None]


@dataclass(frozen=True)
class Mart:
    """One read table: name, Chinese title, what it holds, its columns and how to build it.

    ``columns=None`` marks a table whose columns come from the frame its builder returns (model
    outputs whose metric columns belong to the model's author); readers reflect those.
    """

    name: str
    title: str
    doc: str
    columns: Columns | None
    build: Builder
    dims: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    time: str | None = None
    topic: str | None = None
    indexes: tuple[tuple[str, ...], ...] = ()
    rows: Callable[[BuildContext], sa.Select] | None = None
    reads_layer: bool = False

    @property
    def query(self) -> Callable[[BuildContext], sa.Select] | None:
        """The SELECT that fills this mart, when it is built by SQL (None for frame-built marts)."""
        return getattr(self.build, "query", None)

    @property
    def range_query(self) -> Callable[[BuildContext, date, date], sa.Select] | None:
        """The SELECT of this mart's rows in ``[lo, hi)`` of its time column (time-partitioned SQL
        marts only): what an incremental refresh runs for the touched days or months."""
        return getattr(self.build, "range_query", None)

    @property
    def range_frame(self) -> Callable[[BuildContext, date, date], pd.DataFrame] | None:
        """Like ``range_query`` for a Python-built cube: its rows in ``[lo, hi)``."""
        return getattr(self.build, "range_frame", None)

    def table(self, version: int, conn: sa.Connection | None = None) -> sa.Table:
        """The ``sa.Table`` of this mart in ``version`` (reflected for frame-shaped marts)."""
        if self.columns is not None:
            return _static_table(self, version)
        if conn is None:
            raise ValueError(f"mart {self.name} has model-defined columns: pass a connection to reflect")
        return _reflected_table(table_name(self.name, version), conn.engine.url.render_as_string(), conn)

    def create(self, ctx: BuildContext, frame: pd.DataFrame | None = None) -> sa.Table:
        """Create this mart's (empty) table for the version being built, with its indexes."""
        # A fresh Table object each time: the indexes attach to it, and the cached read-side
        # objects must not carry them into the next database that builds the same version.
        columns = (
            self.columns if self.columns is not None else [(c, _sa_type(frame[c])) for c in frame.columns]
        )
        t = sa.Table(
            table_name(self.name, ctx.version), sa.MetaData(), *(sa.Column(n, typ) for n, typ in columns)
        )
        for i, cols in enumerate(self.indexes):
            sa.Index(f"ix_{t.name}_{i}", *(t.c[c] for c in cols))
        t.create(ctx.conn)
        return t


# Table objects are only metadata; they are cached because building one per read costs more
# than the read. Each refresh brings a new version, so a long-running worker would accumulate
# them: past a few versions' worth the caches simply start again.
_CACHE_LIMIT = 512
_static: dict[tuple[str, int], sa.Table] = {}


def _static_table(mart: Mart, version: int) -> sa.Table:
    key = (mart.name, version)
    if key not in _static:
        if len(_static) >= _CACHE_LIMIT:
            _static.clear()
        _static[key] = sa.Table(
            table_name(mart.name, version), sa.MetaData(), *(sa.Column(n, t) for n, t in mart.columns)
        )
    return _static[key]


_reflected: dict[tuple[str, str], sa.Table] = {}


def _reflected_table(physical: str, url: str, conn: sa.Connection) -> sa.Table:
    key = (url, physical)
    if key not in _reflected:
        if len(_reflected) >= _CACHE_LIMIT // 8:
            _reflected.clear()
        _reflected[key] = sa.Table(physical, sa.MetaData(), autoload_with=conn)
    return _reflected[key]


def _sa_type(s: pd.Series) -> sa.types.TypeEngine:
    if pd.api.types.is_bool_dtype(s):
        return sa.Boolean()
    if pd.api.types.is_integer_dtype(s):
        return sa.BigInteger()
    if pd.api.types.is_float_dtype(s):
        return sa.Float()
    if pd.api.types.is_datetime64_any_dtype(s):
        return sa.DateTime()
    if len(s.dropna()) and all(isinstance(v, date) and not isinstance(v, datetime) for v in s.dropna()[:50]):
        return sa.Date()
    return sa.Text()


# --- builders --------------------------------------------------------------------------------


def insert_select(query: Callable[[BuildContext], sa.Select]) -> Builder:
    """A builder that fills the mart with ``INSERT … SELECT`` (the database does the work)."""

    def build(ctx: BuildContext, t: sa.Table) -> None:
        sel = query(ctx)
        names = [c.name for c in sel.selected_columns]
        ctx.conn.execute(sa.insert(t).from_select(names, sel))

    build.query = query  # type: ignore[attr-defined]  # lets the refresh run the SELECT elsewhere
    return build


def from_frame(compute: Callable[[BuildContext], pd.DataFrame]) -> Builder:
    """A builder that fills the mart from a DataFrame computed in Python."""

    def build(ctx: BuildContext, t: sa.Table) -> None:
        frame = compute(ctx)
        bulk_insert(ctx.conn, t, frame[[c.name for c in t.columns if c.name in frame.columns]])

    return build


# --- cubes -----------------------------------------------------------------------------------


#: Day-grain cube tables cover this many days up to D (the standard periods' ragged edges, even a
#: year back, fall inside); older edges of a period are read from the source tables, whose time
#: columns are indexed. Keeping five years at day grain would cost the refresh a table almost as
#: large as the source for each cube.
DAY_WINDOW_DAYS = 400


@dataclass(frozen=True)
class Cube:
    """An additive aggregate over a date axis, stored at day grain (recent window) and month grain."""

    name: str
    title: str
    doc: str
    dims: Columns
    measures: Columns
    day: Mart
    month: Mart | None
    source: Callable[[BuildContext], sa.Select] | None = None
    time_col: Callable[[], sa.ColumnElement] | None = None
    topic: str | None = None
    day_days: int = DAY_WINDOW_DAYS
    day_streets: Mart | None = None
    month_streets: Mart | None = None

    @property
    def tables(self) -> tuple[Mart, ...]:
        """The cube's tables in build order (base grains first, then their street rollups)."""
        return tuple(m for m in (self.day, self.month, self.day_streets, self.month_streets) if m is not None)

    @property
    def dim_names(self) -> tuple[str, ...]:
        """Names of the cube's dimensions (all may be grouped by or filtered on)."""
        return tuple(n for n, _ in self.dims)

    @property
    def measure_names(self) -> tuple[str, ...]:
        """Names of the cube's additive measures."""
        return tuple(n for n, _ in self.measures)

    def raw(self, ctx: BuildContext, lo: date | None, hi: date | None) -> sa.Subquery:
        """The source rows (one per event, with ``day``) whose time column lies in ``[lo, hi)``.

        The bounds go on the source's own time column, so its index serves the range.
        """
        sel = self.source(ctx)
        col = self.time_col()
        for bound, op in ((lo, "ge"), (hi, "lt")):
            if bound is None:
                continue
            value = sqlx.ts_bound(ctx.dialect, bound) if isinstance(col.type, sa.DateTime) else bound
            sel = sel.where(col >= value if op == "ge" else col < value)
        return sel.subquery("src")


def cube(
    name: str,
    title: str,
    doc: str,
    *,
    dims: Columns,
    measures: Columns,
    source: Callable[[BuildContext], sa.Select] | None = None,
    time_col: Callable[[], sa.ColumnElement] | None = None,
    frame: Callable[[BuildContext], pd.DataFrame] | None = None,
    month: bool = True,
    day_days: int = DAY_WINDOW_DAYS,
    rollup: bool = True,
    topic: str | None = None,
) -> Cube:
    """Define a cube whose rows come from ``source`` (SQL) or ``frame`` (Python).

    ``source`` returns one row per event with a ``day`` column (DATE), the dimension columns and
    the measure values of that row (1 for a count, an amount, a flag); the builder groups it.
    ``time_col`` names the source column ``day`` derives from (for index-friendly ranges).
    ``frame`` returns day-grain rows already grouped, for what SQL cannot compute (text); such a
    cube has no history beyond what the frame covers. ``month=False`` skips the month table where
    it would be as large as the source (per-entity cubes); ``day_days`` shortens the day window.

    ``rollup`` adds each grain summed over every dimension but the street (``<name>_ds``,
    ``<name>_ms``): a few hundred rows a month instead of thousands, so the reads a screen makes
    most — KPIs, trends, street maps — touch almost nothing. Reads that group or filter by another
    dimension use the full tables.
    """
    dim_names = [n for n, _ in dims]
    measure_names = [n for n, _ in measures]
    if frame is None and (source is None or time_col is None):
        raise ValueError(f"cube {name}: give source and time_col, or frame")
    holder: list[Cube] = []

    def grouped(
        ctx: BuildContext,
        bucket: Callable[[sa.ColumnElement], sa.ColumnElement],
        label: str,
        lo: date | None,
        hi: date | None = None,
    ) -> sa.Select:
        rows = holder[0].raw(ctx, lo, hi)
        key = bucket(rows.c.day)
        keys = [key, *(rows.c[d] for d in dim_names)]
        return (
            sa.select(key.label(label), *keys[1:], *(sa.func.sum(rows.c[m]).label(m) for m in measure_names))
            .where(rows.c.day.is_not(None))
            .group_by(*keys)
        )

    def computed(ctx: BuildContext) -> pd.DataFrame:
        key = f"cube:{name}"
        if key not in ctx.extra:
            out = frame(ctx)
            out["day"] = pd.to_datetime(out["day"])
            ctx.extra[key] = out
        return ctx.extra[key]

    def build_day(ctx: BuildContext, t: sa.Table) -> None:
        start = ctx.as_of - timedelta(days=day_days)
        if frame is not None:
            rows = computed(ctx)
            rows = rows[rows["day"] >= pd.Timestamp(start)]
            bulk_insert(ctx.conn, t, rows[["day", *dim_names, *measure_names]])
            return
        insert_select(day_query)(ctx, t)

    def build_month(ctx: BuildContext, t: sa.Table) -> None:
        if frame is not None:
            rows = computed(ctx)
            rows = rows.assign(month=rows["day"].dt.to_period("M").dt.to_timestamp())
            out = rows.groupby(["month", *dim_names], as_index=False)[measure_names].sum()
            bulk_insert(ctx.conn, t, out)
            return
        insert_select(month_query)(ctx, t)

    def day_query(ctx: BuildContext) -> sa.Select:
        return grouped(ctx, lambda c: c, "day", ctx.as_of - timedelta(days=day_days))

    def month_query(ctx: BuildContext) -> sa.Select:
        return grouped(ctx, lambda c: sqlx.month_of(ctx.dialect, c), "month", None)

    def day_range(ctx: BuildContext, lo: date, hi: date) -> sa.Select:
        # the rows of days [lo, hi) only: an incremental refresh recomputes just the touched days
        return grouped(ctx, lambda c: c, "day", max(lo, ctx.as_of - timedelta(days=day_days)), hi)

    def month_range(ctx: BuildContext, lo: date, hi: date) -> sa.Select:
        # lo and hi are first days of months: the rows of the months in [lo, hi)
        return grouped(ctx, lambda c: sqlx.month_of(ctx.dialect, c), "month", lo, hi)

    def day_frame_range(ctx: BuildContext, lo: date, hi: date) -> pd.DataFrame:
        rows = frame(ctx, max(lo, ctx.as_of - timedelta(days=day_days)), hi)
        rows["day"] = pd.to_datetime(rows["day"])
        return rows[["day", *dim_names, *measure_names]]

    def month_frame_range(ctx: BuildContext, lo: date, hi: date) -> pd.DataFrame:
        rows = frame(ctx, lo, hi)
        rows = rows.assign(month=pd.to_datetime(rows["day"]).dt.to_period("M").dt.to_timestamp())
        return rows.groupby(["month", *dim_names], as_index=False)[measure_names].sum()

    if frame is not None:  # a frame that takes [lo, hi) lets an incremental refresh redo touched days
        build_day.range_frame = day_frame_range  # type: ignore[attr-defined]
        build_month.range_frame = month_frame_range  # type: ignore[attr-defined]
    if frame is None:  # SQL-built tables expose their SELECT, so the refresh may run them in parallel
        build_day.query = day_query  # type: ignore[attr-defined]
        build_month.query = month_query  # type: ignore[attr-defined]
        build_day.range_query = day_range  # type: ignore[attr-defined]
        build_month.range_query = month_range  # type: ignore[attr-defined]

    day = Mart(
        f"{name}_d",
        f"{title}（日，近 {day_days} 天）",
        doc,
        (("day", sa.Date()), *dims, *measures),
        build_day,
        dims=tuple(dim_names),
        measures=tuple(measure_names),
        time="day",
        topic=topic,
        indexes=(("day",),),
    )
    month_mart = (
        Mart(
            f"{name}_m",
            f"{title}（月）",
            doc,
            (("month", sa.Date()), *dims, *measures),
            build_month,
            dims=tuple(dim_names),
            measures=tuple(measure_names),
            time="month",
            topic=topic,
            indexes=(("month",),),
        )
        if month
        else None
    )
    streets = [None, None]
    if rollup and dim_names != ["street_code"]:
        streets = [
            _street_rollup(base, f"{title}（{grain}，按街镇汇总）", doc, measures, measure_names)
            for base, grain in ((day, "日"), (month_mart, "月"))
        ]
    holder.append(
        Cube(name, title, doc, dims, measures, day, month_mart, source, time_col, topic, day_days, *streets)
    )
    return holder[0]


def _street_rollup(
    base: Mart | None, title: str, doc: str, measures: Columns, measure_names: list[str]
) -> Mart | None:
    """``base`` summed over every dimension but the street, built from ``base``'s table."""
    if base is None:
        return None
    time = base.time

    def query(ctx: BuildContext) -> sa.Select:
        t = ctx.table(base.name)
        keys = [t.c[time], t.c.street_code]
        return sa.select(*keys, *(sa.func.sum(t.c[m]).label(m) for m in measure_names)).group_by(*keys)

    def range_query(ctx: BuildContext, lo: date, hi: date) -> sa.Select:
        t = ctx.table(base.name)
        return query(ctx).where(t.c[time] >= lo, t.c[time] < hi)

    build = insert_select(query)
    build.range_query = range_query  # type: ignore[attr-defined]
    return Mart(
        base.name + "s",
        title,
        doc,
        ((time, sa.Date()), ("street_code", sa.String(12)), *measures),
        build,
        dims=("street_code",),
        measures=tuple(measure_names),
        time=time,
        topic=base.topic,
        indexes=((time,),),
        reads_layer=True,
    )


def state(
    name: str,
    title: str,
    doc: str,
    *,
    dims: Columns,
    measures: Columns,
    source: Callable[[BuildContext], sa.Select],
    topic: str | None = None,
    indexes: Sequence[tuple[str, ...]] = (),
) -> Mart:
    """Define a state mart: counts as of D grouped by ``dims`` (no time axis).

    ``source`` returns one row per object with the dimension columns and its measure values.
    """
    dim_names = [n for n, _ in dims]
    measure_names = [n for n, _ in measures]

    def query(ctx: BuildContext) -> sa.Select:
        rows = source(ctx).subquery("src")
        keys = [rows.c[d] for d in dim_names]
        return sa.select(*keys, *(sa.func.sum(rows.c[m]).label(m) for m in measure_names)).group_by(*keys)

    build = insert_select(query)
    return Mart(
        name,
        title,
        doc,
        (*dims, *measures),
        build,
        dims=tuple(dim_names),
        measures=tuple(measure_names),
        topic=topic,
        indexes=tuple(indexes),
        rows=source,
    )
