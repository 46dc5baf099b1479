"""What changed between two versions of a draft (or any two sets of draft parcels), parcel by parcel.

Parcels are matched by ``parcel_id``. A parcel is

- **added** (only in the second) or **removed** (only in the first);
- **reshaped** when its geometry changed: a vertex moved, was added or removed
  (compared after :func:`shapely.normalize`, so ring start and orientation do
  not count), or the symmetric difference is larger than :data:`RESHAPE_MU`;
- **attributes** changed when one of :data:`COMPARED` differs (NA equals NA).

Each row has the parcel's measured mu before and after (ellipsoidal on
CGCS2000, :func:`geo.area.measured_mu`). A version compared with itself gives
an empty table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.area import M2_PER_MU, geodesic_area_m2, measured_mu
from geo.crs import WGS84
from geo.store.drafts_sql import as_parcels

#: A reshape smaller than this (mu of symmetric difference) with no vertex changed is not one.
RESHAPE_MU: Final = 0.001
#: Vertices closer than this (degrees, ~0.1 mm) are the same vertex.
VERTEX_TOLERANCE: Final = 1e-9
#: The attributes compared.
COMPARED: Final = ("project_id", "name_zh", "name_en", "track_id", "zone_id", "declared_mu", "note")
#: Columns of :attr:`DraftDiff.table`.
DIFF_COLUMNS: Final = ("parcel_id", "change", "reshaped", "attributes", "fields", "name_zh", "project_before",
                       "project_after", "mu_before", "mu_after", "moved_mu")
#: The kinds of change counted.
KINDS: Final = ("added", "removed", "reshaped", "attributes")


@dataclass(frozen=True)
class DraftDiff:
    """The changed parcels (one row each, :data:`DIFF_COLUMNS`) and the count of each kind of change."""

    table: pd.DataFrame
    counts: dict[str, int]

    @property
    def empty(self) -> bool:
        return self.table.empty

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON-ready dicts (NA as None, mu rounded to 0.01)."""
        out: list[dict[str, Any]] = []
        for row in self.table.to_dict("records"):
            out.append({str(k): (None if _na(v) else round(float(v), 2) if str(k).endswith("_mu") else
                                 bool(v) if k in ("reshaped", "attributes") else v) for k, v in row.items()})
        return out


def _na(value: object) -> bool:
    return value is None or (not isinstance(value, list | tuple | np.ndarray) and bool(pd.isna(value)))  # type: ignore[call-overload]


def _same(a: object, b: object) -> bool:
    if _na(a) and _na(b):
        return True
    if _na(a) or _na(b):
        return False
    if isinstance(a, float | int | np.floating) or isinstance(b, float | int | np.floating):
        return abs(float(a) - float(b)) < 1e-9  # type: ignore[arg-type]
    return str(a) == str(b)


def _moved_mu(a: Any, b: Any) -> float:
    """Area (mu) of the symmetric difference of two lon/lat shapes."""
    diff = shapely.symmetric_difference(shapely.make_valid(a), shapely.make_valid(b))
    return float(geodesic_area_m2(gpd.GeoSeries([diff], crs=WGS84))[0]) / M2_PER_MU


def _reshaped(a: Any, b: Any) -> tuple[bool, float]:
    if a is None or b is None:
        return (a is None) != (b is None), float("nan")
    moved = _moved_mu(a, b)
    same_vertices = bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), VERTEX_TOLERANCE))
    return (not same_vertices) or moved > RESHAPE_MU, moved


def change_kinds(table: pd.DataFrame) -> pd.Series:
    """Each row's kind of change, one of :data:`KINDS`: ``changed`` rows are ``reshaped`` (the shape moved,
    attributes perhaps too) or ``attributes`` (only attributes)."""
    change = table["change"].astype(str)
    reshaped = table["reshaped"].fillna(False).astype(bool)
    return change.where(change != "changed", reshaped.map({True: "reshaped", False: "attributes"}))


def diff_parcels(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> DraftDiff:
    """The parcels added, removed, reshaped or with attributes changed from ``before`` to ``after``."""
    a, b = as_parcels(before), as_parcels(after)
    a = a.assign(mu=measured_mu(a, source="draft").to_numpy()).drop_duplicates("parcel_id").set_index("parcel_id")
    b = b.assign(mu=measured_mu(b, source="draft").to_numpy()).drop_duplicates("parcel_id").set_index("parcel_id")
    rows: list[dict[str, Any]] = []
    for pid in [*a.index, *(p for p in b.index if p not in a.index)]:
        old = a.loc[pid] if pid in a.index else None
        new = b.loc[pid] if pid in b.index else None
        if old is None or new is None:
            kept = cast(pd.Series, new if old is None else old)
            rows.append({"parcel_id": pid, "change": "added" if old is None else "removed", "reshaped": False,
                         "attributes": False, "fields": "", "name_zh": kept["name_zh"],
                         "project_before": None if old is None else old["project_id"],
                         "project_after": None if new is None else new["project_id"],
                         "mu_before": None if old is None else old["mu"],
                         "mu_after": None if new is None else new["mu"],
                         "moved_mu": None})
            continue
        reshaped, moved = _reshaped(old["geometry"], new["geometry"])
        fields = [c for c in COMPARED if not _same(old[c], new[c])]
        if not reshaped and not fields:
            continue
        rows.append({"parcel_id": pid, "change": "changed", "reshaped": reshaped, "attributes": bool(fields),
                     "fields": ", ".join(fields), "name_zh": new["name_zh"], "project_before": old["project_id"],
                     "project_after": new["project_id"], "mu_before": old["mu"], "mu_after": new["mu"],
                     "moved_mu": moved})
    table = pd.DataFrame(rows, columns=list(DIFF_COLUMNS))
    for column in ("mu_before", "mu_after", "moved_mu"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("Float64")
    for column in ("parcel_id", "change", "fields", "name_zh", "project_before", "project_after"):
        table[column] = table[column].astype("string")
    table["reshaped"] = table["reshaped"].astype(bool)
    table["attributes"] = table["attributes"].astype(bool)
    counts = {"added": int((table["change"] == "added").sum()), "removed": int((table["change"] == "removed").sum()),
              "reshaped": int(table["reshaped"].sum()), "attributes": int(table["attributes"].sum())}
    return DraftDiff(table, counts)


__all__ = ["COMPARED", "DIFF_COLUMNS", "KINDS", "RESHAPE_MU", "DraftDiff", "change_kinds", "diff_parcels"]
