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

A corrected file is saved as a resubmission of an earlier upload (proposed when
most of its parcel names are that upload's, :mod:`geo.checks.resubmit`): the
page then shows what was fixed, is still open and is new, and the workspace
lists an upload with its resubmissions as one case. The formal 核查报告 (Word,
PDF) is the CLI's (:func:`geo.checks.formal.build_formal`), signed by the
signed-in user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

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
    resubmit,
    save_run,
    saved_result,
    suggest_name_field,
)
from geo.checks.chunked import FLAGGED_CAP
from geo.checks.diagnose import detect_name_field
from geo.checks.formal import build_formal
from geo.checks.resubmit import Resubmission
from geo.checks.upload import LARGE_BYTES, LISTED_AT_MOST, SAVE_AT_MOST, check_large, is_large, upload_names
from geo.crs import EXPORT_CRS
from geo.errors import GeoError
from geo.io import ReadResult, read_bytes
from geo.mapview import findings as fmap
from geo.mapview.basemaps import get_basemap
from geo.mapview.embed import map_parts
from geo.reports import report_bytes
from geo.store import Actor, Office, Upload
from geo.store import workspace as ws
from ui import auth, data, map_element, readwords, state, uploader
from ui.convert import MAX_MB
from ui.detail import project_words
from ui.i18n import bind, error_text, lang, pick, relabel, t
from ui.safe import md

FORMATS = ["zip", "kmz", "gpkg", "geojson", "json", "kml", "csv", "txt", "parquet"]
MAP_KEY = "chk_map"
#: Session key of the upload whose removal waits for its confirmation.
REMOVING = "chk_removing"


@st.cache_resource(max_entries=4, show_spinner=False)
def _read(uid: str, name: str, crs: str | None, _payload: bytes) -> ReadResult:
    return read_bytes(_payload, name=name, crs=crs or None)


def _plan_layers() -> PlanLayers:
    """The plan in use's layers a check compares with."""
    return PlanLayers(parcels=data.indicative_parcels(), zones=data.zones(), districts=data.districts())


@st.cache_resource(max_entries=8, show_spinner=False)
def _check(uid: str, crs: str | None, options: CheckOptions, _read_result: ReadResult, plan_key: str) -> CheckRun:
    """A read layer checked against the plan in use (``plan_key``: its cache key, :func:`ui.data.plan_key`)."""
    return check_read(_read_result, _plan_layers(), options)


@st.cache_resource(max_entries=8, show_spinner=False)
def _suggested(uid: str, crs: str | None, _read_result: ReadResult, plan_key: str) -> str:
    """The field proposed to match names by (once per upload: it compares every column with the plan)."""
    return suggest_name_field(_read_result.layer, data.indicative_parcels()) or ""


@st.cache_resource(max_entries=3, show_spinner=False)  # a 10^6-parcel upload's findings take ~200 MB
def _large(uid: str, name: str, crs: str | None, options: CheckOptions, suggest: bool, _payload: bytes,
           plan_key: str) -> CheckRun:
    """A big upload checked as the CLI checks it, in a worker (:mod:`geo.checks.upload`): findings, no layer."""
    return check_large(_payload, name=name, crs=crs, options=options, plan=_plan_layers(), suggest=suggest)


@st.cache_resource(max_entries=8, show_spinner=False)
def _large_names(uid: str, name: str, crs: str | None, name_field: str | None, _payload: bytes) -> frozenset[str]:
    """Every parcel name of a big upload (read again, in a worker), to propose the upload it resubmits."""
    return frozenset(upload_names(_payload, name=name, crs=crs, name_field=name_field))


@st.cache_resource(max_entries=4, show_spinner=False)
def _saved(uid: str, saved_at: str, tolerance: float) -> CheckResult:
    return saved_result(uid, tolerance_pct=tolerance)


@st.cache_resource(max_entries=4, show_spinner=False)
def _map_layer(map_key: str, shift: str | None, _result: CheckResult) -> fmap.FindingsLayer:
    return fmap.prepare_layer(_result.parcels, _result.findings, shift=shift)


@st.cache_resource(max_entries=64, show_spinner=False)
def _names_of(upload_id: str, saved_at: str, name_field: str, _actor: Actor) -> frozenset[str]:
    """A saved upload's parcel names as compared (to propose the upload a new file resubmits); none if unreadable."""
    try:
        parcels, _ = auth.office().open(_actor, upload_id)
    except GeoError:  # a damaged upload is not proposed (opening it says why)
        return frozenset()
    return frozenset(resubmit.name_set(parcels, name_field or None))


