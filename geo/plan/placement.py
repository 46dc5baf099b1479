"""Indicative placement: rectangles of a given ellipsoidal area near an anchor.

The plan names a town or landmark for each project but gives no boundary. To
draw it honestly we place a rectangle of exactly the declared area (the
ellipsoidal area on CGCS2000, within 0.01 %) as close to the anchor as it can
go while staying inside its container (the anchor's district, shrunk by a
margin) and apart from every parcel already placed. Candidates are tried on
rings of growing radius around the anchor, so the result is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np
import shapely
import shapely.affinity
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from geo.area import CGCS2000_GEOD
from geo.crs import WGS84, equal_area, transformer
from geo.errors import DataError, said

#: A geometry type, kept by the reprojections below.
G = TypeVar("G", bound=BaseGeometry)


@dataclass(frozen=True)
class Request:
    """One thing to place.

    Attributes
    ----------
    key
        Identifier (e.g. the project id), used in error messages.
    anchor
        (lon, lat) in WGS84 of the named town or landmark.
    area_m2
        Target ellipsoidal area; ``None`` places a point.
    container
        WGS84 polygon the result must lie in (e.g. the anchor's district).
    aspect
        Width / height of the rectangle (≥ 1).
    """

    key: str
    anchor: tuple[float, float]
    area_m2: float | None
    container: BaseGeometry
    aspect: float = 1.0


def _to_local(geom: G) -> G:
    fwd = transformer(WGS84, equal_area())
    return shapely.transform(geom, lambda c: _xy(fwd, c))


def _to_wgs(geom: G) -> G:
    inv = transformer(equal_area(), WGS84)
    return shapely.transform(geom, lambda c: _xy(inv, c))


def _xy(tr: Transformer, coords: np.ndarray) -> np.ndarray:
    x, y = tr.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def _candidates(cx: float, cy: float, *, step: float, max_radius: float) -> Iterator[tuple[float, float]]:
    yield cx, cy
    radius = step
    while radius <= max_radius:
        n = max(8, math.ceil(2 * math.pi * radius / step))
        for k in range(n):
            angle = 2 * math.pi * k / n
            yield cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        radius += step


def fit_area(rect_wgs: Polygon, area_m2: float, *, iterations: int = 4) -> Polygon:
    """Scale a WGS84 polygon about its centroid until its ellipsoidal area is ``area_m2``."""
    poly = rect_wgs
    for _ in range(iterations):
        measured = abs(CGCS2000_GEOD.geometry_area_perimeter(poly)[0])
        factor = math.sqrt(area_m2 / measured)
        if abs(factor - 1) < 1e-7:
            break
        local = _to_local(poly)
        c = local.centroid
        poly = _to_wgs(shapely.affinity.scale(local, factor, factor, origin=c))
    return poly


def place(requests: list[Request], *, gap_m: float = 40.0, step_m: float = 50.0,
          margin_m: float = 50.0, max_radius_m: float = 15000.0) -> dict[str, BaseGeometry]:
    """Place every request, in the order given; return WGS84 geometry by key.

    Raises
    ------
    DataError
        If a request cannot be placed within ``max_radius_m`` of its anchor.
    """
    placed: list[BaseGeometry] = []
    out: dict[str, BaseGeometry] = {}
    for req in requests:
        container = _to_local(req.container).buffer(-margin_m)
        ax, ay = _to_local(Point(req.anchor)).coords[0]
        if req.area_m2 is None:
            w = h = 0.0
        else:
            w, h = math.sqrt(req.area_m2 * req.aspect), math.sqrt(req.area_m2 / req.aspect)
        for cx, cy in _candidates(ax, ay, step=step_m, max_radius=max_radius_m):
            shape = Point(cx, cy) if req.area_m2 is None else box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if container.contains(shape) and all(shape.distance(p) >= gap_m for p in placed):
                break
        else:
            raise DataError(
                said("err.plan.no_room", item=req.key, radius=max_radius_m),
                source="geo.plan.placement", fix=said("err.plan.no_room_fix"),
            )
        placed.append(shape if req.area_m2 is not None else shape.buffer(gap_m / 2))
        geom = _to_wgs(shape)
        # With an area the shape is a box (a Polygon), which fit_area scales.
        out[req.key] = geom if req.area_m2 is None else fit_area(cast(Polygon, geom), req.area_m2)
    return out
