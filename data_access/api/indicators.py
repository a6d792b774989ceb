"""The indicator library for screens: catalogue with current values, KPI strips, breakdowns, trends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access import indicators as lib
from data_access.api._base import check_period, check_scope, current_data_time, reading
from data_access.cache import memoized

#: Standard period names a KPI may be read for (see ``indicators.standard_periods``).
PERIODS = (
    "today",
    "yesterday",
    "week",
    "last_week",
    "month",
    "last_month",
    "year",
    "last_year",
    "month_last_year",
    "mtd_last_year",
    "ytd_last_year",
)
#: The comparison periods of each KPI period: the previous period and the same span last year.
COMPARE = {
    "today": ("yesterday", None),
    "week": ("last_week", None),
    "month": ("last_month", "mtd_last_year"),
    "year": ("last_year", "ytd_last_year"),
}


def _stored(r, ids: Sequence[str]) -> pd.DataFrame:
    t = r.table("indicator_value")
    return r.frame(
        sa.select(t.c.indicator_id, t.c.period, t.c.start, t.c.end, t.c.value).where(
            t.c.indicator_id.in_(list(ids))
        )
    )


def _values(r, ids: Sequence[str], period: str, scope: tuple[str, ...] | None) -> dict[str, float | None]:
    """District values come from the refresh's stored table; scoped ones are computed from marts."""
    states = [i for i in ids if lib.get(i).kind == "state"]
    periods = [i for i in ids if lib.get(i).kind == "period"]
    out: dict[str, float | None] = {}
    if scope is None and not r.raw:
        stored = _stored(r, ids)
        rows = stored[(stored["period"] == "state") | (stored["period"] == period)]
        out = {
            k: (None if pd.isna(v) else float(v))
            for k, v in zip(rows["indicator_id"], rows["value"], strict=True)
        }
        return {i: out.get(i) for i in ids}
    lo, hi = lib.standard_periods(_as_of(r))[period]
    frames = []
    if states:
        frames.append(lib.evaluate(r, states, scope=scope))
    if periods:
        frames.append(lib.evaluate(r, periods, start=lo, end=hi, scope=scope))
    for f in frames:
        out.update(
            {
                k: (None if pd.isna(v) else float(v))
                for k, v in zip(f["indicator_id"], f["value"], strict=True)
            }
        )
    return {i: out.get(i) for i in ids}


def _as_of(r) -> date:
    dt = current_data_time(r)
    return dt.date() if dt else date.today()


def _check_ids(ids: Sequence[str]) -> tuple[str, ...]:
    if isinstance(ids, str):
        ids = (ids,)
    for i in ids:
        lib.get(i)
    return tuple(ids)


@memoized
def indicator_catalogue(scope: tuple[str, ...] | None = None, period: str = "month") -> pd.DataFrame:
    """Every indicator: id, name, definition, unit, grain, dimensions, theme, kind, core, value, data_time.

    ``value`` is the current value: state indicators as of the data time, period indicators over
    the standard ``period`` (default this month); ``period_start``/``period_end`` say which.
    """
    if period not in PERIODS:
        raise ValueError(f"period 取值无效：{period!r}；可选：{', '.join(PERIODS)}")
    with reading() as r:
        scope = check_scope(r, scope)
        cat = lib.catalogue_frame()
        values = _values(r, list(cat["id"]), period, scope)
        as_of = _as_of(r)
        dt = current_data_time(r)
    lo, hi = lib.standard_periods(as_of)[period]
    cat["value"] = cat["id"].map(values).astype(float)
    cat["period_start"] = [lo if k == "period" else None for k in cat["kind"]]
    cat["period_end"] = [hi if k == "period" else None for k in cat["kind"]]
    cat["data_time"] = dt
    return cat


