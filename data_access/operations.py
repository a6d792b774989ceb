"""The writes of the command centre: the warning workflow and 指挥调度 dispatch (product.md §4–§6).

Every service takes the engine, the acting ``username`` and ``role`` (and, for station staff, the
``streets`` of their office), runs in ONE transaction that holds the write, its history row
(``warning_event`` / ``dispatch``) and its ``audit_log`` row (:func:`data_access.audit_rows.write_audit`),
and guards against a double submit or two users at once with a conditional UPDATE
(``… WHERE status = :expected``) whose row count decides who won. The loser gets a
:class:`ConflictError` with a Chinese sentence; a step the workflow does not allow gets an
:class:`InvalidTransition`; a role or scope that may not act a :class:`NotPermitted`.

Who may do what is data: :data:`WARNING_TRANSITIONS` and :data:`DISPATCH_ROLES`.
See docs/operations.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import schema as s
from data_access.audit_rows import now_local, write_audit
from data_access.rules.engine import DEADLINE_HOURS


class OperationError(Exception):
    """A write that was refused; ``str(exc)`` is one Chinese sentence for the user."""


class NotPermitted(OperationError):
    """The role (or the station's streets) does not allow this write."""


class InvalidTransition(OperationError):
    """The workflow has no such step from the current state."""


class ConflictError(OperationError):
    """Someone else changed the record first (a double submit or a second user)."""


class NotFound(OperationError):
    """No such warning, incident, resource or dispatch."""


@contextmanager
def write_transaction(engine: Engine) -> Iterator[sa.Connection]:
    """One write transaction. On SQLite it starts with ``BEGIN IMMEDIATE``: a deferred transaction
    that read before another writer committed could not upgrade to a write (WAL snapshot), so the
    writer lock is taken first and the reads see the latest committed state."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


# --- the warning workflow ----------------------------------------------------------------------

STATUS_LABELS = {"pending": "待派单", "handling": "处置中", "closed": "已办结", "verified": "已核查"}
ROLE_LABELS = {"leader": "局领导", "analyst": "科室", "station": "市场监管所", "duty": "值班",
               "admin": "系统管理员", "wall": "大屏"}
#: (from, to) → (label of the step, roles that may take it). Station staff only for warnings of
#: their own streets; verifying is left to the district (the handler does not check itself).
WARNING_TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    ("pending", "handling"): ("派单处置", frozenset({"duty", "leader", "admin", "station"})),
    ("handling", "closed"): ("办结", frozenset({"station", "duty", "leader", "admin"})),
    ("closed", "verified"): ("核查通过", frozenset({"duty", "leader", "admin"})),
    ("closed", "handling"): ("退回重办", frozenset({"duty", "leader", "admin"})),
}
#: Roles that may (re)assign a warning to another office than the station of its street.
ASSIGNERS = frozenset({"duty", "leader", "admin"})
NOTE_MAX = 1000


@dataclass(frozen=True)
class TransitionResult:
    """A warning after a step of the workflow."""

    warning_id: str
    from_status: str
    to_status: str
    office_code: str | None
    deadline_at: datetime | None
    at: datetime
    event_id: int | None


def allowed_transitions(status: str, role: str, *, street_code: str | None = None,
                        streets: Iterable[str] | None = None) -> list[str]:
    """The states a warning in ``status`` may move to for ``role`` (the buttons to show); for a
    station user, none unless the warning's ``street_code`` is in his ``streets``."""
    if role == "station" and (streets is None or street_code not in set(streets)):
        return []
    return [to for (frm, to), (_, roles) in WARNING_TRANSITIONS.items() if frm == status and role in roles]


def transition_warning(
    engine: Engine, warning_id: str, to_status: str, *, username: str, role: str,
    streets: Iterable[str] | None = None, office_code: str | None = None, note: str | None = None,
    now: datetime | None = None, ip: str | None = None,
) -> TransitionResult:
    """Move a warning one step: pending → handling (assigned to ``office_code``, default the
    station of its street; deadline by level), handling → closed, closed → verified, or
    closed → handling (returned). One transaction writes the warning, a ``warning_event`` row and
    a ``warning_transition`` audit row. ``streets``: the streets a station user may act on
    (required for role ``station``). Raises :class:`NotFound`, :class:`NotPermitted`,
    :class:`InvalidTransition` or :class:`ConflictError`."""
    if to_status not in STATUS_LABELS:
        raise InvalidTransition(f"未知的预警状态：{to_status}")
    if note is not None and len(note) > NOTE_MAX:
        raise OperationError(f"处置说明最长 {NOTE_MAX} 字")
    at = now or now_local()
    w = s.warning
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(w.c.id, w.c.status, w.c.street_code, w.c.level, w.c.office_code)
                           .where(w.c.id == warning_id)).first()
        if row is None:
            raise NotFound(f"没有编号为 {warning_id} 的预警")
        if role == "station":
            if streets is None or row.street_code not in set(streets):
                raise NotPermitted("该预警不在本所辖区街镇，无权处置")
        frm = row.status
        if frm == to_status:
            raise ConflictError(f"该预警已是「{STATUS_LABELS[frm]}」状态（可能已被他人处理或重复提交）")
        step = WARNING_TRANSITIONS.get((frm, to_status))
        if step is None:
            raise InvalidTransition(
                f"预警当前为「{STATUS_LABELS.get(frm, frm)}」，不能变为「{STATUS_LABELS[to_status]}」")
        label, roles = step
        if role not in roles:
            raise NotPermitted(f"{ROLE_LABELS.get(role, role)}无权执行「{label}」")
        values: dict[str, object] = {"status": to_status}
        office = row.office_code
        if to_status == "handling":
            if office_code is not None and office_code != row.office_code:
                if role not in ASSIGNERS:
                    raise NotPermitted("只有值班、局领导或管理员可以改派其他机构")
                known = conn.execute(sa.select(s.office.c.code).where(s.office.c.code == office_code)).first()
                if known is None:
                    raise NotFound(f"未知机构代码：{office_code}")
                office = office_code
            values.update(office_code=office,
                          deadline_at=at + timedelta(hours=DEADLINE_HOURS.get(row.level, 72)))
            if frm == "pending":
                values["handled_at"] = at
            else:
                values["closed_at"] = None
        elif to_status == "closed":
            values["closed_at"] = at
        elif to_status == "verified":
            values["verified_at"] = at
        done = conn.execute(sa.update(w).where(w.c.id == warning_id, w.c.status == frm).values(**values))
        if done.rowcount != 1:
            now_status = conn.execute(sa.select(w.c.status).where(w.c.id == warning_id)).scalar()
            label_now = STATUS_LABELS.get(now_status, now_status)
            raise ConflictError(f"该预警刚被他人处理，当前状态为「{label_now}」，请刷新后再操作")
        event_id = conn.execute(sa.insert(s.warning_event).values(
            warning_id=warning_id, at=at, from_status=frm, to_status=to_status, username=username,
            note=note, office_code=office if to_status == "handling" else None)
            .returning(s.warning_event.c.id)).scalar()
        write_audit(conn, username, role, "warning_transition", warning_id,
                    {"from": frm, "to": to_status, "office_code": office, "note": note}, ip, at)
    return TransitionResult(warning_id, frm, to_status, office, values.get("deadline_at"), at, event_id)


