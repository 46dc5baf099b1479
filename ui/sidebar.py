"""The one sidebar every page shares: plan, language, basemap, colour, filters, context layers.

Drawn by ``app.py`` before the page runs; pages read the result with
:func:`ui.state.view`. Widget values live in session state under the keys of
:data:`ui.state.PARAMS`, so they survive page changes and go into the URL.

Every option is shown in the chosen language, and stays so when the language
changes: Streamlit keeps a keyed widget's chosen option as the label it had
when it was chosen, so on a change of language each widget's value is set
again (:func:`ui.i18n.relabel`), which makes Streamlit send the new label.

The plan picker lists the packages the server offers (:func:`geo.plan.current.list_plans`: the built-in
plan and ``GEO_PLANS_DIR``'s subfolders; those that cannot be loaded are listed apart with their reason).
The choice is the session's: :func:`choose_plan`, at the top of every run, keeps its folder in session state,
where :func:`session_plan` (registered with :func:`geo.plan.current.set_session_resolver`) reads it for every
loader; ``plan=`` in the URL (a listed folder name or package id, never a path) chooses it once per session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo.errors import say
from geo.i18n import language_name
from geo.mapview.basemaps import BASEMAPS, CUSTOM, available_basemaps, get_basemap, tiles_problem
from geo.plan.current import PlanEntry, find_plan, list_plans, plans_root, plans_signature, process_plan_dir
from geo.plan.projects import COLOUR_BY, NO_ZONE, distinct
from ui import data
from ui.detail import region_name
from ui.i18n import LANGS, bind, lang, pick, relabel, t
from ui.safe import md

CONTEXT_LAYERS = ("places", "districts", "metro")
#: The sidebar's widgets whose options are labelled in the chosen language.
WIDGETS = ("w_plan", "w_basemap", "w_colour", "w_track", "w_zone", "w_region", "w_ctx")
#: Session state: the plan picker's key (a :class:`geo.plan.current.PlanEntry` key, the folder's name).
PLAN: Final = "w_plan"
#: Session state: the folder of the session's plan (read by :func:`session_plan`).
PLAN_FOLDER: Final = "_plan_folder"
#: Session state: the URL's ``plan=`` was read (once per session), and the unknown value it named, if any.
PLAN_URL_READ: Final = "_plan_url_read"
PLAN_URL_UNKNOWN: Final = "_plan_url_unknown"
#: The URL parameter naming the plan.
PLAN_PARAM: Final = "plan"
#: Widget values that name things of one plan: reset when the session changes plan.
PLAN_SCOPED: Final = {"w_track": [], "w_zone": [], "w_region": [], "sel": ""}


@st.cache_data(show_spinner=False, ttl=60)
def _plans(root: str, signature: tuple[tuple[str, int], ...], default: str) -> list[PlanEntry]:
    return list_plans(Path(root) if root else None)


def plans() -> list[PlanEntry]:
    """The plans the server offers (cached; listed again when a package's descriptor changes, or after a minute)."""
    root = plans_root()
    return _plans(str(root or ""), plans_signature(root), str(process_plan_dir()))


def session_plan() -> Path | None:
    """The folder of the calling session's plan (None outside a session, or before it chose one)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    folder = st.session_state.get(PLAN_FOLDER)
    return Path(folder) if folder else None


def choose_plan() -> None:
    """At the top of every run: the session's plan from the picker, or (once per session) from ``plan=``.

    An unknown ``plan=`` is kept to be named (:func:`unknown_plan`) and the current plan stays. A plan that
    can no longer be loaded stays the session's (its data is cached) until the user picks another.
    """
    entries = plans()
    usable = {e.key: e for e in entries if e.usable}
    state = st.session_state
    if not state.get(PLAN_URL_READ):
        state[PLAN_URL_READ] = True
        value = st.query_params.get(PLAN_PARAM, "")
        if value:
            found = find_plan(entries, value)
            if found is not None:
                state[PLAN] = found.key
            else:
                state[PLAN_URL_UNKNOWN] = value[:80]
    key = state.get(PLAN)
    if key not in usable and state.get(PLAN_FOLDER):
        return
    entry = usable.get(key) if key is not None else None
    if entry is None:
        entry = entries[0]
        state[PLAN] = entry.key
    folder = str(entry.folder)
    if state.get(PLAN_FOLDER) not in (None, folder):
        for name, empty in PLAN_SCOPED.items():
            state[name] = type(empty)()
    state[PLAN_FOLDER] = folder


def unknown_plan() -> str | None:
    """The error for an unknown ``plan=`` of this session's link, once (its value as text, never Markdown)."""
    value = st.session_state.pop(PLAN_URL_UNKNOWN, None)
    if value is None:
        return None
    choices = ", ".join(e.key for e in plans() if e.usable)
    return t("plan_unknown", value=md(value), choices=md(choices))


def plan_to_url() -> None:
    """Mirror the session's plan to ``plan=`` (left out for the server's default plan)."""
    key = st.session_state.get(PLAN)
    entries = plans()
    if not key or key == entries[0].key:
        if PLAN_PARAM in st.query_params:
            del st.query_params[PLAN_PARAM]
    elif st.query_params.get(PLAN_PARAM) != key:
        st.query_params[PLAN_PARAM] = key


def plan_label(entry: PlanEntry) -> str:
    """A plan as the picker names it: its title in the chosen language and its period."""
    title = pick(entry.title_zh, entry.title_en) or entry.key
    return t("plan_label", title=title, period=entry.period) if entry.period else title


def plan_labels(entries: list[PlanEntry]) -> dict[str, str]:
    """Key → :func:`plan_label` of the usable ``entries``; two with the same title and period (two copies of a
    plan) are told apart by their folder's name."""
    names = {e.key: plan_label(e) for e in entries if e.usable}
    twice = {label for label in names.values() if list(names.values()).count(label) > 1}
    return {k: f"{label} · {k}" if label in twice else label for k, label in names.items()}


def plan_picker() -> None:
    """The plan picker (only when the server offers more than one plan), and the unusable packages apart."""
    entries = plans()
    if len(entries) < 2:
        return
    sb = st.sidebar
    current = st.session_state.get(PLAN)
    # the session's plan is shown even if it can no longer be loaded (it is still served), until another is picked
    options = [e.key for e in entries if e.usable or e.key == current]
    names = plan_labels(entries)
    # the value again from session state: when the list changed (a package added, one broken), Streamlit would
    # otherwise keep the option at the old position, another plan
    st.session_state[PLAN] = current
    sb.selectbox(t("plan_picker"), options, key=PLAN, help=t("plan_picker_help"), placeholder=t("choose_one"),
                 format_func=bind(options, lambda k: names.get(k, str(k))))
    bad = [e for e in entries if not e.usable]
    if bad:
        with sb.expander(t("plans_unusable", n=len(bad))):
            for e in bad:
                # the package author's words in the session's language: text, never Markdown
                st.caption(f"{md(e.key)}: {md(say(e.problem or '', lang()))}")


def choices() -> dict[str, list[str]]:
    """Allowed values of every URL parameter that has a fixed set."""
    parcels = data.indicative_parcels()
    return {
        "lang": list(LANGS),
        "basemap": available_basemaps(keys=data.tile_keys()),
        "colour": list(COLOUR_BY),
        "track": list(data.tracks()["track_id"]),
        "zone": [*data.zones()["zone_id"], NO_ZONE],
        "region": distinct(parcels, "region_zh"),
        "ctx": list(CONTEXT_LAYERS),
        "sel": list(parcels["project_id"]),
    }


def basemap_name(key: str) -> str:
    """A basemap's name in the chosen language (``custom``: the tiles ``GEO_TILES`` configures)."""
    basemap = get_basemap(key) if key == CUSTOM else BASEMAPS[key]
    return pick(basemap.name_zh, basemap.name_en)


def render() -> None:
    """Draw the sidebar (after :func:`ui.state.restore_from_url`)."""
    allowed = choices()
    tracks = data.tracks().set_index("track_id")
    zones = data.zones().set_index("zone_id")
    sb = st.sidebar
    sb.radio(t("language"), list(LANGS), format_func=language_name, key="w_lang", horizontal=True)
    relabel(WIDGETS)
    plan_picker()
    sb.selectbox(t("basemap"), allowed["basemap"], key="w_basemap", placeholder=t("choose_one"),
                 format_func=bind(allowed["basemap"], basemap_name))
    if problem := tiles_problem(lang=lang()):  # GEO_TILES set but unusable: say so, draw no tiles
        sb.warning(t("tiles_bad", problem=md(problem)))  # the URL is the administrator's text: never Markdown
    sb.selectbox(t("colour_by"), allowed["colour"], key="w_colour", placeholder=t("choose_one"),
                 format_func=bind(allowed["colour"], lambda k: t(f"colour_{k}")))
    sb.subheader(t("filters"))
    sb.multiselect(t("filter_track"), allowed["track"], key="w_track", placeholder=t("choose"),
                   format_func=bind(allowed["track"], lambda k: pick(tracks.at[k, "name_zh"], tracks.at[k, "name_en"])))
    sb.multiselect(t("filter_zone"), allowed["zone"], key="w_zone", placeholder=t("choose"),
                   format_func=bind(allowed["zone"], lambda k: t("no_zone") if k == NO_ZONE
                                    else pick(zones.at[k, "name_zh"], zones.at[k, "name_en"])))
    sb.multiselect(t("filter_region"), allowed["region"], key="w_region", placeholder=t("choose"),
                   format_func=bind(allowed["region"], region_name))
    sb.text_input(t("search"), key="w_q", help=t("search_help"))
    sb.multiselect(t("context_layers"), allowed["ctx"], key="w_ctx", placeholder=t("choose"),
                   format_func=bind(allowed["ctx"], lambda k: t(f"layer_{k}")))
    sb.caption(t("share_link"))
    sb.caption(t("indicative_note"))
