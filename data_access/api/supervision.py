"""综合监管 (/supervision): 双随机 progress, findings, inspections by office, tasks, credit lists."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from data_access import schema as s
from data_access.api._base import (
    Rows,
    as_of,
    bounded,
    check_choice,
    check_limit,
    month_buckets,
    office_names,
    ratio,
    scoped_reading,
    stamp_as_of,
    to_int,
)
from data_access.cache import memoized
from data_access.indicators import PROBLEM_RESULTS
from data_access.marts import Sum
from data_access.schema import ENUMS

INSPECTION_KINDS = ENUMS[("inspection", "kind")]
RESULTS = ENUMS[("inspection", "result")]


def _kind(kind: str | None) -> dict[str, str]:
    check_choice(kind, INSPECTION_KINDS, "kind")
    return {"kind": kind} if kind else {}


@memoized
def inspections_by_office(
    start: date, end: date, scope: tuple[str, ...] | None = None, kind: str | None = "double_random"
) -> pd.DataFrame:
    """Per office over ``[start, end)``: planned (planned in the period), done_of_planned, done_rate,
    done (completed in the period), problems, problem_rate; offices with no activity omitted."""
    where = _kind(kind)
    with scoped_reading(scope, (start, end)) as q:
        planned = q.aggregate(
            "insp_planned", {"planned": "n", "done_of_planned": "n_done"}, by=("office_code",), where=where
        )
        done = q.aggregate(
            "insp_done", {"done": "n", "problems": _problem_sum()}, by=("office_code",), where=where
        )
        names = office_names(q.r)
    out = planned.merge(done, on="office_code", how="outer").fillna(0.0)
    out = to_int(out, "planned", "done_of_planned", "done", "problems")
    out["done_rate"] = ratio(out["done_of_planned"], out["planned"])
    out["problem_rate"] = ratio(out["problems"], out["done"])
    out.insert(1, "office_name", out["office_code"].map(names))
    return out.sort_values(["planned", "office_code"], ascending=[False, True]).reset_index(drop=True)


def _problem_sum() -> Sum:
    return Sum("n", {"result": PROBLEM_RESULTS})


@memoized
def inspection_results(
    start: date, end: date, scope: tuple[str, ...] | None = None, kind: str | None = None
) -> pd.DataFrame:
    """Inspections completed in ``[start, end)`` per result category: result, n, share."""
    with scoped_reading(scope, (start, end)) as q:
        f = q.breakdown("insp_done", ["n"], "result", RESULTS, where=_kind(kind))
    f = to_int(f, "n")
    f["share"] = ratio(f["n"], pd.Series(f["n"].sum(), index=f.index))
    return f


@memoized
def inspection_trend(
    start: date, end: date, scope: tuple[str, ...] | None = None, kind: str | None = "double_random"
) -> pd.DataFrame:
    """Per month of ``[start, end)``: planned, done_of_planned, done, problems, done_rate."""
    where = _kind(kind)
    with scoped_reading(scope, (start, end)) as q:
        planned = q.aggregate(
            "insp_planned", {"planned": "n", "done_of_planned": "n_done"}, by=("month",), where=where
        )
        done = q.aggregate("insp_done", {"done": "n", "problems": _problem_sum()}, by=("month",), where=where)
    out = pd.DataFrame({"month": month_buckets(q.start, q.end)}).merge(planned, on="month", how="left")
    out = out.merge(done, on="month", how="left").fillna(0.0)
    out = to_int(out, "planned", "done_of_planned", "done", "problems")
    out["done_rate"] = ratio(out["done_of_planned"], out["planned"])
    return stamp_as_of(out, end)


@memoized
def inspection_tasks(
    start: date, end: date, scope: tuple[str, ...] | None = None, kind: str | None = None, limit: int = 200
) -> Rows:
    """Inspection tasks drawn in ``[start, end)``, newest first: task_id, name, office_code,
    office_name, kind, planned_count, drawn_on, seed (the published draw seed), inspections,
    done."""
    limit = check_limit(limit)
    check_choice(kind, ENUMS[("inspection_task", "kind")], "kind")
    t, i, o = s.inspection_task, s.inspection, s.office
    with scoped_reading(scope, (start, end)) as q:
        counts = (
            sa.select(
                i.c.task_id, sa.func.count().label("inspections"), sa.func.count(i.c.done_on).label("done")
            )
            .where(i.c.task_id.is_not(None))
            .group_by(i.c.task_id)
            .subquery()
        )
        stmt = (
            sa.select(
                t.c.task_id,
                t.c.name,
                t.c.office_code,
                o.c.name.label("office_name"),
                t.c.kind,
                t.c.planned_count,
                t.c.drawn_on,
                t.c.seed,
                sa.func.coalesce(counts.c.inspections, 0).label("inspections"),
                sa.func.coalesce(counts.c.done, 0).label("done"),
            )
            .select_from(
                t.join(o, o.c.code == t.c.office_code).outerjoin(counts, counts.c.task_id == t.c.task_id)
            )
            .where(t.c.drawn_on >= q.start, t.c.drawn_on < q.end)
            .order_by(t.c.drawn_on.desc(), t.c.task_id)
        )
        if kind:
            stmt = stmt.where(t.c.kind == kind)
        stmt = q.in_scope(stmt, o.c.street_code)
        return bounded(q.r, stmt, limit)


@memoized
def credit_list_entries(
    list_name: str = "joint_punishment", scope: tuple[str, ...] | None = None, limit: int = 200
) -> Rows:
    """Entities currently on a credit list (default 联合惩戒), newest first: uscc, name, street_code,
    list, reason, listed_on."""
    check_choice(list_name, ENUMS[("credit_list", "list")], "list_name")
    limit = check_limit(limit)
    c, e = s.credit_list, s.entity
    with scoped_reading(scope) as q:
        d = as_of(q.r)
        stmt = (
            sa.select(e.c.uscc, e.c.name, e.c.street_code, c.c.list, c.c.reason, c.c.listed_on)
            .join(e, e.c.uscc == c.c.uscc)
            .where(
                c.c.list == list_name,
                c.c.listed_on <= d,
                sa.or_(c.c.removed_on.is_(None), c.c.removed_on > d),
            )
            .order_by(c.c.listed_on.desc(), e.c.uscc)
        )
        stmt = q.in_scope(stmt, e.c.street_code)
        return bounded(q.r, stmt, limit)
