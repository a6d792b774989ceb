"""资本运作风险指标 — capital-operation risk of active enterprises (model 5, docs/models.md §5).

Signals of shell companies and capital games: frequent registered-capital or shareholder changes,
links to short-lived entities (same address or same legal representative), and registration at a
clustered address. Each signal earns capped points; the score (0–100, higher = riskier) is their sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.models.features import Features

#: Flag thresholds: changes in the last 365 days, linked short-lived entities, entities at the address.
FREQUENT_CAPITAL_CHANGES = 2
FREQUENT_SHAREHOLDER_CHANGES = 2
SHORT_LIVED_BY_ADDRESS = 2
SHORT_LIVED_BY_LEGAL_REP = 1

FLAGS = ("frequent_capital_change", "frequent_shareholder_change", "short_lived_link", "clustered_address")
#: Score levels: at or above the first bound "high", at or above the second "medium", else "low".
LEVELS: tuple[float, float] = (50.0, 25.0)


def compute(f: Features) -> pd.DataFrame:
    """Score every active enterprise: ``uscc, score, level, flags`` (comma-separated flag codes),
    one boolean column per flag and the counts behind them."""
    m = (f.entities["entity_type"] == "enterprise").to_numpy()
    idx = f.index[m]
    chg = f.aligned("changes")[m]
    links = f.aligned("short_lived_links")[m]
    cluster = f.aligned("address_clusters")["n"][m].astype("int64")

    out = pd.DataFrame(index=idx)
    out["capital_changes"] = chg["registered_capital"].astype("int64")
    out["shareholder_changes"] = chg["shareholder"].astype("int64")
    out["legal_rep_changes"] = chg["legal_rep"].astype("int64")
    out["short_lived_by_address"] = links["by_address"].astype("int64")
    out["short_lived_by_legal_rep"] = links["by_legal_rep"].astype("int64")
    out["address_entities"] = cluster

    out["frequent_capital_change"] = out["capital_changes"] >= FREQUENT_CAPITAL_CHANGES
    out["frequent_shareholder_change"] = out["shareholder_changes"] >= FREQUENT_SHAREHOLDER_CHANGES
    out["short_lived_link"] = ((out["short_lived_by_address"] >= SHORT_LIVED_BY_ADDRESS)
                               | (out["short_lived_by_legal_rep"] >= SHORT_LIVED_BY_LEGAL_REP))
    out["clustered_address"] = cluster > 0

    points = (
        np.minimum(30, 15 * out["capital_changes"])
        + np.minimum(30, 12 * out["shareholder_changes"])
        + np.minimum(15, 8 * out["legal_rep_changes"])
        + np.minimum(20, 10 * out["short_lived_by_address"])
        + np.minimum(30, 25 * out["short_lived_by_legal_rep"])
        + np.where(cluster >= 30, 30, np.where(cluster > 0, 20, 0))
    )
    out["score"] = np.minimum(100, points).astype("float64").round(1)
    hi, mid = LEVELS
    out["level"] = pd.Series(np.select([out["score"] >= hi, out["score"] >= mid], ["high", "medium"],
                                       default="low"), index=idx, dtype="string")
    joined = pd.Series("", index=idx, dtype="string")
    for flag in FLAGS:
        joined = joined + np.where(out[flag], flag + ",", "")
    out["flags"] = joined.str.rstrip(",")
    cols = ["uscc", "score", "level", "flags", *FLAGS, "capital_changes", "shareholder_changes",
            "legal_rep_changes", "short_lived_by_address", "short_lived_by_legal_rep", "address_entities"]
    return out.reset_index()[cols]
