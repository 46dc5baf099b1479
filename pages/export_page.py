"""Export page: layers, format, CRS, filters; the same writer (geo.io.export) as the CLI; then Convert a file."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import streamlit as st

import layers as plan_layers
from geo.crs import EXPORT_CRS
from geo.errors import GeoError
from geo.io.export import FORMATS, crs_options, export_bytes, left_out
from geo.plan.projects import filter_projects
from ui import allocation, convert, data, state
from ui.i18n import bind, pick, t
from ui.safe import md

LOADERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "parcels": data.parcels,
    "zones": data.zones,
    "places": data.places,
    "districts": data.districts,
    "metro": data.metro,
}
ENCODINGS = {"UTF-8": ("UTF-8", "UTF-8"), "GBK": ("GBK（旧版 ArcMap）", "GBK (old ArcMap)")}

view = state.view()
st.title(t("export_title"))
st.caption(t("export_intro"))
st.caption(t("export_styles_note"))

chosen = st.multiselect(
    t("export_layers"), list(LOADERS), default=["parcels"], key="export_layers",
    format_func=bind(LOADERS, lambda k: t(f"layer_{k}")), placeholder=t("choose"),
)
fmt = st.radio(
    t("export_format"), list(FORMATS), key="export_format", horizontal=True,
    format_func=bind(FORMATS, lambda k: pick(FORMATS[k].label_zh, FORMATS[k].label_en)),
)
spec = FORMATS[fmt]
crs_choices = crs_options(fmt)
crs = st.selectbox(
    t("export_crs"), crs_choices, key=f"export_crs_{spec.crs_kind}",
    format_func=bind(crs_choices, lambda k: f"{pick(*EXPORT_CRS[k])} ({k})"),
)
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
    left = [item for gdf in layers.values() for item in left_out(fmt, gdf)]
    if left:
        st.caption(convert.plain(t("export_left_out", items="; ".join(left))))
    try:
        payload, file_name = export_bytes(layers, fmt=fmt, crs=crs, options=plan_layers.export_options(),
                                          encoding=encoding)
    except GeoError as exc:
        st.error(md(exc))
    else:
        st.download_button(
            t("export_download", name=file_name), payload, file_name=file_name, mime=spec.mime,
            key="export_download", type="primary", on_click="ignore",
        )

allocation.render()
convert.render()
