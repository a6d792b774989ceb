"""The data of the last four screens: 社会共治, 党建, 重大事项保障, 城运 (data.md §8).

Every recipe draws from its own generator (``Ctx.rng(<table>)``) and reads only what earlier recipes
left in the context, so the tables are consistent with the rest of the district: scans name existing
elevators and entities in their streets, party organisations sit in active enterprises, the
assurance mission's sites are real entities near 国家会展中心, and the city work orders are made from
the alarms, warnings, complaints and incidents already generated. What each figure rests on is in
``docs/screens-data.md``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ingest import names
from ingest.gen_common import (
    DAY,
    STR,
    Ctx,
    allocate,
    cat,
    choose,
    day_of,
    digits,
    festival_factor,
    lookup,
    pick_alive,
    to_date,
    to_instant,
    weekday,
    weighted_sample,
)
from ingest.gen_events import _staff_for
from ingest.gen_registry import pick_entities

# --- 社会共治 ----------------------------------------------------------------------------------

#: First day each QR-code service ran in the district and its daily scans at full use (district scale).
QR_KINDS: dict[str, tuple[str, float]] = {
    "elevator_code": ("2021-01-01", 90.0),
    "catering_review": ("2022-01-01", 70.0),
    "price_check": ("2023-06-01", 25.0),
    "complaint_qr": ("2022-07-01", 12.0),
}
#: Scans by hour of day (meal times for catering reviews, daytime for the others).
_HOURS_DAY = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 3, 5, 5, 5, 6, 6, 5, 5, 5, 5, 6, 6, 5, 4, 3, 1.5, 0.6]
)
_HOURS_MEAL = np.array(
    [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 1.5, 1.5, 2, 7, 9, 5, 1.5, 1, 1.5, 4, 9, 8, 4, 2, 1, 0.6]
)
#: Divisions that face consumers (retail, catering, lodging, services).
CONSUMER_DIVS = {"52": 3.0, "62": 3.0, "61": 1.0, "80": 1.5, "81": 1.0, "70": 0.8, "83": 1.0, "51": 0.5}


def _daily(rng: np.random.Generator, days: np.ndarray, per_day: np.ndarray, weekend: float) -> np.ndarray:
    """Event days: Poisson counts with the given mean per day, weekend factor and Spring Festival dip."""
    shape = np.where(weekday(days) >= 5, weekend, 1.0) * festival_factor(days, 0.6)
    return np.repeat(days, rng.poisson(per_day * shape))


def _times(rng: np.random.Generator, days: np.ndarray, weights: np.ndarray) -> np.ndarray:
    hour = rng.choice(24, len(days), p=weights / weights.sum())
    return days * DAY + hour * 3600 + rng.integers(0, 3600, len(days))


def qr_scans(ctx: Ctx) -> None:
    """扫码评价, 电梯码, 扫码查价, 扫码投诉 by the public; a few scans of the public entity card."""
    rng = ctx.rng("qr_scan")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    eq = ctx.hidden["equipment"]
    div = h["div"].to_numpy()
    risk = h["risk"].to_numpy()
    parts = []
    for kind, (launch, per_day) in QR_KINDS.items():
        first = max(day_of(date.fromisoformat(launch)), ctx.start_day)
        days = np.arange(first, ctx.until_day + 1)
        # Use grows as the service becomes known: 30 % of full use at launch, full after two years.
        ramp = np.clip(0.3 + 0.7 * (days - day_of(date.fromisoformat(launch))) / 730, 0.3, 1.0)
        d = _daily(rng, days, ramp * per_day * ctx.f, 1.3 if kind != "elevator_code" else 0.9)
        t = _times(rng, d, _HOURS_MEAL if kind == "catering_review" else _HOURS_DAY)
        t = np.sort(t[t <= ctx.cutoff_s])
        parts.append(_scan_targets(ctx, rng, kind, t, eq, div, risk))
    # The public card (扫码查看) is new: a trickle of scans over the last month.
    days = np.arange(ctx.until_day - 30, ctx.until_day + 1)
    d = _daily(rng, days, np.full(len(days), 5.0 * ctx.f + 0.05), 1.2)
    t = np.sort(_times(rng, d, _HOURS_DAY))
    t = t[t <= ctx.cutoff_s]
    parts.append(_scan_targets(ctx, rng, "public_card", t, eq, div, risk))
    q = pd.concat(parts, ignore_index=True)
    q = q[q["e"] >= 0].sort_values(["t", "kind"], kind="stable").reset_index(drop=True)
    n = len(q)
    kind = q["kind"].to_numpy()
    e = q["e"].to_numpy()
    r = risk[e]
    # Ratings: catering reviews always, elevator codes sometimes (the maintenance), others never.
    stars = np.array([1, 2, 3, 4, 5])
    bad = np.clip(0.04 * r, 0.0, 0.4)
    u = rng.random(n)
    rating = np.where(u < bad * 0.5, 1, np.where(u < bad, 2, 0))
    rest = rating == 0
    rating[rest] = choose(rng, stars[2:], int(rest.sum()), [0.09, 0.28, 0.63])
    rated = (kind == "catering_review") | ((kind == "elevator_code") & (rng.random(n) < 0.3))
    problem = np.select(
        [kind == "complaint_qr", kind == "catering_review", kind == "elevator_code", kind == "price_check"],
        [
            np.ones(n, bool),
            (rating <= 2) & (rng.random(n) < 0.7),
            rng.random(n) < 0.015,
            rng.random(n) < 0.05,
        ],
        np.zeros(n, bool),
    )
    ctx.tables["qr_scan"] = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "kind": kind,
            "uscc": ent["uscc"].to_numpy()[e],
            "equipment_code": q["equipment_code"].to_numpy(),
            "street_code": ctx.street_codes[q["street"].to_numpy()],
            "scanned_at": to_instant(q["t"].to_numpy()),
            "rating": pd.Series(rating, dtype="Int64").where(rated),
            "reported_problem": problem,
        }
    )


def _scan_targets(ctx, rng, kind, t, eq, div, risk) -> pd.DataFrame:
    h = ctx.hidden["ent"]
    n = len(t)
    code = np.full(n, None, dtype=object)
    if kind == "elevator_code":
        el = eq[(eq["kind"] == "elevator") & (eq["status"] == "in_use")]
        lo = el["inst_d"].to_numpy() * DAY
        hi = np.full(len(el), np.iinfo(np.int64).max)
        pos = pick_alive(rng, t, np.arange(len(el)), np.ones(len(el)), lo, hi)
        ok = pos >= 0
        e = np.where(ok, el["e"].to_numpy()[np.maximum(pos, 0)], -1)
        street = np.where(ok, el["street_idx"].to_numpy()[np.maximum(pos, 0)], 0)
        code = np.where(ok, el["equipment_code"].to_numpy()[np.maximum(pos, 0)], None)
        # An elevator's user unit must still exist when its code is scanned.
        live = (t >= h["lo"].to_numpy()[np.maximum(e, 0)] * DAY) & (
            t < h["hi"].to_numpy()[np.maximum(e, 0)] * DAY
        )
        e = np.where((e >= 0) & live, e, -1)
    else:
        weights = {
            "catering_review": {"62": 1.0},
            "price_check": {"52": 1.0, "62": 0.6, "61": 0.3},
            "complaint_qr": {"52": 1.0, "62": 1.0, "80": 0.5, "81": 0.5},
            "public_card": CONSUMER_DIVS,
        }[kind]
        w = lookup(div, {int(k): v for k, v in weights.items()})
        if kind in ("complaint_qr", "catering_review"):
            w = w * np.clip(risk, 0.2, 6) ** 0.5
        e = pick_entities(ctx, rng, t, w) if w.sum() > 0 else np.full(n, -1)
        street = h["street_idx"].to_numpy()[np.maximum(e, 0)]
    return pd.DataFrame({"t": t, "kind": kind, "e": e, "street": street, "equipment_code": code})


#: Self-inspection programmes: the pool they run in, participation, interval (days), checklist items.
SELF_INSPECTION_START = "2023-01-01"


def self_inspections(ctx: Ctx) -> None:
    """企业自查: food businesses quarterly, special-equipment users and others twice a year."""
    rng = ctx.rng("self_inspection")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    lic = ctx.hidden["licence"]
    eq = ctx.hidden["equipment"]
    n_ent = len(ent)
    lo, hi = h["lo"].to_numpy(), h["hi"].to_numpy()
    food = ctx.hidden["food_from"]
    holders = lambda kinds: np.isin(np.arange(n_ent), lic.loc[lic["kind"].isin(kinds), "e"].unique())  # noqa: E731
    programmes = (
        ("food_safety", food >= 0, 0.20, 91, (20, 31)),
        ("special_equipment", np.isin(np.arange(n_ent), eq["e"].unique()), 0.15, 182, (12, 19)),
        ("drug_cosmetics", holders(["drug_retail", "cosmetics", "medical_device"]), 0.20, 182, (15, 26)),
        (
            "product_quality",
            (h["section"].to_numpy() == "C") & (h["type"].to_numpy() == "enterprise"),
            0.03,
            182,
            (10, 21),
        ),
        ("price_publicity", h["div"].to_numpy() == 52, 0.04, 182, (8, 13)),
    )
    launch = max(day_of(date.fromisoformat(SELF_INSPECTION_START)), ctx.start_day)
    frames = []
    for kind, pool, share, every, (lo_items, hi_items) in programmes:
        idx = np.flatnonzero(pool & (hi > launch) & (lo <= ctx.until_day))
        idx = idx[rng.random(len(idx)) < share]
        begin = np.maximum(launch, lo[idx] + 30)
        if kind == "food_safety":
            begin = np.maximum(begin, food[idx])
        begin = begin + rng.integers(0, every, len(idx))
        end = np.minimum(hi[idx] - 1, ctx.until_day)
        k = np.maximum((end - begin) // every + 1, 0)
        k = np.where(begin <= end, k, 0)
        rows = np.repeat(np.arange(len(idx)), k)
        step = np.arange(len(rows)) - np.repeat(np.cumsum(k) - k, k)
        done = begin[rows] + step * every + rng.integers(-10, 11, len(rows))
        done = np.clip(done, begin[rows], end[rows])
        e = idx[rows]
        items = rng.integers(lo_items, hi_items, len(rows))
        p = np.clip(0.008 * np.clip(h["risk"].to_numpy()[e], 0.2, 8), 0, 0.2)
        problems = rng.binomial(items, p)
        fixed = done + rng.integers(1, 21, len(rows))
        fixed = np.where(
            (problems > 0) & (fixed <= ctx.until_day) & (rng.random(len(rows)) > 0.05), fixed, -1
        )
        frames.append(
            pd.DataFrame(
                {"e": e, "done": done, "kind": kind, "items": items, "problems": problems, "fixed": fixed}
            )
        )
    si = pd.concat(frames, ignore_index=True).sort_values(["done", "e"], kind="stable").reset_index(drop=True)
    ctx.tables["self_inspection"] = pd.DataFrame(
        {
            "id": np.arange(1, len(si) + 1),
            "uscc": ent["uscc"].to_numpy()[si["e"].to_numpy()],
            "done_on": to_date(si["done"].to_numpy()),
            "kind": si["kind"].to_numpy(),
            "items": si["items"].to_numpy(),
            "problems": si["problems"].to_numpy(),
            "rectified_on": to_date(si["fixed"].to_numpy()),
        }
    )


#: Industry associations of the district (name, GB/T 4754 division or None for all, member share).
ASSOCIATIONS: tuple[tuple[str, str | None, float], ...] = (
    ("闵行区餐饮行业协会", "62", 0.12),
    ("闵行区食品行业协会", "14", 0.30),
    ("闵行区酒店行业协会", "61", 0.35),
    ("闵行区零售商业行业协会", "52", 0.05),
    ("闵行区个体劳动者协会", None, 0.02),
    ("闵行区私营企业协会", None, 0.01),
    ("闵行区美容美发行业协会", "80", 0.10),
    ("闵行区汽车销售与维修行业协会", "81", 0.15),
    ("闵行区医药行业协会", "27", 0.40),
    ("闵行区装饰装修行业协会", "50", 0.08),
    ("闵行区物业管理行业协会", "70", 0.06),
    ("闵行区教育培训行业协会", "83", 0.10),
    ("闵行区电子商务行业协会", "64", 0.08),
    ("闵行区旅游会展行业协会", "72", 0.03),
    ("闵行区电梯维修保养行业协会", "34", 0.05),
)


def associations(ctx: Ctx) -> None:
    """Industry associations (行业协会) and their member units (a share of the division's active entities)."""
    rng = ctx.rng("association")
    h = ctx.hidden["ent"]
    active = h["active"].to_numpy()
    per_div = np.bincount(h["div"].to_numpy()[active], minlength=100)
    rows = []
    for i, (name, d, share) in enumerate(ASSOCIATIONS):
        pool = int(per_div[int(d)]) if d else int(active.sum())
        rows.append((i + 1, name, d, max(5, round(pool * share * rng.uniform(0.85, 1.15)))))
    ctx.tables["association"] = pd.DataFrame(rows, columns=["id", "name", "industry_code", "members"])


MEDIATION_CATEGORIES = {
    "online_shopping": 0.20,
    "contract": 0.20,
    "food": 0.14,
    "product_quality": 0.16,
    "pricing": 0.08,
    "advertising": 0.04,
    "cosmetics": 0.04,
    "drug": 0.02,
    "medical_device": 0.02,
    "other": 0.10,
}


def mediations(ctx: Ctx) -> None:
    """Consumer-dispute mediations by the 消保委 and the industry associations' mediation committees."""
    rng = ctx.rng("mediation")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    assoc = ctx.tables["association"]
    days = np.arange(ctx.start_day, ctx.until_day + 1)
    d = _daily(rng, days, np.full(len(days), ctx.n(4_000, 25) / 365.25 / 0.83), 0.4)
    t = np.sort(d * DAY + 9 * 3600)
    n = len(t)
    w = lookup(h["div"].to_numpy(), {int(k): v for k, v in CONSUMER_DIVS.items()}) * np.clip(
        h["risk"].to_numpy(), 0.2, 6
    )
    e = np.where(rng.random(n) < 0.8, pick_entities(ctx, rng, t, w, margin_days=60), -1)
    has = e >= 0
    street = np.where(
        has,
        h["street_idx"].to_numpy()[np.maximum(e, 0)],
        rng.choice(len(ctx.street_codes), n, p=ctx.street_weight),
    )
    by_div = {d_: i for i, d_ in zip(assoc["id"], assoc["industry_code"], strict=True) if d_}
    ent_div = h["industry"].to_numpy()[np.maximum(e, 0)]
    assoc_id = np.array([by_div.get(x) for x in ent_div], dtype=object)
    to_assoc = has & pd.notna(assoc_id) & (rng.random(n) < 0.45)
    received = d
    span = np.maximum(1, rng.lognormal(np.log(12), 0.7, n)).astype(np.int64)
    closed = received + span
    is_closed = closed <= ctx.until_day
    result = allocate(rng, n, {"agreed": 0.74, "failed": 0.17, "withdrawn": 0.09})
    amount = np.round(rng.lognormal(np.log(1200), 1.1, n), 2)
    ctx.tables["mediation"] = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "association_id": pd.array(np.where(to_assoc, assoc_id, None), dtype="Int64"),
            "uscc": np.where(has, ent["uscc"].to_numpy()[np.maximum(e, 0)], None),
            "street_code": ctx.street_codes[street],
            "category": allocate(rng, n, MEDIATION_CATEGORIES),
            "received_on": to_date(received),
            "closed_on": to_date(np.where(is_closed, closed, -1)),
            "result": np.where(is_closed, result, None),
            "amount": np.where(is_closed & (result == "agreed"), amount, np.nan),
        }
    )


