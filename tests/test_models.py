"""The five models: rules on hand-built stores, shape and calibration on the small synthetic district."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import schema as s
from data_access.models import MODEL_CATALOGUE, compute_models, credit, entity_facets_one
from data_access.models import catering as catering_model
from data_access.models.facets import FACETS
from data_access.uscc import make_uscc
from tests.conftest import SMALL_UNTIL

AS_OF = date(2026, 11, 20)
STREET = "310112102000"


def uscc(n: int) -> str:
    return make_uscc("1", "310112", f"{n:08d}")


def entity(n: int, **kw) -> dict:
    row = dict(uscc=uscc(n), name=f"上海模型{n}有限公司", entity_type="enterprise", industry_code="51",
               registered_capital=500, established_on=date(2012, 1, 1), status="active",
               status_changed_on=None, address=f"漕宝路{n}号", street_code=STREET,
               legal_rep_name=f"代表{n}", legal_rep_phone=f"1380000{n:04d}")
    row.update(kw)
    return row


def complaints(who: str, n: int, start: int = 0, category: str = "pricing",
               office: str = "S01") -> list[dict]:
    at = datetime(2026, 11, 1, 10)
    return [dict(id=f"{who[-6:]}-{start + k}", channel="12315", kind="complaint", category=category,
                 received_at=at - timedelta(days=k), uscc=who, street_code=STREET, office_code=office,
                 status="closed", due_at=at + timedelta(days=7), closed_at=at + timedelta(days=3),
                 satisfied=True) for k in range(n)]


def build(conn: sa.Connection) -> dict[str, str]:
    conn.execute(sa.insert(s.street), [dict(code=STREET, name="七宝镇", kind="town", geometry="{}",
                                            lon=121.34, lat=31.15)])
    conn.execute(sa.insert(s.office), [
        dict(code="S01", name="七宝市场监管所", kind="station", street_code=STREET),
        dict(code="S02", name="虹桥市场监管所", kind="station", street_code=STREET),
        dict(code="D01", name="信用监管科", kind="department", street_code=None),
    ])
    e = {
        "clean": entity(1),
        "serious": entity(2),
        "abnormal": entity(3),
        "young_small": entity(4, established_on=AS_OF - timedelta(days=20), registered_capital=5),
        "complained": entity(5),
        "more_complained": entity(6),
        "penalised": entity(7),
        "restaurant": entity(8, industry_code="62", name="上海鑫华火锅餐饮有限公司", registered_capital=50),
        "unlicensed": entity(9, industry_code="62", name="上海瑞丰奶茶店", entity_type="individual",
                             registered_capital=None),
        "capital_games": entity(10),
        "individual": entity(11, entity_type="individual", registered_capital=None),
        "cancelled": entity(12, status="cancelled", status_changed_on=date(2026, 1, 1)),
        # A serial registrant: the same legal representative led a company that lived three months.
        "serial": entity(13, legal_rep_name="张伟", legal_rep_phone="13912345678"),
        "serial_dead": entity(14, legal_rep_name="张伟", legal_rep_phone="13912345678",
                              established_on=date(2025, 12, 1), status="cancelled",
                              status_changed_on=date(2026, 3, 1)),
        "shell_address": entity(15, address="虹梅路500号"),
    }
    for k in range(5):  # five short-lived companies came and went at one address
        e[f"shell{k}"] = entity(20 + k, address="虹梅路500号", established_on=date(2024, 6, 1),
                                status="revoked", status_changed_on=date(2025, 2, 1))
    conn.execute(sa.insert(s.entity), list(e.values()))
    u = {k: v["uscc"] for k, v in e.items()}
    conn.execute(sa.insert(s.credit_list), [
        dict(id=1, uscc=u["serious"], list="serious_illegal_dishonest", listed_on=date(2026, 1, 1),
             removed_on=None),
        dict(id=2, uscc=u["abnormal"], list="abnormal_operation", listed_on=date(2026, 5, 1),
             removed_on=None),
    ])
    conn.execute(sa.insert(s.complaint), complaints(u["complained"], 2) + complaints(u["more_complained"], 6)
                 + complaints(u["restaurant"], 3, category="food", office="S02"))
    conn.execute(sa.insert(s.case_file), [
        dict(case_no="K1", uscc=u["penalised"], office_code="S01", source="inspection", cause="pricing",
             opened_on=date(2026, 3, 1), stage="closed", decided_on=date(2026, 4, 1),
             closed_on=date(2026, 4, 20), fine_amount=200_000, confiscation_amount=0,
             transferred_to_police=False),
        dict(case_no="K2", uscc=u["restaurant"], office_code="S02", source="complaint", cause="food_safety",
             opened_on=date(2026, 5, 1), stage="closed", decided_on=date(2026, 8, 1),
             closed_on=date(2026, 9, 1), fine_amount=5_000, confiscation_amount=0,
             transferred_to_police=False),
    ])
    conn.execute(sa.insert(s.licence), [
        dict(licence_no="JY1", uscc=u["restaurant"], kind="food_business", issued_on=date(2022, 1, 1),
             expires_on=date(2027, 1, 1), status="valid"),
        dict(licence_no="JY2", uscc=u["unlicensed"], kind="food_business", issued_on=date(2020, 1, 1),
             expires_on=date(2025, 1, 1), status="expired"),
    ])
    conn.execute(sa.insert(s.entity_change), [
        dict(id=k, uscc=u["capital_games"], changed_on=date(2026, 2 + k, 1), field=f, old_value="1",
             new_value="2")
        for k, f in enumerate(["registered_capital", "registered_capital", "shareholder", "shareholder"])
    ])
    conn.execute(sa.insert(s.inspection), [
        dict(id=k, uscc=u["clean"], office_code="S01" if k < 4 else "S02", kind="double_random",
             planned_on=date(2026, 6, 1), done_on=date(2026, 6, 10) if k not in (3, 7) else None,
             result="normal" if k not in (3, 7) else None)
        for k in range(8)
    ])
    return u


@pytest.fixture(params=["sqlite", "postgres"])
def scenario(request):
    engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    with engine.begin() as conn:
        u = build(conn)
    with engine.connect() as conn:
        out = compute_models(conn, AS_OF)
    return engine, u, out


def row(frame: pd.DataFrame, who: str) -> pd.Series:
    hit = frame[frame["uscc"] == who]
    assert len(hit) == 1, who
    return hit.iloc[0]


def test_mdl001_catalogue_matches_outputs(scenario):
    _, _, out = scenario
    assert [m.id for m in MODEL_CATALOGUE] == list(out)
    assert all(m.name and m.description for m in MODEL_CATALOGUE)


def test_mdl002_credit_rules(scenario):
    _, u, out = scenario
    cr = out["credit_risk"]
    assert set(cr["uscc"]) == {u[k] for k in ("clean", "serious", "abnormal", "young_small", "complained",
                                              "more_complained", "penalised", "restaurant", "capital_games",
                                              "serial", "shell_address")}
    assert row(cr, u["clean"])["score"] == 0 and row(cr, u["clean"])["risk_class"] == "A"
    assert row(cr, u["serious"])["risk_class"] == "D"
    assert row(cr, u["abnormal"])["risk_class"] == "C"  # a current listing alone is C
    # A brand-new enterprise with tiny capital and no record is not A, but its attributes alone
    # never make it C.
    assert row(cr, u["young_small"])["risk_class"] == "B"
    assert row(cr, u["penalised"])["risk_class"] == "C"  # one case in the last year
    # More complaints never make an entity look safer.
    assert row(cr, u["more_complained"])["score"] > row(cr, u["complained"])["score"] > 0
    assert row(cr, u["penalised"])["penalty_score"] > 0


def test_mdl003_serious_illegal_is_always_class_d():
    score = pd.Series([0.0, 5.0, 50.0])
    assert list(credit.classify(score, pd.Series([1, 1, 0]))) == ["D", "D", "D"]
    a, b, c = credit.THRESHOLDS
    cut = pd.Series([a - 0.1, a, b - 0.1, b, c - 0.1, c])
    assert list(credit.classify(cut, pd.Series([0] * 6))) == ["A", "B", "B", "C", "C", "D"]


def test_mdl004_catering_rules(scenario):
    _, u, out = scenario
    ca = out["catering_risk"]
    assert set(ca["uscc"]) == {u["restaurant"], u["unlicensed"]}
    rest, unl = row(ca, u["restaurant"]), row(ca, u["unlicensed"])
    assert rest["menu_points"] == 7 and unl["menu_points"] == 2
    assert rest["licence_points"] == 0
    assert rest["case_points"] > 0 and rest["complaint_points"] == 9
    assert unl["licence_points"] == catering_model.UNLICENSED_POINTS
    for r in (rest, unl):
        assert r["score"] == r["static_score"] + r["dynamic_score"]
        assert r["static_score"] <= catering_model.STATIC_MAX
        assert r["dynamic_score"] <= catering_model.DYNAMIC_MAX
    a, b, c = catering_model.THRESHOLDS
    bands = pd.Series([a, a + 0.5, b, c, c + 0.5])
    assert list(catering_model.grade(bands)) == ["A", "B", "B", "C", "D"]


def test_mdl005_facets(scenario):
    engine, u, out = scenario
    fa = out["entity_facets"].set_index("uscc")
    assert u["cancelled"] not in fa.index and u["individual"] in fa.index
    assert (fa.loc[u["clean"]] == 100).all()
    assert fa.loc[u["serious"], "credit"] == 0
    assert fa.loc[u["more_complained"], "complaint"] < fa.loc[u["complained"], "complaint"] < 100
    assert fa.loc[u["penalised"], "enforcement"] < 100
    assert fa.loc[u["unlicensed"], "qualification"] < 100
    with engine.connect() as conn:
        for who in u.values():
            one = entity_facets_one(conn, who, AS_OF)
            if who in fa.index:
                assert one == {k: float(fa.loc[who, k]) for k in FACETS}
            else:  # not active on the as-of date
                assert one == {}


def test_mdl006_office_efficacy_rules(scenario):
    _, _, out = scenario
    eff = out["office_efficacy"].set_index("office_code")
    assert set(eff.index) == {"S01", "S02"}  # stations only
    assert eff.loc["S01", "inspection_done_rate"] == 0.75 and eff.loc["S01", "inspections_planned"] == 4
    assert eff.loc["S02", "complaints_closed"] == 3 and eff.loc["S02", "complaint_ontime_rate"] == 1.0
    assert eff.loc["S01", "cases_judged"] == 1 and eff.loc["S01", "case_within_limit_rate"] == 1.0
    assert eff.loc["S02", "case_within_limit_rate"] == 0.0  # opened 1 May, closed 1 Sep: 123 days
    assert sorted(eff["rank"]) == [1, 2]
    assert eff["composite"].between(0, 100).all()


def test_mdl007_capital_rules(scenario):
    _, u, out = scenario
    cap = out["capital_risk"]
    games = row(cap, u["capital_games"])
    assert games["frequent_capital_change"] and games["frequent_shareholder_change"]
    assert games["flags"] == "frequent_capital_change,frequent_shareholder_change"
    assert games["score"] > 0 and games["level"] in ("medium", "high")
    assert row(cap, u["clean"])["flags"] == "" and row(cap, u["clean"])["score"] == 0
    serial, shell = row(cap, u["serial"]), row(cap, u["shell_address"])
    assert serial["short_lived_by_legal_rep"] == 1 and serial["flags"] == "short_lived_link"
    assert shell["short_lived_by_address"] == 5 and shell["short_lived_link"]
    assert not row(cap, u["clean"])["short_lived_link"]


# --- the small synthetic district ---------------------------------------------------------------

@pytest.fixture(scope="module")
def small_models(small_engine):
    with small_engine.connect() as conn:
        return compute_models(conn, SMALL_UNTIL)


def active_enterprises(engine) -> set[str]:
    q = sa.text("SELECT uscc FROM entity WHERE entity_type = 'enterprise' AND status = 'active'")
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(q)}


def test_mdl010_outputs_are_well_formed_on_small(small_engine, small_models):
    out = small_models
    ent = active_enterprises(small_engine)
    cr = out["credit_risk"]
    assert set(cr["uscc"]) == ent and cr["uscc"].is_unique
    assert cr["score"].between(0, 100).all() and set(cr["risk_class"]) == {"A", "B", "C", "D"}
    for comp in credit.WEIGHTS:
        assert cr[comp].between(0, 100).all()
    ca = out["catering_risk"]
    assert ca["uscc"].is_unique and ca["score"].between(0, 100).all()
    assert set(ca["risk_grade"]) <= {"A", "B", "C", "D"} and len(ca) > 30
    fa = out["entity_facets"]
    assert fa["uscc"].is_unique and set(cr["uscc"]) <= set(fa["uscc"])
    assert fa[list(FACETS)].apply(lambda c: c.between(0, 100)).all().all()
    cap = out["capital_risk"]
    assert set(cap["uscc"]) == ent and cap["score"].between(0, 100).all()
    assert cap["flags"].notna().all()


def test_mdl011_office_efficacy_covers_all_14_stations(small_models):
    eff = small_models["office_efficacy"]
    assert len(eff) == 14 and eff["office_code"].is_unique
    assert eff["composite"].between(0, 100).all() and eff["rank"].min() == 1
    for rate, base in (("inspection_done_rate", "inspections_planned"),
                       ("complaint_ontime_rate", "complaints_closed"),
                       ("case_within_limit_rate", "cases_judged"), ("satisfaction_rate", "complaints_rated")):
        # A rate is undefined exactly where its denominator is empty; its sub-score is then neutral.
        assert (eff[rate].isna() == (eff[base] == 0)).all(), rate
        assert eff[rate].dropna().between(0, 1).all(), rate
        assert eff[f"{rate}_score"].between(0, 100).all(), rate
    assert (eff["warning_response_minutes"] > 0).all()


CREDIT_TARGET = {"A": 0.30, "B": 0.60, "C": 0.08, "D": 0.02}
CATERING_TARGET = {"A": 0.31, "B": 0.68, "C": 0.01}


def test_mdl012_credit_shares_near_targets_on_small(small_models):
    cr = small_models["credit_risk"]
    shares = cr["risk_class"].value_counts(normalize=True)
    # ≈ 2,500 enterprises: one binomial standard error is ≤ 1 point; the tolerances allow for that
    # sampling noise three times over plus the small district's own draw of rare list events.
    for cls, tol in {"A": 0.05, "B": 0.05, "C": 0.03, "D": 0.015}.items():
        assert abs(shares.get(cls, 0) - CREDIT_TARGET[cls]) <= tol, (cls, shares.to_dict())


def test_mdl013_catering_shares_near_targets_on_small(small_models):
    ca = small_models["catering_risk"]
    shares = ca["risk_grade"].value_counts(normalize=True)
    for grade, tol in {"A": 0.07, "B": 0.07, "C": 0.02}.items():
        assert abs(shares.get(grade, 0) - CATERING_TARGET[grade]) <= tol, (grade, shares.to_dict())


def test_mdl014_monotone_in_the_evidence_on_small(small_engine, small_models):
    cr = small_models["credit_risk"].set_index("uscc")
    with small_engine.connect() as conn:
        listed = {r[0] for r in conn.execute(sa.text(
            "SELECT uscc FROM credit_list WHERE list = 'serious_illegal_dishonest' AND removed_on IS NULL"))}
    listed &= set(cr.index)
    assert listed and (cr.loc[sorted(listed), "risk_class"] == "D").all()
    order = {"A": 0, "B": 1, "C": 2, "D": 3}
    rank = cr["risk_class"].map(order)
    # Classes are ordered by score: no entity outranks one with a higher score (except the D floor).
    free = cr[~cr.index.isin(listed)]
    by_class = free.groupby(rank[free.index])["score"].agg(["min", "max"]).sort_index()
    assert (by_class["max"].iloc[:-1].to_numpy() < by_class["min"].iloc[1:].to_numpy()).all()
    fa = small_models["entity_facets"].set_index("uscc")
    assert (fa.loc[sorted(listed), "credit"] == 0).all()


def test_mdl015_deterministic(small_engine, small_models):
    with small_engine.connect() as conn:
        again = compute_models(conn, SMALL_UNTIL)
    for key, frame in small_models.items():
        pd.testing.assert_frame_equal(frame, again[key], obj=key)


def test_mdl016_postgres_gives_the_same_results(small_pg_engine, small_models):
    with small_pg_engine.connect() as conn:
        pg = compute_models(conn, SMALL_UNTIL)
    for key in ("credit_risk", "catering_risk", "entity_facets", "capital_risk"):
        a = small_models[key].sort_values("uscc").reset_index(drop=True)
        b = pg[key].sort_values("uscc").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=key, check_dtype=False)
    pd.testing.assert_frame_equal(small_models["office_efficacy"], pg["office_efficacy"],
                                  check_dtype=False, obj="office_efficacy")
