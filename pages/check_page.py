"""Check page: upload surveyed parcels, check them against the plan, download the report.

Composes widgets only: the check pipeline (geo.checks: read, match, check,
save — the same path as ``python -m geo check``), the findings map
(geo.mapview.findings) and the workspace (geo.store) do the work. Results, the map's overview image and its spatial
index are kept once per upload with ``st.cache_resource`` (no copy of a large
layer per rerun). Saving is an explicit button (checkers and admins); the
workspace panel shows each upload's owner and time, and only its owner or an
admin switches, removes or restores it — by a click, checked and recorded by
:class:`geo.store.Office`. User text (file, layer, field and CRS names, error
messages quoting them) is shown as text (``ui.safe.md``, ``st.text``). The
map is a fragment: a pan, zoom or click reruns only the map.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from geo.checks import (
    CHECKS,
    CheckOptions,
    CheckResult,
    CheckRun,
    PlanLayers,
    check_read,
    findings_csv,
    flagged_geojson,
    html_report,
    messages_in,
    save_run,
    saved_result,
    suggest_name_field,
)
from geo.crs import CGCS2000, CGCS2000_GK_CM105, CGCS2000_GK_ZONE35, EXPORT_CRS, WGS84
from geo.errors import GeoError
from geo.io import ReadResult, read_bytes
from geo.mapview import findings as fmap
from geo.mapview.basemaps import get_basemap
from geo.mapview.embed import map_parts
from geo.store import Actor, Upload
from geo.store import workspace as ws
from ui import auth, data, map_element, readwords, state
from ui.convert import MAX_MB
from ui.detail import project_words
from ui.i18n import bind, lang, pick, relabel, t
from ui.safe import md

CRS_CHOICES = ["", WGS84, CGCS2000, CGCS2000_GK_CM105, CGCS2000_GK_ZONE35]
CRS_NAMES = {**EXPORT_CRS, CGCS2000_GK_ZONE35: ("CGCS2000 高斯-克吕格 3度带 第35带", "CGCS2000 Gauss–Krüger zone 35")}
FORMATS = ["zip", "kmz", "gpkg", "geojson", "json", "kml", "csv", "txt"]
MAP_KEY = "chk_map"
#: Session key of the upload whose removal waits for its confirmation.
REMOVING = "chk_removing"


@st.cache_resource(max_entries=4, show_spinner=False)
def _read(uid: str, name: str, crs: str | None, _payload: bytes) -> ReadResult:
    return read_bytes(_payload, name=name, crs=crs or None)


@st.cache_resource(max_entries=8, show_spinner=False)
def _check(uid: str, crs: str | None, options: CheckOptions, _read_result: ReadResult) -> CheckRun:
    plan = PlanLayers(parcels=data.indicative_parcels(), zones=data.zones(), districts=data.districts())
    return check_read(_read_result, plan, options)


@st.cache_resource(max_entries=4, show_spinner=False)
def _saved(uid: str, saved_at: str, tolerance: float) -> CheckResult:
    return saved_result(uid, tolerance_pct=tolerance)


@st.cache_resource(max_entries=4, show_spinner=False)
def _map_layer(map_key: str, shift: str | None, _result: CheckResult) -> fmap.FindingsLayer:
    return fmap.prepare_layer(_result.parcels, _result.findings, shift=shift)


def _crs_label(code: str) -> str:
    return t("chk_crs_auto") if not code else (f"{pick(*CRS_NAMES[code])} ({code})" if code in CRS_NAMES else code)


def _findings_frame(f: pd.DataFrame) -> pd.DataFrame:
    """Findings with the page's column names; checks' names and messages in the chosen language."""
    return pd.DataFrame(
        {
            t("chk_col_feature"): f["feature"],
            t("project_id"): f["project_id"],
            t("chk_col_check"): f["check"].map({k: pick(c.zh, c.en) for k, c in CHECKS.items()}),
            t("chk_col_severity"): f["severity"].map({k: t(f"sev_{k}") for k in ("error", "warning", "info")}),
            t("chk_col_message"): messages_in(f, lang=lang()),
            t("chk_col_value"): f["value"],
        }
    )


@st.fragment
def findings_map(result: CheckResult, *, map_key: str) -> None:
    """Parcels coloured by their worst finding; a click lists that parcel's findings.

    A fragment: the map reports its view (after each pan or zoom) and clicks,
    which rerun only this function; the parcels in view are swapped into the
    map without reloading it. Before the map has reported anything the
    layer's extent is used. Another upload, basemap or language is another
    map element (its own key), so no view or click carries over to it.
    """
    try:
        view = state.view()
        shift = get_basemap(view.basemap).shift
        layer = _map_layer(map_key, shift, result)
        key = map_element.instance_key(MAP_KEY, map_key, view.basemap, lang())
        reported = map_element.reported(key)
        if reported.clicked:  # a click selects the parcel under it until the next click
            st.session_state[f"{key}_click"] = (reported.clicked, fmap.clicked_feature(layer, reported.clicked))
        clicked, selected = st.session_state.get(f"{key}_click", (None, None))
        shown = reported.view or {}
        built = fmap.build_findings_map(
            layer,
            zones=data.zones(),
            plan_parcels=data.indicative_parcels(),
            basemap=view.basemap,
            lang=lang(),
            bounds=shown.get("bounds"),
            zoom=shown.get("zoom"),
            selected=selected,
            tile_keys=data.tile_keys(),
            asset_base=map_element.asset_base(),
        )
        map_element.show_map(map_parts(built.map, overlay=built.parcels), key=key, height=520, report_view=True)
        st.caption(t("chk_map_legend"))
        if built.detail:
            st.caption(t("chk_map_in_view", n=f"{built.shown:,}"))
        else:
            st.caption(t("chk_map_zoom_in", n=f"{built.in_view:,}"))
        if clicked and selected is None:
            st.info(t("chk_map_no_parcel"))
        elif selected is not None:
            own = fmap.findings_of(result.findings, result.parcels, selected)
            pid = result.parcels["project_id"].get(selected)
            name = t("chk_map_feature", feature=selected, project=project_words(pid))
            if own.empty:
                st.success(t("chk_map_feature_ok", name=name))
            else:
                st.markdown(f"**{md(name)}**")
                st.dataframe(_findings_frame(own), hide_index=True, key="chk_map_findings")
    except GeoError as exc:
        st.error(md(exc))


def show_result(result: CheckResult, *, source: str, crs_note: str, map_key: str) -> None:
    """Summary, findings table, map and downloads of one check.

    ``map_key`` identifies this check (upload and options): the map's overview
    and index are cached under it.
    """
    s = result.summary
    st.subheader(t("chk_summary"))
    cols = st.columns(5)
    for col, key, value in zip(
        cols,
        ("chk_features", "chk_matched", "chk_area", "chk_findings", "chk_flagged"),
        (s["features"], s["matched"], f"{s['measured_mu']:,.2f}", s["findings"], s["flagged_features"]),
        strict=True,
    ):
        col.metric(t(key), value)
    counts = pd.DataFrame(
        {
            t("chk_col_check"): [pick(c.zh, c.en) for c in CHECKS.values()],
            t("chk_col_severity"): [t(f"sev_{c.severity}") for c in CHECKS.values()],
            t("chk_col_count"): [s["by_check"][k] for k in CHECKS],
        }
    )
    with st.expander(t("chk_by_check")):
        st.dataframe(counts, hide_index=True, key="chk_counts")

    st.subheader(t("chk_table"))
    fired = [k for k in CHECKS if s["by_check"].get(k)]
    if not fired:
        st.success(t("chk_none"))
    else:
        only = st.multiselect(t("chk_filter"), fired, placeholder=t("choose"), key="chk_filter",
                              format_func=bind(fired, lambda k: pick(CHECKS[k].zh, CHECKS[k].en)))
        f = result.findings if not only else result.findings[result.findings["check"].isin(only)]
        st.dataframe(_findings_frame(f), hide_index=True, key="chk_findings")

    st.subheader(t("chk_map"))
    findings_map(result, map_key=map_key)

    st.subheader(t("chk_downloads"))  # files are built only when a button is clicked
    stem = source.rsplit(".", 1)[0]
    downloads: tuple[tuple[str, Callable[[], str | bytes], str, str], ...] = (  # (label key, builder, file, MIME)
        ("chk_dl_html", partial(html_report, result, source=source, plan_parcels=data.indicative_parcels(),
                                crs_note=crs_note), f"{stem}_check.html", "text/html"),
        ("chk_dl_csv", partial(findings_csv, result.findings, lang=lang()), f"{stem}_findings.csv", "text/csv"),
        ("chk_dl_geojson", partial(flagged_geojson, result), f"{stem}_flagged.geojson", "application/geo+json"),
    )
    for col, (key, build, file_name, mime) in zip(st.columns(len(downloads)), downloads, strict=True):
        col.download_button(t(key), build, file_name=file_name, mime=mime, key=key, on_click="ignore")


def _open(uid: str) -> None:
    st.session_state["chk_opened"] = uid


def _act(action: str, uid: str, *args: object) -> None:
    """A button's explicit action on an upload, as the signed-in user (checked and audited by geo.store.Office).

    Runs as a button callback: a rerun of this or any other session never
    repeats it (buttons hold no state), so nothing changes the workspace but
    a click.
    """
    actor = auth.current()
    if actor is None:
        return
    off = auth.office()
    try:
        if action == "switch":
            off.switch(actor, uid, bool(args[0]))
        elif action == "delete":
            st.session_state.pop(REMOVING, None)
            off.delete(actor, uid)
            if st.session_state.get("chk_opened") == uid:
                del st.session_state["chk_opened"]
            saved = st.session_state.get("chk_saved")
            if saved and saved[1] == uid:  # its green "saved" message would now be untrue
                del st.session_state["chk_saved"]
        elif action == "restore":
            off.restore(actor, uid)
    except GeoError as exc:
        st.session_state["chk_action_error"] = str(exc)


def _ask_remove(uid: str | None) -> None:
    """The first click on Remove (or Cancel, with None): the confirmation that names the upload is shown or hidden."""
    if uid is None:
        st.session_state.pop(REMOVING, None)
    else:
        st.session_state[REMOVING] = uid


def _owner(upload: Upload) -> str:
    return t("off_owner", owner=upload.owner or t("off_nobody"), when=auth.when(upload.saved_at))


def workspace_panel(actor: Actor) -> None:
    """Saved uploads with owner and time: open (everyone signed in), switch and remove (owner or admin)."""
    off = auth.office()
    st.subheader(t("chk_workspace"))
    st.caption(t("off_workspace_kept"))
    error = st.session_state.pop("chk_action_error", None)
    if error:
        st.error(md(error))
    saved = off.uploads(actor)
    if not saved:
        st.info(t("off_workspace_empty"))
    for u in saved:
        mine = off.may_change(actor, u)
        c = st.columns([4, 3, 3, 1, 1])
        c[0].text(f"{u.name} · {u.features} {t('chk_features')} · {u.findings} {t('chk_findings')}")
        c[1].text(_owner(u))
        if mine:
            c[2].button(t("off_use_off") if u.use_surveyed else t("off_use_on"), key=f"chk_use_{u.upload_id}",
                        help=t("chk_use_surveyed_help"), on_click=_act,
                        args=("switch", u.upload_id, not u.use_surveyed),
                        type="primary" if u.use_surveyed else "secondary")
        else:
            c[2].text(t("off_in_use") if u.use_surveyed else t("off_not_in_use"))
        c[3].button(t("chk_open"), key=f"chk_open_{u.upload_id}", on_click=_open, args=(u.upload_id,))
        if mine:
            c[4].button(t("chk_remove"), key=f"chk_rm_{u.upload_id}", on_click=_ask_remove, args=(u.upload_id,))
            if st.session_state.get(REMOVING) == u.upload_id:
                st.warning(t("chk_remove_confirm", name=md(u.name)))
                b = st.columns([2, 1, 5])
                b[0].button(t("chk_remove_yes", name=md(u.name)), key=f"chk_rm_yes_{u.upload_id}", type="primary",
                            on_click=_act, args=("delete", u.upload_id))
                b[1].button(t("adm_cancel"), key=f"chk_rm_no_{u.upload_id}", on_click=_ask_remove, args=(None,))
    deleted = off.uploads(actor, deleted=True)
    if deleted:
        with st.expander(t("off_deleted", n=len(deleted))):
            for u in deleted:
                c = st.columns([4, 3, 3, 2])
                c[0].text(u.name)
                c[1].text(_owner(u))
                c[2].text(t("off_deleted_by", by=u.deleted_by or t("off_nobody"), when=auth.when(u.deleted_at)))
                if off.may_change(actor, u):
                    c[3].button(t("off_restore"), key=f"chk_restore_{u.upload_id}", on_click=_act,
                                args=("restore", u.upload_id))
    in_use = int((data.parcels()["geometry_basis"] == "surveyed").sum())
    if in_use:
        st.caption(t("chk_surveyed_in_use", n=in_use))


def save_button(run: CheckRun, payload: bytes, actor: Actor, saved_key: tuple[object, ...]) -> None:
    """Saving is explicit: a button; once saved (for these options) a note with the upload's id."""
    done = st.session_state.get("chk_saved")
    if done and done[0] == saved_key:
        st.success(t("off_saved", uid=done[1]))
        return
    if st.button(t("off_save"), key="chk_save", type="primary", help=t("off_save_help")):
        try:
            uid = save_run(run, payload, user=actor)
        except GeoError as exc:
            st.error(md(exc))
            return
        st.session_state["chk_saved"] = (saved_key, uid)
        st.rerun()


