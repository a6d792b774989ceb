"""Reads for 总览, 主体信息 and 投诉举报 beyond the screen modules of the read API.

period_bounds(period), month_window(as_of, months), screen_kpis(ids, period, scope, filters),
offices(kind), street_names(), complaint_street_change(period, scope, channel, kind, category),
complaint_points(start, end, scope, …, limit), entity_list(scope, entity_type, section, risk_class,
event, period, limit, unmasked), normalise_uscc(text), read_layer_built().

Periods are named by one string so they travel as a primitive argument (and in a URL): a preset
(``today``, ``week``, ``month``, ``quarter``, ``year``, ``last12m``) relative to the as-of date D,
or one month ``YYYY-MM``. A preset covers the whole calendar period that contains D — the same
span as ``indicators.kpis`` — and its comparison span is the same number of days at the start of
the previous period, so "this month so far" is compared with "the same days of last month", not
with a whole month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from data_access import indicators as lib
from data_access import schema as s
from data_access.api._base import (
    Rows,
    as_of,
    bounded,
    check_choice,
    check_limit,
    check_period,
    check_scope,
    current_data_time,
    mask_frame,
    reading,
    street_codes,
    to_int,
)
from data_access.api.status import data_status
from data_access.cache import memoized
from data_access.marts import add_months, industry_sections, sqlx
from data_access.marts.catalog import section_of
from data_access.schema import ENUMS
from data_access.uscc import InvalidUSCC, validate_uscc

#: Preset period names, in the order a filter offers them.
PERIOD_PRESETS = ("today", "week", "month", "quarter", "year", "last12m")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

#: Dimension filters a KPI strip may be read under (cross-filters of the screens).
KPI_FILTERS = (
    "entity_type", "section", "channel", "kind", "category", "level", "office_code", "cause", "source",
    # 党建 (an activity's organisation kind), 重大事项保障 (a site's risk tier)
    "org_kind", "risk_tier",
)
RISK_CLASSES = ("A", "B", "C", "D")
ENTITY_EVENTS = ("active", "new", "exit")


def parse_month(text: str) -> date | None:
    """The first day of month ``YYYY-MM`` (None when ``text`` is not such a month)."""
    m = _MONTH.match(str(text or ""))
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def is_period(text: str) -> bool:
    """Whether ``text`` names a period (a preset or ``YYYY-MM``)."""
    return text in PERIOD_PRESETS or parse_month(text) is not None


def _bounds(period: str, d: date) -> tuple[date, date, date, date]:
    """``(start, end, cmp_start, cmp_end)`` of ``period`` relative to D (see the module docstring)."""
    month = parse_month(period)
    if month is not None:
        end = add_months(month, 1)
        if month <= d < end:  # the current month: same rule as the preset
            return _bounds("month", d)
        return month, end, add_months(month, -1), month
    if period not in PERIOD_PRESETS:
        raise ValueError(f"period 取值无效：{period!r}；可选：{', '.join(PERIOD_PRESETS)} 或 YYYY-MM")
    tomorrow = d + timedelta(days=1)
    if period == "today":
        return d, tomorrow, d - timedelta(days=1), d
    if period == "last12m":
        start = lib.shift_year(tomorrow, -1)
        return start, tomorrow, lib.shift_year(start, -1), start
    if period == "week":
        start = d - timedelta(days=d.weekday())
        end, prev = start + timedelta(days=7), start - timedelta(days=7)
    elif period == "month":
        start = d.replace(day=1)
        end, prev = add_months(start, 1), add_months(start, -1)
    elif period == "quarter":
        start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        end, prev = add_months(start, 3), add_months(start, -3)
    else:
        start = d.replace(month=1, day=1)
        end, prev = lib.shift_year(start, 1), lib.shift_year(start, -1)
    elapsed = (tomorrow - start).days
    return start, end, prev, min(prev + timedelta(days=elapsed), start)


def month_window(as_of: date, months: int) -> tuple[date, date]:
    """The last ``months`` whole calendar months up to and including D's month, half-open."""
    end = add_months(as_of, 1)
    return add_months(end, -months), end


@memoized
def store_data_time() -> datetime | None:
    """The store's data time (the newest event the last refresh saw), None for a store without data."""
    with reading() as r:
        return current_data_time(r)


@memoized
def period_bounds(period: str = "month") -> dict[str, Any]:
    """The dates of a named period: ``start``, ``end`` (half-open), ``cmp_start``, ``cmp_end``
    (the comparison span), ``as_of`` (D) and ``data_time``. ``ValueError`` for an unknown name."""
    with reading() as r:
        d = as_of(r)
        dt = current_data_time(r)
    start, end, cmp_start, cmp_end = _bounds(period, d)
    return {
        "start": start,
        "end": end,
        "cmp_start": cmp_start,
        "cmp_end": cmp_end,
        "as_of": d,
        "data_time": dt,
    }


