"""The drafting page's working copy: the parcels as drawn now, between two saves.

The map element reports the whole draft after every change as GeoJSON
(:attr:`ui.map_element.MapEvents.draft`); :func:`parcels_of` turns it into the
draft's GeoDataFrame (:mod:`geo.drafts`' columns) and :func:`features_of` back.
The working copy lives in the session: a rerun, a language switch or a save
that is refused as a conflict loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from geo.area import measured_mu
from geo.crs import WGS84
from geo.drafts.checks import check_draft
from geo.drafts.diff import change_kinds
from geo.drafts.export import draft_bytes
from geo.drafts.model import PARCEL_COLUMNS, DraftPlan, DraftVersion, as_parcels, empty_parcels, new_parcel_id
from geo.drafts.service import Drafts, check_attributes
from geo.drafts.shapes import OnDuplicate, attach_project, split_parcels
from geo.errors import GeoError, say
from geo.io.export import FORMATS
from geo.mapview import build_map
from geo.mapview.basemaps import get_basemap
from geo.mapview.draftdiff import diff_map
from geo.mapview.embed import MapParts, map_parts
from geo.store import Actor
from ui import auth, data
from ui.i18n import error_text, lang, t

WORKING_KEY = "_draft_working"
#: Key of the drafting page's map (``app.py`` asks :func:`ui.map_element.map_first` of it before the page runs).
MAP_KEY = "draft_map"


@dataclass
class Working:
    """A draft's parcels as the user has them now, and the version they started from."""

    draft_id: str
    base_version: int
    parcels: gpd.GeoDataFrame
    #: Names this content for the map (a new stamp redraws the drawn layer from :attr:`parcels`).
    stamp: str = field(default_factory=lambda: uuid.uuid4().hex)
    dirty: bool = False

    def replace(self, parcels: gpd.GeoDataFrame, *, redraw: bool) -> None:
        """New parcels (from the map: ``redraw`` False; from the page, e.g. attached to a project: True)."""
        self.parcels = parcels
        self.dirty = True
        if redraw:
            self.stamp = uuid.uuid4().hex


def working() -> Working | None:
    """This session's working copy, if any."""
    found = st.session_state.get(WORKING_KEY)
    return found if isinstance(found, Working) else None


def start(draft_id: str, version: int, parcels: gpd.GeoDataFrame) -> Working:
    """A fresh working copy of ``draft_id`` at ``version`` (what was unsaved is dropped: the caller asked)."""
    copy = Working(draft_id, version, parcels.reset_index(drop=True))
    st.session_state[WORKING_KEY] = copy
    return copy


def _values(column: pd.Series) -> list[Any]:
    """A column as JSON values: missing ones (``pd.NA``, NaN, None) as None."""
    return list(column.astype(object).where(column.notna(), None))


def version_parcels(svc: Drafts, actor: Actor, record: DraftVersion) -> gpd.GeoDataFrame:
    """The parcels of a saved version, ``record`` as listed by ``svc.versions(actor, …)``: read and decoded once
    per server process.

    A saved version never changes (a save or a restore makes a new one), so its parcels are cached by workspace,
    draft, version and the time it was saved (a workspace restored from a backup and saved again has the same
    numbers, never the same time). Listing the versions has checked that ``actor`` may read them.
    """
    where = f"{svc.store.kind}:{svc.store.describe()}"
    return _version_parcels(where, record.draft_id, record.version, record.saved_at, svc, actor)


@st.cache_data(show_spinner=False, max_entries=16)
def _version_parcels(where: str, draft_id: str, version: int, saved_at: str, _svc: Drafts,
                     _actor: Actor) -> gpd.GeoDataFrame:
    return _svc.load(_actor, draft_id, version)[1]


def features_of(parcels: gpd.GeoDataFrame) -> dict[str, Any]:
    """The parcels as the map element draws them: a FeatureCollection with id, project, name, declared mu.

    Built column-wise (GEOS writes each geometry's GeoJSON, all coordinates at full precision): on the drafting
    page's first run this is on the way to the map, and geopandas' row-by-row ``to_json`` took 30 ms for 200
    parcels on the benchmark machine, this 5 ms.
    """
    if parcels.crs is not None and parcels.crs != WGS84:
        parcels = parcels.to_crs(WGS84)
    mu = pd.to_numeric(parcels["declared_mu"], errors="coerce")
    shapes = shapely.to_geojson(parcels.geometry.to_numpy())
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"parcel_id": pid, "project_id": project, "name": name,
                                           "declared_mu": None if declared is None else float(declared)},
         "geometry": None if shape is None else json.loads(shape)}
        for pid, project, name, declared, shape in zip(
            _values(parcels["parcel_id"]), _values(parcels["project_id"]), _values(parcels["name_zh"]),
            _values(mu), shapes, strict=True)
    ]}


