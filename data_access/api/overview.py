"""总览 (/): headline KPIs of every system, live event points, the latest warnings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import Rows, bounded, check_limit, check_scope, current_data_time, reading
from data_access.api.indicators import kpis
from data_access.cache import memoized
from data_access.marts import sqlx

#: The overview's KPI strip: (indicator id, standard period).
OVERVIEW_KPIS: tuple[tuple[str, str], ...] = (
    ("entity.active_total", "today"),
    ("complaint.received", "today"),
    ("complaint.received", "week"),
    ("warning.open.red", "today"),
    ("warning.open.orange", "today"),
    ("warning.open.yellow", "today"),
    ("warning.open.blue", "today"),
    ("case.open", "today"),
    ("device.online_rate", "today"),
    ("incident.open", "today"),
)


def overview_kpis(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The headline KPIs (active entities, complaints today and this week, open warnings by level,
    open cases, device online rate, open incidents): the columns of ``indicators.kpis`` in order."""
    today = kpis(tuple(i for i, p in OVERVIEW_KPIS if p == "today"), "today", scope)
    week = kpis(tuple(i for i, p in OVERVIEW_KPIS if p == "week"), "week", scope)
    frame = pd.concat([today, week], ignore_index=True)
    order = {(i, p): k for k, (i, p) in enumerate(OVERVIEW_KPIS)}
    frame["_k"] = [
        order.get((i, p if p != "state" else "today"), 99)
        for i, p in zip(frame["indicator_id"], frame["period"], strict=True)
    ]
    return frame.sort_values("_k").drop(columns="_k").reset_index(drop=True)


def _event_queries(r, scope: tuple[str, ...] | None, since: datetime, limit: int) -> list[sa.Select]:
    lo = sqlx.instant_bound(r.dialect, since)
    c, w, a, dv, i = s.complaint, s.warning, s.device_alarm, s.device, s.incident
    parts = [
        (
            sa.select(
                sa.literal("complaint").label("kind"),
                c.c.id.label("id"),
                c.c.received_at.label("at"),
                c.c.lon,
                c.c.lat,
                c.c.street_code,
                c.c.category.label("detail"),
                sa.null().label("level"),
            ),
            c.c.received_at,
            c.c.street_code,
        ),
        (
            sa.select(
                sa.literal("warning").label("kind"),
                w.c.id,
                w.c.raised_at.label("at"),
                sa.null().label("lon"),
                sa.null().label("lat"),
                w.c.street_code,
                w.c.title.label("detail"),
                w.c.level,
            ),
            w.c.raised_at,
            w.c.street_code,
        ),
        (
            sa.select(
                sa.literal("alarm").label("kind"),
                sa.cast(a.c.id, sa.String).label("id"),
                a.c.at,
                dv.c.lon,
                dv.c.lat,
                dv.c.street_code,
                a.c.kind.label("detail"),
                sa.null().label("level"),
            ).join(dv, dv.c.device_id == a.c.device_id),
            a.c.at,
            dv.c.street_code,
        ),
        (
            sa.select(
                sa.literal("incident").label("kind"),
                i.c.id,
                i.c.reported_at.label("at"),
                i.c.lon,
                i.c.lat,
                i.c.street_code,
                i.c.kind.label("detail"),
                i.c.level,
            ),
            i.c.reported_at,
            i.c.street_code,
        ),
    ]
    out = []
    for stmt, at, street in parts:
        stmt = stmt.where(at >= lo)
        if scope is not None:
            stmt = stmt.where(street.in_(scope))
        out.append(stmt.order_by(at.desc()).limit(limit))
    return out


@memoized
def live_events(hours: int = 24, limit: int = 200, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The newest events of the last ``hours`` before the data time, for the map's live points.

    Complaints, warnings, device alarms and incidents, at most ``limit`` of each kind, newest
    first: kind, id, at, lon, lat, street_code, detail (category / title / alarm kind / incident
    kind), level. Warnings without coordinates take their street's centre.
    """
    limit = check_limit(limit)
    with reading() as r:
        scope = check_scope(r, scope)
        dt = current_data_time(r) or datetime.now()
        since = dt - timedelta(hours=hours)
        frames = [r.frame(q) for q in _event_queries(r, scope, since, limit)]
        st = r.table("street_dim")
        centres = r.frame(sa.select(st.c.code, st.c.lon, st.c.lat)).set_index("code")
    frame = pd.concat([f.astype(object) for f in frames], ignore_index=True)
    frame["lon"] = pd.to_numeric(frame["lon"])
    frame["lat"] = pd.to_numeric(frame["lat"])
    frame["at"] = pd.to_datetime(frame["at"], format="mixed")
    missing = frame["lon"].isna()
    frame.loc[missing, "lon"] = frame.loc[missing, "street_code"].map(centres["lon"])
    frame.loc[missing, "lat"] = frame.loc[missing, "street_code"].map(centres["lat"])
    return frame.sort_values("at", ascending=False).reset_index(drop=True)


@memoized
def latest_warnings(limit: int = 20, scope: tuple[str, ...] | None = None, level: str | None = None) -> Rows:
    """The newest warnings (ticker / scrolling list): id, raised_at, level, title, rule_id, rule_name,
    theme, status, street_code, street_name, uscc, entity_name."""
    limit = check_limit(limit)
    w, rule, e = s.warning, s.warning_rule, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        st = r.table("street_dim")
        stmt = (
            sa.select(
                w.c.id,
                w.c.raised_at,
                w.c.level,
                w.c.title,
                w.c.rule_id,
                rule.c.name.label("rule_name"),
                rule.c.theme,
                w.c.status,
                w.c.street_code,
                st.c.name.label("street_name"),
                w.c.uscc,
                e.c.name.label("entity_name"),
            )
            .select_from(
                w.join(rule, rule.c.rule_id == w.c.rule_id)
                .outerjoin(st, st.c.code == w.c.street_code)
                .outerjoin(e, e.c.uscc == w.c.uscc)
            )
            .order_by(w.c.raised_at.desc(), w.c.id.desc())
        )
        if scope is not None:
            stmt = stmt.where(w.c.street_code.in_(scope))
        if level is not None:
            stmt = stmt.where(w.c.level == level)
        rows = bounded(r, stmt, limit)
    rows.frame["raised_at"] = pd.to_datetime(rows.frame["raised_at"])
    return rows
