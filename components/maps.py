"""The district map: the 14 街镇 as a choropleth, with optional event points and a heat layer.

Drawn entirely from local data: the style is a single background layer (no tiles, no sprites,
no glyphs — MapLibre would fetch glyphs from the internet for any text layer, so street names go
in hover labels, never in text symbols). When an intranet tile server is configured its raster
tiles go underneath. The view is fitted to the street polygons from their bounds and the panel's
expected size (Plotly's ``fitbounds`` does not fit choropleth layers); in the browser
``assets/mapfit.js`` refits it to the real size, so the whole district shows in any panel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from components.figures import figure
from components.formatting import format_value
from components.theme import palette, sizes


@dataclass(frozen=True)
class MapPoints:
    """A layer of points (e.g. open warnings): coordinates, hover text, one colour or one per point."""

    name: str
    lon: Sequence[float]
    lat: Sequence[float]
    text: Sequence[str] = ()
    color: str | Sequence[str] | None = None
    size: float | Sequence[float] | None = None


@dataclass(frozen=True)
class MapHeat:
    """A density (heat) layer: coordinates and optional weights."""

    lon: Sequence[float]
    lat: Sequence[float]
    weight: Sequence[float] | None = None
    name: str = "热力"
    radius: int = 18
    colorscale: Sequence[Sequence[Any]] | None = field(default=None)


def _features(geojson: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from a dict or anything with ``__geo_interface__``."""
    fc = geojson.__geo_interface__ if hasattr(geojson, "__geo_interface__") else geojson
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": str(f.get("properties", {}).get("code", f.get("id"))),
                          "properties": f.get("properties", {}), "geometry": f["geometry"]}
                         for f in fc["features"]]}


#: Expected map sizes in CSS pixels: the wall's centre panel on the 1920×1080 canvas, and an
#: analyst map panel (its height is fixed by the stylesheet; width varies, height binds). Measured
#: as ``gd._fullLayout._size`` in Chromium: when they are right the wall map is drawn once, already
#: fitted, instead of being drawn, refitted and drawn again (about 0.7 s on a wall screen).
DEFAULT_SIZES = {"wall": (886, 498), "analyst": (640, 406)}

#: MapLibre's world is 512 px wide at zoom 0.
_TILE = 512