def warning_brief(engine: Engine, warning_id: str) -> dict | None:
    """One warning as its handling panel shows it (id, status, level, title, street, office, deadline),
    or None for an unknown id."""
    w = s.warning
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(w.c.id, w.c.status, w.c.level, w.c.title, w.c.street_code, w.c.office_code,
                      w.c.deadline_at).where(w.c.id == warning_id)
        ).mappings().first()
    return dict(row) if row else None


def resource_name(engine: Engine, resource_id: str) -> str:
    """A resource's name (its id when it has none or is unknown), for confirm questions and messages."""
    with engine.connect() as conn:
        name = conn.execute(sa.select(s.resource.c.name).where(s.resource.c.id == resource_id)).scalar()
    return name or resource_id


def warning_history(engine: Engine, warning_id: str) -> pd.DataFrame:
    """The workflow events of a warning, oldest first: at, from_status, to_status, username,
    office_code, note."""
    e = s.warning_event
    with engine.connect() as conn:
        rows = conn.execute(sa.select(e.c.at, e.c.from_status, e.c.to_status, e.c.username, e.c.office_code,
                                      e.c.note)
                            .where(e.c.warning_id == warning_id).order_by(e.c.at, e.c.id)).all()
    return pd.DataFrame(rows, columns=["at", "from_status", "to_status", "username", "office_code", "note"])


