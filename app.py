"""Entry point of the explorer: ``streamlit run app.py``.

Chooses the session's plan first (the sidebar's plan picker, or ``plan=`` in
the URL: :func:`ui.sidebar.choose_plan`; every loader reads it through
:func:`geo.plan.current.plan_dir`). Once the workspace has accounts, shows only
the sign-in form until the visitor signs in (``ui.auth``). Draws the shared
sidebar once (language, basemap, filters; see ``ui/``; on the session's first
map the map comes first and the sidebar in the next run), restores a shared
link's view from the URL, runs the chosen page and writes the view back to the
URL so the address bar always holds a shareable link.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo.errors import GeoError
from geo.io.limits import warm_up
from geo.plan.current import set_session_resolver
from ui import auth, drafting, map_element, monitor, sidebar, state
from ui.i18n import t
from ui.safe import md

HERE = Path(__file__).resolve().parent

#: Pages in menu order (the map first, the default): (file, label key, url path, icon). Pages written by
#: other parts of the project (check, raster) are listed once they exist.
PAGES = (
    ("pages/map_page.py", "nav_map", "map", ":material/map:"),
    ("pages/totals_page.py", "nav_totals", "totals", ":material/functions:"),
    ("pages/parcels_page.py", "nav_parcels", "parcels", ":material/table:"),
    ("pages/check_page.py", "nav_check", "check", ":material/rule:"),
    ("pages/raster_page.py", "nav_raster", "raster", ":material/layers:"),
    ("pages/monitor_page.py", "nav_monitor", "monitor", ":material/monitoring:"),
    ("pages/compare_page.py", "nav_compare", "compare", ":material/compare_arrows:"),
    ("pages/draft_page.py", "nav_draft", "draft", ":material/draw:"),
    ("pages/export_page.py", "nav_export", "export", ":material/download:"),
    ("pages/about_page.py", "nav_about", "about", ":material/info:"),
)

#: Other pages whose session's first visit draws their map before the sidebar: url path → the map's key.
FIRST_MAPS = {"monitor": monitor.MAP_KEY, "draft": drafting.MAP_KEY}

#: Listed for administrators (and the single user of a workspace without accounts) only.
ADMIN_PAGE = "pages/admin_page.py"

def admin_page() -> StreamlitPage:
    """The administration page (listed for administrators; registered for a deep link before sign-in)."""
    return st.Page(ADMIN_PAGE, title=t("nav_admin"), url_path="admin", icon=":material/shield_person:")


@st.cache_resource(show_spinner=False)
def start_workers() -> threading.Thread:
    """Start the read worker's forkserver once per server, in the background (:func:`geo.io.limits.warm_up`).

    Its start (imports, GDAL warmed, the check's modules) takes seconds: paid by the server's first run, not
    by the first upload, whose findings are to show seconds after it arrives.
    """
    thread = threading.Thread(target=warm_up, name="geo-warm-up", daemon=True)
    thread.start()
    return thread


def main() -> None:
    """One run of the app: sign-in, sidebar, the chosen page, the view written to the URL."""
    st.set_page_config(page_icon=str(HERE / "static" / "favicon.png"), layout="wide")
    start_workers()
    set_session_resolver(sidebar.session_plan)  # the session's plan, for every loader (once per process is enough)
    try:
        sidebar.choose_plan()  # before anything reads the plan: the URL's filters are checked against this plan
        st.set_page_config(page_title=t("app_title"))  # the browser tab names the session's plan
        st.session_state.setdefault("_url_ignored", []).extend(state.restore_from_url(sidebar.choices()))
        actor = auth.current()
        pages = [
            st.Page(path, title=t(label), url_path=url, icon=icon, default=(url == "map"))
            for path, label, url, icon in PAGES
            if (HERE / path).is_file()
        ]
        # The sign-in form's place, in every run: after a sign-in the page's elements keep their positions in the
        # page, so the next run does not remount them (a map would lose its drawing mode and the user's view).
        slot = st.empty()
        if actor is None:  # the workspace has accounts: the sign-in form, and nothing else, until signed in
            with slot.container():
                actor = auth.sign_in_form()  # signed in by this run's submit: the form is cleared, the page follows
        if actor is None:  # registered, not run: a deep link such as /check or /admin survives the sign-in
            st.navigation([*pages, admin_page()], position="hidden")
            return
        if actor.role == "admin":
            pages.append(admin_page())
        nav = st.navigation(pages)
        # The session's first visit to the map page draws the map before the sidebar's widgets
        # (ui.map_element.map_first); the map's report reruns this script with everything.
        first_map = map_element.PLAN_MAP if nav is pages[0] else FIRST_MAPS.get(nav.url_path)
        whole = first_map is None or not map_element.map_first(first_map)
        if whole:
            sidebar.render()
            auth.account_box(actor)
    except GeoError as exc:
        st.error(f"{t('data_error')}: {md(exc)}")
        return
    notice = st.empty()  # in every run, so that the map stays where it is when a notice fills it
    plan_notice = st.empty()
    if whole and (ignored := st.session_state.pop("_url_ignored")):  # named once, after the sign-in if any
        notice.warning(t("url_ignored", items=md(", ".join(ignored))))  # URL values: text, never Markdown
    if whole and (unknown := sidebar.unknown_plan()):
        plan_notice.error(unknown)
    state.write_to_url()
    sidebar.plan_to_url()
    nav.run()
    state.write_to_url()
    sidebar.plan_to_url()


# Only in a Streamlit run: the file reader's worker processes (geo.io.limits) import this
# script as their main module, with no session and nothing to draw.
if get_script_run_ctx(suppress_warning=True) is not None:
    main()
