"""The district's geography: the real boundary, the 14 街镇 polygons, and their replacement.

No official street polygons are public, so the shipped ones are Voronoi cells of the streets'
approximate centres clipped to the real district boundary (``approximate = true`` in the store,
and labelled as approximate in the UI). ``replace_street_polygons`` swaps in official polygons
from a GeoJSON or Shapefile after checking codes and geometry validity.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import schema
from data_access.db import set_meta

GEODATA = Path(__file__).resolve().parent.parent / "data_access" / "geodata"
BOUNDARY_FILE = GEODATA / "minhang_boundary.geojson"
STREETS_FILE = GEODATA / "minhang_streets.csv"
#: A metric CRS for the district (UTM 51N) — areas and distances in metres.
METRIC_CRS = 32651


class BoundaryError(ValueError):
    """An official boundary file that cannot replace the street polygons (message in Chinese)."""


@lru_cache(maxsize=1)
def district_boundary() -> shapely.MultiPolygon:
    """The real 闵行区 boundary (WGS-84), simplified, as shipped with the app."""
    data = json.loads(BOUNDARY_FILE.read_text(encoding="utf-8"))
    return shapely.geometry.shape(data["features"][0]["geometry"])


def street_reference() -> pd.DataFrame:
    """The 14 街镇: 12-digit code, name, kind and approximate centre."""
    return pd.read_csv(STREETS_FILE, dtype={"code": str})


def street_polygons() -> gpd.GeoDataFrame:
    """The approximate street polygons: Voronoi cells of the centres, clipped to the boundary.

    Computed in a metric CRS so the cells' bisectors are true perpendicular bisectors.
    """
    ref = street_reference()
    pts = gpd.GeoSeries(gpd.points_from_xy(ref["lon"], ref["lat"]), crs=4326).to_crs(METRIC_CRS)
    boundary = gpd.GeoSeries([district_boundary()], crs=4326).to_crs(METRIC_CRS).iloc[0]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(pts)), extend_to=boundary.buffer(5_000))
    # voronoi_polygons does not keep input order: match each cell to the centre it contains.
    cell_list = list(cells.geoms)
    geoms = []
    for p in pts:
        cell = next(c for c in cell_list if c.contains(p))
        geoms.append(shapely.make_valid(cell.intersection(boundary)))
    gdf = gpd.GeoDataFrame(ref[["code", "name", "kind", "lon", "lat"]].copy(),
                           geometry=gpd.GeoSeries(geoms, crs=METRIC_CRS).to_crs(4326).values, crs=4326)
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 1e-6)
    gdf["approximate"] = True
    return gdf


def _rows(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    out = pd.DataFrame(gdf.drop(columns="geometry"))
    out["geometry"] = [json.dumps(shapely.geometry.mapping(g)) for g in gdf.geometry]
    return out


def load_streets(conn: sa.Connection, gdf: gpd.GeoDataFrame | None = None) -> int:
    """Write the street table (replacing its rows) inside the caller's transaction."""
    gdf = street_polygons() if gdf is None else gdf
    rows = _rows(gdf)
    conn.execute(sa.delete(schema.street))
    conn.execute(sa.insert(schema.street), rows[[c.name for c in schema.street.columns]].to_dict("records"))
    return len(rows)


def read_streets(conn: sa.Connection) -> gpd.GeoDataFrame:
    """The street table as a GeoDataFrame (WGS-84)."""
    frame = pd.read_sql(sa.select(schema.street), conn)
    geoms = [shapely.geometry.shape(json.loads(g)) for g in frame.pop("geometry")]
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)


def replace_street_polygons(engine: Engine, path: Path, *, code_field: str = "code") -> int:
    """Replace the street polygons with official ones from a GeoJSON or Shapefile.

    Every one of the 14 codes must be present once, each geometry a valid (Multi)Polygon inside the
    district (a 500 m tolerance for differing boundary surveys); centres are kept unless the
    official polygon does not contain them, in which case its representative point is used.
    Nothing is written unless the whole file passes.
    """
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 — any reader failure is the user's file, reported in Chinese
        raise BoundaryError(f"无法读取边界文件 {path.name}：{exc}") from exc
    if code_field not in gdf.columns:
        raise BoundaryError(f"边界文件缺少街镇代码字段 {code_field!r}（可用 --code-field 指定）；现有字段："
                            f"{', '.join(c for c in gdf.columns if c != 'geometry')}")
    gdf = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
    gdf[code_field] = gdf[code_field].astype(str).str.strip()
    ref = street_reference().set_index("code")
    problems: list[str] = []
    unknown = sorted(set(gdf[code_field]) - set(ref.index))
    missing = sorted(set(ref.index) - set(gdf[code_field]))
    dup = sorted(gdf.loc[gdf[code_field].duplicated(), code_field].unique())
    if unknown:
        problems.append(f"未知的街镇代码：{', '.join(unknown)}")
    if missing:
        names = ", ".join(f"{c}（{ref.loc[c, 'name']}）" for c in missing)
        problems.append(f"缺少街镇：{names}")
    if dup:
        problems.append(f"重复的街镇代码：{', '.join(dup)}")
    tolerance = gpd.GeoSeries([district_boundary()], crs=4326).to_crs(METRIC_CRS).buffer(500).iloc[0]
    for code, geom in zip(gdf[code_field], gdf.geometry, strict=True):
        if geom is None or geom.is_empty:
            problems.append(f"{code}：几何为空")
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(f"{code}：几何类型应为面（Polygon/MultiPolygon），实际为 {geom.geom_type}")
        elif not geom.is_valid:
            problems.append(f"{code}：几何无效（{shapely.is_valid_reason(geom)}）")
        elif not tolerance.contains(gpd.GeoSeries([geom], crs=4326).to_crs(METRIC_CRS).iloc[0]):
            problems.append(f"{code}：边界超出闵行区范围")
    if problems:
        raise BoundaryError("边界文件未通过检查，未做任何修改：\n  " + "\n  ".join(problems))
    gdf = gdf.set_index(code_field).loc[ref.index]
    out = gpd.GeoDataFrame(
        {"code": ref.index, "name": ref["name"].values, "kind": ref["kind"].values},
        geometry=gdf.geometry.values, crs=4326)
    centres = gpd.points_from_xy(ref["lon"], ref["lat"])
    inside = out.geometry.contains(gpd.GeoSeries(centres, crs=4326))
    rep = out.geometry.representative_point()
    out["lon"] = [c.x if ok else r.x for c, r, ok in zip(centres, rep, inside, strict=True)]
    out["lat"] = [c.y if ok else r.y for c, r, ok in zip(centres, rep, inside, strict=True)]
    out["approximate"] = False
    with engine.begin() as conn:
        # Update in place: entities, complaints … reference street codes, so rows are never deleted.
        present = set(conn.execute(sa.select(schema.street.c.code)).scalars())
        for row in _rows(out).to_dict("records"):
            if row["code"] in present:
                code = row.pop("code")
                conn.execute(sa.update(schema.street).where(schema.street.c.code == code).values(**row))
            else:
                conn.execute(sa.insert(schema.street).values(**row))
        set_meta(conn, {"boundaries_source": path.name})
    return len(out)
