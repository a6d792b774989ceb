"""The warning rule engine (docs/rules.md): feature code rul.

Every catalogue rule gets a tiny store where it sits just below its threshold (nothing raised),
then one more fact pushes it over (exactly one warning, with its rule, subject, street, office,
level and title), then a second evaluation raises nothing — on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from data_access import schema as s
from data_access.rules import (
    CATALOGUE,
    RuleError,
    RulePermissionError,
    compile_rule,
    evaluate,
    parse_definition,
    rule_catalogue,
    update_rule,
)
from data_access.uscc import make_uscc

D = datetime(2026, 11, 20, 12, 0, 0)
TODAY = D.date()
S1, S2 = "310112101000", "310112102000"
E1, E2 = make_uscc("1", "310112", "RULE0001"), make_uscc("1", "310112", "RULE0002")
ADDRESS = "沪闵路100号"


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request):
    eng = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    refs(eng)
    return eng


def refs(eng):
    """Two streets with their stations, a department and two entities."""
    with eng.begin() as conn:
        conn.execute(sa.insert(s.street), [
            {"code": S1, "name": "莘庄镇", "kind": "town", "geometry": "{}", "lon": 121.38, "lat": 31.11},
            {"code": S2, "name": "七宝镇", "kind": "town", "geometry": "{}", "lon": 121.35, "lat": 31.15},
        ])
        conn.execute(sa.insert(s.office), [
            {"code": "SJ101", "name": "莘庄市场监管所", "kind": "station", "street_code": S1},
            {"code": "SJ102", "name": "七宝市场监管所", "kind": "station", "street_code": S2},
            {"code": "KS01", "name": "办公室", "kind": "department", "street_code": None},
        ])
        conn.execute(sa.insert(s.entity), [entity(E1, "上海甲乙餐饮有限公司", S1),
                                           entity(E2, "上海丙丁贸易有限公司", S2)])


def entity(uscc, name, street, **over):
    row = {"uscc": uscc, "name": name, "entity_type": "enterprise", "industry_code": "62",
           "established_on": date(2020, 1, 1), "status": "active", "address": f"{name}地址",
           "street_code": street}
    row.update(over)
    return row


def add(engine, table, *rows):
    with engine.begin() as conn:
        conn.execute(sa.insert(table), list(rows))


def complaint(i, at, uscc=E1, **over):
    row = {"id": f"C{i:05d}", "channel": "12345", "kind": "complaint", "category": "food",
           "received_at": at, "uscc": uscc, "street_code": S1, "status": "received",
           "due_at": at + timedelta(days=60), "closed_at": None}
    row.update(over)
    return row


def device(dev_id, kind, uscc=E1, street=S2, **over):
    row = {"device_id": dev_id, "kind": kind, "uscc": uscc, "street_code": street,
           "installed_on": date(2024, 1, 1), "status": "online", "last_seen_at": D}
    row.update(over)
    return row


def alarm(i, dev_id, kind, at):
    return {"id": i, "device_id": dev_id, "at": at, "kind": kind}


def licence(no, kind="food_business", status="valid", expires=date(2028, 1, 1), uscc=E1):
    return {"licence_no": no, "uscc": uscc, "kind": kind, "issued_on": date(2023, 1, 1),
            "expires_on": expires, "status": status}


# Each rule: (set up just below the threshold, push it over, expected subject, street).
def r01_below(e):
    add(e, s.food_sampling, {"id": 1, "uscc": E1, "sampled_on": TODAY - timedelta(days=5),
                             "food_category": "肉制品", "result": "pass"})
    add(e, s.food_sampling, {"id": 2, "uscc": E1, "sampled_on": TODAY - timedelta(days=61),
                             "food_category": "肉制品", "result": "fail"})


def r01_push(e):
    add(e, s.food_sampling, {"id": 3, "uscc": E1, "sampled_on": TODAY - timedelta(days=5),
                             "food_category": "肉制品", "result": "fail"})


def r02_below(e):
    add(e, s.complaint, *(complaint(i, D - timedelta(days=25 - i)) for i in range(4)),
        complaint(9, D - timedelta(days=31)))


def r02_push(e):
    add(e, s.complaint, complaint(4, D - timedelta(hours=1)))


def r03_below(e):
    add(e, s.equipment, {"equipment_code": "EQ1", "uscc": E1, "kind": "elevator",
                         "installed_on": date(2010, 1, 1), "street_code": S2,
                         "next_inspection_due": TODAY, "status": "in_use"},
        {"equipment_code": "EQ0", "uscc": E1, "kind": "elevator", "installed_on": date(2010, 1, 1),
         "street_code": S2, "next_inspection_due": TODAY - timedelta(days=30), "status": "scrapped"})


def r03_push(e):
    add(e, s.equipment, {"equipment_code": "EQ2", "uscc": E1, "kind": "elevator",
                         "installed_on": date(2010, 1, 1), "street_code": S2,
                         "next_inspection_due": TODAY - timedelta(days=1), "status": "in_use"})


def r04_below(e):
    add(e, s.device, device("CS1", "cold_storage_sensor"), device("GS1", "gas_sensor"))
    add(e, s.device_reading, {"device_id": "CS1", "at": D - timedelta(hours=2), "metric": "temperature",
                              "value": -15.0},
        {"device_id": "GS1", "at": D - timedelta(hours=2), "metric": "temperature", "value": 20.0},
        {"device_id": "CS1", "at": D - timedelta(days=3), "metric": "temperature", "value": -5.0})


def r04_push(e):
    add(e, s.device_reading, {"device_id": "CS1", "at": D - timedelta(hours=1), "metric": "temperature",
                              "value": -14.9})


def r05_below(e):
    add(e, s.device, device("CAM1", "kitchen_camera"))
    add(e, s.device_alarm, alarm(1, "CAM1", "no_hat", D - timedelta(days=1)),
        alarm(2, "CAM1", "smoking", D - timedelta(days=2)),
        alarm(3, "CAM1", "no_mask", D - timedelta(days=8)),
        alarm(4, "CAM1", "offline", D - timedelta(days=1)))


def r05_push(e):
    add(e, s.device_alarm, alarm(5, "CAM1", "rodent", D - timedelta(hours=3)))


def r06_below(e):
    add(e, s.licence, licence("L1", expires=TODAY + timedelta(days=31)),
        licence("L2", kind="drug_retail", expires=TODAY + timedelta(days=5)),
        licence("L3", status="expired", expires=TODAY + timedelta(days=5)))


def r06_push(e):
    add(e, s.licence, licence("L4", expires=TODAY + timedelta(days=30)))


def _listed(e, lst):
    add(e, s.credit_list, {"id": 1, "uscc": E1, "list": lst, "listed_on": TODAY - timedelta(days=10),
                           "removed_on": None},
        {"id": 2, "uscc": E2, "list": lst, "listed_on": TODAY - timedelta(days=400),
         "removed_on": TODAY - timedelta(days=30)})
    add(e, s.licence, licence("L1", status="expired"), licence("L2", uscc=E2))


def r07_below(e):
    _listed(e, "serious_illegal_dishonest")


def r07_push(e):
    add(e, s.licence, licence("L3"))


def r08_below(e):
    add(e, s.device, device("EL1", "elevator_iot"))
    add(e, s.device_alarm, alarm(1, "EL1", "offline", D - timedelta(hours=1)),
        alarm(2, "EL1", "entrapment", D - timedelta(days=31)))


def r08_push(e):
    add(e, s.device_alarm, alarm(3, "EL1", "entrapment", D - timedelta(minutes=20)))


def r09_below(e):
    add(e, s.device, device("CAM1", "kitchen_camera", status="offline", last_seen_at=D - timedelta(hours=23)),
        device("CAM2", "kitchen_camera", status="online", last_seen_at=D - timedelta(days=3)))


def r09_push(e):
    add(e, s.device, device("CAM3", "kitchen_camera", status="fault", last_seen_at=D - timedelta(hours=25)))


def r10_below(e):
    due = D - timedelta(days=2)
    add(e, s.complaint, complaint(1, due - timedelta(days=7), due_at=due, closed_at=due, status="closed"),
        complaint(2, D - timedelta(days=1), due_at=D + timedelta(hours=1)))


def r10_push(e):
    due = D - timedelta(days=2)
    add(e, s.complaint, complaint(3, due - timedelta(days=7), due_at=due, closed_at=due + timedelta(hours=1),
                                  status="closed"))


def case(no, opened, closed=None):
    return {"case_no": no, "uscc": E2, "office_code": "SJ102", "source": "inspection", "cause": "other",
            "opened_on": opened, "stage": "closed" if closed else "investigation", "closed_on": closed}


def r11_below(e):
    add(e, s.case_file, case("A1", TODAY - timedelta(days=90)),
        case("A2", TODAY - timedelta(days=200), TODAY - timedelta(days=110)))


def r11_push(e):
    add(e, s.case_file, case("A3", TODAY - timedelta(days=200), TODAY - timedelta(days=109)))


def r12_below(e):
    # One of the 19 registered recently, so the address is within the rule's lookback.
    add(e, s.entity, *(entity(make_uscc("2", "310112", f"ADDR{i:04d}"), f"店{i}", S1, address=ADDRESS,
                              entity_type="individual",
                              established_on=TODAY - timedelta(days=5 if i == 0 else 900))
                       for i in range(19)),
        entity(make_uscc("2", "310112", "ADDR9999"), "店x", S1, address=ADDRESS, status="cancelled"))


def r12_push(e):
    add(e, s.entity, entity(make_uscc("2", "310112", "ADDR0100"), "店y", S1, address=ADDRESS,
                            established_on=TODAY - timedelta(days=10)))


def r13_below(e):
    add(e, s.ad_hit, {"id": 1, "uscc": E2, "detected_at": D - timedelta(days=1), "media": "web",
                      "risk_level": "medium", "status": "pushed"},
        {"id": 2, "uscc": None, "detected_at": D - timedelta(days=1), "media": "web",
         "risk_level": "high", "status": "pushed"})


def r13_push(e):
    add(e, s.ad_hit, {"id": 3, "uscc": E2, "detected_at": D - timedelta(hours=5), "media": "web",
                      "risk_level": "high", "status": "pushed"})


def r14_below(e):
    _listed(e, "abnormal_operation")


r14_push = r07_push


def r15_below(e):
    add(e, s.complaint, *(complaint(i, D - timedelta(days=6, hours=-i)) for i in range(9)),
        complaint(20, D - timedelta(days=8)))


def r15_push(e):
    add(e, s.complaint, complaint(9, D - timedelta(minutes=5)))


def _sampling(i, days_ago, followed=None):
    return {"id": i, "uscc": E1, "sampled_on": TODAY - timedelta(days=days_ago), "food_category": "蔬菜",
            "result": "fail", "followed_up_on": followed}


def r16_below(e):
    add(e, s.food_sampling, _sampling(1, 15), _sampling(2, 40, followed=TODAY - timedelta(days=30)))


def r16_push(e):
    add(e, s.food_sampling, _sampling(3, 16))


CASES = {
    "R01": (r01_below, r01_push, E1, S1), "R02": (r02_below, r02_push, E1, S1),
    "R03": (r03_below, r03_push, "EQ2", S2), "R04": (r04_below, r04_push, "CS1", S2),
    "R05": (r05_below, r05_push, "CAM1", S2), "R06": (r06_below, r06_push, E1, S1),
    "R07": (r07_below, r07_push, E1, S1), "R08": (r08_below, r08_push, "EL1", S2),
    "R09": (r09_below, r09_push, "CAM3", S2), "R10": (r10_below, r10_push, "C00003", S1),
    "R11": (r11_below, r11_push, "A3", S2), "R12": (r12_below, r12_push, ADDRESS, S1),
    "R13": (r13_below, r13_push, E2, S2), "R14": (r14_below, r14_push, E1, S1),
    "R15": (r15_below, r15_push, E1, S1), "R16": (r16_below, r16_push, E1, S1),
}


def warnings_of(engine, rule_id=None):
    w = s.warning
    q = sa.select(w).order_by(w.c.id)
    if rule_id:
        q = q.where(w.c.rule_id == rule_id)
    with engine.connect() as conn:
        return conn.execute(q).mappings().all()


def test_rul001_every_catalogue_rule_has_a_case():
    assert sorted(CASES) == [r.rule_id for r in CATALOGUE] == [f"R{i:02d}" for i in range(1, 17)]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rul002_rule_fires_at_threshold_not_below(engine, rule_id):
    below, push, subject, street = CASES[rule_id]
    rule = next(r for r in CATALOGUE if r.rule_id == rule_id)
    below(engine)
    run = evaluate(engine, rule_ids=[rule_id], as_of=D)
    assert run.errors == {}
    assert run.raised == {rule_id: 0}, "just below the threshold raises nothing"
    push(engine)
    run = evaluate(engine, rule_ids=[rule_id], as_of=D)
    assert run.raised == {rule_id: 1}
    [w] = warnings_of(engine)
    assert (w["rule_id"], w["subject"], w["street_code"], w["level"], w["status"]) == (
        rule_id, subject, street, rule.level, "pending")
    assert w["office_code"] == {S1: "SJ101", S2: "SJ102"}[street]
    assert w["raised_at"] == D
    assert rule.name in w["title"]
    assert w["deadline_at"] > D
    if rule.definition.title.startswith("{name}"):
        name = {E1: "上海甲乙餐饮有限公司", E2: "上海丙丁贸易有限公司", None: "莘庄镇"}[w["uscc"]]
        assert w["title"].startswith(name + "：")
    else:
        assert w["title"].startswith(subject + "：")
    again = evaluate(engine, rule_ids=[rule_id], as_of=D)
    assert again.raised == {rule_id: 0}, "a second evaluation raises nothing"
    assert len(warnings_of(engine)) == 1


def test_rul003_open_warning_absorbs_a_new_match_closed_one_does_not(sqlite_engine):
    e = sqlite_engine
    refs(e)
    r01_push(e)
    assert evaluate(e, rule_ids=["R01"], as_of=D).raised == {"R01": 1}
    add(e, s.food_sampling, {"id": 4, "uscc": E1, "sampled_on": TODAY - timedelta(days=1),
                             "food_category": "肉制品", "result": "fail"})
    run = evaluate(e, rule_ids=["R01"], as_of=D)
    assert (run.new, run.raised) == ({"R01": 1}, {"R01": 0}), "recorded against the open warning"
    with e.begin() as conn:
        conn.execute(sa.update(s.warning).values(status="closed"))
    assert evaluate(e, rule_ids=["R01"], as_of=D).raised == {"R01": 0}, "a seen sampling never raises again"
    add(e, s.food_sampling, {"id": 5, "uscc": E1, "sampled_on": TODAY, "food_category": "肉制品",
                             "result": "fail"})
    assert evaluate(e, rule_ids=["R01"], as_of=D).raised == {"R01": 1}, "a new one after closing does"


def test_rul004_count_rule_cools_down_for_its_window(engine):
    r02_below(engine)
    r02_push(engine)
    assert evaluate(engine, rule_ids=["R02"], as_of=D).raised == {"R02": 1}
    with engine.begin() as conn:
        conn.execute(sa.update(s.warning).values(status="verified"))
    later = D + timedelta(days=10)
    add(engine, s.complaint, complaint(50, later - timedelta(hours=1)))
    assert evaluate(engine, rule_ids=["R02"], as_of=later).raised == {"R02": 0}, "same window"
    much_later = D + timedelta(days=40)
    add(engine, s.complaint, *(complaint(60 + i, much_later - timedelta(days=i)) for i in range(5)))
    assert evaluate(engine, rule_ids=["R02"], as_of=much_later).raised == {"R02": 1}


def test_rul005_disabled_rule_and_baseline_raise_nothing(engine):
    from data_access.rules import baseline

    r08_below(engine)
    r08_push(engine)
    update_rule(engine, "R08", username="root", role="admin", enabled=False)
    assert "R08" not in evaluate(engine, as_of=D).raised
    update_rule(engine, "R08", username="root", role="admin", enabled=True)
    add(engine, s.complaint, complaint(1, D))  # gives the store a data time of D
    run = baseline(engine)
    assert run.baseline and sum(run.new.values()) >= 1 and not warnings_of(engine)
    assert evaluate(engine, rule_ids=["R08"], as_of=D).raised == {"R08": 0}


def test_rul006_definitions_are_validated():
    good = CATALOGUE[1].definition.model_dump(mode="json")
    bad_cases = [
        ({**good, "source": "app_user"}, "source"),
        ({**good, "filters": [{"column": "complaint.uscc; drop table x", "op": "eq", "value": "x"}]}, "filters"),  # noqa: E501
        ({**good, "filters": [{"column": "complaint.channel", "op": "eq", "value": "fax"}]}, "filters"),
        ({**good, "filters": [{"column": "complaint.channel", "op": "like", "value": "1%"}]}, "filters"),
        ({**good, "filters": [{"column": "complaint.received_at", "op": "gt", "value": "2026-01-01"}]}, "filters"),  # noqa: E501
        ({**good, "count": {"threshold": 0, "window_days": 30}}, "count"),
        ({**good, "title": "{name.__class__}"}, "title"),
        ({**good, "subject": "entity.uscc"}, "subject"),
        ({**good, "key": ["complaint.id"]}, "key"),
        ("{not json", "JSON"),
    ]
    for data, _ in bad_cases:
        with pytest.raises(RuleError):
            parse_definition(data if isinstance(data, str) else json.dumps(data))
    assert parse_definition(json.dumps(good)) == CATALOGUE[1].definition


def test_rul007_compiled_sql_binds_values(engine):
    defn = parse_definition({**CATALOGUE[1].definition.model_dump(mode="json"),
                             "filters": [{"column": "complaint.summary", "op": "eq",
                                          "value": "x'); DROP TABLE entity; --"}]})
    sql = str(compile_rule(defn, engine.dialect.name, D).compile(dialect=engine.dialect))
    assert "DROP TABLE" not in sql
    with engine.connect() as conn:
        assert conn.execute(compile_rule(defn, engine.dialect.name, D)).all() == []


def test_rul008_admin_edits_a_threshold_audited(engine):
    r02_below(engine)
    with pytest.raises(RulePermissionError):
        update_rule(engine, "R02", username="duty1", role="duty", params={"count.threshold": 4})
    with pytest.raises(RuleError):
        update_rule(engine, "R02", username="root", role="admin", params={"count.threshold": 0})
    with pytest.raises(RuleError):
        update_rule(engine, "R02", username="root", role="admin", params={"source": "entity"})
    got = update_rule(engine, "R02", username="root", role="admin", params={"count.threshold": 4})
    assert got["params"]["count.threshold"] == 4 and got["updated_by"] == "root"
    assert evaluate(engine, rule_ids=["R02"], as_of=D).raised == {"R02": 1}, "4 now reach the threshold"
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT username, role, action, target FROM audit_log")).all()
    assert [tuple(r) for r in rows] == [("root", "admin", "rule_change", "R02")]
    assert [r["rule_id"] for r in rule_catalogue(engine)] == [f"R{i:02d}" for i in range(1, 17)]


# --- the acceptance path: import → refresh → exactly one R02; refresh again → none ------------------

@pytest.fixture
def small_copy(tmp_path):
    from data_access.db import make_engine
    from data_access.migrate import upgrade
    from ingest.generate import generate
    from tests.conftest import SMALL_SEED, SMALL_UNTIL

    eng = make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(eng)
    generate(eng, scale="small", seed=SMALL_SEED, until=SMALL_UNTIL, progress=False)
    yield eng
    eng.dispose()


def test_rul009_import_five_complaints_then_refresh_raises_one_r02(small_copy, tmp_path):
    from data_access.refresh import refresh
    from ingest.importer import import_file

    e = small_copy
    refresh(e, progress=False)
    before = {r["id"] for r in warnings_of(e)}
    with e.connect() as conn:
        quiet = conn.execute(
            sa.select(s.entity.c.uscc, s.entity.c.street_code)
            .where(s.entity.c.status == "active",
                   ~sa.exists().where(s.complaint.c.uscc == s.entity.c.uscc))
            .order_by(s.entity.c.uscc).limit(1)).one()
    path = tmp_path / "complaint.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "channel", "kind", "category", "received_at", "uscc", "street_code", "summary",
                    "status", "due_at"])
        for i in range(5):
            w.writerow([f"IMP{i:04d}", "12345", "complaint", "food", f"2026-11-{10 + i:02d} 10:00:00",
                        quiet.uscc, quiet.street_code, "就餐后腹泻", "received", "2026-12-31 10:00:00"])
    assert import_file(e, "complaint", path).written == 5
    refresh(e, progress=False)
    new = [r for r in warnings_of(e) if r["id"] not in before]
    assert [(r["rule_id"], r["uscc"]) for r in new] == [("R02", quiet.uscc)]
    assert new[0]["status"] == "pending" and new[0]["office_code"]
    refresh(e, progress=False)
    assert {r["id"] for r in warnings_of(e)} == before | {new[0]["id"]}


def test_rul010_cli_lists_and_runs_the_rules(sqlite_engine):
    from click.testing import CliRunner

    from dashboard.cli import main

    refs(sqlite_engine)
    r08_below(sqlite_engine)
    r08_push(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    listed = CliRunner().invoke(main, ["--database-url", url, "rules"])
    assert listed.exit_code == 0, listed.output
    assert len(listed.output.strip().splitlines()) == 16
    assert "R02  启用  orange  投诉短期激增" in listed.output
    ran = CliRunner().invoke(main, ["--database-url", url, "rules", "run"])
    assert ran.exit_code == 0, ran.output
    assert "R08：新预警 1 条" in ran.output


def test_rul011_a_store_generated_before_the_engine_starts_with_a_baseline(engine):
    from data_access.db import set_meta

    r08_below(engine)
    r08_push(engine)
    with engine.begin() as conn:
        set_meta(conn, {"generated_at": "2026-11-21T08:00:00"})
    run = evaluate(engine, as_of=D)
    assert run.baseline and run.new["R08"] == 1 and not warnings_of(engine)
    r08_push_again = {"id": 9, "device_id": "EL1", "at": D - timedelta(minutes=1), "kind": "entrapment"}
    add(engine, s.device_alarm, r08_push_again)
    run = evaluate(engine, as_of=D)
    assert not run.baseline and run.raised["R08"] == 1


def test_rul012_ledger_forgets_what_is_past_the_horizon(sqlite_engine):
    refs(sqlite_engine)
    r04_below(sqlite_engine)
    r04_push(sqlite_engine)
    assert evaluate(sqlite_engine, rule_ids=["R04"], as_of=D).raised == {"R04": 1}
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.warning_match)).scalar() == 1
    evaluate(sqlite_engine, rule_ids=["R04"], as_of=D + timedelta(days=5))
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.warning_match)).scalar() == 0
