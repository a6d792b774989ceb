"""三品一特 (/safety): food licences, catering risk, sampling, drugs and cosmetics, special equipment."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import (
    Rows,
    bounded,
    check_choice,
    check_limit,
    month_buckets,
    ratio,
    scoped_reading,
    to_int,
)
from data_access.cache import memoized
from data_access.marts import Sum
from data_access.schema import ENUMS

LICENCE_KINDS = ENUMS[("licence", "kind")]
EQUIPMENT_KINDS = ENUMS[("equipment", "kind")]
AGE_BANDS = ("0-5", "5-10", "10-15", "15+")
DUE_BANDS = ("overdue", "d30", "ok", "none")


@memoized
def licences_by_kind(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Licences per kind (food business and production, drug retail, medical devices, cosmetics,
    industrial products): kind, valid, expiring_30d (valid, expiring within 30 days of D),
    lapsed (marked valid but past expiry), expired, revoked, cancelled."""
    with scoped_reading(scope) as q:
        f = q.breakdown(
            "licence_stock",
            {
                "valid": Sum("n", {"status": "valid"}),
                "expiring_30d": Sum("n", {"status": "valid", "expiry": "d30"}),
                "lapsed": Sum("n", {"status": "valid", "expiry": "lapsed"}),
                **{st: Sum("n", {"status": st}) for st in ("expired", "revoked", "cancelled")},
            },
            "kind",
            LICENCE_KINDS,
        )
    return to_int(f, "valid", "expiring_30d", "lapsed", "expired", "revoked", "cancelled")


@memoized
def catering_grades(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Active catering entities per food-safety risk grade (A–D): risk_grade, n, share."""
    with scoped_reading(scope) as q:
        f = q.breakdown("catering_grade", ["n"], "risk_grade", ("A", "B", "C", "D"))
    f = to_int(f, "n")
    f["share"] = ratio(f["n"], pd.Series(f["n"].sum(), index=f.index))
    return f


@memoized
def sampling_by_category(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Food samplings in ``[start, end)`` per food category: food_category, n, failed, pass_rate,
    followed (failed ones followed up), followup_rate (most sampled first)."""
    with scoped_reading(scope, (start, end)) as q:
        f = q.aggregate(
            "food_sampling", {"n": "n", "failed": "n_fail", "followed": "n_followed"}, by=("food_category",)
        )
    f["pass_rate"] = 1 - ratio(f["failed"], f["n"])
    f["followup_rate"] = ratio(f["followed"], f["failed"])
    f = to_int(f, "n", "failed", "followed")
    return f.sort_values(["n", "food_category"], ascending=[False, True]).reset_index(drop=True)


@memoized
def failed_samplings(start: date, end: date, scope: tuple[str, ...] | None = None, limit: int = 200) -> Rows:
    """Failed samplings in ``[start, end)``, newest first, with their follow-up: id, sampled_on,
    uscc, entity_name, street_code, food_category, hazard, followed_up_on."""
    limit = check_limit(limit)
    f, e = s.food_sampling, s.entity
    with scoped_reading(scope, (start, end)) as q:
        stmt = (
            sa.select(
                f.c.id,
                f.c.sampled_on,
                f.c.uscc,
                e.c.name.label("entity_name"),
                e.c.street_code,
                f.c.food_category,
                f.c.hazard,
                f.c.followed_up_on,
            )
            .join(e, e.c.uscc == f.c.uscc)
            .where(f.c.result == "fail", f.c.sampled_on >= q.start, f.c.sampled_on < q.end)
            .order_by(f.c.sampled_on.desc(), f.c.id.desc())
        )
        stmt = q.in_scope(stmt, e.c.street_code)
        return bounded(q.r, stmt, limit)


@memoized
def equipment_by_age(kind: str = "elevator", scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """In-use equipment of ``kind`` (default elevators) per age band (years since installation):
    age_band, n, share."""
    check_choice(kind, EQUIPMENT_KINDS, "kind")
    with scoped_reading(scope) as q:
        f = q.breakdown(
            "equipment_stock", ["n"], "age_band", AGE_BANDS, where={"kind": kind, "status": "in_use"}
        )
    f = to_int(f, "n")
    f["share"] = ratio(f["n"], pd.Series(f["n"].sum(), index=f.index))
    return f


@memoized
def equipment_inspection_due(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """In-use special equipment per kind by next-inspection status: kind, overdue, d30 (due within
    30 days), ok, none (no date), total."""
    with scoped_reading(scope) as q:
        f = q.breakdown(
            "equipment_stock",
            {d: Sum("n", {"due": d}) for d in DUE_BANDS},
            "kind",
            EQUIPMENT_KINDS,
            where={"status": "in_use"},
        )
    f["total"] = f[list(DUE_BANDS)].sum(axis=1)
    return to_int(f, *DUE_BANDS, "total")


@memoized
def equipment_inspections(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Periodic inspections in ``[start, end)`` per equipment kind: kind, n, passed, failed,
    rectify, pass_rate."""
    with scoped_reading(scope, (start, end)) as q:
        f = q.breakdown(
            "equipment_insp",
            {
                "n": "n",
                "passed": Sum("n", {"result": "pass"}),
                "failed": Sum("n", {"result": "fail"}),
                "rectify": Sum("n", {"result": "rectify"}),
            },
            "kind",
            EQUIPMENT_KINDS,
        )
    f["pass_rate"] = ratio(f["passed"], f["n"])
    return to_int(f, "n", "passed", "failed", "rectify")


@memoized
def entrapments(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Elevator entrapments in ``[start, end)`` per month: month, iot_alarms (elevator IoT
    entrapment alarms), incidents (reported entrapment incidents)."""
    with scoped_reading(scope, (start, end)) as q:
        alarms = q.aggregate(
            "device_alarm", {"iot_alarms": "n"}, by=("month",), where={"alarm_kind": "entrapment"}
        )
        incidents = q.aggregate(
            "incident_reported", {"incidents": "n"}, by=("month",), where={"kind": "elevator_entrapment"}
        )
    out = pd.DataFrame({"month": month_buckets(q.start, q.end)})
    out = out.merge(alarms, on="month", how="left").merge(incidents, on="month", how="left").fillna(0.0)
    return to_int(out, "iot_alarms", "incidents")


@memoized
def cold_chain(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Cold-chain traceability status: one row per measure — entities tagged 冷链经营, cold-store
    sensors (not retired), online, offline or faulty, and the online rate: measure, value."""
    with scoped_reading(scope) as q:
        tagged = q.aggregate("tag_count", ["n"], where={"tag_id": "cold_chain"})["n"].iloc[0]
        dev = q.aggregate(
            "device_stock",
            {st: Sum("n", {"status": st}) for st in ("online", "offline", "fault")},
            where={"kind": "cold_storage_sensor"},
        ).iloc[0]
    total = dev.sum()
    return pd.DataFrame(
        {
            "measure": ["entities", "sensors", "online", "offline", "fault", "online_rate"],
            "value": [
                float(tagged),
                float(total),
                float(dev["online"]),
                float(dev["offline"]),
                float(dev["fault"]),
                dev["online"] / total if total else float("nan"),
            ],
        }
    )