def parcels_of(features: dict[str, Any], before: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The draft's parcels from the map's report: geometry from the map, attributes kept from ``before``.

    The map knows only ids, names and shapes; a parcel's project, track, zone, declared mu and note
    come from the working copy by ``parcel_id``; a parcel drawn just now starts unattached.
    """
    feats = [f for f in features.get("features", []) if f.get("geometry")]
    if not feats:
        return empty_parcels()
    drawn = gpd.GeoDataFrame.from_features(feats, crs=4326)
    known = before.set_index("parcel_id") if len(before) else None
    rows = []
    for pid, geom in zip(drawn["parcel_id"], drawn.geometry, strict=True):
        if known is not None and pid in known.index:
            row = known.loc[pid].to_dict()
        else:
            row = dict.fromkeys(PARCEL_COLUMNS, pd.NA)
            row.update(name_zh="", name_en="", note="")
        row.update(parcel_id=pid, geometry=geom)
        rows.append(row)
    return as_parcels(gpd.GeoDataFrame(rows, geometry="geometry", crs=4326))


def _mu_text(value: object) -> str:
    """A mu figure to 0.01, or — when unknown (never ``None`` or ``nan`` on a planner's page)."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return "—" if pd.isna(number) else f"{float(number):,.2f}"


def parcels_words(parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each parcel as the page lists it: name, project, area in mu (ellipsoidal, CGCS2000), declared, difference."""
    mu = measured_mu(parcels, source="draft") if len(parcels) else pd.Series(dtype="float64")
    declared = pd.to_numeric(parcels["declared_mu"], errors="coerce")
    names = parcels["name_zh"].fillna("").astype(str)
    return pd.DataFrame({
        t("draft_col_name"): names.where(names != "", parcels["parcel_id"].astype(str)),
        t("draft_col_project"): parcels["project_id"].astype(object).where(parcels["project_id"].notna(),
                                                                           t("draft_unattached")),
        t("draft_col_mu"): [_mu_text(v) for v in mu],
        t("draft_col_declared"): [_mu_text(v) for v in declared],
        t("draft_col_diff"): [_mu_text(a - b) for a, b in zip(mu, declared, strict=True)],
    })


def service() -> Drafts:
    """The plan's drafts in the workspace (permissions and the audit trail in :class:`geo.drafts.service.Drafts`)."""
    plan = DraftPlan.of(data.projects(), data.tracks(), data.zones())
    return Drafts(auth.office(), plan)


@st.cache_data(show_spinner=False, max_entries=8)
def base_map(basemap: str, language: str, ctx: tuple[str, ...], base: str, plan_key: str) -> MapParts:
    """The map drafts are drawn on: the spatial units, the plan's parcels as they are now, the context layers.

    ``plan_key``: the plan in use (:func:`ui.data.plan_key`), so that a session on another plan gets its map.
    A basemap in GCJ-02 (Gaode) is replaced by none: a draft is stored in WGS84/CGCS2000 and a shape traced
    over shifted tiles would land off by hundreds of metres.
    """
    safe = "none" if get_basemap(basemap).shift else basemap
    return map_parts(build_map(
        parcels=data.parcels(), zones=data.zones(), tracks=data.tracks(),
        places=data.places() if "places" in ctx else None,
        districts=data.districts() if "districts" in ctx else None,
        metro=data.metro() if "metro" in ctx else None,
        basemap=safe, lang=language, tile_keys=data.tile_keys(), asset_base=base,
        controls=False,  # no measure, fullscreen or minimap: the drawing tools are the controls here
    ))


@st.cache_data(show_spinner=False, max_entries=16)
def findings(_parcels: gpd.GeoDataFrame, key: str, plan_key: str) -> pd.DataFrame:
    """The live checks on the working copy (cached per content ``key`` and plan): overlaps, outside, mu, validity."""
    if not len(_parcels):
        return pd.DataFrame()
    return check_draft(_parcels, plan_parcels=data.indicative_parcels(), zones=data.zones(),
                       districts=data.districts())


def content_key(parcels: gpd.GeoDataFrame) -> str:
    """A hash of the parcels' attributes and shapes (the live checks' cache key)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(pd.DataFrame(parcels.drop(columns="geometry")).astype(str),
                                                       index=False).to_numpy().tobytes())
    digest.update(b"".join(shapely.to_wkb(parcels.geometry.to_numpy())))
    return digest.hexdigest()


def plan_parcels() -> gpd.GeoDataFrame:
    """The plan's indicative parcels as a new draft's start (polygons only; each its own parcel id)."""
    plan = data.indicative_parcels()
    polys = plan[plan.geom_type.isin(["Polygon", "MultiPolygon"])].to_crs(4326)
    columns = [c for c in PARCEL_COLUMNS if c in polys.columns and c != "parcel_id"]
    out = gpd.GeoDataFrame(polys[columns].reset_index(drop=True), geometry=polys.geometry.to_numpy(), crs=4326)
    out["parcel_id"] = [new_parcel_id() for _ in range(len(out))]
    return as_parcels(out)


def holder(parcels: gpd.GeoDataFrame, project: str, picked: str) -> str | None:
    """The name (or id) of another parcel of the draft that already holds ``project``; None if none does."""
    other = parcels[(parcels["project_id"] == project).fillna(False) & (parcels["parcel_id"] != picked)]
    if other.empty:
        return None
    name = other["name_zh"].iloc[0]
    return str(name) if isinstance(name, str) and name else str(other["parcel_id"].iloc[0])


def attach(work: Working, plan: DraftPlan, picked: str, project: str | None, *, name: str = "",
           track: str | None = None, zone: str | None = None, mu: float | None = None,
           on_duplicate: OnDuplicate = "refuse") -> list[str]:
    """Attach the parcel ``picked`` to a plan ``project`` (names, track, zone, mu from the plan), or describe it
    as a new row; the map redraws it with its name. Returns the notes of what replacing or joining did
    (``项目 <id>：「…」取代「…」``), in the session's language."""
    notes: list[str] = []
    if project:
        shaped = attach_project(work.parcels, picked, project, on_duplicate=on_duplicate)
        parcels, notes = shaped.parcels, [say(note, lang()) for note in shaped.notes]
        values: dict[str, Any] = {"name_zh": "", "name_en": "", "track_id": pd.NA, "zone_id": pd.NA,
                                  "declared_mu": pd.NA}  # blanks, filled from the project below
    else:
        parcels = work.parcels.copy()
        values = {"project_id": pd.NA, "name_zh": name.strip(), "track_id": track or pd.NA,
                  "zone_id": zone or pd.NA, "declared_mu": pd.NA if mu is None else float(mu)}
    hit = (parcels["parcel_id"] == picked).fillna(False).to_numpy()
    for column, value in values.items():
        parcels.loc[hit, column] = value
    work.replace(check_attributes(parcels, plan), redraw=True)  # blanks filled from the project
    return notes


def split(work: Working, line: list[list[float]]) -> tuple[str | None, list[str]]:
    """Cut the parcels a line drawn on the map crosses (:func:`geo.drafts.shapes.split_parcels`); the map redraws.

    Returns why nothing was cut (the line crosses no parcel), as the page shows it, or None when done; and the
    notes of what was cut (``「…」 split into 2 parts``) in the session's language.
    """
    try:
        shaped = split_parcels(work.parcels, line)
    except GeoError as exc:
        return error_text(exc), []
    work.replace(shaped.parcels, redraw=True)
    return None, [say(note, lang()) for note in shaped.notes]


def findings_words(found: pd.DataFrame) -> pd.DataFrame:
    """The live checks' findings as a planner reads them: parcel, severity, what is wrong (page language)."""
    message = found["message_zh"] if lang() == "zh" else found["message"]
    name = found["parcel_name"].where(found["parcel_name"].fillna("").astype(str) != "", found["parcel_id"])
    return pd.DataFrame({t("draft_col_name"): name, t("chk_col_severity"): found["severity"].map(
        lambda s: t(f"sev_{s}")), t("chk_col_message"): message})


def diff_words(table: pd.DataFrame) -> pd.DataFrame:
    """A diff's rows with the page's words: parcel, change, project before and after, mu before and after."""
    return pd.DataFrame({
        t("draft_col_name"): table["name_zh"].where(table["name_zh"].fillna("").astype(str) != "",
                                                    table["parcel_id"]),
        t("draft_col_change"): change_kinds(table).map(lambda c: t(f"draft_change_{c}")),
        t("draft_col_project"): table["project_after"].fillna(table["project_before"]),
        t("draft_col_mu_before"): table["mu_before"].round(2), t("draft_col_mu_after"): table["mu_after"].round(2),
    })


@st.cache_data(show_spinner=False, max_entries=8)
def _diff_parts(draft_id: str, a: int, b: int, language: str, base: str, _svc: Drafts, _actor: Actor,
                _table: pd.DataFrame) -> MapParts:
    before, after = _svc.load(_actor, draft_id, a)[1], _svc.load(_actor, draft_id, b)[1]
    words = {k: t(f"draft_change_{k}") for k in ("added", "removed", "reshaped", "attributes")}
    words["before"] = t("draft_diff_before", version=a)
    return map_parts(diff_map(before, after, _table, words=words, asset_base=base))


def diff_parts(svc: Drafts, actor: Actor, draft_id: str, a: int, b: int, table: pd.DataFrame, base: str) -> MapParts:
    """The map of what changed from version ``a`` to ``b`` (:func:`geo.mapview.draftdiff.diff_map`), cached."""
    return _diff_parts(draft_id, a, b, lang(), base, svc, actor, table)


def version_file(svc: Drafts, actor: Actor, draft_id: str, version: int, fmt: str) -> tuple[bytes, str, str]:
    """A version as one file of export format ``fmt`` (:data:`geo.io.export.FORMATS`, the format's default CRS):
    bytes, file name and MIME type; measured mu, basis ``drawn``, version and author in every row."""
    record, parcels = svc.load(actor, draft_id, version)
    data, name = draft_bytes(svc.get(actor, draft_id), record, parcels, fmt=fmt)
    return data, name, FORMATS[fmt].mime
