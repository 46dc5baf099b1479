"""A draft checked as surveyed parcels are: overlaps, outside its zone or the districts, mu vs declared, validity.

The same checks (:func:`geo.checks.registry.run_checks`), so a drawn layout
and a surveyor's file are judged by one set of rules. A parcel holding a
project is matched to it by its ``project_id``; a new row by its ``name_zh``
(the name field). Where the draft declares a project's mu, that figure is
what its measured area is compared with (the plan's own otherwise).
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import pandas as pd

from geo.checks.registry import run_checks
from geo.store.drafts_sql import as_parcels

#: Columns added to the findings: which parcel of the draft each is about.
PARCEL_KEYS: Final = ("parcel_id", "parcel_name")


def check_draft(
    parcels: gpd.GeoDataFrame, *, plan_parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None, tolerance_pct: float = 1.0,
) -> pd.DataFrame:
    """The findings of every check on a draft's parcels, with the ``parcel_id`` and name of each parcel.

    ``plan_parcels``, ``zones``, ``districts``: the plan's layers (``layers.load_parcels()``,
    ``load_zones()``, ``load_districts()``). Columns: :data:`geo.checks.registry.FINDING_COLUMNS`
    (``feature`` is the parcel's position from 1) then :data:`PARCEL_KEYS`.
    """
    frame = as_parcels(parcels)
    layer = frame.copy()
    layer.index = pd.RangeIndex(1, len(frame) + 1, name="feature")
    # matched by the project it holds (an id is a name the matcher knows), else by its own name
    layer["name_zh"] = frame["project_id"].fillna(frame["name_zh"]).to_numpy()
    declared = frame.dropna(subset=["project_id", "declared_mu"]).groupby("project_id")["declared_mu"].sum()
    plan = plan_parcels.copy()
    if len(declared):
        hit = plan["project_id"].isin(declared.index)
        plan.loc[hit, "declared_mu"] = plan.loc[hit, "project_id"].map(declared).astype("Float64")
    result = run_checks(layer, plan_parcels=plan, zones=zones, districts=districts, name_field="name_zh",
                        tolerance_pct=tolerance_pct)
    findings = result.findings.copy()
    position = pd.to_numeric(findings["feature"], errors="coerce")
    names = pd.Series(frame["name_zh"].to_numpy(), index=layer.index)
    ids = pd.Series(frame["parcel_id"].to_numpy(), index=layer.index)
    findings["parcel_id"] = position.map(ids).astype("string")
    findings["parcel_name"] = position.map(names).astype("string")
    return findings.reset_index(drop=True)


__all__ = ["PARCEL_KEYS", "check_draft"]
