"""网络监管 (/online) with the 互联网以网管网, 高质量发展 and 知识产权 topic libraries."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data_access.api._base import (
    breakdown,
    check_choice,
    check_period,
    check_scope,
    month_buckets,
    ratio,
    reading,
    stamp_as_of,
    to_int,
)
from data_access.cache import memoized
from data_access.marts import Sum
from data_access.schema import ENUMS

PLATFORMS = ENUMS[("online_store", "platform")]
RISK_LEVELS = ENUMS[("ad_hit", "risk_level")]
HONORS = ENUMS[("entity_honor", "kind")]
IP_KINDS = ENUMS[("ip_right", "kind")]


@memoized
def online_stores(scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Online stores of the district's entities per platform: platform, active, closed."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "online_store_stock",
            {"active": Sum("n", {"status": "active"}), "closed": Sum("n", {"status": "closed"})},
            "platform",
            PLATFORMS,
            scope=scope,
        )
    return to_int(f, "active", "closed")


@memoized
def ad_hits_by(dimension: str, start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Ad-monitoring hits (互联网智能感知) detected in ``[start, end)`` per risk_level, media or
    status: n, handled, handled_rate, avg_handle_minutes. Hits without a known entity count only
    for the whole district."""
    check_choice(dimension, ("risk_level", "media", "status"), "dimension")
    start, end = check_period(start, end)
    values = {"risk_level": RISK_LEVELS, "status": ENUMS[("ad_hit", "status")]}.get(dimension)
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(
            r,
            "ad_hit",
            {"n": "n", "handled": "n_handled", "m": "handle_minutes"},
            dimension,
            values,
            start=start,
            end=end,
            scope=scope,
        )
    f["handled_rate"] = ratio(f["handled"], f["n"])
    f["avg_handle_minutes"] = ratio(f["m"], f["handled"])
    return to_int(f.drop(columns="m"), "n", "handled")


@memoized
def ad_hit_trend(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Ad-monitoring hits per month and risk level: month, high, medium, low, total."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "ad_hit",
            {lv: Sum("n", {"risk_level": lv}) for lv in RISK_LEVELS},
            start=start,
            end=end,
            by=("month",),
            scope=scope,
        )
    out = pd.DataFrame({"month": month_buckets(start, end)}).merge(f, on="month", how="left").fillna(0.0)
    out["total"] = out[list(RISK_LEVELS)].sum(axis=1)
    return stamp_as_of(to_int(out, *RISK_LEVELS, "total"), end)


@memoized
def honors(
    scope: tuple[str, ...] | None = None, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """高质量发展: honours held by active entities per kind (high-tech, 专精特新, brand, quality award,
    standard setter): kind, held, and — with a period — granted (in ``[start, end)``)."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(r, "honor_stock", {"held": "n"}, "kind", HONORS, scope=scope)
        if start is not None or end is not None:
            start, end = check_period(start, end)
            g = r.aggregate(
                "honor_granted", {"granted": "n"}, start=start, end=end, by=("kind",), scope=scope
            )
            f = f.merge(g, on="kind", how="left").fillna({"granted": 0.0})
    return to_int(f, *[c for c in ("held", "granted") if c in f])


@memoized
def ip_rights(
    scope: tuple[str, ...] | None = None, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """知识产权: rights held by the district's entities per kind (trademark, invention / utility /
    design patent, geographical indication): kind, held, and — with a period — registered in it."""
    with reading() as r:
        scope = check_scope(r, scope)
        f = breakdown(r, "ip_stock", {"held": "n"}, "kind", IP_KINDS, scope=scope)
        if start is not None or end is not None:
            start, end = check_period(start, end)
            g = r.aggregate(
                "ip_registered", {"registered": "n"}, start=start, end=end, by=("kind",), scope=scope
            )
            f = f.merge(g, on="kind", how="left").fillna({"registered": 0.0})
    return to_int(f, *[c for c in ("held", "registered") if c in f])


@memoized
def ip_trend(start: date, end: date, scope: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Rights registered per month and kind: month, one column per kind, total."""
    start, end = check_period(start, end)
    with reading() as r:
        scope = check_scope(r, scope)
        f = r.aggregate(
            "ip_registered",
            {k: Sum("n", {"kind": k}) for k in IP_KINDS},
            start=start,
            end=end,
            by=("month",),
            scope=scope,
        )
    out = pd.DataFrame({"month": month_buckets(start, end)}).merge(f, on="month", how="left").fillna(0.0)
    out["total"] = out[list(IP_KINDS)].sum(axis=1)
    return to_int(out, *IP_KINDS, "total")
