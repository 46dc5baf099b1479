"""Drafts of the layout (issue 23): their tables, records and parcel encoding, shared by both backends.

A **draft** is a named working copy of a plan's parcels; every save is a new
**version** (1, 2, …) with its author, time and comment, and nothing is ever
overwritten (triggers refuse UPDATE and DELETE on ``draft_versions``, as for
the audit trail and the actuals). Tables (schema 6):

- ``drafts``: ``draft_id, plan_id, name, created_by, created_at, deleted_at, deleted_by``
  (deletion is soft; ``plan_id`` is the plan in use when the draft was made, its
  package's ``geo:plan.id``, and a draft is listed only while that plan is in use);
- ``draft_versions``: ``draft_id, version, author, saved_at, comment, parcels``
  (a GeoJSON FeatureCollection, WGS84, RFC 7946), ``n_parcels, total_mu``;
- ``draft_in_use``: ``plan_id`` → ``draft_id, version, set_by, set_at`` (at most
  one version in use per plan: the key is the plan).

A save names the version it was based on; the store checks, in the save's
own transaction, that it is still the latest (:class:`DraftConflictError`
otherwise) and that the draft is not deleted (:class:`DraftGoneError`).
The rules (who may save, use, delete) are :mod:`geo.drafts.service`'s.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Final, LiteralString

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84
from geo.errors import Said, said
from geo.geojson import to_geojson
from geo.store.base import StoreError

#: The plan id schema 6 wrote on every draft (a constant then, before plan packages had ids): schema 7's
#: migration files those drafts, and what was in use, under the built-in plan's id (``data/``'s ``geo:plan.id``).
SCHEMA6_PLAN_ID: Final = "cq-hitech-2021-2025"
#: The columns of a draft's parcels (besides ``geometry``), and their dtypes.
PARCEL_COLUMNS: Final[dict[str, str]] = {
    "parcel_id": "string", "project_id": "string", "name_zh": "string", "name_en": "string",
    "track_id": "string", "zone_id": "string", "declared_mu": "Float64", "note": "string",
}
#: Columns whose empty value is the empty string rather than NA.
TEXT_NOT_NULL: Final = ("name_zh", "name_en", "note")

SQLITE_DDL: Final = """
CREATE TABLE IF NOT EXISTS drafts (
  draft_id TEXT NOT NULL PRIMARY KEY, plan_id TEXT NOT NULL, name TEXT NOT NULL, created_by TEXT,
  created_at TEXT NOT NULL, deleted_at TEXT, deleted_by TEXT);
CREATE TABLE IF NOT EXISTS draft_versions (
  draft_id TEXT NOT NULL REFERENCES drafts (draft_id), version INTEGER NOT NULL, author TEXT,
  saved_at TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', parcels TEXT NOT NULL, n_parcels INTEGER NOT NULL,
  total_mu REAL, PRIMARY KEY (draft_id, version));
CREATE TRIGGER IF NOT EXISTS draft_versions_no_update BEFORE UPDATE ON draft_versions
  BEGIN SELECT RAISE(ABORT, 'draft versions are kept: save a new version'); END;
CREATE TRIGGER IF NOT EXISTS draft_versions_no_delete BEFORE DELETE ON draft_versions
  BEGIN SELECT RAISE(ABORT, 'draft versions are kept: save a new version'); END;
CREATE TABLE IF NOT EXISTS draft_in_use (
  plan_id TEXT NOT NULL PRIMARY KEY, draft_id TEXT NOT NULL REFERENCES drafts (draft_id),
  version INTEGER NOT NULL, set_by TEXT, set_at TEXT NOT NULL);
"""

POSTGRES_DDL: Final[LiteralString] = """
CREATE TABLE IF NOT EXISTS {drafts} (
  draft_id text PRIMARY KEY, plan_id text NOT NULL, name text NOT NULL, created_by text,
  created_at timestamptz NOT NULL, deleted_at timestamptz, deleted_by text);
