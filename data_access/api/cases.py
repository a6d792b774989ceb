"""稽查办案 (/cases): stage funnel, opened/closed trend, causes and sources, money, time limits."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import (
    Rows,
    as_of,
    bounded,
    breakdown,
    check_choice,
    check_limit,
    check_period,
    check_scope,
    month_buckets,
    office_names,
    ratio,
    reading,
    stamp_as_of,
    to_int,
)
from data_access.cache import memoized
from data_access.schema import ENUMS

STAGES = ENUMS[("case_file", "stage")]
DIMENSIONS = ("cause", "source", "office_code", "street_code")


@memoized
def case_funnel(scope: tuple[str, ...] | None = None, office_code: str | None = None) -> pd.DataFrame:
    """Cases by current stage, in procedure order (立案 → … → 结案): stage, n, open (not closed)."""
    with reading() as r:
        scope = check_scope(r, scope)
        where = {"office_code": office_code} if office_code else {}
        f = breakdown(r, "case_state", {"n": "n"}, "stage", STAGES, where=where, scope=scope)
        f_open = r.aggregate(
            "case_state",
            {"open": "n"},
            by=("stage",),
            where={**where, "age_band": ("lt60", "60_90", "gt90")},
            scope=scope,
        )
    f = f.merge(f_open, on="stage", how="left").fillna({"open": 0.0})
    return to_int(f, "n", "open")


@memoized
def case_trend(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per month of ``[start, end)``: opened, closed, decisions, fines_yuan, confiscation_yuan."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        opened = r.aggregate("case_opened", {"opened": "n"}, start=start, end=end, by=("month",), scope=scope)
        closed = r.aggregate("case_closed", {"closed": "n"}, start=start, end=end, by=("month",), scope=scope)
        money = r.aggregate(
            "case_decided",
            {"decisions": "n", "fines_yuan": "fine_yuan", "confiscation_yuan": "confiscation_yuan"},
            start=start,
            end=end,
            by=("month",),
            scope=scope,
        )
    out = pd.DataFrame({"month": month_buckets(start, end)})
    for f in (opened, closed, money):
        out = out.merge(f, on="month", how="left")
    return stamp_as_of(to_int(out.fillna(0.0), "opened", "closed", "decisions"), end)


@memoized
def cases_by(dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per cause, source, office_code or street_code over ``[start, end)``: opened, closed,
    transferred_to_police, fines_yuan, confiscation_yuan (largest opened first)."""
    check_choice(dimension, DIMENSIONS, "dimension")
    start, end = check_period(start, end)
    values = ENUMS[("case_file", dimension)] if dimension in ("cause", "source") else None
    with reading() as r:
        scope = check_scope(r, scope)
        kw = {"start": start, "end": end, "scope": scope}
        opened = breakdown(
            r, "case_opened", {"opened": "n", "transferred_to_police": "n_police"}, dimension, values, **kw
        )
        closed = r.aggregate("case_closed", {"closed": "n"}, by=(dimension,), **kw)
        money = r.aggregate(
            "case_decided",
            {"fines_yuan": "fine_yuan", "confiscation_yuan": "confiscation_yuan"},
            by=(dimension,),
            **kw,
        )
        names = office_names(r) if dimension == "office_code" else None
    out = opened.merge(closed, on=dimension, how="outer").merge(money, on=dimension, how="outer").fillna(0.0)
    out = to_int(out, "opened", "closed", "transferred_to_police")
    if names is not None:
        out.insert(1, "office_name", out["office_code"].map(names))
    return out.sort_values(["opened", dimension], ascending=[False, True]).reset_index(drop=True)


@memoized
def duration_by_office(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Cases closed in ``[start, end)`` per office: office_code, office_name, closed,
    avg_duration_minutes, within_90d_rate."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "case_closed",
            {"closed": "n", "within": "n_within_90d", "minutes": "duration_minutes"},
            start=start,
            end=end,
            by=("office_code",),
            scope=scope,
        )
        names = office_names(r)
    f["avg_duration_minutes"] = ratio(f["minutes"], f["closed"])
    f["within_90d_rate"] = ratio(f["within"], f["closed"])
    f = to_int(f, "closed")
    f.insert(1, "office_name", f["office_code"].map(names))
    return f.drop(columns=["within", "minutes"]).sort_values("office_code").reset_index(drop=True)


@memoized
def cases_near_limit(
    scope: tuple[str, ...] | None = None, min_days: int = 60, limit: int = 200, office_code: str | None = None
) -> Rows:
    """Open cases at least ``min_days`` old at D (the 90-day limit approaching or passed), oldest
    first: case_no, uscc, entity_name, office_code, cause, source, stage, opened_on, days_open,
    overdue (more than 90 days)."""
    limit = check_limit(limit)
    f, e = s.case_file, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        d = as_of(r)
        stmt = (
            sa.select(
                f.c.case_no,
                f.c.uscc,
                e.c.name.label("entity_name"),
                f.c.office_code,
                f.c.cause,
                f.c.source,
                f.c.stage,
                f.c.opened_on,
            )
            .join(e, e.c.uscc == f.c.uscc)
            .where(f.c.closed_on.is_(None), f.c.opened_on <= d - timedelta(days=min_days))
            .order_by(f.c.opened_on, f.c.case_no)
        )
        if scope is not None:
            stmt = stmt.where(e.c.street_code.in_(scope))
        if office_code:
            stmt = stmt.where(f.c.office_code == office_code)
        rows = bounded(r, stmt, limit)
    opened = pd.to_datetime(rows.frame["opened_on"])
    rows.frame["days_open"] = (pd.Timestamp(d) - opened).dt.days.astype("int64")
    rows.frame["overdue"] = rows.frame["days_open"] > 90
    return rows
