"""Guess a layer's coordinate reference system from its coordinate ranges.

Surveyed files often come without a CRS (a Shapefile without ``.prj``, a CSV),
or with coordinates that contradict the one declared (a GeoJSON holding
Gauss–Krüger metres, which RFC 7946 says must be lon/lat). Around Chongqing the
candidates are few and their ranges do not overlap, so the guess is safe and is
always stated to the user, who can override it:

=====================================  ==========================  ===========
coordinates                            meaning                     CRS
=====================================  ==========================  ===========
x 73…136, y 3…54                       lon/lat                     EPSG:4326
x 3…54, y 73…136                       lat/lon swapped             EPSG:4326
x 200 000…800 000, y 2.0e6…6.0e6        CGCS2000 GK CM105E           EPSG:4544
x 35 200 000…35 800 000                GK with zone prefix 35       EPSG:4523
either GK form with x and y swapped    surveyors' X = northing      as above
=====================================  ==========================  ===========
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from geo.crs import CGCS2000_GK_CM105, CGCS2000_GK_ZONE35, WGS84

#: Rough extent of China (lon/lat) used to reject coordinates far outside it.
CHINA_BOUNDS: Final = (73.0, 3.0, 136.0, 54.0)


@dataclass(frozen=True)
class Guess:
    """One rule of the table: ranges of x and y, the CRS, and a description."""

    crs: str
    x: tuple[float, float]
    y: tuple[float, float]
    swap: bool
    zh: str
    en: str


#: The rules, tried in order; the first whose ranges hold all coordinates wins.
GUESSES: Final[tuple[Guess, ...]] = (
    Guess(WGS84, (73, 136), (3, 54), False, "经纬度（经度在前）", "lon/lat"),
    Guess(WGS84, (3, 54), (73, 136), True, "纬经度（纬度在前，已交换）", "lat/lon, swapped to lon/lat"),
    Guess(
        CGCS2000_GK_CM105,
        (2e5, 8e5),
        (2e6, 6e6),
        False,
        "CGCS2000 高斯-克吕格 3度带 中央经线105°E（东坐标无带号）",
        "CGCS2000 Gauss–Krüger CM 105E, easting without zone prefix",
    ),
    Guess(
        CGCS2000_GK_ZONE35,
        (35.2e6, 35.8e6),
        (2e6, 6e6),
        False,
        "CGCS2000 高斯-克吕格 3度带 第35带（东坐标带号35）",
        "CGCS2000 Gauss–Krüger zone 35, easting with zone prefix 35",
    ),
    Guess(
        CGCS2000_GK_CM105,
        (2e6, 6e6),
        (2e5, 8e5),
        True,
        "CGCS2000 高斯-克吕格 CM105E（X为北坐标，已交换）",
        "CGCS2000 Gauss–Krüger CM 105E with X = northing, swapped",
    ),
    Guess(
        CGCS2000_GK_ZONE35,
        (2e6, 6e6),
        (35.2e6, 35.8e6),
        True,
        "CGCS2000 高斯-克吕格 第35带（X为北坐标，已交换）",
        "CGCS2000 Gauss–Krüger zone 35 with X = northing, swapped",
    ),
)


def guess_crs(bounds: tuple[float, float, float, float]) -> Guess | None:
    """The first rule whose ranges contain ``bounds`` (minx, miny, maxx, maxy), else None."""
    minx, miny, maxx, maxy = bounds
    if not np.all(np.isfinite(bounds)):
        return None
    for g in GUESSES:
        if g.x[0] <= minx and maxx <= g.x[1] and g.y[0] <= miny and maxy <= g.y[1]:
            return g
    return None


def looks_geographic(bounds: tuple[float, float, float, float]) -> bool:
    """Whether ``bounds`` fit in the lon/lat ranges at all."""
    minx, miny, maxx, maxy = bounds
    return minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90


def inside_china(bounds: tuple[float, float, float, float]) -> bool:
    """Whether lon/lat ``bounds`` lie within :data:`CHINA_BOUNDS`."""
    minx, miny, maxx, maxy = bounds
    cminx, cminy, cmaxx, cmaxy = CHINA_BOUNDS
    return cminx <= minx and maxx <= cmaxx and cminy <= miny and maxy <= cmaxy