def _kpi_filters(filters: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out = {}
    for key, value in filters:
        check_choice(key, KPI_FILTERS, "filter")
        out[key] = value
    return out


@memoized
def screen_kpis(
    ids: tuple[str, ...],
    period: str = "month",
    scope: tuple[str, ...] | None = None,
    filters: tuple[tuple[str, str], ...] = (),
) -> pd.DataFrame:
    """A KPI strip under a period, a scope and dimension filters (``(("channel", "12345"), …)``).

    Each filter applies to the indicators that allow its dimension; the others are read without it
    and list it in ``unfiltered`` (so the screen can say so). Period indicators are read over the
    period and over its comparison span (``previous``); state ones as of the data time.
    Columns: indicator_id, name, definition, unit, value_type, kind, value, previous, unfiltered,
    data_time.
    """
    where = _kpi_filters(filters)
    inds = [lib.get(i) for i in ids]
    # indicators that take the same filters are read together: one query per mart, not per card
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for ind in inds:
        groups.setdefault(tuple((k, v) for k, v in where.items() if k in ind.dimensions), []).append(ind.id)
    now: dict[str, float] = {}
    previous: dict[str, float] = {}
    with reading() as r:
        scope = check_scope(r, scope)
        start, end, cmp_start, cmp_end = _bounds(period, as_of(r))
        dt = current_data_time(r)
        for applied, members in groups.items():
            f = lib.evaluate(r, members, start=start, end=end, scope=scope, where=dict(applied))
            now.update(zip(f["indicator_id"], f["value"], strict=True))
            periodic = [i for i in members if lib.get(i).kind == "period"]
            if periodic:
                f = lib.evaluate(r, periodic, start=cmp_start, end=cmp_end, scope=scope, where=dict(applied))
                previous.update(zip(f["indicator_id"], f["value"], strict=True))
    rows = [
        {
            "indicator_id": ind.id,
            "name": ind.name,
            "definition": ind.definition,
            "unit": ind.unit,
            "value_type": ind.value_type,
            "kind": ind.kind,
            "value": now[ind.id],
            "previous": previous.get(ind.id),
            "unfiltered": tuple(k for k in where if k not in ind.dimensions),
            "data_time": dt,
        }
        for ind in inds
    ]
    frame = pd.DataFrame(rows)
    for col in ("value", "previous"):
        frame[col] = pd.to_numeric(frame[col]).astype(float)
    return frame


@memoized
def offices(kind: str | None = None) -> pd.DataFrame:
    """The offices (市场监管所, departments, brigades): code, name, kind, street_code (None for
    departments), in code order; ``kind`` keeps one kind."""
    check_choice(kind, ENUMS[("office", "kind")], "kind")
    with reading() as r:
        t = r.table("office_dim")
        stmt = sa.select(t.c.code, t.c.name, t.c.kind, t.c.street_code).order_by(t.c.code)
        if kind is not None:
            stmt = stmt.where(t.c.kind == kind)
        return r.frame(stmt)


@memoized
def complaint_street_change(
    period: str = "month",
    scope: tuple[str, ...] | None = None,
    channel: str | None = None,
    kind: str | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """Complaints received per street in a period and in its comparison span: street_code,
    street_name, n, n_prev, change (n − n_prev), change_rate (fraction; NaN without a base), sorted
    by change, largest rise first (ties by street code). Every street of the scope is present."""
    where = {k: v for k, v in (("channel", channel), ("kind", kind), ("category", category)) if v is not None}
    for key, value in where.items():
        check_choice(value, ENUMS[("complaint", key)], key)
    with reading() as r:
        scope = check_scope(r, scope)
        start, end, cmp_start, cmp_end = _bounds(period, as_of(r))
        now = r.aggregate(
            "complaint_recv", ["n"], start=start, end=end, by=("street_code",), where=where, scope=scope
        )
        before = r.aggregate(
            "complaint_recv",
            {"n_prev": "n"},
            start=cmp_start,
            end=cmp_end,
            by=("street_code",),
            where=where,
            scope=scope,
        )
        names = street_codes(r)
    codes = [c for c in names if scope is None or c in scope]
    out = pd.DataFrame({"street_code": codes, "street_name": [names[c] for c in codes]})
    out = out.merge(now, on="street_code", how="left").merge(before, on="street_code", how="left")
    out = to_int(out.fillna({"n": 0, "n_prev": 0}), "n", "n_prev")
    out["change"] = out["n"] - out["n_prev"]
    out["change_rate"] = out["change"] / out["n_prev"].where(out["n_prev"] > 0)
    return out.sort_values(["change", "street_code"], ascending=[False, True]).reset_index(drop=True)


@memoized
def entity_list(
    scope: tuple[str, ...] | None = None,
    entity_type: str | None = None,
    section: str | None = None,
    risk_class: str | None = None,
    event: str = "active",
    period: str = "month",
    limit: int = 500,
    unmasked: bool = False,
) -> Rows:
    """Entities for drill-down and export, newest first, at most ``limit``.

    ``event`` chooses the set: ``active`` (status active), ``new`` (established in the period) or
    ``exit`` (cancelled or revoked in the period). Columns: uscc, name, entity_type, status,
    industry_code, section, section_name, established_on, status_changed_on, registered_capital
    (万元), street_code, street_name, address, risk_class, legal_rep_name, legal_rep_phone (masked
    unless ``unmasked``).
    """
    check_choice(entity_type, ENUMS[("entity", "entity_type")], "entity_type")
    section_names = {sec: name for sec, name, *_ in industry_sections()}
    check_choice(section, tuple(section_names), "section")
    check_choice(risk_class, RISK_CLASSES, "risk_class")
    check_choice(event, ENTITY_EVENTS, "event")
    limit = check_limit(limit)
    e = s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        start, end, _, _ = _bounds(period, as_of(r))
        st, credit = r.table("street_dim"), r.table("model_credit_risk")
        stmt = sa.select(
            e.c.uscc,
            e.c.name,
            e.c.entity_type,
            e.c.status,
            e.c.industry_code,
            section_of(e.c.industry_code).label("section"),
            e.c.established_on,
            e.c.status_changed_on,
            e.c.registered_capital,
            e.c.street_code,
            st.c.name.label("street_name"),
            e.c.address,
            credit.c.risk_class,
            e.c.legal_rep_name,
            e.c.legal_rep_phone,
        ).select_from(
            e.outerjoin(st, st.c.code == e.c.street_code).outerjoin(credit, credit.c.uscc == e.c.uscc)
        )
        if event == "active":
            stmt = stmt.where(e.c.status == "active")
        elif event == "new":
            stmt = stmt.where(e.c.established_on >= start, e.c.established_on < end)
        else:
            stmt = stmt.where(
                e.c.status.in_(("cancelled", "revoked")),
                e.c.status_changed_on >= start,
                e.c.status_changed_on < end,
            )
        if scope is not None:
            stmt = stmt.where(e.c.street_code.in_(scope))
        if entity_type is not None:
            stmt = stmt.where(e.c.entity_type == entity_type)
        if section is not None:
            stmt = stmt.where(section_of(e.c.industry_code) == section)
        if risk_class is not None:
            stmt = stmt.where(credit.c.risk_class == risk_class)
        order = e.c.status_changed_on if event == "exit" else e.c.established_on
        rows = bounded(r, stmt.order_by(order.desc(), e.c.uscc), limit)
    f = rows.frame
    f["uscc"] = f["uscc"].astype(str).str.strip()
    f.insert(f.columns.get_loc("section") + 1, "section_name", f["section"].map(section_names))
    if not unmasked:
        rows.frame = mask_frame(f, names=["legal_rep_name"], phones=["legal_rep_phone"])
    return rows


def normalise_uscc(text: str | None) -> str | None:
    """The normalised USCC when ``text`` is a valid one (both check characters), else None."""
    try:
        return validate_uscc(str(text or "").strip())
    except InvalidUSCC:
        return None


@memoized
def complaint_points(
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    channel: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    limit: int = 2_000,
) -> Rows:
    """Where complaints received in ``[start, end)`` happened (for a heat layer): lon, lat, newest
    first, at most ``limit``; rows without coordinates are left out."""
    start, end = check_period(start, end)
    limit = check_limit(limit)
    where = {k: v for k, v in (("channel", channel), ("kind", kind), ("category", category)) if v is not None}
    for key, value in where.items():
        check_choice(value, ENUMS[("complaint", key)], key)
    c = s.complaint
    with reading() as r:
        scope = check_scope(r, scope)
        stmt = (
            sa.select(c.c.lon, c.c.lat)
            .where(
                c.c.received_at >= sqlx.ts_bound(r.dialect, start),
                c.c.received_at < sqlx.ts_bound(r.dialect, end),
                c.c.lon.is_not(None),
                c.c.lat.is_not(None),
            )
            .order_by(c.c.received_at.desc())
        )
        for key, value in where.items():
            stmt = stmt.where(c.c[key] == value)
        if scope is not None:
            stmt = stmt.where(c.c.street_code.in_(scope))
        rows = bounded(r, stmt, limit)
    rows.frame = rows.frame.astype(float)
    return rows


@memoized
def street_names() -> dict[str, str]:
    """Street code → name, in code order (filters, chips and labels of the screens)."""
    with reading() as r:
        return street_codes(r)


def read_layer_built() -> bool:
    """Whether a refresh has built the read layer (True too when the database cannot say: a
    screen then reports the read as failed rather than the layer as missing)."""
    try:
        return data_status()["data_version"] is not None
    except Exception:  # noqa: BLE001 — a database that does not answer is not a missing layer
        return True
