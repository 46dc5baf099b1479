"""The parcels in use: the plan's parcels with surveyed geometry switched in.

One function answers "which geometry, and how large, does each project have
now" for the map, the totals, ``reconcile --surveyed``, ``export --surveyed``
and ``rasterize --surveyed`` alike, so the app and the CLI cannot disagree.
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
from geo.store.base import Store
from geo.store.workspace import load_upload, open_store

SURVEYED = "surveyed"


def _surveyed_geometry(crs: CRS | None, *, store: Store) -> gpd.GeoSeries:
    """Per project, the union of its surveyed parcels in switched-on uploads (newest upload wins; not deleted)."""
    parts: list[gpd.GeoSeries] = []
    done: set[str] = set()
    for uid in [u.upload_id for u in store.list_uploads() if u.use_surveyed]:
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


def parcels_in_use(
    plan_parcels: gpd.GeoDataFrame, *, root: str | Path | None = None, store: Store | None = None
) -> gpd.GeoDataFrame:
    """Plan parcels with surveyed geometry where an upload in the workspace is switched on.

    Each project matched by a switched-on upload gets the union of its
    surveyed parcels (newest upload first wins) and ``geometry_basis`` =
    ``surveyed``; others keep their indicative geometry. ``measured_mu`` is
    measured again from the geometry in use (see :func:`geo.area.measured_mu`),
    so it is never the indicative area of a surveyed project.
    """
    out = plan_parcels.copy()
    surveyed = _surveyed_geometry(out.crs, store=store or open_store(root))
    if len(surveyed):
        hit = out["project_id"].isin(surveyed.index)
        geoms = np.asarray(surveyed.reindex(out.loc[hit, "project_id"]))  # object array, as to_numpy()
        out.loc[hit, out.geometry.name] = shapely.make_valid(geoms)
        out.loc[hit, "geometry_basis"] = SURVEYED
    out["measured_mu"] = measured_mu(out, source="parcels").round(3).astype("Float64")
    return out