def commitments(ctx: Ctx) -> None:
    """放心消费 and 线下无理由退货 commitments of consumer-facing businesses (revoked when they close)."""
    rng = ctx.rng("commitment")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    lo, hi = h["lo"].to_numpy(), h["hi"].to_numpy()
    div = h["div"].to_numpy()
    frames = []
    for kind, launch, count, weights in (
        ("assured_consumption", "2017-03-15", 14_000, CONSUMER_DIVS),
        ("no_reason_return", "2019-03-15", 6_000, {"52": 1.0, "51": 0.1}),
    ):
        start = day_of(date.fromisoformat(launch))
        w = lookup(div, {int(k): v for k, v in weights.items()}) * (hi > start + 30)
        # Active businesses are most of them; some signed and later closed.
        w = w * np.where(h["active"].to_numpy(), 1.0, 0.25)
        idx = weighted_sample(rng, w, ctx.n(count, 20))
        first = np.maximum(start, lo[idx] + 30)
        last = np.minimum(hi[idx] - 1, ctx.until_day)
        since = first + (np.sqrt(rng.random(len(idx))) * np.maximum(last - first, 0)).astype(np.int64)
        revoked = np.where(hi[idx] <= ctx.until_day, hi[idx], -1)
        # A few withdrawn by the bureau after a violation.
        pulled = (revoked < 0) & (rng.random(len(idx)) < 0.03)
        revoked = np.where(
            pulled, since + ((ctx.until_day - since) * rng.random(len(idx))).astype(np.int64) + 1, revoked
        )
        revoked = np.where(revoked > ctx.until_day, -1, revoked)
        frames.append(pd.DataFrame({"e": idx, "kind": kind, "since": since, "revoked": revoked}))
    c = pd.concat(frames, ignore_index=True).sort_values(["since", "e"], kind="stable").reset_index(drop=True)
    ctx.tables["commitment"] = pd.DataFrame(
        {
            "id": np.arange(1, len(c) + 1),
            "uscc": ent["uscc"].to_numpy()[c["e"].to_numpy()],
            "kind": c["kind"].to_numpy(),
            "since": to_date(c["since"].to_numpy()),
            "revoked_on": to_date(c["revoked"].to_numpy()),
        }
    )


