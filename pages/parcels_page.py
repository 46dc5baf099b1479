"""Parcels page: every project, declared vs measured mu, output, output per mu; linked to the map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.plan.projects import NO_ZONE, filter_projects, project_table
from ui import auth, data, state
from ui.detail import region_name
from ui.i18n import lang, pair, pick, t

auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
view = state.view()
st.title(t("parcels_title"))
st.caption(t("parcels_intro"))

parcels = data.parcels()
shown = filter_projects(parcels, tracks=view.track, zones=view.zone, regions=view.region, search=view.q)
table = project_table(shown)
st.caption(t("shown_of", shown=len(shown), total=len(parcels)))

tracks = {r.track_id: pick(r.name_zh, r.name_en) for r in data.tracks().itertuples()}
zones = {r.zone_id: pick(r.name_zh, r.name_en) for r in data.zones().itertuples()} | {NO_ZONE: t("no_zone")}
first, second = ("name_zh", "name_en") if lang() == "zh" else ("name_en", "name_zh")
frame = pd.DataFrame({
    t("project_id"): table["project_id"],
    t("col_name"): table[first],
    t("col_other_name"): table[second],
    t("track"): table["track_id"].map(tracks),
    t("zone"): table["zone_id"].map(zones),
    t("region"): table["region_zh"].map(region_name),
    t("col_declared"): table["declared_mu"].astype(float),
    t("col_measured"): table["measured_mu"].astype(float),
    t("col_output"): table["output_yi"].astype(float),
    t("col_opm"): table["output_per_mu"].astype(float),
    t("source"): [s if lang() == "zh" or pd.isna(tb) else t("table_row", table=tb, row=r)
                  for s, tb, r in zip(table["source"], table["table"], table["row"], strict=True)],
    t("col_geometry"): table["geometry_basis"].map(lambda b: t(f"term_{b}") if isinstance(b, str) else "—"),
})
one = st.column_config.NumberColumn(format="%.1f")
event = st.dataframe(
    frame, hide_index=True, width="stretch", key="parcels_table", on_select="rerun", selection_mode="single-row",
    placeholder="——",  # an empty cell shows the plan's "unknown", not Streamlit's "None"
    column_config={t(k): one for k in ("col_declared", "col_measured", "col_output")}
    | {t("col_opm"): st.column_config.NumberColumn(format="%.0f")},
)

rows = event.selection.rows if event is not None else []
if rows:
    chosen = table.iloc[rows[0]]
    st.write(t("selected_is", name=pair(chosen["name_zh"], chosen["name_en"])))
    if st.button(t("show_on_map"), key="show_on_map", type="primary"):
        state.select(str(chosen["project_id"]))
        st.switch_page("pages/map_page.py")
else:
    st.caption(t("select_row"))
