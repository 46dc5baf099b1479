"""geo.mapview.embed and ui/map_element: what the page's map element sends to the browser."""

from __future__ import annotations

import re

import folium
import pytest
from streamlit.testing.v1 import AppTest

import layers
from geo.errors import UsageError
from geo.mapview import build_map
from geo.mapview.embed import map_parts, signature
from tests.fixtures.map_element import map_args, painted
from tests.test_app_map import APP

PARCELS = layers.load_parcels()


def _map(**kw: object) -> folium.Map:
    return build_map(parcels=PARCELS, zones=layers.load_zones(), tracks=layers.load_tracks(), basemap="none", **kw)


def test_parts_hold_the_map_script_and_vendored_links_without_folium_head():
    parts = map_parts(_map())
    assert re.fullmatch(r"map_[0-9a-f]{32}", parts.div_id)
    assert f'var {parts.div_id} = L.map(\n                "{parts.div_id}"' in parts.script
    assert parts.script.count('"project_id":') == len(PARCELS)
    assert parts.js[0] == "/app/static/vendor/leaflet/leaflet.js" and parts.css[0].endswith("leaflet.css")
    assert "html, body" not in parts.script and "<script" not in parts.script  # no page-wide style, no tags
    assert parts.overlay is None


def test_the_same_map_built_twice_has_one_signature_and_another_map_another():
    first, again = map_parts(_map()), map_parts(_map())
    assert first.div_id != again.div_id and first.script != again.script  # Folium's random names differ…
    assert first.signature == again.signature  # …but the page keeps the map it has
    assert map_parts(_map(selected="T2-3")).signature != first.signature
    assert signature("var tile_layer_" + "a" * 32 + "_layers = 1;") == signature("var tile_layer_" + "b" * 32
                                                                                 + "_layers = 1;")


def test_overlay_is_its_own_script_and_leaves_the_map_as_it_was():
    m = _map()
    group = folium.FeatureGroup(name="in view", control=False)
    folium.CircleMarker((29.58, 106.33), radius=4).add_to(group)
    parts = map_parts(m, overlay=group)
    assert parts.overlay is not None and parts.overlay.endswith(f"return {group.get_name()};")
    assert f"{group.get_name()}.addTo({m.get_name()});" in parts.overlay  # added to the live map
    assert "circle_marker_" in parts.overlay and "circle_marker_" not in parts.script
    assert group.get_name() not in m._children
    assert map_parts(m).script == parts.script  # rendering the overlay changed nothing of the map


def test_a_remote_asset_is_refused():
    m = _map()
    m.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
    with pytest.raises(UsageError, match=r"cdn\.jsdelivr\.net"):
        map_parts(m)


def test_a_click_on_the_plan_map_selects_the_parcel_under_it():
    """The browser's click trigger, given as the element's value, selects T2-3 and updates the link."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["basemap"] = "none"
    painted(at.run())
    point = PARCELS.set_index("project_id").geometry["T2-3"].representative_point()
    at.session_state["map"] = {"clicked": {"lat": point.y, "lng": point.x, "at": 1}}
    at.run()
    assert not at.exception
    assert at.subheader[0].value == "科学谷前沿科技孵化片区 (Science Valley Frontier Technology Incubation Area)"
    assert at.query_params["sel"] == "T2-3"
    assert "selected = \"T2-3\";" in map_args(at)["script"]
    at.button(key="clear_sel").click().run()  # the click was reported once: clearing the selection sticks
    assert at.query_params.get("sel") is None and at.info[0].value.startswith("在地图上点击一个地块")