# --- 党建 ------------------------------------------------------------------------------------------

_ROAD = re.compile(r"^上海市闵行区(.+?(?:公路|大道|路|街))")
ACTIVITY_MIX = {
    "branch_meeting": 0.40,
    "party_lecture": 0.15,
    "theme_day": 0.30,
    "volunteer": 0.08,
    "study": 0.07,
}
#: Activities a year by kind of organisation.
ACTIVITY_RATE = {"bureau": 24.0, "two_new_enterprise": 8.0, "joint": 8.0, "two_new_social": 6.0}
ACTIVITY_YEARS = 2


def party(ctx: Ctx) -> None:
    """Party organisations: the bureau's branches, single-enterprise and joint organisations of
    non-public enterprises (两新组织), social-organisation branches; their covered enterprises and
    activities over the last two years."""
    rng = ctx.rng("party_org")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    st = ctx.hidden["station_codes"]
    until = ctx.until_day
    orgs: list[pd.DataFrame] = []
    short = [names.STREET_SHORT.get(n, n) for n in ctx.street_names]
    # The bureau: one branch per 所, per department, per brigade.
    off = ctx.tables["office"]
    n_off = len(off)
    street_of = dict(zip(st, ctx.street_codes, strict=True))
    orgs.append(
        pd.DataFrame(
            {
                "name": [f"{n}党支部" for n in off["name"]],
                "kind": "bureau",
                "street_code": [street_of.get(c) for c in off["code"]],
                "e": -1,
                "office_code": off["code"].to_numpy(),
                "members": rng.integers(8, 36, n_off),
                "established": day_of(date(2014, 12, 1)) + rng.integers(0, 120, n_off),
            }
        )
    )
    active = h["active"].to_numpy()
    etype = h["type"].to_numpy()
    lo = h["lo"].to_numpy()
    ent_street = h["street_idx"].to_numpy()
    capital = pd.to_numeric(ent["registered_capital"], errors="coerce").fillna(0).to_numpy(float)
    ent_ok = active & (etype == "enterprise")
    # Single-enterprise organisations: larger and older enterprises (≥ 3 party members to set one up).
    w = ent_ok * np.log1p(capital) * np.clip((until - lo) / 365, 0.5, 20) ** 0.5
    own = weighted_sample(rng, w, ctx.n(6_000, 8))
    est_own = np.minimum(lo[own] + 180 + rng.exponential(3 * 365, len(own)).astype(np.int64), until - 1)
    names_own = ent["name"].to_numpy()[own]
    orgs.append(
        pd.DataFrame(
            {
                "name": [f"{x}党支部" for x in names_own],
                "kind": "two_new_enterprise",
                "street_code": ctx.street_codes[ent_street[own]],
                "e": own,
                "office_code": None,
                "members": np.minimum(3 + rng.lognormal(1.6, 0.8, len(own)).astype(np.int64), 300),
                "established": est_own,
            }
        )
    )
    # Joint organisations (联合党支部): several small enterprises of one street and road.
    taken = np.zeros(len(ent), bool)
    taken[own] = True
    n_joint = ctx.n(1_200, 3)
    free = np.flatnonzero(ent_ok & ~taken)
    anchor = free[rng.permutation(len(free))[:n_joint]]
    addr = ent["address"].to_numpy()
    road = np.array([(m.group(1) if (m := _ROAD.match(a)) else "") for a in addr[anchor]], dtype=object)
    joint_rows, joint_members = [], []
    pool_by_street = {
        s: np.flatnonzero(ent_ok & ~taken & (ent_street == s)) for s in range(len(ctx.street_codes))
    }
    k_all = np.minimum(3 + rng.poisson(14, len(anchor)), 60)
    for j, (a, k) in enumerate(zip(anchor, k_all, strict=True)):
        if taken[a]:  # already a member of an earlier joint organisation
            continue
        s = ent_street[a]
        pool = pool_by_street[s]
        pool = pool[~taken[pool]]
        others = pool[rng.permutation(len(pool))[: k - 1]] if len(pool) else pool[:0]
        members = np.r_[a, others[others != a]]
        taken[members] = True
        est = int(
            min(max(lo[members].max() + 30, day_of(date(2016, 1, 1))) + rng.integers(0, 900), until - 1)
        )
        label = f"{road[j]}沿线" if road[j] else f"第{j + 1}"
        joint_rows.append((f"{short[s]}{label}非公企业联合党支部", s, est))
        joint_members.append(members)
    if joint_rows:
        js = np.array([r[1] for r in joint_rows])
        # Several joint branches may share a road: number them.
        nm = pd.Series([r[0] for r in joint_rows])
        dup = nm.groupby(nm).cumcount().to_numpy()
        nm = np.where(
            dup > 0,
            nm.str.replace("联合党支部", "", regex=False) + "第" + (dup + 1).astype(str) + "联合党支部",
            nm,
        )
        orgs.append(
            pd.DataFrame(
                {
                    "name": nm,
                    "kind": "joint",
                    "street_code": ctx.street_codes[js],
                    "e": -1,
                    "office_code": None,
                    "members": 3 + rng.poisson(9, len(joint_rows)),
                    "established": np.array([r[2] for r in joint_rows]),
                }
            )
        )
    # Social organisations (社会组织): the associations and street-level social-organisation branches.
    n_social = ctx.n(400, 2)
    s_idx = rng.choice(len(ctx.street_codes), n_social, p=ctx.street_weight)
    kinds = choose(
        rng, ["社会组织服务中心", "社区公益服务社", "行业商会", "民办非企业单位", "志愿者协会"], n_social
    )
    social_names = [f"闵行区{a[0]}党支部" for a in ASSOCIATIONS]
    social_names += [f"{short[s]}{k}联合党支部" for s, k in zip(s_idx, kinds, strict=True)]
    social_names = pd.Series(social_names[: n_social + len(ASSOCIATIONS)])
    dup = social_names.groupby(social_names).cumcount().to_numpy()
    social_names = np.where(dup > 0, social_names + "（" + (dup + 1).astype(str) + "）", social_names)
    m = len(social_names)
    s_all = np.r_[np.full(len(ASSOCIATIONS), -1), s_idx][:m]
    orgs.append(
        pd.DataFrame(
            {
                "name": social_names,
                "kind": "two_new_social",
                "street_code": np.where(s_all >= 0, ctx.street_codes[np.maximum(s_all, 0)], None),
                "e": -1,
                "office_code": None,
                "members": 3 + rng.poisson(6, m),
                "established": until - 200 - rng.integers(0, 3000, m),
            }
        )
    )
    org = pd.concat(orgs, ignore_index=True)
    org["id"] = np.arange(1, len(org) + 1)
    e = org["e"].to_numpy()
    ctx.tables["party_org"] = pd.DataFrame(
        {
            "id": org["id"].to_numpy(),
            "name": org["name"].to_numpy(),
            "kind": org["kind"].to_numpy(),
            "street_code": org["street_code"].to_numpy(),
            "uscc": np.where(e >= 0, ent["uscc"].to_numpy()[np.maximum(e, 0)], None),
            "office_code": org["office_code"].to_numpy(),
            "members": org["members"].to_numpy(),
            "established_on": to_date(org["established"].to_numpy()),
        }
    )
    # Coverage: a single-enterprise organisation covers its own enterprise; a joint one its members.
    own_ids = org.loc[org["kind"] == "two_new_enterprise", "id"].to_numpy()
    joint_ids = org.loc[org["kind"] == "joint", "id"].to_numpy()
    mem_org = np.r_[own_ids, np.repeat(joint_ids, [len(x) for x in joint_members]).astype(np.int64)]
    mem_e = np.r_[own, np.concatenate(joint_members) if joint_members else np.empty(0, np.int64)].astype(
        np.int64
    )
    est_of = dict(zip(org["id"], org["established"], strict=True))
    joined = np.maximum(np.array([est_of[o] for o in mem_org], dtype=np.int64), lo[mem_e] + 30)
    joined = np.minimum(joined, until)
    ctx.tables["party_org_member"] = (
        pd.DataFrame({"org_id": mem_org, "uscc": ent["uscc"].to_numpy()[mem_e], "joined_on": to_date(joined)})
        .sort_values(["org_id", "uscc"], kind="stable")
        .reset_index(drop=True)
    )
    _activities(ctx, org)


