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
    check_choice,
    check_limit,
    month_buckets,
    office_names,
    ratio,
    scoped_reading,
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
    with scoped_reading(scope) as q:
        where = {"office_code": office_code} if office_code else {}
        f = q.breakdown("case_state", {"n": "n"}, "stage", STAGES, where=where)
        f_open = q.aggregate(
            "case_state", {"open": "n"}, by=("stage",), where={**where, "age_band": ("lt60", "60_90", "gt90")}
        )
    f = f.merge(f_open, on="stage", how="left").fillna({"open": 0.0})
    return to_int(f, "n", "open")


@memoized
def case_trend(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per month of ``[start, end)``: opened, closed, decisions, fines_yuan, confiscation_yuan."""
    with scoped_reading(scope, (start, end)) as q:
        opened = q.aggregate("case_opened", {"opened": "n"}, by=("month",))
        closed = q.aggregate("case_closed", {"closed": "n"}, by=("month",))
        money = q.aggregate(
            "case_decided",
            {"decisions": "n", "fines_yuan": "fine_yuan", "confiscation_yuan": "confiscation_yuan"},
            by=("month",),
        )
    out = pd.DataFrame({"month": month_buckets(q.start, q.end)})
    for f in (opened, closed, money):
        out = out.merge(f, on="month", how="left")
    return stamp_as_of(to_int(out.fillna(0.0), "opened", "closed", "decisions"), end)


@memoized
def cases_by(dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per cause, source, office_code or street_code over ``[start, end)``: opened, closed,
    transferred_to_police, fines_yuan, confiscation_yuan (largest opened first)."""
    check_choice(dimension, DIMENSIONS, "dimension")
    values = ENUMS[("case_file", dimension)] if dimension in ("cause", "source") else None
    with scoped_reading(scope, (start, end)) as q:
        opened = q.breakdown(
            "case_opened", {"opened": "n", "transferred_to_police": "n_police"}, dimension, values
        )
        closed = q.aggregate("case_closed", {"closed": "n"}, by=(dimension,))
        money = q.aggregate(
            "case_decided",
            {"fines_yuan": "fine_yuan", "confiscation_yuan": "confiscation_yuan"},
            by=(dimension,),
        )
        names = office_names(q.r) if dimension == "office_code" else None
    out = opened.merge(closed, on=dimension, how="outer").merge(money, on=dimension, how="outer").fillna(0.0)
    out = to_int(out, "opened", "closed", "transferred_to_police")
    if names is not None:
        out.insert(1, "office_name", out["office_code"].map(names))
    return out.sort_values(["opened", dimension], ascending=[False, True]).reset_index(drop=True)


@memoized
def duration_by_office(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Cases closed in ``[start, end)`` per office: office_code, office_name, closed,
    avg_duration_minutes, within_90d_rate."""
    with scoped_reading(scope, (start, end)) as q:
        f = q.aggregate(
            "case_closed",
            {"closed": "n", "within": "n_within_90d", "minutes": "duration_minutes"},
            by=("office_code",),
        )
        names = office_names(q.r)
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
    with scoped_reading(scope) as q:
        d = as_of(q.r)
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
        stmt = q.in_scope(stmt, e.c.street_code)
        if office_code:
            stmt = stmt.where(f.c.office_code == office_code)
        rows = bounded(q.r, stmt, limit)
    opened = pd.to_datetime(rows.frame["opened_on"])
    rows.frame["days_open"] = (pd.Timestamp(d) - opened).dt.days.astype("int64")
    rows.frame["overdue"] = rows.frame["days_open"] > 90
    return rows
