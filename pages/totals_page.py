"""Totals page: land and output per track and zone, from the tables, the text and the map."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from geo.plan.projects import NO_ZONE
from geo.plan.summary import COMPARISON_SERIES, comparison, land_by_zone_and_track, output_by_track, table_bytes
from ui import auth, baselines, data, state
from ui.detail import badge, fmt_value, status_text, with_status_terms
from ui.i18n import lang, pick, t
from ui.safe import md

auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
st.title(t("totals_title"))
st.caption(t("totals_intro"))
view = state.view()
if view.track or view.zone or view.region or view.q:  # the sidebar filters the map and parcels, not the plan's totals
    st.info(t("totals_whole_plan_filtered"))
else:
    st.caption(t("totals_whole_plan"))

recon = data.reconciliation()
tracks = data.tracks()
zones = data.zones()
note_col = "note_zh" if lang() == "zh" else "note"
source_col = "source_zh" if lang() == "zh" else "source"

plan = recon[recon["scope"] == "plan"].set_index("metric")
stated = plan["table_value"].astype(float).to_dict()
mapped = plan["mapped_value"].astype(float).to_dict()
cols = st.columns(3)
cols[0].metric(t("plan_land"), f"{stated['land_mu']:,.0f} {t('mu')}")
cols[1].metric(t("mapped_land"), f"{mapped['land_mu']:,.0f} {t('mu')}")
cols[2].metric(t("plan_output"), f"{stated['output_yi']:,.0f} {t('yi')}")
for metric in ("land_mu", "output_yi"):
    st.caption(f"{t('metric_' + metric)}: {md(plan.at[metric, note_col])}")

baselines.render()


def stated_text(value: object, measure: object) -> str:
    """The text's figure with what it measures: ``50（营收）`` / ``50 (revenue)``."""
    shown = fmt_value(value, missing=t("not_stated_value"))
    if not isinstance(measure, str) or not isinstance(value, (int, float)) or value != value:
        return shown
    term = t(f"term_{measure}")
    return t("stated_with_measure", value=shown, measure=term)


#: Bar colours of table / text / map (the same in both charts).
SERIES_COLOURS = {"table": "#4c78a8", "text": "#f58518", "map": "#54a24b"}


def comparison_chart(scope: str) -> None:
    """Grouped bars of land (mu) per track or zone: table sum, the text's figure, the mapped area.

    Built from the reconciliation rows (:func:`geo.plan.summary.comparison`):
    a figure that is unknown ("——") or not stated has no bar, never a bar of 0.
    """
    rows = comparison(recon, scope=scope, metric="land_mu")
    labels = {key: t(f"{column}") for column, key in COMPARISON_SERIES.items()}
    names = [pick(a, b) for a, b in zip(rows["name_zh"], rows["name_en"], strict=True)]
    shown = pd.DataFrame({
        "name": names,
        "series": rows["series"].map(labels),
        "mu": rows["value"].round(3),
        "unknown_cells": rows["unknown_count"],
    })
    if scope == "track":  # the plan's track order (tracks.csv), not the reconciliation's or the alphabet's
        rank = {k: i for i, k in enumerate(tracks["track_id"])}
        order = [pick(a, b) for _, a, b in sorted(zip(rows["key"], rows["name_zh"], rows["name_en"], strict=True),
                                                  key=lambda r: rank.get(r[0], len(rank)))]
        order = list(dict.fromkeys(order))
    else:
        order = list(dict.fromkeys(names))
    series = [labels[k] for k in COMPARISON_SERIES.values()]
    colours = [SERIES_COLOURS[k] for k in COMPARISON_SERIES.values()]
    chart = (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=0)),  # whole labels, never cut
            yOffset=alt.YOffset("series:N", sort=series),
            x=alt.X("mu:Q", title=t("mu")),
            color=alt.Color("series:N", sort=series, title=None, legend=alt.Legend(orient="bottom"),
                            scale=alt.Scale(domain=series, range=colours)),
            tooltip=[alt.Tooltip("name:N", title=t("name")), alt.Tooltip("series:N", title=t("source")),
                     alt.Tooltip("mu:Q", title=t("mu"), format=",.1f"),
                     alt.Tooltip("unknown_cells:Q", title=t("unknown_count"))],
        )
        .properties(title=t(f"chart_compare_{scope}"), height=alt.Step(11))
    )
    st.altair_chart(chart, width="stretch", key=f"compare_{scope}")
    st.caption(t("chart_compare_note"))


