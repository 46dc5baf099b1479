"""The detail panel of one project: all its attributes, its source row, its reconciliation."""

from __future__ import annotations

from typing import Literal, cast

import pandas as pd
import streamlit as st

import layers
from geo import i18n
from geo.plan import output_per_mu, project_by_id
from geo.plan.notes import project_name, zone_basis
from geo.plan.reconcile import usable_marker
from ui import data
from ui.i18n import has, is_missing, lang, pair, pick, t

#: The colours ``st.badge`` takes.
BadgeColour = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]

#: Badge colour and glossary label of each reconciliation status.
STATUS_BADGE: dict[str, tuple[BadgeColour, str]] = {
    "match": ("green", "term_status_match"),
    "differs": ("red", "term_status_differs"),
    "not_stated": ("gray", "term_status_not_stated"),
    "not_comparable": ("orange", "term_status_not_comparable"),
    "text_only": ("blue", "term_status_text_only"),
    "unknown": ("violet", "term_status_unknown"),
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
    colour, key = STATUS_BADGE.get(status, ("gray", "term_status_unknown"))
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
    table_row = t("table_row", table=row["table"], row=row["row"]) if pd.notna(row["table"]) else t("text_only")
    basis = zone_basis({str(k): v for k, v in row.items()}, data.zones(), data.zone_places())
    fields = [
        (t("project_id"), row["project_id"]),
        (t("f_table_row"), table_row),
        (t("track"), pair(track["name_zh"], track["name_en"]) if track is not None else t("unknown")),
        (t("zone"), pair(zone["name_zh"], zone["name_en"]) if zone is not None else t("no_zone")),
        (t("region"), region_name(row["region_zh"])),
        (t("f_function"), function_words(row["function_zh"])),
        (t("f_area_declared"), fmt_value(row["declared_mu"], 0)),
        (t("f_area_note"), t("available") if str(row.get("area_note")) == usable_marker() else "—"),
        (t("f_area_measured"), fmt_value(row.get("measured_mu"), 1)),
        (t("f_output"), fmt_value(row["output_yi"], 1)),
        (t("f_output_per_mu"), fmt_value(opm, 0)),
        (t("f_zone_basis"), basis.zh if lang() == "zh" else basis.en),
        (t("f_anchor"), anchor_text(row.get("anchor_zh"))),
        (t("f_geometry_basis"), t(f"term_{row['geometry_basis']}")
         if isinstance(row.get("geometry_basis"), str) else "—"),
        (t("source"), row["source"] if lang() == "zh" or pd.isna(row["table"])
         else t("table_row", table=row["table"], row=row["row"])),
    ]
    table = pd.DataFrame(
        [(k, fmt_value(v) if not isinstance(v, str) else v) for k, v in fields], columns=[t("field"), t("value")]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="detail_fields")
    source = data.projects()
    with st.expander(t("for_gis_staff")):  # the raw row, its file and column keys: for GIS staff, not planners
        st.caption(t("source_row"))
        st.dataframe(source[source["project_id"] == project_id], hide_index=True, width="stretch",
                     key="detail_source", placeholder="——")
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


def function_words(function_zh: object) -> str:
    """The plan's function of a project in the chosen language: Chinese as written, in English translated
    with the plan's Chinese beside it (``english (中文)``, from the plan's glossary); unknown: ``—``."""
    if not isinstance(function_zh, str) or not function_zh:
        return "—"
    if lang() == "zh":
        return function_zh
    glossary = layers.load_glossary()  # the plan in use's terms: its tables' functions in English
    hit = glossary.loc[glossary["zh"] == function_zh, "en"]
    en = str(hit.iloc[0]) if len(hit) and not is_missing(hit.iloc[0]) else None
    return f"{en} ({function_zh})" if en else t("plan_text", text=function_zh)


STATUS_MARK = {"match": "✔", "differs": "✘", "not_stated": "–", "not_comparable": "≠", "text_only": "¶", "unknown": "?"}


def status_text(status: str) -> str:
    """A status as a short coloured mark and label (for tables)."""
    return f"{STATUS_MARK.get(status, '?')} {t(STATUS_BADGE.get(status, ('', 'term_status_unknown'))[1])}"


def region_name(region_zh: object) -> str:
    """A region as the tables write it, in the chosen language (the plan's ``zone_places.csv``)."""
    places = data.zone_places().set_index("place_zh")
    if not isinstance(region_zh, str):
        return "—"
    return pick(region_zh, places.at[region_zh, "place_en"]) if region_zh in places.index else region_zh


def anchor_text(anchor_zh: object) -> str:
    """The place a parcel is drawn at, in the chosen language, with the gazetteer's confidence."""
    if not isinstance(anchor_zh, str):
        return "—"
    places = data.places().set_index("name_zh")
    if anchor_zh not in places.index:
        return anchor_zh
    place = places.loc[anchor_zh]
    key = f"confidence_{place['confidence']}"
    label = t(key) if has(key) else str(place["confidence"])
    return f"{pick(anchor_zh, place['name_en'])} · {t('confidence_is', level=label)}"


def with_status_terms(frame: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation for download, with each status in the glossary's words in both languages."""
    terms = {k: i18n.pair(key) for k, (_colour, key) in STATUS_BADGE.items()}
    at = list(frame.columns).index("status") + 1
    out = frame.copy()
    out.insert(at, "status_en", frame["status"].map(lambda s: terms.get(s, (s, s))[1]))
    out.insert(at, "status_zh", frame["status"].map(lambda s: terms.get(s, (s, s))[0]))
    return out


def project_words(project_id: object) -> str:
    """A project as users name it (``表2第4行<名称>`` / ``Table 2 row 4, <name>``); "—" for none."""
    projects = data.projects()
    hit = projects[projects["project_id"] == project_id] if isinstance(project_id, str) else projects.iloc[0:0]
    if hit.empty:
        return "—"
    words = project_name({str(k): v for k, v in hit.iloc[0].items()})
    return words.zh if lang() == "zh" else words.en
