"""The map on an intranet: with every external request blocked it still shows districts and parcels.

No tile source configured: the map opens with no basemap (nothing is asked of
the internet) and its canvas holds the districts' grey outlines and the
parcels' colours, not a grey square. A configured tile server (``GEO_TILES``)
that cannot be reached: its tiles fail, the same layers stay drawn and the
minimap (whose tiles fail too) is hidden rather than a blank square.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

import layers
from tests.e2e.conftest import Browse, serve_app

ALL_IDS = set(layers.load_parcels()["project_id"])
TILES = "http://tiles.intranet.invalid/tiles/{z}/{x}/{y}.png"

#: What the map's vector canvas holds: painted pixels, pixels of the districts' grey (#666666) outline and
#: coloured (saturated) pixels of parcels; and how many district features Leaflet has.
CANVAS_JS = """() => {
    const out = {painted: 0, grey: 0, coloured: 0, canvases: 0, districts: 0, tiles: 0};
    window.map.eachLayer(l => { if (l.feature && l.feature.properties._c === 'districts') out.districts++; });
    out.tiles = document.querySelectorAll('.geo-map img.leaflet-tile').length;
    document.querySelectorAll('.geo-map .leaflet-overlay-pane canvas').forEach(c => {
        out.canvases++;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) {
            const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
            if (a === 0) continue;
            out.painted++;
            if (a > 150 && Math.abs(r - 102) < 6 && Math.abs(g - 102) < 6 && Math.abs(b - 102) < 6) out.grey++;
            if (Math.max(r, g, b) - Math.min(r, g, b) > 60) out.coloured++;
        }
    });
    return out;
}"""


def _painted(browse: Browse) -> dict[str, int]:
    frame = browse.map_frame()
    assert Counter(browse.drawn_projects(frame)) == Counter(ALL_IDS)  # every parcel on the map
    return frame.evaluate(CANVAS_JS)


def test_with_tiles_blocked_the_default_map_shows_districts_and_parcels(browse, offline):
    page = browse.go("/")  # no GEO_TILES on this server: no basemap by default
    seen = _painted(browse)
    assert seen["tiles"] == 0 and seen["canvases"] >= 1, seen
    assert seen["districts"] > 0 and seen["grey"] > 200, seen  # district outlines drawn
    assert seen["coloured"] > 2000, seen  # parcels filled in their colours: not a grey-only map
    assert offline.blocked == []  # nothing was asked of the internet
    assert "basemap=" not in page.url
    browse.shot("map_intranet_default")


@pytest.fixture(scope="module")
def tiles_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with ``GEO_TILES`` naming a tile server no one can reach."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEO_TILES", TILES)
        mp.setenv("GEO_TILES_ATTRIBUTION", "内网瓦片服务")
        mp.delenv("GEO_TILES_GCJ02", raising=False)
        workspace: Path = tmp_path_factory.mktemp("tiles-workspace")
        with serve_app(workspace, log_name="e2e-intranet-tiles.log") as url:
            yield url


def test_an_unreachable_tile_server_leaves_districts_and_parcels_drawn(page, offline, tiles_url):
    browse = Browse(page, tiles_url)
    browse.go("/")  # GEO_TILES is the default basemap
    seen = _painted(browse)
    page.main_frame.wait_for_function("() => document.querySelectorAll('img.leaflet-tile').length > 0")
    hosts = {urlparse(u).hostname for u in offline.blocked}
    assert hosts == {"tiles.intranet.invalid"}, offline.blocked  # only the configured tiles were asked for
    assert seen["districts"] > 0 and seen["grey"] > 200 and seen["coloured"] > 2000, seen
    assert page.locator(".leaflet-control-attribution").first.inner_text().count("内网瓦片服务") == 1
    minimap = page.locator(".geo-map .leaflet-control-minimap")
    assert minimap.count() == 1
    minimap.wait_for(state="hidden")  # its tiles failed: hidden, not a blank square
    browse.shot("map_intranet_tiles_unreachable")
