"""RFC 7946 GeoJSON: WGS84, no ``crs`` member, CCW exterior rings, ≤ 7 decimals.

GDAL's GeoJSON driver can write RFC 7946 itself (``RFC7946=YES``); this module
is for GeoJSON text we build in memory (committed data files, the map), so
that both follow the same rules.
"""

from __future__ import annotations

import json
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from geopandas.array import GeometryArray

from geo.crs import WGS84

#: RFC 7946 §11.2 recommends 6–7 decimals (~1 cm at 7).
PRECISION: Final = 7


def normalize(geoms: npt.ArrayLike | GeometryArray, *, decimals: int = PRECISION) -> npt.NDArray[np.object_]:
    """Round coordinates to ``decimals`` and orient polygon exteriors counter-clockwise."""
    rounded = shapely.transform(np.asarray(geoms, dtype=object), lambda c: np.round(c, decimals))
    return shapely.orient_polygons(rounded, exterior_cw=False)


def to_geojson(gdf: gpd.GeoDataFrame, *, decimals: int = PRECISION) -> str:
    """A FeatureCollection string per RFC 7946 (reprojected to WGS84, UTF-8 text, no ``crs``)."""
    wgs = gdf.to_crs(WGS84) if gdf.crs is not None and gdf.crs != WGS84 else gdf
    out = wgs.set_geometry(normalize(wgs.geometry.values, decimals=decimals), crs=WGS84)
    data = json.loads(out.to_json(drop_id=True, ensure_ascii=False, na="null"))
    data.pop("crs", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
