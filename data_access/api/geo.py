"""Map layers: street polygons with values (choropleths) as GeoJSON, for every screen's map."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from data_access import indicators as lib
from data_access.api._base import check_period, check_scope, reading
from data_access.cache import memoized


def _streets(r) -> pd.DataFrame:
    t = r.table("street_dim")
    return r.frame(sa.select(t).order_by(t.c.code))


def _collection(streets: pd.DataFrame, props: list[str]) -> dict[str, Any]:
    features = []
    for row in streets.itertuples(index=False):
        properties = {p: _plain(getattr(row, p)) for p in props}
        features.append(
            {
                "type": "Feature",
                "id": row.code,
                "properties": properties,
                "geometry": json.loads(row.geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


@memoized
def street_polygons(scope: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The street polygons (GeoJSON FeatureCollection, WGS-84; feature id = street code).

    Properties: code, name, kind, lon, lat, area_km2, approximate (true while the polygons are
    the Voronoi approximation — the map's data note must say so).
    """
    with reading() as r:
        scope = check_scope(r, scope)
        streets = _streets(r)
    if scope is not None:
        streets = streets[streets["code"].isin(scope)]
    return _collection(streets, ["code", "name", "kind", "lon", "lat", "area_km2", "approximate"])


@memoized
def street_choropleth(
    indicator_id: str,
    start: date | None = None,
    end: date | None = None,
    scope: tuple[str, ...] | None = None,
    per_km2: bool = False,
) -> dict[str, Any]:
    """Street polygons with one indicator's value per street in property ``value``.

    Period indicators need ``[start, end)``; state ones ignore it. ``per_km2`` divides by the
    street's area (densities). Also carries ``name``, ``area_km2``, ``approximate``.
    """
    ind = lib.get(indicator_id)
    if "street_code" not in ind.dimensions:
        raise ValueError(f"指标 {indicator_id} 不能按街镇分解")
    period: dict[str, date] = {}
    if ind.kind == "period":
        start, end = check_period(start, end)
        period = {"start": start, "end": end}
    with reading() as r:
        scope = check_scope(r, scope)
        values = lib.evaluate(r, [indicator_id], scope=scope, by=("street_code",), **period)
        streets = _streets(r)
    if scope is not None:
        streets = streets[streets["code"].isin(scope)]
    v = values.set_index("street_code")["value"].astype(float)
    streets["value"] = streets["code"].map(v)
    if ind.value_type in ("count", "money"):
        streets["value"] = streets["value"].fillna(0.0)
    if per_km2:
        streets["value"] = streets["value"] / streets["area_km2"]
    return _collection(streets, ["code", "name", "kind", "lon", "lat", "area_km2", "approximate", "value"])
