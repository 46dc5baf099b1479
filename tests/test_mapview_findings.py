"""geo.mapview.findings: severity per parcel, overview colours, parcels in view, clicks, offline assets, payload."""

from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio.warp
import shapely
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

import layers
from bench.synth import make_parcels
from geo.checks.registry import run_checks
from geo.crs import wgs84_to_gcj02
from geo.errors import UsageError
from geo.mapview import findings as fm
from geo.mapview.largelayer import MAX_FEATURES, View

X0, Y0, STEP = 106.30, 29.55, 0.01  # 3 × 3 squares of ~1 km near the zone, features 1…9
ASSETS = "/app/static/vendor/"


@pytest.fixture()
def parcels() -> gpd.GeoDataFrame:
    boxes = [shapely.box(X0 + i * STEP, Y0 + j * STEP, X0 + (i + 1) * STEP, Y0 + (j + 1) * STEP)
             for j in range(3) for i in range(3)]
    projects = ["T2-1", "T2-1", "T2-2", "T2-2", None, "T2-3", "T2-3", "T2-3", "T2-4"]
    gdf = gpd.GeoDataFrame({"project_id": pd.array(projects, dtype="string")}, geometry=boxes, crs="EPSG:4326")
    gdf.index = pd.RangeIndex(1, 10, name="feature")
    return gdf


@pytest.fixture()
def findings() -> pd.DataFrame:
    """Feature 1: error and warning; 2: warning; 3: info; project T2-3 as a whole: a warning (no feature)."""
    return pd.DataFrame({
        "feature": pd.array([1, 1, 2, 3, None], dtype="Int64"),
        "project_id": pd.array(["T2-1", "T2-1", "T2-1", "T2-2", "T2-3"], dtype="string"),
        "check": ["overlap", "area_mismatch", "multipart", "area_unknown", "area_mismatch"],
        "severity": ["error", "warning", "warning", "info", "warning"],
        "message": [
            "overlaps feature 2 by 1 mu", "a", "b", "c", "3 parcels together measure 2,700 mu against 2,000 mu",
        ],
        "message_zh": [
            "与要素 2 重叠 1.000 亩", "甲", "乙", "丙", "同一项目的 3 个地块合计实测 2700 亩，规划分配 2000 亩",
        ],
        "value": [1.0, 2.0, 2.0, 3.0, 700.0],
    })


def centre(feature: int) -> tuple[float, float]:
    i, j = (feature - 1) % 3, (feature - 1) // 3
    return X0 + (i + 0.5) * STEP, Y0 + (j + 0.5) * STEP


def bounds(west: float, south: float, east: float, north: float) -> dict:
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def group_features(built: fm.FindingsMap) -> dict[int, str]:
    """Feature id → severity key of every parcel in the feature group the map element swaps in."""
    assert built.parcels is not None
    text = "".join(child.geojson for child in built.parcels._children.values())
    found = re.findall(r'"id":\s?(\d+),\s?"properties":\s?\{"_c":\s?"(\w+)"', text)
    return {int(i): c for i, c in found}


def test_worst_severity_takes_each_parcels_own_worst_finding(parcels, findings):
    worst = fm.worst_severity(findings, parcels)
    assert worst.index.equals(parcels.index)
    assert worst.tolist() == ["error", "warning", "info", "none", "none", "none", "none", "none", "none"]
    # the project-wide finding of T2-3 (features 6–8) colours none of its parcels, but is listed on click
    assert fm.findings_of(findings, parcels, 7)["message"].tolist() == [findings["message"].iloc[4]]
    # the click panel lists them in either language
    assert fm.findings_of(findings, parcels, 7)["message_zh"].tolist() == [
        "同一项目的 3 个地块合计实测 2700 亩，规划分配 2000 亩"
    ]
    assert fm.findings_of(findings, parcels, 1)["check"].tolist() == ["overlap", "area_mismatch"]
    assert fm.findings_of(findings, parcels, 5).empty  # no project, no finding
    with pytest.raises(UsageError, match=r"findings lack column.*severity"):
        fm.worst_severity(findings.drop(columns="severity"), parcels)


