"""The one sidebar every page shares: language, basemap, colour, filters, context layers.

Drawn by ``app.py`` before the page runs; pages read the result with
:func:`ui.state.view`. Widget values live in session state under the keys of
:data:`ui.state.PARAMS`, so they survive page changes and go into the URL.

Every option is shown in the chosen language, and stays so when the language
changes: Streamlit keeps a keyed widget's chosen option as the label it had
when it was chosen, so on a change of language each widget's value is set
again (:func:`ui.i18n.relabel`), which makes Streamlit send the new label.
"""

from __future__ import annotations

import streamlit as st

from geo.mapview.basemaps import BASEMAPS, CUSTOM, available_basemaps, get_basemap, tiles_problem
from geo.plan.projects import COLOUR_BY, NO_ZONE, distinct
from ui import data
from ui.detail import region_name
from ui.i18n import LANGS, bind, pick, relabel, t
from ui.safe import md

CONTEXT_LAYERS = ("places", "districts", "metro")
#: The sidebar's widgets whose options are labelled in the chosen language.
WIDGETS = ("w_basemap", "w_colour", "w_track", "w_zone", "w_region", "w_ctx")


def choices() -> dict[str, list[str]]:
    """Allowed values of every URL parameter that has a fixed set."""
    parcels = data.indicative_parcels()
    return {
        "lang": list(LANGS),
        "basemap": available_basemaps(keys=data.tile_keys()),
        "colour": list(COLOUR_BY),
        "track": list(data.tracks()["track_id"]),
        "zone": [*data.zones()["zone_id"], NO_ZONE],
        "region": distinct(parcels, "region_zh"),
        "ctx": list(CONTEXT_LAYERS),
        "sel": list(parcels["project_id"]),
    }


def basemap_name(key: str) -> str:
    """A basemap's name in the chosen language (``custom``: the tiles ``GEO_TILES`` configures)."""
    basemap = get_basemap(key) if key == CUSTOM else BASEMAPS[key]
    return pick(basemap.name_zh, basemap.name_en)


def render() -> None:
    """Draw the sidebar (after :func:`ui.state.restore_from_url`)."""
    allowed = choices()
    tracks = data.tracks().set_index("track_id")
    zones = data.zones().set_index("zone_id")
    sb = st.sidebar
    sb.radio(t("language"), list(LANGS), format_func=LANGS.__getitem__, key="w_lang", horizontal=True)
    relabel(WIDGETS)
    sb.selectbox(t("basemap"), allowed["basemap"], key="w_basemap", placeholder=t("choose_one"),
                 format_func=bind(allowed["basemap"], basemap_name))
    if problem := tiles_problem():  # GEO_TILES set but unusable: say so, draw no tiles
        sb.warning(t("tiles_bad", problem=md(problem)))  # the URL is the administrator's text: never Markdown
    sb.selectbox(t("colour_by"), allowed["colour"], key="w_colour", placeholder=t("choose_one"),
                 format_func=bind(allowed["colour"], lambda k: t(f"colour_{k}")))
    sb.subheader(t("filters"))
    sb.multiselect(t("filter_track"), allowed["track"], key="w_track", placeholder=t("choose"),
                   format_func=bind(allowed["track"], lambda k: pick(tracks.at[k, "name_zh"], tracks.at[k, "name_en"])))
    sb.multiselect(t("filter_zone"), allowed["zone"], key="w_zone", placeholder=t("choose"),
                   format_func=bind(allowed["zone"], lambda k: t("no_zone") if k == NO_ZONE
                                    else pick(zones.at[k, "name_zh"], zones.at[k, "name_en"])))
    sb.multiselect(t("filter_region"), allowed["region"], key="w_region", placeholder=t("choose"),
                   format_func=bind(allowed["region"], region_name))
    sb.text_input(t("search"), key="w_q", help=t("search_help"))
    sb.multiselect(t("context_layers"), allowed["ctx"], key="w_ctx", placeholder=t("choose"),
                   format_func=bind(allowed["ctx"], lambda k: t(f"layer_{k}")))
    sb.caption(t("share_link"))
    sb.caption(t("indicative_note"))
