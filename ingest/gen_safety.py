"""特种设备, 食品安全 and 远程监控 recipes: equipment and its inspections, food sampling, devices,
their readings and alarms.
"""

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
    to_date,
    to_instant,
    weighted_sample,
)
from ingest.gen_registry import pick_entities

EQUIPMENT = {  # kind: (count in use at district scale, category code of the 设备代码, user divisions)
    "elevator": (
        36_432,
        "3110",
        {"70": 7.0, "61": 0.4, "52": 0.4, "84": 0.2, "72": 0.6, "34": 0.2, "65": 0.3},
    ),
    "pressure_vessel": (
        8_200,
        "2110",
        {"26": 1, "27": 0.6, "34": 0.5, "38": 0.4, "13": 0.3, "14": 0.3, "62": 0.2},
    ),
    "lifting": (2_600, "4110", {"34": 1, "35": 1, "33": 1, "54": 0.5, "59": 0.8, "48": 0.6}),
    "in_plant_vehicle": (4_100, "5110", {"59": 1.5, "54": 1, "34": 0.6, "51": 0.6, "33": 0.4}),
    "boiler": (320, "1110", {"61": 1, "13": 0.5, "14": 0.5, "84": 0.4, "26": 0.4}),
    "amusement": (60, "6110", {"90": 1, "89": 0.5}),
}
ELEVATOR_OLD_SHARE = 0.258  # older than 15 years (public figure)


def equipment(ctx: Ctx) -> None:
    """Special equipment with annual periodic inspections; elevators calibrated to the public figures."""
    rng = ctx.rng("equipment")
    h = ctx.hidden["ent"]
    active = h["active"].to_numpy()
    until = ctx.until_day
    frames = []
    for kind, (n_use, cat_code, users) in EQUIPMENT.items():
        n_in_use = ctx.n(n_use, 2)
        n_susp = ctx.n(n_use * 0.02, 0)
        n_scrap = ctx.n(n_use * 0.06, 0)
        n = n_in_use + n_susp + n_scrap
        status = np.r_[
            np.full(n_in_use, "in_use", dtype=object),
            np.full(n_susp, "suspended", dtype=object),
            np.full(n_scrap, "scrapped", dtype=object),
        ]
        # Owners: active entities of the user divisions, a few large holders (property managers).
        w = by_division(h["div"].to_numpy(), users) * active
        holders = weighted_sample(rng, w, max(3, ctx.n(n_use / 12, 3)))
        hw = rng.pareto(1.1, len(holders)) + 0.2
        owner = holders[rng.choice(len(holders), n, p=hw / hw.sum())]
        if kind == "elevator":
            old = np.zeros(n, dtype=bool)
            old[rng.permutation(n_in_use)[: round(n_in_use * ELEVATOR_OLD_SHARE)]] = True
            old[n_in_use:] = rng.random(n - n_in_use) < 0.5
            age = np.where(old, 15 * 365 + 1 + rng.exponential(4 * 365, n), rng.uniform(30, 15 * 365 - 1, n))
            age = np.where(status == "scrapped", 18 * 365 + rng.exponential(3 * 365, n), age)
        else:
            age = rng.uniform(60, 20 * 365, n)
        age = np.minimum(age, 40 * 365)
        installed = until - age.astype(np.int64)
        street_idx = h["street_idx"].to_numpy()[owner]
        # Elevators stand in the buildings their owner manages, anywhere in the owner's 街镇.
        lon, lat = ctx.points(rng, street_idx)
        year = installed.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
        seq = rng.permutation(n) + 1
        code = cat(cat_code, "310112", digits(year), digits(seq, 6))
        frames.append(
            pd.DataFrame(
                {
                    "equipment_code": code.astype(object),
                    "e": owner,
                    "kind": kind,
                    "inst_d": installed,
                    "street_idx": street_idx,
                    "lon": lon,
                    "lat": lat,
                    "status": status,
                }
            )
        )
    eq = pd.concat(frames, ignore_index=True)
    eq = eq.drop_duplicates("equipment_code").reset_index(drop=True)
    insp, next_due = _equipment_inspections(ctx, eq)
    eq["next_inspection_due"] = to_date(next_due)
    eq["uscc"] = ctx.tables["entity"]["uscc"].to_numpy()[eq["e"].to_numpy()]
    eq["street_code"] = ctx.street_codes[eq["street_idx"].to_numpy()]
    eq["installed_on"] = to_date(eq["inst_d"].to_numpy())
    ctx.tables["equipment"] = eq[
        [
            "equipment_code",
            "uscc",
            "kind",
            "installed_on",
            "street_code",
            "lon",
            "lat",
            "next_inspection_due",
            "status",
        ]
    ]
    ctx.tables["equipment_inspection"] = insp
    ctx.hidden["equipment"] = eq


