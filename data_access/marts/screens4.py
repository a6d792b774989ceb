"""Marts of the last four screens: 社会共治, 党建, 重大事项保障, 城运 (docs/screens-data.md).

Same conventions as ``catalog.py``: every mart has ``street_code`` (the caller's scope), counts are
``n``/``n_*``, money ``*_yuan``, durations ``*_minutes``. Kept apart from the catalogue so it can be
hooked in with one line; it imports only the mart machinery.
"""

from __future__ import annotations

import sqlalchemy as sa

from data_access import schema as s
from data_access.marts import sqlx
from data_access.marts.core import BuildContext, Cube, Mart, cube, state

STR = sa.String(32)
STREET = ("street_code", sa.String(12))
one = sa.literal(1)


def _n(name: str = "n") -> tuple[str, sa.types.TypeEngine]:
    return (name, sa.BigInteger())


def _amount(name: str) -> tuple[str, sa.types.TypeEngine]:
    return (name, sa.Float())


def _minutes(ctx: BuildContext, a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.coalesce(sqlx.minutes_between(ctx.dialect, a, b), 0.0)


def _now(ctx: BuildContext) -> sa.ColumnElement:
    """The data time as a literal comparable with TIMESTAMP columns on both backends."""
    return sqlx.instant_bound(ctx.dialect, ctx.data_time)


def _today(ctx: BuildContext) -> sa.ColumnElement:
    return sa.literal(ctx.as_of, sa.Date)


# --- 社会共治 ----------------------------------------------------------------------------------


def _qr(ctx: BuildContext) -> sa.Select:
    q = s.qr_scan
    return sa.select(
        sqlx.day_of(ctx.dialect, q.c.scanned_at).label("day"),
        q.c.street_code,
        q.c.kind,
        one.label("n"),
        sqlx.flag(q.c.rating.is_not(None)).label("n_rated"),
        sa.func.coalesce(q.c.rating, 0).label("rating_sum"),
        sqlx.flag(q.c.reported_problem).label("n_problem"),
    )


qr_scan = cube(
    "qr_scan",
    "扫码评价与举报",
    "按扫码日期统计的公众扫码（电梯码、餐饮扫码评价、扫码查价、扫码投诉、扫码查看主体），及其中评分数、评分合计、反映问题数。",
    dims=(STREET, ("kind", STR)),
    measures=(_n(), _n("n_rated"), _amount("rating_sum"), _n("n_problem")),
    source=_qr,
    time_col=lambda: s.qr_scan.c.scanned_at,
)


def _self(ctx: BuildContext) -> sa.Select:
    si = s.self_inspection
    return sa.select(
        si.c.done_on.label("day"),
        s.entity.c.street_code,
        si.c.kind,
        one.label("n"),
        si.c["items"].label("items"),
        si.c.problems.label("problems"),
        sqlx.flag(si.c.problems > 0).label("n_with_problems"),
        sqlx.flag(sa.and_(si.c.problems > 0, si.c.rectified_on.is_not(None))).label("n_rectified"),
    ).join(s.entity, s.entity.c.uscc == si.c.uscc)


self_inspection = cube(
    "self_inspection",
    "企业自查",
    "按自查日期统计的企业自查次数、检查项目数、发现问题项数、发现问题的自查次数及其中已整改的次数（主体所在街镇）。",
    dims=(STREET, ("kind", STR)),
    measures=(_n(), _n("items"), _n("problems"), _n("n_with_problems"), _n("n_rectified")),
    source=_self,
    time_col=lambda: s.self_inspection.c.done_on,
)


def _body(m: sa.Table) -> sa.ColumnElement:
    """Who mediated: ``council`` (消保委) or the association id as text."""
    return sa.case(
        (m.c.association_id.is_(None), sa.literal("council")),
        else_=sa.cast(m.c.association_id, sa.String),
    )


def _med_recv(ctx: BuildContext) -> sa.Select:
    m = s.mediation
    return sa.select(
        m.c.received_on.label("day"),
        m.c.street_code,
        _body(m).label("body"),
        sa.func.coalesce(m.c.category, "other").label("category"),
        one.label("n"),
    )


mediation_recv = cube(
    "mediation_recv",
    "消费纠纷调解受理",
    "按受理日期统计的消费纠纷调解件数；body 为调解组织（council = 消保委，其余为行业协会编号）。",
    dims=(STREET, ("body", STR), ("category", STR)),
    measures=(_n(),),
    source=_med_recv,
    time_col=lambda: s.mediation.c.received_on,
)


def _med_closed(ctx: BuildContext) -> sa.Select:
    m = s.mediation
    return sa.select(
        m.c.closed_on.label("day"),
        m.c.street_code,
        _body(m).label("body"),
        sa.func.coalesce(m.c.category, "other").label("category"),
        sa.func.coalesce(m.c.result, "failed").label("result"),
        one.label("n"),
        sqlx.flag(m.c.result == "agreed").label("n_agreed"),
        sa.func.coalesce(m.c.amount, 0).label("amount_yuan"),
        _minutes(ctx, m.c.received_on, m.c.closed_on).label("handle_minutes"),
    ).where(m.c.closed_on.is_not(None))


mediation_closed = cube(
    "mediation_closed",
    "消费纠纷调解办结",
    "按办结日期统计的调解件数、调解成功数、为消费者挽回金额（元）与办理总时长（分钟）。",
    dims=(STREET, ("body", STR), ("category", STR), ("result", STR)),
    measures=(_n(), _n("n_agreed"), _amount("amount_yuan"), _amount("handle_minutes")),
    source=_med_closed,
    time_col=lambda: s.mediation.c.closed_on,
)


def _commitments(ctx: BuildContext) -> sa.Select:
    c = s.commitment
    live = sa.or_(c.c.revoked_on.is_(None), c.c.revoked_on > _today(ctx))
    return (
        sa.select(
            s.entity.c.street_code,
            c.c.kind,
            sa.case((live, sa.literal("active")), else_=sa.literal("revoked")).label("status"),
            one.label("n"),
        )
        .join(s.entity, s.entity.c.uscc == c.c.uscc)
        .where(c.c.since <= _today(ctx))
    )


commitment_state = state(
    "commitment_state",
    "放心消费承诺",
    "放心消费与线下无理由退货承诺按街镇 × 类型 × 状态（有效、已撤销）统计（数据日期时）。",
    dims=(STREET, ("kind", STR), ("status", STR)),
    measures=(_n(),),
    source=_commitments,
)

# --- 党建 ------------------------------------------------------------------------------------------

TWO_NEW_COVERING = ("two_new_enterprise", "joint")


def _orgs(ctx: BuildContext) -> sa.Select:
    o = s.party_org
    return sa.select(o.c.street_code, o.c.kind, one.label("n"), o.c.members.label("members")).where(
        o.c.established_on <= _today(ctx)
    )


party_org_state = state(
    "party_org_state",
    "党组织",
    "党组织按街镇 × 类型（局机关、非公企业、社会组织、联合）统计的个数与党员数；局机关科室的支部无街镇。",
    dims=(STREET, ("kind", STR)),
    measures=(_n(), _n("members")),
    source=_orgs,
)


def _coverage(ctx: BuildContext) -> sa.Select:
    e, pm, o = s.entity, s.party_org_member, s.party_org
    # One pass over the coverage links, then one join per enterprise (not a probe per kind).
    links = (
        sa.select(
            pm.c.uscc,
            sa.func.max(sqlx.flag(o.c.kind == "two_new_enterprise")).label("own"),
            sa.func.max(sqlx.flag(o.c.kind == "joint")).label("joint"),
        )
        .select_from(pm.join(o, o.c.id == pm.c.org_id))
        .where(o.c.kind.in_(TWO_NEW_COVERING), o.c.established_on <= _today(ctx))
        .group_by(pm.c.uscc)
        .subquery("cov")
    )
    return (
        sa.select(
            e.c.street_code,
            one.label("n"),
            sqlx.flag(links.c.uscc.is_not(None)).label("n_covered"),
            sa.func.coalesce(links.c.own, 0).label("n_own"),
            sa.func.coalesce(links.c.joint, 0).label("n_joint"),
        )
        .select_from(e.outerjoin(links, links.c.uscc == e.c.uscc))
        .where(e.c.status == "active", e.c.entity_type == "enterprise")
    )


party_coverage = state(
    "party_coverage",
    "两新党组织覆盖",
    "在营企业数，及其中被非公企业党组织覆盖的企业数：单独组建（本企业的党组织）或联合组建"
    "（列在联合党组织的覆盖企业 party_org_member 中），一家企业只计一次。",
    dims=(STREET,),
    measures=(_n(), _n("n_covered"), _n("n_own"), _n("n_joint")),
    source=_coverage,
)


def _activity(ctx: BuildContext) -> sa.Select:
    a, o = s.party_activity, s.party_org
    return sa.select(
        a.c.held_on.label("day"),
        o.c.street_code,
        o.c.kind.label("org_kind"),
        a.c.kind,
        one.label("n"),
        a.c.participants.label("participants"),
    ).join(o, o.c.id == a.c.org_id)


party_activity = cube(
    "party_activity",
    "党组织活动",
    "按活动日期统计的党组织活动次数与参加人次（组织所在街镇；局机关科室支部无街镇）。",
    dims=(STREET, ("org_kind", STR), ("kind", STR)),
    measures=(_n(), _n("participants")),
    source=_activity,
    time_col=lambda: s.party_activity.c.held_on,
)

# --- 重大事项保障 ---------------------------------------------------------------------------------


def _phase(ctx: BuildContext, m: sa.Table) -> sa.ColumnElement:
    """``active`` when D lies in [starts_on, ends_on], ``upcoming`` before, ``past`` after."""
    d = _today(ctx)
    return sa.case(
        (m.c.starts_on > d, sa.literal("upcoming")),
        (m.c.ends_on < d, sa.literal("past")),
        else_=sa.literal("active"),
    )


def _sites(ctx: BuildContext) -> sa.Select:
    m, st, p = s.assurance_mission, s.assurance_site, s.assurance_patrol
    last = (
        sa.select(p.c.site_id, sa.func.max(p.c.at).label("last_at"))
        .where(p.c.at <= _now(ctx))
        .group_by(p.c.site_id)
        .subquery("last")
    )
    age = sqlx.minutes_between(ctx.dialect, last.c.last_at, _now(ctx))
    overdue = sa.or_(last.c.last_at.is_(None), age > st.c.patrol_interval_hours * 60)
    phase = _phase(ctx, m)
    return sa.select(
        st.c.mission_id,
        phase.label("phase"),
        st.c.street_code,
        st.c.kind,
        st.c.risk_tier,
        one.label("n"),
        sqlx.flag(sa.and_(phase == "active", overdue)).label("n_overdue"),
    ).select_from(st.join(m, m.c.id == st.c.mission_id).outerjoin(last, last.c.site_id == st.c.id))


assurance_site_state = state(
    "assurance_site_state",
    "保障点位",
    "保障任务的点位按任务 × 阶段（active 进行中 / upcoming 未开始 / past 已结束）"
    "× 街镇 × 类型 × 风险等级统计，"
    "及进行中任务里最近一次巡查早于数据时间减巡查间隔（或从未巡查）的超时点位数。",
    dims=(("mission_id", sa.Integer()), ("phase", STR), STREET, ("kind", STR), ("risk_tier", STR)),
    measures=(_n(), _n("n_overdue")),
    source=_sites,
)


def _patrol(ctx: BuildContext) -> sa.Select:
    p, st = s.assurance_patrol, s.assurance_site
    return sa.select(
        sqlx.day_of(ctx.dialect, p.c.at).label("day"),
        st.c.mission_id,
        st.c.street_code,
        st.c.kind.label("site_kind"),
        st.c.risk_tier,
        one.label("n"),
        sqlx.flag(p.c.result == "problem").label("n_problem"),
        p.c.rapid_tests.label("rapid_tests"),
        p.c.rapid_fails.label("rapid_fails"),
    ).join(st, st.c.id == p.c.site_id)


assurance_patrol = cube(
    "assurance_patrol",
    "保障巡查",
    "按巡查日期统计的保障巡查次数、发现问题次数、快检批次与快检不合格批次（点位所在街镇）。",
    dims=(("mission_id", sa.Integer()), STREET, ("site_kind", STR), ("risk_tier", STR)),
    measures=(_n(), _n("n_problem"), _n("rapid_tests"), _n("rapid_fails")),
    source=_patrol,
    time_col=lambda: s.assurance_patrol.c.at,
)

# --- 城运 ------------------------------------------------------------------------------------------

OPEN_ORDER = ("created", "pushed", "accepted")


def _order_created(ctx: BuildContext) -> sa.Select:
    w = s.city_work_order
    return sa.select(
        sqlx.day_of(ctx.dialect, w.c.created_at).label("day"),
        w.c.street_code,
        w.c.source,
        sa.func.coalesce(w.c.category, "other").label("category"),
        one.label("n"),
        sqlx.flag(w.c.pushed_at.is_not(None)).label("n_pushed"),
        _minutes(ctx, w.c.created_at, w.c.pushed_at).label("push_minutes"),
        sqlx.flag(w.c.accepted_at.is_not(None)).label("n_accepted"),
        _minutes(ctx, w.c.pushed_at, w.c.accepted_at).label("accept_minutes"),
        sqlx.flag(w.c.status == "returned").label("n_returned"),
    )


city_order_created = cube(
    "city_order_created",
    "城运工单生成",
    "按生成时间统计的城运工单，及已推送数与推送总时长、已受理数与推送到受理总时长（分钟）、退回数。",
    dims=(STREET, ("source", STR), ("category", STR)),
    measures=(
        _n(),
        _n("n_pushed"),
        _amount("push_minutes"),
        _n("n_accepted"),
        _amount("accept_minutes"),
        _n("n_returned"),
    ),
    source=_order_created,
    time_col=lambda: s.city_work_order.c.created_at,
)


def _order_closed(ctx: BuildContext) -> sa.Select:
    w = s.city_work_order
    return sa.select(
        sqlx.day_of(ctx.dialect, w.c.closed_at).label("day"),
        w.c.street_code,
        w.c.source,
        sa.func.coalesce(w.c.category, "other").label("category"),
        one.label("n"),
        sqlx.flag(sa.and_(w.c.due_at.is_not(None), w.c.closed_at <= w.c.due_at)).label("n_ontime"),
        _minutes(ctx, w.c.created_at, w.c.closed_at).label("handle_minutes"),
    ).where(w.c.closed_at.is_not(None))


city_order_closed = cube(
    "city_order_closed",
    "城运工单办结",
    "按办结时间统计的城运工单，及其中在办理时限（due_at）内办结的件数与生成到办结总时长（分钟）。",
    dims=(STREET, ("source", STR), ("category", STR)),
    measures=(_n(), _n("n_ontime"), _amount("handle_minutes")),
    source=_order_closed,
    time_col=lambda: s.city_work_order.c.closed_at,
)


def _order_state(ctx: BuildContext) -> sa.Select:
    w = s.city_work_order
    overdue = sa.and_(w.c.status.in_(OPEN_ORDER), w.c.due_at.is_not(None), w.c.due_at < _now(ctx))
    return sa.select(
        w.c.street_code, w.c.source, w.c.status, one.label("n"), sqlx.flag(overdue).label("n_overdue")
    )


city_order_state = state(
    "city_order_state",
    "城运工单当前状态",
    "城运工单按街镇 × 来源 × 状态统计，及未办结且已超过办理时限的件数（数据时间）。",
    dims=(STREET, ("source", STR), ("status", STR)),
    measures=(_n(), _n("n_overdue")),
    source=_order_state,
)


CUBES: dict[str, Cube] = {
    c.name: c
    for c in (
        qr_scan,
        self_inspection,
        mediation_recv,
        mediation_closed,
        party_activity,
        assurance_patrol,
        city_order_created,
        city_order_closed,
    )
}

STATES: tuple[Mart, ...] = (
    commitment_state,
    party_org_state,
    party_coverage,
    assurance_site_state,
    city_order_state,
)

#: Every mart of this module in build order (state marts, cube grains, then their street rollups).
MARTS: tuple[Mart, ...] = (
    *STATES,
    *(m for c in CUBES.values() for m in (c.day, c.month) if m is not None),
    *(m for c in CUBES.values() for m in (c.day_streets, c.month_streets) if m is not None),
)
