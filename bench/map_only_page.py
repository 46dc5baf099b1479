"""A page with a title and the plan map only, drawn by the app's map element (:mod:`bench.app_open`).

Measures the map element's own cost, apart from the rest of the app's page
(sidebar, navigation, legend, detail panel). ``bench/static`` links to the
app's ``static/`` so the vendored Leaflet is served here too.
"""

import streamlit as st

import layers
from geo.mapview import build_map
from geo.mapview.embed import MapParts, map_parts
from ui import map_element


@st.cache_data(show_spinner=False)
def parts(base: str) -> MapParts:
    """The plan map of the app's default view (all parcels, districts and metro lines, OpenStreetMap)."""
    return map_parts(build_map(parcels=layers.load_parcels(), zones=layers.load_zones(), tracks=layers.load_tracks(),
                               districts=layers.load_districts(), metro=layers.load_metro(), basemap="osm",
                               asset_base=base))


st.title("map only")
map_element.show_map(parts(map_element.asset_base()), key="map", height=600)
