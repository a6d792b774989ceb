"""主体信息 (/entities): entity stock and dynamics, industry mix, credit classes, credit lists."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access.api._base import (
    check_choice,
    check_limit,
    check_period,
    check_scope,
    reading,
    stamp_as_of,
    to_int,
)
from data_access.cache import memoized
from data_access.indicators import shift_year
from data_access.marts import industry_sections
from data_access.schema import ENUMS

ENTITY_TYPES = ENUMS[("entity", "entity_type")]
SECTIONS = tuple(sec for sec, *_ in industry_sections())
SECTION_NAMES = {sec: name for sec, name, *_ in industry_sections()}


def _filters(entity_type: str | None, section: str | None) -> dict[str, str]:
    check_choice(entity_type, ENTITY_TYPES, "entity_type")
    check_choice(section, SECTIONS, "section")
    return {k: v for k, v in (("entity_type", entity_type), ("section", section)) if v is not None}


@memoized
def entities_by_type(scope: tuple[str, ...] | None = None, section: str | None = None) -> pd.DataFrame:
    """Active entities per type (enterprise, individual, cooperative, branch): entity_type, n, share."""
    where = {"status": "active", **_filters(None, section)}
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate("entity_stock", ["n"], by=("entity_type",), where=where, scope=scope)
    f = pd.DataFrame({"entity_type": ENTITY_TYPES}).merge(f, on="entity_type", how="left").fillna({"n": 0})
    f = to_int(f, "n")
    total = f["n"].sum()
    f["share"] = f["n"] / total if total else 0.0
    return f


@memoized
def registration_trend(
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    entity_type: str | None = None,
    section: str | None = None,
) -> pd.DataFrame:
    """New registrations and deregistrations (cancelled or revoked) per month over ``[start, end)``:
    month, new, deregistered, net. Months without events are present with zeros."""
    start, end = check_period(start, end)
    where = _filters(entity_type, section)
    with reading() as r:
        scope = check_scope(r, scope)
        new = r.aggregate(
            "entity_reg", {"new": "n"}, start=start, end=end, by=("month",), where=where, scope=scope
        )
        gone = r.aggregate(
            "entity_exit",
            {"deregistered": "n"},
            start=start,
            end=end,
            by=("month",),
            where={**where, "status": ("cancelled", "revoked")},
            scope=scope,
        )
    months = pd.date_range(
        pd.Timestamp(start.replace(day=1)), pd.Timestamp(end) - pd.Timedelta(days=1), freq="MS"
    )
    out = (
        pd.DataFrame({"month": months}).merge(new, on="month", how="left").merge(gone, on="month", how="left")
    )
    out = to_int(out.fillna({"new": 0, "deregistered": 0}), "new", "deregistered")
    out["net"] = out["new"] - out["deregistered"]
    return stamp_as_of(out, end)


@memoized
def industry_mix(scope: tuple[str, ...] | None = None, entity_type: str | None = None) -> pd.DataFrame:
    """Active entities per GB/T 4754 section: section, section_name, n, share (largest first)."""
    where = {"status": "active", **_filters(entity_type, None)}
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate("entity_stock", ["n"], by=("section",), where=where, scope=scope)
    f = to_int(f, "n")
    f["section_name"] = f["section"].map(SECTION_NAMES).fillna("未知")
    total = f["n"].sum()
    f["share"] = f["n"] / total if total else 0.0
    return f.sort_values("n", ascending=False)[["section", "section_name", "n", "share"]].reset_index(
        drop=True
    )


@memoized
def entities_by_street(
    scope: tuple[str, ...] | None = None, entity_type: str | None = None, section: str | None = None
) -> pd.DataFrame:
    """Active entities per street with density: street_code, street_name, area_km2, n, per_km2."""
    where = {"status": "active", **_filters(entity_type, section)}
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate("entity_stock", ["n"], by=("street_code",), where=where, scope=scope)
        st = r.table("street_dim")
        streets = r.frame(
            sa.select(st.c.code.label("street_code"), st.c.name.label("street_name"), st.c.area_km2)
        )
    if scope is not None:
        streets = streets[streets["street_code"].isin(scope)]
    out = streets.merge(f, on="street_code", how="left").fillna({"n": 0})
    out = to_int(out, "n")
    out["per_km2"] = out["n"] / out["area_km2"]
    return out.sort_values("n", ascending=False).reset_index(drop=True)


@memoized
def credit_class_split(
    scope: tuple[str, ...] | None = None, section: str | None = None, entity_type: str = "enterprise"
) -> pd.DataFrame:
    """Credit risk classes among active entities of ``entity_type`` (default enterprises):
    risk_class (A–D, and ``none`` for unclassified), n, share."""
    where = _filters(entity_type, section)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate("credit_class", ["n"], by=("risk_class",), where=where, scope=scope)
    f = (
        pd.DataFrame({"risk_class": ["A", "B", "C", "D"]})
        .merge(f, on="risk_class", how="outer")
        .fillna({"n": 0})
    )
    f = to_int(f, "n")
    total = f["n"].sum()
    f["share"] = f["n"] / total if total else 0.0
    f = f[(f["risk_class"] != "none") | (f["n"] > 0)]
    return f.reset_index(drop=True)


@memoized
def credit_list_counts(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Entries on each credit list (经营异常名录, 严重违法失信, 联合惩戒): list, n_current, n_ever."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate("credit_list_state", ["n_current", "n_ever"], by=("list",), scope=scope)
    f = pd.DataFrame({"list": ENUMS[("credit_list", "list")]}).merge(f, on="list", how="left")
    return to_int(f.fillna({"n_current": 0, "n_ever": 0}), "n_current", "n_ever")


@memoized
def top_growing_industries(
    start: date, end: date, scope: tuple[str, ...] | None = None, limit: int = 10
) -> pd.DataFrame:
    """Sections by new registrations over ``[start, end)`` against the same span a year earlier:
    section, section_name, new, new_last_year, growth (fraction; NaN without a base), largest first."""
    start, end = check_period(start, end)
    limit = check_limit(limit)
    ly_start, ly_end = shift_year(start, -1), shift_year(end, -1)
    with reading() as r:
        scope = check_scope(r, scope)
        now = r.aggregate("entity_reg", {"new": "n"}, start=start, end=end, by=("section",), scope=scope)
        before = r.aggregate(
            "entity_reg", {"new_last_year": "n"}, start=ly_start, end=ly_end, by=("section",), scope=scope
        )
    out = now.merge(before, on="section", how="outer").fillna({"new": 0, "new_last_year": 0})
    out = to_int(out, "new", "new_last_year")
    out["growth"] = (out["new"] - out["new_last_year"]) / out["new_last_year"].where(out["new_last_year"] > 0)
    out["section_name"] = out["section"].map(SECTION_NAMES).fillna("未知")
    out = out.sort_values(["new", "section"], ascending=[False, True]).head(limit)
    return out[["section", "section_name", "new", "new_last_year", "growth"]].reset_index(drop=True)


@memoized
def entity_dynamics(
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    entity_type: str | None = None,
    section: str | None = None,
) -> pd.DataFrame:
    """The 市场主体发展态势 topic library per month: month, new, exits, net, stock_end (month-end stock)."""
    start, end = check_period(start, end)
    where = _filters(entity_type, section)
    with reading() as r:
        scope = check_scope(r, scope)
        t = r.table("topic_entity_dynamics")
        stmt = (
            sa.select(
                t.c.month, *(sa.func.sum(t.c[m]).label(m) for m in ("new", "exits", "net", "stock_end"))
            )
            .where(t.c.month >= start, t.c.month < end)
            .group_by(t.c.month)
            .order_by(t.c.month)
        )
        for k, v in where.items():
            stmt = stmt.where(t.c[k] == v)
        if scope is not None:
            stmt = stmt.where(t.c.street_code.in_(scope))
        f = r.frame(stmt)
    f["month"] = pd.to_datetime(f["month"])
    return to_int(f, "new", "exits", "net", "stock_end")
