"""企业信用风险分类 — the enterprise credit-risk classification (model 1, docs/models.md §1).

A points model in the shape of SAMR's general indicator system (基础属性, 动态信息, 监管信息, 社会评价):
seven components, each 0–100 risk points, are combined with fixed weights into a score 0–100
(higher = riskier) and cut into classes A (low risk) … D (high risk) at fixed thresholds. An entity
currently on the 严重违法失信名单 is class D whatever its score (the list is itself a D finding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.models.features import Features, per_entity

#: Weights of the components (sum to 1).
WEIGHTS: dict[str, float] = {
    "list_score": 0.30,
    "penalty_score": 0.20,
    "complaint_score": 0.15,
    "inspection_score": 0.15,
    "change_score": 0.08,
    "basic_score": 0.07,
    "licence_score": 0.05,
}

#: Upper score bounds (exclusive) of classes A, B and C; D is everything from the last bound on.
THRESHOLDS: tuple[float, float, float] = (3.0, 15.0, 30.0)

#: List points: the worst current listing counts; a listing lifted in the last two years still weighs.
LIST_POINTS = {"serious_illegal_dishonest": 100, "joint_punishment": 90, "abnormal_operation": 70}
LIST_REMOVED_POINTS = 30
#: Basic-attribute points by age band (features.Features.entities: 0 = under three months … 5 = ten
#: years and more): young enterprises fail far more often than established ones.
AGE_POINTS = np.array([80, 60, 40, 25, 10, 0])
SMALL_CAPITAL_WAN = 10.0
SMALL_CAPITAL_POINTS = 20


def classify(score: pd.Series, serious: pd.Series) -> pd.Series:
    """Classes A–D from the score and the fixed thresholds; serious-illegal entities are D."""
    a, b, c = THRESHOLDS
    cls = np.select([score < a, score < b, score < c], ["A", "B", "C"], default="D")
    cls = np.where(serious.to_numpy() > 0, "D", cls)
    return pd.Series(cls, index=score.index, dtype="string")


def compute(f: Features) -> pd.DataFrame:
    """Score every active enterprise; columns ``uscc, score, risk_class`` and the components."""
    ent = f.entities[f.entities["entity_type"] == "enterprise"]
    idx = ent.index
    lists = per_entity(f.lists, idx, [*LIST_POINTS, "removed_2y"])
    cases = per_entity(f.cases, idx, ["cases", "cases_12m", "penalty", "police"])
    comp = per_entity(f.complaints, idx, ["n365"])
    insp = per_entity(f.inspections, idx, ["rectify", "case_opened", "unreachable", "not_publicized"])
    chg = per_entity(f.changes, idx, ["registered_capital", "shareholder", "legal_rep", "address"])
    lic = per_entity(f.licence_summary(), idx, ["unrenewed", "revoked"])

    out = pd.DataFrame(index=idx)
    listed = np.column_stack([lists[k].to_numpy() * p for k, p in LIST_POINTS.items()])
    out["list_score"] = np.maximum(listed.max(axis=1), lists["removed_2y"].to_numpy() * LIST_REMOVED_POINTS)
    out["penalty_score"] = np.minimum(
        100, 40 * cases["cases_12m"] + 25 * (cases["cases"] - cases["cases_12m"])
        + 20 * (cases["penalty"] >= 100_000) + 30 * cases["police"])
    out["complaint_score"] = 100 * (1 - 0.75 ** comp["n365"])
    out["inspection_score"] = np.minimum(
        100, 25 * insp["rectify"] + 40 * insp["case_opened"] + 50 * insp["unreachable"]
        + 20 * insp["not_publicized"])
    out["change_score"] = np.minimum(
        100, 20 * chg["registered_capital"] + 20 * chg["shareholder"] + 25 * chg["legal_rep"]
        + 15 * chg["address"])
    out["basic_score"] = np.minimum(
        100, AGE_POINTS[ent["age_band"].to_numpy()]
        + SMALL_CAPITAL_POINTS * (ent["capital"].fillna(0) < SMALL_CAPITAL_WAN))
    out["licence_score"] = np.where(lic["revoked"] > 0, 100, np.where(lic["unrenewed"] > 0, 50, 0))
    out = out.astype("float64")
    out["score"] = sum(out[k] * w for k, w in WEIGHTS.items()).round(1)
    out["risk_class"] = classify(out["score"], lists["serious_illegal_dishonest"])
    return out.reset_index()[["uscc", "score", "risk_class", *WEIGHTS]]
