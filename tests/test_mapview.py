"""geo.mapview (plan, assets) / basemaps / views / summary on the plan's real layers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import layers
from geo.crs import wgs84_to_gcj02
from geo.errors import UsageError
from geo.mapview import GeoLayer, build_map
from geo.mapview.assets import VENDOR_DIR, asset_links
from geo.mapview.basemaps import BASEMAPS, available_basemaps
from geo.plan.projects import colour_keys, filter_projects, output_per_mu, project_table, resolve_click
from geo.plan.summary import land_by_zone_and_track, output_by_track, table_bytes

PARCELS = layers.load_parcels()
ZONES = layers.load_zones()
TRACKS = layers.load_tracks()
CDN = re.compile(r"https?://(cdn\.jsdelivr|cdnjs|code\.jquery|netdna|unpkg|fonts\.googleapis|d3js)")


def _map(**kw):
    return build_map(parcels=PARCELS, zones=ZONES, tracks=TRACKS, **kw)


def _layers(m):
    return [c for c in m._children.values() if isinstance(c, GeoLayer)]


def test_every_asset_is_vendored_and_no_cdn_is_linked():
    m = _map(basemap="osm", districts=layers.load_districts(), metro=layers.load_metro(), places=layers.load_places())
    js, css = asset_links(m)
    assert js[0] == "/app/static/vendor/leaflet/leaflet.js"
    for link in js + css:
        assert (VENDOR_DIR / link.removeprefix("/app/static/vendor/")).is_file(), link
    html = m.get_root().render()
    assert not CDN.search(html)
    assert "jquery" not in " ".join(js).lower() and "bootstrap" not in " ".join(css).lower()


def test_one_feature_per_parcel_coloured_from_properties():
    m = _map(basemap="none")
    features = [f for layer in _layers(m) for f in layer.data["features"] if "project_id" in f["properties"]]
    assert sorted(f["properties"]["project_id"] for f in features) == sorted(PARCELS["project_id"])
    t23 = next(f for f in features if f["properties"]["project_id"] == "T2-3")
    assert t23["properties"]["_c"] == "rd" and t23["properties"]["declared_mu"] == 888.0
    script = m.get_root().render()
    assert "switch(" not in script  # no per-feature style_function cases
    coords = np.array(t23["geometry"]["coordinates"][0])
    assert np.allclose(coords, np.round(coords, 6))


def test_unknown_values_are_null_not_zero():
    features = [f for layer in _layers(_map(basemap="none")) for f in layer.data["features"]]
    t52 = next(f for f in features if f["properties"].get("project_id") == "T5-2")
    assert t52["properties"]["declared_mu"] is None and t52["geometry"]["type"] == "Point"


def test_gaode_shifts_overlays_and_clicks_shift_back():
    plain = {f["properties"]["project_id"]: f for layer in _layers(_map(basemap="none")) for f in layer.data["features"]
             if "project_id" in f["properties"]}
    gaode = {f["properties"]["project_id"]: f
             for layer in _layers(_map(basemap="gaode")) for f in layer.data["features"]
             if "project_id" in f["properties"]}
    x0, y0 = plain["T2-3"]["geometry"]["coordinates"][0][0]
    x1, y1 = gaode["T2-3"]["geometry"]["coordinates"][0][0]
    ex, ey = wgs84_to_gcj02(np.array([x0]), np.array([y0]))
    assert (x1, y1) == pytest.approx((ex[0], ey[0]), abs=2e-6)
    centre = PARCELS.set_index("project_id").geometry["T3-1"].centroid  # 17 mu: ~100 m across
    gx, gy = wgs84_to_gcj02(np.array([centre.x]), np.array([centre.y]))
    assert resolve_click(PARCELS, lon=gx[0], lat=gy[0], shift="gcj02") == "T3-1"
    assert resolve_click(PARCELS, lon=gx[0], lat=gy[0]) != "T3-1"  # unshifted, the click lands ~500 m off


def test_resolve_click_polygon_point_and_miss():
    centre = PARCELS.set_index("project_id").geometry["T4-1"].centroid
    assert resolve_click(PARCELS, lon=centre.x, lat=centre.y) == "T4-1"
    point = PARCELS.set_index("project_id").geometry["T5-2"]
    assert resolve_click(PARCELS, lon=point.x + 0.001, lat=point.y) == "T5-2"  # ~97 m away
    assert resolve_click(PARCELS, lon=100.0, lat=20.0) is None


def test_tianditu_only_with_a_key():
    assert "tianditu" not in available_basemaps(keys={})
    assert "tianditu" in available_basemaps(keys={"TIANDITU_KEY": "abc"})
    with pytest.raises(UsageError, match="TIANDITU_KEY"):
        _map(basemap="tianditu")
    html = _map(basemap="tianditu", tile_keys={"TIANDITU_KEY": "k123"}).get_root().render()
    assert "tianditu.gov.cn/vec_w" in html and "tk=k123" in html
    assert set(BASEMAPS) == {"osm", "carto", "esri", "tianditu", "gaode", "none"}


def test_filters_and_output_per_mu():
    assert sorted(filter_projects(PARCELS, tracks=["testing"])["project_id"]) == ["T4-1", "T4-2", "T4-3"]
    assert list(filter_projects(PARCELS, zones=["none"])["project_id"]) == ["T2-1", "T5-5", "T5-6"]  # 曾家镇
    assert list(filter_projects(PARCELS, search="science valley")["project_id"]) == ["T2-3"]
    assert list(filter_projects(PARCELS, search="科学谷")["project_id"]) == ["T2-3"]
    opm = output_per_mu(PARCELS.set_index("project_id"))
    assert opm["T2-3"] == pytest.approx(80 * 1e4 / 888)
    assert np.isnan(opm["T2-1"])  # output "——": unknown, not 0
    keys = colour_keys(PARCELS.set_index("project_id"), by="output_per_mu")
    assert keys["T2-3"] == "600-1000" and keys["T2-1"] == "unknown"


def test_project_table_and_summaries():
    table = project_table(PARCELS).set_index("project_id")
    assert table.at["T2-3", "measured_mu"] == pytest.approx(888, rel=1e-4)
    assert np.isnan(table.at["T5-2", "measured_mu"])
    land = land_by_zone_and_track(layers.load_projects())
    assert land.at["jinfeng", "testing"] == 1011 + 106 + 80
    assert output_by_track(layers.load_projects())["rd"] == 240
    payload, suffix, _ = table_bytes(land.reset_index(), fmt="csv")
    assert suffix == ".csv" and payload.startswith("\ufeff".encode())
    with pytest.raises(UsageError):
        table_bytes(land, fmt="pdf")


def test_unvendored_plugin_is_refused():
    import folium.plugins

    m = build_map(parcels=PARCELS, zones=ZONES, tracks=TRACKS, basemap="none", controls=False)
    folium.plugins.Draw().add_to(m)
    from geo.mapview.assets import localise_assets

    with pytest.raises(UsageError, match="Draw"):
        localise_assets(m)


def _tile_urls(m):
    import folium

    return [c.tiles for c in m._children.values() if isinstance(c, folium.TileLayer)]


def test_with_no_tile_source_the_map_has_no_tiles_and_draws_districts_and_metro(monkeypatch):
    from geo.mapview.basemaps import default_basemap

    monkeypatch.delenv("GEO_TILES", raising=False)
    m = _map(basemap=default_basemap(), districts=layers.load_districts(), metro=layers.load_metro())
    assert _tile_urls(m) == []
    html = m.get_root().render()
    assert "L.tileLayer" not in html and "openstreetmap" not in html and "MiniMap" not in html
    shown = {layer.layer_name: layer for layer in _layers(m)}
    for key in ("districts", "metro"):  # on when the map opens (not only in the layer control)
        layer = shown["行政区" if key == "districts" else "轨道交通（示意）"]
        assert layer.show and layer.feature_count() > 0
        assert f'"_c":"{key}"' in html
    assert sum(layer.feature_count() for layer in _layers(m) if "地块" in layer.layer_name) > 0
    assert _tile_urls(_map()) == []  # build_map's own default is offline too

    def places_shown(basemap: str) -> bool:
        (places,) = [g for g in _layers(_map(basemap=basemap, places=layers.load_places())) if g.layer_name == "地名"]
        assert places.feature_count() > 30
        return bool(places.show)

    assert places_shown("none") and not places_shown("osm")  # towns on where no tiles name them


def test_geo_tiles_draws_the_configured_server_and_gcj02_shifts_overlays(monkeypatch):
    from geo.mapview.basemaps import CUSTOM, default_basemap

    url = "http://10.0.0.9/tiles/{z}/{x}/{y}.png"
    monkeypatch.setenv("GEO_TILES", url)
    monkeypatch.setenv("GEO_TILES_ATTRIBUTION", "区规划院")
    monkeypatch.delenv("GEO_TILES_GCJ02", raising=False)
    assert default_basemap() == CUSTOM
    m = _map(basemap=CUSTOM, districts=layers.load_districts())
    assert url in _tile_urls(m)  # the map and its minimap
    html = m.get_root().render()
    assert 'tiles.on("tileerror"' in html  # the minimap hides itself when its tiles cannot load
    assert "http://10.0.0.9/tiles/{z}/{x}/{y}.png" in html and "openstreetmap" not in html
    assert '"attribution": "\\u533a\\u89c4\\u5212\\u9662"' in html  # 区规划院, JSON-escaped
    first = next(f for layer in _layers(m) for f in layer.data["features"]
                 if f["properties"].get("project_id") == "T2-3")["geometry"]["coordinates"][0][0]
    monkeypatch.setenv("GEO_TILES_GCJ02", "1")
    shifted = next(f for layer in _layers(_map(basemap=CUSTOM)) for f in layer.data["features"]
                   if f["properties"].get("project_id") == "T2-3")["geometry"]["coordinates"][0][0]
    ex, ey = wgs84_to_gcj02(np.array([first[0]]), np.array([first[1]]))
    assert tuple(shifted) == pytest.approx((ex[0], ey[0]), abs=2e-6)
    monkeypatch.setenv("GEO_TILES", "http://10.0.0.9/tiles/{z}/{x}.png")  # bad: a clear error, no tiles
    with pytest.raises(UsageError, match=r"^GEO_TILES: the tile URL has no \{y\}"):
        _map(basemap=CUSTOM)
