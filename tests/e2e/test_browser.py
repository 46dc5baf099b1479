"""The app in a real browser with every non-localhost request blocked."""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import parse_qs, urlparse

import layers

ALL_IDS = set(layers.load_parcels()["project_id"])
TILE_HOSTS = {"tile.openstreetmap.org"}


def test_map_draws_every_parcel_with_no_internet(browse, offline):
    page = browse.go("/?basemap=none")
    frame = browse.map_frame()
    ids = browse.drawn_projects(frame)
    assert Counter(ids) == Counter(ALL_IDS)  # one shape per parcel, none twice
    vendor = frame.evaluate("() => [...document.scripts].map(s => s.src).filter(s => s)")
    assert any(src.endswith("/app/static/vendor/leaflet/leaflet.js") for src in vendor)
    assert offline.blocked == []  # nothing at all was asked of the internet
    assert page.get_by_text("显示 26 / 26 个项目").count() == 1
    browse.shot("map_none")



#: When the map first painted its parcels (and which Leaflet map it was), and when the sidebar's language
#: switch appeared (ms after navigation).
FIRST_PAINT_JS = """() => {
  window.__seen = {};
  new MutationObserver(() => {
    const seen = window.__seen, now = performance.now();
    if (!seen.map && document.querySelector('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas')) {
      seen.map = now;
      window.__firstMap = document.querySelector('.geo-map').geoMap;
    }
    const radio = document.querySelector("[data-testid='stSidebar'] [data-testid='stRadio']");
    if (!seen.sidebar && radio) seen.sidebar = now;
  }).observe(document, {subtree: true, childList: true});
}"""


def test_the_first_map_is_painted_before_the_sidebar_and_kept_when_the_rest_arrives(browse, page):
    page.add_init_script(f"({FIRST_PAINT_JS})()")
    browse.go("/?basemap=none")
    frame = browse.map_frame()
    page.locator("[data-testid='stSidebar']").get_by_text("底图", exact=True).wait_for()  # the rest arrives …
    page.get_by_role("heading", name="项目详情").wait_for()  # … with the detail panel
    seen = page.evaluate("window.__seen")
    assert seen["map"] < seen["sidebar"], seen  # the map first, then the widgets (ui.map_element.map_first)
    assert Counter(browse.drawn_projects(frame)) == Counter(ALL_IDS)
    assert frame.evaluate("() => document.querySelector('.geo-map').geoMap === window.__firstMap")  # not redrawn

def test_map_draws_when_tiles_cannot_load(browse, offline):
    browse.go("/?basemap=osm")  # OpenStreetMap chosen, unreachable here (the default is no basemap)
    frame = browse.map_frame()
    assert Counter(browse.drawn_projects(frame)) == Counter(ALL_IDS)
    frame.wait_for_function("() => document.querySelectorAll('img.leaflet-tile').length > 0")
    hosts = {urlparse(u).hostname for u in offline.blocked}
    assert hosts and hosts <= TILE_HOSTS, offline.blocked  # only tiles were wanted from outside
    browse.shot("map_osm_offline")


def test_click_on_parcel_shows_its_details(browse):
    page = browse.go("/?basemap=none&lang=en")
    frame = browse.map_frame()
    point = frame.evaluate("""() => {
        let target = null;
        window.map.eachLayer(l => { if (l.feature && l.feature.properties.project_id === 'T2-3') target = l; });
        const p = window.map.latLngToContainerPoint(target.getBounds().getCenter());
        const r = window.map.getContainer().getBoundingClientRect();
        return {x: p.x + r.left, y: p.y + r.top};
    }""")
    page.mouse.click(point["x"], point["y"])  # the map is in the page: container coordinates are the page's
    heading = "Science Valley Frontier Technology Incubation Area (科学谷前沿科技孵化片区)"
    page.get_by_role("heading", name=heading).wait_for()
    page.get_by_text(re.compile(r"^Land \(mu\): Table 888 · Text not stated · Map 888")).wait_for()
    browse.wait()
    assert parse_qs(urlparse(page.url).query)["sel"] == ["T2-3"]
    browse.shot("map_click_detail")


def test_language_switch_changes_labels(browse):
    page = browse.go("/?basemap=none")
    assert page.locator("h1").first.inner_text() == "一核双圈两片 · 平台项目地图"
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Core, circles and zones · platform projects map").wait_for()
    browse.wait()
    assert "lang=en" in page.url
    assert page.get_by_text("Showing 26 of 26 projects").count() == 1
    browse.shot("map_english")


def test_shared_link_restores_the_view(browse):
    page = browse.go("/?lang=en&basemap=none&track=testing&sel=T4-1&colour=zone")
    frame = browse.map_frame()
    assert sorted(browse.drawn_projects(frame)) == ["T4-1", "T4-2", "T4-3"]
    assert page.get_by_text("Showing 3 of 26 projects").count() == 1
    page.get_by_role("heading", name=re.compile(r"^National Quality Inspection Base")).wait_for()
    query = parse_qs(urlparse(page.url).query)
    assert query["track"] == ["testing"] and query["sel"] == ["T4-1"] and query["colour"] == ["zone"]
    browse.shot("shared_link")


def test_export_downloads_geojson_that_parses(browse, tmp_path):
    page = browse.go("/export?lang=en&track=digital")
    # 表5 has a point (T5-2, area unknown): one GeoJSON file holds the polygons and the point (RFC 7946)
    button = page.get_by_role("button", name=re.compile(r"^Download parcels_EPSG4326_示意\.geojson"))
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "parcels_EPSG4326_示意.geojson"
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    collection = json.loads(path.read_text(encoding="utf-8"))
    ids = sorted(f["properties"]["project_id"] for f in collection["features"])
    assert ids == [f"T5-{i}" for i in range(1, 9)]  # the sidebar's filter applied
    assert [f["geometry"]["type"] for f in collection["features"]].count("Point") == 1
    assert "crs" not in collection  # RFC 7946
    browse.shot("export")


def test_other_pages_render_offline(browse, offline):
    for path, title in (
        ("/totals?lang=en", "Totals: tables, text and map reconciled"),
        ("/parcels?lang=en", "Platform projects and parcels"),
        ("/about?lang=en", "About this app"),
    ):
        page = browse.go(path)
        assert page.locator("h1").first.inner_text() == title
        browse.shot(path.split("?")[0].strip("/"))
    assert offline.blocked == []