def _coords(geometry: Mapping[str, Any]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []

    def walk(c: Any) -> None:
        if isinstance(c, list | tuple) and c and isinstance(c[0], int | float):
            out.append((float(c[0]), float(c[1])))
        elif isinstance(c, list | tuple):
            for item in c:
                walk(item)

    if geometry.get("type") == "GeometryCollection":
        for g in geometry.get("geometries", []):
            out.extend(_coords(g))
    else:
        walk(geometry.get("coordinates", []))
    return out


def bounds(geojson: Any) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of a FeatureCollection (or GeoDataFrame)."""
    pts = [p for f in _features(geojson)["features"] for p in _coords(f["geometry"])]
    if not pts:
        raise ValueError("GeoJSON without coordinates")
    lons, lats = zip(*pts, strict=True)
    return min(lons), min(lats), max(lons), max(lats)


def _mercator_y(lat: float) -> float:
    """Web-Mercator y in "degrees of longitude" (so x and y share one scale)."""
    phi = math.radians(max(min(lat, 85.0), -85.0))
    return math.degrees(math.log(math.tan(math.pi / 4 + phi / 2)))


def fit_view(box: tuple[float, float, float, float], size: tuple[int, int], *,
             padding: float = 0.06) -> tuple[dict[str, float], float]:
    """Centre and zoom that show ``box`` (west, south, east, north) whole in ``size`` (w, h) px,
    with ``padding`` (a fraction of each side) left around it."""
    west, south, east, north = box
    w, h = (max(1, v * (1 - 2 * padding)) for v in size)
    dx = max(east - west, 1e-6)
    y0, y1 = _mercator_y(south), _mercator_y(north)
    dy = max(y1 - y0, 1e-6)
    zoom = min(math.log2(w * 360 / (_TILE * dx)), math.log2(h * 360 / (_TILE * dy)))
    centre_y = (y0 + y1) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(math.radians(centre_y))) - math.pi / 2)
    return {"lon": (west + east) / 2, "lat": centre_lat}, round(zoom, 3)


def background_style(theme: str = "dark") -> dict[str, Any]:
    """A MapLibre style with one background layer: nothing to download."""
    # A never-drawn empty source: Plotly drops empty objects when it re-applies a layout (relayout,
    # react), and a style left without "sources" is rejected by MapLibre.
    empty = {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}
    return {"version": 8, "name": "smartsup-local", "sources": {"smartsup-empty": empty},
            "layers": [{"id": "background", "type": "background",
                        "paint": {"background-color": palette(theme).map_bg}}]}


def district_map(streets_geojson: Any, values_by_street: Mapping[str, float] | None = None, *,
                 points: Sequence[MapPoints] = (), heat: MapHeat | None = None,
                 theme: str = "dark", mode: str = "wall", value_name: str = "数量", unit: str = "",
                 boundary: Any = None, tile_url: str | None = None, show_scale: bool = True,
                 size: tuple[int, int] | None = None, uirevision: str = "district") -> go.Figure:
    """The 14 街镇 choropleth with optional point layers and a heat layer.

    ``streets_geojson`` is a FeatureCollection (or a GeoDataFrame) whose features carry
    ``properties.code`` (12-digit street code) and ``properties.name``; ``values_by_street`` maps
    codes to values (streets without one are drawn at zero). ``boundary`` (the district outline)
    is drawn as a glowing line on top. Hover labels are Chinese (street name, value with unit).
    ``size`` is the panel's expected size in px, used to fit the view (``DEFAULT_SIZES`` by mode).
    """
    p, s = palette(theme), sizes(mode)
    fc = _features(streets_geojson)
    values = values_by_street or {}
    codes = [f["id"] for f in fc["features"]]
    names = [str(f["properties"].get("name", f["id"])) for f in fc["features"]]
    z = [float(values.get(c, 0) or 0) for c in codes]
    shown = [format_value(v, unit, mode="analyst").text for v in z]
    fig = figure(theme, mode)
    fig.add_choroplethmap(
        geojson=fc, locations=codes, z=z, featureidkey="id", name=value_name,
        customdata=list(zip(names, shown, strict=True)),
        colorscale=[[i / (len(p.sequential) - 1), c] for i, c in enumerate(p.sequential)],
        zmin=0, zmax=max(z) if any(z) else 1,
        marker=dict(line=dict(color=p.map_line, width=1.6 if mode == "wall" else 1), opacity=0.85),
        hovertemplate=f"<b>%{{customdata[0]}}</b><br>{value_name}：%{{customdata[1]}}<extra></extra>",
        showscale=show_scale,
        colorbar=dict(thickness=10 if mode == "wall" else 8, len=0.45, x=0.99, xanchor="right", y=0.04,
                      yanchor="bottom", outlinewidth=0, bgcolor="rgba(0,0,0,0)",
                      tickfont=dict(size=s.small, color=p.text_muted),
                      title=dict(text=unit, font=dict(size=s.small, color=p.text_muted))),
    )
    if heat is not None:
        fig.add_densitymap(
            lon=list(heat.lon), lat=list(heat.lat),
            z=list(heat.weight) if heat.weight is not None else None,
            radius=heat.radius, name=heat.name, showscale=False, opacity=0.75,
            colorscale=heat.colorscale or [[0, "rgba(0,0,0,0)"], [0.25, "#1e90ff"], [0.5, "#22e3a6"],
                                           [0.75, "#ffc53d"], [1, "#ff4d4f"]],
            hoverinfo="skip",
        )
    for layer in points:
        fig.add_scattermap(
            lon=list(layer.lon), lat=list(layer.lat), mode="markers", name=layer.name,
            text=list(layer.text) or None,
            marker=dict(size=layer.size if layer.size is not None else (11 if mode == "wall" else 8),
                        color=layer.color if isinstance(layer.color, str) or layer.color is None
                        else list(layer.color), opacity=0.95),
            hovertemplate=f"{layer.name}<br>%{{text}}<extra></extra>" if layer.text
            else f"{layer.name}<extra></extra>",
        )
    box = bounds(fc)
    centre, zoom = fit_view(box, size or DEFAULT_SIZES.get(mode, DEFAULT_SIZES["analyst"]))
    map_layers: list[dict[str, Any]] = []
    if tile_url:
        map_layers.append({"sourcetype": "raster", "source": [tile_url], "below": "traces",
                           "sourceattribution": ""})
    if boundary is not None:
        map_layers.append({"sourcetype": "geojson", "source": _features(boundary), "type": "line",
                           "color": p.accent, "line": {"width": 3 if mode == "wall" else 2}})
    fig.update_layout(
        map=dict(style=background_style(theme), layers=map_layers, uirevision=uirevision,
                 center=centre, zoom=zoom),
        margin=dict(l=0, r=0, t=0, b=0),
        # assets/mapfit.js refits the zoom to the size the map is really drawn at
        meta={"smartsupFit": list(box)},
        showlegend=bool(points) and mode != "wall",
        legend=dict(orientation="h", x=0, y=0, yanchor="bottom"),
    )
    return fig
