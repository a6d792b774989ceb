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

import hashlib
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


def city_version() -> str:
    """What is loaded, as a short digest of every package's (district, period, manifest SHA-256):
    it changes with every import that changes anything. The screen controller keys its built pages
    by it, because an import does not change the read layer's data version."""
    p = _PKG
    rows = _frame(
        sa.select(p.c.district_code, p.c.period, p.c.manifest_sha256).order_by(p.c.district_code, p.c.period)
    )
    text = ";".join(f"{r.district_code}/{r.period}/{r.manifest_sha256}" for r in rows.itertuples())
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def city_indicators() -> pd.DataFrame:
    """The indicator catalogue of the loaded packages: indicator_id, name, definition, unit,
    value_type, kind, theme, core — core indicators first, then by theme and id."""
    i = _IND
    q = sa.select(i.c.indicator_id, i.c.name, i.c.definition, i.c.unit, i.c.value_type, i.c.kind, i.c.theme,
                  i.c.core).order_by(i.c.core.desc(), i.c.theme, i.c.indicator_id)
    return _frame(q)


def city_packages(scope: Sequence[str] | None = None, period: str | None = None) -> pd.DataFrame:
    """The packages loaded, newest period first, then by district: district_code, district_name,
    period, period_kind, data_time, generated_at, complete, schema_version, manifest_sha256,
    imported_at. Each was checked (checksums, schema, codes) when it was imported: a package that
    failed any check was refused and is not here (docs/exchange.md)."""
    scope = _scope(scope)
    p = _PKG
    q = sa.select(
        p.c.district_code,
        p.c.district_name,
        p.c.period,
        p.c.period_kind,
        p.c.data_time,
        p.c.generated_at,
        p.c.complete,
        p.c.schema_version,
        p.c.manifest_sha256,
        p.c.imported_at,
    ).order_by(p.c.period_start.desc(), p.c.period, p.c.district_code)
    if scope is not None:
        q = q.where(p.c.district_code.in_(scope))
    if period is not None:
        q = q.where(p.c.period == period)
    f = _frame(q)
    f["complete"] = f["complete"].astype(bool)
    return f


#: The package facts the /city KPI strip shows, as indicators of their own (id → name, unit, definition).
CITY_KPIS = {
    "city.districts_loaded": (
        "已汇聚区", "个", "市级库中已导入至少一个数据交换包的区数（上海市共 16 个区）。"
    ),
    "city.districts_reporting": ("本期报送区", "个", "所选期间已导入数据交换包的区数。"),
    "city.packages_complete": (
        "本期完整数据包",
        "个",
        "所选期间的数据包中，生成时该期间已结束（清单 complete=true）的个数；未结束期间的数字还会变化。",
    ),
}


def city_kpis(indicator_id: str, period: str, scope: Sequence[str] | None = None) -> pd.DataFrame:
    """The /city KPI strip in the form of ``extra_screens.screen_kpis`` (indicator_id, name, value,
    previous, unit, value_type, definition, data_time, kind, unfiltered): the districts loaded, the
    districts that sent ``period``, its complete packages, then ``indicator_id`` over the districts
    in ``period`` — the sum for counts and money, the mean of the districts for rates and durations
    (a rate of rates would need the districts' denominators, which a package does not carry) — with
    the same over the loaded period of the same kind before it as ``previous``."""
    meta = _indicator(indicator_id)
    scope = _scope(scope)
    districts = city_districts(scope)
    packages = city_packages(scope, period)
    data_time = packages["data_time"].max() if not packages.empty else None
    rows = []
    counts = {
        "city.districts_loaded": len(districts),
        "city.districts_reporting": len(packages),
        "city.packages_complete": int(packages["complete"].sum()) if not packages.empty else 0,
    }
    for iid, value in counts.items():
        name, unit, definition = CITY_KPIS[iid]
        rows.append(dict(indicator_id=iid, name=name, value=float(value), previous=None, unit=unit,
                         value_type="count", definition=definition, data_time=data_time, kind="state",
                         unfiltered=False))
    additive = meta["value_type"] in ("count", "money", "amount")
    trend = city_trend(indicator_id, scope, _period_kind(period))
    by_period = trend.groupby("period", sort=False)["value"]
    agg = by_period.sum(min_count=1) if additive else by_period.mean()
    order = list(dict.fromkeys(trend.sort_values("start")["period"]))
    value = agg.get(period)
    earlier = order[: order.index(period)] if period in order else []
    previous = agg.get(earlier[-1]) if earlier else None
    how = "各区合计" if additive else "各区平均"
    rows.append(dict(
        indicator_id=indicator_id,
        name=f"{meta['name']}（{how}）",
        value=None if value is None or pd.isna(value) else float(value),
        previous=None if previous is None or pd.isna(previous) else float(previous),
        unit=meta["unit"],
        value_type=meta["value_type"],
        definition=f"{meta['definition']} 市级汇总：所选期间各报送区区级数值的"
        + ("合计。" if additive else "算术平均（不按各区分母加权）。")
        + " 环比：与上一个已导入的同类期间相比。",
        data_time=data_time,
        kind="period",
        unfiltered=False,
    ))
    return pd.DataFrame(rows)


def _period_kind(period: str) -> str:
    return "week" if "-W" in period else "month"


def city_area_values(
    indicator_id: str, period: str, scope: Sequence[str] | None = None, limit: int = 500
) -> tuple[pd.DataFrame, bool]:
    """One indicator's values in ``period`` for every area of the loaded districts — each district
    itself, then its streets — and whether the list was cut at ``limit``.

    Columns: district_code, district_name, area_code, area_name, level (区/街镇), value, unit,
    value_type, period, data_time, complete.
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100_000:
        raise ValueError(f"limit 应为 1–100000 的整数：{limit!r}")
    meta = _indicator(indicator_id)
    scope = _scope(scope)
    v, p, s = _VAL, _PKG, _STREET
    q = (
        sa.select(
            v.c.district_code,
            p.c.district_name,
            v.c.area_code,
            s.c.name.label("street_name"),
            v.c.value,
            v.c.period,
            p.c.data_time,
            p.c.complete,
        )
        .join(p, (p.c.district_code == v.c.district_code) & (p.c.period == v.c.period))
        .outerjoin(s, s.c.code == v.c.area_code)
        .where(v.c.indicator_id == indicator_id, v.c.period == period)
        .order_by(v.c.district_code, sa.func.length(v.c.area_code), v.c.area_code)
        .limit(limit + 1)
    )
    if scope is not None:
        q = q.where(v.c.district_code.in_(scope))
    f = _frame(q)
    cut = len(f) > limit
    f = f.iloc[:limit].copy()
    district = f["area_code"] == f["district_code"]
    f["area_name"] = f["street_name"].where(~district, f["district_name"])
    f["level"] = ["区" if d else "街镇" for d in district]
    f["value"] = f["value"].astype(float)
    f["complete"] = f["complete"].astype(bool)
    f = f.assign(unit=meta["unit"], value_type=meta["value_type"])
    columns = ["district_code", "district_name", "area_code", "area_name", "level", "value", "unit",
               "value_type", "period", "data_time", "complete"]
    return f[columns].reset_index(drop=True), cut
