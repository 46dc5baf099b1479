"""The drafting page's panels (``pages/draft_page.py``): new draft, attach a parcel, save, versions, tables.

Kept out of the page script: Streamlit compiles a page's script afresh (with its "magic" pass) whenever no
session is open, so every line there is paid on the first visit; a module is compiled once.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.drafts.model import DraftConflictError, DraftGoneError, DraftPlan
from geo.drafts.service import Drafts
from geo.drafts.shapes import OnDuplicate
from geo.errors import GeoError, say
from geo.io.export import FORMATS
from geo.store import Actor
from ui import auth, data, drafting, map_element
from ui.i18n import bind, lang, pick, t
from ui.safe import md

#: Session key of the notes of the last replace or join, shown once after the rerun it asks for.
NOTES: Final = "_draft_attach_notes"

#: The draft to show on the next run (the draft picker's own key cannot be set once it is drawn).
GOTO = "_draft_goto"


def version_words(v: object) -> str:
    """A version as listed: ``v3 · alice · 2026-12-07 09:30 · comment``."""
    comment = getattr(v, "comment", "") or ""
    return t("draft_version_label", version=getattr(v, "version", 0), author=getattr(v, "author", None) or "—",
             at=auth.when(getattr(v, "saved_at", None)), comment=f" · {comment}" if comment else "")


def new_draft_form(svc: Drafts, actor: Actor) -> None:
    """Name and starting point of a new draft (empty, or the plan's indicative parcels to redraw)."""
    with st.expander(t("draft_new"), expanded=not svc.list(actor)), st.form("draft_new_form"):
        name = st.text_input(t("draft_new_name"), max_chars=80, key="draft_new_name")
        start = st.radio(t("draft_new_from"), ["empty", "plan"], horizontal=True, key="draft_new_from",
                         format_func=lambda k: t(f"draft_from_{k}"))
        if not st.form_submit_button(t("draft_create")):
            return
    try:
        parcels = drafting.plan_parcels() if start == "plan" else None
        saved = svc.create(actor, name, parcels)
    except GeoError as exc:
        st.error(md(exc))
        return
    st.session_state[GOTO], st.session_state["w_draft_version"] = saved.draft.draft_id, ""
    drafting.start(saved.draft.draft_id, saved.version.version, saved_parcels(svc, actor, saved.draft.draft_id))
    st.toast(t("draft_created", name=md(saved.draft.name)))
    st.rerun()


def attach_panel(work: drafting.Working, plan: DraftPlan, picked: str) -> None:
    """The selected parcel: attach it to a plan project, or describe it as a new row (name, track, zone, mu)."""
    row = work.parcels.loc[work.parcels["parcel_id"] == picked]
    if row.empty:
        return
    label = str(row["name_zh"].iloc[0] or "") or picked
    st.markdown(t("draft_selected", name=md(label)))
    projects = data.projects().set_index("project_id")
    with st.form(f"draft_attach_{picked}"):
        project = st.selectbox(t("draft_attach_project"), list(projects.index), index=None, placeholder=t("choose_one"),
                               key="draft_att_pid", format_func=bind(
                                   list(projects.index),
                                   lambda p: f"{p} · {pick(projects.at[p, 'name_zh'], projects.at[p, 'name_en'])}"))
        st.caption(t("draft_attach_new"))
        c = st.columns(2)
        name = c[0].text_input(t("draft_row_name"), max_chars=120, key="draft_att_name")
        mu = c[1].number_input(t("draft_row_mu"), min_value=0.0, value=None, step=1.0, key="draft_att_mu")
        tracks, zones = data.tracks().set_index("track_id"), data.zones().set_index("zone_id")
        track = c[0].selectbox(t("draft_row_track"), list(tracks.index), index=None, placeholder=t("choose_one"),
            key="draft_att_track",
            format_func=bind(list(tracks.index), lambda k: pick(tracks.at[k, "name_zh"], tracks.at[k, "name_en"])))
        zone = c[1].selectbox(t("draft_row_zone"), list(zones.index), index=None, placeholder=t("choose_one"),
                              key="draft_att_zone", format_func=bind(
                                  list(zones.index), lambda k: pick(zones.at[k, "name_zh"], zones.at[k, "name_en"])))
        if not st.form_submit_button(t("draft_apply")):
            return
    held = drafting.holder(work.parcels, project, picked) if project else None
    if held is not None:
        st.session_state["_draft_held"] = (picked, project, held)
    else:
        drafting.attach(work, plan, picked, project, name=name, track=track, zone=zone, mu=mu)
    st.rerun()


def held_choice(work: drafting.Working, plan: DraftPlan) -> None:
    """A project another parcel already holds: replace that parcel, or add this shape as a part."""
    found = st.session_state.get("_draft_held")
    if not found:
        return
    picked, project, other = found
    st.warning(t("draft_held", project=md(project), other=md(other)))
    c = st.columns(2)
    hows: tuple[OnDuplicate, ...] = ("replace", "add_part")
    for col, how in zip(c, hows, strict=True):
        if col.button(t(f"draft_{how}"), key=f"draft_held_{how}"):
            st.session_state.pop("_draft_held", None)
            try:
                st.session_state[NOTES] = drafting.attach(work, plan, picked, project, on_duplicate=how)
            except GeoError as exc:
                st.error(md(exc))
                return
            st.rerun()


def attach_notes() -> None:
    """What the last replace or join did (:func:`held_choice`), shown once after its rerun (names as text)."""
    for note in st.session_state.pop(NOTES, []):
        st.info(md(note))


def save_panel(svc: Drafts, actor: Actor, work: drafting.Working, draft_name: str) -> None:
    """Status, comment and Save; a conflict or a deleted draft keeps the changes and offers the way out."""
    st.caption(t("draft_unsaved" if work.dirty else "draft_saved_state", version=work.base_version))
    comment = st.text_input(t("draft_comment"), max_chars=500, key="draft_comment")
    c = st.columns(2)
    if c[0].button(t("draft_save"), type="primary", disabled=not work.dirty, key="draft_save"):
        try:
            saved = svc.save(actor, work.draft_id, work.parcels, base_version=work.base_version, comment=comment)
        except DraftConflictError as exc:
            st.session_state["_draft_conflict"] = t(
                "draft_conflict", who=md(exc.newer.author or "—"), at=auth.when(exc.newer.saved_at),
                version=exc.newer.version, base=work.base_version)
        except DraftGoneError:
            st.session_state["_draft_conflict"] = t("draft_gone", name=md(draft_name))
        except GeoError as exc:
            st.error(md(exc))
        else:
            st.session_state.pop("_draft_conflict", None)
            drafting.start(work.draft_id, saved.version.version, saved_parcels(svc, actor, work.draft_id))
            st.session_state["w_draft_version"] = ""
            st.toast(t("draft_saved", version=saved.version.version))
            for note in saved.notes:  # what the checks repaired or replaced, in the session's language
                st.toast(md(say(note, lang())))
            st.rerun()
    if work.dirty and c[1].button(t("draft_discard"), key="draft_discard"):
        st.session_state.pop(drafting.WORKING_KEY, None)
        st.rerun()
    conflict = st.session_state.get("_draft_conflict")
    if conflict:
        st.error(conflict)  # (built from our words; the names in it are escaped)
        c = st.columns(2)
        if c[0].button(t("draft_conflict_reload"), key="draft_conflict_reload"):
            st.session_state.pop("_draft_conflict", None)
            st.session_state.pop(drafting.WORKING_KEY, None)
            st.rerun()
        if c[1].button(t("draft_conflict_new"), key="draft_conflict_new"):
            try:
                saved = svc.save_as_new(actor, t("draft_conflict_name", name=draft_name, who=actor.name or "—"),
                                        work.parcels, comment=comment, from_draft=work.draft_id,
                                        from_version=work.base_version)
            except GeoError as exc:
                st.error(md(exc))
                return
            st.session_state.pop("_draft_conflict", None)
            st.session_state[GOTO], st.session_state["w_draft_version"] = saved.draft.draft_id, ""
            drafting.start(saved.draft.draft_id, saved.version.version, work.parcels)
            st.rerun()


def saved_parcels(svc: Drafts, actor: Actor, draft_id: str, version: int | None = None) -> gpd.GeoDataFrame:
    """A stored version's parcels."""
    return svc.load(actor, draft_id, version)[1]


def parcels_table(work: drafting.Working, found: pd.DataFrame) -> None:
    """Each parcel with its project, area, declared mu and difference; then the live checks' findings."""
    st.subheader(t("draft_parcels"))
    if len(work.parcels):
        st.dataframe(drafting.parcels_words(work.parcels), hide_index=True, width="stretch")
    else:
        st.caption(t("draft_empty"))
    st.subheader(t("draft_checks"))
    if found.empty:
        st.success(t("draft_no_findings"))
    else:
        st.dataframe(drafting.findings_words(found), hide_index=True, width="stretch")


def versions_panel(svc: Drafts, actor: Actor, draft_id: str, chosen: int, work: drafting.Working) -> None:
    """The versions, restoring one as the newest, a diff of two, putting one in use, and a download."""
    versions = svc.versions(actor, draft_id)
    st.subheader(t("draft_versions"))
    st.dataframe(pd.DataFrame({
        t("draft_col_version"): [f"v{v.version}" for v in versions],
        t("draft_col_author"): [v.author or "—" for v in versions],
        t("draft_col_at"): [auth.when(v.saved_at) for v in versions],
        t("draft_col_comment"): [v.comment for v in versions],
        t("draft_col_count"): [v.n_parcels for v in versions],
        t("draft_col_total"): [round(v.total_mu, 2) for v in versions],
    }), hide_index=True, width="stretch")
    numbers = [v.version for v in versions]
    if Drafts.may_edit(actor) and chosen != numbers[-1] and st.button(t("draft_restore"), key="draft_restore"):
        try:
            saved = svc.restore(actor, draft_id, chosen, base_version=numbers[-1])
        except GeoError as exc:
            st.error(md(exc))
        else:
            st.session_state["w_draft_version"] = ""
            drafting.start(draft_id, saved.version.version, saved_parcels(svc, actor, draft_id))
            st.toast(t("draft_restored", old=chosen, version=saved.version.version))
            st.rerun()
    if len(numbers) > 1:
        with st.expander(t("draft_diff")):
            c = st.columns(2)
            a = c[0].selectbox(t("draft_diff_a"), numbers, index=len(numbers) - 2, placeholder=t("choose_one"),
                               key="draft_diff_a",
                               format_func=lambda n: f"v{n}")
            b = c[1].selectbox(t("draft_diff_b"), numbers, index=len(numbers) - 1, placeholder=t("choose_one"),
                               key="draft_diff_b",
                               format_func=lambda n: f"v{n}")
            change = svc.diff(actor, draft_id, a, b)
            counts = change.counts
            if sum(counts.values()):
                st.markdown(t("draft_diff_counts", added=counts["added"], removed=counts["removed"],
                              reshaped=counts["reshaped"], changed=counts["attributes"]))
                st.dataframe(drafting.diff_words(change.table), hide_index=True, width="stretch")
                map_element.show_map(
                    drafting.diff_parts(svc, actor, draft_id, a, b, change.table, map_element.asset_base()),
                    key=map_element.instance_key("draft_diff", draft_id, str(a), str(b), lang()), height=380)
            else:
                st.info(t("draft_diff_none"))
    in_use = svc.in_use()
    if in_use is not None:
        name = next((i.draft.name for i in svc.list(actor) if i.draft.draft_id == in_use.draft_id), in_use.draft_id)
        st.info(t("draft_in_use", draft=md(name), version=in_use.version, who=md(in_use.set_by or "—"),
                  at=auth.when(in_use.set_at)))
    if Drafts.may_admin(actor) and not work.dirty and st.button(t("draft_use"), key="draft_use"):
        try:
            svc.use(actor, draft_id, chosen)
        except GeoError as exc:
            st.error(md(exc))
        else:
            st.cache_data.clear()  # the parcels in use changed for every page
            st.toast(t("draft_used", version=chosen))
            st.rerun()
    row = st.columns([2, 1], vertical_alignment="bottom")
    formats = list(FORMATS)
    fmt = row[0].selectbox(t("draft_export_format"), formats, placeholder=t("choose_one"), key="draft_dl_fmt",
                         format_func=bind(formats, lambda k: pick(FORMATS[k].label_zh, FORMATS[k].label_en)))
    try:
        payload, file_name, mime = drafting.version_file(svc, actor, draft_id, chosen, fmt or "geojson")
    except GeoError as exc:
        st.error(md(exc))
        return
    row[1].download_button(t("draft_export", version=chosen), payload, file_name=file_name, mime=mime,
                           key="draft_dl", on_click="ignore")
