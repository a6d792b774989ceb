"""餐饮企业食品安全风险 — the catering food-safety risk grade (model 2, docs/models.md §2).

Built in the shape of the 食品生产经营风险分级管理办法: a static part (业态, scale and menu risk,
at most 40 points) plus a dynamic part (what supervision and monitoring found in the last year, at
most 60 points); the sum is graded A–D at fixed bounds chosen once from the synthetic district.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.models.features import Features

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

#: Menu-risk points by the name flags of ``features.NAME_FLAGS`` (raw and cold dishes, hot pot and
#: grill, drinks and bakery), the riskiest matching one counting; others cook ordinary hot dishes.
MENU_POINTS = {"menu_raw": 10, "menu_grill": 7, "menu_light": 2}
GENERAL_MENU_POINTS = 5

STATIC_MAX = 40
DYNAMIC_MAX = 60
#: Upper bounds (inclusive) of grades A, B, C; above the last is D. A is a licensed, small-scale or
#: low-risk-menu business with a clean year; C needs several findings within the year.
THRESHOLDS: tuple[float, float, float] = (18.0, 50.0, 70.0)
#: Dynamic points for holding no valid food-business licence (unlicensed, or not yet renewed).
UNLICENSED_POINTS = 10


#: Unit canteens without a camera are found through their host: a school (division 83 教育), a
#: hospital (84 卫生) or a care home (85 社会工作, named like one: ``NAME_FLAGS["care_home_name"]``)
#: that holds a valid food-business licence.
CANTEEN_HOSTS: dict[str, tuple[str, str | None]] = {
    "school_canteen": ("83", None),
    "hospital_canteen": ("84", None),
    "elderly_canteen": ("85", "care_home_name"),
}


def canteens(f: Features) -> dict[str, np.ndarray]:
    """Boolean masks over ``f.index`` of the entities running a unit canteen, per venue category:
    a kitchen camera of that category, or a host institution (``CANTEEN_HOSTS``) with a valid
    food-business licence. Computed once per ``Features``."""
    if "canteens" not in f.derived:
        ent = f.entities
        cams = f.aligned("devices")
        licensed = (f.aligned("licences")["valid_food"] > 0).to_numpy()
        out = {}
        for category, (division, name_flag) in CANTEEN_HOSTS.items():
            hosts = (ent["industry_code"] == division).to_numpy() & licensed
            if name_flag:
                hosts &= (ent[name_flag] > 0).to_numpy()
            out[category] = (cams[f"cam_{category}"] > 0).to_numpy() | hosts
        f.derived["canteens"] = out
    return f.derived["canteens"]


def population(f: Features) -> np.ndarray:
    """Catering businesses as a mask over ``f.index``: active entities in division 62 (餐饮业),
    running a kitchen camera, or running a unit canteen (e.g. schools and care homes)."""
    units = canteens(f)
    return ((f.entities["industry_code"] == CATERING_DIVISION).to_numpy()
            | (f.aligned("devices")["kitchen_camera"] > 0).to_numpy()
            | np.logical_or.reduce(list(units.values())))


def menu_points(ent: dict[str, np.ndarray]) -> np.ndarray:
    """Menu-risk points from the name flags (``Features.arrays("entities")``)."""
    points = np.full(len(ent["menu_raw"]), GENERAL_MENU_POINTS)
    for flag, p in sorted(MENU_POINTS.items(), key=lambda kv: kv[1]):
        points = np.where(ent[flag] > 0, p, points)
    return points


def grade(score: np.ndarray) -> np.ndarray:
    """Grades A–D from the total score and the fixed bands."""
    a, b, c = THRESHOLDS
    return np.select([score <= a, score <= b, score <= c], ["A", "B", "C"], default="D")


def compute(f: Features) -> pd.DataFrame:
    """Grade every catering business: ``uscc, score, risk_grade``, the static and dynamic scores
    and their parts."""
    m = population(f)
    ent = f.arrays("entities", m)
    cams = f.arrays("devices", m)
    units = {k: v[m] for k, v in canteens(f).items()}
    venue = np.zeros(int(m.sum()), dtype="int64")
    for category, p in VENUE_POINTS.items():
        runs = (cams[f"cam_{category}"] > 0) | units.get(category, False)
        venue = np.where(runs, np.maximum(venue, p), venue)
    default = np.where(ent["entity_type"] == "individual", INDIVIDUAL_POINTS, ENTERPRISE_POINTS)
    business = np.where(venue > 0, venue, default)
    capital = np.nan_to_num(ent["capital"].astype("float64"))
    scale = np.select([capital >= lo for lo, _ in SCALE_POINTS], [p for _, p in SCALE_POINTS], default=0)
    # A canteen's menu is a general one whatever its host's name says.
    menu = np.where(venue > 0, np.maximum(menu_points(ent), GENERAL_MENU_POINTS), menu_points(ent))

    insp = f.arrays("inspections", m)
    samp = f.arrays("samplings", m)
    alarms = f.arrays("camera_alarms", m)
    parts = {
        "inspection_points": np.minimum(25, 8 * insp["findings_12m"] + 7 * insp["case_opened_12m"]),
        "sampling_points": np.minimum(20, 10 * samp["failed"] + 5 * samp["failed_open"]),
        "alarm_points": np.minimum(15, 0.5 * alarms["alarms"] + 4 * alarms["severe"]),
        "complaint_points": np.minimum(15, 3 * f.arrays("complaints", m)["food_365"]),
        "case_points": np.minimum(20, 15 * f.arrays("cases", m)["food_cases_12m"]),
        "licence_points": np.where(f.arrays("licences", m)["valid_food"] > 0, 0, UNLICENSED_POINTS),
    }
    static = np.minimum(STATIC_MAX, business + scale + menu).astype("float64")
    dynamic = np.minimum(DYNAMIC_MAX, sum(parts.values())).astype("float64")
    score = np.round(static + dynamic, 1)
    return pd.DataFrame({
        "uscc": f.index[m].to_numpy(), "score": score, "risk_grade": pd.array(grade(score), dtype="string"),
        "static_score": static, "dynamic_score": dynamic,
        "business_points": business.astype("float64"), "scale_points": scale.astype("float64"),
        "menu_points": menu.astype("float64"),
        **{k: v.astype("float64") for k, v in parts.items()},
    })
