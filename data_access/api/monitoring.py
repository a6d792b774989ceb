"""远程监控 (/monitoring): kitchen cameras, AI alarms and their funnel, IoT sensors, the video wall."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import (
    Rows,
    as_date,
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
from data_access.marts import Sum, sqlx
from data_access.schema import ENUMS

DEVICE_KINDS = ENUMS[("device", "kind")]
VENUES = ENUMS[("device", "venue_category")]
ALARM_KINDS = ENUMS[("device_alarm", "kind")]
LIVE = ("online", "offline", "fault")


@memoized
def device_summary(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Devices per kind (not retired): kind, total, online, offline, fault, online_rate."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "device_stock",
            {"total": Sum("n", {"status": LIVE}), **{st: Sum("n", {"status": st}) for st in LIVE}},
            "kind",
            DEVICE_KINDS,
            scope=scope,
        )
    f["online_rate"] = ratio(f["online"], f["total"])
    return to_int(f, "total", *LIVE)


@memoized
def cameras_by_venue(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """明厨亮灶 cameras (not retired) per venue category: venue_category, total, online, online_rate."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "device_stock",
            {"total": Sum("n", {"status": LIVE}), "online": Sum("n", {"status": "online"})},
            "venue_category",
            VENUES,
            where={"kind": "kitchen_camera"},
            scope=scope,
        )
    f["online_rate"] = ratio(f["online"], f["total"])
    return to_int(f, "total", "online")


def _device_kind(device_kind: str | None) -> dict[str, str]:
    check_choice(device_kind, DEVICE_KINDS, "device_kind")
    return {"device_kind": device_kind} if device_kind else {}


@memoized
def alarms_by_kind(
    start: date, end: date, scope: tuple[str, ...] | None = None, device_kind: str | None = None
) -> pd.DataFrame:
    """Alarms in ``[start, end)`` per alarm kind (no_hat, no_mask, smoking, …): alarm_kind, n,
    pushed, rectified, rectify_rate, avg_rectify_minutes (largest first)."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "device_alarm",
            {"n": "n", "pushed": "n_pushed", "rectified": "n_rectified", "rm": "rectify_minutes"},
            "alarm_kind",
            ALARM_KINDS,
            start=start,
            end=end,
            where=_device_kind(device_kind),
            scope=scope,
        )
    f["rectify_rate"] = ratio(f["rectified"], f["n"])
    f["avg_rectify_minutes"] = ratio(f["rm"], f["rectified"])
    f = to_int(f.drop(columns="rm"), "n", "pushed", "rectified")
    return f.sort_values(["n", "alarm_kind"], ascending=[False, True]).reset_index(drop=True)


@memoized
def alarm_funnel(
    start: date, end: date, scope: tuple[str, ...] | None = None, device_kind: str | None = "kitchen_camera"
) -> pd.DataFrame:
    """The alarm → push → rectify funnel over ``[start, end)``: stage (alarm, pushed, rectified), n,
    share (of alarms), avg_minutes (from the alarm to that stage)."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "device_alarm",
            ["n", "n_pushed", "n_rectified", "push_minutes", "rectify_minutes"],
            start=start,
            end=end,
            where=_device_kind(device_kind),
            scope=scope,
        ).iloc[0]
    n = f["n"]
    rows = [
        ("alarm", n, None),
        ("pushed", f["n_pushed"], f["push_minutes"]),
        ("rectified", f["n_rectified"], f["rectify_minutes"]),
    ]
    out = pd.DataFrame(rows, columns=["stage", "n", "minutes"])
    out["share"] = out["n"] / n if n else float("nan")
    out["avg_minutes"] = ratio(out["minutes"].fillna(0.0), out["n"]).where(out["stage"] != "alarm")
    return to_int(out.drop(columns="minutes"), "n")


@memoized
def alarm_trend(
    start: date,
    end: date,
    scope: tuple[str, ...] | None = None,
    grain: str = "day",
    device_kind: str | None = None,
) -> pd.DataFrame:
    """Alarms per ``grain`` (day or month): period, n, rectified."""
    check_choice(grain, ("day", "month"), "grain")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "device_alarm",
            {"n": "n", "rectified": "n_rectified"},
            start=start,
            end=end,
            by=(grain,),
            where=_device_kind(device_kind),
            scope=scope,
        )
    freq = "D" if grain == "day" else "MS"
    first = pd.Timestamp(start) if grain == "day" else pd.Timestamp(start.replace(day=1))
    periods = pd.DataFrame({grain: pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(days=1), freq=freq)})
    out = periods.merge(f, on=grain, how="left").fillna(0.0).rename(columns={grain: "period"})
    return stamp_as_of(to_int(out, "n", "rectified"), end)


@memoized
def devices(
    kind: str | None = None,
    scope: tuple[str, ...] | None = None,
    venue_category: str | None = None,
    status: str | None = None,
    limit: int = 500,
) -> Rows:
    """Devices (video wall, sensor pickers), online first then by id: device_id, kind,
    venue_category, status, uscc, entity_name, street_code, lon, lat, stream_url (None → a
    "no stream" tile), last_seen_at. Retired devices are left out unless asked for by status."""
    check_choice(kind, DEVICE_KINDS, "kind")
    check_choice(venue_category, VENUES, "venue_category")
    check_choice(status, ENUMS[("device", "status")], "status")
    limit = check_limit(limit)
    d, e = s.device, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        stmt = (
            sa.select(
                d.c.device_id,
                d.c.kind,
                d.c.venue_category,
                d.c.status,
                d.c.uscc,
                e.c.name.label("entity_name"),
                d.c.street_code,
                d.c.lon,
                d.c.lat,
                d.c.stream_url,
                d.c.last_seen_at,
            )
            .select_from(d.outerjoin(e, e.c.uscc == d.c.uscc))
            .order_by(sa.case((d.c.status == "online", 0), else_=1), d.c.device_id)
        )
        stmt = stmt.where(d.c.status == status) if status else stmt.where(d.c.status != "retired")
        for col, value in (("kind", kind), ("venue_category", venue_category)):
            if value:
                stmt = stmt.where(d.c[col] == value)
        if scope is not None:
            stmt = stmt.where(d.c.street_code.in_(scope))
        return bounded(r, stmt, limit)


@memoized
def sensor_readings(
    device_id: str, start: date | str, end: date | str, metric: str = "temperature", limit: int = 5000
) -> Rows:
    """One sensor's readings in ``[start, end)`` (e.g. a cold store's temperature curve), oldest
    first: at, value. Thresholds are for the caller's chart (cold storage: −18 °C)."""
    start, end = check_period(as_date(start, "start"), as_date(end, "end"))
    limit = check_limit(limit)
    rd = s.device_reading
    with reading() as r:
        stmt = (
            sa.select(rd.c.at, rd.c.value)
            .where(
                rd.c.device_id == device_id,
                rd.c.metric == metric,
                rd.c.at >= sqlx.ts_bound(r.dialect, start),
                rd.c.at < sqlx.ts_bound(r.dialect, end),
            )
            .order_by(rd.c.at)
        )
        rows = bounded(r, stmt, limit)
    rows.frame["at"] = pd.to_datetime(rows.frame["at"])
    return rows