def warning_step_minutes(engine: Engine, start: datetime, end: datetime,
                         streets: Iterable[str] | None = None) -> pd.DataFrame:
    """Per warning raised in [start, end) that has workflow events: minutes from raising to the
    first assignment (response), to closing (closure) and to verification, from ``warning_event``.
    Columns: warning_id, level, street_code, response_minutes, closure_minutes, verify_minutes;
    a step not yet taken is NaN. Averages of these are the response/closure indicators of the
    workflow (docs/operations.md)."""
    w, e = s.warning, s.warning_event
    q = (sa.select(w.c.id, w.c.level, w.c.street_code, w.c.raised_at, e.c.to_status, sa.func.min(e.c.at))
         .select_from(w.join(e, e.c.warning_id == w.c.id))
         .where(w.c.raised_at >= start, w.c.raised_at < end)
         .group_by(w.c.id, w.c.level, w.c.street_code, w.c.raised_at, e.c.to_status))
    if streets is not None:
        q = q.where(w.c.street_code.in_(list(streets)))
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(q).all(),
                            columns=["warning_id", "level", "street_code", "raised_at", "to_status", "at"])
    cols = ["warning_id", "level", "street_code", "response_minutes", "closure_minutes", "verify_minutes"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows["minutes"] = (pd.to_datetime(rows["at"]) - pd.to_datetime(rows["raised_at"])).dt.total_seconds() / 60
    wide = rows.pivot_table(index=["warning_id", "level", "street_code"], columns="to_status",
                            values="minutes", aggfunc="min")
    out = pd.DataFrame({
        "response_minutes": wide.get("handling"), "closure_minutes": wide.get("closed"),
        "verify_minutes": wide.get("verified")}).reset_index()
    return out[cols]


# --- 指挥调度 dispatch -----------------------------------------------------------------------------

#: Roles that may dispatch, record arrival and finish (product.md §6).
DISPATCH_ROLES = frozenset({"duty", "leader", "admin"})
OPEN_INCIDENT = ("reported", "dispatched", "on_site")
_BEFORE_SITE = ("reported", "dispatched")
RESOURCE_STATUS_LABELS = {"available": "待命", "busy": "执行任务中", "off_duty": "不在岗"}
#: Assumed travel: road distance = ROAD_FACTOR × great-circle distance, driven at SPEED_KMH (an
#: urban average for 闵行 with signals), after TURNOUT_MINUTES to set off. Drones fly straight.
SPEED_KMH = 30.0
DRONE_SPEED_KMH = 60.0
ROAD_FACTOR = 1.3
TURNOUT_MINUTES = 3.0


@dataclass(frozen=True)
class DispatchResult:
    """A dispatch after one of its steps."""

    dispatch_id: str
    incident_id: str
    resource_id: str
    step: str
    at: datetime
    incident_status: str


def _check_dispatcher(role: str) -> None:
    if role not in DISPATCH_ROLES:
        raise NotPermitted(f"{ROLE_LABELS.get(role, role)}无权调度（仅值班、局领导、管理员）")


def dispatch(engine: Engine, incident_id: str, resource_id: str, *, username: str, role: str,
             now: datetime | None = None, ip: str | None = None) -> DispatchResult:
    """Send an available resource to an open incident. One transaction: the resource becomes busy
    only if it is still available (conditional UPDATE), the ``dispatch`` row is written
    (``dispatched_by`` = username), a reported incident becomes dispatched, and a ``dispatch``
    audit row. A second click or a second officer on the same resource gets a
    :class:`ConflictError`."""
    _check_dispatcher(role)
    at = now or now_local()
    i, r, d = s.incident, s.resource, s.dispatch
    with write_transaction(engine) as conn:
        inc = conn.execute(sa.select(i.c.id, i.c.status).where(i.c.id == incident_id)).first()
        if inc is None:
            raise NotFound(f"没有编号为 {incident_id} 的事件")
        if inc.status not in OPEN_INCIDENT:
            raise InvalidTransition(f"事件 {incident_id} 已处置完毕，不能再调度")
        took = conn.execute(sa.update(r).where(r.c.id == resource_id, r.c.status == "available")
                            .values(status="busy", updated_at=at))
        if took.rowcount != 1:
            res = conn.execute(sa.select(r.c.name, r.c.status).where(r.c.id == resource_id)).first()
            if res is None:
                raise NotFound(f"没有编号为 {resource_id} 的资源")
            raise ConflictError(f"{res.name}当前{RESOURCE_STATUS_LABELS.get(res.status, res.status)}，"
                                "不能调派（可能已被他人调派），请选择其他资源")
        dispatch_id = f"DP{at:%Y%m%d%H%M%S}{resource_id}"[:32]
        conn.execute(sa.insert(d).values(id=dispatch_id, incident_id=incident_id, resource_id=resource_id,
                                         dispatched_at=at, dispatched_by=username))
        conn.execute(sa.update(i).where(i.c.id == incident_id, i.c.status == "reported")
                     .values(status="dispatched"))
        status = conn.execute(sa.select(i.c.status).where(i.c.id == incident_id)).scalar()
        write_audit(conn, username, role, "dispatch", incident_id,
                    {"step": "dispatch", "dispatch_id": dispatch_id, "resource_id": resource_id}, ip, at)
    return DispatchResult(dispatch_id, incident_id, resource_id, "dispatch", at, status)


def arrive(engine: Engine, dispatch_id: str, *, username: str, role: str, now: datetime | None = None,
           ip: str | None = None) -> DispatchResult:
    """Record that a dispatched resource arrived; the incident is then on site. Once only."""
    _check_dispatcher(role)
    at = now or now_local()
    i, d = s.incident, s.dispatch
    with write_transaction(engine) as conn:
        row = _dispatch_row(conn, dispatch_id)
        done = conn.execute(sa.update(d).where(d.c.id == dispatch_id, d.c.arrived_at.is_(None),
                                               d.c.finished_at.is_(None)).values(arrived_at=at))
        if done.rowcount != 1:
            raise ConflictError("该调派已记录到达或已结束（可能是重复提交）")
        conn.execute(sa.update(i).where(i.c.id == row.incident_id, i.c.status.in_(_BEFORE_SITE))
                     .values(status="on_site"))
        status = conn.execute(sa.select(i.c.status).where(i.c.id == row.incident_id)).scalar()
        write_audit(conn, username, role, "dispatch", row.incident_id,
                    {"step": "arrive", "dispatch_id": dispatch_id, "resource_id": row.resource_id}, ip, at)
    return DispatchResult(dispatch_id, row.incident_id, row.resource_id, "arrive", at, status)


def finish(engine: Engine, dispatch_id: str, *, username: str, role: str, resolve: bool = True,
           now: datetime | None = None, ip: str | None = None) -> DispatchResult:
    """Record that a resource finished: it is available again; when no other dispatch of the
    incident is still out and ``resolve``, the incident is resolved. Once only."""
    _check_dispatcher(role)
    at = now or now_local()
    i, r, d = s.incident, s.resource, s.dispatch
    with write_transaction(engine) as conn:
        row = _dispatch_row(conn, dispatch_id)
        # Two resources of one incident finishing at once must not both see the other still out
        # (and leave the incident unresolved): the incident row serialises them on PostgreSQL.
        conn.execute(sa.select(i.c.id).where(i.c.id == row.incident_id).with_for_update())
        done = conn.execute(sa.update(d).where(d.c.id == dispatch_id, d.c.finished_at.is_(None))
                            .values(finished_at=at, arrived_at=sa.func.coalesce(d.c.arrived_at, at)))
        if done.rowcount != 1:
            raise ConflictError("该调派已结束（可能是重复提交）")
        conn.execute(sa.update(r).where(r.c.id == row.resource_id, r.c.status == "busy")
                     .values(status="available", updated_at=at))
        still_out = conn.execute(sa.select(sa.func.count()).select_from(d).where(
            d.c.incident_id == row.incident_id, d.c.finished_at.is_(None))).scalar()
        if resolve and not still_out:
            conn.execute(sa.update(i).where(i.c.id == row.incident_id, i.c.status.in_(OPEN_INCIDENT))
                         .values(status="resolved", resolved_at=at))
        else:
            conn.execute(sa.update(i).where(i.c.id == row.incident_id, i.c.status.in_(_BEFORE_SITE))
                         .values(status="on_site"))
        status = conn.execute(sa.select(i.c.status).where(i.c.id == row.incident_id)).scalar()
        write_audit(conn, username, role, "dispatch", row.incident_id,
                    {"step": "finish", "dispatch_id": dispatch_id, "resource_id": row.resource_id,
                     "resolved": status == "resolved"}, ip, at)
    return DispatchResult(dispatch_id, row.incident_id, row.resource_id, "finish", at, status)


def _dispatch_row(conn: sa.Connection, dispatch_id: str) -> sa.Row:
    d = s.dispatch
    row = conn.execute(sa.select(d.c.incident_id, d.c.resource_id).where(d.c.id == dispatch_id)).first()
    if row is None:
        raise NotFound(f"没有编号为 {dispatch_id} 的调派记录")
    return row


def haversine_km(lon1: float, lat1: float, lon2, lat2):
    """Great-circle distance in km (works on numbers or numpy arrays for the second point)."""
    import numpy as np

    p1, p2 = math.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - math.radians(lon1)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def rank_resources(engine: Engine, incident_id: str, *, kinds: Iterable[str] | None = None,
                   limit: int = 20) -> pd.DataFrame:
    """Available resources for an incident, nearest first: id, kind, name, office_code, lon, lat,
    distance_km (great circle), eta_minutes = TURNOUT_MINUTES + ROAD_FACTOR × distance at
    SPEED_KMH (drones: straight at DRONE_SPEED_KMH). Resources without a position come last with
    no distance. Read only."""
    i, r = s.incident, s.resource
    with engine.connect() as conn:
        inc = conn.execute(sa.select(i.c.lon, i.c.lat, i.c.street_code)
                           .where(i.c.id == incident_id)).first()
        if inc is None:
            raise NotFound(f"没有编号为 {incident_id} 的事件")
        lon, lat = inc.lon, inc.lat
        if lon is None or lat is None:
            lon, lat = conn.execute(sa.select(s.street.c.lon, s.street.c.lat)
                                    .where(s.street.c.code == inc.street_code)).one()
        q = (sa.select(r.c.id, r.c.kind, r.c.name, r.c.office_code, r.c.lon, r.c.lat)
             .where(r.c.status == "available"))
        if kinds is not None:
            q = q.where(r.c.kind.in_(list(kinds)))
        frame = pd.DataFrame(conn.execute(q).all(),
                             columns=["id", "kind", "name", "office_code", "lon", "lat"])
    if frame.empty:
        return frame.assign(distance_km=pd.Series(dtype=float), eta_minutes=pd.Series(dtype=float))
    frame["distance_km"] = haversine_km(float(lon), float(lat), frame["lon"].astype(float),
                                        frame["lat"].astype(float))
    drone = frame["kind"] == "drone"
    travel = frame["distance_km"].where(drone, frame["distance_km"] * ROAD_FACTOR)
    speed = pd.Series(SPEED_KMH, index=frame.index).where(~drone, DRONE_SPEED_KMH)
    frame["eta_minutes"] = TURNOUT_MINUTES + travel / speed * 60
    frame = frame.sort_values(["eta_minutes", "distance_km", "id"], na_position="last", kind="stable")
    return frame.head(int(limit)).reset_index(drop=True)


def incident_board(engine: Engine, *, streets: Iterable[str] | None = None,
                   limit: int = 200) -> pd.DataFrame:
    """Open incidents with their dispatches (the live dispatch board): incident id, kind, level,
    status, reported_at, street_code, and per dispatch resource_id, resource name/kind,
    dispatched_at, arrived_at, finished_at, dispatched_by (no dispatch: those columns empty)."""
    i, d, r = s.incident, s.dispatch, s.resource
    q = (sa.select(i.c.id.label("incident_id"), i.c.kind, i.c.level, i.c.status, i.c.reported_at,
                   i.c.street_code, i.c.summary, d.c.id.label("dispatch_id"), d.c.resource_id,
                   r.c.name.label("resource_name"), r.c.kind.label("resource_kind"), d.c.dispatched_at,
                   d.c.arrived_at, d.c.finished_at, d.c.dispatched_by)
         .select_from(i.outerjoin(d, d.c.incident_id == i.c.id).outerjoin(r, r.c.id == d.c.resource_id))
         .where(i.c.status.in_(OPEN_INCIDENT))
         .order_by(i.c.reported_at.desc(), i.c.id, d.c.dispatched_at).limit(int(limit)))
    if streets is not None:
        q = q.where(i.c.street_code.in_(list(streets)))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all())


