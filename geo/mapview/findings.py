"""An interactive map of a check's findings that stays fluid for 10^4–10^5 parcels.

The Check page shows every uploaded parcel coloured by its worst finding
(error / warning / info / none). Shipping the layer as GeoJSON would send
about a kilobyte per parcel; instead (engine: :mod:`geo.mapview.largelayer`):

- the **static map** (sent once per upload and basemap) holds the tiles, an
  overview image of the whole layer coloured by severity, and the plan's zones
  and indicative parcels as thin outlines for reference;
- the **parcels in view** go in a separate ``folium.FeatureGroup`` that
  the map element swaps in place (its overlay) after each pan or
  zoom, without reloading the map; only at zoom ≥ :data:`MIN_DETAIL_ZOOM` and
  when at most :data:`geo.mapview.largelayer.MAX_FEATURES` parcels are in view.
  Features carry a severity key ``_c``; one JS function colours them (no
  per-feature ``style_function``). While they are shown the overview is faded;
- **clicks** are resolved on the server (:func:`clicked_feature`).

JS/CSS come from ``static/vendor`` (:func:`geo.mapview.assets.localise_assets`);
on Gaode tiles everything is shifted to GCJ-02 and clicks shifted back.
No Streamlit here: the page composes these pieces and caches
:func:`prepare_layer` once per upload.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.template import Template

from geo.checks.registry import SEVERITIES
from geo.crs import WGS84, shift_geometries
from geo.errors import UsageError, said
from geo.i18n import t
from geo.mapview import largelayer
from geo.mapview.assets import ASSET_BASE, localise_assets
from geo.mapview.basemaps import get_basemap
from geo.mapview.plan import GeoLayer, add_basemap, feature_collection

#: Severity keys from worst to none (``none``: the parcel has no finding).
SEVERITY_ORDER: Final = (*SEVERITIES, "none")
#: Colour of each severity, on the overview image and on the parcels in view.
SEVERITY_COLOURS: Final[dict[str, str]] = {
    "error": "#e12d39", "warning": "#f08c00", "info": "#1c83e1", "none": "#b4bec9",
}
#: Below this zoom only the overview image is shown (parcels would be a few pixels wide).
MIN_DETAIL_ZOOM: Final = 13
#: Map size (pixels) assumed for the first view, before the browser reports its bounds.
MAP_SIZE: Final = (700, 520)
#: Leaflet ``className`` of the overview image (the parcel layer fades it while shown).
OVERVIEW_CLASS: Final = "findings-overview"
OVERVIEW_OPACITY: Final = 0.9
PLAN_COLOUR: Final = "#1e3a8a"

def worst_severity(findings: pd.DataFrame, parcels: pd.DataFrame) -> pd.Series:
    """The worst finding of each parcel itself: ``error``, ``warning``, ``info`` or ``none``.

    Only findings naming a ``feature`` count, so the parcels coloured are the
    page's "flagged parcels". A finding about a project as a whole (several
    parcels together differ from the allocation: ``feature`` empty) names no
    parcel; colouring every parcel of the project would paint whole districts
    (99 % of a synthetic 10k layer), so it is listed on click instead
    (:func:`findings_of`).

    Parameters
    ----------
    findings
        Columns ``feature`` (index label of ``parcels``) and ``severity``.
    parcels
        The checked layer (its index is the feature number).

    Returns
    -------
    pandas.Series
        Indexed like ``parcels``, string dtype.
    """
    missing = {"feature", "severity"} - set(findings.columns)
    if missing:
        raise UsageError(said("err.map.findings_columns", columns=", ".join(sorted(missing))), source="findings",
                         fix=said("err.map.findings_columns_fix"))
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    none = len(SEVERITY_ORDER) - 1
    own = findings["feature"].notna().to_numpy(dtype=bool)
    level = findings["severity"].astype(object).map(rank).fillna(none).to_numpy(dtype=int)[own]
    worst = pd.Series(level).groupby(findings["feature"].to_numpy()[own].astype("int64")).min()
    codes = worst.reindex(parcels.index).fillna(none).to_numpy(dtype=int)
    return pd.Series(np.asarray(SEVERITY_ORDER, dtype=object)[codes], index=parcels.index, dtype="string")


@dataclass(frozen=True, eq=False)
class FindingsLayer:
    """A checked layer prepared for the map: build once per upload (and basemap datum), cache, reuse."""

    overview: largelayer.Overview
    index: largelayer.LayerIndex
    extent: largelayer.View
    shift: str | None


def prepare_layer(parcels: gpd.GeoDataFrame, findings: pd.DataFrame, *, shift: str | None = None) -> FindingsLayer:
    """Overview image coloured by severity and the view/click index of a checked layer.

    The overview is the costly part (seconds at 10^5 parcels; README,
    benchmarks), so the page caches it per upload; neither copies the geometries.
    """
    severity = worst_severity(findings, parcels)
    pid = parcels["project_id"] if "project_id" in parcels.columns else pd.Series(pd.NA, index=parcels.index)
    layer = gpd.GeoDataFrame({"_c": severity, "project_id": pid.astype("string")}, geometry=parcels.geometry,
                             crs=parcels.crs)
    overview = largelayer.overview_image(layer, column="_c", palette=SEVERITY_COLOURS, shift=shift, source="parcels")
    index = largelayer.build_index(layer, columns=("_c", "project_id"), source="parcels")
    return FindingsLayer(overview=overview, index=index, extent=largelayer.layer_view(index), shift=shift)


def fit_zoom(view: largelayer.View, *, width: int = MAP_SIZE[0], height: int = MAP_SIZE[1]) -> int:
    """The largest Web Mercator zoom at which ``view`` fits a map of ``width`` × ``height`` pixels."""
    def y(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)

    dx = max((view.east - view.west) / 360.0, 1e-9)
    dy = max(y(view.north) - y(view.south), 1e-9)
    zoom = math.floor(min(math.log2(width / (256 * dx)), math.log2(height / (256 * dy))))
    return max(1, min(zoom, 18))


def clicked_feature(layer: FindingsLayer, click: Mapping[str, Any] | None) -> object | None:
    """The feature under the map's click (``{"lat", "lng"}``), or ``None``."""
    if not click or click.get("lat") is None or click.get("lng") is None:
        return None
    return largelayer.feature_at(layer.index, lon=float(click["lng"]), lat=float(click["lat"]), shift=layer.shift)


