"""Drafts page: draw and reshape parcels on the map, attach them to projects, save versions, compare, use.

The page's panels are in :mod:`ui.draft_panels`, the working copy and the map's parts in :mod:`ui.drafting`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.drafts.service import Drafts
from ui import auth, data, drafting, map_element, state
from ui import draft_panels as panels
from ui.i18n import bind, lang, t
from ui.safe import md

MAP_KEY = drafting.MAP_KEY
GOTO = panels.GOTO

actor = auth.gate()
# The session's first map is drawn before the rest of the page (ui.map_element.map_first): the title and the
# map first (the pickers and forms are in the right column, drawn on the next run, so the map keeps its place);
# once it has painted, its report reruns the page, which then draws everything.
first = map_element.map_first(MAP_KEY)
view = state.view()
st.title(t("draft_title"))
st.caption(t("draft_intro"))
svc = drafting.service()
can_edit = Drafts.may_edit(actor)
infos = svc.list(actor)
if not infos:
    map_element.no_map_this_time()  # (else the sidebar would wait for a map that never comes)
    if can_edit:
        panels.new_draft_form(svc, actor)
    else:
        st.info(t("draft_read_only"))
    st.info(t("draft_none_yet"))
    st.stop()
ids = [i.draft.draft_id for i in infos]
names = {i.draft.draft_id: i.draft.name for i in infos}
if st.session_state.get(GOTO) in ids:
    st.session_state["w_draft"] = st.session_state.pop(GOTO)
if st.session_state.get("w_draft") not in ids:
    st.session_state["w_draft"] = ids[-1]
left, right = st.columns([3, 2], gap="medium")
draft_id = str(st.session_state["w_draft"])
if not first:
    with right:
        if can_edit:
            panels.new_draft_form(svc, actor)
        else:
            st.info(t("draft_read_only"))
        draft_id = right.selectbox(t("draft_choose"), ids, placeholder=t("choose_one"), key="w_draft",
                                   format_func=bind(ids, lambda d: names[d]))
versions = svc.versions(actor, draft_id)
numbers = [v.version for v in versions]
latest = numbers[-1]
wanted = str(st.session_state.get("w_draft_version") or "")
chosen = int(wanted) if wanted.isdigit() and int(wanted) in numbers else latest
by_number = {v.version: v for v in versions}
if not first:
    chosen = right.selectbox(t("draft_version"), numbers[::-1], placeholder=t("choose_one"),
                             index=numbers[::-1].index(chosen),
                             key=f"draft_version_{draft_id}_{latest}",  # a new version: a new list, latest shown
                             format_func=lambda n: panels.version_words(by_number[n]))
    st.session_state["w_draft_version"] = "" if chosen == latest else str(chosen)

work = drafting.working()
if work is None or work.draft_id != draft_id or (not work.dirty and work.base_version != chosen):
    work = drafting.start(draft_id, chosen, drafting.version_parcels(svc, actor, by_number[chosen]))
editable = can_edit and chosen == latest
events = map_element.reported(MAP_KEY)
if editable and events.draft and events.draft.get("stamp") == work.stamp:
    work.replace(drafting.parcels_of(events.draft.get("features") or {}, work.parcels), redraw=False)
if events.picked:
    st.session_state["_draft_picked"] = events.picked
split_problem, split_notes = drafting.split(work, events.split.get("line") or []) if (
    editable and events.split and events.split.get("stamp") == work.stamp) else (None, [])
found = pd.DataFrame() if first else drafting.findings(work.parcels, drafting.content_key(work.parcels),
                                                                  data.plan_key())
flagged = tuple(sorted(set(found["parcel_id"].dropna()))) if not found.empty else ()

with left:
    parts = drafting.base_map(view.basemap, lang(), view.ctx, map_element.asset_base(), data.plan_key())
    map_element.show_map(parts, key=MAP_KEY, height=560, report_drawn=first, edit=map_element.DraftEdit(
        drafting.features_of(work.parcels), work.stamp, editable, flagged))
if not first:
    with right:
        if split_problem:
            st.warning(md(split_problem))
        for note in split_notes:  # what the line cut (parcel names: text, never Markdown)
            st.info(md(note))
        panels.attach_notes()
        if editable:
            panels.held_choice(work, svc.plan)
            picked = st.session_state.get("_draft_picked")
            if picked:
                panels.attach_panel(work, svc.plan, picked)
            else:
                st.info(t("draft_select_hint"))
            panels.save_panel(svc, actor, work, names[draft_id])
    panels.parcels_table(work, found)
    panels.versions_panel(svc, actor, draft_id, chosen, work)
