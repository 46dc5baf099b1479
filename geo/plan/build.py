"""Build a plan package's indicative geometry: parcels, spatial units and schematic metro lines.

One function, :func:`build_package`, used by ``python -m geo plan build [DIR]`` (and its old name
``python -m tools.build_geometry``) and by ``python -m geo plan new`` (which builds the package it writes).

Inputs, all inside the package folder: ``plan/projects.csv`` and ``plan/zones.csv``, the gazetteer
``context/places.csv``, ``context/districts.geojson`` (optional: a package without it, or a place without
a district, places its parcels without a container) and ``context/metro_lines.csv``.
Outputs: ``parcels/parcels.geojson``, ``parcels/zones.geojson``, ``context/metro.geojson``.

Method (the written placement rule, ``data/README.md``): each project with land becomes a rectangle of its
declared mu (ellipsoidal area on CGCS2000), placed by :func:`geo.plan.placement.place` as close as possible
to its anchor (the most specific place its row names: :func:`layers.rules.anchor_by_rule`) inside the
anchor's district, 40 m apart from every other parcel; larger parcels are placed first. Projects of unknown
area (“——”) become points. A spatial unit is the convex hull of its parcels and anchor places, buffered by
300 m. Every feature says ``geometry_basis``: ``indicative`` (parcels, units) or ``schematic`` (metro).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo.area import M2_PER_MU, area_mu
from geo.crs import WGS84, equal_area
from geo.errors import DataError, said
from geo.geojson import normalize, to_geojson
from geo.i18n import t
from geo.plan.placement import Request, place
from layers.rules import anchor_by_rule
from layers.schema import PLACES, PROJECTS, ZONES, read_csv

#: Margin around a spatial unit's parcels and anchors (metres).
ZONE_MARGIN_M: Final = 300.0
#: How far from its anchor a parcel may be placed (metres); also the radius of the disc that contains the
#: parcels of an anchor with no drawn district.
MAX_RADIUS_M: Final = 15000.0
#: The attributes of a metro line (:data:`layers.context.METRO`).
METRO_COLUMNS: Final = ("line", "status", "name_zh", "name_en", "stations", "source", "geometry_basis")
#: The attributes of a district (:data:`layers.context.DISTRICTS`).
DISTRICT_COLUMNS: Final = ("adcode", "name_zh", "name_en", "source")


def _aspect(key: str) -> float:
    """A deterministic width/height ratio in [1.0, 1.6) so parcels do not all look alike."""
    return 1.0 + (zlib.crc32(key.encode()) % 600) / 1000.0


def read_places(folder: Path) -> gpd.GeoDataFrame:
    """The gazetteer of the package at ``folder`` as points (EPSG:4326; ``None`` where a place is not located)."""
    frame = read_csv(folder / "context" / "places.csv", PLACES)
    located = frame["lon_wgs84"].notna() & frame["lat_wgs84"].notna()
    points = gpd.points_from_xy(frame["lon_wgs84"].astype(float), frame["lat_wgs84"].astype(float))
    geometry = np.array([g if ok else None for g, ok in zip(points, located, strict=True)], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def read_districts(folder: Path) -> gpd.GeoDataFrame:
    """The package's district polygons by ``name_zh`` (empty when the package draws none)."""
    from layers.context import DISTRICTS
    from layers.parcels import read_layer

    path = folder / "context" / "districts.geojson"
    if not path.is_file():
        return gpd.GeoDataFrame({c: [] for c in DISTRICT_COLUMNS}, geometry=gpd.GeoSeries([], crs=WGS84),
                                crs=WGS84).set_index("name_zh")
    return read_layer(path, DISTRICTS).set_index("name_zh")


def _anchor(places: gpd.GeoDataFrame, name: object, key: str, source: Path) -> pd.Series:
    hit = places[places["name_zh"] == name] if isinstance(name, str) else places.iloc[0:0]
    if hit.empty or hit.geometry.iloc[0] is None:
        raise DataError(said("err.plan.anchor_not_located", name=name, of=key), source=str(source),
                        fix=said("err.plan.anchor_not_located_fix"))
    return hit.iloc[0]


def _container(districts: gpd.GeoDataFrame, district: object, anchor: Point) -> BaseGeometry:
    """The anchor's district; a disc of :data:`MAX_RADIUS_M` around the anchor when none is drawn."""
    if isinstance(district, str) and district in districts.index:
        return cast(BaseGeometry, districts.loc[district, "geometry"])
    disc = gpd.GeoSeries([anchor], crs=WGS84).to_crs(equal_area()).buffer(MAX_RADIUS_M + 1000.0, quad_segs=16)
    return disc.to_crs(WGS84).iloc[0]