def findings_of(findings: pd.DataFrame, parcels: pd.DataFrame, feature: object) -> pd.DataFrame:
    """Findings of one feature: its own and those of its project as a whole (feature empty)."""
    own = findings["feature"].astype("Int64") == feature
    project = parcels["project_id"].get(feature) if "project_id" in parcels.columns else None
    shared = findings["feature"].isna() & (findings["project_id"] == project) if pd.notna(project) else False
    return findings[(own | shared).fillna(False)]


_PARCELS_JS = Template(
    """
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }} = (function () {
        var palette = {{ this.palette_json }}, names = {{ this.names_json }}, selected = {{ this.selected_json }};
        var base = {{ this.style_json }}, fade = {{ this.fade_json }}, map = null;
        function esc(s) {
            return String(s).replace(/[&<>"]/g, function (c) {
                return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
            });
        }
        function overview(opacity) {
            if (map) { map.eachLayer(function (l) {
                if (l.options && l.options.className === "{{ this.overview_class }}") { l.setOpacity(opacity); }
            }); }
        }
        var layer = L.geoJson({{ this.geojson }}, {
            style: function (f) {
                var c = palette[f.properties._c] || palette.none;
                var s = Object.assign({}, base, {color: c, fillColor: c});
                if (f.id === selected) { s.color = "#111111"; s.weight = 3; s.fillOpacity = 0.75; }
                return s;
            },
            onEachFeature: function (f, l) {
                l.bindTooltip(function () {
                    var p = f.properties;
                    return "<b>" + esc(names.feature) + " " + esc(f.id) + "</b>"
                        + (p.project_id ? " · " + esc(p.project_id) : "") + "<br>" + esc(names[p._c] || p._c);
                }, {sticky: true});
            }
        });
        if (fade !== null) {
            layer.on("add", function (e) { map = e.target._map; overview(fade[0]); });
            layer.on("remove", function () { overview(fade[1]); map = null; });
        }
        return layer;
    })();
    {% endmacro %}
    """
)