def _equipment_inspections(ctx: Ctx, eq: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Annual inspections over the window; a failed one is followed by a re-inspection that passes."""
    rng = ctx.rng("equipment_inspection")
    h = ctx.hidden["ent"]
    n = len(eq)
    owner_lo = h["lo"].to_numpy()[eq["e"].to_numpy()]
    risk = h["risk"].to_numpy()[eq["e"].to_numpy()]
    inst = eq["inst_d"].to_numpy()
    status = eq["status"].to_numpy()
    until = ctx.until_day
    # The inspection anniversary: a fixed day of the year per unit.
    anniv = rng.integers(0, 365, n)
    # Suspended units stopped being inspected a while ago; scrapped ones stopped within the window.
    stop = np.where(
        status == "in_use",
        until,
        np.where(
            status == "suspended", until - rng.integers(200, 700, n), until - rng.integers(400, 5 * 365, n)
        ),
    )
    # Overdue units (≈ 1.5 % of those in use) missed their last due date.
    overdue = (status == "in_use") & (rng.random(n) < 0.015)
    stop = np.where(overdue, until - rng.integers(366, 500, n) + 365 - rng.integers(1, 60, n), stop)
    first = np.maximum.reduce([inst + 330, owner_lo + 1, np.full(n, ctx.start_day)])
    start = first + (anniv - (first % 365)) % 365
    k = np.maximum((stop - start) // 365 + 1, 0)
    idx = np.repeat(np.arange(n), k)
    step = np.arange(len(idx)) - np.repeat(np.cumsum(k) - k, k)
    on = start[idx] + step * 365 + rng.integers(-15, 15, len(idx))
    on = np.clip(on, np.maximum(first[idx], inst[idx] + 30), until)
    p_bad = np.clip(0.05 * risk[idx] ** 0.5, 0.01, 0.3)
    r = rng.random(len(idx))
    result = np.where(r < p_bad * 0.35, "fail", np.where(r < p_bad, "rectify", "pass"))
    # Every non-pass is followed by a passing re-inspection 10–40 days later (if before the cut-off).
    bad = np.flatnonzero(result != "pass")
    re_on = on[bad] + rng.integers(10, 40, len(bad))
    keep = re_on <= until
    all_idx = np.r_[idx, idx[bad][keep]]
    all_on = np.r_[on, re_on[keep]]
    all_res = np.r_[result, np.full(int(keep.sum()), "pass", dtype=object)]
    frame = pd.DataFrame({"i": all_idx, "d": all_on, "result": all_res}).sort_values(
        ["d", "i"], kind="stable"
    )
    passed = frame[frame["result"] == "pass"]
    last_pass = passed.groupby("i")["d"].max().reindex(range(n)).to_numpy()
    # Never passed under this owner: due at the first scheduled inspection.
    next_due = np.where(np.isnan(last_pass), start, np.nan_to_num(last_pass) + 365).astype(np.int64)
    next_due = np.where(status == "scrapped", -1, next_due)
    frame = frame.reset_index(drop=True)
    insp = pd.DataFrame(
        {
            "id": np.arange(1, len(frame) + 1),
            "equipment_code": eq["equipment_code"].to_numpy()[frame["i"].to_numpy()],
            "inspected_on": to_date(frame["d"].to_numpy()),
            "result": frame["result"].to_numpy(),
        }
    )
    return insp, next_due


def food_sampling(ctx: Ctx) -> None:
    """≈ 10,000 food sampling batches a year; failures ∝ latent risk, followed up within weeks."""
    rng = ctx.rng("food_sampling")
    h = ctx.hidden["ent"]
    food_from = ctx.hidden["food_from"]
    days = np.arange(ctx.start_day, ctx.until_day + 1)
    wd = (days + 3) % 7
    lam = ctx.n(10_000, 1) / 250 * (wd < 5) * 1.0
    counts = rng.poisson(lam)
    d = np.repeat(days, counts)
    t = d * DAY + 9 * 3600
    w = np.where(food_from >= 0, h["risk"].to_numpy() ** 0.4, 0.0)
    # Producers and wholesalers are sampled more per head than restaurants.
    w *= np.where(np.isin(h["industry"].to_numpy(), ["51", "52"]), 2.0, 1.0)
    e = pick_entities(ctx, rng, t, w, lo_day=np.maximum(food_from, 0))
    ok = e >= 0
    d, e = d[ok], e[ok]
    n = len(d)
    risk = h["risk"].to_numpy()[e]
    p_fail = np.clip(0.022 * risk**0.8, 0.003, 0.4)
    fail = rng.random(n) < p_fail
    follow = np.where(fail, d + rng.integers(3, 30, n), -1)
    follow = np.where(follow > ctx.until_day, -1, follow)
    # The follow-up is the entity's event too: none after its end.
    follow = np.where(follow >= h["hi"].to_numpy()[e], -1, follow)
    ind = h["industry"].to_numpy()[e]
    catg = np.where(ind == "62", "餐饮食品", choose(rng, names.FOOD_CATEGORIES, n))
    ctx.tables["food_sampling"] = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "uscc": ctx.tables["entity"]["uscc"].to_numpy()[e],
            "sampled_on": to_date(d),
            "food_category": catg,
            "result": np.where(fail, "fail", "pass"),
            "hazard": np.where(
                fail, choose(rng, names.HAZARDS, n, [0.2, 0.12, 0.25, 0.15, 0.08, 0.12, 0.03, 0.05]), None
            ),
            "followed_up_on": to_date(follow),
        }
    )
    ctx.hidden["sampling_e"] = e


VENUE_BY_DIVISION = {"83": "school_canteen", "84": "hospital_canteen", "85": "elderly_canteen"}


def devices(ctx: Ctx) -> None:
    """明厨亮灶 cameras, cold-storage sensors, elevator IoT and gas sensors; mostly online."""
    rng = ctx.rng("device")
    h = ctx.hidden["ent"]
    ent = ctx.tables["entity"]
    lic = ctx.hidden["licence"]
    cutoff = ctx.cutoff_s
    valid_food = lic[(lic["kind"] == "food_business") & (lic["status"] == "valid")]["e"].to_numpy()
    ind = h["industry"].to_numpy()
    frames = []

    # Kitchen cameras: every canteen first, then the larger restaurants and central kitchens.
    n_cam = ctx.n(2_434, 6)
    canteen = valid_food[np.isin(ind[valid_food], list(VENUE_BY_DIVISION))]
    resto = valid_food[ind[valid_food] == "62"]
    resto_pick = resto[weighted_sample(rng, np.ones(len(resto)), max(0, n_cam - len(canteen)))]
    cam_e = np.r_[canteen, resto_pick][:n_cam]
    venue = pd.Series(ind[cam_e]).map(VENUE_BY_DIVISION).to_numpy(dtype=object)
    venue = np.where(
        pd.isna(venue),
        choose(
            rng,
            ["large_restaurant", "central_kitchen", "other", "rural_banquet"],
            len(cam_e),
            [0.55, 0.08, 0.32, 0.05],
        ),
        venue,
    )
    frames.append(_device_frame(ctx, rng, "kitchen_camera", cam_e, venue))

    # Cold-storage sensors at wholesalers, supermarkets and central kitchens with food licences.
    cold_pool = valid_food[np.isin(ind[valid_food], ["51", "52", "62", "59"])]
    cold_e = cold_pool[weighted_sample(rng, np.ones(len(cold_pool)), ctx.n(420, 3))]
    frames.append(_device_frame(ctx, rng, "cold_storage_sensor", cold_e, None))

    # Elevator IoT: on some in-use elevators (at the elevator's own point).
    eq = ctx.hidden["equipment"]
    elev = eq[(eq["kind"] == "elevator") & (eq["status"] == "in_use")]
    pick = elev.iloc[weighted_sample(rng, np.ones(len(elev)), ctx.n(3_000, 4))]
    frames.append(
        _device_frame(
            ctx,
            rng,
            "elevator_iot",
            pick["e"].to_numpy(),
            None,
            points=(pick["street_idx"].to_numpy(), pick["lon"].to_numpy(), pick["lat"].to_numpy()),
        )
    )

    # Gas sensors in restaurant kitchens.
    gas_e = resto[weighted_sample(rng, np.ones(len(resto)), ctx.n(900, 3))]
    frames.append(_device_frame(ctx, rng, "gas_sensor", gas_e, None))

    dev = pd.concat(frames, ignore_index=True)
    n = len(dev)
    dev["device_id"] = cat(dev["prefix"].to_numpy().astype(STR), digits(np.arange(1, n + 1), 6)).astype(
        object
    )
    status = allocate(rng, n, {"online": 0.962, "offline": 0.022, "fault": 0.011, "retired": 0.005})
    last_seen = np.where(
        status == "online",
        cutoff - rng.integers(0, 300, n),
        np.where(
            status == "retired",
            cutoff - rng.integers(60, 400, n) * DAY,
            cutoff - rng.integers(2 * 3600, 6 * DAY, n),
        ),
    )
    last_seen = np.maximum(last_seen, dev["inst_d"].to_numpy() * DAY + 3600)
    # A few cameras carry an intranet HLS address (the video wall plays them); the rest have none.
    url = np.full(n, None, dtype=object)
    cams = np.flatnonzero((dev["kind"].to_numpy() == "kitchen_camera") & (status == "online"))
    with_url = cams[rng.permutation(len(cams))[: max(1, ctx.n(6, 1))]]
    url[with_url] = [
        f"http://video.mhscjg.internal/hls/{d}/index.m3u8" for d in dev["device_id"].to_numpy()[with_url]
    ]
    dev["status"] = status
    dev["last_seen_s"] = last_seen
    dev["last_seen_at"] = to_instant(last_seen)
    dev["stream_url"] = url
    dev["uscc"] = ent["uscc"].to_numpy()[dev["e"].to_numpy()]
    dev["street_code"] = ctx.street_codes[dev["street_idx"].to_numpy()]
    dev["installed_on"] = to_date(dev["inst_d"].to_numpy())
    ctx.tables["device"] = dev[
        [
            "device_id",
            "kind",
            "venue_category",
            "uscc",
            "street_code",
            "lon",
            "lat",
            "installed_on",
            "stream_url",
            "status",
            "last_seen_at",
        ]
    ]
    ctx.hidden["device"] = dev


def _device_frame(ctx: Ctx, rng, kind: str, e: np.ndarray, venue, points=None) -> pd.DataFrame:
    h = ctx.hidden["ent"]
    n = len(e)
    if points is None:
        street_idx = h["street_idx"].to_numpy()[e]
        lon = ctx.tables["entity"]["lon"].to_numpy()[e]
        lat = ctx.tables["entity"]["lat"].to_numpy()[e]
    else:
        street_idx, lon, lat = points
    lo = h["lo"].to_numpy()[e]
    # Roll-out: 明厨亮灶 from 2019, most cameras 2021–2024; sensors a little later.
    earliest = ctx.until_day - (6 * 365 if kind == "kitchen_camera" else 4 * 365)
    inst = np.maximum(lo + 30, earliest + rng.beta(2.0, 2.5, n) * (ctx.until_day - 30 - earliest)).astype(
        np.int64
    )
    inst = np.minimum(inst, ctx.until_day)
    prefix = {
        "kitchen_camera": "CAM",
        "cold_storage_sensor": "CLD",
        "elevator_iot": "ELV",
        "gas_sensor": "GAS",
    }[kind]
    return pd.DataFrame(
        {
            "prefix": prefix,
            "kind": kind,
            "venue_category": venue,
            "e": e,
            "street_idx": street_idx,
            "lon": lon,
            "lat": lat,
            "inst_d": inst,
        }
    )


def device_readings(ctx: Ctx) -> None:
    """Hourly cold-storage temperatures for the last 7 days: near −18 °C, rare door-open excursions."""
    rng = ctx.rng("device_reading")
    dev = ctx.hidden["device"]
    cold = dev[(dev["kind"] == "cold_storage_sensor") & (dev["status"] != "retired")]
    hour0 = (ctx.cutoff_s // 3600) * 3600
    hours = hour0 - np.arange(7 * 24)[::-1] * 3600
    m, k = len(cold), len(hours)
    setpoint = -18 + rng.normal(0, 0.6, m)
    noise = np.cumsum(rng.normal(0, 0.25, (m, k)), axis=1)
    noise -= noise.mean(axis=1, keepdims=True)
    temp = setpoint[:, None] + 0.8 * np.tanh(noise) + rng.normal(0, 0.2, (m, k))
    # Excursions: a door left open or a defrost gone wrong, a few hours above −15 °C.
    ex = rng.random((m, k)) < 0.004
    ex_len = np.zeros((m, k))
    for lag in range(4):
        ex_len[:, lag:] += ex[:, : k - lag] * (4 - lag)
    temp = temp + ex_len * rng.uniform(1.5, 2.5, (m, 1))
    at = np.broadcast_to(hours, (m, k))
    seen = cold["last_seen_s"].to_numpy()[:, None]
    keep = (at <= seen) & (at >= cold["inst_d"].to_numpy()[:, None] * DAY)
    ids = np.broadcast_to(cold["device_id"].to_numpy()[:, None], (m, k))
    ctx.tables["device_reading"] = pd.DataFrame(
        {
            "device_id": ids[keep],
            "at": to_instant(at[keep]),
            "metric": "temperature",
            "value": np.round(temp[keep], 1),
        }
    )
    over = (temp > -15) & keep
    ctx.hidden["over_temp"] = (cold["device_id"].to_numpy()[np.nonzero(over)[0]], at[over])


AI_MIX = {
    "no_hat": 0.33,
    "no_mask": 0.28,
    "smoking": 0.10,
    "phone": 0.14,
    "rodent": 0.05,
    "foreign_object": 0.10,
}


def device_alarms(ctx: Ctx) -> None:
    """AI alarms of kitchen cameras (pushed, mostly rectified), over-temperature, entrapment, offline."""
    rng = ctx.rng("device_alarm")
    dev = ctx.hidden["device"]
    h = ctx.hidden["ent"]
    cutoff = ctx.cutoff_s
    frames = []
    cams = dev[dev["kind"] == "kitchen_camera"]
    risk = h["risk"].to_numpy()[cams["e"].to_numpy()]
    live_from = cams["inst_d"].to_numpy() * DAY
    live_to = np.minimum(cams["last_seen_s"].to_numpy(), h["hi"].to_numpy()[cams["e"].to_numpy()] * DAY - 1)
    months = np.clip(live_to - live_from, 0, None) / (30 * DAY)
    k = rng.poisson(1.2 * months * np.clip(risk, 0.2, 6) ** 0.6)
    i = np.repeat(np.arange(len(cams)), k)
    t = live_from[i] + (rng.random(len(i)) * (live_to[i] - live_from[i])).astype(np.int64)
    # Kitchens are busy from 9 to 13 and 16 to 20: move each alarm into a service hour of its day.
    hour = choose(
        rng, [9, 10, 11, 12, 16, 17, 18, 19, 6, 14, 21], len(i), [8, 12, 14, 10, 8, 12, 12, 8, 3, 5, 4]
    )
    t = (t // DAY) * DAY + hour.astype(np.int64) * 3600 + rng.integers(0, 3600, len(i))
    t = np.minimum(t, live_to[i])
    kinds = allocate(rng, len(i), AI_MIX)
    frames.append(pd.DataFrame({"device_id": cams["device_id"].to_numpy()[i], "t": t, "kind": kinds}))
    over_ids, over_at = ctx.hidden["over_temp"]
    if len(over_ids):
        o = pd.DataFrame({"device_id": over_ids, "t": over_at}).sort_values(["device_id", "t"])
        # One alarm per excursion: the first over-threshold hour after a normal one.
        new = (o["device_id"] != o["device_id"].shift()) | (o["t"] - o["t"].shift() > 3600)
        o = o[new.to_numpy()]
        frames.append(o.assign(kind="over_temperature"))
    elev = dev[dev["kind"] == "elevator_iot"]
    k = rng.poisson(
        np.clip(elev["last_seen_s"].to_numpy() - elev["inst_d"].to_numpy() * DAY, 0, None) / (365 * DAY) * 0.6
    )
    i = np.repeat(np.arange(len(elev)), k)
    lo = elev["inst_d"].to_numpy()[i] * DAY
    t = lo + (rng.random(len(i)) * (elev["last_seen_s"].to_numpy()[i] - lo)).astype(np.int64)
    frames.append(pd.DataFrame({"device_id": elev["device_id"].to_numpy()[i], "t": t, "kind": "entrapment"}))
    off = dev[dev["status"].isin(["offline", "fault"])]
    frames.append(
        pd.DataFrame(
            {
                "device_id": off["device_id"].to_numpy(),
                "t": off["last_seen_s"].to_numpy() + 1800,
                "kind": "offline",
            }
        )
    )
    al = pd.concat(frames, ignore_index=True)
    al = al[al["t"] <= cutoff].sort_values(["t", "device_id"], kind="stable").reset_index(drop=True)
    n = len(al)
    t = al["t"].to_numpy()
    pushed = t + rng.integers(20, 600, n)
    pushed = np.where(rng.random(n) < 0.015, -1, pushed)  # the push channel occasionally fails
    fix = pushed + (rng.lognormal(np.log(3 * 3600), 1.0, n)).astype(np.int64)
    fix = np.where((pushed < 0) | (rng.random(n) < 0.05) | (fix > cutoff), -1, fix)
    pushed = np.where(pushed > cutoff, -1, pushed)
    fix = np.where(
        al["kind"].to_numpy() == "offline", np.where(al["device_id"].isin(off["device_id"]), -1, fix), fix
    )
    ctx.tables["device_alarm"] = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "device_id": al["device_id"].to_numpy(),
            "at": to_instant(t),
            "kind": al["kind"].to_numpy(),
            "pushed_at": to_instant(pushed),
            "rectified_at": to_instant(fix),
        }
    )
    ctx.hidden["alarm"] = al.assign(pushed=pushed, fixed=fix)
