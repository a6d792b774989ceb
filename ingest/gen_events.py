"""综合监管, 投诉举报, 执法办案, 智能预警, 应急指挥 and 网络监管 recipes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest import names
from ingest.gen_common import (
    DAY,
    STR,
    Ctx,
    allocate,
    by_division,
    cat,
    choose,
    digits,
    festival_factor,
    fill_template,
    month_of,
    person_names,
    phones,
    to_date,
    to_instant,
    weekday,
    weighted_sample,
)
from ingest.gen_registry import pick_entities

HOUR_WEIGHTS = np.array(
    [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 6, 7, 6.5, 5, 5.5, 6.5, 6.5, 6, 5, 4, 3.5, 3, 2.5, 1.5, 0.8]
)


def _day_counts(
    rng: np.random.Generator, days: np.ndarray, per_year: float, weekend: float = 0.6, festival: float = 0.45
) -> np.ndarray:
    """Poisson counts per day averaging ``per_year``, with weekend and Spring Festival dips."""
    shape = np.where(weekday(days) >= 5, weekend, 1.0) * festival_factor(days, festival)
    lam = shape / shape.mean() * per_year / 365.25
    return rng.poisson(lam)


def _times_of_day(
    rng: np.random.Generator, days: np.ndarray, weights: np.ndarray = HOUR_WEIGHTS
) -> np.ndarray:
    hour = rng.choice(24, len(days), p=weights / weights.sum())
    return days * DAY + hour * 3600 + rng.integers(0, 3600, len(days))


def _staff_for(ctx: Ctx, rng: np.random.Generator, office: np.ndarray) -> np.ndarray:
    """A random field officer (inspector or enforcement) of each row's office."""
    st = ctx.tables["staff"]
    field = st[st["role"] != "manager"]
    out = np.zeros(len(office), dtype=np.int64)
    for code, grp in field.groupby("office_code"):
        rows = np.flatnonzero(office == code)
        if len(rows):
            out[rows] = grp["id"].to_numpy()[rng.integers(0, len(grp), len(rows))]
    return out


# --- 综合监管 --------------------------------------------------------------------------------


def inspections(ctx: Ctx) -> None:
    """双随机 tasks per 所 and quarter, special campaigns, monthly routine food inspections
    (≈ 1.13 per food business a year), plus complaint-triggered and non-site checks (added later)."""
    rng = ctx.rng("inspection")
    h = ctx.hidden["ent"]
    station = ctx.hidden["station_codes"]
    office_name = dict(zip(ctx.tables["office"]["code"], ctx.tables["office"]["name"], strict=True))
    street_idx = h["street_idx"].to_numpy()
    active = h["active"].to_numpy()
    etype = h["type"].to_numpy()
    risk = h["risk"].to_numpy()
    food_from = ctx.hidden["food_from"]
    until = ctx.until_day
    start = pd.Timestamp(ctx.start_day, unit="D")
    quarters = [d for d in pd.date_range(start, periods=21, freq="QS") if d <= pd.Timestamp(until, unit="D")]
    months = [d for d in pd.date_range(start, periods=62, freq="MS") if d <= pd.Timestamp(until, unit="D")]
    day = {d: int(np.datetime64(d.date(), "D").astype(np.int64)) for d in quarters + months}
    tasks, draws = [], []  # draws: (task_id, street, kind, planned days)
    for s in range(len(station)):
        in_street = street_idx == s
        n_ent = int((in_street & active & (etype != "individual")).sum())
        n_food = int((in_street & active & (food_from >= 0)).sum())
        # 双随机: ≈ 3 % of enterprises a year, weighted toward riskier credit (risk-weighted draw).
        per_q = max(1, round(0.03 * n_ent / 4))
        for q in quarters:
            tid = f"SS{q:%Y}Q{q.quarter}{station[s]}"
            name = f"{q:%Y}年第{q.quarter}季度{office_name[station[s]]}双随机抽查"
            seed = f"{rng.integers(0, 2**48):012x}"
            tasks.append((tid, name, station[s], "double_random", day[q], seed))
            draws.append((tid, s, "double_random", day[q] + rng.integers(5, 80, per_q)))
        # 1.12 a year per active licence holder (a few lapsed ones included): ≈ 1.13 done per valid licence.
        for m, k in zip(months, rng.poisson(1.12 * n_food / 12, len(months)), strict=True):
            if k:
                tid = f"RC{m:%Y%m}{station[s]}"
                tasks.append((tid, f"{m:%Y年%m月}食品经营日常检查", station[s], "routine", day[m], None))
                draws.append((tid, s, "routine", day[m] + rng.integers(0, 28, k)))
    # Special campaigns: four a year, each split over the 所.
    for y in range(start.year, pd.Timestamp(until, unit="D").year + 1):
        for j, title in enumerate(choose(rng, names.TASK_SPECIALS, 4)):
            begin = int(np.datetime64(f"{y}-{rng.integers(2, 11):02d}-01", "D").astype(np.int64))
            if ctx.start_day <= begin <= until:
                for s in range(len(station)):
                    k = max(1, ctx.n(25 * ctx.street_weight[s] * 14, 1))
                    tid = f"ZX{y}{j + 1:02d}{station[s]}"
                    tasks.append((tid, f"{y}年{title}", station[s], "special", begin, None))
                    draws.append((tid, s, "special", begin + rng.integers(0, 45, k)))
    task_frame = pd.DataFrame(tasks, columns=["task_id", "name", "office_code", "kind", "d", "seed"])
    task_frame = task_frame.drop_duplicates("task_id")
    plan = pd.DataFrame(
        {
            "task_id": np.repeat([d[0] for d in draws], [len(d[3]) for d in draws]),
            "s": np.repeat([d[1] for d in draws], [len(d[3]) for d in draws]),
            "kind": np.repeat([d[2] for d in draws], [len(d[3]) for d in draws]),
            "planned_d": np.minimum(np.concatenate([d[3] for d in draws]), until + 20),
        }
    )
    # One weighted draw per (所, kind): 双随机 among enterprises, routine among food businesses.
    e = np.full(len(plan), -1, dtype=np.int64)
    for (s, kind), rows in plan.groupby(["s", "kind"]).indices.items():
        in_street = street_idx == s
        if kind == "double_random":
            w = np.where(in_street & (etype != "individual"), np.sqrt(risk), 0.0)
        elif kind == "routine":
            w = np.where(in_street & (food_from >= 0), np.sqrt(risk), 0.0)
        else:
            w = np.where(in_street, np.sqrt(risk), 0.0)
        e[rows] = pick_entities(ctx, rng, plan["planned_d"].to_numpy()[rows] * DAY, w, margin_days=30)
    ins = plan.assign(e=e, office_code=station[plan["s"].to_numpy()])
    ins = ins[ins["e"] >= 0].drop(columns="s")
    # Planned counts are what was drawn: recount after dropping draws with no living entity.
    drawn = ins.groupby("task_id").size()
    task_frame = task_frame[task_frame["task_id"].isin(drawn.index)].copy()
    task_frame["planned_count"] = drawn.reindex(task_frame["task_id"]).to_numpy()
    task_frame["drawn_on"] = to_date(task_frame["d"].to_numpy())
    ctx.tables["inspection_task"] = task_frame[
        ["task_id", "name", "office_code", "kind", "planned_count", "drawn_on", "seed"]
    ].reset_index(drop=True)
    ctx.hidden["inspection_parts"] = [ins]


