"""The workspace: which backend holds it, and the functions the check pipeline and the app call.

The backend is chosen by the environment:

- ``GEO_DATABASE_URL=postgresql://user:password@host/db`` — PostgreSQL +
  PostGIS (:class:`geo.store.postgis.PostGISStore`; schema ``geo`` or
  ``GEO_DATABASE_SCHEMA``); nothing is then written to any GeoPackage;
- otherwise one GeoPackage, ``workspace.gpkg``, in the folder named by
  ``GEO_WORKSPACE``, else in ``workspace/`` of the project folder (not of the
  working directory: the app and a CLI started elsewhere share it)
  (:class:`geo.store.gpkg.GeoPackageStore`).

An explicit ``root`` (a folder) always means the GeoPackage in it. Stores are
opened once per process and location (:func:`open_store`).

Fail closed: a *configured* workspace (``GEO_WORKSPACE``, ``root``,
``GEO_DATABASE_URL``) that is missing is an error on every read and write,
never an empty workspace; only ``python -m geo db init`` creates it. Only the
default folder of a new installation is created on its first save.

The functions below keep the workspace's original interface
(:func:`list_uploads`, :func:`load_upload`, :func:`save_upload`,
:func:`set_use_surveyed`, :func:`remove_upload`). Their writes go through
:class:`geo.store.office.Office` as the single user, so they are audited, and
are refused once accounts exist (the app and the CLI then act as a named
user through :class:`~geo.store.office.Office`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.store.base import Store, builtin_plan, plan_in_use, uploads_frame
from geo.store.codec import compatible
from geo.store.gpkg import GeoPackageStore
from geo.store.office import Actor, Office

ENV_VAR: Final = "GEO_WORKSPACE"
URL_VAR: Final = "GEO_DATABASE_URL"
SCHEMA_VAR: Final = "GEO_DATABASE_SCHEMA"
FILE_NAME: Final = "workspace.gpkg"
#: Columns of :func:`list_uploads` (the original index columns come first).
INDEX_COLUMNS: Final = (
    "upload_id", "name", "saved_at", "fmt", "crs", "crs_basis", "features", "findings", "tolerance_pct",
    "name_field", "use_surveyed",
)

_STORES: dict[tuple[str, str, str], Store] = {}
_LOCK = threading.Lock()


#: The default workspace folder: ``workspace/`` beside ``geo/`` (``.gitignore`` keeps it out of git).
DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "workspace"


def workspace_dir(root: str | Path | None = None) -> Path:
    """The workspace folder: ``root``, else ``$GEO_WORKSPACE``, else :data:`DEFAULT_DIR`."""
    return Path(root or os.environ.get(ENV_VAR) or DEFAULT_DIR)


def configured(root: str | Path | None = None) -> bool:
    """Whether the workspace's location was named (it must then exist) rather than the default."""
    return bool(root or os.environ.get(ENV_VAR, "").strip() or os.environ.get(URL_VAR, "").strip())


def workspace_path(root: str | Path | None = None) -> Path:
    """Path of the workspace GeoPackage (it may not exist yet; unused when ``GEO_DATABASE_URL`` is set)."""
    return workspace_dir(root) / FILE_NAME


def upload_id(data: bytes, name: str, owner: str | None = None, *, plan_id: str | None = None) -> str:
    """A stable id for an upload: the same file saved twice by the same person under one plan replaces itself.

    ``plan_id`` (default: the plan in use) is part of the id for every plan but the built-in one, whose ids
    are as they were before plans had ids: the same file checked against two plans is two uploads.
    """
    plan = plan_in_use() if plan_id is None else plan_id
    prefix = b"" if owner is None else owner.encode() + b"\0"
    if plan != builtin_plan():
        prefix = b"plan\0" + plan.encode() + b"\0" + prefix
    return hashlib.sha256(prefix + name.encode() + b"\0" + data).hexdigest()[:12]


