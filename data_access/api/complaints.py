"""投诉举报 (/complaints): by channel, kind and category, trend, rates, streets, entities, hot words."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access import indicators as lib
from data_access import schema as s
from data_access.api._base import (
    Rows,
    bounded,
    check_choice,
    check_limit,
    check_period,
    check_scope,
    check_uscc,
    mask_frame,
    reading,
    stamp_as_of,
    to_int,
)
from data_access.cache import memoized
from data_access.marts import sqlx
from data_access.schema import ENUMS

DIMENSIONS = ("channel", "kind", "category", "street_code")
CHANNELS = ENUMS[("complaint", "channel")]
KINDS = ENUMS[("complaint", "kind")]
CATEGORIES = ENUMS[("complaint", "category")]


def _filters(channel: str | None, kind: str | None, category: str | None) -> dict[str, str]:
    check_choice(channel, CHANNELS, "channel")
    check_choice(kind, KINDS, "kind")
    check_choice(category, CATEGORIES, "category")
    return {k: v for k, v in (("channel", channel), ("kind", kind), ("category", category)) if v is not None}


@memoized
def complaints_by(
    dimension: str,
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    channel: str | None = None,
    kind: str | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """Complaints received in ``[start, end)`` per ``dimension`` (channel, kind, category or
    street_code), optionally filtered (cross-filtering): ``<dimension>, n, share``, largest first.
    Every enumerated value is present (0 when none)."""
    check_choice(dimension, DIMENSIONS, "dimension")
    start, end = check_period(start, end)
    where = _filters(channel, kind, category)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "complaint_recv", ["n"], start=start, end=end, by=(dimension,), where=where, scope=scope
        )
        if dimension == "street_code":
            st = r.table("street_dim")
            values = [c for (c,) in r.conn.execute(sa.select(st.c.code).order_by(st.c.code))]
            values = [c for c in values if scope is None or c in scope]
        else:
            values = list(ENUMS[("complaint", dimension)])
    f = pd.DataFrame({dimension: values}).merge(f, on=dimension, how="left").fillna({"n": 0})
    f = to_int(f, "n")
    total = f["n"].sum()
    f["share"] = f["n"] / total if total else 0.0
    return f.sort_values(["n", dimension], ascending=[False, True]).reset_index(drop=True)


@memoized
def complaint_trend(
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    grain: str = "month",
    channel: str | None = None,
    kind: str | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """Complaints received per ``grain`` (day or month) over ``[start, end)`` with the same bucket a
    year earlier: period, n, n_last_year, yoy (fraction; NaN without a base)."""
    check_choice(grain, ("day", "month"), "grain")
    start, end = check_period(start, end)
    where = _filters(channel, kind, category)
    with reading() as r:
        scope = check_scope(r, scope)
        now = r.aggregate(
            "complaint_recv", ["n"], start=start, end=end, by=(grain,), where=where, scope=scope
        )
        ly = r.aggregate(
            "complaint_recv",
            {"n_last_year": "n"},
            start=lib.shift_year(start, -1),
            end=lib.shift_year(end, -1),
            by=(grain,),
            where=where,
            scope=scope,
        )
    ly[grain] = ly[grain] + pd.DateOffset(years=1)
    freq = "D" if grain == "day" else "MS"
    first = pd.Timestamp(start) if grain == "day" else pd.Timestamp(start.replace(day=1))
    buckets = pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(days=1), freq=freq)
    out = pd.DataFrame({grain: buckets}).merge(now, on=grain, how="left").merge(ly, on=grain, how="left")
    out = to_int(out.fillna({"n": 0, "n_last_year": 0}), "n", "n_last_year")
    out["yoy"] = (out["n"] - out["n_last_year"]) / out["n_last_year"].where(out["n_last_year"] > 0)
    return stamp_as_of(out.rename(columns={grain: "period"}), end)


@memoized
def complaint_rates(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The complaint KPIs over ``[start, end)``: one row per indicator (received, closed, on-time
    rate, satisfaction rate, amount recovered, average handling minutes, open, open overdue):
    indicator_id, name, unit, value."""
    ids = (
        "complaint.received",
        "complaint.closed",
        "complaint.ontime_rate",
        "complaint.satisfaction_rate",
        "complaint.recovered_amount",
        "complaint.avg_handling_minutes",
        "complaint.open",
        "complaint.open_overdue",
    )
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = lib.evaluate(r, ids, start=start, end=end, scope=scope)
    f["name"] = f["indicator_id"].map(lambda i: lib.get(i).name)
    f["unit"] = f["indicator_id"].map(lambda i: lib.get(i).unit)
    f["value"] = f["value"].astype(float)
    return f[["indicator_id", "name", "unit", "value"]]