def dispatch_statistics(engine: Engine, start: datetime, end: datetime, *,
                        streets: Iterable[str] | None = None, freq: str = "M") -> pd.DataFrame:
    """Dispatches made in [start, end) by period (``freq`` "D" day, "W" ISO week, "M" month) and
    resource kind: ``n``, ``n_arrived``, ``avg_response_minutes`` (incident reported → resource
    dispatched) and ``avg_arrival_minutes`` (dispatched → arrived). Read from the source tables
    (a few thousand dispatches a year), so a dispatch just made counts at once."""
    i, d, r = s.incident, s.dispatch, s.resource
    q = (sa.select(d.c.dispatched_at, d.c.arrived_at, i.c.reported_at, r.c.kind.label("resource_kind"))
         .select_from(d.join(i, i.c.id == d.c.incident_id).join(r, r.c.id == d.c.resource_id))
         .where(d.c.dispatched_at >= start, d.c.dispatched_at < end))
    if streets is not None:
        q = q.where(i.c.street_code.in_(list(streets)))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(q).all(),
                             columns=["dispatched_at", "arrived_at", "reported_at", "resource_kind"])
    cols = ["period", "resource_kind", "n", "n_arrived", "avg_response_minutes", "avg_arrival_minutes"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    for c in ("dispatched_at", "arrived_at", "reported_at"):
        frame[c] = pd.to_datetime(frame[c])
    frame["response"] = (frame["dispatched_at"] - frame["reported_at"]).dt.total_seconds() / 60
    frame["arrival"] = (frame["arrived_at"] - frame["dispatched_at"]).dt.total_seconds() / 60
    period = {"D": "D", "W": "W-SUN", "M": "M"}[freq]
    frame["period"] = frame["dispatched_at"].dt.to_period(period).dt.start_time
    out = (frame.groupby(["period", "resource_kind"])
           .agg(n=("response", "size"), n_arrived=("arrival", "count"),
                avg_response_minutes=("response", "mean"), avg_arrival_minutes=("arrival", "mean"))
           .reset_index())
    return out[cols]
