"""The city store's reads (/city, 市级汇聚): the districts loaded from exchange packages, compared.

These read the ``city_*`` tables that ``smartsup exchange import`` fills (docs/exchange.md), not a
district's read layer. They are deliberately **not** memoised: the cache key's data version is the
read layer's, which an import does not change, so a cached answer would outlive the import it
predates. The tables are small (16 districts × the indicator library × periods) and every query
here is bounded by them.

``scope`` is the caller's set of district codes (None = every district loaded), the same
row-level-security parameter as the district reads take for streets.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from data_access import schema
from data_access.db import store

_PKG, _VAL, _IND = schema.city_package, schema.city_indicator_value, schema.city_indicator
_STREET = schema.city_street


def _frame(stmt: sa.Select) -> pd.DataFrame:
    with store.engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _scope(scope: Sequence[str] | None) -> tuple[str, ...] | None:
    if scope is None:
        return None
    codes = (scope,) if isinstance(scope, str) else tuple(scope)
    bad = [c for c in codes if not (isinstance(c, str) and len(c) == 6 and c.isdigit())]
    if bad:
        raise ValueError(f"区代码应为 6 位数字：{bad[0]!r}")
    return tuple(sorted(set(codes)))


def _indicator(indicator_id: str) -> dict:
    rows = _frame(sa.select(_IND).where(_IND.c.indicator_id == indicator_id))
    if rows.empty:
        raise ValueError(f"市级库中没有指标 {indicator_id}（尚未导入含该指标的数据包）")
    return rows.iloc[0].to_dict()


def city_districts(scope: Sequence[str] | None = None) -> pd.DataFrame:
    """The districts loaded: district_code, district_name, periods (count), first_period,
    latest_period, latest_data_time, latest_complete, streets, imported_at (of the latest package)."""
    scope = _scope(scope)
    p = _PKG
    q = sa.select(
        p.c.district_code,
        p.c.district_name,
        p.c.period,
        p.c.period_start,
        p.c.data_time,
        p.c.complete,
        p.c.imported_at,
    )
    if scope is not None:
        q = q.where(p.c.district_code.in_(scope))
    pk = _frame(q.order_by(p.c.district_code, p.c.period_start, p.c.period))
    streets = _frame(
        sa.select(_STREET.c.district_code, sa.func.count().label("streets")).group_by(_STREET.c.district_code)
    )
    columns = [
        "district_code",
        "district_name",
        "periods",
        "first_period",
        "latest_period",
        "latest_data_time",
        "latest_complete",
        "streets",
        "imported_at",
    ]
    if pk.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for code, g in pk.groupby("district_code", sort=True):
        last = g.iloc[-1]
        rows.append(
            {
                "district_code": code,
                "district_name": last["district_name"],
                "periods": len(g),
                "first_period": g.iloc[0]["period"],
                "latest_period": last["period"],
                "latest_data_time": last["data_time"],
                "latest_complete": bool(last["complete"]),
                "imported_at": last["imported_at"],
            }
        )
    out = pd.DataFrame(rows).merge(streets, on="district_code", how="left")
    out["streets"] = out["streets"].fillna(0).astype("int64")
    return out[columns]


def city_periods(scope: Sequence[str] | None = None) -> pd.DataFrame:
    """Periods loaded, newest first: period, period_kind, start, end, districts (how many sent it)."""
    scope = _scope(scope)
    p = _PKG
    q = (
        sa.select(
            p.c.period,
            p.c.period_kind,
            p.c.period_start.label("start"),
            p.c.period_end.label("end"),
            sa.func.count().label("districts"),
        )
        .group_by(p.c.period, p.c.period_kind, p.c.period_start, p.c.period_end)
        .order_by(p.c.period_start.desc(), p.c.period)
    )
    if scope is not None:
        q = q.where(p.c.district_code.in_(scope))
    return _frame(q)


def city_ranking(
    indicator_id: str, period: str, scope: Sequence[str] | None = None, ascending: bool = False
) -> pd.DataFrame:
    """Districts ranked by one indicator's district value in ``period``.

    Columns: rank, district_code, district_name, value, name, unit, value_type. Districts whose
    value is null (a ratio with nothing to divide) come last, unranked (rank NaN).
    """
    meta = _indicator(indicator_id)
    scope = _scope(scope)
    v, p = _VAL, _PKG
    q = (
        sa.select(v.c.district_code, p.c.district_name, v.c.value)
        .join(p, (p.c.district_code == v.c.district_code) & (p.c.period == v.c.period))
        .where(v.c.indicator_id == indicator_id, v.c.period == period, v.c.area_code == v.c.district_code)
    )
    if scope is not None:
        q = q.where(v.c.district_code.in_(scope))
    f = _frame(q)
    f["value"] = f["value"].astype(float)
    f = f.sort_values(["value", "district_code"], ascending=[ascending, True], na_position="last")
    f["rank"] = f["value"].rank(method="min", ascending=ascending)
    f = f.assign(name=meta["name"], unit=meta["unit"], value_type=meta["value_type"])
    return f[["rank", "district_code", "district_name", "value", "name", "unit", "value_type"]].reset_index(
        drop=True
    )


def city_trend(
    indicator_id: str, scope: Sequence[str] | None = None, period_kind: str = "month"
) -> pd.DataFrame:
    """One indicator's district value per loaded period of ``period_kind`` (month or week), per district.

    Columns: district_code, district_name, period, start, value, complete — ordered by district, then time.
    """
    if period_kind not in ("month", "week"):
        raise ValueError(f"period_kind 取值无效：{period_kind!r}；可选：month, week")
    _indicator(indicator_id)
    scope = _scope(scope)
    v, p = _VAL, _PKG
    q = (
        sa.select(
            v.c.district_code,
            p.c.district_name,
            v.c.period,
            p.c.period_start.label("start"),
            v.c.value,
            p.c.complete,
        )
        .join(p, (p.c.district_code == v.c.district_code) & (p.c.period == v.c.period))
        .where(
            v.c.indicator_id == indicator_id,
            v.c.area_code == v.c.district_code,
            p.c.period_kind == period_kind,
        )
        .order_by(v.c.district_code, p.c.period_start)
    )
    if scope is not None:
        q = q.where(v.c.district_code.in_(scope))
    f = _frame(q)
    f["value"] = f["value"].astype(float)
    return f


def city_street_ranking(
    indicator_id: str,
    period: str,
    scope: Sequence[str] | None = None,
    limit: int = 20,
    ascending: bool = False,
) -> pd.DataFrame:
    """Streets of the loaded districts ranked by one indicator in ``period`` (top ``limit``).

    Columns: rank, district_code, district_name, street_code, street_name, value.
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
        raise ValueError(f"limit 应为 1–1000 的整数：{limit!r}")
    _indicator(indicator_id)
    scope = _scope(scope)
    v, p, s = _VAL, _PKG, _STREET
    order = v.c.value.asc() if ascending else v.c.value.desc()
    q = (
        sa.select(
            v.c.district_code,
            p.c.district_name,
            v.c.area_code.label("street_code"),
            s.c.name.label("street_name"),
            v.c.value,
        )
        .join(p, (p.c.district_code == v.c.district_code) & (p.c.period == v.c.period))
        .join(s, s.c.code == v.c.area_code)
        .where(v.c.indicator_id == indicator_id, v.c.period == period, v.c.value.is_not(None))
        .order_by(order, v.c.area_code)
        .limit(limit)
    )
    if scope is not None:
        q = q.where(v.c.district_code.in_(scope))
    f = _frame(q)
    f["value"] = f["value"].astype(float)
    f.insert(0, "rank", f["value"].rank(method="min", ascending=ascending))
    return f