@memoized
def kpis(ids: tuple[str, ...], period: str = "today", scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A KPI strip: for each id, its value over the standard ``period`` (or as of the data time),
    the previous period's value and the same span last year where they apply.

    Columns: indicator_id, name, unit, value_type, kind, period, value, previous, last_year, data_time.
    """
    ids = _check_ids(ids)
    if period not in COMPARE:
        raise ValueError(f"period 取值无效：{period!r}；可选：{', '.join(COMPARE)}")
    prev_key, ly_key = COMPARE[period]
    with reading() as r:
        scope = check_scope(r, scope)
        now = _values(r, ids, period, scope)
        prev = _values(r, ids, prev_key, scope)
        ly = _values(r, ids, ly_key, scope) if ly_key else {}
        dt = current_data_time(r)
    rows = []
    for i in ids:
        ind = lib.get(i)
        is_period = ind.kind == "period"
        rows.append(
            {
                "indicator_id": i,
                "name": ind.name,
                "unit": ind.unit,
                "value_type": ind.value_type,
                "kind": ind.kind,
                "period": period if is_period else "state",
                "value": now[i],
                "previous": prev.get(i) if is_period else None,
                "last_year": ly.get(i) if is_period else None,
                "data_time": dt,
            }
        )
    return pd.DataFrame(rows)


@memoized
def indicator_values(
    ids: tuple[str, ...],
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    by: tuple[str, ...] = (),
    filters: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Values of indicators over ``[start, end)``, optionally broken down ``by`` dimensions.

    Long format: ``[*by, indicator_id, value]``. ``filters`` fixes dimensions (e.g.
    ``{"channel": "12345"}``); every chosen indicator must allow the dimensions used.
    """
    ids = _check_ids(ids)
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        return lib.evaluate(
            r, ids, start=start, end=end, scope=scope, by=tuple(by), where=dict(filters or {})
        )


_FREQ = {"day": "D", "month": "MS", "year": "YS"}


def _full_buckets(frame: pd.DataFrame, start: date, end: date, grain: str, value_type: str) -> pd.DataFrame:
    """Every bucket of the period, a count with no rows being 0 (a ratio stays empty)."""
    first = pd.Timestamp(start).to_period({"day": "D", "month": "M", "year": "Y"}[grain]).to_timestamp()
    buckets = pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(days=1), freq=_FREQ[grain])
    out = pd.DataFrame({"period": buckets}).merge(frame, on="period", how="left")
    if value_type != "rate" and value_type != "duration":
        out["value"] = out["value"].fillna(0)
    return out


@memoized
def indicator_trend(
    indicator_id: str,
    start: date,
    end: date,
    grain: str = "month",
    scope: tuple[str, ...] | None = None,
    with_last_year: bool = True,
) -> pd.DataFrame:
    """A period indicator per ``grain`` bucket (day, month or year) over ``[start, end)``.

    Columns: ``period`` (bucket start), ``value`` and, with ``with_last_year``, ``last_year``
    (the same bucket a year earlier), for year-over-year lines.
    """
    ind = lib.get(indicator_id)
    if ind.kind != "period":
        raise ValueError(f"{indicator_id} 是状态指标，没有时间趋势")
    if grain not in ("day", "month", "year"):
        raise ValueError(f"grain 取值无效：{grain!r}；可选：day, month, year")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        cur = lib.evaluate(r, [indicator_id], start=start, end=end, scope=scope, by=(grain,))
        out = _full_buckets(
            cur.rename(columns={grain: "period"})[["period", "value"]], start, end, grain, ind.value_type
        )
        if with_last_year:
            lo, hi = lib.shift_year(start, -1), lib.shift_year(end, -1)
            ly = lib.evaluate(r, [indicator_id], start=lo, end=hi, scope=scope, by=(grain,))
            ly["period"] = ly[grain] + pd.DateOffset(years=1)
            out = out.merge(
                ly[["period", "value"]].rename(columns={"value": "last_year"}), on="period", how="left"
            )
    return out.sort_values("period").reset_index(drop=True)
