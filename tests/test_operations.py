"""The warning workflow and 指挥调度 dispatch services (docs/operations.md): feature code ops."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from data_access import schema as s
from data_access.operations import (
    ConflictError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    allowed_transitions,
    arrive,
    dispatch,
    dispatch_statistics,
    finish,
    incident_board,
    rank_resources,
    transition_warning,
    warning_history,
    warning_step_minutes,
)
from tests.ops_fixtures import audit_rows
from tests.test_rules import S1, S2, refs

T0 = datetime(2026, 11, 20, 9, 0, 0)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request):
    eng = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    refs(eng)
    with eng.begin() as conn:
        conn.execute(sa.insert(s.warning_rule).values(
            rule_id="R08", name="电梯困人", theme="特种设备", level="red",
            condition="device_alarm.kind = 'entrapment'"))
        conn.execute(sa.insert(s.warning), [
            {"id": f"YJ{i}", "rule_id": "R08", "level": "red", "street_code": street, "raised_at": T0,
             "title": "电梯困人", "status": "pending", "office_code": office}
            for i, street, office in ((1, S1, "SJ101"), (2, S2, "SJ102"))])
        conn.execute(sa.insert(s.incident), [
            {"id": "SJ1", "kind": "elevator_entrapment", "level": "IV", "reported_at": T0, "street_code": S1,
             "lon": 121.380, "lat": 31.110, "status": "reported"},
            {"id": "SJ2", "kind": "food_poisoning", "level": "III", "reported_at": T0, "street_code": S2,
             "lon": 121.350, "lat": 31.150, "status": "reported"},
        ])
        conn.execute(sa.insert(s.resource), [
            {"id": "ZY1", "kind": "enforcement_team", "name": "莘庄所执法一组", "office_code": "SJ101",
             "lon": 121.381, "lat": 31.111, "status": "available"},
            {"id": "ZY2", "kind": "vehicle", "name": "七宝所执法车1号", "office_code": "SJ102",
             "lon": 121.350, "lat": 31.150, "status": "available"},
            {"id": "ZY3", "kind": "drone", "name": "执法大队无人机1号", "office_code": "KS01",
             "lon": 121.400, "lat": 31.120, "status": "available"},
            {"id": "ZY4", "kind": "expert", "name": "食品安全专家", "office_code": "KS01",
             "lon": 121.381, "lat": 31.110, "status": "off_duty"},
        ])
    return eng


def status_of(engine, table, key, value):
    with engine.connect() as conn:
        return conn.execute(sa.select(table.c.status).where(table.c[key] == value)).scalar()


# --- warnings --------------------------------------------------------------------------------------

def test_ops001_full_workflow_writes_events_and_audit(engine):
    t = T0 + timedelta(hours=1)
    r = transition_warning(engine, "YJ1", "handling", username="duty1", role="duty", note="派莘庄所", now=t)
    assert (r.from_status, r.to_status, r.office_code) == ("pending", "handling", "SJ101")
    assert r.deadline_at == t + timedelta(hours=24), "red: 24 h"
    transition_warning(engine, "YJ1", "closed", username="st1", role="station", streets=[S1], note="已整改",
                       now=t + timedelta(hours=3))
    transition_warning(engine, "YJ1", "verified", username="lead", role="leader", now=t + timedelta(days=1))
    with engine.connect() as conn:
        w = conn.execute(sa.select(s.warning).where(s.warning.c.id == "YJ1")).mappings().one()
    assert (w["status"], w["handled_at"], w["closed_at"], w["verified_at"]) == (
        "verified", t, t + timedelta(hours=3), t + timedelta(days=1))
    h = warning_history(engine, "YJ1")
    assert list(zip(h["from_status"], h["to_status"], h["username"], strict=True)) == [
        ("pending", "handling", "duty1"), ("handling", "closed", "st1"), ("closed", "verified", "lead")]
    assert h["note"].tolist()[:2] == ["派莘庄所", "已整改"]
    assert [(a["username"], a["action"], a["target"], a["detail"]["to"]) for a in audit_rows(engine)] == [
        ("duty1", "warning_transition", "YJ1", "handling"), ("st1", "warning_transition", "YJ1", "closed"),
        ("lead", "warning_transition", "YJ1", "verified")]
    steps = warning_step_minutes(engine, T0, T0 + timedelta(days=2))
    row = steps.set_index("warning_id").loc["YJ1"]
    assert (row["response_minutes"], row["closure_minutes"], row["verify_minutes"]) == (60, 240, 1500)


def test_ops002_refusals_are_typed_and_in_chinese(engine):
    with pytest.raises(InvalidTransition, match="待派单.*不能变为「已核查」"):
        transition_warning(engine, "YJ1", "verified", username="lead", role="leader")
    with pytest.raises(NotPermitted, match="不在本所辖区"):
        transition_warning(engine, "YJ2", "handling", username="st1", role="station", streets=[S1])
    with pytest.raises(NotPermitted, match="科室无权"):
        transition_warning(engine, "YJ1", "handling", username="an", role="analyst")
    with pytest.raises(NotPermitted, match="改派"):
        transition_warning(engine, "YJ1", "handling", username="st1", role="station", streets=[S1],
                           office_code="SJ102")
    with pytest.raises(NotFound):
        transition_warning(engine, "NOPE", "handling", username="duty1", role="duty")
    transition_warning(engine, "YJ1", "handling", username="st1", role="station", streets=[S1])
    with pytest.raises(ConflictError, match="已是「处置中」"):
        transition_warning(engine, "YJ1", "handling", username="st1", role="station", streets=[S1])
    transition_warning(engine, "YJ1", "closed", username="st1", role="station", streets=[S1])
    with pytest.raises(NotPermitted, match="核查通过"):
        transition_warning(engine, "YJ1", "verified", username="st1", role="station", streets=[S1])
    transition_warning(engine, "YJ1", "handling", username="duty1", role="duty", office_code="SJ102",
                       note="退回，改派七宝所")
    assert status_of(engine, s.warning, "id", "YJ1") == "handling"
    assert len(warning_history(engine, "YJ1")) == 3 and len(audit_rows(engine)) == 3
    assert allowed_transitions("closed", "station", street_code=S1, streets=[S1]) == []
    assert allowed_transitions("handling", "station", street_code=S1, streets=[S1]) == ["closed"]
    assert allowed_transitions("handling", "station", street_code=S2, streets=[S1]) == []
    assert allowed_transitions("closed", "duty") == ["verified", "handling"]


def _race(fn, n=2):
    barrier = threading.Barrier(n)
    results: list[object] = []
    lock = threading.Lock()

    def run(k):
        barrier.wait()
        try:
            out = fn(k)
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test checks
            out = exc
        with lock:
            results.append(out)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_ops003_two_users_at_once_one_transition(engine):
    results = _race(lambda k: transition_warning(engine, "YJ1", "handling", username=f"duty{k}", role="duty"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(results) == 2 and len(errors) == 1 and isinstance(errors[0], ConflictError), results
    assert len(warning_history(engine, "YJ1")) == 1 and len(audit_rows(engine)) == 1


# --- dispatch -------------------------------------------------------------------------------------

def test_ops004_dispatch_arrive_finish(engine):
    t = T0 + timedelta(minutes=5)
    d = dispatch(engine, "SJ1", "ZY1", username="duty1", role="duty", now=t)
    assert (d.incident_status, status_of(engine, s.resource, "id", "ZY1")) == ("dispatched", "busy")
    with engine.connect() as conn:
        row = conn.execute(sa.select(s.dispatch)).mappings().one()
    got = (row["id"], row["incident_id"], row["resource_id"], row["dispatched_by"], row["dispatched_at"])
    assert got == (d.dispatch_id, "SJ1", "ZY1", "duty1", t)
    a = arrive(engine, d.dispatch_id, username="duty1", role="duty", now=t + timedelta(minutes=12))
    assert a.incident_status == "on_site"
    with pytest.raises(ConflictError, match="已记录到达"):
        arrive(engine, d.dispatch_id, username="duty1", role="duty")
    f = finish(engine, d.dispatch_id, username="lead", role="leader", now=t + timedelta(hours=1))
    assert f.incident_status == "resolved"
    assert status_of(engine, s.resource, "id", "ZY1") == "available"
    with pytest.raises(ConflictError, match="已结束"):
        finish(engine, d.dispatch_id, username="lead", role="leader")
    assert [(a["username"], a["action"], a["target"], a["detail"]["step"]) for a in audit_rows(engine)] == [
        ("duty1", "dispatch", "SJ1", "dispatch"), ("duty1", "dispatch", "SJ1", "arrive"),
        ("lead", "dispatch", "SJ1", "finish")]
    with pytest.raises(InvalidTransition, match="已处置完毕"):
        dispatch(engine, "SJ1", "ZY2", username="duty1", role="duty")


def test_ops005_refused_dispatches(engine):
    with pytest.raises(NotPermitted, match="无权调度"):
        dispatch(engine, "SJ1", "ZY1", username="st1", role="station")
    with pytest.raises(ConflictError, match="不在岗"):
        dispatch(engine, "SJ1", "ZY4", username="duty1", role="duty")
    dispatch(engine, "SJ1", "ZY1", username="duty1", role="duty")
    with pytest.raises(ConflictError, match="执行任务中"):
        dispatch(engine, "SJ1", "ZY1", username="duty1", role="duty")
    with pytest.raises(NotFound):
        dispatch(engine, "SJ1", "NOPE", username="duty1", role="duty")
    assert len(audit_rows(engine)) == 1


def test_ops006_two_officers_one_resource_one_dispatch(engine):
    results = _race(lambda k: dispatch(engine, ("SJ1", "SJ2")[k], "ZY2", username=f"duty{k}", role="duty"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ConflictError), results
    assert "不能调派" in str(errors[0])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.dispatch)).scalar() == 1
    assert len(audit_rows(engine)) == 1
    board = incident_board(engine)
    assert set(board["incident_id"]) == {"SJ1", "SJ2"} and board["dispatch_id"].notna().sum() == 1


def test_ops007_resources_ranked_by_eta(engine):
    ranked = rank_resources(engine, "SJ1")
    assert ranked["id"].tolist() == ["ZY1", "ZY3", "ZY2"], "off-duty ZY4 is not offered"
    assert ranked["distance_km"].iloc[0] < 0.2 and ranked["eta_minutes"].is_monotonic_increasing
    assert rank_resources(engine, "SJ1", kinds=["vehicle"])["id"].tolist() == ["ZY2"]


def test_ops008_dispatch_statistics_from_the_rows(engine):
    d1 = dispatch(engine, "SJ1", "ZY1", username="duty1", role="duty", now=T0 + timedelta(minutes=6))
    arrive(engine, d1.dispatch_id, username="duty1", role="duty", now=T0 + timedelta(minutes=26))
    dispatch(engine, "SJ2", "ZY2", username="duty1", role="duty", now=T0 + timedelta(minutes=10))
    stats = dispatch_statistics(engine, T0, T0 + timedelta(days=1)).set_index("resource_kind")
    assert stats.loc["enforcement_team", ["n", "n_arrived"]].tolist() == [1, 1]
    assert stats.loc["enforcement_team", "avg_response_minutes"] == 6
    assert stats.loc["enforcement_team", "avg_arrival_minutes"] == 20
    assert stats.loc["vehicle", "n_arrived"] == 0 and stats.loc["vehicle", "avg_response_minutes"] == 10
    assert list(dispatch_statistics(engine, T0, T0 + timedelta(days=1), streets=[S2])["resource_kind"]) == [
        "vehicle"]


def test_ops009_two_resources_finishing_at_once_resolve_the_incident(engine):
    d1 = dispatch(engine, "SJ1", "ZY1", username="duty1", role="duty")
    d2 = dispatch(engine, "SJ1", "ZY3", username="duty2", role="duty")
    results = _race(lambda k: finish(engine, (d1, d2)[k].dispatch_id, username=f"duty{k}", role="duty"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert status_of(engine, s.incident, "id", "SJ1") == "resolved"
    assert {status_of(engine, s.resource, "id", r) for r in ("ZY1", "ZY3")} == {"available"}
