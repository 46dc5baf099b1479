"""Build the indicative geometry: parcels, zones and schematic metro lines.

Inputs: ``data/plan/projects.csv`` and ``zones.csv``, the gazetteer
``data/context/places.csv`` and ``data/context/districts.geojson``.
Outputs (committed; ``tests/test_build_geometry.py`` proves they match a fresh
build): ``data/parcels/parcels.geojson``, ``data/parcels/zones.geojson``,
``data/context/metro.geojson``.

Method: each project with land becomes a rectangle of its declared mu
(ellipsoidal area on CGCS2000), placed by :func:`geo.plan.placement.place` as close
as possible to its anchor (the most specific place its row names, by the placement
rule of ``data/README.md``: :func:`layers.rules.anchor_by_rule`) inside
the anchor's district, 40 m apart from every other parcel; larger parcels are
placed first. Projects of unknown area become points. A zone is the convex
hull of its parcels and anchor places, buffered by 300 m.

Run: ``.venv/bin/python -m tools.build_geometry`` (the plan package in use:
``GEO_PLAN=DIR`` builds and writes that package's layers, in its own folders).
"""

from __future__ import annotations

import zlib
from typing import cast

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from geo.area import M2_PER_MU, area_mu
from geo.crs import EQUAL_AREA, WGS84
from geo.errors import DataError
from geo.geojson import normalize, to_geojson
from geo.plan.placement import Request, place
from layers import load_districts, load_places, load_projects, load_zone_table
from layers.context import context_dir, metro_table
from layers.parcels import parcels_path, zones_path
from layers.rules import anchor_by_rule

ZONE_MARGIN_M = 300.0


def _aspect(key: str) -> float:
    """A deterministic width/height ratio in [1.0, 1.6) so parcels do not all look alike."""
    return 1.0 + (zlib.crc32(key.encode()) % 600) / 1000.0


def _anchor(places: gpd.GeoDataFrame, name: str, key: str) -> pd.Series:
    hit = places[places["name_zh"] == name]
    if hit.empty or hit.geometry.iloc[0] is None:
        raise DataError(f"anchor {name!r} of {key} is not a located place", source="data/context/places.csv",
                        fix="Add the place with coordinates, or change anchor_zh in projects.csv")
    return hit.iloc[0]


def build_parcels() -> gpd.GeoDataFrame:
    """Place every project; return the parcels layer (EPSG:4326)."""
    projects = load_projects()
    places, districts = load_places(), load_districts().set_index("name_zh")
    order = projects.assign(_a=projects["declared_mu"].fillna(-1.0)).sort_values(
        ["_a", "project_id"], ascending=[False, True])
    requests = []
    for _, p in order.iterrows():
        ruled = anchor_by_rule({str(k): v for k, v in p.items()}, places)
        if ruled != p["anchor_zh"]:
            raise DataError(f"anchor of {p['project_id']} is {p['anchor_zh']!r}, "
                            f"but the placement rule gives {ruled!r}",
                            source="data/plan/projects.csv", fix="Follow the placement rule in data/README.md")
        anchor = _anchor(places, p["anchor_zh"], p["project_id"])
        area = None if pd.isna(p["declared_mu"]) else float(p["declared_mu"]) * M2_PER_MU
        requests.append(Request(key=p["project_id"], anchor=(anchor.geometry.x, anchor.geometry.y), area_m2=area,
                                container=districts.loc[anchor["district"], "geometry"],
                                aspect=_aspect(p["project_id"])))
    geoms = place(requests)
    parcels = gpd.GeoDataFrame(projects, geometry=[geoms[k] for k in projects["project_id"]], crs=WGS84)
    parcels["geometry_basis"] = "indicative"
    parcels = parcels.set_geometry(normalize(parcels.geometry.values), crs=WGS84)
    measured = area_mu(parcels).where(parcels.geom_type != "Point")
    parcels["measured_mu"] = measured.round(3).astype("Float64")
    return parcels


def build_zones(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Zone polygons enclosing their parcels and anchors, with a margin."""
    table, places = load_zone_table(), load_places()
    geoms = []
    for _, z in table.iterrows():
        members = list(parcels.loc[parcels["zone_id"] == z["zone_id"], "geometry"])
        anchors = [_anchor(places, n, z["zone_id"]).geometry for n in z["anchors_zh"].split(";")]
        hull = gpd.GeoSeries([shapely.union_all(members + anchors).convex_hull], crs=WGS84)
        geoms.append(hull.to_crs(EQUAL_AREA).buffer(ZONE_MARGIN_M, quad_segs=4).to_crs(WGS84).iloc[0])
    zones = gpd.GeoDataFrame(table, geometry=geoms, crs=WGS84)
    zones["geometry_basis"] = "indicative"
    zones["measured_mu"] = area_mu(zones).round(1).astype("Float64")
    return zones


#: The attributes of a metro line (:data:`layers.context.METRO`).
METRO_COLUMNS = ("line", "status", "name_zh", "name_en", "stations", "source", "geometry_basis")


def build_metro() -> gpd.GeoDataFrame:
    """Schematic metro lines through the gazetteer places each line's row names."""
    places = load_places()
    # cast: gazetteer names are strings; located places are points
    located = {cast(str, r.name_zh): cast(Point, r.geometry) for r in places.itertuples() if r.geometry is not None}
    rows = []
    for _, m in metro_table().iterrows():
        names = [n.strip() for n in m["schematic_anchor_points"].split("->") if n.strip()]
        points = [located[n] for n in names if n in located]
        if len(points) < 2:
            continue
        used = [n for n in names if n in located]
        rows.append({"line": m["line"], "status": m["status"], "name_zh": f"轨道交通{m['line'].split()[0]}号线",
                     "name_en": f"Metro Line {m['line']}", "stations": m["stations_in_order"],
                     "source": f"{m['source']}; drawn through gazetteer places {' → '.join(used)}",
                     "geometry_basis": "schematic", "geometry": LineString(points)})
    if not rows:  # a plan without metro lines (metro_lines.csv holds only its header)
        return gpd.GeoDataFrame({c: [] for c in METRO_COLUMNS}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def build() -> dict[str, gpd.GeoDataFrame]:
    """All generated layers by output path."""
    parcels = build_parcels()
    return {str(parcels_path()): parcels, str(zones_path()): build_zones(parcels),
            str(context_dir() / "metro.geojson"): build_metro()}


def main() -> None:
    """Build and write the layers."""
    for path, gdf in build().items():
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(to_geojson(gdf) + "\n")
        print(f"wrote {path}: {len(gdf)} features")


if __name__ == "__main__":
    main()