def _inspection_outcomes(ctx: Ctx, rng: np.random.Generator, ins: pd.DataFrame) -> pd.DataFrame:
    h = ctx.hidden["ent"]
    e = ins["e"].to_numpy()
    n = len(ins)
    planned = ins["planned_d"].to_numpy()
    done = planned + rng.integers(0, 20, n)
    never = (ins["kind"].to_numpy() == "double_random") & (rng.random(n) < 0.035)
    done = np.where(never | (done > ctx.until_day) | (done >= h["hi"].to_numpy()[e]), -1, done)
    risk = h["risk"].to_numpy()[e]
    p_prob = np.clip(0.10 * risk**0.7, 0.02, 0.7)
    prob = rng.random(n) < p_prob
    outcome = choose(
        rng,
        ["not_publicized", "unreachable", "ordered_to_rectify", "case_opened"],
        n,
        [0.18, 0.22, 0.50, 0.10],
    )
    # Food inspections find kitchens, not missing annual reports: their problems are rectification orders.
    outcome = np.where(
        (ins["kind"].to_numpy() == "routine") & np.isin(outcome, ["not_publicized", "unreachable"]),
        "ordered_to_rectify",
        outcome,
    )
    result = np.where(done < 0, None, np.where(prob, outcome, "normal"))
    return ins.assign(done_d=done, result=result)


def finish_inspections(ctx: Ctx) -> None:
    """Outcomes of every inspection (after complaint-triggered ones were added) and the table itself."""
    rng = ctx.rng("inspection.outcome")
    ins = pd.concat(ctx.hidden["inspection_parts"], ignore_index=True)
    ins = _inspection_outcomes(ctx, rng, ins)
    ins = ins.sort_values(["planned_d", "task_id", "e"], kind="stable", na_position="last").reset_index(
        drop=True
    )
    ins["id"] = np.arange(1, len(ins) + 1)
    ins["uscc"] = ctx.tables["entity"]["uscc"].to_numpy()[ins["e"].to_numpy()]
    ins["staff_id"] = _staff_for(ctx, rng, ins["office_code"].to_numpy())
    ins["planned_on"] = to_date(ins["planned_d"].to_numpy())
    ins["done_on"] = to_date(ins["done_d"].to_numpy())
    ctx.tables["inspection"] = ins[
        ["id", "task_id", "uscc", "office_code", "staff_id", "kind", "planned_on", "done_on", "result"]
    ]
    ctx.hidden["inspection"] = ins


# --- 投诉举报 --------------------------------------------------------------------------------

CATEGORY_SHARE = {
    "online_shopping": 0.20,
    "contract": 0.15,
    "food": 0.15,
    "product_quality": 0.12,
    "other": 0.12,
    "pricing": 0.08,
    "cosmetics": 0.03,
    "advertising": 0.03,
    "special_equipment": 0.025,
    "drug": 0.02,
    "licence": 0.02,
    "medical_device": 0.01,
}
# Month factors (Jan … Dec): 双11 in November and 618 in June for online shopping, summer for food.
SEASON = {
    "online_shopping": [1.0, 0.8, 0.9, 0.9, 1.0, 1.35, 1.0, 0.95, 0.95, 1.0, 2.3, 1.5],
    "food": [0.9, 0.85, 0.9, 0.95, 1.05, 1.3, 1.4, 1.35, 1.1, 0.95, 0.9, 0.9],
}
WITH_ENTITY = {
    "food": 0.75,
    "drug": 0.85,
    "cosmetics": 0.7,
    "medical_device": 0.7,
    "special_equipment": 0.75,
    "pricing": 0.75,
    "advertising": 0.6,
    "product_quality": 0.6,
    "contract": 0.75,
    "online_shopping": 0.45,
    "licence": 0.5,
    "other": 0.3,
}
CATEGORY_POOL = {  # divisions whose entities a complaint of the category is about (weight)
    "food": {"62": 3, "52": 1, "51": 0.3, "61": 0.5, "14": 0.2},
    "drug": {"52": 1},
    "cosmetics": {"52": 1, "80": 1.5},
    "medical_device": {"52": 1, "51": 0.5, "84": 0.3},
    "special_equipment": {"70": 3, "52": 0.3, "61": 0.3},
    "pricing": {"52": 2, "62": 1, "80": 1, "70": 0.5, "81": 0.6},
    "advertising": {"72": 1, "52": 1, "84": 1, "80": 0.5},
    "product_quality": {"52": 2, "51": 1, "18": 0.3, "38": 0.3, "39": 0.3},
    "contract": {"80": 2, "89": 2, "83": 2, "50": 1.5, "81": 1, "70": 0.6, "72": 0.5},
    "online_shopping": {"52": 1, "51": 0.6, "62": 0.8, "64": 0.3},
    "licence": {},
    "other": {},
}
DUE_DAYS = {"consultation": 3, "complaint": 21, "report": 30}


