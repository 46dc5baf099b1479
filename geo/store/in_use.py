"""The parcels in use: the plan's parcels with surveyed or drawn geometry switched in.

One function answers "which geometry, and how large, does each project have
now" for the map, the totals, ``reconcile --surveyed``, ``export --surveyed``
and ``rasterize --surveyed`` alike, so the app and the CLI cannot disagree.

Per project, in order of precedence: **surveyed** (a switched-on upload of the
plan in use), then **drawn** (the draft version an administrator put in use for
the plan, :mod:`geo.drafts`), else **indicative**. Uploads and drafts of other
plans are never applied. When a draft is in use the parcels
gain ``basis_version`` (``草稿名 v3``) and ``basis_author`` (who saved that
version), set on the drawn projects; a draft's new rows (no project) are not
added to the plan's layers (only the draft's own export has them).
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.area import measured_mu
from geo.store.base import Store, StoreError, plan_in_use
from geo.store.workspace import load_upload, open_store

SURVEYED = "surveyed"
DRAWN = "drawn"


def _surveyed_geometry(crs: CRS | None, *, store: Store, plan_id: str) -> gpd.GeoSeries:
    """Per project, the union of its surveyed parcels in the plan's switched-on uploads (newest wins; not deleted)."""
    parts: list[gpd.GeoSeries] = []
    done: set[str] = set()
    for uid in [u.upload_id for u in store.list_uploads(plan_id=plan_id) if u.use_surveyed]:
        parcels, _ = load_upload(uid, store=store)
        parcels = parcels[parcels["project_id"].notna() & ~parcels["project_id"].isin(done)]
        if parcels.empty:
            continue
        parcels = parcels.set_geometry(shapely.make_valid(parcels.geometry.to_numpy()), crs=parcels.crs)
        # cast: the plan's parcels carry a CRS (without one, to_crs raises here as it always did).
        merged = parcels.to_crs(cast(CRS, crs)).dissolve(by="project_id").geometry
        parts.append(merged)
        done |= set(merged.index)
    if not parts:
        return gpd.GeoSeries([], crs=crs)
    return gpd.GeoSeries(pd.concat(parts), crs=crs)


def _drawn_geometry(crs: CRS | None, *, store: Store, plan_id: str) -> tuple[gpd.GeoSeries, str, str | None] | None:
    """Per project, the shape of the draft version in use for ``plan_id``, its label and author; None if none."""
    use = store.get_draft_in_use(plan_id)
    if use is None:
        return None
    draft = store.get_draft(use.draft_id)
    try:
        version, parcels = store.load_draft_version(use.draft_id, use.version)
    except StoreError:  # cannot happen through the store's own checks; never hide the plan for it
        return None
    held = parcels[parcels["project_id"].notna()]
    label = f"{draft.name if draft is not None else use.draft_id} v{version.version}"
    if held.empty:
        return gpd.GeoSeries([], crs=crs), label, version.author
    held = held.set_geometry(shapely.make_valid(held.geometry.to_numpy()), crs=held.crs)
    merged = held.to_crs(cast(CRS, crs)).dissolve(by="project_id").geometry
    return gpd.GeoSeries(merged, crs=crs), label, version.author


def parcels_in_use(
    plan_parcels: gpd.GeoDataFrame, *, root: str | Path | None = None, store: Store | None = None,
    plan_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Plan parcels with surveyed geometry where an upload is switched on, drawn where a draft is in use.

    Only the records of ``plan_id`` (default: the plan in use, its package's
    ``geo:plan.id``) count: another plan's uploads and drafts are never applied.
    Each project matched by a switched-on upload gets the union of its
    surveyed parcels (newest upload first wins) and ``geometry_basis`` =
    ``surveyed``; else, if the draft version in use for ``plan_id`` holds it,
    its drawn shape and ``drawn`` (with ``basis_version`` and ``basis_author``);
    others keep their indicative geometry. ``measured_mu`` is measured again
    from the geometry in use (see :func:`geo.area.measured_mu`), so it is never
    the indicative area of a surveyed or drawn project.
    """
    out = plan_parcels.copy()
    store = store or open_store(root)
    plan_id = plan_in_use() if plan_id is None else plan_id
    drawn = _drawn_geometry(out.crs, store=store, plan_id=plan_id)
    if drawn is not None:
        shapes, label, author = drawn
        out["basis_version"] = pd.array([pd.NA] * len(out), dtype="string")
        out["basis_author"] = pd.array([pd.NA] * len(out), dtype="string")
        if len(shapes):
            hit = out["project_id"].isin(shapes.index)
            out.loc[hit, out.geometry.name] = np.asarray(shapes.reindex(out.loc[hit, "project_id"]))
            out.loc[hit, "geometry_basis"] = DRAWN
            out.loc[hit, "basis_version"] = label
            out.loc[hit, "basis_author"] = author if author is not None else pd.NA
    surveyed = _surveyed_geometry(out.crs, store=store, plan_id=plan_id)
    if len(surveyed):
        hit = out["project_id"].isin(surveyed.index)
        geoms = np.asarray(surveyed.reindex(out.loc[hit, "project_id"]))  # object array, as to_numpy()
        out.loc[hit, out.geometry.name] = shapely.make_valid(geoms)
        out.loc[hit, "geometry_basis"] = SURVEYED
        if drawn is not None:  # surveyed wins over drawn: no draft version is its basis
            out.loc[hit, ["basis_version", "basis_author"]] = pd.NA
    out["measured_mu"] = measured_mu(out, source="parcels").round(3).astype("Float64")
    return out
