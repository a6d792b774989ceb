"""The warning rule engine: compile a :class:`RuleDefinition` into SQLAlchemy Core and raise a
warning for every new match (data.md §2 ``warning``; product.md §5).

What "new" means. The engine keeps a ledger (``warning_match``) of every match it has seen:

- an event or state rule (``key`` columns) matches once per source row — a failed sampling, a
  reading, an overdue complaint, an equipment's overdue due date; a row already in the ledger
  never raises again, so closing a warning does not make the same fact raise it anew;
- a count rule matches a subject whose count reaches the threshold in the trailing window; it
  raises again for that subject only once the window has passed since it last fired (no window:
  once per subject).

A new match whose rule and subject already have an open warning (pending or handling) raises
nothing: it is recorded against the open warning. Several new matches of one subject in one run
raise one warning. The first evaluation after ``smartsup generate`` is a *baseline*: the
generated history carries its own warnings, so the engine records what matches without raising
(:func:`baseline`, run by the generator); from then on every warning comes from the engine.

Everything is evaluated as of the data time D (the newest event in the store); warnings are
raised at D, so raising them does not move the data time.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from data_access import schema as s
from data_access.audit_rows import now_local, write_audit
from data_access.db import get_meta, set_meta
from data_access.freshness import data_time
from data_access.marts.sqlx import instant_bound, minutes_between
from data_access.rules.catalogue import BY_ID, CATALOGUE
from data_access.rules.definition import (
    RULE_TABLES,
    Filter,
    Ref,
    RuleDefinition,
    RuleError,
    dump_definition,
    parse_definition,
)

log = logging.getLogger(__name__)

OPEN_STATUSES = ("pending", "handling")
#: meta key: the ``generated_at`` stamp of the store the ledger was started for.
BASELINE_KEY = "rules_baseline_of"
#: Hours to handle a warning, by level: the deadline set when it is raised (and on assignment).
DEADLINE_HOURS = {"red": 24, "orange": 72, "yellow": 168, "blue": 360}
_PLACEHOLDER = re.compile(r"\{(name|subject|rule|count)\}")
_CHUNK = 500


# --- compiling ---------------------------------------------------------------------------------

class _Scope:
    """Resolves ``table.column`` names of a definition to columns of the (aliased) tables."""

    def __init__(self, tables: dict[str, sa.FromClause]) -> None:
        self.tables = tables

    def col(self, ref: str) -> ColumnElement:
        table, _, column = ref.partition(".")
        return self.tables[table].c[column]


def _time_bound(dialect: str, col: ColumnElement, instant: datetime) -> ColumnElement:
    if isinstance(col.type, sa.DateTime):
        return instant_bound(dialect, instant)
    return sa.literal(instant.date(), sa.Date)


def _compare_time(dialect: str, col: ColumnElement, op: str, instant: datetime) -> ColumnElement:
    """``col op instant`` for a DATE or TIMESTAMP column. SQLite keeps timestamps as text, with or
    without ``.ffffff``: a bare ``…HH:MM:SS`` bound sorts below both forms of the same second, so
    ``<=``/``>`` become ``<``/``>=`` the next second (exact for second-precision data)."""
    if dialect == "sqlite" and isinstance(col.type, sa.DateTime):
        instant = instant.replace(microsecond=0)
        if op in ("le", "gt"):
            op, instant = {"le": "lt", "gt": "ge"}[op], instant + timedelta(seconds=1)
    return getattr(col, _COMPARE[op])(_time_bound(dialect, col, instant))


def _rhs(dialect: str, scope: _Scope, col: ColumnElement, ref: Ref):
    other = scope.col(ref.column)
    if not ref.days:
        return None, other
    # col op other + days  ⟺  (col − other, in days) op days
    return minutes_between(dialect, other, col) / 1440.0, sa.literal(float(ref.days))


_COMPARE = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}


def _filter(dialect: str, scope: _Scope, f: Filter, as_of: datetime) -> ColumnElement:
    col = scope.col(f.column)
    if f.op == "is_null":
        return col.is_(None)
    if f.op == "not_null":
        return col.is_not(None)
    if f.op == "in":
        return col.in_(f.value)
    if f.op == "not_in":
        return col.not_in(f.value)
    if f.ref is not None and f.ref.data_time:
        return _compare_time(dialect, col, f.op, as_of + timedelta(days=f.ref.days))
    if f.ref is not None:
        lhs, rhs = _rhs(dialect, scope, col, f.ref)
        return getattr(lhs if lhs is not None else col, _COMPARE[f.op])(rhs)
    return getattr(col, _COMPARE[f.op])(sa.literal(f.value, col.type))


def compile_rule(defn: RuleDefinition, dialect: str, as_of: datetime) -> sa.Select:
    """The SELECT of a rule's matches as of ``as_of``: columns ``subject``, ``k0…`` (key columns,
    event rules) or ``n`` (count rules), ``at`` (when it matched), ``uscc`` and ``street_code``.
    Only bound parameters and schema-checked names go into it."""
    tables: dict[str, sa.FromClause] = {defn.source: RULE_TABLES[defn.source]}
    joined: sa.FromClause = tables[defn.source]
    for j in defn.joins:
        t = RULE_TABLES[j.table]
        scope = _Scope(tables)
        on = [scope.col(left) == t.c[right.rpartition(".")[2]] for left, right in j.on]
        tables[j.table] = t
        joined = joined.join(t, sa.and_(*on), isouter=j.outer)
    scope = _Scope(tables)
    where = [_filter(dialect, scope, f, as_of) for f in defn.filters]
    if defn.any_of:
        where.append(sa.or_(*(sa.and_(*(_filter(dialect, scope, f, as_of) for f in g)) for g in defn.any_of)))
    for e in defn.exists:
        inner = RULE_TABLES[e.table].alias(f"x_{e.table}")
        inner_scope = _Scope({**tables, e.table: inner})
        cond = [scope.col(o) == inner.c[i.rpartition(".")[2]] for o, i in e.on]
        cond += [_filter(dialect, inner_scope, f, as_of) for f in e.filters]
        where.append(sa.exists().where(*cond))
    at = scope.col(defn.time)
    uscc = scope.col(defn.uscc) if defn.uscc else sa.null()
    street = scope.col(defn.street)
    subject = scope.col(defn.subject)
    if defn.count is not None:
        rows = [subject.is_not(None)]
        if defn.count.window_days:
            rows.append(_compare_time(dialect, at, "gt", as_of - timedelta(days=defn.count.window_days)))
            rows.append(_compare_time(dialect, at, "le", as_of))
        if defn.lookback_days and where:
            # Only subjects with a source row in the lookback can have reached the threshold since
            # the last run (the ledger holds the earlier ones). The rule's filters move into the
            # aggregates, so the only row predicate is the subject: the database then reads the
            # few recent subjects by their index instead of every row passing a broad filter.
            src = RULE_TABLES[defn.source].alias("recent")
            s_col, t_col = src.c[defn.subject.partition(".")[2]], src.c[defn.time.partition(".")[2]]
            recent = _compare_time(dialect, t_col, "ge", as_of - timedelta(days=defn.lookback_days))
            rows.append(subject.in_(sa.select(s_col).where(recent)))
            ok = sa.and_(*where)
            n = sa.func.sum(sa.case((ok, 1), else_=0))
            picked = [sa.func.max(sa.case((ok, at))), sa.func.max(sa.case((ok, uscc))),
                      sa.func.min(sa.case((ok, street)))]
        else:
            rows += where
            n = sa.func.count()
            picked = [sa.func.max(at), sa.func.max(uscc), sa.func.min(street)]
        return (sa.select(subject.label("subject"), n.label("n"), picked[0].label("at"),
                          picked[1].label("uscc"), picked[2].label("street_code"))
                .select_from(joined).where(*rows).group_by(subject)
                .having(n >= defn.count.threshold))
    if defn.lookback_days:
        where.append(_compare_time(dialect, at, "ge", as_of - timedelta(days=defn.lookback_days)))
    keys = [scope.col(k).label(f"k{i}") for i, k in enumerate(defn.key)]
    return (sa.select(subject.label("subject"), *keys, at.label("at"), uscc.label("uscc"),
                      street.label("street_code"))
            .select_from(joined).where(*where))


# --- the catalogue in the store ------------------------------------------------------------------

def ensure_catalogue(conn: sa.Connection) -> int:
    """Give every catalogue rule of the store that lacks one its definition; fill an empty
    ``warning_rule`` table with the whole catalogue. Returns the rules written."""
    r = s.warning_rule
    rows = conn.execute(sa.select(r.c.rule_id, r.c.definition)).all()
    if not rows:
        conn.execute(sa.insert(r), [
            {"rule_id": c.rule_id, "name": c.name, "theme": c.theme, "level": c.level,
             "condition": c.condition, "enabled": True, "definition": dump_definition(c.definition)}
            for c in CATALOGUE])
        return len(CATALOGUE)
    n = 0
    for rule_id, definition in rows:
        if definition is None and rule_id in BY_ID:
            conn.execute(sa.update(r).where(r.c.rule_id == rule_id, r.c.definition.is_(None))
                         .values(definition=dump_definition(BY_ID[rule_id].definition)))
            n += 1
    return n


# --- evaluating ------------------------------------------------------------------------------

@dataclass
class RuleRun:
    """What one evaluation did: per rule, matches found, new ones, warnings raised."""

    data_time: datetime | None
    baseline: bool = False
    seconds: float = 0.0
    matched: dict[str, int] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)
    raised: dict[str, int] = field(default_factory=dict)
    rule_seconds: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warning_ids: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One Chinese line for the command line."""
        what = "基线（只登记不预警）" if self.baseline else f"新预警 {sum(self.raised.values())} 条"
        bad = f"，{len(self.errors)} 条规则定义无效" if self.errors else ""
        return f"预警规则：{len(self.matched)} 条启用规则，{what}{bad}，用时 {self.seconds:.1f} 秒"


