"""The synthetic 闵行 district (feature code gen): integrity, calibration, determinism, PostgreSQL parity."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa

import ingest.generate
from data_access import schema
from data_access.db import get_meta, set_meta, table_counts
from data_access.uscc import is_valid_uscc
from ingest.generate import build, cutoff_for, generate
from tests.conftest import SMALL_SEED, SMALL_UNTIL


def q(engine: sa.Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn)


def scalar(engine: sa.Engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_gen001_every_source_table_filled_and_meta_written(small_engine):
    with small_engine.connect() as conn:
        counts = table_counts(conn)
        meta = {k: get_meta(conn, k) for k in ("scale", "seed", "until", "generated_at")}
    assert all(n > 0 for n in counts.values()), {k: n for k, n in counts.items() if n == 0}
    assert counts["street"] == 14
    assert 4_300 <= counts["entity"] <= 4_700
    assert (
        meta["scale"] == "small"
        and meta["seed"] == str(SMALL_SEED)
        and meta["until"] == SMALL_UNTIL.isoformat()
    )
    assert meta["generated_at"]


def test_gen002_every_foreign_key_resolves(small_engine):
    bad = {}
    for table in schema.SOURCE_TABLES:
        for fk in table.foreign_keys:
            child, parent = fk.parent, fk.column
            n = scalar(
                small_engine,
                f'SELECT count(*) FROM "{table.name}" c WHERE c."{child.name}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{parent.table.name}" p WHERE p."{parent.name}" = c."{child.name}")',
            )
            if n:
                bad[f"{table.name}.{child.name}"] = n
    assert bad == {}
    # The nullable links the screens join on are really used, not left empty.
    for table, col in (
        ("complaint", "uscc"),
        ("warning", "uscc"),
        ("incident", "uscc"),
        ("ad_hit", "uscc"),
        ("inspection", "task_id"),
        ("device", "uscc"),
    ):
        assert scalar(small_engine, f"SELECT count({col}) FROM {table}") > 0, (table, col)


@pytest.fixture(scope="module")
def polygons(small_engine) -> dict[str, shapely.Geometry]:
    streets = q(small_engine, "SELECT code, geometry FROM street")
    return {
        c: shapely.geometry.shape(json.loads(g))
        for c, g in zip(streets["code"], streets["geometry"], strict=True)
    }


@pytest.mark.parametrize("table", ["entity", "complaint", "device", "equipment", "incident"])
def test_gen003_points_in_their_street(small_engine, polygons, table):
    pts = q(small_engine, f"SELECT street_code, lon, lat FROM {table}")
    assert pts["lon"].notna().all()
    outside = 0
    for code, grp in pts.groupby("street_code"):
        outside += int(
            (~shapely.contains_xy(polygons[code], grp["lon"].to_numpy(), grp["lat"].to_numpy())).sum()
        )
    assert outside == 0


# (table, entity column, event column) — every dated event that belongs to an entity.
EVENTS = [
    ("complaint", "uscc", "received_at"),
    ("complaint", "uscc", "closed_at"),
    ("inspection", "uscc", "planned_on"),
    ("inspection", "uscc", "done_on"),
    ("case_file", "uscc", "opened_on"),
    ("case_file", "uscc", "closed_on"),
    ("food_sampling", "uscc", "sampled_on"),
    ("food_sampling", "uscc", "followed_up_on"),
    ("licence", "uscc", "issued_on"),
    ("credit_list", "uscc", "listed_on"),
    ("warning", "uscc", "raised_at"),
    ("entity_change", "uscc", "changed_on"),
    ("incident", "uscc", "reported_at"),
    ("ad_hit", "uscc", "detected_at"),
    ("entity_honor", "uscc", "granted_on"),
    ("ip_right", "uscc", "registered_on"),
    ("online_store", "uscc", "opened_on"),
]


@pytest.mark.parametrize(("table", "key", "col"), EVENTS, ids=[f"{t}.{c}" for t, _, c in EVENTS])
def test_gen004_no_event_outside_entity_life(small_engine, table, key, col):
    frame = q(
        small_engine,
        f"SELECT e.established_on, e.status_changed_on, x.{col} AS at FROM {table} x "
        f"JOIN entity e ON e.uscc = x.{key} WHERE x.{col} IS NOT NULL",
    )
    assert len(frame) > 0
    at = pd.to_datetime(frame["at"]).dt.normalize()
    est = pd.to_datetime(frame["established_on"])
    end = pd.to_datetime(frame["status_changed_on"])
    assert (at >= est).all(), f"{int((at < est).sum())} events before establishment"
    after = end.notna() & (at > end)
    assert not after.any(), f"{int(after.sum())} events after the entity ended"


def test_gen004_device_alarms_and_equipment_inspections_within_owner_life(small_engine):
    late = scalar(
        small_engine,
        """
        SELECT count(*) FROM device_alarm a JOIN device d ON d.device_id = a.device_id
        JOIN entity e ON e.uscc = d.uscc
        WHERE e.status_changed_on IS NOT NULL AND date(a.at) > e.status_changed_on""",
    )
    assert late == 0
    late = scalar(
        small_engine,
        """
        SELECT count(*) FROM equipment_inspection i JOIN equipment q ON q.equipment_code = i.equipment_code
        JOIN entity e ON e.uscc = q.uscc WHERE e.status_changed_on IS NOT NULL
        AND i.inspected_on > e.status_changed_on""",
    )
    assert late == 0


def test_gen005_case_entity_active_and_stages_consistent(small_engine):
    cases = q(
        small_engine,
        "SELECT c.case_no, c.stage, c.opened_on, c.closed_on, c.decided_on, c.fine_amount, "
        "e.established_on, e.status_changed_on FROM case_file c JOIN entity e ON e.uscc = c.uscc",
    )
    assert (cases["opened_on"] >= cases["established_on"]).all()
    ended = cases["status_changed_on"].notna()
    assert (cases.loc[ended, "opened_on"] < cases.loc[ended, "status_changed_on"]).all()
    ev = q(small_engine, "SELECT case_no, stage, at FROM case_stage_event")
    order = {s: i for i, s in enumerate(schema.ENUMS[("case_file", "stage")])}
    ev["rank"] = ev["stage"].map(order)
    ev = ev.sort_values(["case_no", "rank"])
    last = ev.groupby("case_no").last()
    merged = cases.set_index("case_no").join(last, rsuffix="_ev")
    assert (merged["stage"] == merged["stage_ev"]).all()
    # Events follow the stage order in time, and a case has an event for its opening.
    assert ev.groupby("case_no")["at"].apply(lambda s: s.is_monotonic_increasing).all()
    assert set(ev.loc[ev["rank"] == 0, "case_no"]) == set(cases["case_no"])
    closed = cases[cases["stage"] == "closed"]
    assert (
        closed["closed_on"].notna().all() and cases.loc[cases["stage"] != "closed", "closed_on"].isna().all()
    )
    days = (pd.to_datetime(closed["closed_on"]) - pd.to_datetime(closed["opened_on"])).dt.days
    assert 0.01 <= (days > 90).mean() <= 0.09
    assert (cases["fine_amount"].notna() == cases["decided_on"].notna()).all()


def test_gen006_complaints_close_after_received_and_elevators_due_within_a_year(small_engine):
    assert scalar(small_engine, "SELECT count(*) FROM complaint WHERE closed_at <= received_at") == 0
    assert scalar(small_engine, "SELECT count(*) FROM complaint WHERE due_at <= received_at") == 0
    assert (
        scalar(
            small_engine,
            "SELECT count(*) FROM complaint WHERE status IN ('closed','rejected') AND closed_at IS NULL",
        )
        == 0
    )
    frame = q(
        small_engine,
        """
        SELECT q.equipment_code, q.next_inspection_due, max(i.inspected_on) AS last_pass
        FROM equipment q
        JOIN equipment_inspection i ON i.equipment_code = q.equipment_code AND i.result = 'pass'
        WHERE q.status = 'in_use' GROUP BY q.equipment_code, q.next_inspection_due""",
    )
    gap = (pd.to_datetime(frame["next_inspection_due"]) - pd.to_datetime(frame["last_pass"])).dt.days
    assert ((gap > 0) & (gap <= 366)).all()
    overdue = (pd.to_datetime(frame["next_inspection_due"]) < pd.Timestamp(SMALL_UNTIL)).mean()
    assert 0.002 < overdue < 0.08


def test_gen007_entity_mix_near_targets(small_engine):
    e = q(small_engine, "SELECT entity_type, status FROM entity")
    active = e[e["status"] == "active"]
    assert 0.70 <= len(active) / len(e) <= 0.76
    share = active["entity_type"].value_counts(normalize=True)
    assert abs(share["enterprise"] - 0.75) < 0.02
    assert 0.18 < share["individual"] < 0.26
    assert set(share.index) == {"enterprise", "individual", "branch", "cooperative"}
    assert set(e["status"]) == {"active", "cancelled", "revoked", "moved_out"}
    assert e.loc[e["status"] != "active"].index.size == scalar(
        small_engine, "SELECT count(*) FROM entity WHERE status <> 'active' AND status_changed_on IS NOT NULL"
    )


def test_gen007_complaint_rates_weekend_dip_and_seasons(small_engine):
    c = q(small_engine, "SELECT category, received_at, due_at, closed_at, satisfied FROM complaint")
    for col in ("received_at", "due_at", "closed_at"):
        c[col] = pd.to_datetime(c[col])
    per_year = len(c) / 5
    assert 1_000 <= per_year <= 1_500
    closed = c[c["closed_at"].notna()]
    ontime = (closed["closed_at"] <= closed["due_at"]).mean()
    assert 0.97 <= ontime <= 0.995
    rated = closed[closed["satisfied"].notna()]
    sat = rated["satisfied"].astype(bool).mean()
    assert 0.85 <= sat <= 0.93
    daily = c.groupby(c["received_at"].dt.normalize()).size()
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max()), fill_value=0)
    weekend = daily[daily.index.dayofweek >= 5].mean() / daily[daily.index.dayofweek < 5].mean()
    assert 0.5 <= weekend <= 0.7
    online = c[c["category"] == "online_shopping"].groupby(c["received_at"].dt.month).size()
    assert online.idxmax() == 11 and online[11] > 1.6 * online.drop([11, 12]).mean()
    food = c[c["category"] == "food"].groupby(c["received_at"].dt.month).size()
    assert food[[6, 7, 8]].mean() > 1.2 * food[[1, 2, 3, 11, 12]].mean()
    # A few entities attract many complaints.
    top = (
        c.assign(u=q(small_engine, "SELECT uscc FROM complaint")["uscc"])
        .dropna(subset=["u"])["u"]
        .value_counts()
    )
    assert top.iloc[0] >= 20 * top.median()


def test_gen007_devices_alarms_and_readings(small_engine):
    d = q(small_engine, "SELECT kind, status, stream_url FROM device")
    not_retired = d[d["status"] != "retired"]
    rate = (not_retired["status"] == "online").mean()
    assert 0.95 <= rate <= 0.98
    assert (d["kind"] == "kitchen_camera").sum() == round(2_434 * 0.01)
    assert d["stream_url"].notna().sum() <= max(2, 0.01 * len(d))
    a = q(
        small_engine,
        "SELECT a.kind, a.at, a.pushed_at, a.rectified_at FROM device_alarm a "
        "JOIN device d ON d.device_id = a.device_id WHERE d.kind = 'kitchen_camera'",
    )
    ai = {"no_hat", "no_mask", "smoking", "phone", "rodent", "foreign_object"}
    assert ai <= set(a["kind"]) <= ai | {"offline"}
    assert a["pushed_at"].notna().mean() > 0.95 and 0.8 < a["rectified_at"].notna().mean() < 0.99
    pushed = a[a["pushed_at"].notna()]
    assert (pd.to_datetime(pushed["pushed_at"]) >= pd.to_datetime(pushed["at"])).all()
    r = q(small_engine, "SELECT value FROM device_reading WHERE metric = 'temperature'")
    assert abs(r["value"].median() + 18) < 1.0 and (r["value"] > -15).mean() < 0.03


def test_gen007_calibrated_counts(small_engine):
    assert scalar(
        small_engine, "SELECT count(*) FROM licence WHERE kind = 'food_business' AND status = 'valid'"
    ) == round(26_106 * 0.01)
    assert (
        scalar(
            small_engine,
            "SELECT count(*) FROM licence WHERE status = 'valid' AND expires_on < :d".replace(
                ":d", f"'{SMALL_UNTIL}'"
            ),
        )
        == 0
    )
    elev = q(small_engine, "SELECT installed_on FROM equipment WHERE kind = 'elevator' AND status = 'in_use'")
    assert len(elev) == round(36_432 * 0.01)
    old = (pd.to_datetime(elev["installed_on"]) < pd.Timestamp(SMALL_UNTIL) - pd.DateOffset(years=15)).mean()
    assert abs(old - 0.258) < 0.01
    cases_per_year = scalar(small_engine, "SELECT count(*) FROM case_file") / 5
    assert 20 <= cases_per_year <= 40
    levels = q(small_engine, "SELECT level FROM incident")["level"].value_counts(normalize=True)
    assert levels.get("IV", 0) > 0.7
    assert scalar(small_engine, "SELECT count(*) FROM warning_rule") >= 12
    w = q(small_engine, "SELECT status, raised_at FROM warning")
    w["raised_at"] = pd.to_datetime(w["raised_at"])
    newest = w[w["raised_at"] >= pd.Timestamp(SMALL_UNTIL) - pd.Timedelta(days=1)]
    assert newest["status"].isin(["pending", "handling"]).mean() > 0.5
    old_w = w[w["raised_at"] < pd.Timestamp(SMALL_UNTIL) - pd.Timedelta(days=60)]
    assert old_w["status"].isin(["closed", "verified"]).mean() > 0.95


def test_gen007_credit_lists_and_risk_signal(small_engine):
    n_entities = scalar(small_engine, "SELECT count(*) FROM entity")
    lists = q(small_engine, "SELECT uscc, list, removed_on FROM credit_list")
    current = lists[lists["removed_on"].isna()]
    share = current.groupby("list")["uscc"].nunique() / n_entities
    assert 0.02 <= share["abnormal_operation"] <= 0.09
    assert 0.0015 <= share["serious_illegal_dishonest"] <= 0.005
    assert share.get("joint_punishment", 0) < share["serious_illegal_dishonest"]
    # Listed entities draw more complaints per head than the rest (the latent risk shows through).
    per = q(
        small_engine,
        "SELECT e.uscc, count(c.id) AS n FROM entity e LEFT JOIN complaint c ON c.uscc = e.uscc "
        "GROUP BY e.uscc",
    )
    listed = per["uscc"].isin(lists.loc[lists["list"] == "serious_illegal_dishonest", "uscc"])
    assert per.loc[listed, "n"].mean() > 1.5 * per.loc[~listed, "n"].mean()


def test_gen008_usccs_valid_and_unique(small_engine):
    e = q(small_engine, "SELECT uscc, entity_type, name FROM entity")
    assert e["uscc"].is_unique
    assert e["uscc"].map(is_valid_uscc).all()
    expected = e["entity_type"].map({"enterprise": "1", "branch": "1", "individual": "2", "cooperative": "3"})
    assert (e["uscc"].str[1] == expected).all() and (e["uscc"].str[2:8] == "310112").all()
    assert e["name"].is_unique
    ind = e[e["entity_type"] == "individual"]["name"]
    assert ind.str.endswith("店").all()
    assert e[e["entity_type"] == "enterprise"]["name"].str.contains("有限公司").all()


def test_gen008_text_and_personal_data_look_real(small_engine):
    e = q(small_engine, "SELECT address, legal_rep_phone FROM entity")
    assert e["address"].str.match(r"^上海市闵行区.+路\d+号").all()
    assert e["legal_rep_phone"].str.match(r"^14[01468]\d{8}$").all()
    s = q(small_engine, "SELECT summary FROM complaint")["summary"]
    assert s.notna().all() and s.nunique() > 0.5 * len(s)
    lic = q(small_engine, "SELECT licence_no FROM licence WHERE kind = 'food_business'")["licence_no"]
    assert lic.str.match(r"^JY[123]310112\d{7}$").all()


def _checksums(engine: sa.Engine) -> dict[str, str]:
    out = {}
    with engine.connect() as conn:
        for t in schema.SOURCE_TABLES:
            rows = conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
            out[t.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def test_gen009_same_seed_same_rows(sqlite_engine, small_engine):
    # The session store was generated with the same seed and cut-off: a fresh run must match it.
    generate(sqlite_engine, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
    first = _checksums(sqlite_engine)
    assert first == _checksums(small_engine)
    # A rerun replaces the contents (another seed changes the entities, never the streets).
    generate(sqlite_engine, scale="small", seed=SMALL_SEED + 1, until=SMALL_UNTIL, progress=False)
    changed = _checksums(sqlite_engine)
    assert changed["entity"] != first["entity"] and changed["street"] == first["street"]
    # The bulk session's relaxed settings do not leak into the pooled connection.
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1


def test_gen010_postgres_same_rows_as_sqlite(small_pg_engine, small_engine):
    with small_pg_engine.connect() as conn:
        pg = table_counts(conn)
        pg_meta = get_meta(conn, "seed")
    with small_engine.connect() as conn:
        lite = table_counts(conn)
    assert pg == lite and pg_meta == str(SMALL_SEED)
    # The load drops and re-adds foreign keys and indexes: all of them are back, under their names.
    names = {t.name for t in schema.SOURCE_TABLES}
    want_fks = {fk.name for t in schema.SOURCE_TABLES for fk in t.foreign_key_constraints}
    want_ix = {ix.name for t in schema.SOURCE_TABLES for ix in t.indexes}
    with small_pg_engine.connect() as conn:
        inspector = sa.inspect(conn)
        got_fks = {fk["name"] for t in names for fk in inspector.get_foreign_keys(t)}
        got_ix = {ix["name"] for t in names for ix in inspector.get_indexes(t)}
    assert got_fks == want_fks and want_ix <= got_ix
    # Types survive COPY: timestamps, dates, booleans and money read back equal.
    sql = "SELECT id, received_at, due_at, satisfied, amount_recovered FROM complaint ORDER BY id LIMIT 50"
    a, b = q(small_pg_engine, sql), q(small_engine, sql)
    assert list(a["id"]) == list(b["id"])
    assert (pd.to_datetime(a["received_at"]) == pd.to_datetime(b["received_at"])).all()
    assert (
        a["satisfied"].astype("boolean").fillna(False) == b["satisfied"].astype("boolean").fillna(False)
    ).all()
    assert np.allclose(
        a["amount_recovered"].astype(float).fillna(-1), b["amount_recovered"].astype(float).fillna(-1)
    )


def test_gen011_cutoff_is_end_of_day_or_current_minute():
    assert cutoff_for(date(2026, 11, 20), now=datetime(2026, 11, 23, 10, 17, 42)) == datetime(
        2026, 11, 20, 23, 59, 59
    )
    assert cutoff_for(date(2026, 11, 23), now=datetime(2026, 11, 23, 10, 17, 42)) == datetime(
        2026, 11, 23, 10, 17
    )


def test_gen011_nothing_after_the_cutoff(small_engine):
    end = f"'{SMALL_UNTIL} 23:59:59.999999'"
    for table, col in (
        ("complaint", "received_at"),
        ("complaint", "closed_at"),
        ("warning", "raised_at"),
        ("device_alarm", "rectified_at"),
        ("incident", "reported_at"),
        ("case_stage_event", "at"),
        ("device_reading", "at"),
        ("dispatch", "finished_at"),
        ("ad_hit", "handled_at"),
    ):
        assert scalar(small_engine, f"SELECT count(*) FROM {table} WHERE {col} > {end}") == 0, (table, col)
    for table, col in (
        ("entity", "established_on"),
        ("inspection", "done_on"),
        ("case_file", "closed_on"),
        ("equipment_inspection", "inspected_on"),
        ("food_sampling", "followed_up_on"),
    ):
        assert scalar(small_engine, f"SELECT count(*) FROM {table} WHERE {col} > '{SMALL_UNTIL}'") == 0, (
            table,
            col,
        )


def test_gen011_today_stops_at_the_current_minute():
    now = datetime(2026, 11, 23, 10, 17, 42)
    tables = build(scale="small", seed=SMALL_SEED, until=now.date(), now=now)
    cutoff = pd.Timestamp(2026, 11, 23, 10, 17)
    for name, col in (
        ("complaint", "received_at"),
        ("warning", "raised_at"),
        ("device_alarm", "at"),
        ("incident", "reported_at"),
        ("device_reading", "at"),
    ):
        at = pd.to_datetime(tables[name][col])
        assert at.max() <= cutoff, name
    assert pd.to_datetime(tables["complaint"]["received_at"]).max() > cutoff - pd.Timedelta(hours=2)


def test_gen012_failed_run_does_not_look_complete(sqlite_engine, monkeypatch):
    with sqlite_engine.begin() as conn:  # as a previous complete run left it
        set_meta(
            conn, {"generated_at": "2026-11-20T08:00:00", "scale": "small", "seed": 1, "until": "2026-11-20"}
        )

    def broken(_ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        ingest.generate,
        "STEPS",
        tuple((name, broken if name == "warning" else fn) for name, fn in ingest.generate.STEPS),
    )
    with pytest.raises(RuntimeError, match="boom"):
        generate(sqlite_engine, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
    with sqlite_engine.connect() as conn:
        assert get_meta(conn, "generated_at") is None and get_meta(conn, "scale") is None
        assert table_counts(conn)["warning"] == 0
