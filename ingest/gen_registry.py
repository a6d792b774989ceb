"""登记许可 and reference recipes: offices, staff, entities and their changes, licences, credit lists,
honours, IP rights and online stores.

Each recipe takes the run context, adds its table to ``ctx.tables`` and, where later recipes need
them, hidden per-row facts to ``ctx.hidden`` (an entity's latent risk, its life span, its street).
"""

from __future__ import annotations

from pathlib import Path

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
    person_names,
    phones,
    pick_alive,
    split_counts,
    to_date,
    uscc_codes,
    weekday,
    weighted_sample,
)

GEODATA = Path(__file__).resolve().parent.parent / "data_access" / "geodata"
EPOCH_1985 = day_of(pd.Timestamp("1985-01-01").date())
TRADE = np.array(list(dict.fromkeys(names.TRADE_CHARS)), dtype=STR)

# Section mix of new entities by type (GB/T 4754 sections; S and T hold no market entities).
SECTION_MIX = {
    "enterprise": {
        "F": 0.28,
        "L": 0.17,
        "M": 0.15,
        "C": 0.07,
        "I": 0.06,
        "E": 0.05,
        "H": 0.045,
        "O": 0.035,
        "G": 0.035,
        "K": 0.025,
        "R": 0.025,
        "P": 0.012,
        "J": 0.008,
        "Q": 0.006,
        "N": 0.006,
        "D": 0.004,
        "A": 0.003,
    },
    "branch": {
        "F": 0.35,
        "H": 0.15,
        "J": 0.08,
        "K": 0.08,
        "L": 0.12,
        "O": 0.06,
        "G": 0.06,
        "M": 0.05,
        "P": 0.03,
        "Q": 0.02,
    },
    "individual": {"F": 0.48, "H": 0.27, "O": 0.17, "G": 0.02, "R": 0.02, "L": 0.02, "Q": 0.01, "M": 0.01},
    "cooperative": {"A": 1.0},
}
# Division weights inside a section where the uniform default would mislead.
DIVISION_MIX = {
    "F": {"51": 0.55, "52": 0.45},
    "H": {"61": 0.12, "62": 0.88},
    "I": {"63": 0.05, "64": 0.45, "65": 0.5},
    "L": {"71": 0.1, "72": 0.9},
    "M": {"73": 0.15, "74": 0.4, "75": 0.45},
    "O": {"80": 0.45, "81": 0.3, "82": 0.25},
    "G": {"54": 0.5, "58": 0.3, "59": 0.15, "60": 0.05},
    "J": {"67": 0.4, "68": 0.3, "69": 0.3},
    "C": {
        "13": 0.03,
        "14": 0.04,
        "15": 0.01,
        "17": 0.02,
        "18": 0.05,
        "23": 0.03,
        "26": 0.05,
        "27": 0.04,
        "29": 0.08,
        "33": 0.1,
        "34": 0.14,
        "35": 0.12,
        "36": 0.05,
        "38": 0.09,
        "39": 0.09,
        "40": 0.04,
        "41": 0.02,
    },
    "A": {"01": 0.7, "03": 0.05, "04": 0.15, "05": 0.1},
}
INDIVIDUAL_DIVISION = {"F": {"52": 0.9, "51": 0.1}, "H": {"62": 0.97, "61": 0.03}}


def _divisions() -> dict[str, list[str]]:
    ref = pd.read_csv(GEODATA / "industry_sections.csv", dtype=str)
    out = {}
    for sec, rng_ in zip(ref["section"], ref["divisions"], strict=True):
        bounds = [int(x) for x in rng_.split("-")]
        out[sec] = [f"{d:02d}" for d in range(bounds[0], bounds[-1] + 1)]
    return out


def offices(ctx: Ctx) -> None:
    """14 市场监管所 (one per 街镇), the bureau's departments and its enforcement brigades."""
    st = ctx.streets
    station_codes = np.array([f"SJ{c[6:9]}" for c in st["code"]], dtype=object)
    ctx.hidden["station_codes"] = station_codes
    rows = [
        pd.DataFrame(
            {
                "code": station_codes,
                "name": [f"{names.STREET_SHORT.get(n, n)}市场监管所" for n in st["name"]],
                "kind": "station",
                "street_code": st["code"].to_numpy(dtype=object),
            }
        ),
        pd.DataFrame(
            {
                "code": [f"KS{i + 1:02d}" for i in range(len(names.DEPARTMENTS))],
                "name": list(names.DEPARTMENTS),
                "kind": "department",
                "street_code": None,
            }
        ),
        pd.DataFrame(
            {
                "code": [f"DD{i + 1:02d}" for i in range(len(names.BRIGADES))],
                "name": list(names.BRIGADES),
                "kind": "brigade",
                "street_code": None,
            }
        ),
    ]
    ctx.tables["office"] = pd.concat(rows, ignore_index=True)