def _match_key(row: sa.Row, n_keys: int) -> str:
    parts = []
    for i in range(n_keys):
        v = row._mapping[f"k{i}"]
        parts.append(v.isoformat(sep=" ") if isinstance(v, datetime) else str(v))
    return "|".join(parts)[:200]


def _chunks(values: list, n: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(values), n):
        yield values[i:i + n]


def _render(template: str, fields: dict[str, object]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(fields.get(m.group(1), "")), template)[:256]


def _next_ids(conn: sa.Connection, as_of: datetime, n: int) -> list[str]:
    prefix = f"YJ{as_of:%Y%m%d}E"
    w = s.warning
    last = conn.execute(sa.select(sa.func.max(w.c.id)).where(w.c.id.like(prefix + "%"))).scalar()
    start = int(last[len(prefix):]) + 1 if last else 1
    return [f"{prefix}{i:05d}" for i in range(start, start + n)]


def evaluate(engine: Engine, *, baseline: bool = False, rule_ids: Iterable[str] | None = None,
             as_of: datetime | None = None) -> RuleRun:
    """Evaluate the enabled rules over the source tables as of the data time and raise a warning
    for each new match (see the module docstring) — one transaction. ``baseline`` records the
    matches without raising. A rule whose stored definition is invalid is skipped and reported in
    ``RuleRun.errors``."""
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two evaluations at once would both find the same match new.
            conn.execute(sa.text("LOCK TABLE warning_match IN SHARE ROW EXCLUSIVE MODE"))
        ensure_catalogue(conn)
        generated = get_meta(conn, "generated_at")
        if generated and get_meta(conn, BASELINE_KEY) != generated:
            # A generated store whose ledger was never started (generated before the engine
            # existed): its history carries its own warnings, so this first run only records.
            baseline = True
        if baseline:
            set_meta(conn, {BASELINE_KEY: generated})
        as_of = as_of or data_time(conn)
        run = RuleRun(as_of, baseline)
        if as_of is None:
            return run
        r = s.warning_rule
        q = sa.select(r.c.rule_id, r.c.name, r.c.level, r.c.definition).where(r.c.enabled.is_(True))
        if rule_ids is not None:
            q = q.where(r.c.rule_id.in_(list(rule_ids)))
        rules = conn.execute(q.order_by(r.c.rule_id)).all()
        o = s.office
        offices = dict(conn.execute(sa.select(o.c.street_code, o.c.code)
                                    .where(o.c.kind == "station", o.c.street_code.is_not(None))).all())
        streets = dict(conn.execute(sa.select(s.street.c.code, s.street.c.name)).all())
        raise_rows: list[dict] = []
        ledger_rows: list[dict] = []
        recorded = now_local()
        for rule in rules:
            started = time.perf_counter()
            try:
                defn = parse_definition(rule.definition or "")
            except RuleError as exc:
                run.errors[rule.rule_id] = str(exc)
                log.error("规则 %s 定义无效，已跳过：%s", rule.rule_id, exc)
                continue
            new_raise, new_ledger, matched = _evaluate_rule(conn, rule, defn, as_of, baseline)
            run.matched[rule.rule_id] = matched
            run.new[rule.rule_id] = len(new_ledger)
            run.raised[rule.rule_id] = len(new_raise)
            raise_rows += new_raise
            ledger_rows += [{**x, "recorded_at": recorded} for x in new_ledger]
            run.rule_seconds[rule.rule_id] = time.perf_counter() - started
        if raise_rows:
            names = _entity_names(conn, {x["uscc"] for x in raise_rows if x["uscc"]})
            ids = _next_ids(conn, as_of, len(raise_rows))
            rows = []
            for wid, x in zip(ids, raise_rows, strict=True):
                x["warning_id"] = wid
                name = names.get(x["uscc"]) if x["uscc"] else None
                rows.append({
                    "id": wid, "rule_id": x["rule_id"], "level": x["level"],
                    "uscc": x["uscc"] if x["uscc"] in names else None,
                    "street_code": x["street_code"], "raised_at": as_of,
                    "title": _render(x["title"], {"name": name or streets.get(x["street_code"], ""),
                                                  "subject": x["subject"], "rule": x["rule_name"],
                                                  "count": x["count"] if x["count"] is not None else ""}),
                    "status": "pending", "office_code": offices.get(x["street_code"]),
                    "subject": x["subject"][:128],
                    "deadline_at": as_of + timedelta(hours=DEADLINE_HOURS.get(x["level"], 72)),
                })
            conn.execute(sa.insert(s.warning), rows)
            run.warning_ids = ids
            for row in ledger_rows:
                if row["warning_id"] is None and "_raise" in row:
                    row["warning_id"] = row["_raise"]["warning_id"]
        for part in _chunks([{k: v for k, v in row.items() if k != "_raise"} for row in ledger_rows], 5000):
            conn.execute(sa.insert(s.warning_match), part)
    run.seconds = time.perf_counter() - t0
    log.info(run.summary())
    return run