def complaints(ctx: Ctx) -> None:
    """100–150 thousand complaints a year, seasonal by category, fewer at weekends and at 春节."""
    rng = ctx.rng("complaint")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    days = np.arange(ctx.start_day, ctx.until_day + 1)
    month = month_of(days)
    years_back = (ctx.until_day - days) / 365.25
    growth = 1.05 ** (-years_back)
    base = np.where(weekday(days) >= 5, 0.6, 1.0) * festival_factor(days, 0.45) * growth
    per_year = ctx.n(125_000, 50)
    cats = list(CATEGORY_SHARE)
    lam = np.stack(
        [base * CATEGORY_SHARE[c] * np.asarray(SEASON.get(c, [1.0] * 12))[month - 1] for c in cats]
    )
    lam *= per_year * len(days) / 365.25 / lam.sum()
    counts = rng.poisson(lam)
    cat_idx = np.repeat(np.tile(np.arange(len(cats)), len(days)), counts.T.ravel())
    d = np.repeat(np.repeat(days, len(cats)), counts.T.ravel())
    t = _times_of_day(rng, d)
    keep = t <= ctx.cutoff_s
    t, cat_idx = t[keep], cat_idx[keep]
    order = np.argsort(t, kind="stable")
    t, cat_idx = t[order], cat_idx[order]
    n = len(t)
    category = np.asarray(cats, dtype=object)[cat_idx]

    # The entity complained about: category pool × latent risk × the few hot spots.
    ind = h["industry"].to_numpy()
    div = h["div"].to_numpy()
    e = np.full(n, -1, dtype=np.int64)
    wants = rng.random(n) < np.array([WITH_ENTITY[c] for c in cats])[cat_idx]
    boost = ctx.hidden["complaint_boost"] * h["risk"].to_numpy()
    online = np.zeros(len(ind))
    online[ctx.hidden["online_e"]] = 3.0
    for ci, c in enumerate(cats):
        rows = np.flatnonzero((cat_idx == ci) & wants)
        if not len(rows):
            continue
        pool = CATEGORY_POOL[c]
        w = by_division(div, pool) if pool else np.full(len(ind), 0.05)
        if c == "online_shopping":
            w = w * 0.2 + online
        # Alive until the complaint is closed: closing is an event of the entity too.
        e[rows] = pick_entities(ctx, rng, t[rows], w * boost, margin_days=45)
    has = e >= 0
    street = np.where(has, h["street_idx"].to_numpy()[np.maximum(e, 0)], -1)
    street[~has] = rng.choice(len(ctx.street_codes), int((~has).sum()), p=ctx.street_weight)
    lon, lat = ctx.points(rng, street)
    lon = np.where(has, ent["lon"].to_numpy()[np.maximum(e, 0)], lon)
    lat = np.where(has, ent["lat"].to_numpy()[np.maximum(e, 0)], lat)

    channel = choose(
        rng,
        ["12345", "12315", "web", "letter", "12348", "12319", "12328"],
        n,
        [0.46, 0.38, 0.09, 0.015, 0.015, 0.02, 0.02],
    )
    kind = choose(rng, ["complaint", "report", "consultation"], n, [0.68, 0.17, 0.15])
    kind = np.where(category == "licence", choose(rng, ["consultation", "report"], n, [0.7, 0.3]), kind)

    # Handling: due dates by kind; on time ≈ 98.4 %; a few rejected (不予受理).
    due_span = np.select([kind == k for k in DUE_DAYS], list(DUE_DAYS.values())) * DAY
    med = np.where(kind == "consultation", 0.4, np.where(kind == "complaint", 5.0, 9.0)) * DAY
    dur = rng.lognormal(np.log(med), 0.8).astype(np.int64)
    late = rng.random(n) < 0.016
    dur = np.where(
        late,
        due_span + rng.integers(3600, 10 * DAY, n),
        np.clip(dur, 900, due_span - rng.integers(60, 6 * 3600, n)),
    )
    rejected = (kind != "consultation") & (rng.random(n) < 0.03)
    dur = np.where(rejected, rng.integers(4 * 3600, 5 * DAY, n), dur)
    closed = t + dur
    is_closed = closed <= ctx.cutoff_s
    age = ctx.cutoff_s - t
    status = np.where(
        is_closed,
        np.where(rejected, "rejected", "closed"),
        np.where(age < 4 * 3600, "received", np.where(age < 2 * DAY, "accepted", "in_progress")),
    )
    # Satisfaction (回访): a quarter give no feedback; late handling and contract disputes please less.
    p_sat = np.where(late, 0.55, np.where(category == "contract", 0.85, 0.905))
    satisfied = np.where(rng.random(n) < p_sat, True, False).astype(object)
    satisfied[(~is_closed) | rejected | (rng.random(n) < 0.25)] = None
    money = np.isin(
        category, ["contract", "online_shopping", "product_quality", "pricing", "food", "cosmetics"]
    )
    amount = np.where(
        money & (kind == "complaint") & is_closed & ~rejected & (rng.random(n) < 0.45),
        np.round(rng.lognormal(np.log(260), 1.2, n), 2),
        np.nan,
    )
    anonymous = rng.random(n) < 0.08
    name = np.where(anonymous, None, person_names(rng, n).astype(object))
    phone = np.where(anonymous, None, phones(rng, n).astype(object))

    summary = _summaries(ctx, rng, category, e)
    day = t // DAY
    seq = np.arange(n) - np.searchsorted(day, day)
    ids = cat(
        "TS",
        np.datetime_as_string(day.astype("datetime64[D]")).astype(STR),
        digits(seq + 1, 5),
    )
    ids = np.strings.replace(ids, "-", "")
    frame = pd.DataFrame(
        {
            "id": ids.astype(object),
            "channel": channel,
            "kind": kind,
            "category": category,
            "received_at": to_instant(t),
            "uscc": np.where(has, ent["uscc"].to_numpy()[np.maximum(e, 0)], None),
            "street_code": ctx.street_codes[street],
            "lon": lon,
            "lat": lat,
            "office_code": ctx.office_of_street(street),
            "summary": summary.astype(object),
            "complainant_name": name,
            "complainant_phone": phone,
            "status": status,
            "due_at": to_instant(t + due_span),
            "closed_at": to_instant(np.where(is_closed, closed, -1)),
            "satisfied": satisfied,
            "amount_recovered": amount,
        }
    )
    ctx.tables["complaint"] = frame
    ctx.hidden["complaint"] = pd.DataFrame(
        {
            "t": t,
            "e": e,
            "kind": kind,
            "street": street,
            "due": t + due_span,
            "closed": np.where(is_closed, closed, -1),
        }
    )


def _summaries(ctx: Ctx, rng: np.random.Generator, category: np.ndarray, e: np.ndarray) -> np.ndarray:
    n = len(category)
    ent_names = ctx.tables["entity"]["name"].to_numpy()
    generic = choose(rng, ["某商家", "一家门店", "某网店", "附近一家店铺", "某公司"], n)
    slots = {
        "shop": np.where(e >= 0, ent_names[np.maximum(e, 0)], generic).astype(STR),
        "amount": digits(np.round(rng.lognormal(np.log(800), 1.0, n))),
        **{k: choose(rng, v, n).astype(STR) for k, v in names.SLOTS.items()},
    }
    out = np.empty(n, dtype=object)
    for c, templates in names.COMPLAINT_TEMPLATES.items():
        rows = np.flatnonzero(category == c)
        if not len(rows):
            continue
        tid = rng.integers(0, len(templates), len(rows))
        out[rows] = fill_template(tid, templates, {k: np.asarray(v)[rows] for k, v in slots.items()})
    return out


def complaint_inspections(ctx: Ctx) -> None:
    """Reports about a named entity trigger an on-site check within days (no task)."""
    rng = ctx.rng("inspection.complaint")
    c = ctx.hidden["complaint"]
    h = ctx.hidden["ent"]
    sel = c[(c["e"] >= 0) & (c["kind"] == "report")]
    sel = sel[rng.random(len(sel)) < 0.35]
    planned = sel["t"].to_numpy() // DAY + rng.integers(1, 4, len(sel))
    e = sel["e"].to_numpy()
    ok = (planned < h["hi"].to_numpy()[e]) & (planned <= ctx.until_day)
    parts = [
        pd.DataFrame(
            {
                "task_id": None,
                "kind": "complaint_triggered",
                "office_code": ctx.office_of_street(sel["street"].to_numpy()[ok]),
                "e": e[ok],
                "planned_d": planned[ok],
            }
        )
    ]
    # 非现场监管: remote checks through kitchen cameras.
    dev = ctx.hidden["device"]
    cams = dev[dev["kind"] == "kitchen_camera"]
    days = np.arange(ctx.start_day, ctx.until_day + 1)
    d = np.repeat(days, _day_counts(rng, days, ctx.n(3_000, 10), weekend=0.1))
    pick = rng.integers(0, len(cams), len(d))
    ok = d >= cams["inst_d"].to_numpy()[pick]
    ce = cams["e"].to_numpy()[pick][ok]
    ok2 = d[ok] < h["hi"].to_numpy()[ce]
    parts.append(
        pd.DataFrame(
            {
                "task_id": None,
                "kind": "non_site",
                "office_code": ctx.office_of_street(h["street_idx"].to_numpy()[ce][ok2]),
                "e": ce[ok2],
                "planned_d": d[ok][ok2],
            }
        )
    )
    ctx.hidden["inspection_parts"].extend(parts)


# --- 执法办案 --------------------------------------------------------------------------------

