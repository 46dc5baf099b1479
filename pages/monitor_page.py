"""监测评估 / Monitoring: the plan against what happened, year by year.

Composes widgets only. The records are the workspace's (:meth:`geo.store.Office.actuals`, the versions in
force); what they mean is :mod:`geo.monitor.evaluate` (the written rules); the page's words, colours and
files are :mod:`ui.monitor`. The map is the plan map's element (``ui/map_element.py``) drawing
:func:`geo.mapview.stages.build_stage_map`, in a fragment whose year slider swaps the coloured parcels into
the same Leaflet map (no reload, the user's pan and zoom kept). A session's first map is drawn before the
rest of the page, as on the Map page (``ui.map_element.map_first``; ``bench/monitor_open.py``). Checkers and
admins upload a filled template or edit single values (each saved as a new version, never over the old);
viewers read. User text (file names, sources, notes, the template reader's messages) is shown as text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial

import geopandas as gpd
import streamlit as st

from geo import i18n
from geo.errors import GeoError, say
from geo.mapview.embed import MapParts, map_parts
from geo.mapview.stages import build_stage_map
from geo.monitor.evaluate import action_rows, changes, rollups
from geo.monitor.model import Actual, MonitorPlan, StatusRow
from geo.monitor.template import MAX_FILE_BYTES, SHEET_PROJECTS, SHEET_TARGETS
from geo.plan.projects import filter_projects
from geo.store import Actor
from ui import auth, data, map_element, monitor, state, uploader
from ui.i18n import lang, t
from ui.safe import md

YEAR = "mon_year"
MAP_YEAR = "mon_map_year"
MAP_KEY = monitor.MAP_KEY
SAVED = "_mon_saved"  # session: the message of the last save, shown once after its rerun
UPLOADS = "_mon_uploads"  # session: a counter in the uploader's key (a new key clears it after a save)


@st.cache_data(show_spinner=False, max_entries=32)
def _stage_map(key: str, stages: tuple[tuple[str, str | None], ...], supplied: tuple[tuple[str, float | None], ...],
               year: int, view: state.View, base: str, _shown: gpd.GeoDataFrame) -> MapParts:
    """The map of the shown parcels coloured by stage in ``year``, as the browser receives it (cached)."""
    built = build_stage_map(
        parcels=_shown, zones=data.zones(), stages=dict(stages), supplied=dict(supplied), year=year,
        districts=data.districts() if "districts" in view.ctx else None,
        metro=data.metro() if "metro" in view.ctx else None,
        basemap=view.basemap, lang=view.lang, tile_keys=data.tile_keys(), asset_base=base,
    )
    return map_parts(built.map, overlay=built.parcels)


def _follow_year() -> None:
    """The map's slider follows the page's year when that changes."""
    st.session_state[MAP_YEAR] = st.session_state[YEAR]


@st.fragment
def stage_map(plan: MonitorPlan, actuals: Sequence[Actual], years: list[int], view: state.View, first: bool) -> None:
    """The plan map coloured by project stage for the slider's year (a fragment: moving it reruns only this).

    ``first`` (the session's first map): only the heading and the map are drawn, and the map reports when it
    has painted; that report reruns this fragment, which reruns the whole page. The slider, caption and
    legend come under the map, so the map keeps its place (and its Leaflet map) when they arrive.
    """
    if first and not map_element.map_first(MAP_KEY):
        st.rerun()
    st.subheader(t("mon_map"))
    parcels = data.parcels()
    shown = filter_projects(parcels, tracks=view.track, zones=view.zone, regions=view.region, search=view.q)
    year = int(st.session_state[MAP_YEAR])
    rows = monitor.status_rows_of(plan, tuple(actuals), year)
    parts = _stage_map(data.plan_key() + data.fingerprint(shown), monitor.stages_of(rows), monitor.supplied_of(rows),
                       year, view, map_element.asset_base(), shown)
    map_element.show_map(parts, key=MAP_KEY, height=520, report_drawn=first)
    if first:
        return
    st.select_slider(t("mon_map_year"), options=years, key=MAP_YEAR, help=t("mon_map_help"))
    st.caption(f"{t('mon_map_help')} {t('shown_of', shown=len(shown), total=len(parcels))}")
    monitor.stage_legend()


def downloads(plan: MonitorPlan, actuals: Sequence[Actual], rows: Sequence[StatusRow], year: int) -> None:
    """The template of the year, the status table, the report (the Word files are written when clicked)."""
    cols = st.columns(4)
    cols[0].download_button(
        t("mon_dl_template", year=year), data.in_plan(partial(monitor.template_bytes, plan, list(actuals), year)),
        file_name=i18n.t("mon_file_template", "zh", year=year), key="mon_dl_template", on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    cols[1].download_button(t("mon_dl_status"), monitor.status_csv(rows),
                            file_name=i18n.t("mon_file_status", "zh", year=year), mime="text/csv",
                            key="mon_dl_status", on_click="ignore")
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    shown = data.parcels()
    annual = monitor.report_year(plan, year)
    cols[2].download_button(
        t("mon_dl_report", year=annual or year),
        data.in_plan(partial(monitor.report_bytes, plan, list(actuals), annual or plan.period[1], False, lang(),
                             shown)),
        file_name=i18n.t("mon_file_report", "zh", year=annual), mime=docx, key="mon_dl_report", on_click="ignore",
        disabled=annual is None, help=t("mon_dl_help"),
    )
    cols[3].download_button(
        t("mon_dl_final"),
        data.in_plan(partial(monitor.report_bytes, plan, list(actuals), plan.period[1], True, lang(), shown)),
        file_name=i18n.t("mon_file_final", "zh", first=plan.period[0], last=plan.period[1]), mime=docx,
        key="mon_dl_final", on_click="ignore", help=t("mon_dl_help"),
    )


def target_table(rows: Sequence[StatusRow]) -> None:
    """The targets with their status badges."""
    st.subheader(t("mon_targets"))
    monitor.status_legend()
    st.dataframe(monitor.styled(monitor.target_frame(rows)), hide_index=True, placeholder="—", key="mon_targets")


def target_chart(plan: MonitorPlan, rows: Sequence[StatusRow], actuals: Sequence[Actual]) -> None:
    """One target over the years: baseline, actuals, target."""
    choices = monitor.chart_targets(rows)
    if not choices:
        st.info(t("mon_chart_none"))
        return
    st.markdown(f"**{t('mon_chart')}**")
    ids: list[str] = list(choices)
    picked = st.selectbox(t("mon_chart_pick"), ids, placeholder=t("mon_chart_pick"),
                          index=ids.index(monitor.chart_default(rows, ids)),
                          format_func=lambda i: choices.get(i, str(i)), key="mon_chart_target")
    row = monitor.row_of(rows, picked or ids[0])
    st.altair_chart(monitor.target_chart(row, monitor.target_series(row, actuals), plan.period), key="mon_chart")
    st.caption(t("mon_chart_caption"))


def record_section(actor: Actor, plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> None:
    """Checkers and admins: upload a filled template, or edit single values; viewers: read only."""
    st.subheader(t("mon_record"))
    if saved := st.session_state.pop(SAVED, None):
        st.success(saved)
    office = auth.office()
    if not office.may_write(actor):
        st.info(t("mon_viewer"))
        return
    upload = uploader.file_uploader(t("mon_upload", year=year), types=["xlsx", "csv"],
                                    key=f"mon_upload_{st.session_state.get(UPLOADS, 0)}",
                                    max_mb=MAX_FILE_BYTES // 2**20)
    if upload is not None:
        payload = upload.getvalue()
        try:
            filled = monitor.read_upload(upload.name, payload, plan, actuals, year)
        except GeoError as exc:
            st.error(md(exc))
        else:
            for warning in filled.warnings:
                st.warning(t("mon_warning", text=md(say(warning, lang()))))
            if not filled.records:
                st.info(t("mon_read_empty", name=md(upload.name)))
            else:
                st.info(t("mon_read", name=md(upload.name), n=len(filled.records), year=year))
                st.dataframe(monitor.record_frame(filled.records), hide_index=True, placeholder="—")
                if st.button(t("mon_save", n=len(filled.records)), key="mon_save", type="primary"):
                    _save(actor, filled.records, origin=upload.name, file_hash=hashlib.sha256(payload).hexdigest())
    edit_section(actor, plan, actuals, year)


def edit_section(actor: Actor, plan: MonitorPlan, actuals: Sequence[Actual], year: int) -> None:
    """Single values of the year in two tables; each changed row is read by the template's rules and saved."""
    if not st.toggle(t("mon_edit", year=year), key="mon_edit_open"):  # the editors only when asked for
        return
    st.caption(t("mon_edit_help"))
    before = {sheet: monitor.edit_frame(sheet, plan, actuals, year) for sheet in (SHEET_TARGETS, SHEET_PROJECTS)}
    with st.form(f"mon_edit_form_{year}"):
        after = {}
        for sheet, name in ((SHEET_TARGETS, "targets"), (SHEET_PROJECTS, "projects")):
            st.markdown(f"**{t(f'mon_edit_{name}')}**")
            after[sheet] = st.data_editor(before[sheet], hide_index=True, num_rows="fixed", placeholder="",
                                          column_config=monitor.edit_columns(sheet), key=f"mon_edit_{name}_{year}")
        submitted = st.form_submit_button(t("mon_edit_save"), type="primary")
    if not submitted:
        return
    records: list[Actual] = []
    try:
        for sheet in before:
            filled = monitor.read_edits(sheet, before[sheet], after[sheet], plan, actuals, year,
                                        source=t("mon_edit", year=year))
            if filled is not None:
                for warning in filled.warnings:
                    st.warning(t("mon_warning", text=md(say(warning, lang()))))
                records += filled.records
    except GeoError as exc:
        st.error(md(exc))
        return
    if not records:
        st.info(t("mon_edit_none"))
        return
    _save(actor, records, origin="page")


def _save(actor: Actor, records: list[Actual], *, origin: str, file_hash: str = "") -> None:
    """Record the values (new versions), then rerun so every table shows them."""
    try:
        stored = auth.office().record_actuals(actor, records, origin=origin, file_hash=file_hash)
    except GeoError as exc:
        st.error(md(exc))
        return
    st.session_state[SAVED] = t("mon_saved", n=len(stored))
    st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1  # the uploader starts empty again
    st.rerun()


def the_rest(actor: Actor, plan: MonitorPlan, actuals: Sequence[Actual], years: list[int]) -> None:
    """Everything under the map: the year, how to fill in, downloads, targets and chart, projects, land,
    changes, actions, recording."""
    st.divider()
    year = st.selectbox(t("mon_year"), years, placeholder=t("mon_year"), key=YEAR, on_change=_follow_year,
                        help=t("mon_year_help"))
    rows = monitor.status_rows_of(plan, tuple(actuals), year)
    if actuals:
        st.caption(t("mon_records", n=len(actuals), years=monitor.years_text(actuals)))
    else:
        st.info(t("mon_none"))
    with st.expander(t("mon_howto_title"), expanded=not actuals):
        st.markdown(t("mon_howto"))
    downloads(plan, actuals, rows, year)

    target_table(rows)
    target_chart(plan, rows, actuals)

    st.subheader(t("mon_projects"))
    st.dataframe(monitor.styled(monitor.project_frame(rows, plan)), hide_index=True, placeholder="—",
                 key="mon_projects")

    st.subheader(t("mon_land"))
    table = rollups(plan, rows)
    left, right = st.columns(2)
    for col, scope, label in ((left, "zone", "mon_land_zone"), (right, "track", "mon_land_track")):
        col.markdown(f"**{t(label)}**")
        col.dataframe(monitor.styled(monitor.rollup_frame(table, scope)), hide_index=True, placeholder="—",
                      key=f"mon_land_{scope}")

    st.subheader(t("mon_changes"))
    found = changes(plan, actuals, year)
    if found:
        st.dataframe(monitor.change_frame(found), hide_index=True, placeholder="—", key="mon_changes")
    else:
        st.info(t("mon_changes_none"))

    st.subheader(t("mon_actions"))
    st.dataframe(monitor.action_frame(action_rows(plan, actuals, year)), hide_index=True, placeholder="—",
                 key="mon_actions")

    record_section(actor, plan, actuals, year)


actor = auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
# The session's first map is drawn before the rest of the page (ui.map_element.map_first): the title and the
# map first; once it has painted, its report reruns the page, which then draws everything (the map kept).
first = map_element.map_first(MAP_KEY)
st.title(t("mon_title"))
st.caption(t("mon_intro"))
view = state.view()
plan = monitor.monitor_plan()
actuals = auth.office().actuals(actor)
years = monitor.year_choices(plan, actuals)
if st.session_state.get(YEAR) not in years:
    st.session_state[YEAR] = monitor.default_year(plan, actuals)
st.session_state.setdefault(MAP_YEAR, st.session_state[YEAR])
stage_map(plan, actuals, years, view, first)
if not first:
    the_rest(actor, plan, actuals, years)
