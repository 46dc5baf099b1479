"""Map page: zones, parcels by track, context layers; click a parcel for its details."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.mapview.basemaps import get_basemap
from geo.mapview import build_map
from geo.plan.projects import filter_projects, resolve_click
from ui import data, detail, legend, state
from ui.i18n import lang, t

view = state.view()
parcels = data.parcels()
shown = filter_projects(parcels, tracks=view.track, zones=view.zone, regions=view.region, search=view.q)

st.title(t("map_title"))
st.caption(f"{t('map_help')} {t('shown_of', shown=len(shown), total=len(parcels))}")

m = build_map(
    parcels=shown,
    zones=data.zones(),
    tracks=data.tracks(),
    places=data.places() if "places" in view.ctx else None,
    districts=data.districts() if "districts" in view.ctx else None,
    metro=data.metro() if "metro" in view.ctx else None,
    basemap=view.basemap,
    colour_by=view.colour,
    lang=lang(),
    selected=view.sel or None,
    tile_keys=data.tile_keys(),
)

left, right = st.columns([3, 2], gap="medium")
with left:
    result = st_folium(m, key="map", height=600, use_container_width=True, returned_objects=["last_clicked"])
    legend.render(view.colour)

click = (result or {}).get("last_clicked")
if click and click != st.session_state.get("_last_click"):
    st.session_state["_last_click"] = click
    hit = resolve_click(shown, lon=click["lng"], lat=click["lat"], shift=get_basemap(view.basemap).shift)
    if hit != (view.sel or None):
        state.select(hit)
        st.rerun()

with right:
    st.header(t("detail_title"))
    if view.sel:
        if view.sel not in set(shown["project_id"]):
            st.warning(t("detail_filtered_out", pid=view.sel))
        detail.render(view.sel)
        if st.button(t("detail_clear"), key="clear_sel"):
            state.select(None)
            st.rerun()
    else:
        st.info(t("detail_none"))