STAGES = (
    "opened",
    "investigation",
    "legal_review",
    "prior_notice",
    "hearing",
    "decision",
    "served",
    "executed",
    "closed",
)
CAUSE_BY_SOURCE = {
    "inspection": {
        "food_safety": 0.35,
        "product_quality": 0.15,
        "unlicensed": 0.15,
        "special_equipment": 0.1,
        "pricing": 0.08,
        "other": 0.17,
    },
    "complaint": {
        "consumer_rights": 0.3,
        "pricing": 0.2,
        "food_safety": 0.2,
        "product_quality": 0.15,
        "advertising": 0.1,
        "other": 0.05,
    },
    "referral": {
        "trademark": 0.3,
        "food_safety": 0.2,
        "unlicensed": 0.2,
        "product_quality": 0.15,
        "other": 0.15,
    },
    "online_monitoring": {"advertising": 0.55, "pricing": 0.15, "trademark": 0.1, "consumer_rights": 0.2},
    "non_site": {"food_safety": 0.7, "other": 0.3},
}
FINE_SCALE = {
    "food_safety": 1.0,
    "product_quality": 1.3,
    "pricing": 1.4,
    "advertising": 2.2,
    "unlicensed": 0.5,
    "trademark": 2.0,
    "special_equipment": 1.5,
    "consumer_rights": 0.8,
    "other": 0.8,
}


