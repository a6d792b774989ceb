"""The tag library: each rule on a hand-built store, counts against independent SQL on the small district."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import schema as s
from data_access.models import compute_models
from data_access.models.features import CLUSTER_MIN_ENTITIES
from data_access.tags import (
    FREQUENT_COMPLAINTS_90D,
    TAG_CATALOGUE,
    TAG_IDS,
    compute_tags,
    tag_counts,
)
from data_access.uscc import make_uscc
from tests.conftest import SMALL_UNTIL

AS_OF = date(2026, 11, 20)
STREET = "310112101000"


def uscc(n: int, kind: str = "1") -> str:
    return make_uscc(kind, "310112", f"{n:08d}")


def entity(n: int, **kw) -> dict:
    row = dict(uscc=uscc(n, "2" if kw.get("entity_type") == "individual" else "1"),
               name=f"上海测试{n}有限公司", entity_type="enterprise", industry_code="51",
               registered_capital=100, established_on=date(2015, 1, 1), status="active",
               status_changed_on=None, address=f"沪闵路{n}号", street_code=STREET)
    row.update(kw)
    return row


def build(conn: sa.Connection) -> dict[str, str]:
    """A small store where every tag has a member, a near miss and an inactive look-alike."""
    conn.execute(sa.insert(s.street), [dict(code=STREET, name="莘庄镇", kind="town", geometry="{}",
                                            lon=121.37, lat=31.11)])
    conn.execute(sa.insert(s.office), [dict(code="S01", name="莘庄市场监管所", kind="station",
                                            street_code=STREET)])
    e = {
        "new": entity(1, established_on=AS_OF - timedelta(days=30)),
        "old_new": entity(2, established_on=date(2026, 8, 1)),  # just over three months
        "cancelled_new": entity(3, established_on=AS_OF - timedelta(days=20), status="cancelled",
                                status_changed_on=AS_OF - timedelta(days=5)),
        "expiring": entity(4, industry_code="62", name="上海鑫华火锅餐饮有限公司"),
        "expiring_late": entity(5, industry_code="62", name="上海瑞丰面馆有限公司"),
        "cold_sensor": entity(6),
        "cold_name": entity(7, name="上海恒达冷链物流有限公司", industry_code="59"),
        "school": entity(8, industry_code="83", name="上海市闵行区测试小学"),
        "elderly_cam": entity(9, industry_code="85", name="上海康和护理有限公司"),
        "elderly_host": entity(10, industry_code="85", name="闵行区测试敬老院"),
        "online": entity(11),
        "online_closed": entity(12),
        "equip": entity(13),
        "equip_scrapped": entity(14),
        "abnormal": entity(15),
        "abnormal_removed": entity(16),
        "serious": entity(17),
        "complained": entity(18),
        "complained_less": entity(19),
        "moved_out_listed": entity(20, status="moved_out", status_changed_on=date(2026, 1, 5)),
        "clean": entity(21, established_on=date(2005, 5, 5)),
    }
    for k in range(CLUSTER_MIN_ENTITIES):  # enough active entities at one address, one cancelled
        e[f"cluster{k}"] = entity(1000 + k, address="七莘路3000号")
    e["cluster_dead"] = entity(999, address="七莘路3000号", status="cancelled",
                               status_changed_on=date(2025, 3, 1))
    for k in range(CLUSTER_MIN_ENTITIES - 1):  # at another: one short of the threshold
        e[f"near{k}"] = entity(2000 + k, address="漕宝路88号")
    e["near_dead"] = entity(1999, address="漕宝路88号", status="cancelled",
                            status_changed_on=date(2025, 3, 1))
    conn.execute(sa.insert(s.entity), list(e.values()))
    u = {k: v["uscc"] for k, v in e.items()}

    def lic(no, who, kind, expires, status="valid"):
        return dict(licence_no=no, uscc=u[who], kind=kind, issued_on=date(2022, 1, 1), expires_on=expires,
                    status=status)

    conn.execute(sa.insert(s.licence), [
        lic("L1", "expiring", "food_business", AS_OF + timedelta(days=30)),
        lic("L2", "expiring_late", "food_business", AS_OF + timedelta(days=31)),
        lic("L3", "school", "food_business", date(2027, 6, 1)),
        lic("L4", "elderly_host", "food_business", date(2027, 6, 1)),
        lic("L5", "serious", "drug_retail", AS_OF + timedelta(days=3), status="revoked"),
    ])

    def dev(i, who, kind, venue=None, status="online"):
        return dict(device_id=f"D{i}", kind=kind, venue_category=venue, uscc=u[who], street_code=STREET,
                    installed_on=date(2024, 1, 1), status=status)

    conn.execute(sa.insert(s.device), [
        dev(1, "cold_sensor", "cold_storage_sensor"),
        dev(2, "elderly_cam", "kitchen_camera", "elderly_canteen"),
        dev(3, "expiring", "kitchen_camera", "large_restaurant"),
        dev(4, "clean", "cold_storage_sensor", status="retired"),
    ])
    conn.execute(sa.insert(s.online_store), [
        dict(id="O1", uscc=u["online"], platform="taobao", store_name="店1", opened_on=date(2024, 1, 1),
             status="active"),
        dict(id="O2", uscc=u["online_closed"], platform="jd", store_name="店2", opened_on=date(2024, 1, 1),
             status="closed"),
    ])
    conn.execute(sa.insert(s.equipment), [
        dict(equipment_code="Q1", uscc=u["equip"], kind="elevator", installed_on=date(2015, 1, 1),
             street_code=STREET, next_inspection_due=AS_OF - timedelta(days=1), status="in_use"),
        dict(equipment_code="Q2", uscc=u["equip_scrapped"], kind="boiler", installed_on=date(2010, 1, 1),
             street_code=STREET, next_inspection_due=date(2020, 1, 1), status="scrapped"),
    ])
    conn.execute(sa.insert(s.credit_list), [
        dict(id=1, uscc=u["abnormal"], list="abnormal_operation", listed_on=date(2026, 3, 1),
             removed_on=AS_OF + timedelta(days=1)),  # removed after the as-of date: still listed then
        dict(id=2, uscc=u["abnormal_removed"], list="abnormal_operation", listed_on=date(2025, 3, 1),
             removed_on=date(2026, 6, 1)),
        dict(id=3, uscc=u["serious"], list="serious_illegal_dishonest", listed_on=date(2026, 2, 1),
             removed_on=None),
        dict(id=4, uscc=u["moved_out_listed"], list="abnormal_operation", listed_on=date(2025, 12, 1),
             removed_on=None),
        dict(id=5, uscc=u["clean"], list="abnormal_operation", listed_on=AS_OF + timedelta(days=1),
             removed_on=None),
    ])
    complaints, n = [], 0

    def complaint(who, at, kind="complaint"):
        nonlocal n
        n += 1
        complaints.append(dict(id=f"C{n}", channel="12345", kind=kind, category="food", received_at=at,
                               uscc=u[who], street_code=STREET, status="closed"))

    start = datetime(2026, 8, 23)  # first day of the last 90 days up to 2026-11-20
    for k in range(FREQUENT_COMPLAINTS_90D):
        complaint("complained", start + timedelta(days=k, hours=9))
    for k in range(FREQUENT_COMPLAINTS_90D - 1):
        complaint("complained_less", start + timedelta(days=k, hours=9))
    complaint("complained_less", start - timedelta(seconds=1))          # one second before the window
    complaint("complained_less", start + timedelta(days=1), "consultation")  # consultations don't count
    complaint("complained_less", datetime(2026, 11, 21, 0, 0, 1))       # after the as-of date
    conn.execute(sa.insert(s.complaint), complaints)
    return u


@pytest.fixture(params=["sqlite", "postgres"])
def scenario(request):
    engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    with engine.begin() as conn:
        u = build(conn)
    with engine.connect() as conn:
        tags = compute_tags(conn, AS_OF)
    return u, tags


def members(tags, tag_id):
    return set(tags.loc[tags["tag_id"] == tag_id, "uscc"])


def test_tag001_catalogue_is_complete_and_well_formed():
    required = {"新设三个月内", "冷链经营", "学校食堂", "养老机构食堂", "网络经营", "特种设备使用单位",
                "经营异常名录", "严重违法失信", "高频被投诉", "重点监管", "许可即将到期", "集中登记地址"}
    assert required <= {t.name for t in TAG_CATALOGUE}
    assert len(set(TAG_IDS)) == len(TAG_IDS)
    for t in TAG_CATALOGUE:
        assert t.id.isascii() and t.name and t.rule and t.theme


def test_tag002_rules_on_a_hand_built_store(scenario):
    u, tags = scenario
    assert list(tags.columns) == ["uscc", "tag_id"]
    assert not tags.duplicated().any()
    assert set(tags["tag_id"]) <= set(TAG_IDS)
    expect = {
        "new_3m": {"new"},
        "licence_expiring": {"expiring"},
        "cold_chain": {"cold_sensor", "cold_name"},
        "school_canteen": {"school"},
        "elderly_canteen": {"elderly_cam", "elderly_host"},
        "online": {"online"},
        "special_equipment_user": {"equip"},
        "equipment_overdue": {"equip"},
        "abnormal_operation": {"abnormal"},
        "serious_illegal": {"serious"},
        "frequent_complaints": {"complained"},
        "clustered_address": {f"cluster{k}" for k in range(CLUSTER_MIN_ENTITIES)},
    }
    for tag_id, names in expect.items():
        assert members(tags, tag_id) == {u[k] for k in names}, tag_id
    assert u["serious"] in members(tags, "key_supervision")
    assert {u["expiring"], u["expiring_late"], u["school"], u["elderly_cam"],
            u["elderly_host"]} == members(tags, "catering")


def test_tag003_inactive_entities_carry_no_tags(scenario):
    u, tags = scenario
    for gone in ("cancelled_new", "moved_out_listed", "cluster_dead"):
        assert u[gone] not in set(tags["uscc"])


def test_tag004_counts_in_catalogue_order(scenario):
    _, tags = scenario
    counts = tag_counts(tags)
    assert list(counts["tag_id"]) == list(TAG_IDS)
    assert counts.set_index("tag_id").loc["clustered_address", "count"] == CLUSTER_MIN_ENTITIES
    assert counts["count"].sum() == len(tags)


# --- the small synthetic district ---------------------------------------------------------------

@pytest.fixture(scope="module")
def small_tags(small_engine):
    with small_engine.connect() as conn:
        models = compute_models(conn, SMALL_UNTIL)
        return compute_tags(conn, SMALL_UNTIL, models=models), compute_tags(conn, SMALL_UNTIL), models


#: A past as-of date too: everything dated after it must be ignored, windows must move with it.
PAST = date(2026, 5, 31)


@pytest.fixture(scope="module")
def past_tags(small_engine):
    with small_engine.connect() as conn:
        return compute_tags(conn, PAST)


ACTIVE = "e.established_on <= :d AND (e.status = 'active' OR e.status_changed_on > :d)"

INDEPENDENT = {
    "serious_illegal": f"""SELECT COUNT(DISTINCT e.uscc) FROM entity e JOIN credit_list l ON l.uscc = e.uscc
        WHERE {ACTIVE} AND l.list = 'serious_illegal_dishonest' AND l.listed_on <= :d
        AND (l.removed_on IS NULL OR l.removed_on > :d)""",
    "abnormal_operation": f"""SELECT COUNT(DISTINCT e.uscc) FROM entity e JOIN credit_list l
        ON l.uscc = e.uscc WHERE {ACTIVE} AND l.list = 'abnormal_operation' AND l.listed_on <= :d
        AND (l.removed_on IS NULL OR l.removed_on > :d)""",
    "online": f"""SELECT COUNT(DISTINCT e.uscc) FROM entity e JOIN online_store o ON o.uscc = e.uscc
        WHERE {ACTIVE} AND o.status = 'active' AND o.opened_on <= :d""",
    "special_equipment_user": f"""SELECT COUNT(DISTINCT e.uscc) FROM entity e JOIN equipment q
        ON q.uscc = e.uscc WHERE {ACTIVE} AND q.status = 'in_use' AND q.installed_on <= :d""",
    "licence_expiring": f"""SELECT COUNT(DISTINCT e.uscc) FROM entity e JOIN licence l ON l.uscc = e.uscc
        WHERE {ACTIVE} AND l.status IN ('valid', 'expired') AND l.issued_on <= :d
        AND l.expires_on >= :d AND l.expires_on <= :d30""",
    "frequent_complaints": f"""SELECT COUNT(*) FROM (SELECT e.uscc FROM entity e JOIN complaint c
        ON c.uscc = e.uscc WHERE {ACTIVE} AND c.kind <> 'consultation' AND c.received_at >= :t90
        AND c.received_at < :tend GROUP BY e.uscc HAVING COUNT(*) >= :n) x""",
    "new_3m": f"SELECT COUNT(*) FROM entity e WHERE {ACTIVE} AND e.established_on > :d3m",
    "clustered_address": f"""SELECT COUNT(*) FROM entity e WHERE {ACTIVE} AND e.address IN
        (SELECT e.address FROM entity e WHERE {ACTIVE} GROUP BY e.address HAVING COUNT(*) >= :k)""",
}


@pytest.mark.parametrize("when", ["until", "past"])
@pytest.mark.parametrize("tag_id", sorted(INDEPENDENT))
def test_tag005_counts_match_independent_sql_on_small(small_engine, small_tags, past_tags, tag_id, when):
    tags, d = (small_tags[0], SMALL_UNTIL) if when == "until" else (past_tags, PAST)
    params = dict(d=d, d30=d + timedelta(days=30), d3m=(pd.Timestamp(d) - pd.DateOffset(months=3)).date(),
                  t90=datetime.combine(d - timedelta(days=89), time()),
                  tend=datetime.combine(d + timedelta(days=1), time()),
                  n=FREQUENT_COMPLAINTS_90D, k=CLUSTER_MIN_ENTITIES)
    sql = INDEPENDENT[tag_id]
    binds = [sa.bindparam(k, v, type_=sa.DateTime if isinstance(v, datetime) else
                          sa.Date if isinstance(v, date) else sa.Integer)
             for k, v in params.items() if f":{k}" in sql]
    with small_engine.connect() as conn:
        expected = conn.execute(sa.text(sql).bindparams(*binds)).scalar_one()
    assert len(members(tags, tag_id)) == expected
    assert expected > 0 or tag_id in ("frequent_complaints", "licence_expiring")


def test_tag006_every_required_tag_has_members_on_small(small_tags):
    tags = small_tags[0]
    counts = tags.groupby("tag_id").size()
    for tag_id in ("new_3m", "cold_chain", "school_canteen", "elderly_canteen", "online",
                   "special_equipment_user", "abnormal_operation", "serious_illegal", "frequent_complaints",
                   "key_supervision", "licence_expiring", "clustered_address"):
        assert counts.get(tag_id, 0) > 0, tag_id


def test_tag007_key_supervision_is_credit_cd_or_catering_c(small_tags):
    tags, alone, models = small_tags
    cr, ca = models["credit_risk"], models["catering_risk"]
    expected = set(cr.loc[cr["risk_class"].isin(["C", "D"]), "uscc"]) | set(
        ca.loc[ca["risk_grade"].isin(["C", "D"]), "uscc"])
    assert members(tags, "key_supervision") == expected
    # Without precomputed models the library scores what it needs itself, with the same result.
    assert alone.sort_values(["tag_id", "uscc"]).reset_index(drop=True).equals(
        tags.sort_values(["tag_id", "uscc"]).reset_index(drop=True))


def test_tag008_postgres_gives_the_same_tags(small_pg_engine, small_tags):
    with small_pg_engine.connect() as conn:
        pg = compute_tags(conn, SMALL_UNTIL)
    key = ["tag_id", "uscc"]
    assert pg.sort_values(key).reset_index(drop=True).equals(
        small_tags[0].sort_values(key).reset_index(drop=True))