def staff(ctx: Ctx) -> None:
    """Staff of every office: stations are the front line, departments hold managers and inspectors."""
    rng = ctx.rng("staff")
    off = ctx.tables["office"]
    per = np.where(
        off["kind"] == "station", ctx.n(40, 6), np.where(off["kind"] == "brigade", ctx.n(30, 4), ctx.n(8, 2))
    )
    office_code = np.repeat(off["code"].to_numpy(dtype=object), per)
    kind = np.repeat(off["kind"].to_numpy(dtype=object), per)
    n = len(office_code)
    role = np.where(
        kind == "brigade",
        "enforcement",
        choose(rng, ["inspector", "enforcement", "manager"], n, [0.55, 0.35, 0.10]),
    )
    # Every office has at least one manager and, outside departments, one certified enforcer.
    first = np.r_[0, np.cumsum(per)[:-1]]
    role[first] = "manager"
    role[first + 1] = np.where(kind[first + 1] == "department", "inspector", "enforcement")
    certified = np.where(role == "enforcement", True, rng.random(n) < 0.8)
    ctx.tables["staff"] = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "name": person_names(rng, n).astype(object),
            "office_code": office_code,
            "role": role,
            "certified": certified,
        }
    )


def _shift_to_workday(rng: np.random.Generator, days: np.ndarray, keep: float = 0.08) -> np.ndarray:
    """Move most weekend dates to the neighbouring Friday or Monday (offices register on workdays)."""
    wd = weekday(days)
    move = (wd >= 5) & (rng.random(len(days)) > keep)
    back = np.where(wd == 5, -1, -2)
    fwd = np.where(wd == 5, 2, 1)
    return np.where(move, days + np.where(rng.random(len(days)) < 0.5, back, fwd), days)


