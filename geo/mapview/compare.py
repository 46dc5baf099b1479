"""The map of two plans compared: each plan's parcels as one layer in its own colour.

Drawn for the Compare page. Plan A's parcels are filled blue, plan B's drawn as orange outlines over them,
so parcels that two editions of a plan place alike show as one shape and those that moved show apart; a
project whose area is unknown is a point in its plan's colour. The view fits both plans. Tiles as the
plan map draws them (none by default, shifted overlays on GCJ-02 tiles).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import shift_geometries
from geo.i18n import t
from geo.mapview.assets import ASSET_BASE, localise_assets
from geo.mapview.basemaps import get_basemap
from geo.mapview.plan import GeoLayer, _name_columns, add_basemap, feature_collection

#: The colour of each plan's layer (also the page's legend).
PLAN_COLOURS: Final = {"a": "#1f77b4", "b": "#ff7f0e"}
#: Leaflet style of each plan's layer: A filled, B an outline over it.
PLAN_STYLES: Final[dict[str, dict[str, object]]] = {
    "a": {"weight": 1.5, "fillOpacity": 0.35},
    "b": {"weight": 2.5, "fillOpacity": 0.0, "dashArray": "6 4", "radius": 9},
}


def compare_map(parcels_a: gpd.GeoDataFrame, parcels_b: gpd.GeoDataFrame, *, names: tuple[str, str],
                lang: str = "zh", basemap: str = "none", tile_keys: Mapping[str, str] | None = None,
                asset_base: str = ASSET_BASE) -> folium.Map:
    """Both plans' parcels on one map, one layer each (named ``names``), coloured by :data:`PLAN_COLOURS`.

    ``parcels_a`` / ``parcels_b`` as :mod:`layers` loads them (EPSG:4326, ``project_id``, names, ``declared_mu``,
    ``output_yi``); tooltips give the plan, the project's name, land and output ("——" where unknown).
    """
    shift = get_basemap(basemap).shift
    m = folium.Map(tiles=None, prefer_canvas=True, control_scale=True)
    add_basemap(m, basemap, tile_keys=tile_keys or {})
    unknown = t("mapplan.unknown", lang)
    for side, frame, name in (("a", parcels_a, names[0]), ("b", parcels_b, names[1])):
        p = _name_columns(frame.to_crs(4326), lang)
        p["_c"] = side
        p["_plan"] = name
        fields = [("_plan", "", "", ""), ("project_id", "", "", ""), ("_name", "", "", unknown),
                  ("declared_mu", t("mapplan.area", lang), " " + t("mapplan.mu", lang), unknown),
                  ("output_yi", t("mapplan.output", lang), " " + t("mapplan.yi", lang), unknown)]
        GeoLayer(feature_collection(p, columns=["project_id", "_name", "declared_mu", "output_yi", "_plan", "_c"],
                                    shift=shift),
                 name=name, palette={side: PLAN_COLOURS[side]}, fields=fields, style=PLAN_STYLES[side],
                 attribution=t("mapplan.indicative", lang)).add_to(m)
    geoms = pd.concat([parcels_a.to_crs(4326).geometry, parcels_b.to_crs(4326).geometry])
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    if len(geoms):
        minx, miny, maxx, maxy = geoms.total_bounds
        if shift is not None:
            corners = shift_geometries(np.array([shapely.Point(minx, miny), shapely.Point(maxx, maxy)]), to=shift)
            minx, miny, maxx, maxy = shapely.total_bounds(corners)
        m.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=15)
    folium.LayerControl(collapsed=False).add_to(m)
    return localise_assets(m, base=asset_base)


__all__ = ["PLAN_COLOURS", "compare_map"]