def _decode(png: bytes) -> tuple[np.ndarray, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a PNG has no georeference, by design
        with MemoryFile(png) as mem, mem.open() as src:
            return src.read(1), src.colormap(1)


def test_overview_is_coloured_by_severity(parcels, findings):
    layer = fm.prepare_layer(parcels, findings)
    ov = layer.overview
    band, cmap = _decode(ov.png)
    (south, west), (north, east) = ov.bounds
    xs, ys = rasterio.warp.transform("EPSG:4326", "EPSG:3857", [west, east], [south, north])
    colours = {}
    for feature in (1, 2, 3, 4):
        lon, lat = centre(feature)
        (x,), (y,) = rasterio.warp.transform("EPSG:4326", "EPSG:3857", [lon], [lat])
        row = int((ys[1] - y) / (ys[1] - ys[0]) * ov.height)
        col = int((x - xs[0]) / (xs[1] - xs[0]) * ov.width)
        colours[feature] = "#{:02x}{:02x}{:02x}".format(*cmap[int(band[row, col])][:3])
    assert colours == {1: "#e12d39", 2: "#f08c00", 3: "#1c83e1", 4: "#b4bec9"}
    assert ov.counts == {"error": 1, "warning": 1, "info": 1, "none": 6}
    assert ov.legend == {k: fm.SEVERITY_COLOURS[k] for k in ("error", "warning", "info", "none")}


def test_only_parcels_in_view_are_sent_and_coloured_in_js(parcels, findings):
    layer = fm.prepare_layer(parcels, findings)
    # the lower row's two left cells, well inside: features 1 and 2 (and 4, 5 touch? no: 0.002° away)
    view = bounds(X0 + 0.002, Y0 + 0.002, X0 + 2 * STEP - 0.002, Y0 + STEP - 0.002)
    built = fm.build_findings_map(layer, basemap="none", bounds=view, zoom=15)
    assert built.detail and (built.in_view, built.shown) == (2, 2)
    assert group_features(built) == {1: "error", 2: "warning"}
    html = built.html()
    assert 'var palette = {"error":"#e12d39","warning":"#f08c00"' in html
    assert "style_function" not in html and html.count('"_c":') == 2
    assert "findings-overview" in html and "data:image/png;base64," in html
    assert f"fade = [0.25,{fm.OVERVIEW_OPACITY}]" in html  # the overview fades while parcels are drawn


def test_low_zoom_or_too_many_in_view_shows_only_the_overview(parcels, findings):
    layer = fm.prepare_layer(parcels, findings)
    low = fm.build_findings_map(layer, basemap="none", zoom=fm.MIN_DETAIL_ZOOM - 1)
    assert not low.detail and low.parcels is None and low.in_view == 9
    capped = fm.build_findings_map(layer, basemap="none", zoom=16, max_features=8)
    assert not capped.detail and capped.parcels is None and capped.in_view == 9
    start = fm.build_findings_map(layer, basemap="none")  # before the map reports: extent, fitted zoom
    assert start.zoom == fm.fit_zoom(layer.extent) == 14 and start.detail and len(group_features(start)) == 9


def test_clicked_parcel_is_found_on_the_server_and_highlighted_at_any_zoom(parcels, findings):
    layer = fm.prepare_layer(parcels, findings)
    lon, lat = centre(5)
    assert fm.clicked_feature(layer, {"lat": lat, "lng": lon}) == 5
    assert fm.clicked_feature(layer, {"lat": Y0 - 0.01, "lng": X0}) is None
    assert fm.clicked_feature(layer, None) is None and fm.clicked_feature(layer, {"lat": None, "lng": None}) is None
    low = fm.build_findings_map(layer, basemap="none", zoom=10, selected=5)
    assert group_features(low) == {5: "none"} and "selected = 5" in low.html()
    near = fm.build_findings_map(layer, basemap="none", zoom=15, selected=5)
    assert len(group_features(near)) == 9 and "selected = 5" in near.html()


def test_gaode_shifts_overview_parcels_and_clicks(parcels, findings):
    layer = fm.prepare_layer(parcels, findings, shift="gcj02")
    lon, lat = centre(1)
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    assert fm.clicked_feature(layer, {"lat": float(glat[0]), "lng": float(glon[0])}) == 1
    plain = fm.prepare_layer(parcels, findings)
    assert layer.overview.bounds[0][1] - plain.overview.bounds[0][1] == pytest.approx(float(glon[0]) - lon, abs=1e-4)
    built = fm.build_findings_map(layer, basemap="gaode", zoom=15)
    first = json.loads(next(iter(built.parcels._children.values())).geojson)["features"][0]
    assert first["id"] == 1
    assert first["geometry"]["coordinates"][0][0][0] == pytest.approx(X0 + STEP + glon[0] - lon, abs=1e-4)
    assert "webrd0{s}.is.autonavi.com" in built.html()
    with pytest.raises(UsageError, match="prepared for shift 'gcj02'"):
        fm.build_findings_map(layer, basemap="osm")


def test_map_loads_its_code_from_the_app_never_a_cdn(parcels, findings):
    layer = fm.prepare_layer(parcels, findings)
    plan = layers.load_parcels()
    for basemap in ("none", "osm"):
        html = fm.build_findings_map(layer, zones=layers.load_zones(), plan_parcels=plan, basemap=basemap,
                                     zoom=15).html()
        links = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert links and all(link.startswith(ASSETS) for link in links), links
        assert not re.search(r"cdn|jsdelivr|unpkg|googleapis|bootstrap|jquery|font-awesome", html, re.IGNORECASE)
        hosts = set(re.findall(r"https?://([^/\"'{}]+)", html))
        # what remains are tile servers and the attribution's links
        assert hosts <= {"tile.openstreetmap.org", "www.openstreetmap.org"}, hosts
        assert '"_name":"科学谷前沿科技孵化片区","project_id":"T2-3"' in html  # plan parcels and zones, as outlines
        assert '"_name":"科创中央商务核"' in html and '"fillOpacity":0.0' in html


def test_fit_zoom():
    # 0.1° of longitude is 582 px wide at zoom 13 and 1,165 px at zoom 14: a 700 px map fits it at 13
    assert fm.fit_zoom(View(106.30, 29.55, 106.40, 29.551), width=700, height=520) == 13
    assert fm.fit_zoom(View(106.30, 29.55, 106.301, 29.551)) == 18
    assert fm.fit_zoom(View(-180, -85, 180, 85)) == 1


@pytest.fixture(scope="module")
def checked_100k():
    gdf, manifest = make_parcels(100_000)
    result = run_checks(gdf, plan_parcels=layers.load_parcels(), zones=layers.load_zones(),
                        districts=layers.load_districts(), name_field="XMBH")
    return result, fm.prepare_layer(result.parcels, result.findings), manifest


def test_payload_for_100k_parcels_stays_under_5_mb(checked_100k):
    result, layer, manifest = checked_100k
    plan = layers.load_parcels()
    zones = layers.load_zones()
    start = fm.build_findings_map(layer, zones=zones, plan_parcels=plan, basemap="none")
    assert not start.detail and start.parcels is None
    assert start.in_view == 100_000 - manifest["planted"]["empty"]  # every parcel with a geometry
    start_mb = len(start.html().encode()) / 1e6
    # street-level views, as the map reports them, where the layer is unbroken (the middle of the largest
    # circle inside the zones; the layer's extent centre can fall between zones): the first sized to hold
    # about 92 % of the cap of parcels (the most the page ever draws), the second twice its area (over the
    # cap: overview only). Sizes follow the layer's density, so a change of the zones' outlines keeps them true.
    union = shapely.union_all(zones.geometry.to_numpy())
    middle = shapely.get_point(shapely.maximum_inscribed_circle(union, 1e-5), 0)
    cx, cy = middle.x, middle.y
    per_deg2 = start.in_view / union.area
    half_w = (0.92 * MAX_FEATURES / per_deg2 * 5 / 3) ** 0.5 / 2  # a 5:3 view
    half_h = half_w * 3 / 5
    most = fm.build_findings_map(layer, zones=zones, plan_parcels=plan, basemap="none", zoom=16,
                                 bounds=bounds(cx - half_w, cy - half_h, cx + half_w, cy + half_h))
    assert most.detail and 2500 < most.shown == most.in_view <= MAX_FEATURES
    near_mb = len(most.html().encode()) / 1e6
    assert start_mb <= 5 and near_mb <= 5, (start_mb, near_mb)
    r2 = 2 ** 0.5
    over = fm.build_findings_map(layer, basemap="none", zoom=16,
                                 bounds=bounds(cx - half_w * r2, cy - half_h * r2, cx + half_w * r2, cy + half_h * r2))
    assert not over.detail and over.parcels is None and over.in_view > MAX_FEATURES
    flagged = int(result.findings["feature"].dropna().nunique())
    assert sum(layer.overview.counts.values()) == 100_000 - manifest["planted"]["empty"]
    assert 1000 < layer.overview.counts["error"] + layer.overview.counts["warning"] <= flagged
    print(f"100k payload: overview {start_mb:.2f} MB, street view {near_mb:.2f} MB ({most.shown} parcels)")