def _evaluate_rule(conn: sa.Connection, rule: sa.Row, defn: RuleDefinition, as_of: datetime,
                   baseline: bool) -> tuple[list[dict], list[dict], int]:
    """New warnings to raise and new ledger rows of one rule, and how many rows matched."""
    dialect = conn.dialect.name
    rows = conn.execute(compile_rule(defn, dialect, as_of)).all()
    m = s.warning_match
    horizon = defn.count.window_days if defn.count is not None else defn.lookback_days
    if horizon:
        # Ledger rows older than the rule's horizon can never be matched again: keep it small.
        conn.execute(sa.delete(m).where(m.c.rule_id == rule.rule_id,
                                        m.c.matched_at < as_of - timedelta(days=horizon + 1)))
    matches: list[dict] = []
    if defn.count is not None:
        since = sa.true()
        if defn.count.window_days:
            since = m.c.matched_at > as_of - timedelta(days=defn.count.window_days)
        cooling = set(conn.execute(sa.select(m.c.subject)
                                   .where(m.c.rule_id == rule.rule_id, since)).scalars())
        stamp = f"{as_of:%Y-%m-%d %H:%M:%S}"
        for row in rows:
            subject = str(row.subject)[:128]
            if subject in cooling:
                continue
            matches.append({"subject": subject, "match_key": f"{subject}@{stamp}"[:200], "matched_at": as_of,
                            "uscc": row.uscc, "street_code": row.street_code, "count": row.n})
    else:
        seen = set(conn.execute(sa.select(m.c.match_key).where(m.c.rule_id == rule.rule_id)).scalars())
        for row in rows:
            key = _match_key(row, len(defn.key))
            if key in seen:
                continue
            seen.add(key)
            subject = str(row.subject if row.subject is not None else key)[:128]
            matches.append({"subject": subject, "match_key": key, "matched_at": row.at or as_of,
                            "uscc": row.uscc, "street_code": row.street_code, "count": None})
    matches = [x for x in matches if x["street_code"] is not None]
    if not matches:
        return [], [], len(rows)
    w = s.warning
    open_ = dict(conn.execute(sa.select(w.c.subject, w.c.id).where(
        w.c.rule_id == rule.rule_id, w.c.status.in_(OPEN_STATUSES), w.c.subject.is_not(None))).all())
    by_subject: dict[str, list[dict]] = defaultdict(list)
    for x in matches:
        by_subject[x["subject"]].append(x)
    to_raise: list[dict] = []
    ledger: list[dict] = []
    for subject in sorted(by_subject):
        group = sorted(by_subject[subject], key=lambda x: (_as_datetime(x["matched_at"]), x["match_key"]))
        holder = None
        if baseline:
            wid = None
        elif subject in open_:
            wid = open_[subject]
        else:
            first = group[-1] if defn.count is None else group[0]
            holder = {"rule_id": rule.rule_id, "rule_name": rule.name, "level": rule.level,
                      "title": defn.title, "subject": subject, "uscc": first["uscc"],
                      "street_code": first["street_code"], "count": first["count"]}
            to_raise.append(holder)
            wid = None
        for x in group:
            row = {"rule_id": rule.rule_id, "match_key": x["match_key"], "subject": subject,
                   "matched_at": _as_datetime(x["matched_at"]), "warning_id": wid}
            if holder is not None:
                row["_raise"] = holder
            ledger.append(row)
    return to_raise, ledger, len(rows)


