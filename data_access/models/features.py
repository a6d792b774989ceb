"""Per-entity features read from the theme libraries, shared by the tag library and the models.

Every read is one SQLAlchemy Core ``SELECT … GROUP BY`` that leaves the database already aggregated
per entity (or per office), so at 闵行 scale only a few hundred thousand small rows cross into
pandas. Date logic stays in SQL with *bound* date parameters: SQLite keeps DATE as ``YYYY-MM-DD``
text and TIMESTAMP as ``YYYY-MM-DD HH:MM:SS.ffffff``, and SQLAlchemy renders a bound ``date`` /
``datetime`` in exactly that shape, so the comparisons agree on SQLite and PostgreSQL.

Windows are "the last N days up to and including the as-of date": dates ``d`` with
``as_of - N < d <= as_of`` and instants before midnight after ``as_of``. Rows dated after the as-of
date are ignored everywhere, so a past as-of date reproduces what the store knew then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from data_access import schema as s

#: Inspection results that are findings (问题发现), and the AI alarm kinds of kitchen cameras.
FINDINGS = ("ordered_to_rectify", "case_opened")
CAMERA_ALARMS = ("no_hat", "no_mask", "smoking", "phone", "rodent", "foreign_object")
#: Alarms that show contamination itself rather than a hygiene-practice lapse.
SEVERE_CAMERA_ALARMS = ("rodent", "foreign_object")

#: Entities that share one registered address with at least this many other active entities
#: form a "clustered registration address" (集中登记地址); see docs/tags.md for the choice.
CLUSTER_MIN_ENTITIES = 50
#: An entity deregistered within this many days of its establishment is short-lived (短命企业).
SHORT_LIFE_DAYS = 365

#: Flags read from entity names during the one scan of the entity table: flag → (keywords, the
#: GB/T 4754 divisions the flag applies to; empty = all). Menu flags feed the catering model's menu
#: risk, the others the tag library and the canteen rules.
NAME_FLAGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cold_chain_name": (("冷链", "冷藏", "冷冻", "冻品", "冷库"), ()),
    "care_home_name": (("养老", "敬老", "老年", "长者", "护理院", "福利院"), ("85",)),
    "menu_raw": (("日料", "寿司", "刺身", "生鲜", "海鲜", "凉菜", "卤味", "熟食", "烧腊"), ("62",)),
    "menu_grill": (("火锅", "烧烤", "串", "烤肉", "小龙虾", "麻辣烫"), ("62",)),
    "menu_light": (("奶茶", "咖啡", "茶饮", "饮品", "烘焙", "面包", "甜品", "蛋糕", "点心"), ("62",)),
}

DEVICE_KINDS = s.ENUMS[("device", "kind")]
ENTITY_TYPES = s.ENUMS[("entity", "entity_type")]
VENUES = s.ENUMS[("device", "venue_category")]


class days_between(FunctionElement):  # noqa: N801 — named like the SQL function it stands for
    """Whole days from the second DATE argument to the first, on SQLite and PostgreSQL."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


def months_before(day: date, months: int) -> date:
    """The same calendar day ``months`` earlier (clamped to the month's end)."""
    return (pd.Timestamp(day) - pd.DateOffset(months=months)).date()


def midnight(day: date) -> datetime:
    """The instant at which ``day`` starts (TIMESTAMP columns are naive local time)."""
    return datetime(day.year, day.month, day.day)


def _flag(condition: sa.ColumnElement[bool]) -> sa.Case:
    return sa.case((condition, 1), else_=0)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(_flag(condition))


def read_frame(conn: sa.Connection, query: sa.Select, *, raw: bool = False) -> pd.DataFrame:
    """Run ``query`` and return its rows as a DataFrame with the query's column names.

    ``raw`` fetches the driver's tuples directly, skipping SQLAlchemy's row objects and result
    processing: only for queries whose columns are text or numbers.
    """
    result = conn.execute(query)
    keys = list(result.keys())
    rows = result.cursor.fetchall() if raw else result.fetchall()
    if not rows:
        return pd.DataFrame({k: pd.Series(dtype=object) for k in keys})
    # Column-wise: handing pandas the Row objects makes it probe each one for attributes, which
    # costs seconds at 闵行 scale.
    return pd.DataFrame(dict(zip(keys, map(list, zip(*rows, strict=True)), strict=True)))


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns}, index=pd.Index([], name="uscc"))