class ParcelLayer(folium.map.Layer):
    """Parcels as GeoJSON text coloured in JS by their severity key ``_c``.

    Parameters
    ----------
    geojson
        FeatureCollection text (from :func:`geo.mapview.largelayer.features_in_view`).
    selected
        Feature id drawn with a dark outline.
    fade
        ``(while shown, after)`` opacity of the overview image, or ``None`` to leave it.
    """

    _template = _PARCELS_JS

    def __init__(self, geojson: str, *, name: str, lang: str, selected: object | None = None,
                 style: Mapping[str, object] | None = None, fade: tuple[float, float] | None = None) -> None:
        super().__init__(name=name, overlay=True, control=False)
        self._name = "ParcelLayer"
        self.geojson = geojson.replace("</", "<\\/")
        self.palette_json = _json(SEVERITY_COLOURS)
        self.names_json = _json({k: t(f"findings.{k}", lang) for k in (*SEVERITY_ORDER, "feature")})
        self.selected_json = _json(selected)
        self.style_json = _json({"weight": 1, "opacity": 0.9, "fillOpacity": 0.5, **(style or {})})
        self.fade_json = _json(list(fade) if fade else None)
        self.overview_class = OVERVIEW_CLASS


def _json(value: object) -> str:
    """JSON safe to embed in a <script> (no ``</script>`` breakout)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


@dataclass
class FindingsMap:
    """The map for the map element and the feature group it swaps in (``None``: overview only)."""

    map: folium.Map
    parcels: folium.FeatureGroup | None
    in_view: int
    shown: int
    detail: bool
    zoom: int

    def html(self) -> str:
        """The whole map as one HTML page (what a browser receives; for tests and benchmarks)."""
        if self.parcels is not None:
            self.parcels.add_to(self.map)
        return self.map.get_root().render()


def _plan_layers(m: folium.Map, zones: gpd.GeoDataFrame | None, plan: gpd.GeoDataFrame | None, *,
                 shift: str | None, lang: str) -> None:
    first = "name_zh" if lang == "zh" else "name_en"
    for frame, key, style in (
        (zones, "zones", {"weight": 1.5, "dashArray": "6 4"}),
        (plan, "plan", {"weight": 1, "dashArray": "3 3", "radius": 3}),
    ):
        if frame is None or frame.empty:
            continue
        f = frame.to_crs(WGS84).assign(_name=frame[first].fillna(frame.get("name_zh", "")).astype(str))
        cols = ["_name"] + [c for c in ("project_id",) if c in f.columns]
        GeoLayer(feature_collection(f, columns=cols, shift=shift), name=t(f"findings.{key}", lang), palette={},
                 fields=[("_name", "", "", "")], attribution=t("findings.indicative", lang),
                 style={"color": PLAN_COLOUR, "fillOpacity": 0.0, "opacity": 0.8, **style}).add_to(m)


def _selected_layer(layer: FindingsLayer, feature: object, lang: str) -> ParcelLayer | None:
    pos = np.flatnonzero(layer.index.ids == feature)
    if not len(pos) or layer.index.geoms[pos[0]] is None:
        return None
    geom = layer.index.geoms[pos[:1]]
    if layer.shift is not None:
        geom = shift_geometries(geom, to=layer.shift)
    geom = shapely.transform(geom, lambda c: np.round(c, largelayer.COORD_DECIMALS))
    props = layer.index.properties.iloc[pos[0]].astype(object)
    one = {"type": "Feature", "id": feature, "properties": props.where(props.notna(), None).to_dict(),
           "geometry": json.loads(shapely.to_geojson(geom[0]))}
    text = json.dumps({"type": "FeatureCollection", "features": [one]}, ensure_ascii=False)
    return ParcelLayer(text, name="selected", lang=lang, selected=feature, style={"fillOpacity": 0.2})


def build_findings_map(
    layer: FindingsLayer,
    *,
    zones: gpd.GeoDataFrame | None = None,
    plan_parcels: gpd.GeoDataFrame | None = None,
    basemap: str = "osm",
    lang: str = "zh",
    bounds: Mapping[str, Any] | None = None,
    zoom: int | None = None,
    selected: object | None = None,
    tile_keys: Mapping[str, str] | None = None,
    max_features: int = largelayer.MAX_FEATURES,
    asset_base: str = ASSET_BASE,
) -> FindingsMap:
    """The findings map for the current view.

    Parameters
    ----------
    layer
        From :func:`prepare_layer`, prepared with this basemap's ``shift``.
    zones, plan_parcels
        The plan's zones and indicative parcels, drawn as outlines (WGS84).
    basemap
        A key of :data:`geo.mapview.basemaps.BASEMAPS`.
    bounds, zoom
        The view's ``bounds`` and ``zoom`` as the map element reports them (``None`` before the map has reported them:
        the layer's extent and the zoom that fits it).
    selected
        Feature id drawn highlighted (the last click).
    max_features
        Most parcels drawn as vectors; with more in view only the overview is shown.

    Returns
    -------
    FindingsMap
        ``map`` is the same for every view of one layer (so the page does not reload it);
        ``parcels`` holds the parcels in view and the selected one.
    """
    if get_basemap(basemap).shift != layer.shift:
        raise UsageError(said("err.map.shift_mismatch", shift=layer.shift, basemap=basemap,
                              needs=get_basemap(basemap).shift), source="build_findings_map",
                         fix=said("err.map.shift_mismatch_fix"))
    ext = layer.extent
    start = fit_zoom(ext)
    zoom = start if zoom is None else int(zoom)
    ov = layer.overview
    (south, west), (north, east) = ov.bounds
    m = folium.Map(location=((south + north) / 2, (west + east) / 2), zoom_start=start, tiles=None,
                   prefer_canvas=True, control_scale=True)
    add_basemap(m, basemap, tile_keys=tile_keys or {})
    folium.raster_layers.ImageOverlay(image=ov.data_url(), bounds=ov.bounds, name=t("findings.overview", lang),
                                      opacity=OVERVIEW_OPACITY, pixelated=False, interactive=False,
                                      className=OVERVIEW_CLASS).add_to(m)
    _plan_layers(m, zones, plan_parcels, shift=layer.shift, lang=lang)
    m.fit_bounds(ov.bounds)
    folium.plugins.Fullscreen(position="topleft").add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    localise_assets(m, base=asset_base)

    view = largelayer.parse_bounds(bounds, default=ext if layer.shift is None else _shifted(ext, layer.shift))
    near = zoom >= MIN_DETAIL_ZOOM  # far out, only count the parcels in view
    found = largelayer.features_in_view(layer.index, view, max_features=max_features if near else 0,
                                        shift=layer.shift)
    detail = near and not found.truncated
    drawn: ParcelLayer | None
    if detail:
        drawn = ParcelLayer(found.geojson, name=t("findings.parcels", lang), lang=lang, selected=selected,
                            fade=(0.25, OVERVIEW_OPACITY))
    else:  # the clicked parcel stays highlighted at any zoom
        drawn = _selected_layer(layer, selected, lang) if selected is not None else None
    group = None
    if drawn is not None:
        group = folium.FeatureGroup(name=t("findings.parcels", lang), control=False)
        drawn.add_to(group)
    return FindingsMap(map=m, parcels=group, in_view=found.in_view, shown=found.shown if detail else 0,
                       detail=detail, zoom=zoom)


def _shifted(view: largelayer.View, shift: str) -> largelayer.View:
    """``view`` in the tiles' datum (bounds the map would report for it)."""
    corners = shift_geometries(np.array([shapely.Point(view.west, view.south), shapely.Point(view.east, view.north)]),
                               to=shift)
    minx, miny, maxx, maxy = shapely.total_bounds(corners)
    return largelayer.View(float(minx), float(miny), float(maxx), float(maxy))