def _as_datetime(v) -> datetime:
    if isinstance(v, datetime):
        return v
    return datetime(v.year, v.month, v.day)


def _entity_names(conn: sa.Connection, codes: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    e = s.entity
    for part in _chunks(sorted(codes)):
        out.update(conn.execute(sa.select(e.c.uscc, e.c.name).where(e.c.uscc.in_(part))).all())
    return out


def baseline(engine: Engine) -> RuleRun:
    """Start the ledger of a freshly generated store: clear the operations tables that described
    the previous store (ledger, warning events) and record every current match without raising —
    the generated history already carries its warnings."""
    with engine.begin() as conn:
        conn.execute(sa.delete(s.warning_match))
        conn.execute(sa.delete(s.warning_event))
    return evaluate(engine, baseline=True)


# --- editing rules (admin, audited) -----------------------------------------------------------

class RulePermissionError(PermissionError):
    """The user may not change rules; the message is Chinese."""


#: Roles that may change a rule (product.md §6: rules are the administrator's).
RULE_EDITORS = ("admin",)


def rule_catalogue(engine: Engine) -> list[dict]:
    """Every rule with its readable condition, enabled flag and definition (as a dict), for the
    /rules page; ``params`` are the values an admin may edit."""
    r = s.warning_rule
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r).order_by(r.c.rule_id)).mappings().all()
    out = []
    for row in rows:
        d = dict(row)
        try:
            defn = parse_definition(row["definition"]) if row["definition"] else None
        except RuleError as exc:
            defn, d["error"] = None, str(exc)
        d["definition"] = defn.model_dump(mode="json") if defn else None
        d["params"] = editable_params(defn) if defn else {}
        out.append(d)
    return out