@dataclass(frozen=True)
class Window:
    """The as-of date and the window starts derived from it (first day inside each window)."""

    as_of: date

    @property
    def end(self) -> datetime:
        """Exclusive upper bound for TIMESTAMP columns: midnight after the as-of date."""
        return midnight(self.as_of + timedelta(days=1))

    def days(self, n: int) -> date:
        """First date of the last ``n`` days."""
        return self.as_of - timedelta(days=n - 1)

    def since(self, n: int) -> datetime:
        """First instant of the last ``n`` days."""
        return midnight(self.days(n))


def entity_active_at(as_of: date, t: sa.TableClause = s.entity) -> sa.ColumnElement[bool]:
    """Entities established by ``as_of`` and not yet cancelled, revoked or moved out on that day."""
    return sa.and_(
        t.c.established_on <= as_of,
        sa.or_(t.c.status == "active", t.c.status_changed_on > as_of),
    )


class Features:
    """Lazily read, per-entity aggregates as of one date, optionally for one entity only.

    Each property runs its query once; the models and the tag library share one instance so a
    refresh reads every source table once. ``entities`` (the active entities, sorted by code) is
    the spine: ``aligned`` lays a per-entity feature along it once, so the models combine plain
    arrays and select with boolean masks instead of joining on 18-character codes again and again.
    With ``uscc`` set every query is filtered to that entity (the 一户一档 page's single-entity
    facets); the address-cluster size still counts the other entities at the same address.
    """

    def __init__(self, conn: sa.Connection, as_of: date, uscc: str | None = None) -> None:
        self.conn = conn
        self.w = Window(as_of)
        self.uscc = uscc
        self._aligned: dict[str, pd.DataFrame] = {}
        #: Results derived from the features (e.g. the canteen sets) that models and tags share.
        self.derived: dict[str, Any] = {}

    @property
    def as_of(self) -> date:
        """The as-of date of every feature."""
        return self.w.as_of

    def _only(self, query: sa.Select, column: sa.ColumnElement) -> sa.Select:
        return query if self.uscc is None else query.where(column == self.uscc)

    def _read(self, query: sa.Select, column: sa.ColumnElement) -> pd.DataFrame:
        # Every feature query returns codes, enumerations and numbers only: no result processing.
        return read_frame(self.conn, self._only(query, column), raw=True)

    def _per_entity(self, query: sa.Select, column: sa.ColumnElement) -> pd.DataFrame:
        frame = self._read(query, column)
        if frame.empty:
            return _empty([c for c in frame.columns if c != "uscc"])
        return frame.set_index("uscc").astype("int64")

    # --- alignment on the active entities ---------------------------------------------------

    @property
    def index(self) -> pd.Index:
        """Codes of the active entities, sorted: the row order of ``aligned`` and ``mask``."""
        return self.entities.index

    def aligned(self, name: str) -> pd.DataFrame:
        """The per-entity feature ``name`` (a property of this class) with one row per active
        entity in ``index`` order; entities without rows get zeros. Computed once per feature."""
        if name not in self._aligned:
            frame = getattr(self, name)
            pos = self.positions(frame.index)
            hit = pos >= 0
            # Counts (and whole yuan) in 32 bits: some fifty columns along 330,000 entities.
            values = np.zeros((len(self.index), frame.shape[1]), dtype="int32")
            values[pos[hit]] = np.rint(frame.to_numpy(dtype="float64")[hit]).astype("int32")
            self._aligned[name] = pd.DataFrame(values, index=self.index, columns=frame.columns)
        return self._aligned[name]

    def arrays(self, name: str, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The columns of ``aligned(name)`` (or of ``entities`` for ``name="entities"``) as plain
        arrays, restricted to ``mask``. Arithmetic on arrays skips pandas' index alignment, which
        compares 18-character codes element by element whenever two Series meet."""
        frame = self.entities if name == "entities" else self.aligned(name)
        return {c: frame[c].to_numpy() if mask is None else frame[c].to_numpy()[mask]
                for c in frame.columns}

    def positions(self, codes: pd.Index | pd.Series | np.ndarray) -> np.ndarray:
        """Row of each code in ``index``, or -1 for codes of no active entity.

        A binary search over the sorted fixed-width codes: hashing a third of a million Python
        strings into a lookup table would cost more than all the lookups of a refresh.
        """
        spine = self._spine[1]
        wanted = np.asarray(codes, dtype="S18")
        at = np.minimum(np.searchsorted(spine, wanted), max(len(spine) - 1, 0))
        return np.where((spine[at] == wanted) if len(spine) else False, at, -1)

    def mask(self, codes: pd.Index | pd.Series | np.ndarray) -> np.ndarray:
        """Boolean array over ``index``: which active entities are among ``codes``."""
        pos = self.positions(codes)
        out = np.zeros(len(self.index), dtype=bool)
        out[pos[pos >= 0]] = True
        return out

    # --- 登记许可 ---------------------------------------------------------------------------

    def _short_lived(self, t: sa.TableClause) -> sa.ColumnElement[bool]:
        """Entities of ``t`` deregistered in the last three years within ``SHORT_LIFE_DAYS`` of
        establishment (短命企业)."""
        a = self.as_of
        return sa.and_(t.c.status.in_(("cancelled", "revoked")),
                       t.c.status_changed_on >= months_before(a, 36), t.c.status_changed_on <= a,
                       days_between(t.c.status_changed_on, t.c.established_on) <= SHORT_LIFE_DAYS)

    @property
    def entities(self) -> pd.DataFrame:
        """Active entities, sorted by code, from one scan of the entity table.

        Columns: ``entity_type`` and ``industry_code`` (categorical), ``capital`` (万元),
        ``age_band`` (0 under three months, 1 under a year, 2 under three years, 3 under five years,
        4 under ten years, 5 older), one 0/1 column per ``NAME_FLAGS`` entry and ``rep_link`` (1 when
        the legal representative's phone is shared with a short-lived entity). Everything is decided
        in SQL and comes back as small integers: the scan is the largest read of the refresh, and
        shipping every name and address to Python would cost more than all the other reads together.
        """
        return self._spine[0]

    @cached_property
    def _spine(self) -> tuple[pd.DataFrame, np.ndarray]:
        """``entities`` and its codes as sorted fixed-width bytes (for ``positions``)."""
        e, other = s.entity, s.entity.alias("other")
        a = self.as_of
        band = sa.case(
            (e.c.established_on > a, -1),
            (e.c.established_on > months_before(a, 3), 0),
            (e.c.established_on > months_before(a, 12), 1),
            (e.c.established_on > months_before(a, 36), 2),
            (e.c.established_on > months_before(a, 60), 3),
            (e.c.established_on > months_before(a, 120), 4),
            else_=5,
        )
        bits = []
        for bit, (keywords, divisions) in enumerate(NAME_FLAGS.values()):
            cond = sa.or_(*(e.c.name.like(f"%{k}%") for k in keywords))
            if divisions:
                cond = sa.and_(e.c.industry_code.in_(divisions), cond)
            bits.append(sa.case((cond, 1 << bit), else_=0))
        types = ENTITY_TYPES
        q = sa.select(
            e.c.uscc,
            sa.case(*((e.c.entity_type == t, i) for i, t in enumerate(types)), else_=len(types))
            .label("type_code"),
            sa.cast(e.c.industry_code, sa.Integer).label("division"),
            sa.cast(e.c.registered_capital, sa.Float).label("capital"),
            band.label("age_band"),
            sum(bits[1:], bits[0]).label("name_bits"),
            # An uncorrelated IN-subquery is evaluated once; the phone column is only read here. For a
            # single entity it would cost more than everything else, and its facets do not need it.
            (_flag(e.c.legal_rep_phone.in_(sa.select(other.c.legal_rep_phone).where(self._short_lived(other))))
             if self.uscc is None else sa.literal(0)).label("rep_link"),
        # Entities established after the as-of date (band -1) are dropped below, not here: a date
        # condition true for nearly every row lures SQLite into the date index and a random walk
        # through the table, 60 % slower than the scan this status filter gets.
        ).where(sa.or_(e.c.status == "active", e.c.status_changed_on > a))
        # Fetched in chunks straight into typed arrays: a third of a million rows as Python tuples
        # would hold a hundred megabytes at once.
        cursor = self.conn.execute(self._only(q, e.c.uscc)).cursor
        dtypes = ("S18", "int64", "int64", "float64", "int64", "int64", "int64")
        parts: list[list[np.ndarray]] = []
        while chunk := cursor.fetchmany(50_000):
            columns = zip(*chunk, strict=True)
            parts.append([np.array(c, dtype=t) for c, t in zip(columns, dtypes, strict=True)])
        cols = [np.concatenate([p[i] for p in parts]) if parts else np.array([], dtype=t)
                for i, t in enumerate(dtypes)]
        # Sorting fixed-width codes in numpy is far cheaper than ORDER BY, which walks the key index.
        order = np.argsort(cols[0], kind="stable")
        order = order[cols[4][order] >= 0]
        codes = cols[0][order]

        def col(i: int) -> np.ndarray:
            return cols[i][order]

        out = pd.DataFrame({
            "entity_type": pd.Categorical.from_codes(col(1), categories=[*types, "other"]),
            "industry_code": pd.Categorical.from_codes(
                col(2), categories=[f"{d:02d}" for d in range(100)]),
            "capital": col(3),
            "age_band": col(4),
        }, index=pd.Index(codes.astype(str), name="uscc", dtype=object))
        name_bits = col(5)
        for bit, flag in enumerate(NAME_FLAGS):
            out[flag] = (name_bits >> bit) & 1
        out["rep_link"] = col(6)
        return out, codes

    @cached_property
    def licences(self) -> pd.DataFrame:
        """Per entity: ``valid_food`` (a valid food-business licence), ``expiring`` (valid licences
        expiring within 30 days), ``unrenewed`` (kinds that lapsed with no valid successor) and
        ``revoked`` (kinds revoked).

        A licence is valid on the as-of date when it was issued by then, expires on or after it and
        was neither revoked nor cancelled (status ``expired`` is the later state of a valid one).
        """
        lc = s.licence.c
        a = self.as_of
        live = sa.and_(lc.expires_on >= a, lc.status.in_(("valid", "expired")))
        q = (sa.select(
                lc.uscc, lc.kind,
                sa.func.max(_flag(live)).label("valid"),
                sa.func.max(_flag(sa.and_(live, lc.expires_on <= a + timedelta(days=30)))).label("expiring"),
                sa.func.max(_flag(sa.and_(lc.expires_on < a, lc.status.in_(("valid", "expired")))))
                .label("lapsed"),
                sa.func.max(_flag(lc.status == "revoked")).label("revoked"))
             .where(lc.issued_on <= a)
             .group_by(lc.uscc, lc.kind))
        lic = self._read(q, lc.uscc)
        cols = ["valid_food", "expiring", "unrenewed", "revoked"]
        if lic.empty:
            return _empty(cols)
        lic = lic.assign(
            valid_food=((lic["kind"] == "food_business") & (lic["valid"] == 1)).astype("int64"),
            unrenewed=((lic["lapsed"] == 1) & (lic["valid"] == 0)).astype("int64"),
        )
        return lic.groupby("uscc")[cols].sum().astype("int64")

    @cached_property
    def changes(self) -> pd.DataFrame:
        """Registration changes in the last 365 days per entity, one column per changed field."""
        c = s.entity_change.c
        q = (sa.select(c.uscc, c.field, sa.func.count().label("n"))
             .where(c.changed_on >= self.w.days(365), c.changed_on <= self.as_of)
             .group_by(c.uscc, c.field))
        frame = self._read(q, c.uscc)
        fields = list(s.ENUMS[("entity_change", "field")])
        if frame.empty:
            return _empty(fields)
        wide = frame.pivot_table(index="uscc", columns="field", values="n", aggfunc="sum", fill_value=0)
        return wide.reindex(columns=fields, fill_value=0).astype("int64")

    @cached_property
    def address_clusters(self) -> pd.DataFrame:
        """Active entities at a registered address shared by ≥ ``CLUSTER_MIN_ENTITIES`` active
        entities; column ``n`` is the number of active entities at that address."""
        e, other = s.entity, s.entity.alias("other")
        # Two stages, each answered from the address index: the addresses with enough entities of
        # any status, then their active entities (counted again, since some have gone).
        crowded = (sa.select(other.c.address).group_by(other.c.address)
                   .having(sa.func.count() >= CLUSTER_MIN_ENTITIES))
        q = sa.select(e.c.uscc, e.c.address).where(e.c.address.in_(crowded), entity_active_at(self.as_of))
        if self.uscc is not None:
            q = q.where(e.c.address == sa.select(other.c.address).where(other.c.uscc == self.uscc)
                        .scalar_subquery())
        frame = read_frame(self.conn, q, raw=True)
        if frame.empty:
            return _empty(["n"])
        n = frame.groupby("address")["uscc"].transform("size").to_numpy()
        out = pd.DataFrame({"n": n.astype("int64")}, index=pd.Index(frame["uscc"], name="uscc", dtype=object))
        out = out[out["n"] >= CLUSTER_MIN_ENTITIES]
        return out if self.uscc is None else out[out.index == self.uscc]

    @cached_property
    def short_lived_links(self) -> pd.DataFrame:
        """Active entities linked to short-lived entities (deregistered in the last three years
        within ``SHORT_LIFE_DAYS`` of establishment): ``by_address`` counts those registered at the
        same address, ``by_legal_rep`` those led by the same legal representative (name and phone)."""
        e, dead = s.entity, s.entity.alias("dead")
        a = self.as_of
        rep = (e.c.legal_rep_name + "|" + e.c.legal_rep_phone).label("rep")
        dead_rep = (dead.c.legal_rep_name + "|" + dead.c.legal_rep_phone).label("rep")
        per_address = (sa.select(dead.c.address, sa.func.count().label("n"))
                       .where(self._short_lived(dead)).group_by(dead.c.address).subquery())
        # Driven from the few short-lived addresses, each probing the address index.
        links = self._read(sa.select(e.c.uscc, per_address.c.n.label("by_address"))
                           .join_from(per_address, e, e.c.address == per_address.c.address)
                           .where(entity_active_at(a)), e.c.uscc).set_index("uscc")
        # Phones were matched in the spine scan; only the few matching entities are read again.
        linked = self.index if self.uscc is not None else self.index[self.entities["rep_link"].to_numpy() > 0]
        if len(linked):
            by_rep = read_frame(self.conn, sa.select(dead_rep, sa.func.count().label("by_legal_rep"))
                                .where(self._short_lived(dead), dead.c.legal_rep_phone.is_not(None))
                                .group_by(dead.c.legal_rep_name, dead.c.legal_rep_phone), raw=True)
            reps = pd.concat([read_frame(self.conn, sa.select(e.c.uscc, rep).where(
                e.c.uscc.in_(list(linked[i:i + 500]))), raw=True) for i in range(0, len(linked), 500)])
            links = links.join(reps.merge(by_rep, on="rep").groupby("uscc")[["by_legal_rep"]].sum(),
                               how="outer")
        links.index.name = "uscc"
        return links.reindex(columns=["by_address", "by_legal_rep"]).fillna(0).astype("int64")

    # --- 综合监管 ---------------------------------------------------------------------------

    @cached_property
    def lists(self) -> pd.DataFrame:
        """Per entity: currently on ``abnormal_operation`` / ``serious_illegal_dishonest`` /
        ``joint_punishment`` (0/1), and ``removed_2y`` (taken off any list in the last two years)."""
        cl = s.credit_list.c
        a = self.as_of
        current = sa.and_(cl.listed_on <= a, sa.or_(cl.removed_on.is_(None), cl.removed_on > a))
        recent = sa.and_(cl.removed_on > months_before(a, 24), cl.removed_on <= a)
        q = (sa.select(cl.uscc, cl.list,
                       sa.func.max(_flag(current)).label("current"),
                       sa.func.max(_flag(recent)).label("recent"))
             .where(cl.listed_on <= a)
             .group_by(cl.uscc, cl.list))
        frame = self._read(q, cl.uscc)
        names = list(s.ENUMS[("credit_list", "list")])
        if frame.empty:
            return _empty([*names, "removed_2y"])
        wide = frame.pivot_table(index="uscc", columns="list", values="current", aggfunc="max",
                                 fill_value=0).reindex(columns=names, fill_value=0)
        wide["removed_2y"] = frame.groupby("uscc")["recent"].max().reindex(wide.index).fillna(0)
        return wide.astype("int64")

    @cached_property
    def inspections(self) -> pd.DataFrame:
        """Inspections done in the last three years per entity: ``done``, ``findings``,
        ``case_opened``, ``rectify``, ``unreachable``, ``not_publicized``, and over the last 365 days
        ``done_12m``, ``findings_12m``, ``case_opened_12m``."""
        i = s.inspection.c
        y1 = self.w.days(365)
        q = (sa.select(
                i.uscc,
                sa.func.count().label("done"),
                _count_if(i.result.in_(FINDINGS)).label("findings"),
                _count_if(i.result == "case_opened").label("case_opened"),
                _count_if(i.result == "ordered_to_rectify").label("rectify"),
                _count_if(i.result == "unreachable").label("unreachable"),
                _count_if(i.result == "not_publicized").label("not_publicized"),
                _count_if(i.done_on >= y1).label("done_12m"),
                _count_if(sa.and_(i.done_on >= y1, i.result.in_(FINDINGS))).label("findings_12m"),
                _count_if(sa.and_(i.done_on >= y1, i.result == "case_opened")).label("case_opened_12m"))
             .where(i.done_on > months_before(self.as_of, 36), i.done_on <= self.as_of)
             .group_by(i.uscc))
        return self._per_entity(q, i.uscc)

    @cached_property
    def cases(self) -> pd.DataFrame:
        """Cases opened in the last three years per entity: ``cases``, ``cases_12m``,
        ``food_cases_12m``, ``penalty`` (fines + confiscations, 元) and ``police`` (any transfer)."""
        c = s.case_file.c
        y1 = self.w.days(365)
        money = sa.func.coalesce(c.fine_amount, 0) + sa.func.coalesce(c.confiscation_amount, 0)
        q = (sa.select(
                c.uscc,
                sa.func.count().label("cases"),
                _count_if(c.opened_on >= y1).label("cases_12m"),
                _count_if(sa.and_(c.opened_on >= y1, c.cause == "food_safety")).label("food_cases_12m"),
                sa.func.max(_flag(c.transferred_to_police.is_(True))).label("police"),
                sa.cast(sa.func.sum(money), sa.Float).label("penalty"))
             .where(c.opened_on > months_before(self.as_of, 36), c.opened_on <= self.as_of)
             .group_by(c.uscc))
        out = self._read(q, c.uscc)
        if out.empty:
            return _empty(["cases", "cases_12m", "food_cases_12m", "police", "penalty"])
        out = out.set_index("uscc")
        return out.astype({k: "int64" for k in out.columns[:-1]} | {"penalty": "float64"})

    # --- 投诉举报 ---------------------------------------------------------------------------

    @cached_property
    def complaints(self) -> pd.DataFrame:
        """Complaints and reports (not consultations) naming the entity: ``n90`` in the last
        90 days, ``n365`` and ``food_365`` (category food) in the last 365 days."""
        c = s.complaint.c
        q = (sa.select(
                c.uscc,
                _count_if(c.received_at >= self.w.since(90)).label("n90"),
                sa.func.count().label("n365"),
                _count_if(c.category == "food").label("food_365"))
             .where(c.uscc.is_not(None), c.kind != "consultation",
                    c.received_at >= self.w.since(365), c.received_at < self.w.end)
             .group_by(c.uscc))
        return self._per_entity(q, c.uscc)

    # --- 食品安全 / 特种设备 / 远程监控 / 网络经营 -------------------------------------------

    @cached_property
    def samplings(self) -> pd.DataFrame:
        """Food samplings in the last 365 days: ``sampled``, ``failed``, ``failed_open`` (failed and
        not yet followed up on the as-of date)."""
        f = s.food_sampling.c
        fail = f.result == "fail"
        open_ = sa.and_(fail, sa.or_(f.followed_up_on.is_(None), f.followed_up_on > self.as_of))
        q = (sa.select(f.uscc, sa.func.count().label("sampled"), _count_if(fail).label("failed"),
                       _count_if(open_).label("failed_open"))
             .where(f.sampled_on >= self.w.days(365), f.sampled_on <= self.as_of)
             .group_by(f.uscc))
        return self._per_entity(q, f.uscc)

    @cached_property
    def equipment(self) -> pd.DataFrame:
        """Special equipment in use on the as-of date: ``in_use`` and ``overdue`` (next periodic
        inspection due before the as-of date)."""
        q_ = s.equipment.c
        q = (sa.select(q_.uscc, sa.func.count().label("in_use"),
                       _count_if(q_.next_inspection_due < self.as_of).label("overdue"))
             .where(q_.status == "in_use", q_.installed_on <= self.as_of)
             .group_by(q_.uscc))
        return self._per_entity(q, q_.uscc)

    @cached_property
    def devices(self) -> pd.DataFrame:
        """Installed, not retired monitoring devices per entity: one count per device kind, and
        ``cam_<venue>`` kitchen cameras per venue category."""
        d = s.device.c
        q = (sa.select(d.uscc, d.kind, d.venue_category.label("venue"), sa.func.count().label("n"))
             .where(d.uscc.is_not(None), d.status != "retired", d.installed_on <= self.as_of)
             .group_by(d.uscc, d.kind, d.venue_category))
        frame = self._read(q, d.uscc)
        cols = [*DEVICE_KINDS, *(f"cam_{v}" for v in VENUES)]
        if frame.empty:
            return _empty(cols)
        frame["venue"] = frame["venue"].fillna("other")
        kinds = frame.pivot_table(index="uscc", columns="kind", values="n", aggfunc="sum", fill_value=0)
        cams = frame[frame["kind"] == "kitchen_camera"].pivot_table(
            index="uscc", columns="venue", values="n", aggfunc="sum", fill_value=0).add_prefix("cam_")
        return kinds.join(cams, how="left").reindex(columns=cols).fillna(0).astype("int64")

    @cached_property
    def camera_alarms(self) -> pd.DataFrame:
        """Kitchen-camera AI alarms in the last 90 days per entity: ``alarms`` and ``severe``
        (rodent, foreign object)."""
        al, d = s.device_alarm, s.device
        # Alarms of the window first (a short range of the time index), then their devices by key;
        # starting from the cameras would walk every alarm they ever raised.
        recent = (sa.select(al.c.device_id, sa.func.count().label("alarms"),
                            _count_if(al.c.kind.in_(SEVERE_CAMERA_ALARMS)).label("severe"))
                  .where(al.c.at >= self.w.since(90), al.c.at < self.w.end, al.c.kind.in_(CAMERA_ALARMS))
                  .group_by(al.c.device_id).subquery())
        q = (sa.select(d.c.uscc, sa.func.sum(recent.c.alarms).label("alarms"),
                       sa.func.sum(recent.c.severe).label("severe"))
             .join_from(recent, d, d.c.device_id == recent.c.device_id)
             .where(d.c.uscc.is_not(None), d.c.kind == "kitchen_camera")
             .group_by(d.c.uscc))
        return self._per_entity(q, d.c.uscc)

    @cached_property
    def online_stores(self) -> pd.DataFrame:
        """Online stores open on the as-of date per entity: ``stores``."""
        o = s.online_store.c
        q = (sa.select(o.uscc, sa.func.count().label("stores"))
             .where(o.status == "active", o.opened_on <= self.as_of)
             .group_by(o.uscc))
        return self._per_entity(q, o.uscc)
