"""企业信用风险分类 — the enterprise credit-risk classification (model 1, docs/models.md §1).

A points model in the shape of SAMR's general indicator system (基础属性, 动态信息, 监管信息, 社会评价):
seven components, each 0–100 risk points, are combined with fixed weights into a score 0–100
(higher = riskier) and cut into classes A (low risk) … D (high risk) at fixed thresholds. An entity
currently on the 严重违法失信名单 is class D whatever its score (the list is itself a D finding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.models.features import Features

#: Weights of the components (sum to 1).
WEIGHTS: dict[str, float] = {
    "list_score": 0.30,
    "penalty_score": 0.20,
    "inspection_score": 0.15,
    "complaint_score": 0.15,
    "basic_score": 0.10,
    "change_score": 0.05,
    "licence_score": 0.05,
}

#: Class bounds: A below the first, B below the second, C below the third, D from the third on.
#: Chosen once from the synthetic district (docs/models.md §1): A is an established, adequately
#: capitalised enterprise with a clean record; one case in the last year, or a current listing in
#: 经营异常名录, is C; a listing plus a case, or several findings together, is D.
THRESHOLDS: tuple[float, float, float] = (2.5, 10.0, 27.0)

#: List points: the worst current listing counts; a listing lifted in the last two years still weighs.
LIST_POINTS = {"serious_illegal_dishonest": 100, "joint_punishment": 90, "abnormal_operation": 70}
LIST_REMOVED_POINTS = 30
#: Basic-attribute points by age band (features.Features.entities: 0 = under three months … 5 = ten
#: years and more) — young enterprises fail far more often — plus points for a small registered
#: capital (万元): (upper bound, points), first match. At most 90, so that the basic attributes
#: alone (weight 0.10) never reach class C.
AGE_POINTS = np.array([50, 50, 40, 30, 20, 0])
CAPITAL_POINTS = ((10.0, 40), (50.0, 20), (100.0, 10))
#: Complaint component = 100 × (1 − this ** complaints and reports in the last 365 days).
COMPLAINT_DECAY = 0.7


def classify(score: np.ndarray, serious: np.ndarray) -> np.ndarray:
    """Classes A–D from the score and the fixed thresholds; serious-illegal entities are D."""
    a, b, c = THRESHOLDS
    cls = np.select([score < a, score < b, score < c], ["A", "B", "C"], default="D")
    return np.where(np.asarray(serious) > 0, "D", cls)


def compute(f: Features) -> pd.DataFrame:
    """Score every active enterprise; columns ``uscc, score, risk_class`` and the components."""
    m = (f.entities["entity_type"] == "enterprise").to_numpy()
    ent = f.arrays("entities", m)
    lists = f.arrays("lists", m)
    cases = f.arrays("cases", m)
    insp = f.arrays("inspections", m)
    chg = f.arrays("changes", m)
    lic = f.arrays("licences", m)
    n365 = f.arrays("complaints", m)["n365"]

    listed = np.column_stack([lists[k] * p for k, p in LIST_POINTS.items()])
    capital = np.nan_to_num(ent["capital"].astype("float64"))
    comp = {
        "list_score": np.maximum(listed.max(axis=1), lists["removed_2y"] * LIST_REMOVED_POINTS),
        "penalty_score": np.minimum(
            100, 50 * cases["cases_12m"] + 30 * (cases["cases"] - cases["cases_12m"])
            + 20 * (cases["penalty"] >= 100_000) + 30 * cases["police"]),
        "inspection_score": np.minimum(
            100, 30 * insp["rectify"] + 50 * insp["case_opened"] + 50 * insp["unreachable"]
            + 20 * insp["not_publicized"]),
        "complaint_score": 100 * (1 - COMPLAINT_DECAY ** n365),
        "basic_score": np.minimum(100, AGE_POINTS[ent["age_band"]] + np.select(
            [capital < bound for bound, _ in CAPITAL_POINTS], [p for _, p in CAPITAL_POINTS], 0)),
        "change_score": np.minimum(
            100, 20 * chg["registered_capital"] + 20 * chg["shareholder"] + 25 * chg["legal_rep"]
            + 15 * chg["address"]),
        "licence_score": np.where(lic["revoked"] > 0, 100, np.where(lic["unrenewed"] > 0, 50, 0)),
    }
    comp = {k: v.astype("float64") for k, v in comp.items()}
    score = np.round(sum(comp[k] * w for k, w in WEIGHTS.items()), 1)
    return pd.DataFrame({
        "uscc": f.index[m].to_numpy(), "score": score,
        "risk_class": pd.array(classify(score, lists["serious_illegal_dishonest"]), dtype="string"),
        **comp,
    })
