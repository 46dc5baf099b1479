"""Guess a layer's coordinate reference system from its coordinate ranges.

Surveyed files often come without a CRS (a Shapefile without ``.prj``, a CSV),
or with coordinates that contradict the one declared (a GeoJSON holding
Gauss–Krüger metres, which RFC 7946 says must be lon/lat). In China the
candidates are few and their ranges do not overlap, so the guess is safe and is
always stated to the user, who can override it:

=====================================  ==============================  ==================
coordinates                            meaning                         CRS
=====================================  ==============================  ==================
x 73…136, y 3…54                       lon/lat                         EPSG:4326
x 3…54, y 73…136                       lat/lon swapped                 EPSG:4326
x z·10⁶ + 200 000…800 000 (z 25…45)    CGCS2000 3° GK, zone prefix z   EPSG:4513 + z − 25
x 200 000…800 000, y 2.0e6…6.0e6        CGCS2000 3° GK, no prefix        the plan's own zone
either GK form with x and y swapped    surveyors' X = northing         as above
=====================================  ==============================  ==================

A zone-prefixed easting names its zone; one without a prefix does not, and is
taken to be in the plan's own zone (:func:`geo.crs.local_crs`, read at call time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from geo.crs import GK_ZONES, WGS84, gk_epsg, gk_zone_of_crs, local_crs
from geo.i18n import pair

#: Rough extent of China (lon/lat) used to reject coordinates far outside it.
CHINA_BOUNDS: Final = (73.0, 3.0, 136.0, 54.0)
#: Eastings (without prefix) and northings of Gauss–Krüger coordinates in China, metres.
GK_EASTING: Final = (2e5, 8e5)
GK_NORTHING: Final = (2e6, 6e6)


@dataclass(frozen=True)
class Guess:
    """One rule of the table: ranges of x and y, the CRS, and a description."""

    crs: str
    x: tuple[float, float]
    y: tuple[float, float]
    swap: bool
    zh: str
    en: str


#: The lon/lat rules, tried first.
LONLAT: Final[tuple[Guess, ...]] = (
    Guess(WGS84, (73, 136), (3, 54), False, *pair("io.guess_lonlat")),
    Guess(WGS84, (3, 54), (73, 136), True, *pair("io.guess_latlon")),
)


def _prefixed(zone: int, *, swap: bool) -> Guess:
    x = (zone * 1e6 + GK_EASTING[0], zone * 1e6 + GK_EASTING[1])
    if swap:
        return Guess(gk_epsg(zone, prefixed=True), GK_NORTHING, x, True, *pair("io.guess_zoned_swapped", zone=zone))
    return Guess(gk_epsg(zone, prefixed=True), x, GK_NORTHING, False, *pair("io.guess_zoned", zone=zone))


def _plain(*, swap: bool) -> Guess:
    """The plan's own zone, without prefix (an easting without prefix does not say its zone)."""
    code = local_crs()
    zone = gk_zone_of_crs(code)
    cm = f"{zone[0] * 3}" if zone is not None else "?"
    if swap:
        return Guess(code, GK_NORTHING, GK_EASTING, True, *pair("io.guess_plain_swapped", cm=cm))
    return Guess(code, GK_EASTING, GK_NORTHING, False, *pair("io.guess_plain", cm=cm))


def guesses(bounds: tuple[float, float, float, float]) -> list[Guess]:
    """The rules for ``bounds``, in the order tried: lon/lat, the zone a prefixed easting names, the plan's zone.

    Each Gauss–Krüger form is tried as written, then with x and y swapped (surveyors' X = northing).
    """
    minx, miny = bounds[0], bounds[1]
    out = list(LONLAT)
    prefixed: list[Guess] = []
    for value, swap in ((minx, False), (miny, True)):
        zone = int(value // 1e6)
        if zone in GK_ZONES:
            prefixed.append(_prefixed(zone, swap=swap))
    out += [g for g in prefixed if not g.swap]
    out.append(_plain(swap=False))
    out += [g for g in prefixed if g.swap]
    out.append(_plain(swap=True))
    return out


def guess_crs(bounds: tuple[float, float, float, float]) -> Guess | None:
    """The first rule whose ranges contain ``bounds`` (minx, miny, maxx, maxy), else None."""
    minx, miny, maxx, maxy = bounds
    if not np.all(np.isfinite(bounds)):
        return None
    for g in guesses(bounds):
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
