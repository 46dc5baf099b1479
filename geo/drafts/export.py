"""A draft version as a layer every export format writes (GeoJSON, GeoPackage, Shapefile, KML, DXF, …).

The layer is the version's parcels — new rows included, unlike the plan's
layers — with ``measured_mu`` (ellipsoidal on CGCS2000), ``geometry_basis`` =
``drawn``, ``basis_version`` (``草稿名 v3``) and ``basis_author``; it goes
through the project's one export registry (:func:`geo.io.export_files`,
:func:`geo.io.export_bytes`), so every format and CRS works as for the plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geo.area import measured_mu
from geo.io import export_bytes, export_files
from geo.io.export import Exported
from geo.io.styles import ExportOptions
from geo.store.drafts_sql import Draft, DraftVersion, as_parcels

#: The layer's name in the exported file.
LAYER: Final = "draft_parcels"


def draft_layer(draft: Draft, version: DraftVersion, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A version's parcels as an export layer: the parcel columns, measured mu, basis, version and author."""
    frame = as_parcels(parcels)
    frame.insert(len(frame.columns) - 1, "measured_mu", measured_mu(frame, source="draft").round(3).astype("Float64"))
    frame["geometry_basis"] = pd.array(["drawn"] * len(frame), dtype="string")
    frame["basis_version"] = pd.array([f"{draft.name} v{version.version}"] * len(frame), dtype="string")
    frame["basis_author"] = pd.array([version.author] * len(frame), dtype="string")
    return frame.set_geometry(frame.geometry.name)


def export_draft(
    draft: Draft, version: DraftVersion, parcels: gpd.GeoDataFrame, *, fmt: str, path: str | Path,
    crs: str | None = None, options: ExportOptions | None = None, encoding: str = "UTF-8",
) -> Exported:
    """Write a version to ``path`` in ``fmt`` and ``crs`` (see :func:`geo.io.export_files`)."""
    return export_files({LAYER: draft_layer(draft, version, parcels)}, fmt=fmt, crs=crs, path=path,
                        options=options, encoding=encoding)


def draft_bytes(
    draft: Draft, version: DraftVersion, parcels: gpd.GeoDataFrame, *, fmt: str, crs: str | None = None,
    options: ExportOptions | None = None, encoding: str = "UTF-8",
) -> tuple[bytes, str]:
    """A version as one file in memory (the page's download): its bytes and its name."""
    name = f"{draft.name}_v{version.version}"
    return export_bytes({LAYER: draft_layer(draft, version, parcels)}, fmt=fmt, crs=crs, name=name,
                        options=options, encoding=encoding)


__all__ = ["LAYER", "draft_bytes", "draft_layer", "export_draft"]
