"""Area in mu, against figures computed independently of pyproj."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from geo.area import M2_PER_MU, area_mu, planar_area_mu
from geo.errors import AreaError, CRSError

A, F = 6378137.0, 1 / 298.257222101  # CGCS2000
E2 = F * (2 - F)
B2 = A * A * (1 - E2)


def _cell_area_m2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Exact area of an ellipsoidal cell between two meridians and two parallels (closed form)."""
    e = math.sqrt(E2)

    def q(phi: float) -> float:
        s = math.sin(math.radians(phi))
        return s / (1 - E2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return math.radians(lon1 - lon0) * B2 / 2 * (q(lat1) - q(lat0))


def _cell(lon0: float, lat0: float, lon1: float, lat1: float, n: int = 400) -> Polygon:
    """The cell with its parallels densified, so geodesic edges follow them."""
    xs = np.linspace(lon0, lon1, n)
    ring = [(x, lat0) for x in xs] + [(x, lat1) for x in xs[::-1]]
    return Polygon(ring)


def test_mu_constant():
    assert pytest.approx(10000.0) == M2_PER_MU * 15


@pytest.mark.parametrize("size", [0.002, 0.01, 0.05])
def test_ellipsoidal_area_matches_closed_form(size):
    lon0, lat0 = 106.30, 29.50
    expected_mu = _cell_area_m2(lon0, lat0, lon0 + size, lat0 + size) / (10000 / 15)
    layer = gpd.GeoSeries([_cell(lon0, lat0, lon0 + size, lat0 + size)], crs="EPSG:4490")
    assert area_mu(layer).iloc[0] == pytest.approx(expected_mu, rel=2e-6)


def test_equal_area_within_a_thousandth_of_a_percent_and_gk_overstates():
    layer = gpd.GeoSeries([_cell(106.25, 29.45, 106.42, 29.65)], crs="EPSG:4326")
    ref = area_mu(layer).iloc[0]
    assert abs(area_mu(layer, method="equal_area").iloc[0] / ref - 1) < 1e-5
    gk = area_mu(layer, method="gk").iloc[0] / ref - 1
    assert 0.0002 < gk < 0.0006  # ~0.04 % at 1.3-1.4° from CM 105E


def test_area_is_the_same_from_any_input_crs():
    cell = gpd.GeoSeries([_cell(106.3, 29.5, 106.31, 29.51)], crs="EPSG:4326")
    for crs in ("EPSG:4490", "EPSG:4544", "EPSG:32648"):
        assert area_mu(cell.to_crs(crs)).iloc[0] == pytest.approx(area_mu(cell).iloc[0], rel=1e-7)


def test_missing_and_empty_geometry():
    layer = gpd.GeoSeries([None, Polygon(), shapely.box(106.3, 29.5, 106.301, 29.501)], crs="EPSG:4326")
    values = area_mu(layer)
    assert np.isnan(values.iloc[0]) and values.iloc[1] == 0 and values.iloc[2] > 0


def test_refuses_degrees_web_mercator_and_no_crs():
    cell = gpd.GeoSeries([shapely.box(106.3, 29.5, 106.31, 29.51)], crs="EPSG:4326")
    with pytest.raises(AreaError, match="degrees"):
        planar_area_mu(cell)
    with pytest.raises(AreaError, match="Web Mercator"):
        planar_area_mu(cell.to_crs("EPSG:3857"))
    with pytest.raises(CRSError, match="no coordinate reference system"):
        area_mu(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]))
    gk = planar_area_mu(cell.to_crs("EPSG:4544")).iloc[0]
    assert gk == pytest.approx(area_mu(cell, method="gk").iloc[0])


def test_web_mercator_would_overstate_by_a_third():
    cell = gpd.GeoSeries([_cell(106.3, 29.5, 106.31, 29.51)], crs="EPSG:4326")
    merc = shapely.area(cell.to_crs("EPSG:3857").values)[0] / M2_PER_MU
    assert 1.30 < merc / area_mu(cell).iloc[0] < 1.34