CREATE TABLE IF NOT EXISTS {draft_versions} (
  draft_id text NOT NULL REFERENCES {drafts} (draft_id), version integer NOT NULL, author text,
  saved_at timestamptz NOT NULL, comment text NOT NULL DEFAULT '', parcels text NOT NULL,
  n_parcels integer NOT NULL, total_mu double precision, PRIMARY KEY (draft_id, version));
CREATE OR REPLACE FUNCTION {draft_versions_kept}() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'draft versions are kept: save a new version'; END $$;
CREATE OR REPLACE TRIGGER draft_versions_kept BEFORE UPDATE OR DELETE ON {draft_versions}
  FOR EACH ROW EXECUTE FUNCTION {draft_versions_kept}();
CREATE OR REPLACE TRIGGER draft_versions_no_truncate BEFORE TRUNCATE ON {draft_versions}
  FOR EACH STATEMENT EXECUTE FUNCTION {draft_versions_kept}();
CREATE TABLE IF NOT EXISTS {draft_in_use} (
  plan_id text PRIMARY KEY, draft_id text NOT NULL REFERENCES {drafts} (draft_id), version integer NOT NULL,
  set_by text, set_at timestamptz NOT NULL);
"""
#: The names :data:`POSTGRES_DDL` and the PostGIS backend's draft queries format in (each a schema-qualified name).
POSTGRES_NAMES: Final = ("drafts", "draft_versions", "draft_in_use", "draft_versions_kept")

DRAFT_FIELDS: Final = ("draft_id", "plan_id", "name", "created_by", "created_at", "deleted_at", "deleted_by")
VERSION_FIELDS: Final = ("draft_id", "version", "author", "saved_at", "comment", "n_parcels", "total_mu")
#: :data:`VERSION_FIELDS` as a select list.
VERSION_COLUMNS: Final[LiteralString] = "draft_id, version, author, saved_at, comment, n_parcels, total_mu"
IN_USE_FIELDS: Final = ("plan_id", "draft_id", "version", "set_by", "set_at")


@dataclass(frozen=True)
class Draft:
    """A named working copy of a plan's parcels (its versions are :class:`DraftVersion`)."""

    draft_id: str
    plan_id: str
    name: str
    created_by: str | None
    created_at: str
    deleted_at: str | None = None
    deleted_by: str | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DraftVersion:
    """One saved version of a draft: who saved it, when, why; how many parcels and how many mu."""

    draft_id: str
    version: int
    author: str | None
    saved_at: str
    comment: str = ""
    n_parcels: int = 0
    total_mu: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DraftInUse:
    """The draft version whose parcels give the plan's projects their drawn geometry."""

    plan_id: str
    draft_id: str
    version: int
    set_by: str | None
    set_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class DraftConflictError(StoreError):
    """A save was based on a version that is no longer the latest: someone saved in between."""

    def __init__(self, problem: str | Said, *, newer: DraftVersion, source: str | None = None,
                 fix: str | Said | None = None) -> None:
        super().__init__(problem, source=source, fix=fix)
        #: The version saved in between (its number, author and time).
        self.newer = newer


class DraftGoneError(StoreError):
    """The draft was deleted (or never existed): nothing can be saved to it."""


def no_draft(draft_id: str) -> StoreError:
    """The error for an unknown draft id."""
    return DraftGoneError(said("err.store.no_draft", id=draft_id), source="drafts",
                          fix=said("err.store.no_draft_fix"))


def check_base(draft: Draft | None, draft_id: str, base_version: int, latest: DraftVersion | None) -> int:
    """The number the new version gets; raise if the draft is gone or ``base_version`` is not the latest.

    Both backends call this inside the save's transaction, after locking the draft.
    """
    if draft is None:
        raise no_draft(draft_id)
    if draft.deleted:
        raise DraftGoneError(said("err.store.draft_deleted_by", name=draft.name,
                                  who=draft.deleted_by or said("err.store.single_user"), at=draft.deleted_at),
                             source="drafts", fix=said("err.store.draft_deleted_by_fix"))
    current = 0 if latest is None else latest.version
    if base_version != current:
        if latest is None or base_version > current:
            raise StoreError(said("err.store.no_such_version", name=draft.name, version=base_version, latest=current),
                             source="drafts", fix=said("err.store.no_such_version_fix"))
        raise DraftConflictError(
            said("err.store.draft_conflict", name=draft.name, newer=latest.version,
                 author=latest.author or said("err.store.single_user"), at=latest.saved_at, base=base_version),
            newer=latest, source="drafts", fix=said("err.store.draft_conflict_fix", newer=latest.version))
    return current + 1


