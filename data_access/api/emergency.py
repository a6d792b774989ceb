"""应急指挥 (/emergency) and 指挥调度 (/dispatch): incidents, resources, nearest resources, dispatches."""

from __future__ import annotations

from datetime import date

import numpy as np
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
    office_names,
    ratio,
    reading,
    to_int,
)
from data_access.cache import memoized
from data_access.marts import Sum, sqlx
from data_access.schema import ENUMS

LEVELS = ENUMS[("incident", "level")]
KINDS = ENUMS[("incident", "kind")]
OPEN = tuple(v for v in ENUMS[("incident", "status")] if v not in ("resolved", "closed"))
RESOURCE_KINDS = ENUMS[("resource", "kind")]
#: Average road speed assumed for an ETA (km/h): urban driving with traffic in the district.
ETA_SPEED_KMH = 30.0
#: Road distance ≈ straight-line distance × this detour factor (a common urban rule of thumb).
DETOUR = 1.3


@memoized
def incidents_by(
    dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Incidents reported in ``[start, end)`` per level or kind: n, resolved, avg_resolve_minutes."""
    check_choice(dimension, ("level", "kind"), "dimension")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "incident_reported",
            {"n": "n", "resolved": "n_resolved", "m": "resolve_minutes"},
            dimension,
            LEVELS if dimension == "level" else KINDS,
            start=start,
            end=end,
            scope=scope,
        )
    f["avg_resolve_minutes"] = ratio(f["m"], f["resolved"])
    return to_int(f.drop(columns="m"), "n", "resolved")


@memoized
def open_incidents_by(dimension: str = "level", scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Incidents not yet resolved per level (I–IV) or kind: <dimension>, n."""
    check_choice(dimension, ("level", "kind"), "dimension")
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "incident_state",
            ["n"],
            dimension,
            LEVELS if dimension == "level" else KINDS,
            where={"status": OPEN},
            scope=scope,
        )
    return to_int(f, "n")


@memoized
def incidents(
    scope: tuple[str, ...] | None = None,
    open_only: bool = True,
    start: date | None = None,
    end: date | None = None,
    limit: int = 200,
) -> Rows:
    """Incidents for the map and the timeline, newest first: id, kind, level, status, reported_at,
    resolved_at, street_code, lon, lat, uscc, summary. ``open_only`` keeps those not yet resolved;
    a period ``[start, end)`` (both or neither) keeps those reported in it."""
    limit = check_limit(limit)
    i = s.incident
    with reading() as r:
        scope = check_scope(r, scope)
        stmt = sa.select(
            i.c.id,
            i.c.kind,
            i.c.level,
            i.c.status,
            i.c.reported_at,
            i.c.resolved_at,
            i.c.street_code,
            i.c.lon,
            i.c.lat,
            i.c.uscc,
            i.c.summary,
        ).order_by(i.c.reported_at.desc(), i.c.id)
        if open_only:
            stmt = stmt.where(i.c.status.in_(OPEN))
        if start is not None or end is not None:
            lo, hi = check_period(start, end)
            stmt = stmt.where(
                i.c.reported_at >= sqlx.ts_bound(r.dialect, lo),
                i.c.reported_at < sqlx.ts_bound(r.dialect, hi),
            )
        if scope is not None:
            stmt = stmt.where(i.c.street_code.in_(scope))
        rows = bounded(r, stmt, limit)
    for c in ("reported_at", "resolved_at"):
        rows.frame[c] = pd.to_datetime(rows.frame[c])
    return rows


@memoized
def resources(kind: str | None = None, status: str | None = None) -> pd.DataFrame:
    """Emergency resources (teams, vehicles, experts, labs, drones): id, kind, name, office_code,
    office_name, lon, lat, status, updated_at. District-wide: resources serve every street."""
    check_choice(kind, RESOURCE_KINDS, "kind")
    check_choice(status, ENUMS[("resource", "status")], "status")
    t = s.resource
    with reading() as r:
        stmt = sa.select(t).order_by(t.c.kind, t.c.id)
        if kind:
            stmt = stmt.where(t.c.kind == kind)
        if status:
            stmt = stmt.where(t.c.status == status)
        f = r.frame(stmt)
        names = office_names(r)
    f.insert(4, "office_name", f["office_code"].map(names))
    return f


@memoized
def resource_summary() -> pd.DataFrame:
    """Resources per kind by status: kind, available, busy, off_duty, total."""
    statuses = ENUMS[("resource", "status")]
    with reading() as r:
        f = breakdown(
            r, "resource_state", {st: Sum("n", {"status": st}) for st in statuses}, "kind", RESOURCE_KINDS
        )
    f["total"] = f[list(statuses)].sum(axis=1)
    return to_int(f, *statuses, "total")


def _km(lon1: float, lat1: float, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (haversine)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


@memoized
def nearest_resources(
    incident_id: str, limit: int = 10, kind: str | None = None, available_only: bool = True
) -> pd.DataFrame:
    """Resources ranked by distance to an incident: id, kind, name, office_name, status,
    distance_km (straight line), eta_minutes (road distance ≈ ×1.3 at 30 km/h). Raises
    ``LookupError`` for an unknown incident and ``ValueError`` for one without a location."""
    limit = check_limit(limit)
    i = s.incident
    with reading() as r:
        inc = r.conn.execute(sa.select(i.c.lon, i.c.lat).where(i.c.id == incident_id)).first()
    if inc is None:
        raise LookupError(f"没有编号为 {incident_id} 的突发事件")
    if inc.lon is None or inc.lat is None:
        raise ValueError(f"突发事件 {incident_id} 没有位置")
    f = resources(kind=kind, status="available" if available_only else None)
    f = f[f["lon"].notna() & f["lat"].notna()].copy()
    f["distance_km"] = _km(inc.lon, inc.lat, f["lon"].to_numpy(float), f["lat"].to_numpy(float))
    f["eta_minutes"] = f["distance_km"] * DETOUR / ETA_SPEED_KMH * 60
    f = f.sort_values(["distance_km", "id"]).head(limit)
    return f[
        ["id", "kind", "name", "office_name", "status", "lon", "lat", "distance_km", "eta_minutes"]
    ].reset_index(drop=True)


@memoized
def dispatch_stats(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Dispatches in ``[start, end)`` per resource kind: resource_kind, n, arrived, avg_arrive_minutes."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "dispatch",
            {"n": "n", "arrived": "n_arrived", "m": "arrive_minutes"},
            "resource_kind",
            RESOURCE_KINDS,
            start=start,
            end=end,
            scope=scope,
        )
    f["avg_arrive_minutes"] = ratio(f["m"], f["arrived"])
    return to_int(f.drop(columns="m"), "n", "arrived")


@memoized
def incident_dispatches(incident_id: str) -> pd.DataFrame:
    """The dispatches of one incident, in order: id, resource_id, resource_kind, resource_name,
    dispatched_at, arrived_at, finished_at, dispatched_by."""
    d, t = s.dispatch, s.resource
    with reading() as r:
        f = r.frame(
            sa.select(
                d.c.id,
                d.c.resource_id,
                t.c.kind.label("resource_kind"),
                t.c.name.label("resource_name"),
                d.c.dispatched_at,
                d.c.arrived_at,
                d.c.finished_at,
                d.c.dispatched_by,
            )
            .join(t, t.c.id == d.c.resource_id)
            .where(d.c.incident_id == incident_id)
            .order_by(d.c.dispatched_at, d.c.id)
        )
    for c in ("dispatched_at", "arrived_at", "finished_at"):
        f[c] = pd.to_datetime(f[c])
    return f