def build_parcels(folder: Path) -> gpd.GeoDataFrame:
    """Place every project of the package at ``folder``; return the parcels layer (EPSG:4326).

    Raises
    ------
    DataError
        A project whose ``anchor_zh`` is not what the placement rule gives, or is not a located place, or a
        parcel that finds no room within :data:`MAX_RADIUS_M` of its anchor.
    """
    projects_csv = folder / "plan" / "projects.csv"
    places_csv = folder / "context" / "places.csv"
    projects = read_csv(projects_csv, PROJECTS)
    places, districts = read_places(folder), read_districts(folder)
    order = projects.assign(_a=projects["declared_mu"].fillna(-1.0)).sort_values(
        ["_a", "project_id"], ascending=[False, True])
    requests = []
    for _, p in order.iterrows():
        ruled = anchor_by_rule({str(k): v for k, v in p.items()}, places)
        given = None if pd.isna(p["anchor_zh"]) else p["anchor_zh"]
        if ruled != given:
            raise DataError(said("err.plan.anchor_not_ruled", project=p["project_id"], given=given, ruled=ruled),
                            source=str(projects_csv), fix=said("err.plan.anchor_not_ruled_fix"))
        anchor = _anchor(places, p["anchor_zh"], p["project_id"], places_csv)
        area = None if pd.isna(p["declared_mu"]) else float(p["declared_mu"]) * M2_PER_MU
        requests.append(Request(key=p["project_id"], anchor=(anchor.geometry.x, anchor.geometry.y), area_m2=area,
                                container=_container(districts, anchor["district"], anchor.geometry),
                                aspect=_aspect(p["project_id"])))
    geoms = place(requests, max_radius_m=MAX_RADIUS_M)
    parcels = gpd.GeoDataFrame(projects, geometry=[geoms[k] for k in projects["project_id"]], crs=WGS84)
    parcels["geometry_basis"] = "indicative"
    parcels = parcels.set_geometry(normalize(parcels.geometry.values), crs=WGS84)
    measured = area_mu(parcels).where(parcels.geom_type != "Point")
    parcels["measured_mu"] = measured.round(3).astype("Float64")
    return parcels


def build_zones(folder: Path, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Spatial-unit polygons: the convex hull of each unit's parcels and anchor places, buffered by 300 m.

    Raises
    ------
    DataError
        A unit with neither a project nor a located anchor place (nothing to draw it around).
    """
    table, places = read_csv(folder / "plan" / "zones.csv", ZONES), read_places(folder)
    source = folder / "plan" / "zones.csv"
    geoms = []
    for _, z in table.iterrows():
        members = list(parcels.loc[parcels["zone_id"] == z["zone_id"], "geometry"])
        names = [] if pd.isna(z["anchors_zh"]) else [n.strip() for n in str(z["anchors_zh"]).split(";") if n.strip()]
        anchors = [_anchor(places, n, str(z["zone_id"]), folder / "context" / "places.csv").geometry for n in names]
        if not members + anchors:
            raise DataError(said("err.plan.zone_no_anchor", zone=z["zone_id"]),
                            source=str(source), fix=said("err.plan.zone_no_anchor_fix"))
        hull = gpd.GeoSeries([shapely.union_all(members + anchors).convex_hull], crs=WGS84)
        geoms.append(hull.to_crs(equal_area()).buffer(ZONE_MARGIN_M, quad_segs=4).to_crs(WGS84).iloc[0])
    zones = gpd.GeoDataFrame(table, geometry=geoms, crs=WGS84)
    zones["geometry_basis"] = "indicative"
    zones["measured_mu"] = area_mu(zones).round(1).astype("Float64")
    return zones


def build_metro(folder: Path) -> gpd.GeoDataFrame:
    """Schematic metro lines through the gazetteer places each row of ``context/metro_lines.csv`` names."""
    places = read_places(folder)
    # cast: gazetteer names are strings; located places are points
    located = {cast(str, r.name_zh): cast(Point, r.geometry) for r in places.itertuples() if r.geometry is not None}
    table = pd.read_csv(folder / "context" / "metro_lines.csv", dtype=str, keep_default_na=False)
    rows = []
    for _, m in table.iterrows():
        names = [n.strip() for n in m["schematic_anchor_points"].split("->") if n.strip()]
        used = [n for n in names if n in located]
        if len(used) < 2:
            continue
        number = m["line"].split()[0]  # "7 (phase 1)": line 7; the English name keeps the phase
        rows.append({"line": m["line"], "status": m["status"], "name_zh": t("layers.metro_line", "zh", number=number),
                     "name_en": t("layers.metro_line", "en", number=number) + m["line"][len(number):],
                     "stations": m["stations_in_order"],
                     "source": f"{m['source']}; drawn through gazetteer places {' → '.join(used)}",
                     "geometry_basis": "schematic", "geometry": LineString([located[n] for n in used])})
    if not rows:  # a plan without metro lines (metro_lines.csv holds only its header)
        return gpd.GeoDataFrame({c: [] for c in METRO_COLUMNS}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def build_package(folder: str | Path) -> dict[Path, gpd.GeoDataFrame]:
    """Every generated layer of the package at ``folder``, by the path it is written to (nothing written)."""
    root = Path(folder)
    parcels = build_parcels(root)
    return {root / "parcels" / "parcels.geojson": parcels,
            root / "parcels" / "zones.geojson": build_zones(root, parcels),
            root / "context" / "metro.geojson": build_metro(root)}


def write_layers(layers: dict[Path, gpd.GeoDataFrame]) -> list[tuple[Path, int]]:
    """Write each layer as RFC 7946 GeoJSON (one file each, replaced whole); return (path, features)."""
    from geo import atomic

    written = []
    for path, gdf in layers.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_output(path, to_geojson(gdf) + "\n")
        written.append((path, len(gdf)))
    return written


__all__ = ["MAX_RADIUS_M", "ZONE_MARGIN_M", "build_metro", "build_package", "build_parcels", "build_zones",
           "read_districts", "read_places", "write_layers"]