def no_version(draft_id: str, version: int | None) -> StoreError:
    """The error for a version (or, ``version`` None, any version) a draft does not have."""
    problem = (said("err.store.draft_no_versions", id=draft_id) if version is None
               else said("err.store.draft_no_version", id=draft_id, version=version))
    return StoreError(problem, source="drafts", fix=said("err.store.draft_version_fix"))


def check_usable(draft: Draft | None, draft_id: str, plan_id: str, version: int | None, exists: bool) -> None:
    """Raise unless ``draft_id`` is a live draft of ``plan_id`` with ``version`` (checked in the use's transaction)."""
    if draft is None:
        raise no_draft(draft_id)
    if draft.deleted:
        raise DraftGoneError(said("err.store.draft_deleted_use", name=draft.name), source="drafts",
                             fix=said("err.store.draft_deleted_use_fix"))
    if draft.plan_id != plan_id:
        raise StoreError(said("err.store.draft_other_plan", name=draft.name, plan=draft.plan_id, want=plan_id),
                         source="drafts", fix=said("err.store.draft_other_plan_fix"))
    if version is None or not exists:
        raise no_version(draft_id, version)


def encode_parcels(parcels: gpd.GeoDataFrame) -> str:
    """A draft's parcels as the GeoJSON FeatureCollection text stored (RFC 7946: WGS84, 7 decimals)."""
    frame = as_parcels(parcels)
    return to_geojson(frame)


def decode_parcels(text: str) -> gpd.GeoDataFrame:
    """A stored FeatureCollection back as a draft's parcels (:data:`PARCEL_COLUMNS`, EPSG:4326)."""
    data = json.loads(text)
    features = data.get("features") or []
    rows = [f.get("properties") or {} for f in features]
    geoms = np.array([None if f.get("geometry") is None else shapely.from_geojson(json.dumps(f["geometry"]))
                      for f in features], dtype=object)
    frame = pd.DataFrame(rows, columns=list(PARCEL_COLUMNS))
    return as_parcels(gpd.GeoDataFrame(frame, geometry=geoms, crs=WGS84))


def as_parcels(parcels: pd.DataFrame) -> gpd.GeoDataFrame:
    """``parcels`` with exactly :data:`PARCEL_COLUMNS` (typed; missing ones empty) and ``geometry``, in WGS84."""
    if isinstance(parcels, gpd.GeoDataFrame) and parcels.crs is not None and parcels.crs != WGS84:
        parcels = parcels.to_crs(WGS84)
    geometry = parcels.geometry.to_numpy() if isinstance(parcels, gpd.GeoDataFrame) else [None] * len(parcels)
    out = pd.DataFrame(index=pd.RangeIndex(len(parcels)))
    for column, dtype in PARCEL_COLUMNS.items():
        values = parcels[column].to_numpy(dtype=object) if column in parcels.columns else [None] * len(parcels)
        if dtype == "Float64":
            numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
            out[column] = numbers.astype("Float64")
        else:
            series = pd.Series([None if _missing(v) else str(v).strip() for v in values], dtype="string")
            series = series.fillna("") if column in TEXT_NOT_NULL else series.replace({"": pd.NA})
            out[column] = series
    return gpd.GeoDataFrame(out, geometry=list(geometry), crs=WGS84)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


__all__ = [
    "DRAFT_FIELDS", "IN_USE_FIELDS", "PARCEL_COLUMNS", "POSTGRES_DDL", "POSTGRES_NAMES", "SCHEMA6_PLAN_ID",
    "SQLITE_DDL", "VERSION_COLUMNS", "VERSION_FIELDS", "Draft", "DraftConflictError", "DraftGoneError", "DraftInUse",
    "DraftVersion", "as_parcels", "check_base", "check_usable", "decode_parcels", "encode_parcels", "no_draft",
    "no_version",
]
