"""Map page: zones, parcels by track, context layers; click a parcel for its details; print the view."""

from __future__ import annotations

import datetime as dt
from functools import partial

import geopandas as gpd
import streamlit as st

from geo.mapview import build_map
from geo.mapview.basemaps import get_basemap
from geo.mapview.embed import MapParts, map_parts
from geo.mapview.paper import FORMATS, ORIENTATIONS, PAPER_MM, Paper
from geo.plan.projects import NO_ZONE, filter_projects, resolve_click
from ui import auth, data, detail, legend, map_element, state
from ui.i18n import bind, lang, pick, t

FIGURE_DPI = 200


@st.cache_data(show_spinner=False, max_entries=8)
def _figure(key: str, fmt: str, size: str, orientation: str, language: str, filters: str,
            ctx: tuple[str, ...], day: str, _shown: gpd.GeoDataFrame) -> bytes:
    """The print map of the shown parcels (cached per parcels, options and day: the page prints the date).

    The engine (matplotlib) is imported here, when a button is clicked, not when the map page loads.
    """
    from geo.mapview.figure import plan_figure

    plan = data.plan_info()
    return plan_figure(
        _shown, tracks=data.tracks(), title=str(plan[f"title_{language}"]), period=str(plan["period"]),
        zones=data.zones(), districts=data.districts() if "districts" in ctx else None,
        metro=data.metro() if "metro" in ctx else None, total=len(data.parcels()), filters=filters,
        lang=language, paper=Paper(size, orientation, FIGURE_DPI), fmt=fmt, printed=dt.date.fromisoformat(day),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _plan_map(key: str, view: state.View, base: str, _shown: gpd.GeoDataFrame) -> MapParts:
    """The plan map of the shown parcels, as the browser receives it (cached per parcels and view).

    Building and rendering the Folium map is most of the page's server time;
    a new session opening the usual view gets it from here.
    """
    return map_parts(build_map(
        parcels=_shown,
        zones=data.zones(),
        tracks=data.tracks(),
        places=data.places() if "places" in view.ctx else None,
        districts=data.districts() if "districts" in view.ctx else None,
        metro=data.metro() if "metro" in view.ctx else None,
        basemap=view.basemap,
        colour_by=view.colour,
        lang=view.lang,
        selected=view.sel or None,
        tile_keys=data.tile_keys(),
        asset_base=base,
    ))


def _filters_text(view: state.View) -> str:
    """The view's filters in words, for the print map's subtitle (empty when nothing is filtered)."""
    tracks = data.tracks().set_index("track_id")
    zones = data.zones().set_index("zone_id")
    items = [pick(tracks.at[k, "name_zh"], tracks.at[k, "name_en"]) for k in view.track if k in tracks.index]
    items += [t("no_zone") if k == NO_ZONE else pick(zones.at[k, "name_zh"], zones.at[k, "name_en"])
              for k in view.zone if k == NO_ZONE or k in zones.index]
    items += list(view.region)
    if view.q:
        items.append(t("fig_search", q=view.q))
    return t("fig_filters", items="、".join(items) if lang() == "zh" else ", ".join(items)) if items else ""


def print_panel(view: state.View, shown: gpd.GeoDataFrame) -> None:
    """Paper and orientation, and the PNG / PDF buttons; the file is drawn only when a button is clicked."""
    with st.expander(t("fig_title")):
        st.caption(t("fig_help"))
        c = st.columns(2)
        size = c[0].selectbox(t("fig_size"), list(PAPER_MM), key="fig_size", placeholder=t("choose_one"))
        orientation = c[1].selectbox(t("fig_orientation"), list(ORIENTATIONS), placeholder=t("choose_one"),
                                     key="fig_orientation", format_func=bind(ORIENTATIONS, lambda o: t(f"fig_{o}")))
        key, filters, day = data.plan_key() + data.fingerprint(shown), _filters_text(view), dt.date.today().isoformat()
        buttons = st.columns(2)
        for col, fmt in zip(buttons, FORMATS, strict=True):
            col.download_button(
                t("fig_png", dpi=FIGURE_DPI) if fmt == "png" else t("fig_pdf"),
                data.in_plan(partial(_figure, key, fmt, size, orientation, lang(), filters, view.ctx, day, shown)),
                file_name=f"gaoxin_map_{size}_{orientation}.{fmt}", mime=FORMATS[fmt], key=f"fig_dl_{fmt}",
                on_click="ignore",
            )


def detail_panel(view: state.View, shown: gpd.GeoDataFrame) -> None:
    """The selected parcel's details (or how to select one), beside the map."""
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


auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
view = state.view()
parcels = data.parcels()
shown = filter_projects(parcels, tracks=view.track, zones=view.zone, regions=view.region, search=view.q)

st.title(t("map_title"))
st.caption(f"{t('map_help')} {t('shown_of', shown=len(shown), total=len(parcels))}")

parts = _plan_map(data.plan_key() + data.fingerprint(shown), view, map_element.asset_base(), shown)

first = map_element.map_first(map_element.PLAN_MAP)  # the session's first map: drawn alone, the rest next run
left, right = st.columns([3, 2], gap="medium")
with left:
    click = map_element.show_map(parts, key=map_element.PLAN_MAP, height=600, report_drawn=first).clicked
    if not first:
        legend.render(view.colour)
        print_panel(view, shown)

if click:
    hit = resolve_click(shown, lon=click["lng"], lat=click["lat"], shift=get_basemap(view.basemap).shift)
    if hit != (view.sel or None):
        state.select(hit)
        st.rerun()

if not first:
    with right:
        detail_panel(view, shown)