@st.cache_resource(max_entries=8, show_spinner=False)
def _against(check_key: str, earlier: str, saved_at: str, _actor: Actor, _run: CheckRun) -> Resubmission:
    """This check compared with the earlier upload it resubmits (once per check and earlier save)."""
    return resubmit.against(auth.office(), _actor, earlier, _run)


@st.cache_resource(max_entries=32, show_spinner=False)
def _saved_against(upload_id: str, saved_at: str, earlier_saved_at: str, _actor: Actor) -> Resubmission | None:
    """A saved resubmission compared with the upload it resubmits (the workspace's case history)."""
    off = auth.office()
    upload = off.store.get_upload(upload_id)
    if upload is None:
        return None
    parcels, findings = off.open(_actor, upload_id)
    return resubmit.saved_against(off, _actor, upload, findings, parcels)


def _formal(whole: Callable[[], CheckRun], sha256: Callable[[], str], checker: str,
            resubmission: Resubmission | None, fmt: str) -> bytes:
    """The 核查报告 as the CLI writes it (``--report``), in the page's language, signed by the signed-in user.

    ``whole`` gives the check with every parcel (a big upload is read again for it), ``sha256`` the file's
    SHA-256: both only when a report is asked for.
    """
    content = build_formal(whole(), None, checker=checker, lang=lang(), plan_parcels=data.indicative_parcels(),
                           sha256=sha256() or "—", zones=data.zones(), districts=data.districts(),
                           resubmission=resubmission)
    return report_bytes(content, fmt)


def _saved_run(row: Upload, result: CheckResult) -> CheckRun:
    """A saved check as a :class:`CheckRun` for its 核查报告 (the file as the upload recorded it)."""
    note = row.crs or ""
    read = ReadResult(layer=result.parcels, source=row.name, fmt=row.fmt or "", crs=row.crs or "",
                      crs_basis=row.crs_basis or "", crs_note=(note, note))
    tolerance = row.tolerance_pct if row.tolerance_pct == row.tolerance_pct else 1.0
    detected = None if row.name_field else detect_name_field(result.parcels)  # names the parcels, as the check did
    named = CheckResult(findings=result.findings, summary=result.summary | {"label_field": detected},
                        parcels=result.parcels)
    return CheckRun(read=read, options=CheckOptions(name_field=row.name_field or None, tolerance_pct=tolerance),
                    result=named)


def _crs_label(code: str) -> str:
    return t("chk_crs_auto") if not code else (f"{pick(*EXPORT_CRS[code])} ({code})" if code in EXPORT_CRS else code)


#: The label of each state of a resubmission's finding (geo.checks.resubmit.STATUSES).
SINCE_LABELS = {"fixed": "chk_fixed", "open": "chk_still_open", "new": "chk_new"}


