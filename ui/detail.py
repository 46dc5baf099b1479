"""The detail panel of one project: all its attributes, its source row, its reconciliation."""

from __future__ import annotations

from typing import Literal, cast

import pandas as pd
import streamlit as st

from geo.plan import output_per_mu, project_by_id
from ui import data
from ui.i18n import is_missing, lang, pair, t

#: The colours ``st.badge`` takes.
BadgeColour = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]

STATUS_BADGE: dict[str, tuple[BadgeColour, str]] = {
    "match": ("green", "status_match"),
    "differs": ("red", "status_differs"),
    "not_stated": ("gray", "status_not_stated"),
    "not_comparable": ("orange", "status_not_comparable"),
    "unknown": ("violet", "status_unknown"),
}


def fmt_value(value: object, digits: int = 1, *, missing: str | None = None) -> str:
    """A number as users read it; a missing value as ``missing`` (default: the word for unknown, ——)."""
    if is_missing(value):
        return t("unknown") if missing is None else missing
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
    return str(value)


def badge(status: str) -> None:
    """A coloured status badge (match / differs / …)."""
    colour, key = STATUS_BADGE.get(status, ("gray", "status_unknown"))
    st.badge(t(key), color=colour)


def render(project_id: str) -> None:
    """Show everything the plan says of ``project_id``."""
    parcels = data.parcels()
    row = project_by_id(parcels, project_id)
    if row is None:
        st.info(t("detail_none"))
        return
    tracks = data.tracks().set_index("track_id")
    zones = data.zones().set_index("zone_id")
    frame = parcels[parcels["project_id"] == project_id]
    opm = output_per_mu(frame).iloc[0]
    st.subheader(pair(row["name_zh"], row["name_en"]))
    track = tracks.loc[row["track_id"]] if row["track_id"] in tracks.index else None
    zone = zones.loc[row["zone_id"]] if pd.notna(row["zone_id"]) and row["zone_id"] in zones.index else None
    table_row = f"表{row['table']} 第{row['row']}行" if pd.notna(row["table"]) else t("text_only")
    fields = [
        (t("project_id"), row["project_id"]),
        (t("f_table_row"), table_row),
        (t("track"), pair(track["name_zh"], track["name_en"]) if track is not None else t("unknown")),
        (t("zone"), pair(zone["name_zh"], zone["name_en"]) if zone is not None else t("no_zone")),
        (t("region"), row["region_zh"]),
        (t("f_function"), row["function_zh"]),
        (t("f_area_declared"), fmt_value(row["declared_mu"], 0)),
        (t("f_area_note"), row.get("area_note") if pd.notna(row.get("area_note")) else "—"),
        (t("f_area_measured"), fmt_value(row.get("measured_mu"), 1)),
        (t("f_output"), fmt_value(row["output_yi"], 1)),
        (t("f_output_per_mu"), fmt_value(opm, 0)),
        (t("f_zone_basis"), row.get("zone_basis")),
        (t("f_anchor"), row.get("anchor_zh")),
        (t("f_geometry_basis"), row.get("geometry_basis")),
        (t("source"), row["source"]),
    ]
    table = pd.DataFrame(
        [(k, fmt_value(v) if not isinstance(v, str) else v) for k, v in fields], columns=[t("field"), t("value")]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="detail_fields")
    source = data.projects()
    st.caption(t("source_row"))
    st.dataframe(source[source["project_id"] == project_id], hide_index=True, width="stretch", key="detail_source")
    st.markdown(f"**{t('reconciliation')}**")
    recon = data.reconciliation()
    rows = recon[(recon["scope"] == "project") & (recon["key"] == project_id)]
    for r in rows.itertuples():
        cols = st.columns([2, 1])
        cols[0].markdown(  # cast: metric and status are string columns with no missing value
            f"{t('metric_' + cast(str, r.metric))}: {t('table_value')} {fmt_value(r.table_value)} · "
            f"{t('stated_value')} {fmt_value(r.stated_value, missing=t('not_stated_value'))} · "
            f"{t('mapped_value')} {fmt_value(r.mapped_value, missing='—')}"
        )
        with cols[1]:
            badge(cast(str, r.status))
        st.caption(r.note_zh if lang() == "zh" else r.note)


STATUS_MARK = {"match": "✔", "differs": "✘", "not_stated": "–", "not_comparable": "≠", "unknown": "?"}


def status_text(status: str) -> str:
    """A status as a short coloured mark and label (for tables)."""
    return f"{STATUS_MARK.get(status, '?')} {t(STATUS_BADGE.get(status, ('', 'status_unknown'))[1])}"