def section(scope: str, title: str) -> None:
    rows = recon[recon["scope"] == scope]
    shown = pd.DataFrame({
        t("name"): [pick(a, b) for a, b in zip(rows["name_zh"], rows["name_en"], strict=True)],
        t("metric"): [t("metric_" + m) for m in rows["metric"]],
        t("table_value"): [fmt_value(v) for v in rows["table_value"]],
        t("unknown_count"): rows["unknown_count"],
        t("stated_value"): [stated_text(v, m)
                            for v, m in zip(rows["stated_value"], rows["stated_measure"], strict=True)],
        t("mapped_value"): [fmt_value(v, missing="—") for v in rows["mapped_value"]],
        t("difference"): [fmt_value(v, missing="—") for v in rows["difference"]],
        t("status"): [status_text(s) for s in rows["status"]],
        t("note"): rows[note_col],
        t("source"): rows[source_col],
    })
    if scope == "zone":  # how much of each unit's land the text names and how much is put there by place
        at = list(shown.columns).index(t("mapped_value"))
        shown.insert(at, t("inferred_basis_mu"), [fmt_value(v, missing="—") for v in rows["inferred_basis_mu"]])
        shown.insert(at, t("stated_basis_mu"), [fmt_value(v, missing="—") for v in rows["stated_basis_mu"]])
    st.subheader(title)
    table, chart = st.columns([3, 2], gap="medium")
    with table:
        st.dataframe(shown, hide_index=True, width="stretch", key=f"totals_{scope}")
    with chart:
        comparison_chart(scope)
    differs = rows[rows["status"] == "differs"]
    if len(differs):
        st.markdown(f"**{t('differs_count', n=len(differs))}**")
    for r in differs.to_dict(orient="records"):
        c = st.columns([1, 5])
        with c[0]:
            badge(str(r["status"]))
        name = pick(str(r["name_zh"]), str(r["name_en"]))
        c[1].markdown(f"**{name}** · {t('metric_' + str(r['metric']))}: {r[note_col]}")


section("track", t("by_track"))
section("zone", t("by_zone"))

st.subheader(t("chart_land"))
land = land_by_zone_and_track(data.projects())
track_names = {r.track_id: pick(r.name_zh, r.name_en) for r in tracks.itertuples()}
zone_names = {r.zone_id: pick(r.name_zh, r.name_en) for r in zones.itertuples()} | {NO_ZONE: t("no_zone")}
colours = dict(zip(tracks["track_id"], tracks["color"], strict=True))
order = [c for c in tracks["track_id"] if c in land.columns]  # the plan's track order (tracks.csv)
zone_order = [zone_names[z] for z in [*zones["zone_id"], NO_ZONE] if z in land.index]
stacked = (land[order].rename(index=zone_names, columns=track_names).rename_axis(index="zone", columns=None)
           .reset_index().melt(id_vars="zone", var_name="track", value_name="mu"))
track_order = [track_names[c] for c in order]
stacked = stacked[stacked["mu"] > 0].assign(rank=lambda f: f["track"].map(track_order.index))
st.altair_chart(
    alt.Chart(stacked).mark_bar().encode(
        y=alt.Y("zone:N", sort=zone_order, title=None, axis=alt.Axis(labelLimit=0)),
        x=alt.X("sum(mu):Q", title=t("mu")),
        color=alt.Color("track:N", sort=track_order, title=t("track"), legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=track_order, range=[colours[c] for c in order])),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("zone:N", title=t("zone")), alt.Tooltip("track:N", title=t("track")),
                 alt.Tooltip("mu:Q", title=t("mu"), format=",.0f")],
    ),
    width="stretch", key="chart_land",
)

st.subheader(t("chart_output"))
output = output_by_track(data.projects()).dropna()
output_order = [track_names[c] for c in tracks["track_id"] if c in output.index]
st.altair_chart(
    alt.Chart(pd.DataFrame({"track": output.index.map(track_names), "yi": output.to_numpy()})).mark_bar().encode(
        y=alt.Y("track:N", sort=output_order, title=None, axis=alt.Axis(labelLimit=0)),
        x=alt.X("yi:Q", title=t("yi")),
        color=alt.Color("track:N", sort=output_order, legend=None,
                        scale=alt.Scale(domain=output_order,
                                        range=[colours[c] for c in tracks["track_id"] if c in output.index])),
        tooltip=[alt.Tooltip("track:N", title=t("track")), alt.Tooltip("yi:Q", title=t("yi"), format=",.1f")],
    ),
    width="stretch", key="chart_output",
)

dl = st.columns(2)
for col, fmt in zip(dl, ("csv", "xlsx"), strict=True):
    payload, suffix, mime = table_bytes(with_status_terms(recon), fmt=fmt)
    col.download_button(
        t(f"download_{fmt}"), payload, file_name=f"reconciliation{suffix}", mime=mime, key=f"dl_{fmt}",
        on_click="ignore",
    )
