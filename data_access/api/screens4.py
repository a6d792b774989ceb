"""社会共治 (/co-governance), 党建 (/party-building), 重大事项保障 (/major-events), 城运 (/city-ops).

Aggregates come from the marts of ``data_access.marts.screens4``; lists (the mission's sites, the
work-order feed, newest problem scans, party organisations) read the indexed source tables with a
limit. Every function takes the caller's ``scope`` (a tuple of street codes, None = the district).
KPI numbers come from the indicator library (``api.indicators.kpis`` with the ids of
``data_access.indicators_screens4``); these functions give the panels around them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
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
    current_data_time,
    ratio,
    reading,
    street_codes,
    to_int,
)
from data_access.cache import memoized
from data_access.marts import Sum, sqlx
from data_access.schema import ENUMS

QR_KINDS = ENUMS[("qr_scan", "kind")]
SELF_KINDS = ENUMS[("self_inspection", "kind")]
ORG_KINDS = ENUMS[("party_org", "kind")]
ACTIVITY_KINDS = ENUMS[("party_activity", "kind")]
SITE_KINDS = ENUMS[("assurance_site", "kind")]
TIERS = ENUMS[("assurance_site", "risk_tier")]
ORDER_SOURCES = ENUMS[("city_work_order", "source")]
ORDER_STATUSES = ENUMS[("city_work_order", "status")]
OPEN_ORDER = ("created", "pushed", "accepted")
#: Mediation bodies: ``council`` is the 消保委; the others are association ids (as text).
COUNCIL = "council"
COUNCIL_NAME = "闵行区消费者权益保护委员会"


def _periods(start: date, end: date, grain: str) -> pd.DataFrame:
    freq = "D" if grain == "day" else "MS"
    first = pd.Timestamp(start) if grain == "day" else pd.Timestamp(start.replace(day=1))
    return pd.DataFrame({grain: pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(days=1), freq=freq)})


def _trend(r, source, measures, start, end, grain, scope, where=None) -> pd.DataFrame:
    f = r.aggregate(source, measures, start=start, end=end, by=(grain,), scope=scope, where=where)
    out = _periods(start, end, grain).merge(f, on=grain, how="left").fillna(0.0)
    return out.rename(columns={grain: "period"})


def _with_street_names(r, f: pd.DataFrame, scope) -> pd.DataFrame:
    names = street_codes(r)
    codes = [c for c in names if scope is None or c in scope]
    base = pd.DataFrame({"street_code": codes, "street_name": [names[c] for c in codes]})
    out = base.merge(f, on="street_code", how="left")
    return out.fillna({c: 0.0 for c in out.columns if c not in ("street_code", "street_name")})


# --- 社会共治 ----------------------------------------------------------------------------------


@memoized
def qr_scans_by(dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Public QR scans in ``[start, end)`` per ``kind`` or ``street_code``: n, n_problem,
    n_rated, avg_rating (street rows carry street_name)."""
    check_choice(dimension, ("kind", "street_code"), "dimension")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        m = {"n": "n", "n_problem": "n_problem", "n_rated": "n_rated", "rating_sum": "rating_sum"}
        if dimension == "kind":
            f = breakdown(r, "qr_scan", m, "kind", QR_KINDS, start=start, end=end, scope=scope)
        else:
            f = _with_street_names(
                r, r.aggregate("qr_scan", m, start=start, end=end, by=("street_code",), scope=scope), scope
            )
    f["avg_rating"] = ratio(f["rating_sum"], f["n_rated"])
    return to_int(f.drop(columns="rating_sum"), "n", "n_problem", "n_rated")


@memoized
def qr_scan_trend(
    start: date, end: date, scope: tuple[str, ...] | None = None, grain: str = "day"
) -> pd.DataFrame:
    """Scans per ``grain`` (day or month): period, one column per kind, total, n_problem."""
    check_choice(grain, ("day", "month"), "grain")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        m = {k: Sum("n", {"kind": k}) for k in QR_KINDS} | {"n_problem": "n_problem"}
        out = _trend(r, "qr_scan", m, start, end, grain, scope)
    out["total"] = out[list(QR_KINDS)].sum(axis=1)
    return to_int(out, *QR_KINDS, "total", "n_problem")