def _activities(ctx: Ctx, org: pd.DataFrame) -> None:
    rng = ctx.rng("party_activity")
    first = ctx.until_day - 365 * ACTIVITY_YEARS
    begin = np.maximum(org["established"].to_numpy() + 7, first)
    span = np.maximum(ctx.until_day + 1 - begin, 0)
    rate = org["kind"].map(ACTIVITY_RATE).to_numpy(float)
    k = rng.poisson(rate * span / 365.25)
    rows = np.repeat(np.arange(len(org)), k)
    held = begin[rows] + (rng.random(len(rows)) * span[rows]).astype(np.int64)
    # Meetings fall on workdays, mostly; theme days often on a Friday.
    wd = weekday(held)
    held = np.where(wd == 5, held - 1, np.where(wd == 6, held + 1, held))
    held = np.minimum(held, ctx.until_day)
    kind = allocate(rng, len(rows), ACTIVITY_MIX)
    members = org["members"].to_numpy()[rows]
    share = np.where(kind == "volunteer", rng.uniform(0.3, 0.8, len(rows)), rng.uniform(0.6, 1.0, len(rows)))
    participants = np.maximum(1, np.round(members * share)).astype(np.int64)
    order = np.lexsort((rows, held))
    ctx.tables["party_activity"] = pd.DataFrame(
        {
            "id": np.arange(1, len(rows) + 1),
            "org_id": org["id"].to_numpy()[rows][order],
            "held_on": to_date(held[order]),
            "kind": kind[order],
            "participants": participants[order],
        }
    )


