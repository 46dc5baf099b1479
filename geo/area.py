"""Area in mu (亩), measured the way China's land surveys measure it.

1 mu = 10000/15 m² (15 mu = 1 ha). The reference figure is the ellipsoidal
(geodesic) area on the CGCS2000 ellipsoid. Two alternatives are offered for
comparison and speed: planar area in the plan's CGCS2000 Gauss–Krüger zone
(:func:`geo.crs.local_crs`: what many desktop workflows use; it overstates by
~0.04 % at 1.3° from the central meridian) and a Lambert equal-area projection
centred on the plan's area (:func:`geo.crs.equal_area`; (vectorised; matches the ellipsoid
to better than 0.001 %)). Area in degrees or in Web Mercator is refused.
"""

from __future__ import annotations

from typing import Final, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geo.crs import CGCS2000, equal_area, example_crs, local_crs, parse_crs
from geo.errors import AreaError, CRSError, said

M2_PER_MU: Final = 10000.0 / 15.0

#: The CGCS2000 ellipsoid: a = 6378137 m, f = 1/298.257222101.
CGCS2000_GEOD: Final = Geod(a=6378137.0, f=1 / 298.257222101)

AreaMethod = Literal["ellipsoidal", "equal_area", "gk"]
AREA_METHODS: Final[tuple[str, ...]] = ("ellipsoidal", "equal_area", "gk")


def mu_to_m2(mu: float | np.ndarray) -> float | np.ndarray:
    """Convert mu to square metres."""
    # cast: np.isscalar narrows to numpy's scalar union, which float() does not take.
    return np.asarray(mu) * M2_PER_MU if not np.isscalar(mu) else float(cast(float, mu)) * M2_PER_MU


def m2_to_mu(m2: float | np.ndarray) -> float | np.ndarray:
    """Convert square metres to mu."""
    return np.asarray(m2) / M2_PER_MU if not np.isscalar(m2) else float(cast(float, m2)) / M2_PER_MU


def _require_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries, source: str) -> CRS:
    """The layer's CRS; :class:`CRSError` if it has none."""
    if gdf.crs is None:
        raise CRSError(
            said("err.area.no_crs"), source=source, fix=said("err.area.no_crs_fix", example=example_crs())
        )
    return gdf.crs


def geodesic_area_m2(geoms: gpd.GeoSeries) -> np.ndarray:
    """Ellipsoidal area (m²) of lon/lat geometries on the CGCS2000 ellipsoid.

    Loops in Python (pyproj's geodesic polygon area is per geometry): exact,
    and fast enough for the plan's layers; use ``equal_area`` for 10^5 parcels.
    """
    out = np.full(len(geoms), np.nan)
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            out[i] = 0.0 if geom is not None else np.nan
            continue
        out[i] = abs(CGCS2000_GEOD.geometry_area_perimeter(geom)[0])
    return out


def area_mu(
    layer: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    method: AreaMethod = "ellipsoidal",
    source: str = "layer",
) -> pd.Series:
    """Area of every geometry in mu.

    Parameters
    ----------
    layer
        Geometries in any CRS pyproj knows; it must have a CRS.
    method
        ``ellipsoidal`` (reference: geodesic area on CGCS2000), ``equal_area``
        (vectorised Lambert equal-area centred on the plan's area) or ``gk``
        (planar area in the plan's own Gauss–Krüger zone, :func:`geo.crs.local_crs`; for comparison
        with desktop GIS).
    source
        Name shown in error messages.

    Returns
    -------
    pandas.Series
        Area in mu, aligned with ``layer``'s index; NaN for missing geometry.
    """
    geoms = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    _require_crs(geoms, source)
    if method == "ellipsoidal":
        values = geodesic_area_m2(geoms.to_crs(CGCS2000))
    elif method == "equal_area":
        values = shapely.area(geoms.to_crs(equal_area()).values)
    elif method == "gk":
        values = shapely.area(geoms.to_crs(local_crs()).values)
    else:
        raise AreaError(said("err.area.unknown_method", method=method), source=source,
                        fix=said("err.area.unknown_method_fix", methods=", ".join(AREA_METHODS)))
    return pd.Series(np.asarray(values, dtype=float) / M2_PER_MU, index=geoms.index, name="measured_mu")


#: Above this many features :func:`measured_mu` uses the zone-centred equal-area projection
#: (vectorised; within 0.00002 % of the ellipsoid on 100k parcels, see the README's
#: benchmarks) rather than the geodesic area polygon by polygon.
ELLIPSOIDAL_MAX: Final = 5000


def measured_mu(layer: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer") -> pd.Series:
    """The measured area (mu) of each polygon; NaN for points, lines and missing geometry.

    The one definition of ``measured_mu`` (as opposed to the plan's
    ``declared_mu``): ellipsoidal on CGCS2000 up to :data:`ELLIPSOIDAL_MAX`
    features, equal-area beyond, where the two agree to 0.00002 %.
    """
    geoms = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    method: AreaMethod = "ellipsoidal" if len(geoms) <= ELLIPSOIDAL_MAX else "equal_area"
    polygonal = geoms.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    return area_mu(layer, method=method, source=source).where(polygonal)


def planar_area_mu(layer: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer") -> pd.Series:
    """Planar area in mu in the layer's own projected CRS, refusing degrees.

    Raises :class:`AreaError` for geographic CRSs (area in square degrees is
    meaningless) and for Web Mercator (overstates area by 1/cos²(latitude): ~32 % at 30°N).
    """
    geoms = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    crs = parse_crs(_require_crs(geoms, source), source=source)
    if crs.is_geographic:
        raise AreaError(
            said("err.area.degrees", crs=crs.name),
            source=source,
            fix=said("err.area.planar_fix", example=example_crs()),
        )
    if crs.to_epsg() in (3857, 900913):
        raise AreaError(
            said("err.area.web_mercator"), source=source, fix=said("err.area.planar_fix", example=example_crs())
        )
    return pd.Series(shapely.area(geoms.values) / M2_PER_MU, index=geoms.index, name="measured_mu")
