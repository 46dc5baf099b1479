"""The allocation raster section (track codes + output per mu as COGs), shared by the Raster and Export pages."""

from __future__ import annotations

import streamlit as st

from geo.errors import GeoError
from geo.raster.allocation import CELL_RANGE_M, DEFAULT_CELL_M, allocation_zip, rasterize_parcels
from ui import data
from ui.i18n import t
from ui.safe import md

#: Session key of the last allocation raster made: (raster, zip bytes).
EXPORT_KEY = "raster_export"


def render() -> None:
    """Cell size, a button that rasterises the parcels in use, the area check and the download."""
    st.subheader(t("raster_export"))
    st.caption(t("raster_export_note"))
    cell = st.number_input(t("raster_cell"), min_value=CELL_RANGE_M[0], max_value=CELL_RANGE_M[1],
                           value=DEFAULT_CELL_M, step=5.0, key="raster_cell")
    if st.button(t("raster_make"), key="raster_make"):
        try:
            raster = rasterize_parcels(data.parcels(), data.tracks(), cell=cell)
            st.session_state[EXPORT_KEY] = (raster, allocation_zip(raster))
        except GeoError as exc:
            st.error(md(exc))
    made = st.session_state.get(EXPORT_KEY)
    if made is None:
        return
    raster, payload = made
    rows, cols = raster.shape
    summary = raster.summary()
    st.caption(t("raster_grid", cols=cols, rows=rows, cell=raster.cell,
                 skipped=", ".join(raster.skipped) or t("raster_none_skipped")))
    st.markdown(t("raster_check", raster=summary["raster_mu"], vector=summary["vector_mu"]))
    if summary["outside"]:
        st.warning(t("raster_check_bad", ids=", ".join(summary["outside"])))
    else:
        st.success(t("raster_check_ok"))
    columns = {"project_id": "raster_col_project", "cells": "raster_col_cells", "raster_mu": "raster_col_raster",
               "vector_mu": "raster_col_vector", "difference_mu": "raster_col_diff", "bound_mu": "raster_col_bound",
               "within": "raster_col_within"}
    table = raster.check[list(columns)].rename(columns={k: t(v) for k, v in columns.items()})
    st.dataframe(table, hide_index=True, key="raster_check_table")
    st.download_button(t("raster_download"), data=payload, file_name="allocation.zip", mime="application/zip",
                       key="raster_download")