# --- 重大事项保障 ---------------------------------------------------------------------------------

#: 国家会展中心（上海）, on the 虹桥/华漕 side of the district boundary.
NECC = ("国家会展中心（上海）", 121.2988, 31.1907)
#: The 中国国际进口博览会 editions (number, first day, last day).
CIIE = tuple(
    (n, date.fromisoformat(a), date.fromisoformat(b))
    for n, a, b in (
        (1, "2018-11-05", "2018-11-10"),
        (2, "2019-11-05", "2019-11-10"),
        (3, "2020-11-04", "2020-11-10"),
        (4, "2021-11-05", "2021-11-10"),
        (5, "2022-11-05", "2022-11-10"),
        (6, "2023-11-05", "2023-11-10"),
        (7, "2024-11-05", "2024-11-10"),
        (8, "2025-11-05", "2025-11-10"),
        (9, "2026-11-05", "2026-11-10"),
        (10, "2027-11-05", "2027-11-10"),
        (11, "2028-11-05", "2028-11-10"),
    )
)
_CN_NUM = "零一二三四五六七八九十"
#: Sites per kind at district scale: the divisions they are drawn from and the tier mix.
SITE_KINDS = {
    "venue": (6, {"72": 1.0, "88": 0.6, "89": 0.6}, {"high": 1.0}),
    "hotel": (36, {"61": 1.0}, {"high": 0.15, "medium": 0.60, "low": 0.25}),
    "kitchen": (110, {"62": 1.0}, {"high": 0.45, "medium": 0.45, "low": 0.10}),
    "supplier": (30, {"51": 1.0, "13": 0.5, "14": 0.8}, {"high": 0.20, "medium": 0.40, "low": 0.40}),
}
INTERVAL_HOURS = {"high": 2, "medium": 4, "low": 24}
#: Patrols start this many days before the event (前置保障) and run to its last day.
LEAD_DAYS = 3
#: Share of the active mission's sites whose latest patrol is overdue at the data time.
OVERDUE_SHARE = 0.07


