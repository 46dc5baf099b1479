"""The plan map coloured by project stage in one year (监测评估), for the Monitor page.

The map is the explorer's (:mod:`geo.mapview.plan`): basemap, the zones of the
plan's spatial structure, context layers and controls, all the same in every year. The
parcels, coloured by the stage each project is at in the chosen year, are a
separate feature group (:attr:`StageMap.parcels`): the map element
(``ui/map_element.py``) swaps it in place when the year changes, so a year
slider re-colours the parcels without reloading the map or losing the user's
pan and zoom. Colours come from each feature's ``_c`` property in JS
(:class:`geo.mapview.plan.GeoLayer`), never one ``style_function`` per feature.

A project with no record in force that year is ``no_data`` (grey): nothing is
assumed about it, not even 规划.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import folium
import geopandas as gpd
import pandas as pd

from geo.i18n import t
from geo.mapview.assets import ASSET_BASE, localise_assets
from geo.mapview.basemaps import get_basemap
from geo.mapview.plan import (
    GeoLayer,
    _add_context,
    _add_controls,
    _add_zones,
    _fit_view,
    _name_columns,
    add_basemap,
    feature_collection,
    map_view,
)
from geo.monitor.model import STAGE_ORDER, STAGES
from geo.monitor.report import STAGE_COLOURS as REPORT_STAGE_COLOURS

#: The key of a project with no record in force in the year.
NO_DATA: Final = "no_data"

#: Colour of each stage (light → dark along the stage order; 取消, 调整; no record grey): the report's palette
#: (:data:`geo.monitor.report.STAGE_COLOURS`), so the page's map and the report's print map agree.
STAGE_COLOURS: Final[dict[str, str]] = dict(REPORT_STAGE_COLOURS)

def stage_key(stage: object) -> str:
    """The colour key of a recorded stage: the stage itself if it is one of :data:`STAGES`, else ``no_data``."""
    return stage if isinstance(stage, str) and stage in STAGES else NO_DATA


def stage_label(key: str, lang: str) -> str:
    """The name of a stage key (or ``no_data``) in ``lang``."""
    return t(f"monitor.stage.{key}", lang) if key in STAGES else t("stages.no_data", lang)


def legend(lang: str) -> list[tuple[str, str, str]]:
    """``(key, colour, label)`` of every stage in order, then 取消, 调整 and no data."""
    keys = [*STAGE_ORDER, *(k for k in STAGES if k not in STAGE_ORDER), NO_DATA]
    return [(k, STAGE_COLOURS[k], stage_label(k, lang)) for k in keys]


def stage_features(
    parcels: gpd.GeoDataFrame, stages: Mapping[str, str | None], *, supplied: Mapping[str, float | None] | None = None,
    lang: str = "zh",
) -> gpd.GeoDataFrame:
    """``parcels`` with the map's working columns: ``_c`` (stage key), ``_stage`` (its name), ``_name``, ``land_mu``.

    ``stages`` maps ``project_id`` to the stage in force (a key of :data:`STAGES`); a project missing from it,
    or mapped to None, is ``no_data``. ``supplied`` maps ``project_id`` to the land supplied (亩) that year.
    """
    out = _name_columns(parcels, lang)
    ids = out["project_id"].astype(str)
    out["_c"] = [stage_key(stages.get(pid)) for pid in ids]
    out["_stage"] = [stage_label(key, lang) for key in out["_c"]]
    land = supplied or {}
    out["land_mu"] = pd.array([land.get(pid) for pid in ids], dtype="Float64")
    return out


@dataclass
class StageMap:
    """The map (the same in every year) and the parcels coloured for one year, which the map element swaps in."""

    map: folium.Map
    parcels: folium.FeatureGroup
    year: int

    def html(self) -> str:
        """The whole map as one HTML page (what a browser receives; for tests)."""
        self.parcels.add_to(self.map)
        return self.map.get_root().render()


def build_stage_map(
    *,
    parcels: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    stages: Mapping[str, str | None],
    year: int,
    supplied: Mapping[str, float | None] | None = None,
    districts: gpd.GeoDataFrame | None = None,
    metro: gpd.GeoDataFrame | None = None,
    basemap: str = "osm",
    lang: str = "zh",
    tile_keys: Mapping[str, str] | None = None,
    asset_base: str = ASSET_BASE,
    controls: bool = True,
) -> StageMap:
    """The plan map with its parcels coloured by the stage of each project in ``year``.

    Parameters
    ----------
    parcels, zones, districts, metro
        Layers as :mod:`layers` loads them (WGS84); context layers optional.
    stages
        ``project_id`` → the stage in force in ``year`` (a key of :data:`geo.monitor.model.STAGES`);
        missing or None: no data (grey).
    year
        The year shown (in the parcels' layer name).
    supplied
        ``project_id`` → land supplied (已供地, 亩) in ``year``, shown in the tooltip.
    basemap, lang, tile_keys, asset_base, controls
        As for :func:`geo.mapview.plan.build_map`.

    Returns
    -------
    StageMap
        ``map`` does not depend on ``year`` or ``stages`` (the page keeps it); ``parcels`` does.
    """
    shift = get_basemap(basemap).shift
    centre, zoom = map_view()  # the plan in use's, read now
    m = folium.Map(location=centre, zoom_start=zoom, tiles=None, prefer_canvas=True, control_scale=True)
    add_basemap(m, basemap, tile_keys=tile_keys or {})
    _add_zones(m, zones, lang=lang, shift=shift)
    _add_context(m, places=None, districts=districts, metro=metro, lang=lang, shift=shift)
    _fit_view(m, parcels, zones, selected=None, shift=shift)
    if controls:
        _add_controls(m, basemap=basemap, lang=lang)
    folium.LayerControl(collapsed=True).add_to(m)
    localise_assets(m, base=asset_base)

    p = stage_features(parcels, stages, supplied=supplied, lang=lang)
    unknown = t("mapplan.unknown", lang)
    mu = " " + t("mapplan.mu", lang)
    fields = [
        ("_name", "", "", unknown),
        ("_stage", t("stages.stage", lang), "", unknown),
        ("declared_mu", t("mapplan.area", lang), mu, unknown),
        ("land_mu", t("stages.supplied", lang), mu, unknown),
    ]
    cols = ["project_id", "track_id", "_name", "_stage", "declared_mu", "land_mu", "_c"]
    name = t("stages.parcels", lang, year=year)
    group = folium.FeatureGroup(name=name, control=False)
    is_point = p.geometry.geom_type == "Point"
    GeoLayer(feature_collection(p[~is_point], columns=cols, shift=shift), name=name, palette=STAGE_COLOURS,
             fields=fields, style={"fillOpacity": 0.7}, attribution=t("mapplan.indicative", lang)).add_to(group)
    GeoLayer(feature_collection(p[is_point], columns=cols, shift=shift), name=name, palette=STAGE_COLOURS,
             fields=fields, style={"radius": 8, "fillOpacity": 0.85}).add_to(group)
    return StageMap(map=m, parcels=group, year=year)


__all__ = ["NO_DATA", "STAGE_COLOURS", "StageMap", "build_stage_map", "legend", "stage_features", "stage_key",
           "stage_label"]
