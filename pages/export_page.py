"""Export page: layers, format, CRS, filters; the same writer (geo.io.export) as the CLI."""

from __future__ import annotations

import streamlit as st

from geo.crs import EXPORT_CRS, WGS84
from geo.errors import GeoError
from geo.io.export import FORMATS, export_bytes
from geo.plan.projects import filter_projects
from ui import allocation, data, state
from ui.i18n import bind, pick, t
from ui.safe import md

LOADERS = {
    "parcels": data.parcels,
    "zones": data.zones,
    "places": data.places,
    "districts": data.districts,
    "metro": data.metro,
}

view = state.view()
st.title(t("export_title"))
st.caption(t("export_intro"))

chosen = st.multiselect(
    t("export_layers"), list(LOADERS), default=["parcels"], key="export_layers",
    format_func=bind(LOADERS, lambda k: t(f"layer_{k}")), placeholder=t("choose"),
)
fmt = st.radio(
    t("export_format"), list(FORMATS), key="export_format", horizontal=True,
    format_func=bind(FORMATS, lambda k: pick(FORMATS[k].label_zh, FORMATS[k].label_en)),
)
crs_choices = [WGS84] if fmt == "geojson" else list(EXPORT_CRS)
crs = st.selectbox(
    t("export_crs"), crs_choices, key=f"export_crs_{fmt == 'geojson'}",
    format_func=bind(crs_choices, lambda k: f"{pick(*EXPORT_CRS[k])} ({k})"),
)
if fmt == "geojson":
    st.caption(t("export_geojson_wgs84"))
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
    try:
        payload, file_name = export_bytes(layers, fmt=fmt, crs=crs, name="gaoxin_" + "_".join(layers))
    except GeoError as exc:
        st.error(md(exc))
    else:
        st.download_button(
            t("export_download", name=file_name), payload, file_name=file_name, mime=FORMATS[fmt].mime,
            key="export_download", type="primary", on_click="ignore",
        )

allocation.render()
