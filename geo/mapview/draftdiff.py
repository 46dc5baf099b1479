"""The map of a diff between two versions of a draft: what was added, removed and reshaped.

Drawn for the drafting page beside the diff's table (:mod:`geo.drafts.diff`):
the older version's changed parcels as grey dashed outlines, the newer ones
filled by kind of change (added green, reshaped blue, attributes only amber),
removed ones red dashed; unchanged parcels are left out so the changes stand
out. No basemap: the map draws offline, on its own.
"""

from __future__ import annotations

from typing import Final

import folium
import geopandas as gpd
import pandas as pd

from geo.drafts.diff import change_kinds
from geo.mapview.assets import ASSET_BASE, localise_assets

#: Colour of each kind of change (``DraftDiff.table["change"]``).
CHANGE_COLOURS: Final = {"added": "#2e8b57", "reshaped": "#1f6f8b", "attributes": "#d4a017", "removed": "#c0392b"}
BEFORE_COLOUR: Final = "#7f7f7f"


def _layer(m: folium.Map, frame: gpd.GeoDataFrame, name: str, style: dict[str, object]) -> None:
    if frame.empty:
        return
    shown = gpd.GeoDataFrame({"label": frame["label"].astype(str)}, geometry=frame.geometry.to_numpy(), crs=4326)
    folium.GeoJson(shown.to_json(drop_id=True), name=name, style_function=lambda _f, s=style: s,
                   tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False)).add_to(m)


def diff_map(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, table: pd.DataFrame, *, words: dict[str, str],
             asset_base: str = ASSET_BASE) -> folium.Map:
    """A map of the parcels ``table`` lists as changed between ``before`` and ``after`` (both EPSG:4326).

    ``words`` names each kind of change (``added``, ``removed``, ``reshaped``, ``attributes``) and
    ``before`` in the page's language, for the tooltips.
    """
    kinds = dict(zip(table["parcel_id"].astype(str), change_kinds(table), strict=True))
    old = before[before["parcel_id"].astype(str).isin(kinds)].to_crs(4326)
    new = after[after["parcel_id"].astype(str).isin(kinds)].to_crs(4326)
    shown = pd.concat([old.geometry, new.geometry]) if len(old) + len(new) else after.to_crs(4326).geometry
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    if len(shown):
        minx, miny, maxx, maxy = shown.total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])

    def labelled(frame: gpd.GeoDataFrame, prefix: str) -> gpd.GeoDataFrame:
        out = frame.copy()
        names = out["name_zh"].fillna("").astype(str)
        out["label"] = [f"{prefix}{n or p}" for n, p in zip(names, out["parcel_id"].astype(str), strict=True)]
        return out

    gone = old[old["parcel_id"].astype(str).map(kinds) == "removed"]
    kept = old[old["parcel_id"].astype(str).map(kinds) != "removed"]
    _layer(m, labelled(kept, f"{words['before']} · "), words["before"],
           {"color": BEFORE_COLOUR, "weight": 2, "dashArray": "5 4", "fill": False})
    _layer(m, labelled(gone, f"{words['removed']} · "), words["removed"],
           {"color": CHANGE_COLOURS["removed"], "weight": 2, "dashArray": "5 4", "fillOpacity": 0.1})
    for kind in ("added", "reshaped", "attributes"):
        part = new[new["parcel_id"].astype(str).map(kinds) == kind]
        _layer(m, labelled(part, f"{words[kind]} · "), words[kind],
               {"color": CHANGE_COLOURS[kind], "weight": 2, "fillOpacity": 0.35})
    return localise_assets(m, base=asset_base)
