"""餐饮企业食品安全风险 — the catering food-safety risk grade (model 2, docs/models.md §2).

Built on the structure of the 食品生产经营风险分级管理办法: a static part (业态, scale and menu risk,
at most 40 points) plus a dynamic part (what supervision and monitoring found in the last year, at
most 60 points); the sum is graded with the regulation's fixed bands A ≤ 30 < B ≤ 45 < C ≤ 60 < D.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.models.features import Features, per_entity

CATERING_DIVISION = "62"

#: 业态 points of the riskiest venue an entity runs (from its kitchen cameras or canteen status).
VENUE_POINTS = {
    "central_kitchen": 20, "school_canteen": 18, "rural_banquet": 16, "elderly_canteen": 16,
    "hospital_canteen": 16, "large_restaurant": 14,
}
ENTERPRISE_POINTS = 10
INDIVIDUAL_POINTS = 8

#: Scale points by registered capital (万元); individuals take the smallest band.
SCALE_POINTS = ((500.0, 10), (50.0, 6), (0.0, 3))

#: Menu-risk points by name keyword, first match wins; others cook ordinary hot dishes.
MENU_POINTS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("日料", "寿司", "刺身", "生鲜", "海鲜", "凉菜", "卤味", "熟食", "烧腊"), 10),
    (("火锅", "烧烤", "串", "烤肉", "小龙虾"), 7),
    (("奶茶", "咖啡", "茶饮", "饮品", "烘焙", "面包", "甜品", "蛋糕"), 2),
)
GENERAL_MENU_POINTS = 5

STATIC_MAX = 40
DYNAMIC_MAX = 60
#: Upper bounds (inclusive) of grades A, B, C; above the last is D (the regulation's bands).
THRESHOLDS: tuple[float, float, float] = (30.0, 45.0, 60.0)


#: Unit canteens without a camera are found through their host: a school (division 83 教育), a
#: hospital (84 卫生) or a care home (85 社会工作, by name) that holds a valid food-business licence.
CANTEEN_HOSTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "school_canteen": ("83", ()),
    "hospital_canteen": ("84", ()),
    "elderly_canteen": ("85", ("养老", "敬老", "老年", "长者", "护理院", "福利院")),
}


def canteens(f: Features) -> dict[str, pd.Index]:
    """Active entities running a unit canteen, per venue category: a kitchen camera of that
    category, or a host institution (``CANTEEN_HOSTS``) with a valid food-business licence."""
    ent = f.entities
    dev = f.devices
    lic = f.licence_summary()
    licensed = lic.index[lic["valid_food"] > 0]
    out: dict[str, pd.Index] = {}
    for category, (division, keywords) in CANTEEN_HOSTS.items():
        cams = dev.loc[(dev["kind"] == "kitchen_camera") & (dev["venue_category"] == category), "uscc"]
        hosts = ent.index[(ent["industry_code"] == division) & ent.index.isin(licensed)]
        if keywords:
            hosts = hosts.intersection(f.name_matches(keywords, (division,)))
        out[category] = pd.Index(cams).intersection(ent.index).union(hosts).rename("uscc")
    return out


def population(f: Features, canteens: pd.Index) -> pd.Index:
    """Catering businesses: active entities in division 62 (餐饮业), running a kitchen camera,
    or running a unit canteen (``canteens``, e.g. schools and care homes)."""
    ent = f.entities
    dev = f.devices
    cams = pd.Index(dev.loc[dev["kind"] == "kitchen_camera", "uscc"].unique())
    keep = (ent["industry_code"] == CATERING_DIVISION) | ent.index.isin(cams) | ent.index.isin(canteens)
    return ent.index[keep]


def menu_points(names: pd.Series) -> pd.Series:
    """Menu-risk points from the business name (vectorised keyword search)."""
    points = pd.Series(GENERAL_MENU_POINTS, index=names.index, dtype="int64")
    assigned = pd.Series(False, index=names.index)
    for keywords, p in MENU_POINTS:
        hit = names.str.contains("|".join(keywords), regex=True) & ~assigned
        points[hit] = p
        assigned |= hit
    return points


def grade(score: pd.Series) -> pd.Series:
    """Grades A–D from the total score and the fixed bands."""
    a, b, c = THRESHOLDS
    g = np.select([score <= a, score <= b, score <= c], ["A", "B", "C"], default="D")
    return pd.Series(g, index=score.index, dtype="string")


def compute(f: Features) -> pd.DataFrame:
    """Grade every catering business: ``uscc, score, risk_grade``, the static and dynamic scores
    and their parts."""
    units = canteens(f)
    idx = population(f, pd.Index([u for ix in units.values() for u in ix]).unique())
    ent = f.entities.loc[idx]
    dev = f.devices
    venue = pd.Series(0, index=idx, dtype="int64")
    cams = dev[(dev["kind"] == "kitchen_camera") & dev["uscc"].isin(idx)]
    for category, p in VENUE_POINTS.items():
        users = pd.Index(cams.loc[cams["venue_category"] == category, "uscc"]).union(
            units.get(category, pd.Index([])))
        venue[venue.index.isin(users)] = np.maximum(venue[venue.index.isin(users)], p)
    default = np.where(ent["entity_type"] == "individual", INDIVIDUAL_POINTS, ENTERPRISE_POINTS)
    business = np.where(venue > 0, venue, default)

    capital = ent["capital"].fillna(0)
    scale = np.select([capital >= lo for lo, _ in SCALE_POINTS], [p for _, p in SCALE_POINTS], default=0)
    names = f.names((CATERING_DIVISION,)).reindex(idx).fillna("")
    menu = menu_points(names)
    # A canteen's menu is a general one whatever its host's name says.
    menu[venue > 0] = np.maximum(menu[venue > 0], GENERAL_MENU_POINTS)

    insp = per_entity(f.inspections, idx, ["findings_12m", "case_opened_12m"])
    samp = per_entity(f.samplings, idx, ["failed", "failed_open"])
    alarms = per_entity(f.camera_alarms, idx, ["alarms", "severe"])
    comp = per_entity(f.complaints, idx, ["food_365"])
    cases = per_entity(f.cases, idx, ["food_cases_12m"])
    lic = per_entity(f.licence_summary(), idx, ["valid_food"])

    out = pd.DataFrame(index=idx)
    out["business_points"] = business
    out["scale_points"] = scale
    out["menu_points"] = menu
    out["static_score"] = np.minimum(STATIC_MAX, out[["business_points", "scale_points", "menu_points"]]
                                     .sum(axis=1))
    out["inspection_points"] = np.minimum(25, 8 * insp["findings_12m"] + 7 * insp["case_opened_12m"])
    out["sampling_points"] = np.minimum(20, 10 * samp["failed"] + 5 * samp["failed_open"])
    out["alarm_points"] = np.minimum(15, 0.5 * alarms["alarms"] + 4 * alarms["severe"])
    out["complaint_points"] = np.minimum(15, 3 * comp["food_365"])
    out["case_points"] = np.minimum(20, 15 * cases["food_cases_12m"])
    out["licence_points"] = np.where(lic["valid_food"] > 0, 0, 20)
    dynamic_parts = ["inspection_points", "sampling_points", "alarm_points", "complaint_points",
                     "case_points", "licence_points"]
    out["dynamic_score"] = np.minimum(DYNAMIC_MAX, out[dynamic_parts].sum(axis=1))
    out = out.astype("float64")
    out["score"] = (out["static_score"] + out["dynamic_score"]).round(1)
    out["risk_grade"] = grade(out["score"])
    cols = ["uscc", "score", "risk_grade", "static_score", "dynamic_score",
            "business_points", "scale_points", "menu_points", *dynamic_parts]
    return out.reset_index()[cols]