def _edition_name(n: int) -> str:
    cn = _CN_NUM[n] if n <= 10 else "十" + _CN_NUM[n - 10]
    return f"第{cn}届中国国际进口博览会服务保障"


def missions(ctx: Ctx) -> None:
    """Assurance missions: past 进博会 editions in the window, and one active at the data time."""
    d = ctx.until
    active = next(((n, a, b) for n, a, b in CIIE if a - timedelta(days=LEAD_DAYS) <= d <= b), None)
    if active is not None:
        cur = (_edition_name(active[0]), active[1], active[2])
    else:
        cur = (
            f"{d.year}年{d.month}月国家会展中心（上海）重大展会服务保障",
            d - timedelta(days=2),
            d + timedelta(days=3),
        )
    rows = [
        (_edition_name(n), a, b)
        for n, a, b in CIIE
        if day_of(a) - LEAD_DAYS >= ctx.start_day and b < cur[1] - timedelta(days=LEAD_DAYS + 1)
    ]
    rows.append(cur)
    m = pd.DataFrame(rows, columns=["name", "starts_on", "ends_on"])
    m["id"] = np.arange(1, len(m) + 1)
    m["venue"], m["venue_lon"], m["venue_lat"] = NECC
    m["starts_on"] = pd.to_datetime(m["starts_on"]).dt.date
    m["ends_on"] = pd.to_datetime(m["ends_on"]).dt.date
    ctx.tables["assurance_mission"] = m[
        ["id", "name", "starts_on", "ends_on", "venue", "venue_lon", "venue_lat"]
    ]
    sites, patrols = [], []
    ent = ctx.tables["entity"]
    h = ctx.hidden["ent"]
    lon, lat = ent["lon"].to_numpy(float), ent["lat"].to_numpy(float)
    km = np.hypot((lon - NECC[1]) * 95.0, (lat - NECC[2]) * 111.0)
    near = np.exp(-np.nan_to_num(km, nan=99.0) / 2.5)
    # Hotels, kitchens and suppliers of a major event are mostly companies, not small shops.
    near = near * np.where(h["type"].to_numpy() == "enterprise", 3.0, 1.0)
    next_id = 1
    for mid, a, b in zip(m["id"], m["starts_on"], m["ends_on"], strict=True):
        srng = ctx.rng(f"assurance_site:{int(mid)}")
        s0, s1 = day_of(a), day_of(b)
        # Alive from the first patrol to the end of the mission (or the data time, if sooner).
        alive = (h["lo"].to_numpy() <= s0 - LEAD_DAYS) & (h["hi"].to_numpy() > min(s1, ctx.until_day))
        frames = []
        for kind, (count, divs, tiers) in SITE_KINDS.items():
            w = lookup(h["div"].to_numpy(), {int(k): v for k, v in divs.items()}) * alive * near
            idx = weighted_sample(
                srng, w, ctx.n(count, {"venue": 1, "hotel": 2, "kitchen": 5, "supplier": 2}[kind])
            )
            tier = allocate(srng, len(idx), tiers)
            frames.append(pd.DataFrame({"e": idx, "kind": kind, "tier": tier}))
        s = pd.concat(frames, ignore_index=True).drop_duplicates("e").reset_index(drop=True)
        s["id"] = np.arange(next_id, next_id + len(s))
        next_id += len(s)
        s["mission_id"] = mid
        s["interval"] = s["tier"].map(INTERVAL_HOURS).to_numpy()
        sites.append(s)
        patrols.append(_patrols(ctx, srng, s, s0, s1, is_current=mid == m["id"].iloc[-1]))
    s = pd.concat(sites, ignore_index=True)
    ctx.tables["assurance_site"] = pd.DataFrame(
        {
            "id": s["id"].to_numpy(),
            "mission_id": s["mission_id"].to_numpy(),
            "uscc": ent["uscc"].to_numpy()[s["e"].to_numpy()],
            "street_code": ctx.street_codes[h["street_idx"].to_numpy()[s["e"].to_numpy()]],
            "kind": s["kind"].to_numpy(),
            "risk_tier": s["tier"].to_numpy(),
            "patrol_interval_hours": s["interval"].to_numpy(),
        }
    )
    p = (
        pd.concat(patrols, ignore_index=True)
        .sort_values(["at", "site_id"], kind="stable")
        .reset_index(drop=True)
    )
    p["id"] = np.arange(1, len(p) + 1)
    p["at"] = to_instant(p["at"].to_numpy())
    ctx.tables["assurance_patrol"] = p[
        ["id", "site_id", "at", "staff_id", "result", "rapid_tests", "rapid_fails"]
    ]