def editable_params(defn: RuleDefinition) -> dict[str, object]:
    """The parameters of a definition an admin edits on /rules: threshold and window of a count
    rule, lookback, and every literal filter value by its position (``filters.2.value``)."""
    out: dict[str, object] = {}
    if defn.count is not None:
        out["count.threshold"] = defn.count.threshold
        out["count.window_days"] = defn.count.window_days
    if defn.lookback_days is not None:
        out["lookback_days"] = defn.lookback_days
    for i, f in enumerate(defn.filters):
        if f.value is not None:
            out[f"filters.{i}.value"] = f.value
        if f.ref is not None and f.ref.days:
            out[f"filters.{i}.ref.days"] = f.ref.days
    return out


def _set_path(data: dict, path: str, value: object) -> None:
    parts = path.split(".")
    node: object = data
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def update_rule(engine: Engine, rule_id: str, *, username: str, role: str,
                enabled: bool | None = None, level: str | None = None,
                params: dict[str, object] | None = None, definition: str | dict | None = None,
                ip: str | None = None) -> dict:
    """Change a rule (admin only): enable/disable, level, parameters (keys of
    :func:`editable_params`) or a whole new definition. The new definition is validated before
    anything is written; the change and its ``rule_change`` audit row (before and after) are one
    transaction. Returns the rule as :func:`rule_catalogue` shows it. Raises
    :class:`RulePermissionError` or :class:`RuleError`."""
    if role not in RULE_EDITORS:
        raise RulePermissionError("只有系统管理员可以修改预警规则")
    if level is not None and level not in s.ENUMS[("warning_rule", "level")]:
        raise RuleError(f"预警等级只能是 red/orange/yellow/blue：{level!r}")
    r = s.warning_rule
    with engine.begin() as conn:
        ensure_catalogue(conn)
        row = conn.execute(sa.select(r).where(r.c.rule_id == rule_id)).mappings().first()
        if row is None:
            raise RuleError(f"没有编号为 {rule_id} 的预警规则")
        current = parse_definition(row["definition"]) if row["definition"] else None
        new_defn = current
        if definition is not None:
            new_defn = parse_definition(definition)
        if params:
            if new_defn is None:
                raise RuleError(f"规则 {rule_id} 没有可执行定义，不能修改参数")
            allowed = editable_params(new_defn)
            data = new_defn.model_dump(mode="json")
            for path, value in params.items():
                if path not in allowed:
                    raise RuleError(f"规则 {rule_id} 没有可修改的参数 {path}")
                if path == "count.window_days" and allowed[path] is None and value is not None:
                    raise RuleError("该计数规则不按时间窗口统计")
                _set_path(data, path, value)
            new_defn = parse_definition(data)
        values: dict[str, object] = {"updated_at": now_local(), "updated_by": username}
        if enabled is not None:
            values["enabled"] = bool(enabled)
        if level is not None:
            values["level"] = level
        if new_defn is not None and new_defn != current:
            values["definition"] = dump_definition(new_defn)
        conn.execute(sa.update(r).where(r.c.rule_id == rule_id).values(**values))
        before = {"enabled": row["enabled"], "level": row["level"],
                  "params": editable_params(current) if current else {}}
        after = {"enabled": values.get("enabled", row["enabled"]), "level": values.get("level", row["level"]),
                 "params": editable_params(new_defn) if new_defn else {}}
        write_audit(conn, username, role, "rule_change", rule_id, {"before": before, "after": after}, ip)
    return next(x for x in rule_catalogue(engine) if x["rule_id"] == rule_id)
