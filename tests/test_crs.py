"""CRS parsing and the GCJ-02 shift."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.crs import gcj02_to_wgs84, parse_crs, shift_geometries, transformer, wgs84_to_gcj02
from geo.errors import CRSError


def test_gcj02_shift_is_about_half_a_kilometre_here():
    lon, lat = np.array([106.30, 106.33, 106.38]), np.array([29.45, 29.55, 29.70])
    glon, glat = wgs84_to_gcj02(lon, lat)
    _, _, dist = Geod(ellps="WGS84").inv(lon, lat, glon, glat)
    assert np.all((dist > 400) & (dist < 600))


def test_gcj02_round_trip():
    lon, lat = np.random.default_rng(1).uniform([106.0, 29.0], [106.8, 30.0], size=(1000, 2)).T
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-7 and np.max(np.abs(back_lat - lat)) < 1e-7


def test_shift_geometries_moves_every_vertex():
    poly = shapely.box(106.3, 29.5, 106.31, 29.51)
    shifted = shift_geometries(np.array([poly]), to="gcj02")[0]
    assert shifted.area == pytest.approx(poly.area, rel=5e-3)  # GCJ-02 distorts a little
    assert shapely.get_coordinates(shifted)[0, 0] != shapely.get_coordinates(poly)[0, 0]
    back = shift_geometries(np.array([shifted]), to="wgs84")[0]
    assert back.equals_exact(poly, 1e-7)
    with pytest.raises(CRSError):
        shift_geometries(np.array([poly]), to="bd09")


def test_cgcs2000_axis_order_is_lon_lat():
    x, y = transformer("EPSG:4326", "EPSG:4490").transform(106.33, 29.55)
    assert (round(x, 6), round(y, 6)) == (106.33, 29.55)
    e, n = transformer("EPSG:4490", "EPSG:4544").transform(106.33, 29.55)
    assert 600_000 < e < 640_000 and 3_260_000 < n < 3_280_000  # no zone prefix; east of CM 105E


def test_parse_crs_errors_name_the_value():
    with pytest.raises(CRSError, match="EPSG:99999"):
        parse_crs("EPSG:99999", source="--crs")