def cases(ctx: Ctx) -> None:
    """≈ 3,000 general-procedure cases a year from inspections, complaints, referrals and monitoring."""
    rng = ctx.rng("case_file")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    ins = ctx.hidden["inspection"]
    comp = ctx.hidden["complaint"]
    per_year = ctx.n(3_000, 20)
    years = (ctx.until_day - ctx.start_day + 1) / 365.25
    total = round(per_year * years)
    src_n = {
        "inspection": 0.35,
        "complaint": 0.30,
        "referral": 0.15,
        "online_monitoring": 0.12,
        "non_site": 0.08,
    }
    hi = h["hi"].to_numpy()
    parts = []
    # From inspections that found grounds for a case.
    found = ins[(ins["result"] == "case_opened")]
    k = min(len(found), round(total * src_n["inspection"]))
    f = found.iloc[rng.permutation(len(found))[:k]]
    parts.append(
        pd.DataFrame(
            {
                "e": f["e"].to_numpy(),
                "opened": f["done_d"].to_numpy() + rng.integers(0, 7, k),
                "source": "inspection",
                "office": f["office_code"].to_numpy(),
            }
        )
    )
    # From complaints and reports naming an entity.
    cc = comp[comp["e"] >= 0]
    k = min(len(cc), round(total * src_n["complaint"]))
    w = h["risk"].to_numpy()[cc["e"].to_numpy()] * np.where(cc["kind"].to_numpy() == "report", 3.0, 1.0)
    c = cc.iloc[weighted_sample(rng, w, k)]
    parts.append(
        pd.DataFrame(
            {
                "e": c["e"].to_numpy(),
                "opened": c["t"].to_numpy() // DAY + rng.integers(5, 30, k),
                "source": "complaint",
                "office": ctx.office_of_street(c["street"].to_numpy()),
            }
        )
    )
    # Referrals, online monitoring and non-site findings: risk-weighted over the window's workdays.
    days = np.arange(ctx.start_day, ctx.until_day + 1)
    for src in ("referral", "online_monitoring", "non_site"):
        k = round(total * src_n[src])
        d = np.repeat(days, _day_counts(rng, days, k / years, weekend=0.05))
        w = h["risk"].to_numpy() ** 1.2 * (h["type"].to_numpy() != "cooperative")
        if src == "non_site":
            w = w * (ctx.hidden["food_from"] >= 0)
        e = pick_entities(ctx, rng, d * DAY, w, margin_days=150)
        ok = e >= 0
        parts.append(
            pd.DataFrame(
                {
                    "e": e[ok],
                    "opened": d[ok],
                    "source": src,
                    "office": ctx.office_of_street(h["street_idx"].to_numpy()[e[ok]]),
                }
            )
        )
    cs = pd.concat(parts, ignore_index=True)
    # Workday openings; the entity must be alive for the whole case (no events after its end).
    cs["opened"] = np.where(weekday(cs["opened"].to_numpy()) >= 5, cs["opened"] + 2, cs["opened"])
    cs = cs[(cs["opened"] <= ctx.until_day) & (cs["opened"] >= ctx.start_day)]
    n = len(cs)
    # The brigade takes about a third of the cases; the 所 of the entity's street the rest.
    brig = rng.random(n) < 0.3
    cs["office"] = np.where(
        brig, choose(rng, ["DD01", "DD02", "DD03"], n, [0.6, 0.3, 0.1]), cs["office"].to_numpy()
    )
    cs["cause"] = _causes(rng, cs["source"].to_numpy())
    ev = _stage_times(rng, n)
    opened_s = cs["opened"].to_numpy() * DAY + 9 * 3600 + rng.integers(0, 8 * 3600, n)
    at = opened_s[:, None] + ev
    # The entity must outlive the case (cases of entities alive at the cut-off may still be open).
    closed_d = at[:, -1] // DAY
    ent_hi = hi[cs["e"].to_numpy()]
    ok = (ent_hi > ctx.until_day) | (closed_d < ent_hi)
    cs, at, ev = cs[ok].reset_index(drop=True), at[ok], ev[ok]
    n = len(cs)
    reached = (ev >= 0) & (at <= ctx.cutoff_s)
    stage_idx = np.where(reached, np.arange(len(STAGES)), -1).max(axis=1)
    cs = cs.assign(stage=np.asarray(STAGES, dtype=object)[stage_idx])
    dec = at[:, STAGES.index("decision")]
    decided = reached[:, STAGES.index("decision")]
    closed = reached[:, -1]
    cause = cs["cause"].to_numpy()
    fine = np.round(rng.lognormal(np.log(6_000), 1.3, n) * np.array([FINE_SCALE[c] for c in cause]), -2)
    fine = np.where(rng.random(n) < 0.005, fine * 60, fine)
    fine = np.where(rng.random(n) < 0.08, 0.0, fine)
    conf = np.where(rng.random(n) < 0.22, np.round(rng.lognormal(np.log(3_000), 1.4, n), 2), 0.0)
    no_penalty = ev[:, STAGES.index("decision")] < 0
    fine = np.where(decided & ~no_penalty, fine, np.nan)
    conf = np.where(decided & ~no_penalty, conf, np.nan)
    police = rng.random(n) < 0.015
    opened_d = cs["opened"].to_numpy()
    year = opened_d.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    order = np.lexsort((opened_d, year))
    seq = np.empty(n, dtype=np.int64)
    yr_sorted = year[order]
    seq[order] = np.arange(n) - np.searchsorted(yr_sorted, yr_sorted) + 1
    case_no = cat("沪市监闵处〔", digits(year), "〕", digits(seq, 5), "号")
    law = np.empty(n, dtype=object)
    for c in np.unique(cause):
        r = np.flatnonzero(cause == c)
        law[r] = choose(rng, names.LAW_ARTICLES[c], len(r))
    frame = (
        pd.DataFrame(
            {
                "case_no": case_no.astype(object),
                "uscc": ent["uscc"].to_numpy()[cs["e"].to_numpy()],
                "office_code": cs["office"].to_numpy(),
                "source": cs["source"].to_numpy(),
                "cause": cause,
                "law_article": law,
                "opened_on": to_date(opened_d),
                "stage": cs["stage"].to_numpy(),
                "decided_on": to_date(np.where(decided & ~no_penalty, dec // DAY, -1)),
                "closed_on": to_date(np.where(closed, at[:, -1] // DAY, -1)),
                "fine_amount": fine,
                "confiscation_amount": conf,
                "transferred_to_police": police,
            }
        )
        .iloc[np.argsort(opened_d, kind="stable")]
        .reset_index(drop=True)
    )
    ctx.tables["case_file"] = frame
    rows, cols = np.nonzero(reached)
    ev_frame = pd.DataFrame(
        {
            "case_no": case_no.astype(object)[rows],
            "stage": np.asarray(STAGES, dtype=object)[cols],
            "at": to_instant(at[rows, cols]),
        }
    )
    ctx.tables["case_stage_event"] = ev_frame.sort_values("at", kind="stable").reset_index(drop=True)
    ctx.hidden["case"] = pd.DataFrame(
        {
            "e": cs["e"].to_numpy(),
            "opened": opened_d,
            "closed": np.where(closed, at[:, -1] // DAY, -1),
            "case_no": case_no.astype(object),
            "office": cs["office"].to_numpy(),
        }
    )


def _causes(rng, source: np.ndarray) -> np.ndarray:
    out = np.empty(len(source), dtype=object)
    for s, mix in CAUSE_BY_SOURCE.items():
        r = np.flatnonzero(source == s)
        out[r] = choose(rng, list(mix), len(r), list(mix.values()))
    return out


def _stage_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds from opening to each stage (−1 = stage skipped); ≈ 4.5 % of cases run past 90 days."""
    gaps = np.zeros((n, len(STAGES)))
    gaps[:, 1] = rng.uniform(0.2, 5, n)  # investigation starts
    gaps[:, 2] = rng.lognormal(np.log(22), 0.35, n)  # investigation → legal review
    gaps[:, 3] = rng.uniform(3, 12, n)  # prior notice
    hearing = rng.random(n) < 0.06
    gaps[:, 4] = np.where(hearing, rng.uniform(5, 15, n), 0)
    gaps[:, 5] = rng.uniform(3, 12, n)  # decision
    gaps[:, 6] = rng.uniform(1, 5, n)  # served
    gaps[:, 7] = rng.uniform(3, 20, n)  # executed
    gaps[:, 8] = rng.uniform(1, 6, n)  # closed
    # Ordinary cases stay inside the 90-day limit (the investigation is what gives); ≈ 4.5 % run over.
    shrink = np.clip(gaps.sum(axis=1) - rng.uniform(45, 88, n), 0, None)
    gaps[:, 2] = np.maximum(gaps[:, 2] - shrink, 3)
    long_case = rng.random(n) < 0.045
    gaps[:, 2] += np.where(long_case, np.clip(rng.uniform(93, 170, n) - gaps.sum(axis=1), 0, None), 0)
    cum = np.cumsum(gaps, axis=1)
    # Cases dropped without a penalty (不予处罚/撤销立案): closed after the investigation.
    dropped = rng.random(n) < 0.08
    secs = (cum * DAY).astype(np.int64)
    secs[:, 4] = np.where(hearing, secs[:, 4], -1)
    secs[dropped, 2:8] = -1
    secs[dropped, 8] = ((cum[dropped, 1] + rng.uniform(10, 40, int(dropped.sum()))) * DAY).astype(np.int64)
    return secs


# --- 智能预警 --------------------------------------------------------------------------------

RULES = (
    ("R01", "食品抽检不合格", "食品安全", "orange", "food_sampling.result = 'fail' → 结果回传后预警（主体）"),
    (
        "R02",
        "投诉短期激增",
        "投诉举报",
        "orange",
        "count(complaint where uscc = X and received_at within 30 days) >= 5",
    ),
    (
        "R03",
        "特种设备超期未检",
        "特种设备",
        "yellow",
        "equipment.status = 'in_use' and next_inspection_due < today",
    ),
    (
        "R04",
        "冷库温度超标",
        "远程监控",
        "red",
        "device_reading.metric = 'temperature' and value > -15 (冷库传感器)",
    ),
    (
        "R05",
        "后厨AI违规频发",
        "远程监控",
        "yellow",
        "count(device_alarm where device = X and kind in "
        "(no_hat, no_mask, smoking, phone, rodent, foreign_object) within 7 days) >= 3",
    ),
    (
        "R06",
        "食品经营许可证即将到期",
        "登记许可",
        "blue",
        "licence.kind = 'food_business' and licence.status = 'valid' and expires_on - today <= 30",
    ),
    (
        "R07",
        "严重违法失信主体持证经营",
        "信用监管",
        "red",
        "credit_list.list = 'serious_illegal_dishonest' and removed_on is null and exists valid licence",
    ),
    ("R08", "电梯困人", "特种设备", "red", "device_alarm.kind = 'entrapment'"),
    (
        "R09",
        "监控设备离线超24小时",
        "远程监控",
        "blue",
        "device.status in (offline, fault) and now - last_seen_at > 24h",
    ),
    (
        "R10",
        "投诉举报逾期未办结",
        "投诉举报",
        "orange",
        "complaint.closed_at > due_at or (closed_at is null and now > due_at)",
    ),
    (
        "R11",
        "案件办理超90天",
        "执法办案",
        "yellow",
        "case_file.closed_on is null and today - opened_on > 90, or closed_on - opened_on > 90",
    ),
    (
        "R12",
        "集中登记地址异常",
        "登记许可",
        "blue",
        "count(entity where address = A and status = 'active') >= 20",
    ),
    ("R13", "违法广告高风险线索", "网络监管", "orange", "ad_hit.risk_level = 'high'"),
    (
        "R14",
        "经营异常主体仍持有效许可",
        "信用监管",
        "yellow",
        "credit_list.list = 'abnormal_operation' and removed_on is null and exists valid licence",
    ),
    (
        "R15",
        "群体性投诉",
        "投诉举报",
        "red",
        "count(complaint where uscc = X and received_at within 7 days) >= 10",
    ),
    (
        "R16",
        "不合格食品核查处置超期",
        "食品安全",
        "orange",
        "food_sampling.result = 'fail' and followed_up_on is null and today - sampled_on > 15",
    ),
)


def warning_rules(ctx: Ctx) -> None:
    """The rule catalogue (rules as data: a readable condition per rule)."""
    frame = pd.DataFrame(RULES, columns=["rule_id", "name", "theme", "level", "condition"])
    frame["enabled"] = True
    ctx.tables["warning_rule"] = frame


def _crossings(keys: np.ndarray, t: np.ndarray, window: int | None, threshold: int) -> np.ndarray:
    """Positions of the events at which the count of same-key events within the trailing ``window``
    seconds (``None``: ever) equals ``threshold`` — where a counting rule fires."""
    if not len(t):
        return np.empty(0, dtype=np.int64)
    codes = pd.factorize(keys)[0].astype(np.int64)
    rel = np.asarray(t, dtype=np.int64) - int(np.min(t))
    order = np.lexsort((rel, codes))
    codes, rel = codes[order], rel[order]
    if window is None:
        first = np.searchsorted(codes, codes)
        count = np.arange(len(codes)) - first + 1
    else:
        # One sortable int64 per (key, time) pair; the gap between keys exceeds any window.
        span = int(rel.max()) + window + 1
        comb = codes * span + rel
        count = np.arange(len(comb)) - np.searchsorted(comb, comb - window + 1) + 1
    return order[count == threshold]


def warnings(ctx: Ctx) -> None:
    """Warnings raised by the rules from the generated events; the newest are mostly still open."""
    rng = ctx.rng("warning")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    cutoff = ctx.cutoff_s
    lo_s = ctx.start_day * DAY
    parts = []

    def add(rule, e, t, street=None, title=None):
        e = np.asarray(e, dtype=np.int64)
        t = np.asarray(t, dtype=np.int64)
        if street is None:
            street = h["street_idx"].to_numpy()[np.maximum(e, 0)]
        parts.append(
            pd.DataFrame(
                {"rule": rule, "e": e, "t": t, "street": np.asarray(street, dtype=np.int64), "title": title}
            )
        )

    fs = ctx.tables["food_sampling"]
    se = ctx.hidden["sampling_e"]
    fail = fs["result"].to_numpy() == "fail"
    sd = fs["sampled_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
    add("R01", se[fail], sd[fail] * DAY + rng.integers(5, 10, int(fail.sum())) * DAY + 10 * 3600)
    unfollowed = fail & fs["followed_up_on"].isna().to_numpy()
    add("R16", se[unfollowed], (sd[unfollowed] + 16) * DAY + 8 * 3600)
    comp = ctx.hidden["complaint"]
    ce = comp[comp["e"] >= 0]
    pos = _crossings(ce["e"].to_numpy(), ce["t"].to_numpy(), 30 * DAY, 5)
    add("R02", ce["e"].to_numpy()[pos], ce["t"].to_numpy()[pos] + 600)
    pos = _crossings(ce["e"].to_numpy(), ce["t"].to_numpy(), 7 * DAY, 10)
    add("R15", ce["e"].to_numpy()[pos], ce["t"].to_numpy()[pos] + 300)
    late = (comp["closed"].to_numpy() > comp["due"].to_numpy()) | (
        (comp["closed"].to_numpy() < 0) & (comp["due"].to_numpy() < cutoff)
    )
    lc = comp[late]
    add("R10", lc["e"].to_numpy(), lc["due"].to_numpy() + 60, street=lc["street"].to_numpy())
    eq = ctx.hidden["equipment"]
    due = ctx.tables["equipment"]["next_inspection_due"].to_numpy().astype("datetime64[D]").astype(np.int64)
    od = (eq["status"].to_numpy() == "in_use") & (due < ctx.until_day)
    add(
        "R03",
        eq["e"].to_numpy()[od],
        (due[od] + 1) * DAY + 7 * 3600,
        street=eq["street_idx"].to_numpy()[od],
        title=cat(eq["equipment_code"].to_numpy()[od].astype(STR), "：特种设备超期未检"),
    )
    dev = ctx.hidden["device"]
    al = ctx.hidden["alarm"]
    dev_e = dict(zip(dev["device_id"], dev["e"], strict=True))
    dev_s = dict(zip(dev["device_id"], dev["street_idx"], strict=True))
    for rule, kinds, delay in (("R04", ["over_temperature"], 600), ("R08", ["entrapment"], 120)):
        a = al[al["kind"].isin(kinds)]
        add(
            rule,
            a["device_id"].map(dev_e).to_numpy(),
            a["t"].to_numpy() + delay,
            street=a["device_id"].map(dev_s).to_numpy(),
        )
    ai = al[al["kind"].isin(list(AI_KINDS))]
    pos = _crossings(ai["device_id"].to_numpy(), ai["t"].to_numpy(), 7 * DAY, 3)
    add("R05", ai["device_id"].map(dev_e).to_numpy()[pos], ai["t"].to_numpy()[pos] + 300)
    off = dev[dev["status"].isin(["offline", "fault"]) & (dev["last_seen_s"] < cutoff - DAY)]
    add(
        "R09",
        off["e"].to_numpy(),
        off["last_seen_s"].to_numpy() + DAY,
        street=off["street_idx"].to_numpy(),
        title=cat(off["device_id"].to_numpy().astype(STR), "：监控设备离线超24小时"),
    )
    lic = ctx.hidden["licence"]
    fl = lic[lic["kind"] == "food_business"]
    add("R06", fl["e"].to_numpy(), (fl["expires_d"].to_numpy() - 30) * DAY + 8 * 3600)
    cl = ctx.hidden["credit_list"]
    valid_holders = set(lic.loc[lic["status"] == "valid", "e"])
    for rule, lst in (("R07", "serious_illegal_dishonest"), ("R14", "abnormal_operation")):
        x = cl[(cl["list"] == lst) & cl["e"].isin(valid_holders) & (cl["removed_d"] < 0)]
        add(rule, x["e"].to_numpy(), x["listed_d"].to_numpy() * DAY + 9 * 3600)
    cs = ctx.hidden["case"]
    long_ = (cs["closed"].to_numpy() - cs["opened"].to_numpy() > 90) | (
        (cs["closed"].to_numpy() < 0) & (ctx.until_day - cs["opened"].to_numpy() > 90)
    )
    x = cs[long_]
    add(
        "R11",
        x["e"].to_numpy(),
        (x["opened"].to_numpy() + 91) * DAY + 8 * 3600,
        title=cat(x["case_no"].to_numpy().astype(STR), "：案件办理超90天"),
    )
    # 集中登记地址: the day the 20th living entity registered at one address.
    addr = ent["address"].to_numpy()
    est = h["lo"].to_numpy()
    alive = h["active"].to_numpy()
    pos = _crossings(addr[alive], est[alive] * DAY, None, 20)
    ea = np.flatnonzero(alive)[pos]
    add("R12", ea, est[ea] * DAY + 10 * 3600, title=cat(addr[ea].astype(STR), "：集中登记地址异常"))
    ad = ctx.hidden["ad_hit"]
    hi_ad = ad[(ad["risk"] == "high")]
    add(
        "R13",
        hi_ad["e"].to_numpy(),
        hi_ad["t"].to_numpy() + 3600,
        street=np.where(
            hi_ad["e"].to_numpy() >= 0,
            h["street_idx"].to_numpy()[np.maximum(hi_ad["e"].to_numpy(), 0)],
            hi_ad["street"].to_numpy(),
        ),
    )

    w = pd.concat(parts, ignore_index=True)
    w = w[(w["t"] >= lo_s) & (w["t"] <= cutoff)]
    # A warning about an entity is an event of that entity: none after its end.
    has_e = w["e"].to_numpy() >= 0
    w = w[~has_e | (w["t"].to_numpy() < h["hi"].to_numpy()[np.maximum(w["e"].to_numpy(), 0)] * DAY)]
    w = w.sort_values(["t", "rule"], kind="stable").reset_index(drop=True)
    n = len(w)
    rules = ctx.tables["warning_rule"].set_index("rule_id")
    level = rules.loc[w["rule"], "level"].to_numpy()
    t = w["t"].to_numpy()
    speed = np.select([level == "red", level == "orange", level == "yellow"], [0.3, 1.0, 2.0], 3.0)
    handled = t + (rng.lognormal(np.log(2 * 3600), 0.9, n) * speed).astype(np.int64)
    closed = handled + (rng.lognormal(np.log(2 * DAY), 0.9, n) * speed).astype(np.int64)
    stuck = rng.random(n) < 0.01
    closed = np.where(stuck, cutoff + 1, closed)
    # Most closed warnings are verified (已核查) within days; some wait for the next review round.
    verified = np.where(rng.random(n) < 0.85, closed + rng.integers(DAY, 10 * DAY, n), cutoff + 1)
    status = np.where(
        handled > cutoff,
        "pending",
        np.where(closed > cutoff, "handling", np.where(verified <= cutoff, "verified", "closed")),
    )
    e = w["e"].to_numpy()
    has_e = e >= 0
    ent_name = ent["name"].to_numpy()[np.maximum(e, 0)]
    rule_name = rules.loc[w["rule"], "name"].to_numpy()
    default_title = np.where(
        has_e,
        cat(ent_name.astype(STR), "：", rule_name.astype(STR)),
        cat(ctx.street_names[w["street"].to_numpy()].astype(STR), "：", rule_name.astype(STR)),
    )
    title = np.where(w["title"].isna().to_numpy(), default_title.astype(object), w["title"].to_numpy())
    day = t // DAY
    seq = np.arange(n) - np.searchsorted(day, day) + 1
    ids = cat(
        "YJ",
        np.strings.replace(np.datetime_as_string(day.astype("datetime64[D]")).astype(STR), "-", ""),
        digits(seq, 5),
    )
    ctx.tables["warning"] = pd.DataFrame(
        {
            "id": ids.astype(object),
            "rule_id": w["rule"].to_numpy(),
            "level": level,
            "uscc": np.where(has_e, ent["uscc"].to_numpy()[np.maximum(e, 0)], None),
            "street_code": ctx.street_codes[w["street"].to_numpy()],
            "raised_at": to_instant(t),
            "title": title,
            "status": status,
            "office_code": ctx.office_of_street(w["street"].to_numpy()),
            "handled_at": to_instant(np.where(handled <= cutoff, handled, -1)),
            "closed_at": to_instant(np.where(closed <= cutoff, closed, -1)),
        }
    )


AI_KINDS = ("no_hat", "no_mask", "smoking", "phone", "rodent", "foreign_object")


# --- 网络监管 --------------------------------------------------------------------------------


def ad_hits(ctx: Ctx) -> None:
    """互联网智能感知: advertising-monitoring hits, pushed to the 所 and handled."""
    rng = ctx.rng("ad_hit")
    h = ctx.hidden["ent"]
    days = np.arange(ctx.start_day, ctx.until_day + 1)
    d = np.repeat(days, _day_counts(rng, days, ctx.n(8_000, 20), weekend=0.9, festival=0.9))
    t = _times_of_day(rng, d, np.ones(24))
    t = t[t <= ctx.cutoff_s]
    t.sort()
    n = len(t)
    ind = h["industry"].to_numpy()
    w = np.where(np.isin(ind, ["72", "52", "84", "80", "27", "14"]), 1.0, 0.05) * h["risk"].to_numpy()
    e = np.where(rng.random(n) < 0.7, pick_entities(ctx, rng, t, w), -1)
    risk = allocate(rng, n, {"high": 0.12, "medium": 0.33, "low": 0.55})
    handled = t + rng.lognormal(np.log(3 * DAY), 0.8, n).astype(np.int64)
    taken = t + rng.integers(3600, DAY, n)
    status = np.where(
        handled <= ctx.cutoff_s, "handled", np.where(taken <= ctx.cutoff_s, "handling", "pushed")
    )
    street = np.where(
        e >= 0,
        h["street_idx"].to_numpy()[np.maximum(e, 0)],
        rng.choice(len(ctx.street_codes), n, p=ctx.street_weight),
    )
    ctx.tables["ad_hit"] = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "uscc": np.where(e >= 0, ctx.tables["entity"]["uscc"].to_numpy()[np.maximum(e, 0)], None),
            "detected_at": to_instant(t),
            "media": choose(rng, names.AD_MEDIA, n, [0.15, 0.2, 0.25, 0.2, 0.05, 0.1, 0.05]),
            "risk_level": risk,
            "status": status,
            "handled_at": to_instant(np.where(status == "handled", handled, -1)),
        }
    )
    ctx.hidden["ad_hit"] = pd.DataFrame({"e": e, "t": t, "risk": risk, "street": street})


# --- 应急指挥 --------------------------------------------------------------------------------

INCIDENT_MIX = {
    "elevator_entrapment": 0.40,
    "food_poisoning": 0.15,
    "mass_complaint": 0.15,
    "equipment_accident": 0.10,
    "product_safety": 0.10,
    "public_opinion": 0.10,
}
INCIDENT_POOL = {
    "food_poisoning": {"62": 3, "83": 2, "85": 1},
    "equipment_accident": {"34": 1, "59": 1, "54": 1},
    "mass_complaint": {"80": 1, "89": 1, "83": 1},
    "product_safety": {"52": 1},
    "public_opinion": {"62": 1, "52": 1},
    "elevator_entrapment": {"70": 1},
}


def resources(ctx: Ctx) -> None:
    """Emergency resources placed at the offices: teams and vehicles per 所, experts, labs, drones."""
    rng = ctx.rng("resource")
    st = ctx.streets
    rows = []
    hq = int(np.flatnonzero(ctx.street_names == "莘庄镇")[0]) if "莘庄镇" in ctx.street_names else 0
    for s, code in enumerate(ctx.hidden["station_codes"]):
        short = names.STREET_SHORT.get(ctx.street_names[s], ctx.street_names[s])
        rows += [
            ("enforcement_team", f"{short}所执法一组", code, s),
            ("enforcement_team", f"{short}所执法二组", code, s),
            ("vehicle", f"{short}所执法车1号", code, s),
            ("vehicle", f"{short}所执法车2号", code, s),
        ]
        if s % 3 == 0:
            rows.append(("drone", f"{short}所无人机", code, s))
    for i in range(12):
        rows.append(
            (
                "expert",
                f"{choose(rng, ['食品安全', '特种设备', '药品', '产品质量'], 1)[0]}专家"
                f"{person_names(rng, 1)[0]}",
                "KS04" if i % 2 else "KS07",
                hq,
            )
        )
    rows += [
        ("lab", "闵行区食品药品检验所", "KS04", hq),
        ("lab", "特种设备检测实验室", "KS07", hq),
        ("lab", "快检车（移动实验室）", "DD02", hq),
        ("drone", "执法大队无人机1号", "DD01", hq),
        ("drone", "执法大队无人机2号", "DD01", hq),
        ("vehicle", "执法大队指挥车", "DD01", hq),
        ("enforcement_team", "执法大队机动队", "DD01", hq),
    ]
    frame = pd.DataFrame(rows, columns=["kind", "name", "office_code", "s"])
    n = len(frame)
    # Resources stand at their office: the 街镇 centre, a few hundred metres apart.
    centre_lon = st["lon"].to_numpy()[frame["s"].to_numpy()]
    centre_lat = st["lat"].to_numpy()[frame["s"].to_numpy()]
    lon = np.round(centre_lon + rng.normal(0, 0.001, n), 6)
    lat = np.round(centre_lat + rng.normal(0, 0.001, n), 6)
    import shapely

    inside = shapely.contains_xy(np.asarray(st.geometry)[frame["s"].to_numpy()], lon, lat)
    lon, lat = np.where(inside, lon, centre_lon), np.where(inside, lat, centre_lat)
    frame["id"] = [f"ZY{i + 1:04d}" for i in range(n)]
    frame["lon"], frame["lat"] = lon, lat
    frame["status"] = allocate(rng, n, {"available": 0.85, "off_duty": 0.15})
    frame["updated_at"] = to_instant(ctx.cutoff_s - rng.integers(0, 6 * 3600, n))
    # The table is completed by ``incidents``: resources out on an open incident are busy.
    ctx.hidden["resource"] = frame[
        ["id", "kind", "name", "office_code", "lon", "lat", "status", "updated_at"]
    ]


def incidents(ctx: Ctx) -> None:
    """Incidents I–IV (I and II rare) over the window, a couple still open at the cut-off, with dispatches."""
    rng = ctx.rng("incident")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    days = np.arange(ctx.start_day, ctx.until_day + 1)
    d = np.repeat(days, _day_counts(rng, days, ctx.n(160, 8), weekend=0.9, festival=0.8))
    t = _times_of_day(rng, d)
    # The last day holds a few incidents still being handled, so the command screens have work on them.
    recent = np.sort(ctx.cutoff_s - rng.integers(5 * 60, 3 * 3600, max(2, ctx.n(3, 2))))
    t = np.r_[np.sort(t[t <= ctx.cutoff_s - DAY]), recent]
    n = len(t)
    kind = allocate(rng, n, INCIDENT_MIX)
    level = allocate(rng, n, {"I": 0.005, "II": 0.025, "III": 0.12, "IV": 0.85})
    e = np.full(n, -1, dtype=np.int64)
    for k, pool in INCIDENT_POOL.items():
        rows = np.flatnonzero((kind == k) & (rng.random(n) < 0.85))
        w = by_division(h["div"].to_numpy(), pool) * h["risk"].to_numpy()
        e[rows] = pick_entities(ctx, rng, t[rows], w, margin_days=2)
    has = e >= 0
    street = np.where(
        has,
        h["street_idx"].to_numpy()[np.maximum(e, 0)],
        rng.choice(len(ctx.street_codes), n, p=ctx.street_weight),
    )
    lon, lat = ctx.points(rng, street)
    lon = np.where(has, ent["lon"].to_numpy()[np.maximum(e, 0)], lon)
    lat = np.where(has, ent["lat"].to_numpy()[np.maximum(e, 0)], lat)
    resolve = t + (
        rng.lognormal(np.log(3 * 3600), 0.8, n) * np.select([level == "I", level == "II"], [4, 2], 1)
    ).astype(np.int64)
    resolve[n - len(recent) :] = ctx.cutoff_s + rng.integers(3600, 8 * 3600, len(recent))
    dispatched = t + rng.integers(3 * 60, 20 * 60, n)
    arrived = dispatched + rng.integers(10 * 60, 45 * 60, n)
    closed_ok = resolve + 2 * DAY <= ctx.cutoff_s
    status = np.where(
        resolve <= ctx.cutoff_s,
        np.where(closed_ok, "closed", "resolved"),
        np.where(
            arrived <= ctx.cutoff_s, "on_site", np.where(dispatched <= ctx.cutoff_s, "dispatched", "reported")
        ),
    )
    slots = {
        "shop": np.where(has, ent["name"].to_numpy()[np.maximum(e, 0)], "某单位"),
        "road": choose(rng, names.SLOTS["road"], n),
        "n": digits(rng.integers(2, 30, n)),
    }
    summary = np.empty(n, dtype=object)
    for k, tpls in names.INCIDENT_SUMMARIES.items():
        rows = np.flatnonzero(kind == k)
        summary[rows] = fill_template(
            rng.integers(0, len(tpls), len(rows)),
            tpls,
            {a: np.asarray(b)[rows] for a, b in slots.items()},
        ).astype(object)
    ids = np.array([f"SJ{i + 1:06d}" for i in range(n)], dtype=object)
    ctx.tables["incident"] = pd.DataFrame(
        {
            "id": ids,
            "kind": kind,
            "level": level,
            "reported_at": to_instant(t),
            "street_code": ctx.street_codes[street],
            "lon": lon,
            "lat": lat,
            "uscc": np.where(has, ent["uscc"].to_numpy()[np.maximum(e, 0)], None),
            "status": status,
            "resolved_at": to_instant(np.where(resolve <= ctx.cutoff_s, resolve, -1)),
            "summary": summary,
        }
    )
    _dispatches(ctx, rng, ids, street, level, status, dispatched, arrived, resolve)


def _dispatches(ctx: Ctx, rng, ids, street, level, status, dispatched, arrived, resolve) -> None:
    res = ctx.hidden["resource"]
    station = ctx.hidden["station_codes"]
    cutoff = ctx.cutoff_s
    rows = []
    went = np.flatnonzero(status != "reported")
    duty = ctx.tables["staff"]
    duty = duty[duty["office_code"] == "KS14"]["name"].to_numpy()
    if not len(duty):
        duty = ctx.tables["staff"]["name"].to_numpy()
    res_ids = res["id"].to_numpy()
    by_office = {code: np.flatnonzero(res["office_code"].to_numpy() == code) for code in station}
    district = np.flatnonzero(res["office_code"].isin(["DD01", "KS04", "KS07"]).to_numpy())
    for i in went:
        # The 所 of the street sends one to three of its own; big incidents also get district resources.
        local = by_office[station[street[i]]]
        k = 1 + int(rng.integers(0, 2)) + (level[i] in ("I", "II", "III"))
        chosen = local[rng.permutation(len(local))[:k]]
        if level[i] in ("I", "II"):
            chosen = np.r_[chosen, district[rng.permutation(len(district))[:2]]]
        for r in chosen:
            officer = duty[rng.integers(len(duty))]
            rows.append((ids[i], res_ids[r], dispatched[i], arrived[i], resolve[i], officer))
    dp = pd.DataFrame(rows, columns=["incident_id", "resource_id", "d", "a", "f", "dispatched_by"])
    dp["id"] = [f"DP{i + 1:06d}" for i in range(len(dp))]
    dp["dispatched_at"] = to_instant(dp["d"].to_numpy())
    dp["arrived_at"] = to_instant(np.where(dp["a"].to_numpy() <= cutoff, dp["a"].to_numpy(), -1))
    dp["finished_at"] = to_instant(np.where(dp["f"].to_numpy() <= cutoff, dp["f"].to_numpy(), -1))
    ctx.tables["dispatch"] = dp[
        ["id", "incident_id", "resource_id", "dispatched_at", "arrived_at", "finished_at", "dispatched_by"]
    ]
    # Resources still out on an open incident are busy since their dispatch.
    res = res.copy()
    out = dp[dp["f"].to_numpy() > cutoff].groupby("resource_id")["d"].max()
    busy = res["id"].isin(out.index).to_numpy()
    res.loc[busy, "status"] = "busy"
    res.loc[busy, "updated_at"] = to_instant(res.loc[busy, "id"].map(out).to_numpy().astype(np.int64))
    ctx.tables["resource"] = res