def _patrols(ctx: Ctx, rng, s: pd.DataFrame, s0: int, s1: int, is_current: bool) -> pd.DataFrame:
    """Patrols of each site from ``LEAD_DAYS`` before the event to its end (or the data time):
    successive gaps of 75–100 % of the site's interval, so a site is overdue only where patrols stop."""
    h = ctx.hidden["ent"]
    begin = (s0 - LEAD_DAYS) * DAY + 8 * 3600
    end = min((s1 + 1) * DAY, ctx.cutoff_s)
    step = s["interval"].to_numpy() * 3600
    k = ((end - begin) // (0.75 * step)).astype(np.int64) + 2
    rows = np.repeat(np.arange(len(s)), k)
    gaps = rng.uniform(0.75, 1.0, len(rows)) * step[rows]
    first_at = begin + rng.integers(0, 1800, len(s))
    start_pos = np.cumsum(k) - k
    cum = np.cumsum(gaps)
    offset = cum - np.repeat(cum[start_pos] - gaps[start_pos], k) - gaps
    at = first_at[rows] + offset.astype(np.int64)
    keep = at <= end
    if is_current:
        # Some sites were missed lately: their patrols stop 1.2–2.5 intervals before the data time.
        n_late = max(1, round(len(s) * OVERDUE_SHARE))
        late = np.zeros(len(s), bool)
        late[rng.permutation(len(s))[:n_late]] = True
        stop = ctx.cutoff_s - (rng.uniform(1.2, 2.5, len(s)) * step).astype(np.int64)
        keep &= ~(late[rows] & (at > stop[rows]))
    rows, at = rows[keep], at[keep]
    office = ctx.office_of_street(h["street_idx"].to_numpy()[s["e"].to_numpy()])[rows]
    staff = _staff_for(ctx, rng, office)
    tier = s["tier"].to_numpy()[rows]
    kind = s["kind"].to_numpy()[rows]
    problem = rng.random(len(rows)) < np.where(tier == "high", 0.05, 0.03)
    tests = np.where(np.isin(kind, ["kitchen", "supplier"]), rng.poisson(2.0, len(rows)), 0)
    fails = rng.binomial(tests, 0.01)
    return pd.DataFrame(
        {
            "site_id": s["id"].to_numpy()[rows],
            "at": at,
            "staff_id": staff,
            "result": np.where(problem | (fails > 0), "problem", "normal"),
            "rapid_tests": tests,
            "rapid_fails": fails,
        }
    )


# --- 城运 ------------------------------------------------------------------------------------------

#: AI alarm kinds every one of which goes to the 城运 platform; the rest only when not rectified in a day.
ALARM_ALWAYS = ("rodent", "foreign_object", "entrapment", "over_temperature")
ALARM_ESCALATE = ("no_hat", "no_mask", "smoking", "phone")
#: Complaint categories of 12345 hot-line cases whose handling is fed back as a 城运 work order.
COMPLAINT_CATEGORIES = ("food", "drug", "special_equipment", "product_quality", "medical_device")
#: Handling limit (hours) by source; complaints keep their own due time.
LIMIT_HOURS = {"ai_alarm": 24, "warning_red": 72, "warning_orange": 168, "incident": 24}
RETURNED_SHARE = 0.03


def city_work_orders(ctx: Ctx) -> None:
    """一网统管 work orders made from the store's alarms, warnings, 12345 complaints and incidents."""
    rng = ctx.rng("city_work_order")
    ent = ctx.tables["entity"]
    cut = ctx.cutoff_s
    parts = []
    uscc_all = ent["uscc"].to_numpy()

    def sec(col: pd.Series) -> np.ndarray:
        v = col.to_numpy().astype("datetime64[s]")
        return np.where(np.isnat(v), -1, v.astype(np.int64))

    # AI and IoT alarms.
    al = ctx.hidden["alarm"]
    dev = ctx.hidden["device"].set_index("device_id")
    table = ctx.tables["device_alarm"]
    kind = al["kind"].to_numpy()
    fixed = al["fixed"].to_numpy()
    t = al["t"].to_numpy()
    late = (fixed < 0) | (fixed - t > DAY)
    pick = np.isin(kind, ALARM_ALWAYS) | (np.isin(kind, ALARM_ESCALATE) & late)
    a = al[pick]
    de = dev.loc[a["device_id"].to_numpy()]
    e = de["e"].to_numpy()
    always = np.isin(a["kind"].to_numpy(), ALARM_ALWAYS)
    created = np.where(always, a["t"].to_numpy() + rng.integers(60, 600, len(a)), a["t"].to_numpy() + DAY)
    alarm_label = {
        "no_hat": "未戴厨师帽",
        "no_mask": "未戴口罩",
        "smoking": "后厨抽烟",
        "phone": "后厨玩手机",
        "rodent": "后厨发现鼠患",
        "foreign_object": "发现异物",
        "over_temperature": "冷库温度超限",
        "entrapment": "电梯困人",
    }
    parts.append(
        pd.DataFrame(
            {
                "source": "ai_alarm",
                "source_id": table["id"].to_numpy()[pick].astype(str),
                "category": a["kind"].to_numpy(),
                "e": e,
                "street": de["street_idx"].to_numpy(),
                "lon": de["lon"].to_numpy(),
                "lat": de["lat"].to_numpy(),
                "title": cat(
                    ent["name"].to_numpy()[e].astype(STR),
                    "：",
                    pd.Series(a["kind"].to_numpy()).map(alarm_label).to_numpy().astype(STR),
                ),
                "t0": created,
                "res": np.where(a["fixed"].to_numpy() >= 0, a["fixed"].to_numpy(), -1),
                "due": created + LIMIT_HOURS["ai_alarm"] * 3600,
            }
        )
    )
    # Red and orange warnings.
    w = ctx.tables["warning"]
    wl = w[w["level"].isin(["red", "orange"])]
    we = _entity_rows(ent, wl["uscc"])
    street_idx = pd.Series(np.arange(len(ctx.street_codes)), index=ctx.street_codes)
    ws = street_idx.loc[wl["street_code"].to_numpy()].to_numpy()
    t0 = sec(wl["raised_at"]) + rng.integers(60, 900, len(wl))
    parts.append(
        pd.DataFrame(
            {
                "source": "warning",
                "source_id": wl["id"].to_numpy(),
                "category": wl["level"].to_numpy(),
                "e": we,
                "street": ws,
                "lon": np.where(
                    we >= 0, ent["lon"].to_numpy()[np.maximum(we, 0)], ctx.streets["lon"].to_numpy()[ws]
                ),
                "lat": np.where(
                    we >= 0, ent["lat"].to_numpy()[np.maximum(we, 0)], ctx.streets["lat"].to_numpy()[ws]
                ),
                "title": wl["title"].to_numpy(),
                "t0": t0,
                "res": sec(wl["closed_at"]),
                "due": t0
                + np.where(
                    wl["level"].to_numpy() == "red", LIMIT_HOURS["warning_red"], LIMIT_HOURS["warning_orange"]
                )
                * 3600,
            }
        )
    )
    # 12345 complaints and reports about safety categories.
    c = ctx.tables["complaint"]
    cs = c[
        (c["channel"] == "12345") & c["category"].isin(COMPLAINT_CATEGORIES) & (c["kind"] != "consultation")
    ]
    ce = _entity_rows(ent, cs["uscc"])
    cst = street_idx.loc[cs["street_code"].to_numpy()].to_numpy()
    cat_label = {
        "food": "食品",
        "drug": "药品",
        "special_equipment": "特种设备",
        "product_quality": "产品质量",
        "medical_device": "医疗器械",
    }
    subject = np.where(ce >= 0, ent["name"].to_numpy()[np.maximum(ce, 0)], "（未指明主体）")
    t0 = sec(cs["received_at"]) + rng.integers(300, 3600, len(cs))
    parts.append(
        pd.DataFrame(
            {
                "source": "complaint",
                "source_id": cs["id"].to_numpy(),
                "category": cs["category"].to_numpy(),
                "e": ce,
                "street": cst,
                "lon": cs["lon"].to_numpy(),
                "lat": cs["lat"].to_numpy(),
                "title": cat(
                    "12345",
                    pd.Series(cs["category"].to_numpy()).map(cat_label).to_numpy().astype(STR),
                    "诉求：",
                    subject.astype(STR),
                ),
                "t0": t0,
                "res": sec(cs["closed_at"]),
                "due": np.maximum(sec(cs["due_at"]), t0 + 3600),
            }
        )
    )
    # Every incident.
    inc = ctx.tables["incident"]
    ie = _entity_rows(ent, inc["uscc"])
    ist = street_idx.loc[inc["street_code"].to_numpy()].to_numpy()
    t0 = sec(inc["reported_at"]) + rng.integers(60, 600, len(inc))
    parts.append(
        pd.DataFrame(
            {
                "source": "incident",
                "source_id": inc["id"].to_numpy(),
                "category": inc["kind"].to_numpy(),
                "e": ie,
                "street": ist,
                "lon": inc["lon"].to_numpy(),
                "lat": inc["lat"].to_numpy(),
                "title": cat(
                    inc["id"].to_numpy().astype(STR),
                    "：",
                    pd.Series(inc["summary"].fillna("")).str.slice(0, 60).to_numpy().astype(STR),
                ),
                "t0": t0,
                "res": sec(inc["resolved_at"]),
                "due": t0 + LIMIT_HOURS["incident"] * 3600,
            }
        )
    )
    o = pd.concat(parts, ignore_index=True)
    o = o[o["t0"] <= cut].sort_values(["t0", "source", "source_id"], kind="stable").reset_index(drop=True)
    n = len(o)
    created = o["t0"].to_numpy()
    pushed = created + rng.integers(30, 300, n)
    pushed = np.where(rng.random(n) < 0.005, -1, pushed)  # the interface occasionally drops one
    accepted = pushed + np.maximum(60, rng.lognormal(np.log(25 * 60), 0.8, n)).astype(np.int64)
    returned = (pushed >= 0) & (rng.random(n) < RETURNED_SHARE)
    res = o["res"].to_numpy()
    own = accepted + np.maximum(600, rng.lognormal(np.log(6 * 3600), 1.0, n)).astype(np.int64)
    closed = np.where(res >= 0, np.maximum(res, accepted + 300), own)
    # Sources still open stay open; the rest close when the source closed.
    closed = np.where((res < 0) & (o["source"].to_numpy() != "ai_alarm"), cut + 1, closed)
    ok_p = (pushed >= 0) & (pushed <= cut)
    ok_a = ok_p & ~returned & (accepted <= cut)
    ok_c = ok_a & (closed <= cut)
    status = np.where(
        ok_c,
        "closed",
        np.where(
            ok_a, "accepted", np.where(ok_p & returned, "returned", np.where(ok_p, "pushed", "created"))
        ),
    )
    day = created // DAY
    seq = np.arange(n) - np.searchsorted(day, day) + 1
    ids = cat(
        "CY",
        np.strings.replace(np.datetime_as_string(day.astype("datetime64[D]")).astype(STR), "-", ""),
        digits(seq, 5),
    )
    e = o["e"].to_numpy().astype(np.int64)
    ctx.tables["city_work_order"] = pd.DataFrame(
        {
            "id": ids.astype(object),
            "source": o["source"].to_numpy(),
            "source_id": o["source_id"].to_numpy().astype(object),
            "category": o["category"].to_numpy(),
            "uscc": np.where(e >= 0, uscc_all[np.maximum(e, 0)], None),
            "street_code": ctx.street_codes[o["street"].to_numpy().astype(np.int64)],
            "lon": o["lon"].to_numpy(float),
            "lat": o["lat"].to_numpy(float),
            "title": pd.Series(o["title"].to_numpy()).astype(str).str.slice(0, 250).to_numpy(),
            "created_at": to_instant(created),
            "pushed_at": to_instant(np.where(ok_p, pushed, -1)),
            "accepted_at": to_instant(np.where(ok_a, accepted, -1)),
            "closed_at": to_instant(np.where(ok_c, closed, -1)),
            "due_at": to_instant(o["due"].to_numpy()),
            "status": status,
        }
    )


def _entity_rows(ent: pd.DataFrame, uscc: pd.Series) -> np.ndarray:
    """Row positions in the entity table of ``uscc`` values (−1 for null)."""
    pos = pd.Index(ent["uscc"]).get_indexer(uscc.to_numpy())
    return pos.astype(np.int64)


#: The recipes, in dependency order, for ``ingest.generate.STEPS``.
STEPS = (
    ("qr_scan", qr_scans),
    ("self_inspection", self_inspections),
    ("association", associations),
    ("mediation", mediations),
    ("commitment", commitments),
    ("party_org", party),
    ("assurance_mission", missions),
    ("city_work_order", city_work_orders),
)