actor = auth.gate()
may_write = auth.office().may_write(actor)
st.title(t("chk_title"))
st.caption(t("chk_intro"))
if may_write:
    upload = st.file_uploader(t("chk_upload", mb=MAX_MB), type=FORMATS, key="chk_upload", max_upload_size=MAX_MB,
                              help=t("chk_upload_help", mb=MAX_MB, drop=t("upload_drop_note")))
else:
    upload = None
    st.info(t("off_viewer"))
opts = st.columns([3, 3, 1])
relabel(("chk_crs", "chk_filter"))  # their options in the chosen language after a switch
crs = opts[0].selectbox(t("chk_crs"), CRS_CHOICES, placeholder=t("chk_crs_placeholder"), key="chk_crs",
                        format_func=bind(CRS_CHOICES, _crs_label), accept_new_options=True,
                        help=t("chk_crs_help"), disabled=not may_write)
tolerance = opts[2].number_input(
    t("chk_tolerance"), min_value=0.0, max_value=100.0, value=1.0, step=0.5, key="chk_tolerance"
)

try:
    if upload is not None:
        payload = upload.getvalue()
        uid = ws.upload_id(payload, upload.name, owner=actor.name)
        read = _read(uid, upload.name, crs, payload)
        st.info(t("chk_crs_found", note=md(read.crs_note[0 if lang() == "zh" else 1])))
        if read.encoding:
            st.caption(t("chk_encoding", enc=md(read.encoding)))
        for w in read.warnings:
            st.warning(md(readwords.warning(w)))
        fields = ["", *read.fields]
        suggested = suggest_name_field(read.layer, data.indicative_parcels()) or ""
        name_field = opts[1].selectbox(t("chk_name_field"), fields, placeholder=t("choose_one"),
            index=fields.index(suggested),
            key=f"chk_name_{uid}",
            format_func=bind(fields, lambda f: f or t("chk_name_none")),
            help=t("chk_name_help"),
        )
        repair = st.checkbox(t("chk_make_valid"), key="chk_repair")
        options = CheckOptions(name_field=name_field or None, tolerance_pct=float(tolerance), make_valid=repair)
        run = _check(uid, crs, options, read)
        result = run.result
        saved_key = (uid, crs, name_field, float(tolerance), repair)
        save_button(run, payload, actor, saved_key)
        show_result(result, source=upload.name, crs_note=read.crs_note[1], map_key="|".join(map(str, saved_key)))
    elif (opened := st.session_state.get("chk_opened")) and (
        row := next((u for u in auth.office().uploads(actor) if u.upload_id == opened), None)
    ):
        st.info(t("chk_showing_saved", name=md(row.name)))
        result = _saved(row.upload_id, row.saved_at, float(row.tolerance_pct))
        show_result(result, source=row.name, crs_note=row.crs or "",
                    map_key="|".join(map(str, (row.upload_id, row.saved_at, row.tolerance_pct))))
except GeoError as exc:
    st.error(md(exc))
try:
    workspace_panel(actor)
except GeoError as exc:
    st.error(md(exc))
