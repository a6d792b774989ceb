"""资本运作风险指标 — capital-operation risk of active enterprises (model 5, docs/models.md §5).

Signals of shell companies and capital games: frequent registered-capital or shareholder changes,
links to short-lived entities (same address or same legal representative), and registration at a
clustered address. Each signal earns capped points; the score (0–100, higher = riskier) is their sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.models.features import CLUSTER_MIN_ENTITIES, Features

#: Flag thresholds: changes in the last 365 days, linked short-lived entities, entities at the address.
FREQUENT_CAPITAL_CHANGES = 2
FREQUENT_SHAREHOLDER_CHANGES = 2
SHORT_LIVED_BY_ADDRESS = 5
SHORT_LIVED_BY_LEGAL_REP = 1

FLAGS = ("frequent_capital_change", "frequent_shareholder_change", "short_lived_link", "clustered_address")
#: An address with this many active entities (four times the clustering threshold) weighs more.
LARGE_CLUSTER = 4 * CLUSTER_MIN_ENTITIES
#: Score levels: at or above the first bound "high", at or above the second "medium", else "low".
LEVELS: tuple[float, float] = (50.0, 25.0)


def compute(f: Features) -> pd.DataFrame:
    """Score every active enterprise: ``uscc, score, level, flags`` (comma-separated flag codes),
    one boolean column per flag and the counts behind them."""
    m = (f.entities["entity_type"] == "enterprise").to_numpy()
    chg = f.arrays("changes", m)
    links = f.arrays("short_lived_links", m)
    counts = {
        "capital_changes": chg["registered_capital"],
        "shareholder_changes": chg["shareholder"],
        "legal_rep_changes": chg["legal_rep"],
        "short_lived_by_address": links["by_address"],
        "short_lived_by_legal_rep": links["by_legal_rep"],
        "address_entities": f.arrays("address_clusters", m)["n"],
    }
    counts = {k: v.astype("int64") for k, v in counts.items()}
    flags = {
        "frequent_capital_change": counts["capital_changes"] >= FREQUENT_CAPITAL_CHANGES,
        "frequent_shareholder_change": counts["shareholder_changes"] >= FREQUENT_SHAREHOLDER_CHANGES,
        "short_lived_link": (counts["short_lived_by_address"] >= SHORT_LIVED_BY_ADDRESS)
        | (counts["short_lived_by_legal_rep"] >= SHORT_LIVED_BY_LEGAL_REP),
        "clustered_address": counts["address_entities"] > 0,
    }
    cluster = counts["address_entities"]
    points = (
        np.minimum(30, 15 * counts["capital_changes"])
        + np.minimum(30, 12 * counts["shareholder_changes"])
        + np.minimum(15, 8 * counts["legal_rep_changes"])
        + 20 * (counts["short_lived_by_address"] >= SHORT_LIVED_BY_ADDRESS)
        + np.minimum(30, 25 * counts["short_lived_by_legal_rep"])
        + np.where(cluster >= LARGE_CLUSTER, 30, np.where(cluster > 0, 20, 0))
    )
    score = np.minimum(100, points).astype("float64")
    hi, mid = LEVELS
    # Sixteen flag combinations: join each once and pick by bit pattern instead of per row.
    code = sum(flags[k].astype("int64") << i for i, k in enumerate(FLAGS))
    joined = np.array([",".join(k for i, k in enumerate(FLAGS) if c >> i & 1)
                       for c in range(1 << len(FLAGS))], dtype=object)
    return pd.DataFrame({
        "uscc": f.index[m].to_numpy(), "score": score,
        "level": pd.array(np.select([score >= hi, score >= mid], ["high", "medium"], default="low"),
                          dtype="string"),
        "flags": pd.array(joined[code], dtype="string"), **flags, **counts,
    })