@memoized
def top_complained_entities(
    start: date, end: date, scope: tuple[str, ...] | None = None, limit: int = 10, category: str | None = None
) -> pd.DataFrame:
    """Entities with the most complaints received in ``[start, end)``:
    uscc, name, street_code, n (most first, ties by code)."""
    start, end = check_period(start, end)
    limit = check_limit(limit)
    where = _filters(None, None, category)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "complaint_entity", ["n"], start=start, end=end, by=("uscc",), where=where, scope=scope,
            order=(("n", False), ("uscc", True)), limit=limit,
        )
        e = s.entity
        names = r.frame(sa.select(e.c.uscc, e.c.name, e.c.street_code).where(e.c.uscc.in_(list(f["uscc"]))))
    names["uscc"] = names["uscc"].astype(str)
    f["uscc"] = f["uscc"].astype(str).str.strip()
    out = f.merge(names, on="uscc", how="left")
    return to_int(out, "n")[["uscc", "name", "street_code", "n"]].reset_index(drop=True)


@memoized
def complaint_hot_words(
    start: date, end: date, scope: tuple[str, ...] | None = None, limit: int = 30
) -> pd.DataFrame:
    """The most frequent words of complaint summaries received in ``[start, end)``: word, n (the
    number of complaints using the word). Covers the last ``HOT_WORD_DAYS`` days up to D."""
    start, end = check_period(start, end)
    limit = check_limit(limit)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate("complaint_word", ["n"], start=start, end=end, by=("word",), scope=scope)
    f = to_int(f, "n").sort_values(["n", "word"], ascending=[False, True]).head(limit)
    return f.reset_index(drop=True)


@memoized
def complaint_list(
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    channel: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    uscc: str | None = None,
    limit: int = 500,
    unmasked: bool = False,
) -> Rows:
    """Complaints received in ``[start, end)``, newest first, at most ``limit`` (drill-down / export):
    id, received_at, channel, kind, category, status, street_code, office_code, uscc, entity_name,
    summary, complainant_name, complainant_phone (masked unless ``unmasked``), due_at, closed_at,
    satisfied, amount_recovered."""
    start, end = check_period(start, end)
    limit = check_limit(limit)
    where = _filters(channel, kind, category)
    c, e = s.complaint, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        stmt = (
            sa.select(
                c.c.id,
                c.c.received_at,
                c.c.channel,
                c.c.kind,
                c.c.category,
                c.c.status,
                c.c.street_code,
                c.c.office_code,
                c.c.uscc,
                e.c.name.label("entity_name"),
                c.c.summary,
                c.c.complainant_name,
                c.c.complainant_phone,
                c.c.due_at,
                c.c.closed_at,
                c.c.satisfied,
                c.c.amount_recovered,
            )
            .select_from(c.outerjoin(e, e.c.uscc == c.c.uscc))
            .where(
                c.c.received_at >= sqlx.ts_bound(r.dialect, start),
                c.c.received_at < sqlx.ts_bound(r.dialect, end),
            )
            .order_by(c.c.received_at.desc(), c.c.id.desc())
        )
        for k, v in where.items():
            stmt = stmt.where(c.c[k] == v)
        if scope is not None:
            stmt = stmt.where(c.c.street_code.in_(scope))
        if uscc is not None:
            stmt = stmt.where(c.c.uscc == check_uscc(uscc))
        rows = bounded(r, stmt, limit)
    if not unmasked:
        rows.frame = mask_frame(rows.frame, names=["complainant_name"], phones=["complainant_phone"])
    rows.frame["amount_recovered"] = pd.to_numeric(rows.frame["amount_recovered"]).astype(float)
    return rows
