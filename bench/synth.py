"""Synthetic surveyed parcel layers of any size, with planted defects.

Parcels are Voronoi cells of a jittered grid spread over the High-tech Zone's
five zones (generating points inside the zones; adjacent and do not overlap, like a cadastre). Every
shared edge gets 0–3 extra vertices displaced sideways by an amount computed
from the edge's two end points only, so the two neighbours sharing an edge get
bit-identical vertices: the layer is a valid polygon coverage of 5–30 vertex
parcels. Attributes follow Chinese cadastral practice (地块编码 DKBM, 项目编号
XMBH, 地块名称 DKMC, 用地代码/类型, 权利人, 实测面积, 调查日期), with the
project of the nearest plan parcel in the same zone. Then defects are planted at fixed rates
(:data:`DEFECT_RATES`) and counted in the manifest, so a benchmark can state
what the checks should find.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

import layers
from geo.area import M2_PER_MU
from geo.crs import WGS84, equal_area

#: Share of parcels carrying each planted defect (at least one each from 1,000 parcels).
DEFECT_RATES: Final[dict[str, float]] = {
    "invalid": 0.002,  # bow-tie (self-intersecting) ring inside its cell
    "overlap": 0.002,  # cell scaled up by 15 % around its centroid: overlaps its neighbours
    "duplicate": 0.001,  # an exact copy of another parcel, appended
    "sliver": 0.001,  # a 40 m × 0.4 m strip instead of the cell
    "empty": 0.0005,  # empty geometry
    "blank_id": 0.01,  # 项目编号 left empty: matched by overlap instead
}

#: Land-use class (国土空间调查、规划、用途管制用地用海分类指南) per track.
LAND_USE: Final[dict[str, tuple[str, str]]] = {
    "rd": ("0802", "科研用地"), "software": ("0902", "商务金融用地"), "testing": ("1001", "工业用地"),
    "digital": ("0902", "商务金融用地"), "fintech": ("0902", "商务金融用地"),
}
_OWNERS: Final = ("渝新", "西永", "金凤", "含谷", "科学城", "曾家", "虎溪", "缙云", "嘉陵", "巴渝",
                  "两江", "长嘉", "山城", "鑫源", "华信", "中科", "博智", "联创", "芯云", "天择")
_KINDS: Final = ("科技有限公司", "信息技术有限公司", "检测技术有限公司", "数字科技有限公司", "投资发展有限公司")
FORMATS: Final[dict[str, str]] = {"geojson": "parcels.geojson", "gpkg": "parcels.gpkg", "shp": "parcels_shp.zip"}


def _hash01(*values: np.ndarray) -> np.ndarray:
    """Deterministic pseudo-random numbers in [0, 1) from float arrays (same input → same bits)."""
    acc = np.zeros_like(values[0], dtype=float)
    for i, v in enumerate(values):
        acc = acc + v * (12.9898 + 78.233 * i)
    return np.modf(np.abs(np.sin(acc * 1e-3)) * 43758.5453)[0]


def _wiggle(cells: np.ndarray, amplitude: float = 0.12) -> np.ndarray:
    """Add 0–3 vertices to every edge, identical for both cells sharing it."""
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(cells), return_index=True)
    last = np.r_[ring[1:] != ring[:-1], True]  # closing vertex of each ring
    p, q = coords[:-1], coords[1:]
    edge = ~last[:-1]
    p, q, eidx = p[edge], q[edge], ring[:-1][edge]
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    a = np.where(swap[:, None], q, p)  # canonical end points of the shared edge
    b = np.where(swap[:, None], p, q)
    k = np.minimum((_hash01(a[:, 0], a[:, 1], b[:, 0], b[:, 1]) * 4).astype(int), 3)
    d = b - a
    normal = np.column_stack([-d[:, 1], d[:, 0]])
    total = len(p) + k.sum()
    out = np.empty((total, 2))
    out_ring = np.empty(total, dtype=int)
    start = np.r_[0, np.cumsum(k + 1)[:-1]]
    out[start], out_ring[start] = p, eidx
    for j in range(3):  # at most 3 inserted vertices per edge: a loop over slots, not features
        has = k > j
        t_can = (j + 1) / (k[has] + 1)
        off = (_hash01(a[has, 1] + j, b[has, 0], a[has, 0] - j) - 0.5) * 2 * amplitude
        pts = a[has] + d[has] * t_can[:, None] + normal[has] * off[:, None] / (k[has][:, None] + 1)
        # walk the edge in the ring's own direction: reverse the slot order when swapped
        slot = np.where(swap[has], k[has] - 1 - j, j)
        out[start[has] + 1 + slot], out_ring[start[has] + 1 + slot] = pts, eidx[has]
    rings = shapely.linearrings(out, indices=out_ring)
    return cast(np.ndarray, shapely.polygons(rings))  # arrays in, an array out


def _cells(n: int, region: BaseGeometry, rng: np.random.Generator) -> np.ndarray:
    """``n`` Voronoi cells of a jittered grid whose generating points lie in ``region``."""
    minx, miny, maxx, maxy = region.bounds
    side = np.sqrt(region.area / n) * 0.995
    nx, ny = int(np.ceil((maxx - minx) / side)) + 2, int(np.ceil((maxy - miny) / side)) + 2
    gx, gy = np.meshgrid(np.arange(nx), np.arange(ny))
    x = minx + (gx.ravel() - 0.5) * side + rng.uniform(-0.35, 0.35, gx.size) * side
    y = miny + (gy.ravel() - 0.5) * side + rng.uniform(-0.35, 0.35, gx.size) * side
    inner = np.flatnonzero(shapely.contains_xy(region, x, y))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(np.column_stack([x, y])), ordered=True))
    keep = np.sort(rng.choice(inner, size=n, replace=False)) if len(inner) > n else inner
    return cells[keep]


def _nearest_in_zone(points: np.ndarray, plan: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    """Row of ``plan`` nearest each point among the plan parcels of the zone the point lies in."""
    out: np.ndarray = shapely.STRtree(plan.geometry.to_numpy()).query_nearest(points, all_matches=False)[1]
    zp, zi = shapely.STRtree(zones.geometry.to_numpy()).query(points, predicate="within")
    zone_of = np.full(len(points), None, dtype=object)
    zone_of[zp] = zones["zone_id"].to_numpy(dtype=object)[zi]
    for zone in zones["zone_id"]:  # five zones: a loop over zones, not features
        rows = np.flatnonzero((plan["zone_id"] == zone).fillna(False).to_numpy(dtype=bool))
        pts = np.flatnonzero(zone_of == zone)
        if len(rows) and len(pts):
            tree = shapely.STRtree(plan.geometry.to_numpy()[rows])
            out[pts] = rows[tree.query_nearest(points[pts], all_matches=False)[1]]
    return out


def _scale(geoms: np.ndarray, factor: float) -> np.ndarray:
    centre = shapely.get_coordinates(shapely.centroid(geoms))
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    moved = centre[idx] + (coords - centre[idx]) * factor
    return shapely.set_coordinates(geoms.copy(), moved)


def _bowtie(geoms: np.ndarray) -> np.ndarray:
    c = shapely.get_coordinates(shapely.centroid(geoms))
    r = np.sqrt(shapely.area(geoms))[:, None] * 0.2
    pts = np.stack([c + r * [-1, -1], c + r * [1, 1], c + r * [1, -1], c + r * [-1, 1], c + r * [-1, -1]], axis=1)
    return cast(np.ndarray, shapely.polygons(pts))  # arrays in, an array out


def _sliver(geoms: np.ndarray) -> np.ndarray:
    c = shapely.get_coordinates(shapely.centroid(geoms))
    return cast(np.ndarray, shapely.box(c[:, 0] - 20, c[:, 1] - 0.2, c[:, 0] + 20, c[:, 1] + 0.2))  # arrays in


def _district(zones: BaseGeometry, n: int, mu_per_parcel: float | None) -> BaseGeometry:
    """The zones, grown by a buffer until ``n`` parcels of ``mu_per_parcel`` fit (the zones alone if None).

    The zones hold ~50,000 mu: 10^6 parcels in them are 0.05 mu each, every one a sliver. A district's
    cadastre of 10^6 parcels covers hundreds of km² around them.
    """
    need = n * (mu_per_parcel or 0) * M2_PER_MU
    if zones.area >= need:
        return zones
    lo, hi = 0.0, float(np.sqrt(need))
    for _ in range(24):  # bisection on the buffer distance, to 1e-7 of the first guess
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if zones.buffer(mid, quad_segs=4).area < need else (lo, mid)
    return zones.buffer(hi, quad_segs=4)


def make_parcels(n: int, *, seed: int = 20210101, mu_per_parcel: float | None = None
                 ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """A synthetic surveyed layer of ``n`` parcels (EPSG:4326) and its manifest of planted defects.

    ``mu_per_parcel``: spread the parcels over a district around the zones at about that size (see
    :func:`_district`); parcels outside the zones then belong to no plan project (项目编号 empty).
    """
    rng = np.random.default_rng(seed)
    plan = layers.load_parcels()
    plan = plan[plan.geom_type != "Point"].to_crs(equal_area()).reset_index(drop=True)
    zones = layers.load_zones().to_crs(equal_area())
    counts = {k: max(1, round(n * r)) if n >= 1000 else round(n * r) for k, r in DEFECT_RATES.items()}
    base = n - counts["duplicate"]
    in_zones = shapely.union_all(zones.geometry.to_numpy())
    region = _district(in_zones, base, mu_per_parcel)
    geoms = _wiggle(_cells(base, region, rng))
    unplanned_invalid = int((~shapely.is_valid(geoms)).sum())
    order = rng.permutation(base)
    slots, pos = {}, 0
    for key in ("invalid", "overlap", "sliver", "empty", "blank_id"):
        slots[key] = np.sort(order[pos:pos + counts[key]])
        pos += counts[key]
    geoms[slots["invalid"]] = _bowtie(geoms[slots["invalid"]])
    geoms[slots["overlap"]] = _scale(geoms[slots["overlap"]], 1.15)
    geoms[slots["sliver"]] = _sliver(geoms[slots["sliver"]])
    centres = shapely.centroid(geoms)
    nearest = _nearest_in_zone(centres, plan, zones)
    inside = shapely.contains_xy(in_zones, shapely.get_x(centres), shapely.get_y(centres))
    geoms[slots["empty"]] = shapely.Polygon()
    clean = np.setdiff1d(np.arange(base), np.concatenate(list(slots.values())))
    dup_of = np.sort(rng.choice(clean, counts["duplicate"], replace=False))
    geoms = np.concatenate([geoms, geoms[dup_of]])
    nearest = np.concatenate([nearest, nearest[dup_of]])
    inside = np.concatenate([inside, inside[dup_of]])
    proj = plan.iloc[nearest].reset_index(drop=True)
    xmbh = proj["project_id"].astype(object).to_numpy().copy()
    xmbh[slots["blank_id"]] = ""
    if region is not in_zones:  # a district's parcels outside the zones are not plan projects
        xmbh[~inside] = ""
    use = proj["track_id"].map(LAND_USE)
    owner = rng.integers(0, len(_OWNERS), n), rng.integers(0, len(_KINDS), n)
    area = shapely.area(geoms) / (10000 / 15)
    days = pd.Timestamp("2023-03-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    gdf = gpd.GeoDataFrame({
        "DKBM": [f"500107GX{i:07d}" for i in range(1, n + 1)],
        "XMBH": pd.array(xmbh, dtype="string"),
        "DKMC": proj["name_zh"].astype("string").to_numpy(),
        "YDDM": [u[0] for u in use], "YDLX": [u[1] for u in use],
        "QLR": np.char.add(np.char.add("重庆", np.asarray(_OWNERS)[owner[0]]), np.asarray(_KINDS)[owner[1]]),
        "SCMJ": np.round(area, 2), "DCRQ": days.strftime("%Y-%m-%d"),
        "track_id": proj["track_id"].astype("string").to_numpy(),
    }, geometry=geoms, crs=equal_area()).to_crs(WGS84)
    manifest = {"parcels": n, "seed": seed, "mu_per_parcel": mu_per_parcel,
                "region_km2": round(region.area / 1e6, 1), "planted": {k: int(v) for k, v in counts.items()},
                "unplanned_invalid": unplanned_invalid,
                "vertices_per_parcel": _vertex_stats(geoms),
                "mean_parcel_mu": round(float(np.median(area)), 2),
                "bounds_wgs84": [round(float(v), 6) for v in gdf.total_bounds]}
    return gdf, manifest


def _vertex_stats(geoms: np.ndarray) -> dict[str, int | float]:
    v = shapely.get_num_coordinates(geoms) - 1
    v = v[v > 0]
    return {"min": int(v.min()), "median": float(np.median(v)), "max": int(v.max())}


def write_formats(gdf: gpd.GeoDataFrame, folder: Path) -> dict[str, Path]:
    """Write the layer as GeoJSON, GeoPackage and zipped Shapefile (with .cpg) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {k: folder / v for k, v in FORMATS.items()}
    for p in paths.values():
        p.unlink(missing_ok=True)
    pyogrio.write_dataframe(gdf, paths["geojson"], driver="GeoJSON")
    pyogrio.write_dataframe(gdf, paths["gpkg"], driver="GPKG", layer="parcels")
    shp_dir = folder / "shp"
    shp_dir.mkdir(exist_ok=True)
    pyogrio.write_dataframe(gdf, shp_dir / "parcels.shp", driver="ESRI Shapefile", encoding="UTF-8")
    with zipfile.ZipFile(paths["shp"], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for f in sorted(shp_dir.glob("parcels.*")):
            zf.write(f, f.name)
    return paths


def generate(n: int, folder: Path, *, seed: int = 20210101) -> tuple[dict[str, Path], dict[str, Any]]:
    """Generate, write all formats and a ``manifest.json``; return the paths and the manifest."""
    gdf, manifest = make_parcels(n, seed=seed)
    paths = write_formats(gdf, folder)
    manifest["bytes"] = {k: p.stat().st_size for k, p in paths.items()}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths, manifest
