"""Vectorised geometry operations behind the checks (Shapely 2, no Python loop over features).

- :func:`make_valid_layer` / :func:`polygon_parts`: repair invalid rings with GEOS
  make-valid and keep the polygon parts.
- :func:`overlaps`: pairs of polygons whose interiors share area. GEOS coverage
  validation first marks the polygons whose edges do not match a neighbour's;
  only those can overlap, so the exact (and costly) 2-D relate runs on few pairs.
- :func:`outside_area`: area of each geometry outside its assigned polygon, with
  the polygon prepared once and tested first (``covers`` with the prepared
  geometry as first argument is much faster than ``covered_by``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def make_valid_layer(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer with invalid geometries repaired (GEOS make-valid, polygon parts kept)."""
    geoms = layer.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    fixed = geoms.copy()
    fixed[bad] = polygon_parts(shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False))
    return layer.set_geometry(fixed, crs=layer.crs)


def polygon_parts(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygon parts of (possibly collection) geometries."""
    kind = shapely.get_type_id(geoms)
    out = geoms.copy()
    coll = kind == 7
    if coll.any():
        parts, idx = shapely.get_parts(geoms[coll], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), (3, 6))
        merged = (
            shapely.multipolygons(shapely.get_parts(parts[keep]), indices=idx[keep]) if keep.any() else np.array([])
        )
        res = np.full(coll.sum(), shapely.Polygon(), dtype=object)
        res[np.unique(idx[keep])] = merged
        out[coll] = res
    return out


def overlaps(geoms: np.ndarray, ok: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j), i < j, of polygons whose interiors share area, and that area in m²."""
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return np.array([], int), np.array([], int), np.array([])
    edges = shapely.coverage_invalid_edges(geoms[idx])
    cand = idx[~shapely.is_empty(edges) & ~shapely.is_missing(edges)]
    cand = np.union1d(cand, np.flatnonzero(extra & ok))
    if len(cand) == 0:
        return np.array([], int), np.array([], int), np.array([])
    tree = shapely.STRtree(geoms[idx])
    left, right = tree.query(geoms[cand], predicate="intersects")
    a, b = cand[left], idx[right]
    a, b = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.column_stack([a, b])[a != b], axis=0)
    if len(pairs) == 0:
        return np.array([], int), np.array([], int), np.array([])
    a, b = pairs[:, 0], pairs[:, 1]
    inner = shapely.relate_pattern(geoms[a], geoms[b], "2********")
    a, b = a[inner], b[inner]
    return a, b, shapely.area(shapely.intersection(geoms[a], geoms[b]))


def outside_area(geoms: np.ndarray, areas: gpd.GeoSeries | np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Area (m²) of each geometry outside the matching area geometry; 0 where covered or not ``ok``."""
    out = np.zeros(len(geoms))
    shapely.prepare(areas)
    test = ok & ~shapely.is_missing(areas)
    inside = np.zeros(len(geoms), dtype=bool)
    inside[test] = shapely.covers(areas[test], geoms[test])  # prepared geometry must come first
    rest = test & ~inside
    out[rest] = shapely.area(shapely.difference(geoms[rest], areas[rest]))
    return out
