"""数据分析 (/analysis): the analyst workbench — any indicators, any period, any allowed dimensions."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data_access import indicators as lib
from data_access.api._base import check_limit, check_period, check_scope, office_names, reading, street_codes
from data_access.cache import memoized
from data_access.marts import industry_sections


def _ids(ids: tuple[str, ...] | str) -> tuple[str, ...]:
    ids = (ids,) if isinstance(ids, str) else tuple(ids)
    if not ids:
        raise ValueError("至少选择一个指标")
    for i in ids:
        lib.get(i)
    return ids


def _change(now: pd.Series, before: pd.Series) -> pd.Series:
    return (now - before) / before.where(before != 0)


@memoized
def compare(
    ids: tuple[str, ...], start: date, end: date, scope: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Indicators over ``[start, end)`` beside the period of the same length just before (环比) and
    the same dates a year earlier (同比): indicator_id, name, unit, kind, value, previous,
    last_year, mom, yoy (relative changes; NaN without a base; state indicators have no periods)."""
    ids = _ids(ids)
    start, end = check_period(start, end)
    length = end - start
    prev = (start - length, start)
    ly = (lib.shift_year(start, -1), lib.shift_year(end, -1))
    with reading() as r:
        scope = check_scope(r, scope)
        cols = {}
        for key, (lo, hi) in {"value": (start, end), "previous": prev, "last_year": ly}.items():
            cols[key] = lib.evaluate(r, ids, start=lo, end=hi, scope=scope).set_index("indicator_id")["value"]
    out = pd.DataFrame(cols).reindex(list(ids)).rename_axis("indicator_id").reset_index()
    kinds = out["indicator_id"].map(lambda i: lib.get(i).kind)
    out.loc[kinds == "state", ["previous", "last_year"]] = float("nan")
    out["mom"] = _change(out["value"], out["previous"])
    out["yoy"] = _change(out["value"], out["last_year"])
    out.insert(1, "name", out["indicator_id"].map(lambda i: lib.get(i).name))
    out.insert(2, "unit", out["indicator_id"].map(lambda i: lib.get(i).unit))
    out.insert(3, "kind", kinds)
    return out


def _labels(r, dimension: str) -> dict[str, str]:
    if dimension == "street_code":
        return street_codes(r)
    if dimension == "office_code":
        return office_names(r)
    if dimension == "section":
        return {sec: name for sec, name, *_ in industry_sections()}
    return {}


@memoized
def ranking(
    indicator_id: str,
    dimension: str,
    start: date | None = None,
    end: date | None = None,
    scope: tuple[str, ...] | None = None,
    limit: int = 20,
    ascending: bool = False,
) -> pd.DataFrame:
    """One indicator ranked across a dimension (streets, industries, offices, …): key, label,
    value, rank (1 = highest unless ``ascending``). Period indicators need ``[start, end)``."""
    ind = lib.get(indicator_id)
    limit = check_limit(limit)
    period = {}
    if ind.kind == "period":
        start, end = check_period(start, end)
        period = {"start": start, "end": end}
    with reading() as r:
        scope = check_scope(r, scope)
        f = lib.evaluate(r, [indicator_id], by=(dimension,), scope=scope, **period)
        labels = _labels(r, dimension)
    f = f.dropna(subset=["value"]).rename(columns={dimension: "key"})
    f["label"] = [labels.get(k, str(k)) for k in f["key"]]
    f = f.sort_values(["value", "key"], ascending=[ascending, True]).head(limit).reset_index(drop=True)
    f["rank"] = range(1, len(f) + 1)
    return f[["key", "label", "value", "rank"]]


@memoized
def pivot(
    ids: tuple[str, ...],
    start: date,
    end: date,
    rows: str,
    scope: tuple[str, ...] | None = None,
    filters: dict[str, object] | None = None,
) -> pd.DataFrame:
    """A pivot table: one row per value of dimension ``rows`` (a dimension or day/month/year), one
    column per indicator, over ``[start, end)``; row labels in ``label``. Export-ready."""
    ids = _ids(ids)
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = lib.evaluate(r, ids, start=start, end=end, scope=scope, by=(rows,), where=dict(filters or {}))
        labels = _labels(r, rows)
    wide = f.pivot_table(index=rows, columns="indicator_id", values="value", aggfunc="first", dropna=False)
    wide = wide.reindex(columns=list(ids)).reset_index()
    wide.columns.name = None
    if labels:
        wide.insert(1, "label", wide[rows].map(labels).fillna(wide[rows].astype(str)))
    return wide
