"""geo.mapview.largelayer: overview image, parcels in view, clicks, and the browser budget."""

from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from bench.synth import make_parcels
from geo.crs import wgs84_to_gcj02
from geo.errors import CRSError, UsageError
from geo.mapview import largelayer

PALETTE = {"rd": "#1f77b4", "testing": "#d62728"}
STEP = 0.01  # 3 × 3 squares of 0.01° (~1 km) near the zone


@pytest.fixture()
def grid() -> gpd.GeoDataFrame:
    x0, y0 = 106.30, 29.55
    boxes = [shapely.box(x0 + i * STEP, y0 + j * STEP, x0 + (i + 1) * STEP, y0 + (j + 1) * STEP)
             for j in range(3) for i in range(3)]
    tracks = ["rd", "testing", "rd", "testing", "rd", "testing", "rd", "testing", "other"]
    gdf = gpd.GeoDataFrame({"code": [f"P{k}" for k in range(1, 10)], "track_id": tracks}, geometry=boxes,
                           crs="EPSG:4326")
    gdf.index = range(1, 10)
    return gdf


def _decode(png: bytes) -> tuple[np.ndarray, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a PNG has no georeference, by design
        with MemoryFile(png) as mem, mem.open() as src:
            return src.read(1), src.colormap(1)


def _pixel(ov: largelayer.Overview, lon: float, lat: float) -> tuple[int, int]:
    (south, west), (north, east) = ov.bounds
    merc = rasterio.warp.transform("EPSG:4326", "EPSG:3857", [west, east, lon], [south, north, lat])
    col = (merc[0][2] - merc[0][0]) / (merc[0][1] - merc[0][0]) * ov.width
    row = (merc[1][1] - merc[1][2]) / (merc[1][1] - merc[1][0]) * ov.height
    return int(row), int(col)


def test_overview_colours_each_parcel_by_category_and_covers_the_layer(grid):
    ov = largelayer.overview_image(grid, column="track_id", palette=PALETTE, max_px=300)
    band, cmap = _decode(ov.png)
    assert band.shape == (ov.height, ov.width) and max(ov.width, ov.height) == 300
    (south, west), (north, east) = ov.bounds
    assert (west, south) == pytest.approx((106.30, 29.55), abs=1e-9)
    assert (east, north) == pytest.approx((106.33, 29.58), abs=STEP / 300 * 2)
    assert ov.legend == {"rd": "#1f77b4", "testing": "#d62728", "other": "#888888"}
    assert ov.counts == {"rd": 4, "testing": 4, "other": 1}
    # centre of the first square (rd), of the second (testing), of the last (not in the palette)
    for (i, j), colour in {(0, 0): (0x1F, 0x77, 0xB4), (1, 0): (0xD6, 0x27, 0x28), (2, 2): (0x88, 0x88, 0x88)}.items():
        r, c = _pixel(ov, 106.30 + (i + 0.5) * STEP, 29.55 + (j + 0.5) * STEP)
        assert cmap[band[r, c]] == (*colour, 170)
    # on the boundary between two parcels the outline is darker and opaque
    r, c = _pixel(ov, 106.30 + STEP, 29.55 + 0.5 * STEP)
    assert any(cmap[band[r, cc]][3] == 255 for cc in (c - 1, c, c + 1))
    assert cmap[0] == (0, 0, 0, 0)
    assert ov.data_url().startswith("data:image/png;base64,iVBOR")


def test_overview_refuses_what_it_cannot_draw(grid):
    with pytest.raises(UsageError, match="no column 'severity'"):
        largelayer.overview_image(grid, column="severity", palette=PALETTE)
    many = grid.iloc[[0] * 200].assign(track_id=[f"t{k}" for k in range(200)])
    with pytest.raises(UsageError, match="200 categories"):
        largelayer.overview_image(many, column="track_id", palette={})
    with pytest.raises(CRSError, match="no coordinate reference system"):
        largelayer.overview_image(grid.set_crs(None, allow_override=True), column="track_id", palette=PALETTE)


def _bounds(w, s, e, n) -> dict:
    return {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}


def test_features_in_view_returns_only_parcels_in_the_bounds(grid):
    idx = largelayer.build_index(grid, columns=["code", "track_id"])
    inside_first = _bounds(106.301, 29.551, 106.302, 29.552)
    view = largelayer.features_in_view(idx, inside_first)
    data = json.loads(view.geojson)
    assert (view.in_view, view.shown, view.truncated) == (1, 1, False)
    assert [f["id"] for f in data["features"]] == [1]
    assert data["features"][0]["properties"] == {"code": "P1", "track_id": "rd"}
    everything = largelayer.features_in_view(idx, _bounds(106.2, 29.5, 106.4, 29.6))
    codes = sorted(f["properties"]["code"] for f in json.loads(everything.geojson)["features"])
    assert codes == [f"P{k}" for k in range(1, 10)]
    nothing = largelayer.features_in_view(idx, _bounds(100.0, 20.0, 100.1, 20.1))
    assert json.loads(nothing.geojson) == {"type": "FeatureCollection", "features": []}


def test_features_in_view_is_capped_largest_first(grid):
    grid = grid.copy()
    grid.loc[5, "geometry"] = grid.loc[5, "geometry"].buffer(-0.004)  # the smallest parcel
    idx = largelayer.build_index(grid, columns=["code"])
    view = largelayer.features_in_view(idx, _bounds(106.2, 29.5, 106.4, 29.6), max_features=8)
    codes = [f["properties"]["code"] for f in json.loads(view.geojson)["features"]]
    assert (view.in_view, view.shown, view.truncated) == (9, 8, True)
    assert "P5" not in codes


def test_coordinates_are_rounded_to_six_decimals(grid):
    jittered = grid.set_geometry(shapely.transform(grid.geometry.to_numpy(), lambda c: c + 1.23456789e-7), crs=4326)
    view = largelayer.features_in_view(largelayer.build_index(jittered), _bounds(106.2, 29.5, 106.4, 29.6))
    numbers = re.findall(r"-?\d+\.\d+", view.geojson)
    assert numbers and max(len(n.split(".")[1]) for n in numbers) <= 6


def test_clicks_are_resolved_on_the_server(grid):
    idx = largelayer.build_index(grid)
    assert largelayer.feature_at(idx, lon=106.315, lat=29.565) == 5
    assert largelayer.feature_at(idx, lon=106.0, lat=29.0) is None
    lon, lat = wgs84_to_gcj02(np.array([106.318]), np.array([29.561]))  # in parcel 5, near its corner
    assert largelayer.feature_at(idx, lon=float(lon[0]), lat=float(lat[0]), shift="gcj02") == 5
    assert largelayer.feature_at(idx, lon=float(lon[0]), lat=float(lat[0])) == 3  # ~470 m off without the shift


def test_gcj02_view_is_shifted_both_ways(grid):
    idx = largelayer.build_index(grid)
    lon, lat = wgs84_to_gcj02(np.array([106.301, 106.302]), np.array([29.551, 29.552]))
    view = largelayer.features_in_view(idx, _bounds(lon[0], lat[0], lon[1], lat[1]), shift="gcj02")
    feature = json.loads(view.geojson)["features"][0]
    assert feature["id"] == 1
    x0 = min(p[0] for p in feature["geometry"]["coordinates"][0])
    assert x0 == pytest.approx(106.30 + (lon[0] - 106.301), abs=2e-5)


def test_bounds_are_checked():
    default = largelayer.View(1.0, 2.0, 3.0, 4.0)
    unset = {"_southWest": {"lat": None, "lng": None}, "_northEast": {"lat": None, "lng": None}}
    assert largelayer.parse_bounds(unset, default=default) == default
    with pytest.raises(UsageError, match="are not map bounds"):
        largelayer.parse_bounds(unset)
    with pytest.raises(UsageError, match="not a map view"):
        largelayer.parse_bounds(_bounds(106.3, 29.6, 106.4, 29.5))
    assert largelayer.parse_bounds(_bounds(-200.0, 29.5, 106.4, 29.6)).west == -180.0


def test_ten_thousand_parcels_stay_within_the_browser_budget():
    gdf, _ = make_parcels(10_000)
    ov = largelayer.overview_image(gdf, column="track_id", palette=PALETTE)
    idx = largelayer.build_index(gdf.assign(_c=gdf["track_id"]), columns=["DKBM", "_c"])
    whole = largelayer.features_in_view(idx, None, default=largelayer.layer_view(idx))
    # 5 empty geometries are never in view
    assert (whole.in_view, whole.shown, whole.truncated) == (9_995, largelayer.MAX_FEATURES, True)
    assert len(ov.data_url()) + whole.nbytes < 2_500_000
    assert len(ov.png) < 600_000