def file_hash(data: bytes) -> str:
    """SHA-256 of an uploaded file's bytes (hex), as recorded with the upload and in the audit trail."""
    return hashlib.sha256(data).hexdigest()


def open_store(root: str | Path | None = None) -> Store:
    """The workspace's store, one per process and location: PostGIS if ``GEO_DATABASE_URL`` is set, else GeoPackage."""
    url = os.environ.get(URL_VAR, "").strip() if root is None else ""
    schema = os.environ.get(SCHEMA_VAR, "").strip() or "geo"
    key = ("postgis", url, schema) if url else ("gpkg", str(workspace_path(root).resolve()), "")
    with _LOCK:
        store = _STORES.get(key)
        if store is None:
            if key[0] == "postgis":
                from geo.store.postgis import PostGISStore

                store = PostGISStore(key[1], schema=key[2])
            else:
                store = GeoPackageStore(key[1], create=not configured(root))
            _STORES[key] = store
    return store


def close_stores() -> None:
    """Close every store opened by :func:`open_store` (tests; the end of a process)."""
    with _LOCK:
        stores = list(_STORES.values())
        _STORES.clear()
    for store in stores:
        store.close()


def office(root: str | Path | None = None, *, store: Store | None = None) -> Office:
    """The :class:`Office` (permissions and audit) of the workspace."""
    return Office(store or open_store(root))


def _single(office_: Office) -> Actor:
    return office_.actor(None, client="api")


def list_uploads(*, root: str | Path | None = None, store: Store | None = None, deleted: bool = False) -> pd.DataFrame:
    """The plan in use's saved uploads (not deleted; or only the deleted ones), newest first, as a DataFrame.

    Columns: :data:`INDEX_COLUMNS`, then ``owner``, ``file_hash``, ``deleted_at``, ``deleted_by``, ``resubmits``,
    ``plan_id``.
    """
    return uploads_frame((store or open_store(root)).list_uploads(deleted=deleted, plan_id=plan_in_use()))


def load_upload(
    uid: str, *, root: str | Path | None = None, store: Store | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The saved parcels (index = feature) and findings of an upload."""
    return compatible(*(store or open_store(root)).load_upload(uid))


def save_upload(
    uid: str,
    parcels: gpd.GeoDataFrame,
    findings: pd.DataFrame,
    *,
    info: dict[str, Any],
    root: str | Path | None = None,
    store: Store | None = None,
    actor: Actor | None = None,
    file_hash: str = "",
) -> str:
    """Save (or replace) an upload's parcels, findings and index entry in one transaction.

    Parameters
    ----------
    uid
        The upload's id (see :func:`upload_id`).
    parcels
        Checked parcels in WGS84 (index = feature number), with ``project_id`` and ``measured_mu``.
    findings
        The findings table of :func:`geo.checks.registry.run_checks`.
    info
        Index fields: ``name``, ``fmt``, ``crs``, ``crs_basis``, ``tolerance_pct``, ``name_field``.
    root, store
        Workspace folder (default :func:`workspace_dir`) or an open store.
    actor
        Who saves (default: the single user, refused once accounts exist).
    file_hash
        SHA-256 of the uploaded file (:func:`file_hash`).
    """
    off = office(root, store=store)
    off.save(actor or _single(off), uid, parcels, findings, info=info, file_hash=file_hash)
    return uid


def remove_upload(
    uid: str, *, root: str | Path | None = None, store: Store | None = None, actor: Actor | None = None
) -> None:
    """Delete an upload (softly: ``python -m geo workspace restore ID`` brings it back)."""
    off = office(root, store=store)
    off.delete(actor or _single(off), uid)


def set_use_surveyed(
    uid: str, use: bool, *, root: str | Path | None = None, store: Store | None = None, actor: Actor | None = None
) -> None:
    """Switch whether an upload's geometry replaces the indicative parcels (recorded in the audit trail)."""
    off = office(root, store=store)
    off.switch(actor or _single(off), uid, use)
