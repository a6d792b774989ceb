"""智能预警 (/warnings): by level, rule and theme, open vs closed, response times, map, rule catalogue."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import (
    Rows,
    bounded,
    breakdown,
    check_choice,
    check_limit,
    check_period,
    check_scope,
    ratio,
    reading,
    stamp_as_of,
    to_int,
)
from data_access.cache import memoized
from data_access.marts import Sum
from data_access.schema import ENUMS

LEVELS = ENUMS[("warning", "level")]
STATUSES = ENUMS[("warning", "status")]
DIMENSIONS = ("level", "rule_id", "theme", "street_code")
OPEN = ("pending", "handling")


@memoized
def warnings_by(
    dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None, level: str | None = None
) -> pd.DataFrame:
    """Warnings raised in ``[start, end)`` per level, rule_id, theme or street_code: n, handled,
    closed, closure_rate, avg_response_minutes, avg_closure_minutes."""
    check_choice(dimension, DIMENSIONS, "dimension")
    check_choice(level, LEVELS, "level")
    start, end = check_period(start, end)
    where = {"level": level} if level else {}
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "warning_raised",
            {
                "n": "n",
                "handled": "n_handled",
                "closed": "n_closed",
                "rm": "response_minutes",
                "cm": "closure_minutes",
            },
            dimension,
            LEVELS if dimension == "level" else None,
            start=start,
            end=end,
            where=where,
            scope=scope,
        )
    f["closure_rate"] = ratio(f["closed"], f["n"])
    f["avg_response_minutes"] = ratio(f["rm"], f["handled"])
    f["avg_closure_minutes"] = ratio(f["cm"], f["closed"])
    f = to_int(f.drop(columns=["rm", "cm"]), "n", "handled", "closed")
    if dimension != "level":
        f = f.sort_values(["n", dimension], ascending=[False, True]).reset_index(drop=True)
    return f


@memoized
def warning_status(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Current warnings per level × status (待派单 pending, 处置中 handling, 已办结 closed, 已核查
    verified): level, pending, handling, closed, verified, open (pending + handling)."""
    with reading() as r:
        scope = check_scope(r, scope)
        out = breakdown(
            r,
            "warning_state",
            {st: Sum("n", {"status": st}) for st in STATUSES},
            "level",
            LEVELS,
            scope=scope,
        )
    out["open"] = out["pending"] + out["handling"]
    return to_int(out, *STATUSES, "open")


@memoized
def warning_trend(
    start: date, end: date, scope: tuple[str, ...] | None = None, grain: str = "day"
) -> pd.DataFrame:
    """Warnings raised per ``grain`` (day or month) and level: period, red, orange, yellow, blue, total."""
    check_choice(grain, ("day", "month"), "grain")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "warning_raised",
            {lv: Sum("n", {"level": lv}) for lv in LEVELS},
            start=start,
            end=end,
            by=(grain,),
            scope=scope,
        )
    freq = "D" if grain == "day" else "MS"
    first = pd.Timestamp(start) if grain == "day" else pd.Timestamp(start.replace(day=1))
    periods = pd.DataFrame({grain: pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(days=1), freq=freq)})
    out = periods.merge(f, on=grain, how="left").fillna(0.0).rename(columns={grain: "period"})
    out["total"] = out[list(LEVELS)].sum(axis=1)
    return stamp_as_of(to_int(out, *LEVELS, "total"), end)


@memoized
def open_warning_points(
    scope: tuple[str, ...] | None = None, level: str | None = None, limit: int = 2000
) -> Rows:
    """Open warnings (pending or handling) for the map, newest first: id, level, title, status,
    raised_at, street_code, uscc, entity_name, lon, lat (the entity's point, else the street's centre)."""
    check_choice(level, LEVELS, "level")
    limit = check_limit(limit)
    w, e = s.warning, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        st = r.table("street_dim")
        stmt = (
            sa.select(
                w.c.id,
                w.c.level,
                w.c.title,
                w.c.status,
                w.c.raised_at,
                w.c.street_code,
                w.c.uscc,
                e.c.name.label("entity_name"),
                sa.func.coalesce(e.c.lon, st.c.lon).label("lon"),
                sa.func.coalesce(e.c.lat, st.c.lat).label("lat"),
            )
            .select_from(w.outerjoin(e, e.c.uscc == w.c.uscc).join(st, st.c.code == w.c.street_code))
            .where(w.c.status.in_(OPEN))
            .order_by(w.c.raised_at.desc(), w.c.id)
        )
        if level:
            stmt = stmt.where(w.c.level == level)
        if scope is not None:
            stmt = stmt.where(w.c.street_code.in_(scope))
        rows = bounded(r, stmt, limit)
    rows.frame["raised_at"] = pd.to_datetime(rows.frame["raised_at"])
    return rows


@memoized
def warning_rules(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The rule catalogue (rules as data): rule_id, name, theme, level, condition, enabled, raised
    (all warnings the rule raised) and open (pending or handling)."""
    wr = s.warning_rule
    with reading() as r:
        scope = check_scope(r, scope)
        rules = r.frame(
            sa.select(wr.c.rule_id, wr.c.name, wr.c.theme, wr.c.level, wr.c.condition, wr.c.enabled).order_by(
                wr.c.rule_id
            )
        )
        counts = r.aggregate("warning_state", {"raised": "n"}, by=("rule_id",), scope=scope)
        opened = r.aggregate(
            "warning_state", {"open": Sum("n", {"status": OPEN})}, by=("rule_id",), scope=scope
        )
    out = rules.merge(counts, on="rule_id", how="left").merge(opened, on="rule_id", how="left")
    out["enabled"] = out["enabled"].astype(bool)
    return to_int(out.fillna({"raised": 0.0, "open": 0.0}), "raised", "open")
