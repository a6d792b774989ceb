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

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s

#: Inspection results that are findings (问题发现), and the AI alarm kinds of kitchen cameras.
FINDINGS = ("ordered_to_rectify", "case_opened")
CAMERA_ALARMS = ("no_hat", "no_mask", "smoking", "phone", "rodent", "foreign_object")
#: Alarms that show contamination itself rather than a hygiene-practice lapse.
SEVERE_CAMERA_ALARMS = ("rodent", "foreign_object")

#: Entities that share one registered address with at least this many other active entities
#: form a "clustered registration address" (集中登记地址); see docs/tags.md for the choice.
CLUSTER_MIN_ENTITIES = 10


def months_before(day: date, months: int) -> date:
    """The same calendar day ``months`` earlier (clamped to the month's end)."""
    return (pd.Timestamp(day) - pd.DateOffset(months=months)).date()


def midnight(day: date) -> datetime:
    """The instant at which ``day`` starts (TIMESTAMP columns are naive local time)."""
    return datetime(day.year, day.month, day.day)


def _flag(condition: sa.ColumnElement[bool]) -> sa.Case:
    return sa.case((condition, 1), else_=0)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.Label:
    return sa.func.sum(_flag(condition))


def read_frame(conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
    """Run ``query`` and return its rows as a DataFrame with the query's column names."""
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


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


def entity_active_at(as_of: date) -> sa.ColumnElement[bool]:
    """Entities established by ``as_of`` and not yet cancelled, revoked or moved out on that day."""
    e = s.entity.c
    return sa.and_(
        e.established_on <= as_of,
        sa.or_(e.status == "active", e.status_changed_on > as_of),
    )


class Features:
    """Lazily read, per-entity aggregates as of one date, optionally for one entity only.

    Each property runs its query once; the models and the tag library share one instance so a
    refresh reads every source table once. With ``uscc`` set every query is filtered to that entity
    (the 一户一档 page's single-entity facets), except the address-cluster size, which by nature
    counts the other entities at the same address.
    """

    def __init__(self, conn: sa.Connection, as_of: date, uscc: str | None = None) -> None:
        self.conn = conn
        self.w = Window(as_of)
        self.uscc = uscc

    @property
    def as_of(self) -> date:
        """The as-of date of every feature."""
        return self.w.as_of

    def _only(self, query: sa.Select, column: sa.ColumnElement) -> sa.Select:
        return query if self.uscc is None else query.where(column == self.uscc)

    def _read(self, query: sa.Select, column: sa.ColumnElement) -> pd.DataFrame:
        return read_frame(self.conn, self._only(query, column))

    # --- 登记许可 ---------------------------------------------------------------------------

    @cached_property
    def entities(self) -> pd.DataFrame:
        """Active entities: ``entity_type``, ``industry_code``, ``capital`` (万元) and ``age_band``.

        ``age_band``: 0 under three months, 1 under a year, 2 under three years, 3 under five years,
        4 under ten years, 5 ten years or older (bands are computed in SQL from bound dates).
        """
        e = s.entity.c
        a = self.as_of
        band = sa.case(
            (e.established_on > months_before(a, 3), 0),
            (e.established_on > months_before(a, 12), 1),
            (e.established_on > months_before(a, 36), 2),
            (e.established_on > months_before(a, 60), 3),
            (e.established_on > months_before(a, 120), 4),
            else_=5,
        )
        q = sa.select(
            e.uscc, e.entity_type, e.industry_code,
            sa.cast(e.registered_capital, sa.Float).label("capital"), band.label("age_band"),
        ).where(entity_active_at(a))
        out = self._read(q, e.uscc).set_index("uscc").sort_index()
        out["capital"] = out["capital"].astype("float64")
        out["age_band"] = out["age_band"].astype("int64")
        return out

    def name_matches(self, keywords: tuple[str, ...], industries: tuple[str, ...] = ()) -> pd.Index:
        """Active entities whose name contains one of ``keywords`` (optionally within divisions)."""
        e = s.entity.c
        q = sa.select(e.uscc).where(entity_active_at(self.as_of),
                                    sa.or_(*(e.name.contains(k, autoescape=True) for k in keywords)))
        if industries:
            q = q.where(e.industry_code.in_(industries))
        return pd.Index(self._read(q, e.uscc)["uscc"], name="uscc")

    def names(self, industries: tuple[str, ...]) -> pd.Series:
        """Names of the active entities in the given GB/T 4754 divisions."""
        e = s.entity.c
        q = sa.select(e.uscc, e.name).where(entity_active_at(self.as_of),
                                            e.industry_code.in_(industries))
        return self._read(q, e.uscc).set_index("uscc")["name"]

    @cached_property
    def licences(self) -> pd.DataFrame:
        """Per entity × licence kind: ``valid``, ``expiring`` (≤ 30 days), ``lapsed``, ``revoked``.

        A licence is valid on the as-of date when it was issued by then, expires on or after it and
        was neither revoked nor cancelled (status ``expired`` is the later state of a valid one).
        ``lapsed``: a licence of that kind expired before the as-of date.
        """
        lc = s.licence.c
        a = self.as_of
        live = sa.and_(lc.issued_on <= a, lc.expires_on >= a, lc.status.in_(("valid", "expired")))
        q = (sa.select(
                lc.uscc, lc.kind,
                sa.func.max(_flag(live)).label("valid"),
                sa.func.max(_flag(sa.and_(live, lc.expires_on <= a + timedelta(days=30)))).label("expiring"),
                sa.func.max(_flag(sa.and_(lc.expires_on < a, lc.status.in_(("valid", "expired")))))
                .label("lapsed"),
                sa.func.max(_flag(lc.status == "revoked")).label("revoked"))
             .where(lc.issued_on <= a)
             .group_by(lc.uscc, lc.kind))
        return self._read(q, lc.uscc)

    def licence_summary(self) -> pd.DataFrame:
        """Per entity: ``valid_food`` (valid food_business licence), ``expiring``, ``unrenewed``
        (a kind that lapsed and has no valid successor) and ``revoked`` licences."""
        lic = self.licences
        if lic.empty:
            return pd.DataFrame(columns=["valid_food", "expiring", "unrenewed", "revoked"],
                                index=pd.Index([], name="uscc"), dtype="int64")
        lic = lic.assign(
            valid_food=((lic["kind"] == "food_business") & (lic["valid"] == 1)).astype("int64"),
            unrenewed=((lic["lapsed"] == 1) & (lic["valid"] == 0)).astype("int64"),
        )
        return lic.groupby("uscc")[["valid_food", "expiring", "unrenewed", "revoked"]].sum()

    @cached_property
    def changes(self) -> pd.DataFrame:
        """Registration changes in the last 365 days per entity, one column per changed field."""
        c = s.entity_change.c
        q = (sa.select(c.uscc, c.field, sa.func.count().label("n"))
             .where(c.changed_on >= self.w.days(365), c.changed_on <= self.as_of)
             .group_by(c.uscc, c.field))
        frame = self._read(q, c.uscc)
        fields = ("registered_capital", "shareholder", "legal_rep", "address", "name", "scope")
        wide = frame.pivot_table(index="uscc", columns="field", values="n", aggfunc="sum", fill_value=0)
        return wide.reindex(columns=list(fields), fill_value=0).astype("int64")

    @cached_property
    def address_clusters(self) -> pd.Series:
        """Active entities at a registered address shared by ≥ ``CLUSTER_MIN_ENTITIES`` active
        entities, with the number of active entities at that address."""
        e = s.entity
        per_address = (sa.select(e.c.address, sa.func.count().label("n"))
                       .where(entity_active_at(self.as_of))
                       .group_by(e.c.address)
                       .having(sa.func.count() >= CLUSTER_MIN_ENTITIES)
                       .subquery())
        q = (sa.select(e.c.uscc, per_address.c.n)
             .join_from(e, per_address, e.c.address == per_address.c.address)
             .where(entity_active_at(self.as_of)))
        return self._read(q, e.c.uscc).set_index("uscc")["n"].astype("int64")

    @cached_property
    def short_lived_links(self) -> pd.DataFrame:
        """Active entities linked to short-lived entities (cancelled or revoked within 365 days of
        establishment, deregistered in the last three years): ``by_address`` counts those registered
        at the same address, ``by_legal_rep`` those led by the same legal representative."""
        e = s.entity.c
        a = self.as_of

        def deregistered(t: sa.TableClause) -> sa.ColumnElement[bool]:
            return sa.and_(t.c.status.in_(("cancelled", "revoked")),
                           t.c.status_changed_on >= months_before(a, 36), t.c.status_changed_on <= a)

        dead = read_frame(self.conn, sa.select(
            e.address, e.legal_rep_name, e.legal_rep_phone, e.established_on, e.status_changed_on,
        ).where(deregistered(s.entity)))
        cols = ["by_address", "by_legal_rep"]
        if dead.empty:
            return pd.DataFrame(columns=cols, index=pd.Index([], name="uscc"), dtype="int64")
        lifetime = (pd.to_datetime(dead["status_changed_on"])
                    - pd.to_datetime(dead["established_on"])).dt.days
        dead = dead[lifetime <= 365]
        by_address = dead.groupby("address").size().rename("by_address")
        reps = dead.dropna(subset=["legal_rep_name", "legal_rep_phone"])
        by_rep = reps.groupby(["legal_rep_name", "legal_rep_phone"]).size().rename("by_legal_rep")
        # Narrow in SQL to entities sharing an address or a phone with any recent deregistration;
        # the one-year lifetime test is date arithmetic, done above in pandas for both backends.
        dead_e = s.entity.alias("dead")
        q = (sa.select(e.uscc, e.address, e.legal_rep_name, e.legal_rep_phone)
             .where(entity_active_at(a), sa.or_(
                 e.address.in_(sa.select(dead_e.c.address).where(deregistered(dead_e))),
                 e.legal_rep_phone.in_(sa.select(dead_e.c.legal_rep_phone).where(deregistered(dead_e))))))
        alive = self._read(q, e.uscc)
        alive = alive.join(by_address, on="address").join(by_rep, on=["legal_rep_name", "legal_rep_phone"])
        out = alive.set_index("uscc")[cols].fillna(0).astype("int64")
        return out[(out > 0).any(axis=1)].sort_index()

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
        return self._read(q, i.uscc).set_index("uscc").astype("int64")

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
                sa.cast(sa.func.sum(money), sa.Float).label("penalty"),
                sa.func.max(_flag(c.transferred_to_police.is_(True))).label("police"))
             .where(c.opened_on > months_before(self.as_of, 36), c.opened_on <= self.as_of)
             .group_by(c.uscc))
        out = self._read(q, c.uscc).set_index("uscc")
        ints = ["cases", "cases_12m", "food_cases_12m", "police"]
        out[ints] = out[ints].astype("int64")
        out["penalty"] = out["penalty"].astype("float64")
        return out

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
        return self._read(q, c.uscc).set_index("uscc").astype("int64")

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
        return self._read(q, f.uscc).set_index("uscc").astype("int64")

    @cached_property
    def equipment(self) -> pd.DataFrame:
        """Special equipment in use on the as-of date: ``in_use`` and ``overdue`` (next periodic
        inspection due before the as-of date)."""
        q_ = s.equipment.c
        in_use = sa.and_(q_.status == "in_use", q_.installed_on <= self.as_of)
        q = (sa.select(q_.uscc, sa.func.count().label("in_use"),
                       _count_if(q_.next_inspection_due < self.as_of).label("overdue"))
             .where(in_use)
             .group_by(q_.uscc))
        return self._read(q, q_.uscc).set_index("uscc").astype("int64")

    @cached_property
    def devices(self) -> pd.DataFrame:
        """Installed, not retired monitoring devices per entity × kind × venue category."""
        d = s.device.c
        q = (sa.select(d.uscc, d.kind, d.venue_category, sa.func.count().label("n"))
             .where(d.uscc.is_not(None), d.status != "retired", d.installed_on <= self.as_of)
             .group_by(d.uscc, d.kind, d.venue_category))
        return self._read(q, d.uscc)

    @cached_property
    def camera_alarms(self) -> pd.DataFrame:
        """Kitchen-camera AI alarms in the last 90 days per entity: ``alarms`` and ``severe``
        (rodent, foreign object)."""
        al, d = s.device_alarm, s.device
        q = (sa.select(d.c.uscc, sa.func.count().label("alarms"),
                       _count_if(al.c.kind.in_(SEVERE_CAMERA_ALARMS)).label("severe"))
             .join_from(al, d, al.c.device_id == d.c.device_id)
             .where(d.c.uscc.is_not(None), d.c.kind == "kitchen_camera", al.c.kind.in_(CAMERA_ALARMS),
                    al.c.at >= self.w.since(90), al.c.at < self.w.end)
             .group_by(d.c.uscc))
        return self._read(q, d.c.uscc).set_index("uscc").astype("int64")

    @cached_property
    def online_stores(self) -> pd.Index:
        """Entities with an online store open on the as-of date."""
        o = s.online_store.c
        q = (sa.select(o.uscc).distinct()
             .where(o.status == "active", o.opened_on <= self.as_of))
        return pd.Index(self._read(q, o.uscc)["uscc"], name="uscc")


def per_entity(features: pd.DataFrame, index: pd.Index, columns: list[str] | None = None) -> pd.DataFrame:
    """``features`` aligned to ``index`` with zeros for entities that have no rows."""
    frame = features if columns is None else features.reindex(columns=columns)
    return frame.reindex(index).fillna(0)