def _findings_frame(f: pd.DataFrame) -> pd.DataFrame:
    """Findings with the page's column names; checks' names and messages in the chosen language.

    A resubmission's findings (``since``) lead with their state: 已整改, 仍存在 or 新增.
    """
    since = {t("chk_col_since"): f["since"].map(lambda v: t(SINCE_LABELS.get(str(v), "chk_new")))} if (
        "since" in f.columns) else {}
    named = {t("chk_col_parcel"): f["parcel_name" if lang() == "zh" else "parcel_name_en"]} if (
        "since" in f.columns and "parcel_name" in f.columns and "parcel_name_en" in f.columns) else {}
    return pd.DataFrame(
        {
            **since,
            **named,
            t("chk_col_feature"): f["feature"],
            t("project_id"): f["project_id"],
            t("chk_col_check"): f["check"].map({k: t(f"registry.{k}") for k in CHECKS}),
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
        flagged = int(result.summary.get("flagged_features", 0))
        if len(result.parcels) < int(result.summary.get("features", 0)):  # a big upload: its worst parcels only
            st.caption(t("chk_map_flagged_only", shown=f"{len(result.parcels):,}", flagged=f"{flagged:,}"))
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


def show_resubmission(resubmission: Resubmission) -> None:
    """已整改 / 仍存在 / 新增: the counts, and the fixed findings listed (nothing disappears silently)."""
    st.subheader(t("chk_resubmission"))
    st.caption(t("chk_resubmission_of", name=md(resubmission.of_name or resubmission.of),
                 when=auth.when(resubmission.of_saved_at)))
    counts = resubmission.counts
    for col, key, value in zip(st.columns(3), ("chk_fixed", "chk_still_open", "chk_new"),
                               (counts["fixed"], counts["open"], counts["new"]), strict=True):
        col.metric(t(key), value)
    if len(resubmission.fixed):
        with st.expander(t("chk_fixed_list")):
            st.dataframe(_findings_frame(resubmission.fixed), hide_index=True, key="chk_fixed_findings")


def show_result(result: CheckResult, *, source: str, crs_note: str, map_key: str,
                resubmission: Resubmission | None = None,
                formal: Callable[[str], bytes] | None = None) -> None:
    """Summary, findings table, map and downloads of one check.

    ``map_key`` identifies this check (upload and options): the map's overview
    and index are cached under it. ``resubmission``: the check compared with
    the upload it resubmits (counts, and each finding's state); ``formal``
    builds the 核查报告 in a format (``docx``, ``pdf``) when its button is clicked.
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
            t("chk_col_check"): [t(f"registry.{k}") for k in CHECKS],
            t("chk_col_severity"): [t(f"sev_{c.severity}") for c in CHECKS.values()],
            t("chk_col_count"): [s["by_check"][k] for k in CHECKS],
        }
    )
    with st.expander(t("chk_by_check")):
        st.dataframe(counts, hide_index=True, key="chk_counts")
    if resubmission is not None:
        show_resubmission(resubmission)

    st.subheader(t("chk_table"))
    fired = [k for k in CHECKS if s["by_check"].get(k)]
    if not fired:
        st.success(t("chk_none"))
    else:
        only = st.multiselect(t("chk_filter"), fired, placeholder=t("choose"), key="chk_filter",
                              format_func=bind(fired, lambda k: t(f"registry.{k}")))
        every = result.findings if resubmission is None else resubmission.findings  # with their state
        f = every if not only else every[every["check"].isin(only)]
        st.dataframe(_findings_frame(f.head(LISTED_AT_MOST)), hide_index=True, key="chk_findings")
        if len(f) > LISTED_AT_MOST:  # the downloads hold them all
            st.caption(t("chk_table_first", shown=f"{LISTED_AT_MOST:,}", n=f"{len(f):,}"))

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
    if formal is not None:  # the formal 核查报告, as `python -m geo check --report` writes it
        downloads += (
            ("chk_dl_docx", data.in_plan(partial(formal, "docx")), t("check.report_file", stem=stem, ext="docx"),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("chk_dl_pdf", data.in_plan(partial(formal, "pdf")), t("check.report_file", stem=stem, ext="pdf"),
             "application/pdf"),
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
        st.session_state["chk_action_error"] = error_text(exc)


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
    by_id = {u.upload_id: u for u in saved}
    for case in resubmit.cases(saved):  # an upload and its resubmissions: one case, oldest first
        if len(case) > 1:
            st.caption(t("chk_case", name=md(case[0].name), n=len(case)))
        for u in case:
            _upload_row(off, actor, u, by_id.get(u.resubmits or ""))
    _deleted_and_in_use(off, actor, off.uploads(actor, deleted=True))


def _upload_row(off: Office, actor: Actor, u: Upload, earlier: Upload | None) -> None:
    """One saved upload: what it is (for a resubmission, what it fixed), its owner, and its buttons."""
    mine = off.may_change(actor, u)
    c = st.columns([4, 3, 3, 1, 1])
    line = f"{u.name} · {u.features} {t('chk_features')} · {u.findings} {t('chk_findings')}"
    try:
        compared = None if earlier is None else _saved_against(u.upload_id, u.saved_at, earlier.saved_at, actor)
    except GeoError:  # an upload that cannot be read: listed without its counts (opening it says why)
        compared = None
    if compared is not None:
        line = t("chk_case_row", name=line, **compared.counts)
    c[0].text(line)
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


def _deleted_and_in_use(off: Office, actor: Actor, deleted: list[Upload]) -> None:
    """The deleted uploads (restore: owner or admin), and how many projects use surveyed geometry."""
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


def resubmission_choice(actor: Actor, uid: str, names_of: Callable[[], set[str]]) -> str | None:
    """Which earlier upload this file resubmits: a choice, pre-selected with the proposed one (and why).

    The proposal (:func:`geo.checks.resubmit.propose`): the upload holding most of this file's parcel names
    (``names_of``, asked only when there is an earlier upload), when that is more than half of them.
    None: not a resubmission (or nothing saved yet to resubmit).
    """
    off = auth.office()
    earlier = [u for u in off.uploads(actor) if u.upload_id != uid]
    if not earlier:
        return None
    names = names_of()
    proposal = resubmit.propose(names, [
        (u, set(_names_of(u.upload_id, u.saved_at, u.name_field, actor)))
        for u in earlier[:resubmit.PROPOSE_FROM]])
    by_id = {u.upload_id: u for u in earlier}
    choices = ["", *by_id]

    def label(choice: str) -> str:
        if not choice:
            return t("chk_resubmits_none")
        u = by_id[choice]
        return t("chk_resubmits_option", name=u.name, owner=u.owner or t("off_nobody"), when=auth.when(u.saved_at))

    chosen = st.selectbox(t("chk_resubmits"), choices, key=f"chk_resubmits_{uid}", placeholder=t("choose_one"),
                          help=t("chk_resubmits_help"),
                          index=choices.index(proposal.upload.upload_id) if proposal is not None else 0,
                          format_func=bind(choices, label))
    if proposal is not None:
        st.caption(t("chk_resubmits_proposed", name=md(proposal.upload.name), matched=proposal.matched,
                     names=proposal.names, share=round(100 * proposal.share)))
    return chosen or None


def save_button(whole: Callable[[], CheckRun], payload: bytes, actor: Actor, saved_key: tuple[object, ...],
                resubmits: str | None = None) -> None:
    """Saving is explicit: a button; once saved (for these options) a note with the upload's id.

    ``whole``: the check with every parcel, asked for on the click (the workspace keeps the whole layer).
    ``resubmits``: the earlier upload this file resubmits (saved with the link; checked again on save).
    """
    done = st.session_state.get("chk_saved")
    if done and done[0] == saved_key:
        st.success(t("off_saved", uid=done[1]))
        return
    if st.button(t("off_save"), key="chk_save", type="primary", help=t("off_save_help")):
        try:
            run = whole()
            uid = (resubmit.save_resubmission(run, payload, resubmits=resubmits, user=actor) if resubmits
                   else save_run(run, payload, user=actor))
        except GeoError as exc:
            st.error(md(exc))
            return
        st.session_state["chk_saved"] = (saved_key, uid)
        st.rerun()


@dataclass(frozen=True)
class Checked:
    """An upload's check as the page shows it.

    ``whole``: the check with every parcel, for saving and the 核查报告 (None: too big for the page, use the
    CLI); ``names``: every parcel's name, to propose the upload it resubmits (asked only if one may be).
    """

    run: CheckRun
    whole: Callable[[], CheckRun] | None
    names: Callable[[], set[str]]


def _show_read(read: ReadResult) -> None:
    """What the reader found: the CRS, the encoding, its warnings."""
    st.info(t("chk_crs_found", note=md(read.crs_note[0 if lang() == "zh" else 1])))
    if read.encoding:
        st.caption(t("chk_encoding", enc=md(read.encoding)))
    for w in read.warnings:
        st.warning(md(readwords.warning(w)))


def _name_field(where: DeltaGenerator, uid: str, fields: list[str], suggested: str) -> str:
    """The field to match parcels to projects by, proposed first."""
    choices = ["", *fields]
    return str(where.selectbox(t("chk_name_field"), choices, placeholder=t("choose_one"),
                               index=choices.index(suggested) if suggested in choices else 0, key=f"chk_name_{uid}",
                               format_func=bind(choices, lambda f: f or t("chk_name_none")), help=t("chk_name_help")))


def small_upload(name: str, payload: bytes, uid: str, crs: str | None, tolerance: float,
                 where: DeltaGenerator) -> Checked:
    """An upload read whole in the server (in the read worker) and checked here: every parcel on the map."""
    read = _read(uid, name, crs, payload)
    _show_read(read)
    field = _name_field(where, uid, read.fields, _suggested(uid, crs, read, data.plan_key()))
    repair = st.checkbox(t("chk_make_valid"), key="chk_repair")
    run = _check(uid, crs, CheckOptions(name_field=field or None, tolerance_pct=tolerance, make_valid=repair), read,
                 data.plan_key())
    label = run.options.name_field or run.result.summary.get("label_field")
    return Checked(run, whole=lambda: run, names=lambda: resubmit.name_set(run.result.parcels, label))


def large_upload(name: str, payload: bytes, uid: str, crs: str | None, tolerance: float,
                 where: DeltaGenerator) -> Checked:
    """An upload over :data:`geo.checks.upload.LARGE_BYTES`, checked as the CLI checks it (see there).

    The first check matches by the proposed field; another choice is another check (both kept).
    """
    repair = st.checkbox(t("chk_make_valid"), key="chk_repair")
    base = CheckOptions(tolerance_pct=tolerance, make_valid=repair)
    first = _large(uid, name, crs, base, True, payload, data.plan_key())
    summary = first.result.summary
    field = _name_field(where, uid, list(summary.get("fields", [])), str(summary.get("suggested_field") or ""))
    run = first if (field or None) == first.options.name_field else _large(
        uid, name, crs, replace(base, name_field=field or None), False, payload, data.plan_key())
    _show_read(run.read)
    st.caption(t("chk_large", mb=LARGE_BYTES // 2**20, shown=f"{FLAGGED_CAP:,}"))
    label = run.options.name_field or run.result.summary.get("label_field")
    whole = None if int(run.result.summary["features"]) > SAVE_AT_MOST else (
        lambda: _check(uid, crs, run.options, _read(uid, name, crs, payload), data.plan_key()))
    return Checked(run, whole=whole, names=lambda: set(_large_names(uid, name, crs, label, payload)))


actor = auth.gate()
may_write = auth.office().may_write(actor)
st.title(t("chk_title"))
st.caption(t("chk_intro"))
if may_write:
    upload = uploader.file_uploader(t("chk_upload", mb=MAX_MB), types=FORMATS, key="chk_upload", max_mb=MAX_MB,
                                    help=t("chk_upload_help", mb=MAX_MB))
else:
    upload = None
    st.info(t("off_viewer"))
opts = st.columns([3, 3, 1])
relabel(("chk_crs", "chk_filter"))  # their options in the chosen language after a switch
crs_choices = ["", *EXPORT_CRS]  # WGS84, CGCS2000 and the plan's own Gauss–Krüger zone (with and without prefix)
crs = opts[0].selectbox(t("chk_crs"), crs_choices, placeholder=t("chk_crs_placeholder"), key="chk_crs",
                        format_func=bind(crs_choices, _crs_label), accept_new_options=True,
                        help=t("chk_crs_help"), disabled=not may_write)
tolerance = opts[2].number_input(
    t("chk_tolerance"), min_value=0.0, max_value=100.0, value=1.0, step=0.5, key="chk_tolerance"
)

try:
    if upload is not None:
        payload = upload.getvalue()
        uid = ws.upload_id(payload, upload.name, owner=actor.name)
        checked = (large_upload if is_large(len(payload)) else small_upload)(upload.name, payload, uid, crs or None,
                                                                             float(tolerance), opts[1])
        run = checked.run
        result = run.result
        earlier = resubmission_choice(actor, uid, checked.names)
        field = run.options.name_field
        map_key = "|".join(map(str, (uid, crs, field, float(tolerance), run.options.make_valid)))
        against = None if earlier is None else _against(map_key, earlier, next(
            (u.saved_at for u in auth.office().uploads(actor) if u.upload_id == earlier), ""), actor, run)
        whole = checked.whole
        if whole is None:
            st.info(t("chk_save_cli", n=f"{SAVE_AT_MOST:,}", name=md(upload.name)))
        else:
            save_button(whole, payload, actor, (uid, crs, field, float(tolerance), run.options.make_valid, earlier),
                        earlier)
        show_result(result, source=upload.name, crs_note=run.read.crs_note[1], map_key=map_key, resubmission=against,
                    formal=None if whole is None else partial(
                        _formal, whole, partial(ws.file_hash, payload), actor.name or "", against))
    elif (opened := st.session_state.get("chk_opened")) and (
        row := next((u for u in auth.office().uploads(actor) if u.upload_id == opened), None)
    ):
        st.info(t("chk_showing_saved", name=md(row.name)))
        result = _saved(row.upload_id, row.saved_at, float(row.tolerance_pct))
        before = auth.office().store.get_upload(row.resubmits) if row.resubmits else None
        against = (None if before is None or before.deleted
                   else _saved_against(row.upload_id, row.saved_at, before.saved_at, actor))
        show_result(result, source=row.name, crs_note=row.crs or "",
                    map_key="|".join(map(str, (row.upload_id, row.saved_at, row.tolerance_pct))), resubmission=against,
                    formal=partial(_formal, partial(_saved_run, row, result), partial(str, row.file_hash),
                                   actor.name or "", against))
except GeoError as exc:
    st.error(md(exc))
try:
    workspace_panel(actor)
except GeoError as exc:
    st.error(md(exc))
