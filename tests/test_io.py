"""geo.io.files: every format round-trips through GDAL; the CRS is read, inferred or overridden, and stated.

The autouse ``sandbox`` fixture asserts that nothing is left outside a removed temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.area import area_mu
from geo.errors import (
    CRSError,
    GeometryError,
)
from geo.io.files import read_bytes, read_file
from tests.fixtures.io_sandbox import assert_clear, sandbox_fixture, write_layer  # noqa: F401 (autouse fixture)
from tests.fixtures.synthetic import clean_survey

# --- round trips -------------------------------------------------------------------


ROUND_TRIPS = {
    "geojson": ("geojson", "file", "UTF-8"),
    "gpkg": ("geopackage", "file", None),
    "kml": ("kml", "file", "UTF-8"),
    "kmz": ("zip", "file", "UTF-8"),
    "shp": ("zip", "file", "from .cpg"),
    "shp-gbk": ("zip", "file", "GBK"),
    "csv-wkt": ("csv", "inferred", "UTF-8"),
    "csv-wkt-gbk": ("csv", "inferred", "GBK"),
    "csv-lonlat": ("csv", "inferred", "UTF-8"),
}


@pytest.mark.parametrize("fmt", list(ROUND_TRIPS))
def test_round_trip(sandbox, fmt):
    layer = clean_survey()
    path = write_layer(layer, sandbox, fmt)
    before = sorted(p.name for p in sandbox.iterdir())
    result = read_file(path)
    kind, basis, encoding = ROUND_TRIPS[fmt]
    assert (result.fmt, result.crs_basis, result.encoding) == (kind, basis, encoding)
    assert result.layer.crs == "EPSG:4326"
    assert list(result.layer.index) == [1, 2]
    assert result.layer["名称"].tolist() == ["科学谷(第一期)", "金凤实验室"]
    assert result.layer["code"].tolist() == ["a", "b"]
    if fmt == "csv-lonlat":
        assert result.layer.geom_type.tolist() == ["Point", "Point"]
        assert np.allclose(
            shapely.get_coordinates(result.layer.geometry),
            shapely.get_coordinates(shapely.centroid(layer.geometry.to_numpy())),
        )
    else:
        assert area_mu(result.layer, method="equal_area").round(3).tolist() == [60.0, 15.0]
    assert sorted(p.name for p in sandbox.iterdir()) == before, "the input folder was modified"


def test_read_bytes_equals_read_file(sandbox):
    path = write_layer(clean_survey(), sandbox, "shp-gbk")
    a, b = read_file(path), read_bytes(path.read_bytes(), name="测绘成果.zip")
    assert b.source == "测绘成果.zip"
    assert a.layer.drop(columns="geometry").equals(b.layer.drop(columns="geometry"))


# --- CRS ---------------------------------------------------------------------------


def _csv(folder: Path, layer: gpd.GeoDataFrame, crs: str, *, swap: bool = False, prefix: float = 0.0) -> Path:
    geoms = layer.to_crs(crs).geometry.to_numpy()
    geoms = shapely.transform(geoms, lambda c: np.column_stack([c[:, 0] + prefix, c[:, 1]]))
    if swap:
        geoms = shapely.transform(geoms, lambda c: c[:, ::-1])
    path = folder / "gk.csv"
    pd.DataFrame({"名称": layer["名称"], "wkt": shapely.to_wkt(geoms, rounding_precision=9)}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("crs", "swap", "prefix", "expected", "words"),
    [
        ("EPSG:4326", False, 0.0, "EPSG:4326", "lon/lat"),
        ("EPSG:4326", True, 0.0, "EPSG:4326", "lat/lon, swapped"),
        ("EPSG:4544", False, 0.0, "EPSG:4544", "without zone prefix"),
        ("EPSG:4544", False, 35e6, "EPSG:4523", "with zone prefix 35"),
        ("EPSG:4544", True, 0.0, "EPSG:4544", "X = northing"),
    ],
)
def test_crs_inferred_and_stated(sandbox, crs, swap, prefix, expected, words):
    layer = clean_survey()
    result = read_file(_csv(sandbox, layer, crs, swap=swap, prefix=prefix))
    assert (result.crs, result.crs_basis) == (expected, "inferred")
    assert words in result.crs_note[1] and result.crs_note[0]
    assert area_mu(result.layer, method="equal_area").round(2).tolist() == [60.0, 15.0]
    assert np.allclose(result.layer.total_bounds, layer.total_bounds, atol=1e-7)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_geojson_holding_metres_is_inferred(sandbox):
    """GDAL labels every GeoJSON EPSG:4326; coordinates in metres contradict it."""
    path = sandbox / "gk.geojson"
    pyogrio.write_dataframe(
        clean_survey().to_crs("EPSG:4544").set_crs(None, allow_override=True), path, driver="GeoJSON"
    )
    result = read_file(path)
    assert (result.crs, result.crs_basis) == ("EPSG:4544", "inferred")


def test_crs_override(sandbox):
    path = _csv(sandbox, clean_survey(), "EPSG:4544")
    result = read_file(path, crs="EPSG:4544")
    assert (result.crs, result.crs_basis) == ("EPSG:4544", "override")
    assert "EPSG:4544" in result.crs_note[0]
    with pytest.raises(GeometryError) as exc:  # a wrong override puts the parcels far from China
        read_file(path, crs="EPSG:32631")
    assert_clear(exc, "gk.csv", "far outside China", "features 1, 2")


def test_unknown_crs_asks_the_user(sandbox):
    path = sandbox / "local.csv"
    pd.DataFrame({"wkt": ["POLYGON ((1000 1000, 1100 1000, 1100 1100, 1000 1000))"]}).to_csv(path, index=False)
    with pytest.raises(CRSError) as exc:
        read_file(path)
    assert_clear(exc, "local.csv", "has no CRS", "x 1000…1100", "match no CRS")
    assert "--crs" in exc.value.fix
