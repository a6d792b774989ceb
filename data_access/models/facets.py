"""市场主体五官图 — five facets of one entity, each 0–100, higher is better (model 3,
docs/models.md §3): 资质 qualification, 监管 supervision, 投诉 complaint, 执法 enforcement, 信用 credit.

Every facet starts at 100 and loses fixed deductions for what the record shows, floored at 0, so a
facet reads as "how clean is this side of the entity" and the radar needs no population context.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.models.catering import CATERING_DIVISION
from data_access.models.features import Features

FACETS = ("qualification", "supervision", "complaint", "enforcement", "credit")

#: Credit facet by credit-risk class (enterprises) and the cap a current listing imposes.
CLASS_FACET = {"A": 100.0, "B": 85.0, "C": 50.0, "D": 20.0}
LIST_CAP = {"serious_illegal_dishonest": 0.0, "joint_punishment": 10.0, "abnormal_operation": 40.0}
LIST_REMOVED_DEDUCTION = 20.0
#: Complaint facet = 100 × this ** (complaints and reports in the last year).
COMPLAINT_DECAY = 0.8


def _floor(values: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(values, dtype="float64"), 0.0, 100.0)


def compute(f: Features, credit: pd.DataFrame) -> pd.DataFrame:
    """Facets of every active entity (``credit`` is the credit-risk model's output)."""
    ent = f.arrays("entities")
    lic = f.arrays("licences")
    chg = f.arrays("changes")
    insp = f.arrays("inspections")
    cases = f.arrays("cases")
    lists = f.arrays("lists")
    overdue = f.arrays("equipment")["overdue"]
    failed = f.arrays("samplings")["failed"]
    n365 = f.arrays("complaints")["n365"]

    unlicensed_catering = (ent["industry_code"] == CATERING_DIVISION) & (lic["valid_food"] == 0)
    facets = {
        "qualification": 100 - 40 * unlicensed_catering - 40 * (lic["revoked"] > 0)
        - 25 * (lic["unrenewed"] > 0) - 10 * (lic["expiring"] > 0) - 10 * (ent["age_band"] <= 1)
        - 10 * ((chg["legal_rep"] + chg["address"]) >= 2),
        "supervision": 100 - 15 * insp["rectify"] - 25 * insp["case_opened"] - 30 * insp["unreachable"]
        - 10 * insp["not_publicized"] - 10 * np.minimum(overdue, 3) - 15 * failed,
        "complaint": 100 * COMPLAINT_DECAY ** n365,
        "enforcement": 100 - 40 * cases["cases_12m"] - 25 * (cases["cases"] - cases["cases_12m"])
        - 20 * (cases["penalty"] >= 100_000) - 30 * cases["police"],
    }
    # Entities the credit model does not score (individuals, branches, cooperatives) start at 100.
    base = np.full(len(f.index), 100.0)
    pos = f.positions(credit["uscc"])
    base[pos[pos >= 0]] = credit["risk_class"].map(CLASS_FACET).to_numpy(dtype="float64")[pos >= 0]
    base = base - LIST_REMOVED_DEDUCTION * lists["removed_2y"]
    for name, cap in LIST_CAP.items():
        base = np.where(lists[name] > 0, np.minimum(base, cap), base)
    facets["credit"] = base
    return pd.DataFrame({"uscc": f.index.to_numpy(),
                         **{k: np.round(_floor(facets[k]), 1) for k in FACETS}})
