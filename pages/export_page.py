"""Export page: layers, format, CRS, filters; the same writer (geo.io.export) as the CLI; then Convert a file."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import streamlit as st

import layers as plan_layers
from geo.crs import EXPORT_CRS
from geo.errors import GeoError
from geo.i18n import pair
from geo.io.export import FORMATS, crs_options, export_bytes, notes
from geo.plan.projects import filter_projects
from ui import allocation, auth, convert, data, state
from ui.i18n import bind, pick, t
from ui.safe import md

LOADERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "parcels": data.parcels,
    "zones": data.zones,
    "places": data.places,
    "districts": data.districts,
    "metro": data.metro,
}
ENCODINGS = {"UTF-8": ("UTF-8", "UTF-8"), "GBK": pair("export.encoding_gbk")}

auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
view = state.view()
st.title(t("export_title"))
st.caption(t("export_intro"))
with st.expander(t("export_gis")):  # file fields and commands: for GIS staff, not on the page itself
    st.markdown(t("export_gis_text"))
st.caption(t("export_styles_note"))

chosen = st.multiselect(t("export_layers"), list(LOADERS), placeholder=t("export_choose_layers"),
                        default=["parcels"], key="export_layers", format_func=bind(LOADERS, lambda k: t(f"layer_{k}")))
fmt = st.radio(
    t("export_format"), list(FORMATS), key="export_format", horizontal=True,
    format_func=bind(FORMATS, lambda k: pick(FORMATS[k].label_zh, FORMATS[k].label_en)),
)
spec = FORMATS[fmt]
crs_choices = crs_options(fmt)
crs = st.selectbox(t("export_crs"), crs_choices, placeholder=t("choose_one"), key=f"export_crs_{spec.crs_kind}",
                   format_func=bind(crs_choices, lambda k: f"{pick(*EXPORT_CRS[k])} ({k})"))
if spec.crs_kind == "wgs84":
    st.caption(t("export_crs_wgs84", fmt=pick(spec.label_zh, spec.label_en)))
elif spec.crs_kind == "projected":
    st.caption(t("export_crs_projected"))
encoding = "UTF-8"
if len(spec.encodings) > 1:
    encoding = st.radio(
        t("export_encoding"), list(spec.encodings), key="export_encoding", horizontal=True,
        format_func=bind(ENCODINGS, lambda k: pick(*ENCODINGS[k])), help=t("export_encoding_help"),
    )
filtered = st.checkbox(t("export_filtered"), value=True, key="export_filtered")

layers = {name: LOADERS[name]() for name in chosen}
if filtered and "parcels" in layers:
    layers["parcels"] = filter_projects(
        layers["parcels"], tracks=view.track, zones=view.zone, regions=view.region, search=view.q
    )

if not layers:
    st.info(t("export_none"))
else:
    st.write(t("export_counts", items=", ".join(f"{t('layer_' + k)} {len(v)}" for k, v in layers.items())))
    for note in notes(fmt, layers):  # what the format splits or leaves out
        st.caption(convert.plain(pick(note.zh, note.en)))
    try:
        payload, file_name = export_bytes(layers, fmt=fmt, crs=crs, options=plan_layers.export_options(),
                                          encoding=encoding)
        bundled = None
        if spec.sidecars and file_name.endswith(spec.suffix):  # the .csv alone; its .prj/.csvt in a zip beside
            bundled = export_bytes(layers, fmt=fmt, crs=crs, options=plan_layers.export_options(),
                                   encoding=encoding, sidecars=True)
    except GeoError as exc:
        st.error(md(exc))
    else:
        st.download_button(
            t("export_download", name=file_name), payload, file_name=file_name,
            mime=spec.mime if file_name.endswith(spec.suffix) else "application/zip",
            key="export_download", type="primary", on_click="ignore",
        )
        if bundled is not None:
            st.download_button(
                t("export_download_sidecars", name=bundled[1], sidecars="/".join(spec.sidecars)), bundled[0],
                file_name=bundled[1], mime="application/zip", key="export_download_sidecars", on_click="ignore",
            )

allocation.render()
convert.render()