@memoized
def self_inspections_by(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Enterprise self-inspections in ``[start, end)`` per kind: n, items, problems,
    n_with_problems, n_rectified, problem_rate, rectify_rate."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "self_inspection",
            ["n", "items", "problems", "n_with_problems", "n_rectified"],
            "kind",
            SELF_KINDS,
            start=start,
            end=end,
            scope=scope,
        )
    f["problem_rate"] = ratio(f["n_with_problems"], f["n"])
    f["rectify_rate"] = ratio(f["n_rectified"], f["n_with_problems"])
    return to_int(f, "n", "items", "problems", "n_with_problems", "n_rectified")


@memoized
def mediations_by(
    dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Mediations closed in ``[start, end)`` per ``body`` (消保委 or association), ``category`` or
    ``result``: n, n_agreed, success_rate, amount_yuan, avg_handle_minutes, and received (``n_received``,
    not for ``result``). Body rows carry ``body_name``."""
    check_choice(dimension, ("body", "category", "result"), "dimension")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        closed = r.aggregate(
            "mediation_closed",
            ["n", "n_agreed", "amount_yuan", "handle_minutes"],
            start=start,
            end=end,
            by=(dimension,),
            scope=scope,
        )
        if dimension != "result":
            recv = r.aggregate(
                "mediation_recv", {"n_received": "n"}, start=start, end=end, by=(dimension,), scope=scope
            )
            closed = recv.merge(closed, on=dimension, how="outer")
        names = dict(r.conn.execute(sa.select(s.association.c.id, s.association.c.name)).all())
    values = {
        "category": ENUMS[("mediation", "category")],
        "result": ENUMS[("mediation", "result")],
        "body": (COUNCIL, *[str(k) for k in sorted(names)]),
    }[dimension]
    f = pd.DataFrame({dimension: list(values)}).merge(closed, on=dimension, how="left").fillna(0.0)
    f["success_rate"] = ratio(f["n_agreed"], f["n"])
    f["avg_handle_minutes"] = ratio(f["handle_minutes"], f["n"])
    f = f.drop(columns="handle_minutes")
    if dimension == "body":
        f["body_name"] = [COUNCIL_NAME if b == COUNCIL else names.get(int(b), b) for b in f["body"]]
    return to_int(f, "n", "n_agreed", *(["n_received"] if "n_received" in f else []))


@memoized
def associations(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Industry associations: id, name, industry_code, members, and mediations they received and
    closed in ``[start, end)`` within the scope (mediations_received, mediations_closed, agreed)."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        a = r.frame(sa.select(s.association).order_by(s.association.c.id))
        recv = r.aggregate(
            "mediation_recv", {"mediations_received": "n"}, start=start, end=end, by=("body",), scope=scope
        )
        closed = r.aggregate(
            "mediation_closed",
            {"mediations_closed": "n", "agreed": "n_agreed"},
            start=start,
            end=end,
            by=("body",),
            scope=scope,
        )
    a["body"] = a["id"].astype(str)
    out = a.merge(recv, on="body", how="left").merge(closed, on="body", how="left").drop(columns="body")
    out = out.fillna({"mediations_received": 0.0, "mediations_closed": 0.0, "agreed": 0.0})
    return to_int(out, "mediations_received", "mediations_closed", "agreed")


@memoized
def commitments_by_street(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Commitments in force per street: street_code, street_name, assured_consumption,
    no_reason_return, revoked (both kinds)."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "commitment_state",
            {
                "assured_consumption": Sum("n", {"kind": "assured_consumption", "status": "active"}),
                "no_reason_return": Sum("n", {"kind": "no_reason_return", "status": "active"}),
                "revoked": Sum("n", {"status": "revoked"}),
            },
            by=("street_code",),
            scope=scope,
        )
        f = _with_street_names(r, f, scope)
    return to_int(f, "assured_consumption", "no_reason_return", "revoked")


@memoized
def problem_scans(scope: tuple[str, ...] | None = None, limit: int = 50, kind: str | None = None) -> Rows:
    """The newest scans that reported a problem (scrolling list): id, scanned_at, kind, rating,
    uscc, entity_name, equipment_code, street_code, street_name."""
    limit = check_limit(limit)
    check_choice(kind, QR_KINDS, "kind")
    q, e = s.qr_scan, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        st = r.table("street_dim")
        stmt = (
            sa.select(
                q.c.id,
                q.c.scanned_at,
                q.c.kind,
                q.c.rating,
                q.c.uscc,
                e.c.name.label("entity_name"),
                q.c.equipment_code,
                q.c.street_code,
                st.c.name.label("street_name"),
            )
            .select_from(q.outerjoin(e, e.c.uscc == q.c.uscc).outerjoin(st, st.c.code == q.c.street_code))
            .where(q.c.reported_problem.is_(True))
            .order_by(q.c.scanned_at.desc(), q.c.id.desc())
        )
        if scope is not None:
            stmt = stmt.where(q.c.street_code.in_(scope))
        if kind is not None:
            stmt = stmt.where(q.c.kind == kind)
        rows = bounded(r, stmt, limit)
    rows.frame["scanned_at"] = pd.to_datetime(rows.frame["scanned_at"])
    return rows


# --- 党建 ------------------------------------------------------------------------------------------


@memoized
def party_orgs_by(dimension: str = "kind", scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Party organisations per ``kind`` or ``street_code``: n, members (street rows: street_name
    and the per-kind counts bureau, two_new_enterprise, two_new_social, joint)."""
    check_choice(dimension, ("kind", "street_code"), "dimension")
    with reading() as r:
        scope = check_scope(r, scope)
        if dimension == "kind":
            f = breakdown(r, "party_org_state", ["n", "members"], "kind", ORG_KINDS, scope=scope)
            return to_int(f, "n", "members")
        m = {"n": "n", "members": "members"} | {k: Sum("n", {"kind": k}) for k in ORG_KINDS}
        f = _with_street_names(r, r.aggregate("party_org_state", m, by=("street_code",), scope=scope), scope)
    return to_int(f, "n", "members", *ORG_KINDS)


@memoized
def party_coverage_by_street(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Two-new coverage per street: street_code, street_name, enterprises (active), covered, own,
    joint, coverage (covered / enterprises)."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "party_coverage",
            {"enterprises": "n", "covered": "n_covered", "own": "n_own", "joint": "n_joint"},
            by=("street_code",),
            scope=scope,
        )
        f = _with_street_names(r, f, scope)
    f["coverage"] = ratio(f["covered"], f["enterprises"])
    return to_int(f, "enterprises", "covered", "own", "joint")


@memoized
def party_activity_trend(
    start: date, end: date, scope: tuple[str, ...] | None = None, grain: str = "month"
) -> pd.DataFrame:
    """Party activities per ``grain``: period, one column per activity kind, total, participants."""
    check_choice(grain, ("day", "month"), "grain")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        m = {k: Sum("n", {"kind": k}) for k in ACTIVITY_KINDS} | {"participants": "participants"}
        out = _trend(r, "party_activity", m, start, end, grain, scope)
    out["total"] = out[list(ACTIVITY_KINDS)].sum(axis=1)
    return to_int(out, *ACTIVITY_KINDS, "total", "participants")


@memoized
def party_activities_by(
    dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Party activities in ``[start, end)`` per activity ``kind`` or ``org_kind``: n, participants."""
    check_choice(dimension, ("kind", "org_kind"), "dimension")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "party_activity",
            ["n", "participants"],
            dimension,
            ACTIVITY_KINDS if dimension == "kind" else ORG_KINDS,
            start=start,
            end=end,
            scope=scope,
        )
    return to_int(f, "n", "participants")


@memoized
def party_orgs(scope: tuple[str, ...] | None = None, kind: str | None = None, limit: int = 200) -> Rows:
    """Party organisations (drill-down list), largest first: id, name, kind, street_code, street_name,
    uscc, office_code, members, established_on, enterprises (covered), activities_365d."""
    limit = check_limit(limit)
    check_choice(kind, ORG_KINDS, "kind")
    o, pm, a = s.party_org, s.party_org_member, s.party_activity
    with reading() as r:
        scope = check_scope(r, scope)
        d = as_of(r)
        st = r.table("street_dim")
        covered = (
            sa.select(pm.c.org_id, sa.func.count().label("enterprises")).group_by(pm.c.org_id).subquery()
        )
        acts = (
            sa.select(a.c.org_id, sa.func.count().label("activities_365d"))
            .where(a.c.held_on > d - timedelta(days=365), a.c.held_on <= d)
            .group_by(a.c.org_id)
            .subquery()
        )
        stmt = (
            sa.select(
                o.c.id,
                o.c.name,
                o.c.kind,
                o.c.street_code,
                st.c.name.label("street_name"),
                o.c.uscc,
                o.c.office_code,
                o.c.members,
                o.c.established_on,
                sa.func.coalesce(covered.c.enterprises, 0).label("enterprises"),
                sa.func.coalesce(acts.c.activities_365d, 0).label("activities_365d"),
            )
            .select_from(
                o.outerjoin(st, st.c.code == o.c.street_code)
                .outerjoin(covered, covered.c.org_id == o.c.id)
                .outerjoin(acts, acts.c.org_id == o.c.id)
            )
            .order_by(o.c.members.desc(), o.c.id)
        )
        if scope is not None:
            stmt = stmt.where(o.c.street_code.in_(scope))
        if kind is not None:
            stmt = stmt.where(o.c.kind == kind)
        rows = bounded(r, stmt, limit)
    rows.frame["established_on"] = pd.to_datetime(rows.frame["established_on"])
    return rows


# --- 重大事项保障 ---------------------------------------------------------------------------------


def _mission_frame(r) -> pd.DataFrame:
    m = r.frame(sa.select(s.assurance_mission).order_by(s.assurance_mission.c.starts_on))
    d = as_of(r)
    starts = pd.to_datetime(m["starts_on"]).dt.date
    ends = pd.to_datetime(m["ends_on"]).dt.date
    m["phase"] = np.where(starts > d, "upcoming", np.where(ends < d, "past", "active"))
    m["days_to_start"] = [(x - d).days for x in starts]
    m["days_to_end"] = [(x - d).days for x in ends]
    m["starts_on"], m["ends_on"] = pd.to_datetime(m["starts_on"]), pd.to_datetime(m["ends_on"])
    return m


def _mission_id(r, mission_id: int | None) -> int | None:
    """The given mission (checked) or the active one (the first upcoming, else the latest, if none)."""
    m = _mission_frame(r)
    if mission_id is not None:
        if int(mission_id) not in set(m["id"]):
            raise ValueError(f"未知保障任务：{mission_id!r}")
        return int(mission_id)
    for phase in ("active", "upcoming"):
        hit = m[m["phase"] == phase]
        if len(hit):
            return int(hit["id"].iloc[0])
    return int(m["id"].iloc[-1]) if len(m) else None


@memoized
def assurance_missions() -> pd.DataFrame:
    """Every assurance mission: id, name, starts_on, ends_on, venue, venue_lon, venue_lat, phase
    (active/upcoming/past relative to D), days_to_start, days_to_end (negative when passed), sites,
    and ``current`` (the mission the screen shows: active, else the next upcoming, else the latest)."""
    with reading() as r:
        m = _mission_frame(r)
        current = _mission_id(r, None)
        n = dict(
            r.conn.execute(
                sa.select(s.assurance_site.c.mission_id, sa.func.count()).group_by(
                    s.assurance_site.c.mission_id
                )
            ).all()
        )
    m["sites"] = m["id"].map(n).fillna(0).astype("int64")
    m["current"] = m["id"] == current
    return m


@memoized
def assurance_sites(
    mission_id: int | None = None, scope: tuple[str, ...] | None = None, limit: int = 2000
) -> Rows:
    """The sites of a mission (default: the current one) for the map and list: id, uscc,
    entity_name, address, kind, risk_tier, patrol_interval_hours, street_code, street_name, lon, lat,
    last_patrol_at, minutes_since_patrol (to the data time), patrols, problems, overdue (bool;
    only while the mission is active). Overdue sites first, then by tier."""
    limit = check_limit(limit)
    st_, p, e = s.assurance_site, s.assurance_patrol, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        mid = _mission_id(r, mission_id)
        now = current_data_time(r) or datetime.combine(as_of(r), datetime.min.time())
        phase = _mission_frame(r).set_index("id")["phase"].get(mid)
        last = (
            sa.select(
                p.c.site_id,
                sa.func.max(p.c.at).label("last_patrol_at"),
                sa.func.count().label("patrols"),
                sa.func.sum(sqlx.flag(p.c.result == "problem")).label("problems"),
            )
            .where(
                p.c.at <= sqlx.instant_bound(r.dialect, now),
                p.c.site_id.in_(sa.select(st_.c.id).where(st_.c.mission_id == mid)),
            )
            .group_by(p.c.site_id)
            .subquery()
        )
        st = r.table("street_dim")
        stmt = (
            sa.select(
                st_.c.id,
                st_.c.uscc,
                e.c.name.label("entity_name"),
                e.c.address,
                st_.c.kind,
                st_.c.risk_tier,
                st_.c.patrol_interval_hours,
                st_.c.street_code,
                st.c.name.label("street_name"),
                e.c.lon,
                e.c.lat,
                last.c.last_patrol_at,
                sa.func.coalesce(last.c.patrols, 0).label("patrols"),
                sa.func.coalesce(last.c.problems, 0).label("problems"),
            )
            .select_from(
                st_.join(e, e.c.uscc == st_.c.uscc)
                .outerjoin(last, last.c.site_id == st_.c.id)
                .outerjoin(st, st.c.code == st_.c.street_code)
            )
            .where(st_.c.mission_id == mid)
            .order_by(st_.c.id)
        )
        if scope is not None:
            stmt = stmt.where(st_.c.street_code.in_(scope))
        rows = bounded(r, stmt, limit)
    f = rows.frame
    f["last_patrol_at"] = pd.to_datetime(f["last_patrol_at"])
    f["minutes_since_patrol"] = (pd.Timestamp(now) - f["last_patrol_at"]).dt.total_seconds() / 60
    f["overdue"] = (phase == "active") & (
        f["last_patrol_at"].isna() | (f["minutes_since_patrol"] > f["patrol_interval_hours"] * 60)
    )
    tier = f["risk_tier"].map({t: i for i, t in enumerate(TIERS)})
    order = np.lexsort((f["id"].to_numpy(), tier.to_numpy(), ~f["overdue"].to_numpy()))
    rows.frame = f.iloc[order].reset_index(drop=True)
    rows.frame["patrols"] = rows.frame["patrols"].astype("int64")
    rows.frame["problems"] = rows.frame["problems"].astype("int64")
    return rows


@memoized
def assurance_sites_by(
    dimension: str, mission_id: int | None = None, scope: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Sites of a mission (default: the current one) per ``kind``, ``risk_tier`` or ``street_code``:
    n, n_overdue (overdue only while the mission is active)."""
    check_choice(dimension, ("kind", "risk_tier", "street_code"), "dimension")
    with reading() as r:
        scope = check_scope(r, scope)
        mid = _mission_id(r, mission_id)
        where = {"mission_id": mid}
        if dimension == "street_code":
            f = r.aggregate(
                "assurance_site_state", ["n", "n_overdue"], by=("street_code",), where=where, scope=scope
            )
            f = _with_street_names(r, f, scope)
        else:
            f = breakdown(
                r,
                "assurance_site_state",
                ["n", "n_overdue"],
                dimension,
                SITE_KINDS if dimension == "kind" else TIERS,
                where=where,
                scope=scope,
            )
    return to_int(f, "n", "n_overdue")


@memoized
def assurance_patrol_trend(
    mission_id: int | None = None, scope: tuple[str, ...] | None = None, grain: str = "day"
) -> pd.DataFrame:
    """Patrols of a mission (default: the current one) per day of its window (from
    ``LEAD_DAYS`` before the start to the end or D): period, n, n_problem, rapid_tests, rapid_fails."""
    check_choice(grain, ("day",), "grain")
    with reading() as r:
        scope = check_scope(r, scope)
        mid = _mission_id(r, mission_id)
        start, end = _window(r, mid)
        out = _trend(
            r,
            "assurance_patrol",
            ["n", "n_problem", "rapid_tests", "rapid_fails"],
            start,
            end,
            "day",
            scope,
            where={"mission_id": mid},
        )
    return to_int(out, "n", "n_problem", "rapid_tests", "rapid_fails")


#: Patrols of a mission begin this many days before its first day (前置保障; the generator's
#: ``ingest.gen_screens4.LEAD_DAYS``): the window of its trend, samplings and incidents.
LEAD_DAYS = 3


def _window(r, mid: int) -> tuple[date, date]:
    m = _mission_frame(r).set_index("id").loc[mid]
    start = m["starts_on"].date() - timedelta(days=LEAD_DAYS)
    end = min(m["ends_on"].date(), as_of(r)) + timedelta(days=1)
    return start, max(end, start)


@memoized
def assurance_samplings(
    mission_id: int | None = None, scope: tuple[str, ...] | None = None, limit: int = 200
) -> Rows:
    """Food samplings at the mission's sites during its window (newest first): id, sampled_on, uscc,
    entity_name, site_kind, food_category, result, hazard, street_code."""
    limit = check_limit(limit)
    fs, st_, e = s.food_sampling, s.assurance_site, s.entity
    with reading() as r:
        scope = check_scope(r, scope)
        mid = _mission_id(r, mission_id)
        start, end = _window(r, mid)
        stmt = (
            sa.select(
                fs.c.id,
                fs.c.sampled_on,
                fs.c.uscc,
                e.c.name.label("entity_name"),
                st_.c.kind.label("site_kind"),
                fs.c.food_category,
                fs.c.result,
                fs.c.hazard,
                st_.c.street_code,
            )
            .select_from(fs.join(st_, st_.c.uscc == fs.c.uscc).join(e, e.c.uscc == fs.c.uscc))
            .where(st_.c.mission_id == mid, fs.c.sampled_on >= start, fs.c.sampled_on < end)
            .order_by(fs.c.sampled_on.desc(), fs.c.id.desc())
        )
        if scope is not None:
            stmt = stmt.where(st_.c.street_code.in_(scope))
        rows = bounded(r, stmt, limit)
    rows.frame["sampled_on"] = pd.to_datetime(rows.frame["sampled_on"])
    return rows


@memoized
def assurance_incidents(
    mission_id: int | None = None, scope: tuple[str, ...] | None = None, limit: int = 200
) -> Rows:
    """Incidents during the mission's window at its sites or in the streets that hold its sites
    (newest first): id, kind, level, status, reported_at, resolved_at, street_code, lon, lat, uscc,
    summary, at_site (bool)."""
    limit = check_limit(limit)
    i, st_ = s.incident, s.assurance_site
    with reading() as r:
        scope = check_scope(r, scope)
        mid = _mission_id(r, mission_id)
        start, end = _window(r, mid)
        site_streets = sa.select(st_.c.street_code).where(st_.c.mission_id == mid).distinct()
        site_usccs = sa.select(st_.c.uscc).where(st_.c.mission_id == mid)
        stmt = (
            sa.select(
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
                i.c.uscc.in_(site_usccs).label("at_site"),
            )
            .where(
                i.c.reported_at >= sqlx.ts_bound(r.dialect, start),
                i.c.reported_at < sqlx.ts_bound(r.dialect, end),
                sa.or_(i.c.uscc.in_(site_usccs), i.c.street_code.in_(site_streets)),
            )
            .order_by(i.c.reported_at.desc(), i.c.id)
        )
        if scope is not None:
            stmt = stmt.where(i.c.street_code.in_(scope))
        rows = bounded(r, stmt, limit)
    f = rows.frame
    f["reported_at"] = pd.to_datetime(f["reported_at"])
    f["resolved_at"] = pd.to_datetime(f["resolved_at"])
    f["at_site"] = f["at_site"].fillna(False).astype(bool)
    return rows


# --- 城运 ------------------------------------------------------------------------------------------


@memoized
def city_orders_by(
    dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Work orders per ``source``, ``category`` or ``street_code``: created in ``[start, end)`` (n,
    n_pushed, n_accepted, n_returned, avg_push_minutes, avg_accept_minutes) and closed in it
    (n_closed, n_ontime, ontime_rate, avg_handle_minutes)."""
    check_choice(dimension, ("source", "category", "street_code"), "dimension")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        c = r.aggregate(
            "city_order_created",
            ["n", "n_pushed", "push_minutes", "n_accepted", "accept_minutes", "n_returned"],
            start=start,
            end=end,
            by=(dimension,),
            scope=scope,
        )
        d = r.aggregate(
            "city_order_closed",
            {"n_closed": "n", "n_ontime": "n_ontime", "handle_minutes": "handle_minutes"},
            start=start,
            end=end,
            by=(dimension,),
            scope=scope,
        )
        f = c.merge(d, on=dimension, how="outer")
        if dimension == "source":
            f = pd.DataFrame({"source": list(ORDER_SOURCES)}).merge(f, on="source", how="left")
        elif dimension == "street_code":
            f = _with_street_names(r, f, scope)
    f = f.fillna({k: 0.0 for k in f.columns if k not in (dimension, "street_name")})
    f["avg_push_minutes"] = ratio(f["push_minutes"], f["n_pushed"])
    f["avg_accept_minutes"] = ratio(f["accept_minutes"], f["n_accepted"])
    f["ontime_rate"] = ratio(f["n_ontime"], f["n_closed"])
    f["avg_handle_minutes"] = ratio(f["handle_minutes"], f["n_closed"])
    f = f.drop(columns=["push_minutes", "accept_minutes", "handle_minutes"])
    if dimension == "category":
        f = f.sort_values("n", ascending=False, kind="stable").reset_index(drop=True)
    return to_int(f, "n", "n_pushed", "n_accepted", "n_returned", "n_closed", "n_ontime")


@memoized
def city_order_status(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Work orders now per source × status: source, one column per status, open, n_overdue."""
    with reading() as r:
        scope = check_scope(r, scope)
        m = {st: Sum("n", {"status": st}) for st in ORDER_STATUSES} | {"n_overdue": "n_overdue"}
        f = breakdown(r, "city_order_state", m, "source", ORDER_SOURCES, scope=scope)
    f["open"] = f[list(OPEN_ORDER)].sum(axis=1)
    return to_int(f, *ORDER_STATUSES, "open", "n_overdue")


@memoized
def city_order_trend(
    start: date, end: date, scope: tuple[str, ...] | None = None, grain: str = "day"
) -> pd.DataFrame:
    """Work orders per ``grain``: period, one column per source (created), total, closed, ontime,
    ontime_rate."""
    check_choice(grain, ("day", "month"), "grain")
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        a = _trend(
            r,
            "city_order_created",
            {k: Sum("n", {"source": k}) for k in ORDER_SOURCES},
            start,
            end,
            grain,
            scope,
        )
        b = _trend(r, "city_order_closed", {"closed": "n", "ontime": "n_ontime"}, start, end, grain, scope)
    out = a.merge(b, on="period", how="left").fillna(0.0)
    out["total"] = out[list(ORDER_SOURCES)].sum(axis=1)
    out["ontime_rate"] = ratio(out["ontime"], out["closed"])
    return to_int(out, *ORDER_SOURCES, "total", "closed", "ontime")


@memoized
def city_order_feed(
    scope: tuple[str, ...] | None = None,
    limit: int = 50,
    source: str | None = None,
    open_only: bool = False,
) -> Rows:
    """The newest work orders (the feed pushed upward): id, source, source_id, category, title,
    street_code, street_name, uscc, lon, lat, created_at, pushed_at, accepted_at, closed_at, due_at,
    status, push_minutes, accept_minutes, handle_minutes, overdue (open past due at the data time)."""
    limit = check_limit(limit)
    check_choice(source, ORDER_SOURCES, "source")
    w = s.city_work_order
    with reading() as r:
        scope = check_scope(r, scope)
        now = current_data_time(r)
        st = r.table("street_dim")
        stmt = (
            sa.select(
                w.c.id,
                w.c.source,
                w.c.source_id,
                w.c.category,
                w.c.title,
                w.c.street_code,
                st.c.name.label("street_name"),
                w.c.uscc,
                w.c.lon,
                w.c.lat,
                w.c.created_at,
                w.c.pushed_at,
                w.c.accepted_at,
                w.c.closed_at,
                w.c.due_at,
                w.c.status,
            )
            .select_from(w.outerjoin(st, st.c.code == w.c.street_code))
            .order_by(w.c.created_at.desc(), w.c.id.desc())
        )
        if scope is not None:
            stmt = stmt.where(w.c.street_code.in_(scope))
        if source is not None:
            stmt = stmt.where(w.c.source == source)
        if open_only:
            stmt = stmt.where(w.c.status.in_(OPEN_ORDER))
        rows = bounded(r, stmt, limit)
    f = rows.frame
    for c in ("created_at", "pushed_at", "accepted_at", "closed_at", "due_at"):
        f[c] = pd.to_datetime(f[c])
    f["push_minutes"] = (f["pushed_at"] - f["created_at"]).dt.total_seconds() / 60
    f["accept_minutes"] = (f["accepted_at"] - f["pushed_at"]).dt.total_seconds() / 60
    f["handle_minutes"] = (f["closed_at"] - f["created_at"]).dt.total_seconds() / 60
    f["overdue"] = f["status"].isin(OPEN_ORDER) & (f["due_at"] < pd.Timestamp(now)) if now else False
    return rows


#: Handling-time bands of closed work orders (hours, upper bounds; the last is open-ended).
HANDLING_BANDS = (("lt1h", 1), ("1_4h", 4), ("4_24h", 24), ("1_3d", 72), ("gt3d", None))


@memoized
def city_order_handling(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """How long the orders closed in ``[start, end)`` took, per source: source, one column per band
    of ``HANDLING_BANDS`` (created → closed: under 1 h, 1–4 h, 4–24 h, 1–3 days, over 3 days), n,
    ontime (closed by ``due_at``). Read from the work orders (indexed on ``closed_at``)."""
    start, end = check_period(start, end)
    w = s.city_work_order
    with reading() as r:
        scope = check_scope(r, scope)
        minutes = sqlx.minutes_between(r.dialect, w.c.created_at, w.c.closed_at)
        cases, lower = [], 0
        for band, upper in HANDLING_BANDS:
            cond = (
                minutes >= lower * 60
                if upper is None
                else sa.and_(minutes >= lower * 60, minutes < upper * 60)
            )
            cases.append(sa.func.sum(sqlx.flag(cond)).label(band))
            lower = upper or lower
        stmt = (
            sa.select(
                w.c.source,
                *cases,
                sa.func.count().label("n"),
                sa.func.sum(sqlx.flag(w.c.closed_at <= w.c.due_at)).label("ontime"),
            )
            .where(
                w.c.closed_at >= sqlx.ts_bound(r.dialect, start),
                w.c.closed_at < sqlx.ts_bound(r.dialect, end),
            )
            .group_by(w.c.source)
        )
        if scope is not None:
            stmt = stmt.where(w.c.street_code.in_(scope))
        f = r.frame(stmt)
    cols = [b for b, _ in HANDLING_BANDS] + ["n", "ontime"]
    f = pd.DataFrame({"source": list(ORDER_SOURCES)}).merge(f, on="source", how="left").fillna(0)
    for c in cols:
        f[c] = pd.to_numeric(f[c]).astype("int64")
    return f
