"""栅格叠加 / Raster overlay: a user's GeoTIFF over the zones and parcels, and the allocation raster.

The page only composes widgets: reading the GeoTIFF (in a temporary folder),
reprojecting and colouring it is :mod:`geo.raster.overlay`; drawing it is
:mod:`geo.mapview.raster`; the allocation raster is :mod:`geo.raster.allocation`.
"""

from __future__ import annotations

import html

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo.errors import GeoError
from geo.mapview import build_map
from geo.mapview.basemaps import get_basemap
from geo.mapview.embed import map_parts
from geo.mapview.raster import PANES, add_raster_overlay
from geo.plan.projects import filter_projects
from geo.raster.overlay import RasterOverlay, overlay_from_upload
from ui import allocation, auth, data, legend, map_element, state, uploader
from ui.i18n import error_text, t
from ui.safe import md

#: Session key: the overlay of the current upload (by file id).
OVERLAY_KEY = "raster_overlay"


def _overlay(upload: UploadedFile) -> RasterOverlay | None:
    """The overlay of ``upload``, read once per uploaded file; errors shown, not raised."""
    cached = st.session_state.get(OVERLAY_KEY)
    result: RasterOverlay | str  # the overlay, or the message of the error reading it
    if cached is not None and cached[0] == upload.file_id:
        result = cached[1]
    else:
        try:
            result = overlay_from_upload(upload.name, upload)
        except GeoError as exc:
            result = error_text(exc)
        st.session_state[OVERLAY_KEY] = (upload.file_id, result)
    if isinstance(result, str):
        st.error(md(result))
        return None
    return result


def _describe(overlay: RasterOverlay) -> None:
    width, height = overlay.source_size
    st.caption(t("raster_info", name=md(overlay.source), width=f"{width:,}", height=f"{height:,}",
                 bands=overlay.band_count, crs=md(overlay.source_crs), factor=overlay.overview_factor,
                 out_w=overlay.width, out_h=overlay.height))
    lg = overlay.legend
    if lg.kind == "ramp":
        st.markdown(t("raster_range", vmin=lg.vmin, vmax=lg.vmax, dmin=lg.data_min, dmax=lg.data_max))
    else:
        st.caption(t(f"raster_{lg.kind}"))


#: The largest GeoTIFF taken, in MB (issue 6; the same as server.maxUploadSize in .streamlit/config.toml).
RASTER_MB = 1024

auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
st.title(t("raster_title"))
st.caption(t("raster_intro"))
view = state.view()
upload = uploader.file_uploader(t("raster_upload"), types=["tif", "tiff"], key="raster_file", max_mb=RASTER_MB,
                                help=t("raster_upload_help"))
left, right = st.columns(2)
opacity = left.slider(t("raster_opacity"), min_value=0.0, max_value=1.0, value=0.7, step=0.05, key="raster_opacity")
positions = {key: t(f"raster_pos_{key}") for key in PANES}  # labels bound now, not at format time
position = right.radio(t("raster_position"), list(positions), format_func=positions.__getitem__,
                       horizontal=True, key="raster_position")
overlay = _overlay(upload) if upload is not None else None

parcels = filter_projects(data.parcels(), tracks=view.track, zones=view.zone, regions=view.region, search=view.q)
context = {key: getattr(data, key)() if key in view.ctx else None for key in ("places", "districts", "metro")}
try:
    fmap = build_map(parcels=parcels, zones=data.zones(), tracks=data.tracks(), basemap=view.basemap,
                     colour_by=view.colour, lang=view.lang, tile_keys=data.tile_keys(),
                     places=context["places"], districts=context["districts"], metro=context["metro"],
                     asset_base=map_element.asset_base())
    if overlay is not None:
        # Leaflet's layer control shows layer names as HTML: the file name is escaped
        add_raster_overlay(fmap, overlay, name=html.escape(t("raster_layer", name=overlay.source)), opacity=opacity,
                           position=position, shift=get_basemap(view.basemap).shift, legend_title=overlay.source)
except GeoError as exc:
    st.error(md(exc))
else:
    map_element.show_map(map_parts(fmap), key="raster_map", height=560)
legend.render(view.colour)
if overlay is None:
    st.info(t("raster_none"))
else:
    _describe(overlay)
allocation.render()