def entities(ctx: Ctx) -> None:
    """The market entities: types, statuses and life spans, industries, names, addresses, points."""
    rng = ctx.rng("entity")
    n_all = ctx.n(450_000, 200)
    n_act = ctx.n(330_000, 150)
    n_in = n_all - n_act
    coop = max(0.0005, 3 / n_act)
    act_type = allocate(
        rng,
        n_act,
        {"enterprise": 0.75, "individual": 0.2255 - coop + 0.0005, "branch": 0.024, "cooperative": coop},
    )
    in_type = allocate(
        rng, n_in, {"enterprise": 0.50, "individual": 0.47, "branch": 0.029, "cooperative": 0.001}
    )
    etype = np.r_[act_type, in_type]
    status = np.r_[
        np.full(n_act, "active", dtype=object),
        allocate(rng, n_in, {"cancelled": 0.82, "revoked": 0.13, "moved_out": 0.05}),
    ]
    until = ctx.until_day

    # Life spans. Active: age ~ exponential (younger for individual businesses). Inactive: the
    # status change falls mostly inside the five-year window, the life before it is a few years.
    mean_age = np.where(etype == "individual", 5.0, 8.5) * 365
    age = np.minimum(rng.exponential(mean_age[:n_act]), 38 * 365).astype(np.int64)
    est_act = until - age
    in_window = rng.random(n_in) < 0.85
    changed = np.where(
        in_window,
        rng.integers(ctx.start_day, until + 1, n_in),
        ctx.start_day - rng.exponential(2 * 365, n_in).astype(np.int64),
    )
    changed = np.maximum(changed, EPOCH_1985 + 400)
    changed = np.minimum(_shift_to_workday(rng, changed), until)
    life = (rng.exponential(np.where(etype[n_act:] == "individual", 3.0, 4.5) * 365) + 60).astype(np.int64)
    est_in = np.maximum(changed - life, EPOCH_1985)
    est = np.r_[est_act, est_in]
    # Registrations: workdays, and fewer over the Spring Festival holiday.
    fest = festival_factor(est) < 1
    est = np.where(fest & (rng.random(n_all) < 0.6), est + 11, est)
    est = np.minimum(_shift_to_workday(rng, est), until)
    est[n_act:] = np.minimum(est[n_act:], changed - 30)
    status_changed = np.r_[np.full(n_act, -1), changed]

    # Streets (exact shares) and industries.
    street_idx = allocate(rng, n_all, pd.Series(ctx.street_weight, index=range(len(ctx.street_weight))))
    street_idx = street_idx.astype(np.int64)
    divs = _divisions()
    industry = np.empty(n_all, dtype=object)
    section = np.empty(n_all, dtype=object)
    for t, mix in SECTION_MIX.items():
        rows = np.flatnonzero(etype == t)
        sec = choose(rng, list(mix), len(rows), list(mix.values()))
        section[rows] = sec
        for s in np.unique(sec):
            r = rows[sec == s]
            dmix = (INDIVIDUAL_DIVISION.get(s) if t == "individual" else None) or DIVISION_MIX.get(s)
            if dmix is None:
                dmix = {d: 1.0 for d in divs[s]}
            industry[r] = choose(rng, list(dmix), len(r), list(dmix.values()))

    # Latent risk: heavy-tailed, higher for individual shops and catering, highest for the revoked.
    risk = rng.lognormal(0.0, 1.0, n_all)
    risk *= np.where(etype == "individual", 1.25, np.where(etype == "branch", 0.8, 1.0))
    risk *= np.where(section == "H", 1.4, 1.0) * np.where(industry == "52", 1.2, 1.0)
    risk *= np.where(status == "revoked", 3.0, 1.0)

    name = _entity_names(rng, etype, section, industry, street_idx, ctx)
    address, lon, lat = _addresses(ctx, rng, etype, street_idx)
    capital = _capital(rng, etype)
    rep = person_names(rng, n_all).astype(object)
    rep_phone = phones(rng, n_all).astype(object)
    recent = est >= day_of(pd.Timestamp("2015-10-01").date())
    type_char = np.where(etype == "individual", "2", np.where(etype == "cooperative", "3", "1"))
    uscc = uscc_codes(rng, type_char.astype(object), recent)

    frame = pd.DataFrame(
        {
            "uscc": uscc,
            "name": name,
            "entity_type": etype,
            "industry_code": industry,
            "registered_capital": capital,
            "established_on": to_date(est),
            "status": status,
            "status_changed_on": to_date(status_changed),
            "address": address,
            "street_code": ctx.street_codes[street_idx],
            "lon": lon,
            "lat": lat,
            "legal_rep_name": rep,
            "legal_rep_phone": rep_phone,
        }
    )
    # Rows in key order: the store's primary-key index then loads as appends.
    order = np.argsort(uscc.astype("U18"), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    ctx.tables["entity"] = frame
    hi = np.where(status_changed < 0, until + 1, status_changed)
    ctx.hidden["ent"] = pd.DataFrame(
        {
            "risk": risk[order],
            "lo": est[order],
            "hi": hi[order],
            "street_idx": street_idx[order],
            "section": section[order],
            "industry": industry[order],
            "div": industry[order].astype(STR).astype(np.int64),
            "type": etype[order],
            "active": (status == "active")[order],
        }
    )
    _hotspots(ctx)


def _hotspots(ctx: Ctx) -> None:
    """A few active entities (prepaid-card gyms, training schools, big stores) attract many complaints."""
    rng = ctx.rng("entity.hotspots")
    h = ctx.hidden["ent"]
    eligible = h["active"].to_numpy() & h["industry"].isin(["52", "80", "89", "83", "62", "64"]).to_numpy()
    idx = weighted_sample(rng, eligible.astype(float), ctx.n(60, 4))
    boost = np.ones(len(h))
    boost[idx] = rng.uniform(20, 100, len(idx))
    ctx.hidden["complaint_boost"] = boost


def _trade_names(rng: np.random.Generator, n: int, three: bool = False) -> np.ndarray:
    k = np.where(three | (rng.random(n) >= 0.75), 3, 2)
    a = TRADE[rng.integers(0, len(TRADE), n)]
    b = TRADE[rng.integers(0, len(TRADE), n)]
    c = np.where(k == 3, TRADE[rng.integers(0, len(TRADE), n)], "")
    return cat(a, b, np.asarray(c, dtype=STR))


def _groups(*keys: np.ndarray) -> list[np.ndarray]:
    """Row indices of each distinct combination of the key arrays (fast for object arrays)."""
    codes = np.zeros(len(keys[0]), dtype=np.int64)
    for k in keys:
        c, uniq = pd.factorize(k)
        codes = codes * (len(uniq) + 1) + c
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return np.split(order, bounds)


def _entity_names(rng, etype, section, industry, street_idx, ctx: Ctx) -> np.ndarray:
    n = len(etype)
    word = np.empty(n, dtype=object)
    for rows in _groups(etype, industry):
        t, d, sec = etype[rows[0]], industry[rows[0]], section[rows[0]]
        pool = (
            (names.INDIVIDUAL_WORDS.get(sec) if t == "individual" else None)
            or names.DIVISION_WORDS.get(d)
            or names.SECTION_WORDS.get(sec, ("商贸",))
        )
        word[rows] = choose(rng, pool, len(rows))
    word = word.astype(STR)
    short = np.array([names.STREET_SHORT.get(s, s) for s in ctx.street_names], dtype=STR)[street_idx]
    # Each name is head + 字号 + middle + 行业词 + tail; the parts depend on the entity type and a form draw.
    form = rng.random(n)
    ent, branch, indiv = etype == "enterprise", etype == "branch", etype == "individual"
    coop = etype == "cooperative"
    head = np.where(ent & (form >= 0.92), "", np.where(indiv, np.where(form < 0.7, "闵行区", ""), "上海"))
    head = np.where(coop, cat("上海", short), head)
    middle = np.where(ent & (form >= 0.92), "（上海）", "")
    tail = np.select(
        [ent & (form >= 0.90) & (form < 0.92), ent, branch & (form < 0.6), branch, indiv],
        ["股份有限公司", "有限公司", "有限公司闵行分公司", cat("有限公司", short, "分公司"), "店"],
        "专业合作社",
    )
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    for attempt in range(30):
        # Later attempts use three-character 字号: fewer collisions among the remaining duplicates.
        trade = _trade_names(rng, len(todo), three=attempt >= 2)
        out[todo] = cat(head[todo], trade, middle[todo], word[todo], tail[todo]).astype(object)
        todo = np.flatnonzero(pd.Series(out).duplicated().to_numpy())
        if not len(todo):
            break
    return out


def _addresses(ctx: Ctx, rng, etype, street_idx):
    n = len(etype)
    lon, lat = ctx.points(rng, street_idx)
    roads = np.empty(n, dtype=object)
    for i, sname in enumerate(ctx.street_names):
        rows = np.flatnonzero(street_idx == i)
        roads[rows] = choose(rng, names.STREET_ROADS.get(sname, ("沪闵路",)), len(rows))
    number = digits(np.minimum((rng.pareto(1.1, n) * 120 + 1).astype(int), 4999))
    tail = rng.random(n)
    room = np.where(
        tail < 0.35,
        cat(
            digits(rng.integers(1, 12, n)),
            "幢",
            digits(rng.integers(1, 25, n)),
            "0",
            digits(rng.integers(1, 9, n)),
            "室",
        ),
        np.where(tail < 0.5, cat(digits(rng.integers(1, 20, n)), "层"), ""),
    )
    room = np.where(etype == "individual", np.where(tail < 0.3, "一层", ""), room)
    address = cat("上海市闵行区", roads.astype(STR), number.astype(STR), "号", np.asarray(room, dtype=STR))
    address = address.astype(object)
    # 集中登记地址: incubator buildings where many enterprises register at one address.
    ent = np.flatnonzero(etype == "enterprise")
    k = ctx.n(60, 3)
    clustered = ent[rng.random(len(ent)) < 0.04]
    which = np.minimum((rng.pareto(1.0, len(clustered)) * 3).astype(int), k - 1)
    hub_street = rng.choice(len(ctx.street_names), k, p=ctx.street_weight)
    hub_lon, hub_lat = ctx.points(rng, hub_street)
    hub_addr = np.array(
        [
            f"上海市闵行区{choose(rng, names.STREET_ROADS.get(ctx.street_names[s], ('沪闵路',)), 1)[0]}"
            f"{rng.integers(1, 2000)}号{rng.integers(1, 9)}幢"
            for s in hub_street
        ],
        dtype=object,
    )
    address[clustered] = hub_addr[which]
    lon[clustered], lat[clustered] = hub_lon[which], hub_lat[which]
    street_idx[clustered] = hub_street[which]
    return address, lon, lat


def _capital(rng, etype) -> np.ndarray:
    n = len(etype)
    typical = np.array([1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000, 50000], float)
    p = np.array([2, 3, 6, 14, 8, 6, 14, 20, 8, 5, 6, 4, 1.5, 1.2, 0.6, 0.1])
    cap = typical[rng.choice(len(typical), n, p=p / p.sum())]
    odd = rng.random(n) < 0.15
    cap = np.where(odd, np.round(rng.lognormal(4.5, 1.5, n), 2) + 1, cap)
    cap = np.where(etype == "cooperative", typical[rng.integers(2, 8, n)], cap)
    return np.where(np.isin(etype, ["individual", "branch"]), np.nan, cap)


# --- changes -----------------------------------------------------------------------------------


def entity_changes(ctx: Ctx) -> None:
    """Registration changes; a few entities churn capital and shareholders (资本运作风险)."""
    rng = ctx.rng("entity_change")
    ent = ctx.tables["entity"]
    h = ctx.hidden["ent"]
    lo = np.maximum(h["lo"].to_numpy() + 30, ctx.start_day)
    hi = h["hi"].to_numpy()
    span = np.clip(hi - lo, 0, None)
    churn = np.where(rng.random(len(ent)) < 0.01, rng.uniform(5, 15, len(ent)), 1.0)
    rate = 0.07 * np.where(h["type"].to_numpy() == "individual", 0.5, 1.0) * churn
    k = rng.poisson(rate * span / 365)
    idx = np.repeat(np.arange(len(ent)), k)
    if not len(idx):
        ctx.tables["entity_change"] = pd.DataFrame(columns=["id", "uscc", "changed_on", "field"])
        return
    on = lo[idx] + (rng.random(len(idx)) * span[idx]).astype(np.int64)
    on = np.minimum(on, hi[idx] - 1)
    fields = np.array(
        ["name", "address", "legal_rep", "registered_capital", "shareholder", "scope"], dtype=object
    )
    p_normal = np.array([0.03, 0.25, 0.25, 0.12, 0.15, 0.20])
    p_churn = np.array([0.02, 0.05, 0.05, 0.44, 0.44, 0.0])
    is_churn = churn[idx] > 1
    f = np.where(
        is_churn, fields[rng.choice(6, len(idx), p=p_churn)], fields[rng.choice(6, len(idx), p=p_normal)]
    )
    etype = h["type"].to_numpy()[idx]
    # Individuals and branches have no capital or shareholders: those changes become scope changes.
    f = np.where(
        np.isin(etype, ["individual", "branch"]) & np.isin(f, ["registered_capital", "shareholder"]),
        "scope",
        f,
    )
    frame = pd.DataFrame({"uscc": ent["uscc"].to_numpy()[idx], "changed_on_d": on, "field": f, "e": idx})
    frame = frame.sort_values(["e", "field", "changed_on_d"], kind="stable").reset_index(drop=True)
    row_type = h["type"].to_numpy()[frame["e"].to_numpy()]
    new = _change_values(rng, frame["field"].to_numpy(), row_type)
    current = _current_values(ent, frame)
    last = ~frame.duplicated(["e", "field"], keep="last").to_numpy()
    new = np.where(last & (current != None), current, new)  # noqa: E711 — element-wise test on object array
    first = ~frame.duplicated(["e", "field"], keep="first").to_numpy()
    old = np.where(first, _change_values(rng, frame["field"].to_numpy(), row_type), np.r_[None, new[:-1]])
    frame = frame.assign(old_value=old, new_value=new)
    frame = frame.sort_values(["changed_on_d", "e"], kind="stable").reset_index(drop=True)
    frame["changed_on"] = to_date(frame["changed_on_d"].to_numpy())
    frame["id"] = np.arange(1, len(frame) + 1)
    ctx.tables["entity_change"] = frame[["id", "uscc", "changed_on", "field", "old_value", "new_value"]]


def _current_values(ent: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    e = frame["e"].to_numpy()
    f = frame["field"].to_numpy()
    cur = np.full(len(frame), None, dtype=object)
    cap = ent["registered_capital"].to_numpy()[e]
    cur = np.where(f == "name", ent["name"].to_numpy()[e], cur)
    cur = np.where(f == "address", ent["address"].to_numpy()[e], cur)
    cur = np.where(f == "legal_rep", ent["legal_rep_name"].to_numpy()[e], cur)
    whole = np.nan_to_num(cap).astype(np.int64)
    cents = np.round((np.nan_to_num(cap) - whole) * 100).astype(np.int64)
    capstr = cat(digits(whole), np.where(cents > 0, cat(".", digits(cents, 2)), ""), "万元").astype(object)
    capstr[np.isnan(cap.astype(float))] = None
    return np.where(f == "registered_capital", capstr, cur)


def _change_values(rng, fields: np.ndarray, etype: np.ndarray) -> np.ndarray:
    n = len(fields)
    road = choose(rng, names.SLOTS["road"], n).astype(STR)
    addr = cat("上海市闵行区", road, digits(rng.integers(1, 3000, n)), "号")
    cap = cat(digits(np.round(rng.lognormal(4.5, 1.4, n))), "万元")
    people = person_names(rng, n)
    holders = cat(people, "（", digits(rng.integers(10, 91, n)), "%）；", person_names(rng, n), "（其余）")
    scope = choose(
        rng,
        [
            "增加：食品销售",
            "增加：技术服务、技术开发",
            "减少：货物进出口",
            "增加：第二类医疗器械销售",
            "增加：餐饮服务",
            "增加：互联网销售（除销售需要许可的商品）",
            "减少：日用百货销售",
            "增加：化妆品零售",
        ],
        n,
    ).astype(STR)
    trade = _trade_names(rng, n)
    name = np.select(
        [etype == "individual", etype == "branch"],
        [cat("闵行区", trade, "商店"), cat("上海", trade, "实业有限公司闵行分公司")],
        cat("上海", trade, "实业有限公司"),
    )
    out = np.where(
        fields == "name",
        name,
        np.where(
            fields == "address",
            addr,
            np.where(
                fields == "legal_rep",
                people,
                np.where(
                    fields == "registered_capital", cap, np.where(fields == "shareholder", holders, scope)
                ),
            ),
        ),
    )
    return out.astype(object)


# --- licences ----------------------------------------------------------------------------------

LICENCE_VALID = {  # valid licences at the district scale (food business: the 2022 public figure)
    "food_business": 26_106,
    "food_production": 260,
    "drug_retail": 720,
    "medical_device": 1_500,
    "cosmetics": 45,
    "industrial_product": 160,
}
LICENCE_POOLS = {  # (divisions, weight) of the holders of each kind
    "food_business": {"62": 0.70, "52": 0.17, "51": 0.05, "83": 0.03, "85": 0.02, "84": 0.01, "61": 0.02},
    "food_production": {"13": 0.4, "14": 0.5, "15": 0.1},
    "drug_retail": {"52": 1.0},
    "medical_device": {"51": 0.6, "52": 0.4},
    "cosmetics": {"26": 0.7, "27": 0.3},
    "industrial_product": {"26": 0.2, "29": 0.2, "33": 0.2, "38": 0.2, "39": 0.2},
}
LICENCE_YEARS = {
    "food_business": 5,
    "food_production": 5,
    "drug_retail": 5,
    "medical_device": 5,
    "cosmetics": 5,
    "industrial_product": 5,
}


def licences(ctx: Ctx) -> None:
    """Licences: exactly the calibrated number valid today, plus expired and cancelled history."""
    rng = ctx.rng("licence")
    ent = ctx.tables["entity"]
    h = ctx.hidden["ent"]
    industry = h["industry"].to_numpy()
    div_code = h["div"].to_numpy()
    active = h["active"].to_numpy()
    lo, hi = h["lo"].to_numpy(), h["hi"].to_numpy()
    taken = np.zeros(len(ent), dtype=bool)
    frames = []
    food_from = np.full(len(ent), -1, dtype=np.int64)
    for kind, valid_full in LICENCE_VALID.items():
        n_valid = ctx.n(valid_full, 2)
        pool_mix = LICENCE_POOLS[kind]
        chosen_valid, chosen_other = [], []
        for div, k in zip(pool_mix, split_counts(n_valid, pool_mix), strict=True):
            cand = np.flatnonzero((div_code == int(div)) & ~taken)
            act = cand[active[cand]]
            pick = act[rng.permutation(len(act))[:k]]
            taken[pick] = True
            chosen_valid.append(pick)
            # Inactive holders (licence cancelled/revoked with the entity) and active ones whose
            # licence lapsed: about a third as many again as the valid ones.
            ina = cand[~active[cand] & ~taken[cand]]
            pick2 = ina[rng.permutation(len(ina))[: round(k * 0.35)]]
            act2 = cand[active[cand] & ~taken[cand]]
            pick3 = act2[rng.permutation(len(act2))[: round(k * 0.05)]]
            taken[pick2] = True
            taken[pick3] = True
            chosen_other.append(np.r_[pick2, pick3])
        valid_idx = np.concatenate(chosen_valid)
        other_idx = np.concatenate(chosen_other)
        idx = np.r_[valid_idx, other_idx]
        is_valid = np.r_[np.ones(len(valid_idx), bool), np.zeros(len(other_idx), bool)]
        years = LICENCE_YEARS[kind]
        term = years * 365
        # Food-business (JY) licences replaced the old permits from late 2015: older holders were
        # re-licensed over the following two years.
        floor = (
            day_of(pd.Timestamp("2016-01-01").date()) + rng.integers(0, 730, len(idx))
            if kind == "food_business"
            else day_of(pd.Timestamp("2012-01-01").date()) + rng.integers(0, 1500, len(idx))
        )
        first = np.maximum(lo[idx] + rng.integers(5, 90, len(idx)), floor)
        end = np.minimum(hi[idx], ctx.until_day + 1)
        first = np.minimum(first, end - 1)
        # The current licence is the last renewal before the cut-off (or before the holder's end).
        issued = first + np.maximum((end - 1 - first) // term, 0) * term
        lapsed = ~is_valid & active[idx]
        # A lapsed licence expired before the cut-off: its last term started earlier.
        issued = np.where(lapsed, ctx.until_day - term - rng.integers(1, 700, len(idx)), issued)
        expires = issued + term - 1
        ent_status = ent["status"].to_numpy()[idx]
        status = np.where(
            is_valid,
            "valid",
            np.where(active[idx], "expired", np.where(ent_status == "revoked", "revoked", "cancelled")),
        )
        ok = (issued >= lo[idx]) & (issued < end)
        idx, issued, expires, status, first = idx[ok], issued[ok], expires[ok], status[ok], first[ok]
        if kind == "food_business":
            food_from[idx] = first
        frames.append(
            pd.DataFrame(
                {
                    "e": idx,
                    "kind": kind,
                    "issued_d": issued,
                    "expires_d": expires,
                    "status": status,
                    "industry": industry[idx],
                }
            )
        )
    lic = pd.concat(frames, ignore_index=True)
    lic["licence_no"] = _licence_numbers(rng, lic)
    lic["uscc"] = ent["uscc"].to_numpy()[lic["e"].to_numpy()]
    lic["issued_on"] = to_date(lic["issued_d"].to_numpy())
    lic["expires_on"] = to_date(lic["expires_d"].to_numpy())
    lic = lic.sort_values("issued_d", kind="stable").reset_index(drop=True)
    ctx.tables["licence"] = lic[["licence_no", "uscc", "kind", "issued_on", "expires_on", "status"]]
    ctx.hidden["food_from"] = food_from
    ctx.hidden["licence"] = lic


def _licence_numbers(rng, lic: pd.DataFrame) -> np.ndarray:
    n = len(lic)
    kind = lic["kind"].to_numpy()
    year = lic["issued_d"].to_numpy().astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    seq = np.empty(n, dtype=np.int64)
    for k in np.unique(kind):
        rows = np.flatnonzero(kind == k)
        seq[rows] = rng.permutation(len(rows)) + rng.integers(100, 900)
    ind = lic["industry"].to_numpy()
    # JY{业态 1 销售 / 2 餐饮 / 3 单位食堂}{310112}{6-digit sequence}{check digit}
    jy_type = np.where(np.isin(ind, ["51", "52"]), "1", np.where(np.isin(ind, ["83", "84", "85"]), "3", "2"))
    s6 = digits(seq, 6)
    chk = (seq * 7 + 3) % 10
    jy = cat("JY", jy_type, "310112", s6, digits(chk))
    sc_cat = np.where(ind == "15", "115", np.where(ind == "13", "101", "124"))
    sc = cat(
        "SC",
        sc_cat.astype(STR),
        "310112",
        digits(seq % 10000, 4),
        digits((seq * 3 + 1) % 10),
    )
    drug = cat("沪CB1120", digits(seq % 100000, 5))
    dev = cat("沪闵药监械经营许", digits(year), digits(seq % 10000, 4), "号")
    cos = cat("沪妆", digits(year), digits(seq % 10000, 4))
    ind_p = cat(
        "（沪）XK",
        choose(rng, ["13", "16", "06", "11"], n).astype(STR),
        "-",
        digits(seq % 1000, 3),
        "-",
        digits(seq % 100000, 5),
    )
    out = np.where(
        kind == "food_business",
        jy,
        np.where(
            kind == "food_production",
            sc,
            np.where(
                kind == "drug_retail",
                drug,
                np.where(kind == "medical_device", dev, np.where(kind == "cosmetics", cos, ind_p)),
            ),
        ),
    )
    return out.astype(object)


# --- credit lists ------------------------------------------------------------------------------


def credit_lists(ctx: Ctx) -> None:
    """经营异常名录 (a few % of entities), 严重违法失信 (≈ 0.3 %), 联合惩戒 (rarer), driven by risk."""
    rng = ctx.rng("credit_list")
    ent = ctx.tables["entity"]
    h = ctx.hidden["ent"]
    risk = h["risk"].to_numpy()
    lo, hi = h["lo"].to_numpy(), h["hi"].to_numpy()
    etype = h["type"].to_numpy()
    status = ent["status"].to_numpy()
    frames = []
    # 经营异常: every revoked entity was listed before revocation; among the living, risk-weighted.
    revoked = np.flatnonzero(status == "revoked")
    living = np.flatnonzero(status == "active")
    w = risk[living] * np.where(etype[living] == "individual", 0.3, 1.0)
    abn = np.r_[revoked, living[weighted_sample(rng, w, ctx.n(0.055 * 330_000, 8))]]
    listed = np.maximum(lo[abn] + 400, hi[abn] - rng.integers(200, 3 * 365, len(abn)))
    listed = np.where(
        status[abn] == "active",
        np.maximum(lo[abn] + 400, ctx.until_day - rng.exponential(500, len(abn)).astype(np.int64)),
        listed,
    )
    listed = np.minimum(listed, hi[abn] - 1)
    ok = listed > lo[abn]
    abn, listed = abn[ok], listed[ok]
    # About a third of living entities have since been removed (they filed the report); the rest stay.
    removed = np.where(
        (status[abn] == "active") & (rng.random(len(abn)) < 0.33),
        listed + rng.integers(20, 300, len(abn)),
        -1,
    )
    removed = np.where(removed > ctx.until_day, -1, removed)
    frames.append(
        pd.DataFrame(
            {
                "e": abn,
                "list": "abnormal_operation",
                "listed_d": listed,
                "removed_d": removed,
                "reason": choose(rng, names.ABNORMAL_REASONS, len(abn), [0.6, 0.3, 0.05, 0.05]),
            }
        )
    )
    # 严重违法失信: ≈ 0.3 % of entities, the riskiest, mostly currently listed.
    k = ctx.n(0.003 * 450_000, 5)
    alive_long = np.flatnonzero((hi - lo) > 500)
    ser = alive_long[weighted_sample(rng, risk[alive_long] ** 1.5, k)]
    s_listed = np.minimum(
        np.maximum(lo[ser] + 365, ctx.start_day + rng.integers(0, 5 * 365, len(ser))), hi[ser] - 1
    )
    s_listed = np.minimum(s_listed, ctx.until_day)
    ok = s_listed > lo[ser]
    ser, s_listed = ser[ok], s_listed[ok]
    frames.append(
        pd.DataFrame(
            {
                "e": ser,
                "list": "serious_illegal_dishonest",
                "listed_d": s_listed,
                "removed_d": -1,
                "reason": choose(rng, names.SERIOUS_REASONS, len(ser)),
            }
        )
    )
    # 联合惩戒: a subset of the seriously dishonest, shortly after.
    j = ser[rng.random(len(ser)) < 0.15]
    j_listed = np.minimum(s_listed[np.isin(ser, j)] + rng.integers(10, 60, len(j)), hi[j] - 1)
    j_listed = np.minimum(j_listed, ctx.until_day)
    frames.append(
        pd.DataFrame(
            {
                "e": j,
                "list": "joint_punishment",
                "listed_d": j_listed,
                "removed_d": -1,
                "reason": choose(rng, names.JOINT_REASONS, len(j)),
            }
        )
    )
    cl = pd.concat(frames, ignore_index=True).sort_values("listed_d", kind="stable").reset_index(drop=True)
    cl["uscc"] = ent["uscc"].to_numpy()[cl["e"].to_numpy()]
    cl["listed_on"] = to_date(cl["listed_d"].to_numpy())
    cl["removed_on"] = to_date(cl["removed_d"].to_numpy())
    cl["id"] = np.arange(1, len(cl) + 1)
    ctx.tables["credit_list"] = cl[["id", "uscc", "list", "reason", "listed_on", "removed_on"]]
    ctx.hidden["credit_list"] = cl


# --- topic-library sources ---------------------------------------------------------------------


def honors(ctx: Ctx) -> None:
    """高新技术 / 专精特新 / 品牌 / 质量奖 / 标准 honours of larger technology and manufacturing firms."""
    rng = ctx.rng("entity_honor")
    ent = ctx.tables["entity"]
    h = ctx.hidden["ent"]
    cap = ent["registered_capital"].fillna(0).to_numpy(dtype=float)
    sec = h["section"].to_numpy()
    base = np.where(np.isin(sec, ["C", "I", "M"]), 1.0, 0.05) * np.sqrt(cap + 1) * h["active"].to_numpy()
    base *= h["type"].to_numpy() == "enterprise"
    lo, hi = h["lo"].to_numpy(), h["hi"].to_numpy()
    frames = []
    for kind, per100k in names.HONOR_COUNTS_PER_100K.items():
        k = ctx.n(per100k * 4.5, 1)
        idx = weighted_sample(rng, base, k)
        first = np.maximum(lo[idx] + 365, ctx.until_day - 8 * 365)
        on = first + (
            rng.random(len(idx)) * np.clip(np.minimum(hi[idx], ctx.until_day) - first, 0, None)
        ).astype(np.int64)
        ok = on > lo[idx]
        frames.append(pd.DataFrame({"e": idx[ok], "kind": kind, "d": on[ok]}))
    hon = pd.concat(frames, ignore_index=True).sort_values("d", kind="stable").reset_index(drop=True)
    hon["id"] = np.arange(1, len(hon) + 1)
    hon["uscc"] = ent["uscc"].to_numpy()[hon["e"].to_numpy()]
    hon["granted_on"] = to_date(hon["d"].to_numpy())
    ctx.tables["entity_honor"] = hon[["id", "uscc", "kind", "granted_on"]]


def ip_rights(ctx: Ctx) -> None:
    """Trademarks, patents and geographical indications; a few firms hold many (heavy tail)."""
    rng = ctx.rng("ip_right")
    ent = ctx.tables["entity"]
    h = ctx.hidden["ent"]
    sec = h["section"].to_numpy()
    lo, hi = h["lo"].to_numpy(), h["hi"].to_numpy()
    holders = h["type"].to_numpy() == "enterprise"
    appetite = rng.pareto(1.3, len(ent)) * holders
    kinds = {
        "trademark": (120_000, {"F": 1, "C": 1, "H": 1, "I": 0.8, "M": 0.6, "L": 0.5}),
        "patent_invention": (18_000, {"C": 1, "M": 1.5, "I": 1}),
        "patent_utility": (30_000, {"C": 2, "M": 1, "I": 0.3}),
        "patent_design": (8_000, {"C": 1.5, "F": 0.3, "M": 0.3}),
    }
    frames = []
    for kind, (full, mix) in kinds.items():
        w = appetite * lookup(sec, mix, 0.02)
        k = ctx.n(full, 2)
        cdf = np.cumsum(w)
        idx = np.searchsorted(cdf, rng.random(k) * cdf[-1], side="right")
        first = np.maximum(lo[idx] + 60, ctx.until_day - 15 * 365)
        last = np.minimum(hi[idx], ctx.until_day + 1)
        on = first + (rng.random(k) * np.clip(last - first, 0, None)).astype(np.int64)
        ok = (on >= first) & (on < last)
        frames.append(pd.DataFrame({"e": idx[ok], "kind": kind, "d": on[ok]}))
    # 地理标志: a handful, held by agricultural cooperatives or firms.
    agri = np.flatnonzero(np.isin(sec, ["A"]) & h["active"].to_numpy())
    if len(agri):
        gi = agri[rng.permutation(len(agri))[:3]]
        frames.append(
            pd.DataFrame(
                {
                    "e": gi,
                    "kind": "geo_indication",
                    "d": np.maximum(lo[gi] + 200, ctx.until_day - rng.integers(100, 3000, len(gi))),
                }
            )
        )
    ip = pd.concat(frames, ignore_index=True).sort_values("d", kind="stable").reset_index(drop=True)
    ip = ip[ip["d"] < np.minimum(hi[ip["e"].to_numpy()], ctx.until_day + 1)]
    ip["id"] = np.arange(1, len(ip) + 1)
    ip["uscc"] = ent["uscc"].to_numpy()[ip["e"].to_numpy()]
    ip["registered_on"] = to_date(ip["d"].to_numpy())
    ctx.tables["ip_right"] = ip[["id", "uscc", "kind", "registered_on"]]


def online_stores(ctx: Ctx) -> None:
    """Online stores of district entities: delivery shops of restaurants, marketplace shops of retailers."""
    rng = ctx.rng("online_store")
    ent = ctx.tables["entity"]
    h = ctx.hidden["ent"]
    ind = h["industry"].to_numpy()
    lo, hi = h["lo"].to_numpy(), h["hi"].to_numpy()
    p = np.where(ind == "62", 0.45, np.where(ind == "52", 0.12, np.where(ind == "51", 0.05, 0.004)))
    has = rng.random(len(ent)) < p
    idx = np.flatnonzero(has)
    n = len(idx)
    food = ind[idx] == "62"
    platform = np.where(
        food,
        choose(rng, ["meituan", "eleme", "douyin"], n, [0.6, 0.35, 0.05]),
        choose(
            rng,
            ["taobao", "jd", "pinduoduo", "douyin", "own_site", "other"],
            n,
            [0.35, 0.2, 0.2, 0.15, 0.05, 0.05],
        ),
    )
    first = np.maximum(lo[idx] + rng.integers(10, 400, n), ctx.until_day - 9 * 365)
    end = np.minimum(hi[idx], ctx.until_day + 1)
    opened = np.minimum(first, end - 1)
    ok = opened >= lo[idx]
    idx, platform, opened = idx[ok], platform[ok], opened[ok]
    n = len(idx)
    closed = (~h["active"].to_numpy()[idx]) | (rng.random(n) < 0.08)
    trade = ent["name"].to_numpy()[idx].astype(STR)
    trade = np.strings.replace(np.strings.replace(trade, "上海", ""), "有限公司", "")
    suffix = np.where(
        np.isin(platform, ["meituan", "eleme"]),
        "（闵行店）",
        choose(rng, ["官方旗舰店", "旗舰店", "专营店", "的小店", "企业店"], n),
    )
    stores = pd.DataFrame(
        {
            "id": cat("OS", digits(np.arange(1, n + 1), 7)).astype(object),
            "uscc": ent["uscc"].to_numpy()[idx],
            "platform": platform,
            "store_name": cat(trade, np.asarray(suffix, dtype=STR)).astype(object),
            "opened_on": to_date(opened),
            "status": np.where(closed, "closed", "active"),
        }
    )
    ctx.tables["online_store"] = stores
    ctx.hidden["online_e"] = idx


def pick_entities(
    ctx: Ctx,
    rng: np.random.Generator,
    t_seconds: np.ndarray,
    weights: np.ndarray,
    lo_day: np.ndarray | None = None,
    hi_day: np.ndarray | None = None,
    margin_days: int = 0,
) -> np.ndarray:
    """Entity row per event time, ∝ weights, alive at the event (and ``margin_days`` after it)."""
    h = ctx.hidden["ent"]
    lo = (h["lo"].to_numpy() if lo_day is None else lo_day) * DAY
    hi = h["hi"].to_numpy() if hi_day is None else hi_day
    # The margin keeps follow-up events before an entity's end; entities still alive need none.
    hi = np.where(hi > ctx.until_day, hi + 10 * 365, hi - margin_days) * DAY
    pool = np.flatnonzero(weights > 0)
    pos = pick_alive(rng, t_seconds, pool, weights[pool], lo[pool], hi[pool])
    return np.where(pos >= 0, pool[np.maximum(pos, 0)], -1)
