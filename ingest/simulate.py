"""The live simulator: appends plausible events in real time so the wall visibly moves.

Each tick appends a few complaints, kitchen-camera AI alarms, warnings and, rarely, an incident,
stamped with the current time in the bureau's time zone (``clock``; never the machine's zone, so
on a UTC server the events still land after the data time and "数据截至" moves), against active
entities and existing devices and rules of the store; the patrols of an active assurance mission's
sites as they fall due (an overdue site is caught up within the hour, so the 重大事项保障 screen keeps
a believable few overdue), and the 城运 work orders those new events raise (the rules of
``ingest.gen_screens4.city_work_orders``). It marks ``meta.simulated_at`` so ``needs_refresh`` sees
new source data; the refresh (run by ``--refresh-every`` or separately) makes them visible on the
screens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import schema
from data_access.db import bulk_insert, set_meta

log = logging.getLogger(__name__)

#: The store's zone when the caller passes no clock (``smartsup simulate`` passes the setting's).
BUREAU_TZ = ZoneInfo("Asia/Shanghai")

#: Average events per minute of each kind during office hours (about a weekday's pace at minhang scale).
#: No fabricated warnings (rate 0): the rule engine raises them from these events at the next refresh.
RATES_PER_MINUTE = {"complaint": 6.0, "alarm": 3.0, "warning": 0.0, "incident": 0.05}

_COMPLAINT_TEXT = {
    "food": ["在该店用餐后腹泻，怀疑食材不新鲜", "外卖餐品中发现异物，要求退款", "购买的熟食已过保质期"],
    "online_shopping": ["网购商品与描述不符，商家拒绝七天无理由退货", "直播间购买的商品疑似假冒",
                        "预售订单迟迟不发货"],
    "pricing": ["商品标价与结算价格不一致", "节假日期间哄抬价格", "未明码标价"],
    "contract": ["预付卡商家闭店无法退费", "健身房合同到期拒不退款", "装修合同违约"],
    "product_quality": ["电动自行车电池鼓包", "儿童玩具有尖锐边角", "家电使用一周即故障，商家拒修"],
    "special_equipment": ["小区电梯频繁故障困人", "商场自动扶梯异响", "电梯检验标志过期"],
    "advertising": ["广告宣称治疗功效", "虚假宣传“最低价”", "保健品广告夸大功效"],
}
_ALARM_KINDS = ["no_hat", "no_mask", "smoking", "phone", "rodent", "foreign_object"]
_ALARM_WEIGHTS = [0.34, 0.30, 0.12, 0.14, 0.04, 0.06]


@dataclass
class SimulationStats:
    """What the simulator appended so far."""

    ticks: int = 0
    appended: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((*RATES_PER_MINUTE, "patrol", "work_order"), 0)
    )


class Simulator:
    """Appends events to the store; one instance per run (keeps its pools and id counters)."""

    def __init__(self, engine: Engine, *, seed: int | None = None, speed: float = 1.0) -> None:
        self.engine = engine
        self.rng = np.random.default_rng(seed)
        self.speed = speed
        self._seq = 0
        with engine.connect() as conn:
            self.entities = pd.read_sql(
                sa.select(schema.entity.c.uscc, schema.entity.c.street_code, schema.entity.c.lon,
                          schema.entity.c.lat)
                .where(schema.entity.c.status == "active").limit(200_000), conn)
            self.cameras = pd.read_sql(
                sa.select(schema.device.c.device_id, schema.device.c.uscc, schema.device.c.street_code,
                          schema.device.c.lon, schema.device.c.lat)
                .where(schema.device.c.kind == "kitchen_camera", schema.device.c.status == "online"), conn)
            self.sites = self._load_sites(conn)
            staff = pd.read_sql(sa.select(schema.staff.c.id, schema.staff.c.office_code)
                                .where(schema.staff.c.role != "manager"), conn)
            self.staff = {k: g["id"].to_numpy() for k, g in staff.groupby("office_code")}
            self.next_patrol_id = (conn.execute(sa.select(sa.func.max(schema.assurance_patrol.c.id))).scalar()
                                   or 0) + 1
            self.rules = pd.read_sql(
                sa.select(schema.warning_rule.c.rule_id, schema.warning_rule.c.name,
                          schema.warning_rule.c.level).where(schema.warning_rule.c.enabled.is_(True)), conn)
            self.offices = dict(conn.execute(
                sa.select(schema.office.c.street_code, schema.office.c.code)
                .where(schema.office.c.street_code.is_not(None))).all())
            self.next_alarm_id = (conn.execute(sa.select(sa.func.max(schema.device_alarm.c.id))).scalar()
                                  or 0) + 1
        if self.entities.empty:
            raise RuntimeError("库中没有在营主体：请先运行 smartsup generate 或导入数据")

    def _ids(self, prefix: str, now: datetime, n: int) -> list[str]:
        out = [f"{prefix}{now:%Y%m%d%H%M%S}{self._seq + i:04d}" for i in range(n)]
        self._seq += n
        return out

    def _count(self, kind: str, minutes: float) -> int:
        return int(self.rng.poisson(RATES_PER_MINUTE[kind] * minutes * self.speed))

    def tick(self, now: datetime, minutes: float) -> dict[str, int]:
        """Append the events of ``minutes`` of simulated time ending at ``now``; returns counts."""
        counts = {k: self._count(k, minutes) for k in RATES_PER_MINUTE}
        frames: dict[sa.Table, pd.DataFrame] = {}
        if counts["complaint"]:
            frames[schema.complaint] = self._complaints(now, counts["complaint"])
        if counts["alarm"] and not self.cameras.empty:
            frames[schema.device_alarm] = self._alarms(now, counts["alarm"])
        else:
            counts["alarm"] = 0
        if counts["warning"] and not self.rules.empty:
            frames[schema.warning] = self._warnings(now, counts["warning"])
        else:
            counts["warning"] = 0
        if counts["incident"]:
            frames[schema.incident] = self._incidents(now, counts["incident"])
        patrols = self._patrols(now, minutes)
        counts["patrol"] = len(patrols)
        if len(patrols):
            frames[schema.assurance_patrol] = patrols
        orders = self._work_orders(now, frames)
        counts["work_order"] = len(orders)
        if len(orders):
            frames[schema.city_work_order] = orders
        with self.engine.begin() as conn:
            for table, frame in frames.items():
                bulk_insert(conn, table, frame)
            set_meta(conn, {"simulated_at": now.isoformat(sep=" ", timespec="seconds")})
        return counts

    def _pick(self, n: int) -> pd.DataFrame:
        return self.entities.iloc[self.rng.integers(0, len(self.entities), n)].reset_index(drop=True)

    def _complaints(self, now: datetime, n: int) -> pd.DataFrame:
        ents = self._pick(n)
        cats = self.rng.choice(list(_COMPLAINT_TEXT), n)
        received = [now - timedelta(seconds=int(s)) for s in self.rng.integers(0, 60, n)]
        return pd.DataFrame({
            "id": self._ids("SIMC", now, n),
            "channel": self.rng.choice(["12345", "12315", "web"], n, p=[0.55, 0.3, 0.15]),
            "kind": self.rng.choice(["complaint", "report", "consultation"], n, p=[0.7, 0.15, 0.15]),
            "category": cats,
            "received_at": received,
            "uscc": ents["uscc"], "street_code": ents["street_code"],
            "lon": ents["lon"], "lat": ents["lat"],
            "office_code": [self.offices.get(s) for s in ents["street_code"]],
            "summary": [str(self.rng.choice(_COMPLAINT_TEXT[c])) for c in cats],
            "status": "received",
            "due_at": [r + timedelta(days=7) for r in received],
        })

    def _alarms(self, now: datetime, n: int) -> pd.DataFrame:
        ids = list(range(self.next_alarm_id, self.next_alarm_id + n))
        self.next_alarm_id += n
        at = [now - timedelta(seconds=int(s)) for s in self.rng.integers(0, 60, n)]
        return pd.DataFrame({
            "id": ids,
            "device_id": self.cameras["device_id"].to_numpy()[self.rng.integers(0, len(self.cameras), n)],
            "at": at,
            "kind": self.rng.choice(_ALARM_KINDS, n, p=_ALARM_WEIGHTS),
            "pushed_at": [a + timedelta(seconds=int(s)) for a, s in zip(at, self.rng.integers(5, 40, n),
                                                                       strict=True)],
        })

    def _warnings(self, now: datetime, n: int) -> pd.DataFrame:
        ents = self._pick(n)
        rules = self.rules.iloc[self.rng.integers(0, len(self.rules), n)].reset_index(drop=True)
        return pd.DataFrame({
            "id": self._ids("SIMW", now, n), "rule_id": rules["rule_id"], "level": rules["level"],
            "uscc": ents["uscc"], "street_code": ents["street_code"], "raised_at": now,
            "title": rules["name"], "status": "pending",
            "office_code": [self.offices.get(s) for s in ents["street_code"]],
        })

    def _incidents(self, now: datetime, n: int) -> pd.DataFrame:
        ents = self._pick(n)
        kinds = self.rng.choice(["elevator_entrapment", "mass_complaint", "food_poisoning", "product_safety"],
                                n, p=[0.55, 0.25, 0.1, 0.1])
        summaries = {"elevator_entrapment": "电梯困人，已通知维保单位",
                     "mass_complaint": "预付卡商家闭店引发群体投诉",
                     "food_poisoning": "疑似食物中毒，多人就医",
                     "product_safety": "网传产品安全隐患，舆情关注"}
        return pd.DataFrame({
            "id": self._ids("SIMI", now, n), "kind": kinds,
            "level": self.rng.choice(["III", "IV"], n, p=[0.25, 0.75]), "reported_at": now,
            "street_code": ents["street_code"], "lon": ents["lon"], "lat": ents["lat"], "uscc": ents["uscc"],
            "status": "reported", "summary": [summaries[k] for k in kinds],
        })


    # --- 重大事项保障 and 城运 -------------------------------------------------------------------

    @staticmethod
    def _load_sites(conn: sa.Connection) -> pd.DataFrame:
        st, m, p = schema.assurance_site, schema.assurance_mission, schema.assurance_patrol
        last = sa.select(p.c.site_id, sa.func.max(p.c.at).label("last")).group_by(p.c.site_id).subquery()
        sites = pd.read_sql(
            sa.select(st.c.id, st.c.kind, st.c.street_code, st.c.patrol_interval_hours, m.c.starts_on,
                      m.c.ends_on, last.c.last)
            .select_from(st.join(m, m.c.id == st.c.mission_id).outerjoin(last, last.c.site_id == st.c.id)),
            conn)
        for c in ("starts_on", "ends_on", "last"):
            sites[c] = pd.to_datetime(sites[c])
        return sites

    def _patrols(self, now: datetime, minutes: float) -> pd.DataFrame:
        """Patrols of the active missions' sites: a site falls due at 80 % of its interval and is
        visited within ten minutes or so; an overdue one is caught up within the hour."""
        day = pd.Timestamp(now.date())
        first = self.sites["starts_on"] - pd.Timedelta(days=3)  # patrols begin before the event
        s = self.sites[(first <= day) & (self.sites["ends_on"] >= day)]
        if s.empty:
            return pd.DataFrame()
        age = (pd.Timestamp(now) - s["last"]).dt.total_seconds().fillna(np.inf).to_numpy()
        interval = s["patrol_interval_hours"].to_numpy() * 3600.0
        rate = np.where(age > interval, 1 / 50, np.where(age >= 0.8 * interval, 1 / 10, 0.0)) * self.speed
        go = self.rng.random(len(s)) < 1 - np.exp(-rate * minutes)
        s = s[go]
        n = len(s)
        if not n:
            return pd.DataFrame()
        at = [now - timedelta(seconds=int(x)) for x in self.rng.integers(0, 60, n)]
        self.sites.loc[s.index, "last"] = pd.to_datetime(at)
        offices = [self.offices.get(c) for c in s["street_code"]]
        staff = [int(self.rng.choice(self.staff[o])) if o in self.staff else None for o in offices]
        tests = np.where(s["kind"].isin(["kitchen", "supplier"]).to_numpy(), self.rng.poisson(2.0, n), 0)
        fails = self.rng.binomial(tests, 0.01)
        problem = (self.rng.random(n) < 0.03) | (fails > 0)
        ids = list(range(self.next_patrol_id, self.next_patrol_id + n))
        self.next_patrol_id += n
        return pd.DataFrame({
            "id": ids, "site_id": s["id"].to_numpy(), "at": at, "staff_id": pd.array(staff, dtype="Int64"),
            "result": np.where(problem, "problem", "normal"), "rapid_tests": tests, "rapid_fails": fails,
        })

    def _work_orders(self, now: datetime, frames: dict[sa.Table, pd.DataFrame]) -> pd.DataFrame:
        """城运 work orders for the new events that raise one: rodent and foreign-object alarms, red and
        orange warnings, 12345 safety complaints, every incident; created and pushed at once."""
        parts = []
        al = frames.get(schema.device_alarm)
        if al is not None:
            a = al[al["kind"].isin(["rodent", "foreign_object"])].merge(self.cameras, on="device_id")
            parts.append(pd.DataFrame({
                "source": "ai_alarm", "source_id": a["id"].astype(str), "category": a["kind"],
                "uscc": a["uscc"],
                "street_code": a["street_code"], "lon": a["lon"], "lat": a["lat"], "t": a["at"],
                "hours": 24, "title": "AI告警：" + a["kind"].map({"rodent": "后厨发现鼠患",
                                                                 "foreign_object": "发现异物"}),
            }))
        w = frames.get(schema.warning)
        if w is not None:
            w = w[w["level"].isin(["red", "orange"])]
            parts.append(pd.DataFrame({
                "source": "warning", "source_id": w["id"], "category": w["level"], "uscc": w["uscc"],
                "street_code": w["street_code"], "lon": None, "lat": None, "t": w["raised_at"],
                "hours": np.where(w["level"] == "red", 72, 168), "title": w["title"],
            }))
        c = frames.get(schema.complaint)
        if c is not None:
            c = c[(c["channel"] == "12345") & (c["kind"] != "consultation")
                  & c["category"].isin(["food", "special_equipment", "product_quality"])]
            parts.append(pd.DataFrame({
                "source": "complaint", "source_id": c["id"], "category": c["category"], "uscc": c["uscc"],
                "street_code": c["street_code"], "lon": c["lon"], "lat": c["lat"], "t": c["received_at"],
                "hours": 24 * 7, "title": "12345诉求：" + c["summary"].astype(str),
            }))
        i = frames.get(schema.incident)
        if i is not None:
            parts.append(pd.DataFrame({
                "source": "incident", "source_id": i["id"], "category": i["kind"], "uscc": i["uscc"],
                "street_code": i["street_code"], "lon": i["lon"], "lat": i["lat"], "t": i["reported_at"],
                "hours": 24, "title": i["summary"],
            }))
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame()
        o = pd.concat(parts, ignore_index=True)
        t = pd.to_datetime(o["t"])
        created = (t + pd.to_timedelta(self.rng.integers(0, 30, len(o)), unit="s")).clip(
            upper=pd.Timestamp(now))
        pushed = (created + pd.to_timedelta(self.rng.integers(5, 60, len(o)), unit="s")).clip(
            upper=pd.Timestamp(now))
        return pd.DataFrame({
            "id": self._ids("CYS", now, len(o)), "source": o["source"], "source_id": o["source_id"],
            "category": o["category"], "uscc": o["uscc"], "street_code": o["street_code"],
            "lon": o["lon"], "lat": o["lat"], "title": o["title"].astype(str).str.slice(0, 250),
            "created_at": created.dt.to_pydatetime(), "pushed_at": pushed.dt.to_pydatetime(),
            "due_at": (created + pd.to_timedelta(o["hours"], unit="h")).dt.to_pydatetime(),
            "status": "pushed",
        })


def run(engine: Engine, *, interval_s: float = 10.0, duration_s: float | None = None, speed: float = 1.0,
        seed: int | None = None, on_tick: Callable[[datetime, dict[str, int]], None] | None = None,
        refresh_every_s: float = 0.0, refresh: Callable[[], object] | None = None,
        clock: Callable[[], datetime] | None = None) -> SimulationStats:
    """Append events every ``interval_s`` seconds until ``duration_s`` elapses (forever when None).

    ``clock`` gives the current naive instant in the bureau's time zone (default: Asia/Shanghai).
    """
    clock = clock or (lambda: datetime.now(BUREAU_TZ).replace(tzinfo=None))
    sim = Simulator(engine, seed=seed, speed=speed)
    stats = SimulationStats()
    started = last_refresh = time.monotonic()
    while duration_s is None or time.monotonic() - started < duration_s:
        now = clock().replace(microsecond=0)
        counts = sim.tick(now, interval_s / 60.0)
        stats.ticks += 1
        for k, v in counts.items():
            stats.appended[k] += v
        if on_tick:
            on_tick(now, counts)
        if refresh and refresh_every_s and time.monotonic() - last_refresh >= refresh_every_s:
            refresh()
            last_refresh = time.monotonic()
        remaining = None if duration_s is None else duration_s - (time.monotonic() - started)
        time.sleep(interval_s if remaining is None else max(0.0, min(interval_s, remaining)))
    return stats
