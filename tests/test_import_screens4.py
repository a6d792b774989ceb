"""Validated import of the four screens' tables (社会共治, 党建, 重大事项保障, 城运),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from data_access import schema
from ingest.importer import IMPORTABLE, import_file
from tests.test_import import (  # noqa: F401  (engine, lite, streets_gdf are fixtures)
    SAMPLES,
    count,
    engine,
    import_samples,
    lite,
    read_rejects,
    streets_gdf,
    write_csv,
)

#: The samples in load order (each refers only to tables loaded before it).
ORDER = (
    ("office", "office_good.csv"),
    ("entity", "entity_good.csv"),
    ("equipment", "equipment_good.csv"),
    ("association", "association_good.csv"),
    ("mediation", "mediation_good.csv"),
    ("qr_scan", "qr_scan_good.csv"),
    ("commitment", "commitment_good.csv"),
    ("self_inspection", "self_inspection_good.csv"),
    ("party_org", "party_org_good.csv"),
    ("party_org_member", "party_org_member_good.csv"),
    ("party_activity", "party_activity_good.csv"),
    ("assurance_mission", "assurance_mission_good.csv"),
    ("assurance_site", "assurance_site_good.csv"),
    ("assurance_patrol", "assurance_patrol_good.csv"),
    ("city_work_order", "city_work_order_good.csv"),
)
NEW = (
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
)


def test_s4imp001_every_new_table_importable():
    assert set(NEW) <= set(IMPORTABLE)


def test_s4imp002_samples_import_and_reimport_changes_nothing(engine, tmp_path):  # noqa: F811
    results = import_samples(engine, tmp_path, *ORDER)
    assert [r.rejected for r in results] == [0] * len(ORDER), [(r.table, r.rejected) for r in results]
    assert {t: count(engine, t) for t in NEW} == {
        "qr_scan": 4,
        "self_inspection": 4,
        "association": 3,
        "mediation": 4,
        "commitment": 4,
        "party_org": 3,
        "party_org_member": 3,
        "party_activity": 4,
        "assurance_mission": 1,
        "assurance_site": 3,
        "assurance_patrol": 4,
        "city_work_order": 4,
    }
    with engine.connect() as conn:
        m = conn.execute(sa.select(schema.mediation).order_by(schema.mediation.c.id)).all()
        assert [(x.association_id, x.result) for x in m] == [
            (None, "agreed"),
            (1, "failed"),
            (2, None),
            (None, "withdrawn"),
        ]
        assert m[0].category == "food" and m[3].category == "online_shopping" and float(m[0].amount) == 680
        q = conn.execute(sa.select(schema.qr_scan).order_by(schema.qr_scan.c.scanned_at)).all()
        assert [x.kind for x in q] == ["elevator_code", "catering_review", "price_check", "complaint_qr"]
        assert (
            q[0].equipment_code == "31103101120170001" and q[0].rating == 5 and q[1].reported_problem is True
        )
        assert q[3].scanned_at == datetime(2026, 11, 19, 19, 45)
        o = conn.execute(sa.select(schema.party_org).order_by(schema.party_org.c.id)).all()
        assert [x.kind for x in o] == ["bureau", "two_new_enterprise", "joint"]
        s = conn.execute(sa.select(schema.assurance_site).order_by(schema.assurance_site.c.id)).all()
        assert [(x.kind, x.risk_tier, x.patrol_interval_hours) for x in s] == [
            ("kitchen", "high", 2),
            ("supplier", "medium", 4),
            ("venue", "low", 24),
        ]
        w = conn.execute(sa.select(schema.city_work_order).order_by(schema.city_work_order.c.id)).all()
        assert [(x.source, x.status) for x in w] == [
            ("ai_alarm", "closed"),
            ("warning", "accepted"),
            ("complaint", "pushed"),
            ("incident", "returned"),
        ]
        assert all(x.lon is not None for x in w)  # street centres filled in
        c = conn.execute(
            sa.select(schema.commitment.c.revoked_on).where(schema.commitment.c.id == 4)
        ).scalar()
        assert c == date(2025, 8, 1)
    again = [import_file(engine, t, SAMPLES / f) for t, f in ORDER if t in NEW]
    assert [r.changed for r in again] == [0] * len(again)
    assert count(engine, "qr_scan") == 4 and count(engine, "party_activity") == 4  # natural keys matched


CWO_BAD_EXPECTED = [
    (3, "办结时间", "状态为已办结时须填写办结时间"),
    (4, "推送时间", "推送时间早于生成时间"),
    (5, "工单来源", "不在允许的取值内"),
    (6, "来源编号", "同一来源记录已有工单"),
    (7, "街镇代码", "在街镇表（street）中不存在"),
]


def test_s4imp003_work_order_bad_rows_rejected(engine, tmp_path):  # noqa: F811
    result = import_file(
        engine, "city_work_order", SAMPLES / "city_work_order_bad.csv", reject_file=tmp_path / "r.csv"
    )
    assert (result.read, result.written, result.rejected) == (6, 1, 5)
    got = [(int(r["行号"]), r["列"], r["原因"]) for r in read_rejects(tmp_path / "r.csv")]
    for row, col, why in CWO_BAD_EXPECTED:
        assert any(g[0] == row and g[1] == col and why in g[2] for g in got), (row, col, why, got)


def test_s4imp004_cross_field_rules(lite, tmp_path):  # noqa: F811
    import_samples(lite, tmp_path, *ORDER[:5])
    bad = write_csv(
        tmp_path / "si.csv",
        ["uscc", "done_on", "kind", "items", "problems", "rectified_on"],
        [
            ["91310112MA1G000114", "2026-11-01", "food_safety", "10", "12", "2026-11-05"],
            ["91310112MA1G000114", "2026-11-02", "food_safety", "10", "0", "2026-11-05"],
            ["91310112MA1G000114", "2026-11-03", "food_safety", "10", "1", "2026-10-05"],
            ["91310112MA1G000114", "2026-11-04", "草莓", "10", "1", ""],
        ],
    )
    r = import_file(lite, "self_inspection", bad, reject_file=tmp_path / "si.rej.csv")
    assert (r.written, r.rejected) == (0, 4)
    reasons = " ".join(x["原因"] for x in read_rejects(tmp_path / "si.rej.csv"))
    assert "问题项数多于检查项数" in reasons and "未发现问题却填写了整改完成日期" in reasons
    scans = write_csv(
        tmp_path / "q.csv",
        ["kind", "uscc", "street_code", "scanned_at", "rating"],
        [
            ["catering_review", "91310112MA1G000114", "310112101000", "2026-11-01 12:00", "6"],
            ["elevator_code", "91310112MA1G000707", "310112110000", "2026-11-01 12:00", "4"],
        ],
    )
    r = import_file(lite, "qr_scan", scans, reject_file=tmp_path / "q.rej.csv")
    reasons = " ".join(x["原因"] for x in read_rejects(tmp_path / "q.rej.csv"))
    assert r.rejected == 2 and "评分应为 1–5" in reasons and "电梯码扫码须填写设备代码" in reasons
    med = write_csv(
        tmp_path / "m.csv",
        ["street_code", "received_on", "closed_on", "result"],
        [
            ["310112101000", "2026-11-01", "2026-11-05", ""],
            ["310112101000", "2026-11-02", "", "agreed"],
            ["310112101000", "2026-11-03", "2026-11-01", "failed"],
        ],
    )
    r = import_file(lite, "mediation", med, reject_file=tmp_path / "m.rej.csv")
    reasons = " ".join(x["原因"] for x in read_rejects(tmp_path / "m.rej.csv"))
    assert r.rejected == 3 and "须填写调解结果" in reasons and "须填写办结日期" in reasons
    orgs = write_csv(
        tmp_path / "o.csv",
        ["name", "kind", "street_code", "members", "established_on"],
        [
            ["某公司党支部", "非公企业党组织", "310112101000", "3", "2020-01-01"],
            ["某联合党支部", "联合", "310112101000", "-1", "2020-01-01"],
        ],
    )
    r = import_file(lite, "party_org", orgs, reject_file=tmp_path / "o.rej.csv")
    reasons = " ".join(x["原因"] for x in read_rejects(tmp_path / "o.rej.csv"))
    assert r.rejected == 2 and "须填写所在企业" in reasons and "不得为负数" in reasons
    member = write_csv(tmp_path / "pm.csv", ["org_id", "uscc"], [["99", "91310112MA1G000114"]])
    r = import_file(lite, "party_org_member", member, reject_file=tmp_path / "pm.rej.csv")
    assert r.rejected == 1 and "党组织表" in read_rejects(tmp_path / "pm.rej.csv")[0]["原因"]
