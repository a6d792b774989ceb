"""District boundary, approximate street polygons and their replacement by official ones."""

import json

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa

from data_access import schema
from ingest.geography import (
    METRIC_CRS,
    BoundaryError,
    district_boundary,
    load_streets,
    read_streets,
    replace_street_polygons,
    street_polygons,
)


def test_geo001_boundary_is_minhang():
    b = district_boundary()
    area_km2 = gpd.GeoSeries([b], crs=4326).to_crs(METRIC_CRS).area.iloc[0] / 1e6
    assert b.is_valid and 360 < area_km2 < 385  # official 371.7 km²
    assert 200 <= shapely.get_num_coordinates(b) <= 2000
    # 七宝古镇 and 莘庄地铁站 are in 闵行; 人民广场 is not.
    assert b.contains(shapely.Point(121.350, 31.158))
    assert b.contains(shapely.Point(121.385, 31.111))
    assert not b.contains(shapely.Point(121.475, 31.233))


def test_geo002_streets_tile_the_district():
    g = street_polygons()
    assert len(g) == 14 and g["code"].is_unique and g.is_valid.all()
    metric = g.to_crs(METRIC_CRS)
    total = metric.area.sum()
    boundary_area = gpd.GeoSeries([district_boundary()], crs=4326).to_crs(METRIC_CRS).area.iloc[0]
    assert total == pytest.approx(boundary_area, rel=1e-3)
    overlap = metric.geometry.iloc[0]
    for i in range(1, len(metric)):
        assert metric.geometry.iloc[i].intersection(overlap).area < 1.0
    centres = gpd.GeoSeries(gpd.points_from_xy(g.lon, g.lat), crs=4326)
    assert g.contains(centres).all()


def _official_file(tmp_path, gdf):
    path = tmp_path / "official.geojson"
    gdf.to_file(path, driver="GeoJSON")
    return path


def test_geo003_replace_with_official_polygons(sqlite_engine, tmp_path):
    with sqlite_engine.begin() as conn:
        load_streets(conn)
    official = street_polygons()[["code", "geometry"]]
    official["geometry"] = official.to_crs(METRIC_CRS).buffer(-20).to_crs(4326)  # a slightly different survey
    n = replace_street_polygons(sqlite_engine, _official_file(tmp_path, official))
    assert n == 14
    with sqlite_engine.connect() as conn:
        got = read_streets(conn)
        flags = conn.execute(sa.select(schema.street.c.approximate)).scalars().all()
    assert not any(flags)
    assert got.to_crs(METRIC_CRS).area.sum() < street_polygons().to_crs(METRIC_CRS).area.sum()


@pytest.mark.parametrize("mutate,message", [
    (lambda g: g.iloc[1:], "缺少街镇"),
    (lambda g: g.assign(code=g["code"].where(g.index != 0, "310112999000")), "未知的街镇代码"),
    (lambda g: g.assign(geometry=g.geometry.where(g.index != 0, g.geometry.iloc[0].centroid)), "几何类型"),
    (lambda g: g.assign(geometry=g.geometry.translate(xoff=0.5)), "超出闵行区"),
])
def test_geo004_bad_official_file_changes_nothing(sqlite_engine, tmp_path, mutate, message):
    with sqlite_engine.begin() as conn:
        load_streets(conn)
        before = conn.execute(sa.select(schema.street.c.geometry)).scalars().all()
    official = mutate(street_polygons()[["code", "geometry"]])
    with pytest.raises(BoundaryError, match=message):
        replace_street_polygons(sqlite_engine, _official_file(tmp_path, official))
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(schema.street.c.geometry)).scalars().all() == before


def test_geo005_invalid_geometry_rejected(sqlite_engine, tmp_path):
    official = street_polygons()[["code", "geometry"]]
    bow = {"type": "Polygon", "coordinates": [[[121.38, 31.10], [121.40, 31.12], [121.40, 31.10],
                                                 [121.38, 31.12], [121.38, 31.10]]]}
    features = json.loads(official.to_json())
    features["features"][0]["geometry"] = bow
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(features), encoding="utf-8")
    with pytest.raises(BoundaryError, match="几何无效"):
        replace_street_polygons(sqlite_engine, path)


def test_geo006_shapefile_with_other_code_field(sqlite_engine, tmp_path):
    official = street_polygons()[["code", "geometry"]].rename(columns={"code": "XZQDM"})
    path = tmp_path / "streets.shp"
    official.to_file(path)
    with pytest.raises(BoundaryError, match="--code-field"):
        replace_street_polygons(sqlite_engine, path)
    assert replace_street_polygons(sqlite_engine, path, code_field="XZQDM") == 14
