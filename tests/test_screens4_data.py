"""Data of 社会共治, 党建, 重大事项保障, 城运 on the small district (SQLite and PostgreSQL):
the generator's consistency, every new indicator against an independent SQL query (district and one
street), and the read API's panels against the same sources."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import cache
from data_access import indicators as lib
from data_access.api import screens4 as api4
from data_access.api._base import reading
from data_access.db import store
from tests.test_refresh import refreshed_copy, refreshed_pg

YEAR = (date(2026, 1, 1), date(2027, 1, 1))
MONTH = (date(2026, 11, 1), date(2026, 12, 1))
ALL = (date(2021, 1, 1), date(2027, 1, 1))
HUACAO = "310112106000"
QIBAO = "310112102000"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(request, tmp_path_factory, small_store_url):
    """The process store bound to a refreshed small district; reads uncached."""
    cache.reset()
    if request.param == "postgres":
        engine = refreshed_pg(request.getfixturevalue("small_pg_engine"))
        url = engine.url.render_as_string(hide_password=False)
    else:
        url = refreshed_copy(tmp_path_factory, small_store_url)
    store.configure(url)
    yield store.engine
    store.dispose()


def _q(engine, sql: str, **params) -> float:
    with engine.connect() as conn:
        v = conn.execute(sa.text(sql), params).scalar()
    return float(v or 0)


def _frame(engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def _value(ind: str, period=None, street: str | None = None):
    with reading() as r:
        start, end = period if period else (None, None)
        return lib.value(r, ind, start=start, end=end, scope=(street,) if street else None)


def _data_time(engine) -> datetime:
    with engine.connect() as conn:
        v = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'source_data_time'")).scalar()
    return datetime.fromisoformat(v)


def _street(street: str | None, col: str = "street_code") -> tuple[str, dict]:
    return (f" AND {col} = :s", {"s": street}) if street else ("", {})


# --- the generator ----------------------------------------------------------------------------------


def test_s4gen001_every_new_table_filled(small_engine):
    for t in (
        "qr_scan",
        "self_inspection",
        "association",
        "mediation",
        "commitment",
        "party_org",
        "party_org_member",
        "party_activity",
        "assurance_mission",
        "assurance_site",
        "assurance_patrol",
        "city_work_order",
    ):
        assert _q(small_engine, f"SELECT count(*) FROM {t}") > 0, t


def test_s4gen002_scans_name_existing_things_in_their_streets(small_engine):
    bad_entity = _q(
        small_engine,
        "SELECT count(*) FROM qr_scan q JOIN entity e ON e.uscc = q.uscc "
        "WHERE q.kind <> 'elevator_code' AND e.street_code <> q.street_code",
    )
    bad_elevator = _q(
        small_engine,
        "SELECT count(*) FROM qr_scan q JOIN equipment x ON x.equipment_code = q.equipment_code "
        "WHERE x.street_code <> q.street_code OR x.uscc <> q.uscc OR x.kind <> 'elevator'",
    )
    no_code = _q(
        small_engine, "SELECT count(*) FROM qr_scan WHERE kind = 'elevator_code' AND equipment_code IS NULL"
    )
    # A scan never precedes its entity's registration nor follows its end.
    dead = _q(
        small_engine,
        "SELECT count(*) FROM qr_scan q JOIN entity e ON e.uscc = q.uscc "
        "WHERE q.scanned_at < e.established_on "
        "OR (e.status <> 'active' AND q.scanned_at >= e.status_changed_on)",
    )
    assert (bad_entity, bad_elevator, no_code, dead) == (0, 0, 0, 0)
    ratings = _frame(small_engine, "SELECT kind, rating FROM qr_scan")
    assert ratings["rating"].dropna().between(1, 5).all()
    assert ratings.loc[ratings["kind"] == "catering_review", "rating"].notna().all()


def test_s4gen003_party_orgs_in_active_enterprises_and_coverage(small_engine):
    bad = _q(
        small_engine,
        "SELECT count(*) FROM party_org o JOIN entity e ON e.uscc = o.uscc "
        "WHERE e.status <> 'active' OR e.entity_type <> 'enterprise' OR o.kind <> 'two_new_enterprise' "
        "OR o.street_code <> e.street_code",
    )
    own_missing = _q(
        small_engine,
        "SELECT count(*) FROM party_org o WHERE o.kind = 'two_new_enterprise' AND NOT EXISTS "
        "(SELECT 1 FROM party_org_member m WHERE m.org_id = o.id AND m.uscc = o.uscc)",
    )
    joint_sizes = _frame(
        small_engine,
        "SELECT o.id, count(*) AS k, sum(CASE WHEN e.street_code = o.street_code THEN 1 ELSE 0 END) AS same "
        "FROM party_org o JOIN party_org_member m ON m.org_id = o.id JOIN entity e ON e.uscc = m.uscc "
        "WHERE o.kind = 'joint' GROUP BY o.id",
    )
    assert bad == 0 and own_missing == 0
    assert (joint_sizes["k"] >= 2).all() and (joint_sizes["k"] == joint_sizes["same"]).all()
    kinds = set(_frame(small_engine, "SELECT DISTINCT kind FROM party_org")["kind"])
    assert kinds == {"bureau", "two_new_enterprise", "two_new_social", "joint"}
    # Covered by at most one organisation, and the share is plausible (≈ 10 %).
    once = _q(
        small_engine,
        "SELECT count(*) FROM (SELECT uscc FROM party_org_member GROUP BY uscc HAVING count(*) > 1) x",
    )
    share = _q(
        small_engine,
        "SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM party_org_member m WHERE m.uscc = e.uscc) "
        "THEN 1.0 ELSE 0 END) "
        "FROM entity e WHERE e.status = 'active' AND e.entity_type = 'enterprise'",
    )
    assert once == 0 and 0.05 < share < 0.2


def test_s4gen004_one_active_mission_with_sites_near_necc_and_patrols(small_engine):
    m = _frame(small_engine, "SELECT * FROM assurance_mission ORDER BY starts_on")
    d = date(2026, 11, 20)
    starts, ends = pd.to_datetime(m["starts_on"]).dt.date, pd.to_datetime(m["ends_on"]).dt.date
    active = m[(starts <= d) & (ends >= d)]
    assert len(active) == 1 and "国家会展中心" in active["name"].iloc[0]
    assert m["name"].str.contains("进口博览会").sum() >= 3  # past editions in the window
    mid = int(active["id"].iloc[0])
    sites = _frame(
        small_engine,
        "SELECT s.*, e.lon, e.lat, e.street_code AS e_street, e.status FROM assurance_site s "
        "JOIN entity e ON e.uscc = s.uscc WHERE s.mission_id = :m",
        m=mid,
    )
    assert set(sites["kind"]) == {"venue", "hotel", "kitchen", "supplier"}
    assert (sites["status"] == "active").all() and (sites["street_code"] == sites["e_street"]).all()
    assert dict(zip(sites["risk_tier"], sites["patrol_interval_hours"], strict=True)) == {
        "high": 2,
        "medium": 4,
        "low": 24,
    }
    # Nearer 国家会展中心 than the district's entities on average.
    km = np.hypot((sites["lon"] - 121.2988) * 95, (sites["lat"] - 31.1907) * 111)
    everyone = _frame(small_engine, "SELECT lon, lat FROM entity WHERE status = 'active'")
    km_all = np.hypot((everyone["lon"] - 121.2988) * 95, (everyone["lat"] - 31.1907) * 111)
    assert km.median() < km_all.median() / 2
    p = _frame(
        small_engine,
        "SELECT p.site_id, p.at, s.patrol_interval_hours AS h FROM assurance_patrol p "
        "JOIN assurance_site s ON s.id = p.site_id WHERE s.mission_id = :m ORDER BY p.site_id, p.at",
        m=mid,
    )
    p["at"] = pd.to_datetime(p["at"])
    gap = p.groupby("site_id")["at"].diff().dt.total_seconds() / 3600
    assert (gap.dropna() <= p.loc[gap.notna(), "h"] * 1.0001).all()  # never a missed round mid-way
    staff = _q(small_engine, "SELECT count(*) FROM assurance_patrol WHERE staff_id IS NULL")
    assert staff == 0


def test_s4gen005_work_orders_follow_their_sources(small_engine):
    o = _frame(small_engine, "SELECT * FROM city_work_order")
    assert set(o["source"]) == {"ai_alarm", "warning", "complaint", "incident"}
    for source, sql in {
        "ai_alarm": "SELECT CAST(a.id AS VARCHAR(40)) AS sid, a.at AS t, d.street_code FROM device_alarm a "
        "JOIN device d ON d.device_id = a.device_id",
        "warning": "SELECT id AS sid, raised_at AS t, street_code FROM warning",
        "complaint": "SELECT id AS sid, received_at AS t, street_code FROM complaint",
        "incident": "SELECT id AS sid, reported_at AS t, street_code FROM incident",
    }.items():
        src = _frame(small_engine, sql)
        part = o[o["source"] == source].merge(src, left_on="source_id", right_on="sid", how="left")
        assert part["sid"].notna().all(), source
        assert (part["street_code_x"] == part["street_code_y"]).all(), source
        assert (pd.to_datetime(part["created_at"]) >= pd.to_datetime(part["t"])).all(), source
    for a, b in (("created_at", "pushed_at"), ("pushed_at", "accepted_at"), ("accepted_at", "closed_at")):
        both = o[a].notna() & o[b].notna()
        assert (pd.to_datetime(o.loc[both, a]) <= pd.to_datetime(o.loc[both, b])).all(), (a, b)
    st = o["status"]
    assert (o.loc[st == "closed", "closed_at"].notna()).all()
    assert (o.loc[st != "closed", "closed_at"].isna()).all()
    assert (o.loc[st == "returned", "accepted_at"].isna()).all()
    assert o["id"].is_unique and not o.duplicated(["source", "source_id"]).any()


def test_s4gen006_mediations_and_commitments_consistent(small_engine):
    m = _frame(small_engine, "SELECT * FROM mediation")
    closed = m["closed_on"].notna()
    assert (m.loc[closed, "result"].notna()).all() and (m.loc[~closed, "result"].isna()).all()
    assert (pd.to_datetime(m.loc[closed, "closed_on"]) >= pd.to_datetime(m.loc[closed, "received_on"])).all()
    assert m.loc[m["result"] != "agreed", "amount"].isna().all()
    rate = (m["result"] == "agreed").sum() / closed.sum()
    assert 0.6 < rate < 0.9
    bad = _q(
        small_engine, "SELECT count(*) FROM commitment WHERE revoked_on IS NOT NULL AND revoked_on < since"
    )
    assert bad == 0


# --- indicators against independent SQL --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("street", [None, HUACAO])
def test_s4ind001_party(api, street):
    w, p = _street(street)
    assert _value("party.orgs", street=street) == _q(api, f"SELECT count(*) FROM party_org WHERE 1=1{w}", **p)
    assert _value("party.orgs_bureau", street=street) == _q(
        api, f"SELECT count(*) FROM party_org WHERE kind = 'bureau'{w}", **p
    )
    assert _value("party.members", street=street) == _q(
        api, f"SELECT sum(members) FROM party_org WHERE 1=1{w}", **p
    )
    we, pe = _street(street, "e.street_code")
    covered = _q(
        api,
        "SELECT count(*) FROM entity e WHERE e.status = 'active' AND e.entity_type = 'enterprise' AND EXISTS "
        "(SELECT 1 FROM party_org_member m JOIN party_org o ON o.id = m.org_id WHERE m.uscc = e.uscc "
        f"AND o.kind IN ('two_new_enterprise', 'joint')){we}",
        **pe,
    )
    enterprises = _q(
        api,
        f"SELECT count(*) FROM entity e WHERE e.status = 'active' AND e.entity_type = 'enterprise'{we}",
        **pe,
    )
    assert _value("party.covered_enterprises", street=street) == covered
    assert _value("party.two_new_coverage", street=street) == pytest.approx(covered / enterprises)
    wa, pa = _street(street, "o.street_code")
    acts = _q(
        api,
        "SELECT count(*) FROM party_activity a JOIN party_org o ON o.id = a.org_id "
        f"WHERE a.held_on >= :a AND a.held_on < :b{wa}",
        a=YEAR[0],
        b=YEAR[1],
        **pa,
    )
    assert _value("party.activities", YEAR, street) == acts
    assert acts > 0 or street is not None


@pytest.mark.postgres
@pytest.mark.parametrize("street", [None, QIBAO])
@pytest.mark.parametrize("period", [YEAR, MONTH])
def test_s4ind002_cogov(api, street, period):
    w, p = _street(street)
    a, b = period
    assert _value("cogov.qr_scans", period, street) == _q(
        api, f"SELECT count(*) FROM qr_scan WHERE scanned_at >= :a AND scanned_at < :b{w}", a=a, b=b, **p
    )
    assert _value("cogov.qr_problem_reports", period, street) == _q(
        api,
        f"SELECT count(*) FROM qr_scan WHERE reported_problem AND scanned_at >= :a AND scanned_at < :b{w}",
        a=a,
        b=b,
        **p,
    )
    avg = _q(
        api,
        f"SELECT avg(rating * 1.0) FROM qr_scan WHERE scanned_at >= :a AND scanned_at < :b{w}",
        a=a,
        b=b,
        **p,
    )
    got = _value("cogov.qr_rating_avg", period, street)
    assert (got is None and avg == 0) or got == pytest.approx(avg)
    agreed = _q(
        api,
        f"SELECT count(*) FROM mediation WHERE result = 'agreed' AND closed_on >= :a AND closed_on < :b{w}",
        a=a,
        b=b,
        **p,
    )
    closed = _q(
        api, f"SELECT count(*) FROM mediation WHERE closed_on >= :a AND closed_on < :b{w}", a=a, b=b, **p
    )
    rate = _value("cogov.mediation_success_rate", period, street)
    assert (rate is None and closed == 0) or rate == pytest.approx(agreed / closed)
    assert _value("cogov.mediations", period, street) == _q(
        api, f"SELECT count(*) FROM mediation WHERE received_on >= :a AND received_on < :b{w}", a=a, b=b, **p
    )
    assert _value("cogov.mediation_amount", period, street) == pytest.approx(
        _q(
            api,
            f"SELECT sum(amount) FROM mediation WHERE closed_on >= :a AND closed_on < :b{w}",
            a=a,
            b=b,
            **p,
        )
    )
    we, pe = _street(street, "e.street_code")
    assert _value("cogov.self_inspections", period, street) == _q(
        api,
        "SELECT count(*) FROM self_inspection s JOIN entity e ON e.uscc = s.uscc "
        f"WHERE s.done_on >= :a AND s.done_on < :b{we}",
        a=a,
        b=b,
        **pe,
    )
    live = _q(
        api,
        "SELECT count(*) FROM commitment c JOIN entity e ON e.uscc = c.uscc "
        "WHERE c.kind = 'assured_consumption' "
        f"AND c.since <= :d AND (c.revoked_on IS NULL OR c.revoked_on > :d){we}",
        d=date(2026, 11, 20),
        **pe,
    )
    assert _value("cogov.commitments_active", street=street) == live


@pytest.mark.postgres
@pytest.mark.parametrize("street", [None, HUACAO])
def test_s4ind003_assurance(api, street):
    now = _data_time(api)
    d = now.date()
    w, p = _street(street, "s.street_code")
    sites = _frame(
        api,
        "SELECT s.id, s.risk_tier, s.patrol_interval_hours AS h, "
        "(SELECT max(p.at) FROM assurance_patrol p WHERE p.site_id = s.id AND p.at <= :now) AS last_at "
        "FROM assurance_site s JOIN assurance_mission m ON m.id = s.mission_id "
        f"WHERE m.starts_on <= :d AND m.ends_on >= :d{w}",
        now=now,
        d=d,
        **p,
    )
    last = pd.to_datetime(sites["last_at"])
    overdue = (last.isna() | ((pd.Timestamp(now) - last).dt.total_seconds() > sites["h"] * 3600)).sum()
    assert _value("assurance.sites", street=street) == len(sites)
    assert _value("assurance.sites_high", street=street) == (sites["risk_tier"] == "high").sum()
    assert _value("assurance.patrols_overdue", street=street) == overdue
    if street is None:
        assert overdue >= 1 and len(sites) > overdue  # some, not all, overdue at the data time
    for period in (YEAR, MONTH):
        assert _value("assurance.patrols", period, street) == _q(
            api,
            "SELECT count(*) FROM assurance_patrol p JOIN assurance_site s ON s.id = p.site_id "
            f"WHERE p.at >= :a AND p.at < :b{w}",
            a=period[0],
            b=period[1],
            **p,
        )


@pytest.mark.postgres
@pytest.mark.parametrize("street", [None, QIBAO])
def test_s4ind004_cityops(api, street):
    now = _data_time(api)
    w, p = _street(street)
    assert _value("cityops.orders_open", street=street) == _q(
        api, f"SELECT count(*) FROM city_work_order WHERE status IN ('created', 'pushed', 'accepted'){w}", **p
    )
    assert _value("cityops.orders_overdue", street=street) == _q(
        api,
        "SELECT count(*) FROM city_work_order WHERE status IN ('created', 'pushed', 'accepted') "
        f"AND due_at < :now{w}",
        now=now,
        **p,
    )
    for a, b in (YEAR, MONTH):
        closed = _q(
            api,
            f"SELECT count(*) FROM city_work_order WHERE closed_at >= :a AND closed_at < :b{w}",
            a=a,
            b=b,
            **p,
        )
        ontime = _q(
            api,
            "SELECT count(*) FROM city_work_order WHERE closed_at >= :a AND closed_at < :b "
            f"AND closed_at <= due_at{w}",
            a=a,
            b=b,
            **p,
        )
        rate = _value("cityops.ontime_rate", (a, b), street)
        assert (rate is None and closed == 0) or rate == pytest.approx(ontime / closed)
        assert _value("cityops.orders", (a, b), street) == _q(
            api,
            f"SELECT count(*) FROM city_work_order WHERE created_at >= :a AND created_at < :b{w}",
            a=a,
            b=b,
            **p,
        )
    year_rate = _value("cityops.ontime_rate", YEAR)
    assert 0.85 < year_rate < 1


# --- the read API ------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_s4api001_co_governance(api):
    k = api4.qr_scans_by("kind", *YEAR)
    assert list(k["kind"]) == list(api4.QR_KINDS) and k["n"].sum() == _value("cogov.qr_scans", YEAR)
    by_street = api4.qr_scans_by("street_code", *YEAR)
    assert len(by_street) == 14 and by_street["n"].sum() == k["n"].sum()
    one = api4.qr_scans_by("street_code", *YEAR, scope=(QIBAO,))
    assert list(one["street_code"]) == [QIBAO] and one["n"].iloc[0] == _value("cogov.qr_scans", YEAR, QIBAO)
    t = api4.qr_scan_trend(*MONTH)
    assert len(t) == 30 and t["total"].sum() == _value("cogov.qr_scans", MONTH)
    si = api4.self_inspections_by(*YEAR)
    assert si["n"].sum() == _value("cogov.self_inspections", YEAR)
    body = api4.mediations_by("body", *YEAR)
    assert body["body_name"].iloc[0] == api4.COUNCIL_NAME
    assert body["n"].sum() == _value("cogov.mediations_closed", YEAR)
    assert body["n_agreed"].sum() / body["n"].sum() == pytest.approx(
        _value("cogov.mediation_success_rate", YEAR)
    )
    res = api4.mediations_by("result", *YEAR)
    assert set(res["result"]) == {"agreed", "failed", "withdrawn"}
    a = api4.associations(*YEAR)
    assert len(a) == _q(api, "SELECT count(*) FROM association") and a["members"].gt(0).all()
    c = api4.commitments_by_street()
    assert c["assured_consumption"].sum() == _value("cogov.commitments_active")
    ps = api4.problem_scans(limit=5)
    assert len(ps) == 5 and ps.frame["scanned_at"].is_monotonic_decreasing


@pytest.mark.postgres
def test_s4api002_party_building(api):
    k = api4.party_orgs_by("kind")
    assert k["n"].sum() == _value("party.orgs") and list(k["kind"]) == list(api4.ORG_KINDS)
    s = api4.party_orgs_by("street_code")
    assert s["n"].sum() == _value("party.orgs") - _q(
        api, "SELECT count(*) FROM party_org WHERE street_code IS NULL"
    )
    cov = api4.party_coverage_by_street()
    assert cov["covered"].sum() / cov["enterprises"].sum() == pytest.approx(_value("party.two_new_coverage"))
    one = api4.party_coverage_by_street(scope=(HUACAO,))
    assert one["coverage"].iloc[0] == pytest.approx(
        _value("party.two_new_coverage", street=HUACAO), nan_ok=True
    )
    t = api4.party_activity_trend(*YEAR)
    assert len(t) == 12 and t["total"].sum() == _value("party.activities", YEAR)
    assert t["participants"].sum() == _value("party.participants", YEAR)
    by = api4.party_activities_by("org_kind", *YEAR)
    assert by["n"].sum() == _value("party.activities", YEAR)
    lst = api4.party_orgs(limit=500)
    assert len(lst) == _value("party.orgs") and lst.frame["members"].is_monotonic_decreasing
    joint = api4.party_orgs(kind="joint").frame
    assert (joint["enterprises"] >= 2).all()


@pytest.mark.postgres
def test_s4api003_major_events(api):
    m = api4.assurance_missions()
    cur = m[m["current"]]
    assert len(cur) == 1 and cur["phase"].iloc[0] == "active"
    assert cur["days_to_start"].iloc[0] <= 0 <= cur["days_to_end"].iloc[0]
    sites = api4.assurance_sites().frame
    assert len(sites) == _value("assurance.sites") == cur["sites"].iloc[0]
    assert sites["overdue"].sum() == _value("assurance.patrols_overdue")
    assert sites["overdue"].iloc[0] and sites["lon"].notna().all() and sites["entity_name"].notna().all()
    by = api4.assurance_sites_by("risk_tier")
    assert list(by["risk_tier"]) == ["high", "medium", "low"]
    assert by.set_index("risk_tier").loc["high", "n"] == _value("assurance.sites_high")
    assert by["n_overdue"].sum() == _value("assurance.patrols_overdue")
    past = int(m[m["phase"] == "past"]["id"].iloc[-1])
    assert not api4.assurance_sites(mission_id=past).frame["overdue"].any()
    t = api4.assurance_patrol_trend()
    assert len(t) >= 4 and t["n"].gt(0).all()
    mid = int(cur["id"].iloc[0])
    assert t["n"].sum() == _q(
        api,
        "SELECT count(*) FROM assurance_patrol p JOIN assurance_site s ON s.id = p.site_id "
        "WHERE s.mission_id = :m",
        m=mid,
    )
    api4.assurance_samplings()  # shape only: few samplings fall on the small district's sites
    inc = api4.assurance_incidents().frame
    assert set(inc.columns) >= {"id", "kind", "level", "reported_at", "at_site"}
    with pytest.raises(ValueError):
        api4.assurance_sites(mission_id=99_999)


@pytest.mark.postgres
def test_s4api004_city_ops(api):
    by = api4.city_orders_by("source", *YEAR)
    assert list(by["source"]) == list(api4.ORDER_SOURCES)
    assert by["n"].sum() == _value("cityops.orders", YEAR)
    assert by["n_ontime"].sum() / by["n_closed"].sum() == pytest.approx(_value("cityops.ontime_rate", YEAR))
    cat = api4.city_orders_by("category", *YEAR)
    assert cat["n"].is_monotonic_decreasing and cat["n"].sum() == by["n"].sum()
    st = api4.city_orders_by("street_code", *YEAR, scope=(QIBAO,))
    assert st["n"].iloc[0] == _value("cityops.orders", YEAR, QIBAO)
    status = api4.city_order_status()
    assert status["open"].sum() == _value("cityops.orders_open")
    assert status["n_overdue"].sum() == _value("cityops.orders_overdue")
    t = api4.city_order_trend(*MONTH)
    assert len(t) == 30 and t["total"].sum() == _value("cityops.orders", MONTH)
    feed = api4.city_order_feed(limit=10)
    f = feed.frame
    assert len(f) == 10 and f["created_at"].is_monotonic_decreasing
    assert (f["push_minutes"].dropna() >= 0).all()
    scoped = api4.city_order_feed(scope=(QIBAO,), limit=5).frame
    assert (scoped["street_code"] == QIBAO).all()
    h = api4.city_order_handling(*YEAR)
    bands = [b for b, _ in api4.HANDLING_BANDS]
    assert list(h["source"]) == list(api4.ORDER_SOURCES)
    assert (h[bands].sum(axis=1) == h["n"]).all()
    assert h["n"].sum() == by["n_closed"].sum() and h["ontime"].sum() == by["n_ontime"].sum()
    hq = api4.city_order_handling(*YEAR, scope=(QIBAO,))
    assert hq["n"].sum() == _value("cityops.orders_closed", YEAR, QIBAO)


@pytest.mark.postgres
def test_s4api005_public_card_shows_public_facts_only(api):
    from data_access.api import public_card as pc

    code = _frame(
        api,
        "SELECT c.uscc FROM commitment c JOIN licence l ON l.uscc = c.uscc "
        "WHERE c.revoked_on IS NULL ORDER BY c.uscc LIMIT 1",
    )["uscc"].iloc[0]
    card = pc.public_card(code)
    ent = card["entity"]
    assert ent["uscc"] == code and ent["street_name"]
    assert not {"legal_rep_name", "legal_rep_phone"} & set(ent)
    assert ent["name"] == _frame(api, "SELECT name FROM entity WHERE uscc = :u", u=code)["name"].iloc[0]
    assert len(card["licences"]) == _q(api, "SELECT count(*) FROM licence WHERE uscc = :u", u=code)
    assert len(card["commitments"]) >= 1
    listed = _frame(
        api,
        "SELECT uscc FROM credit_list WHERE removed_on IS NULL AND list = 'abnormal_operation' "
        "ORDER BY uscc LIMIT 1",
    )["uscc"].iloc[0]
    assert "abnormal_operation" in set(pc.public_card(listed)["credit_lists"]["list"])
    assert pc.public_card("91310112MA1G000114") is None  # a valid code the store does not know


def test_s4api006_opening_the_card_records_a_scan(small_store_url, tmp_path):
    import shutil

    from data_access.api import public_card as pc

    path = tmp_path / "card.sqlite"
    shutil.copy(sa.make_url(small_store_url).database, path)
    previous = store.url
    store.configure(f"sqlite:///{path}")
    try:
        code = _frame(store.engine, "SELECT uscc, street_code FROM entity WHERE status = 'active' LIMIT 1")
        before = _q(store.engine, "SELECT count(*) FROM qr_scan WHERE kind = 'public_card'")
        assert pc.record_scan(code["uscc"].iloc[0], datetime(2026, 11, 21, 8, 0, 5))
        assert not pc.record_scan("91310112MA1G000114")
        rows = _frame(
            store.engine, "SELECT * FROM qr_scan WHERE kind = 'public_card' ORDER BY id DESC LIMIT 1"
        )
        assert _q(store.engine, "SELECT count(*) FROM qr_scan WHERE kind = 'public_card'") == before + 1
        assert rows["uscc"].iloc[0] == code["uscc"].iloc[0]
        assert rows["street_code"].iloc[0] == code["street_code"].iloc[0]
        assert rows["rating"].isna().all()
    finally:
        store.dispose()
        if previous:
            store.configure(previous)
