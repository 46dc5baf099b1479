"""Build the explorer's Folium map from the plan's layers.

Design choices, each measured or forced by the environment:

- Every layer is one :class:`GeoLayer`: its features carry a palette key
  (``_c``) and a small JS function colours them from that key. Folium's
  per-feature ``style_function`` compiles to one JS ``case`` per feature,
  evaluated per feature (O(N²)); this is O(N).
- ``prefer_canvas`` and coordinates rounded to 6 decimals (~0.1 m) keep large
  layers fast to ship and draw.
- JS/CSS come from ``static/vendor`` (:mod:`geo.mapview.assets`), never a CDN, and
  the ``none`` basemap (the default unless ``GEO_TILES`` names a tile server)
  draws no tiles: the map works with no internet, zones, parcels and context
  layers drawn on the plain background.
- On Gaode tiles (GCJ-02) every overlay is shifted (:mod:`geo.mapview.basemaps`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.template import Template

from geo.area import M2_PER_MU
from geo.crs import shift_geometries
from geo.errors import UsageError, said
from geo.i18n import t
from geo.mapview.assets import ASSET_BASE, localise_assets
from geo.mapview.basemaps import CUSTOM, get_basemap
from geo.plan.projects import colour_keys, palette

#: Display precision of coordinates shipped to the browser (degrees, ~0.1 m).
COORD_GRID: Final = 1e-6



def structure_name(lang: str) -> str:
    """The plan in use's spatial structure (``geo:plan.structure``: ``zh``; English ``heading_en``, else
    ``short_en`` or ``en`` capitalised), the zones layer's name; ``mapplan.zones`` when it names none."""
    from geo.plan.current import plan_meta

    structure = plan_meta().get("structure") or {}
    if lang != "zh" and structure.get("heading_en"):
        return str(structure["heading_en"])
    english = structure.get("short_en") or structure.get("en")
    words = str(structure.get("zh") or "") if lang == "zh" else str(english or "")
    return words[:1].upper() + words[1:] if words else t("mapplan.zones", lang)


def map_view() -> tuple[tuple[float, float], int]:
    """Where the map opens: (lat, lon) of its centre and its zoom, from the plan's ``geo:plan.map``.

    Read at call time, so that each session and block gets its own plan's view.
    """
    from geo.plan.current import meta_value

    centre = meta_value("map", "centre")
    return (float(centre["lat"]), float(centre["lon"])), int(meta_value("map", "zoom"))


def __getattr__(name: str) -> Any:
    """``CENTRE``: the (lat, lon) the map opens on, from the plan in use (:func:`map_view`), not a constant."""
    if name == "CENTRE":
        return map_view()[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_LAYER_JS = Template(
    """
    {% macro script(this, kwargs) %}
    var {{ this.get_name() }} = (function () {
        var palette = {{ this.palette_json }};
        var base = {{ this.base_json }};
        var fields = {{ this.fields_json }};
        var selected = {{ this.selected_json }};
        function esc(s) {
            return String(s).replace(/[&<>"]/g, function (c) {
                return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
            });
        }
        function style(f) {
            var c = palette[f.properties._c] || base.color;
            var s = Object.assign({}, base, {color: c, fillColor: c});
            if (selected !== null && f.properties.project_id === selected) {
                s.weight = 4; s.color = "#000000"; s.fillOpacity = 0.85; s.dashArray = null;
            }
            return s;
        }
        function tip(f) {
            var p = f.properties, out = [];
            fields.forEach(function (t) {
                var v = p[t[0]];
                if (v === null || v === undefined || v === "") { v = t[3]; }
                else if (typeof v === "number") { v = v.toLocaleString("en", {maximumFractionDigits: 1}) + t[2]; }
                out.push(t[1] ? "<b>" + esc(t[1]) + "</b> " + esc(v) : "<b>" + esc(v) + "</b>");
            });
            return out.join("<br>");
        }
        return L.geoJson({{ this.data_json }}, {
            style: style,
            attribution: {{ this.attribution_json }},
            pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: base.radius}); },
            onEachFeature: function (f, layer) {
                if (fields.length) { layer.bindTooltip(function () { return tip(f); }, {sticky: true}); }
            }
        });
    })();
    {% endmacro %}
    """
)


def _js(value: object) -> str:
    """JSON safe to embed in a <script> (no ``</script>`` breakout)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def feature_collection(
    layer: gpd.GeoDataFrame, *, columns: Sequence[str], shift: str | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``layer`` with only ``columns`` as properties.

    Coordinates are rounded to 6 decimals; missing values become ``null``
    (never 0: "——" in the plan is unknown, not zero).
    """
    geoms = np.asarray(layer.geometry.values)
    if shift is not None:
        geoms = shift_geometries(geoms, to=shift)
    geoms = shapely.set_precision(geoms, COORD_GRID, mode="pointwise")
    props = pd.DataFrame(layer[list(columns)]).astype(object)
    props = props.where(props.notna(), None)
    records = props.to_dict(orient="records")
    features = [
        {"type": "Feature", "properties": rec, "geometry": json.loads(shapely.to_geojson(geom))}
        for rec, geom in zip(records, geoms, strict=True)
        if geom is not None and not shapely.is_empty(geom)
    ]
    return {"type": "FeatureCollection", "features": features}


class GeoLayer(folium.map.Layer):
    """A GeoJSON overlay coloured in JS from each feature's ``_c`` property.

    Parameters
    ----------
    data
        FeatureCollection whose features have a ``_c`` property (palette key).
    name
        Name in the layer control.
    palette
        Colour of each ``_c`` value.
    fields
        Tooltip rows as ``(property, label, unit, text if missing)``.
    style
        Leaflet path options (``color`` is the fallback colour, ``radius``
        the radius of point features).
    selected
        ``project_id`` drawn highlighted.
    """

    _template = _LAYER_JS

    def __init__(
        self,
        data: dict[str, Any],
        *,
        name: str,
        palette: Mapping[str, str],
        fields: Sequence[tuple[str, str, str, str]] = (),
        style: Mapping[str, object] | None = None,
        selected: str | None = None,
        attribution: str = "",
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "GeoLayer"
        self.data = data
        self.data_json = _js(data)
        self.palette_json = _js(dict(palette))
        base = {"color": "#555555", "weight": 1.5, "opacity": 0.9, "fillOpacity": 0.45, "radius": 6}
        self.base_json = _js({**base, **(style or {})})
        self.fields_json = _js([list(f) for f in fields])
        self.selected_json = _js(selected)
        self.attribution_json = _js(attribution)

    def feature_count(self) -> int:
        """Number of features the layer draws."""
        return len(self.data["features"])


def _name_columns(frame: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """Add ``_name``: the name in the chosen language with the other beside it."""
    first, second = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    out = frame.copy()
    a, b = out[first].fillna("").astype(str), out[second].fillna("").astype(str)
    out["_name"] = np.where(b != "", a + " · " + b, a)
    return out


def add_basemap(m: folium.Map, key: str, *, tile_keys: Mapping[str, str]) -> None:
    """Add the tiles of basemap ``key`` (none for the offline basemap); keys for Tianditu from ``tile_keys``."""
    basemap = get_basemap(key)
    if basemap.tiles is None:
        return
    secret = tile_keys.get(basemap.key_name, "") if basemap.key_name else ""
    if basemap.key_name and not secret:
        raise UsageError(
            said("err.map.needs_key", name=said(f"basemap.{basemap.key}")),
            source=basemap.key_name,
            fix=said("err.map.needs_key_fix", var=basemap.key_name),
        )
    for i, url in enumerate((basemap.tiles, *basemap.overlays)):
        folium.TileLayer(
            tiles=url.replace("{key}", secret),
            attr=basemap.attribution,
            name=basemap.name_zh if i == 0 else f"{basemap.name_zh} ({i})",
            subdomains=basemap.subdomains or "abc",
            max_zoom=basemap.max_zoom,
            overlay=i > 0,
            control=False,
        ).add_to(m)


def build_map(
    *,
    parcels: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    tracks: pd.DataFrame,
    places: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    metro: gpd.GeoDataFrame | None = None,
    basemap: str = "none",
    colour_by: str = "track",
    lang: str = "zh",
    selected: str | None = None,
    tile_keys: Mapping[str, str] | None = None,
    asset_base: str = ASSET_BASE,
    controls: bool = True,
) -> folium.Map:
    """The explorer's map: zones, parcels by track, project points and context.

    Parameters
    ----------
    parcels, zones, tracks, places, districts, metro
        Layers as :mod:`layers` loads them (WGS84); context layers optional.
    basemap
        A key of :data:`geo.mapview.basemaps.BASEMAPS` or ``custom`` (``GEO_TILES``); default no tiles,
        so the map draws offline. Gaode (or ``GEO_TILES_GCJ02=1``) shifts every overlay to GCJ-02.
    colour_by
        ``track``, ``zone`` or ``output_per_mu`` (see :func:`geo.plan.projects.colour_keys`).
    lang
        ``zh`` or ``en``: layer names, tooltips, and which name comes first.
    selected
        ``project_id`` to highlight and centre on.
    tile_keys
        Keys for basemaps that need one (``{"TIANDITU_KEY": ...}``).
    asset_base
        URL of ``static/vendor`` as the map's page sees it.
    controls
        Add measure (mu), fullscreen and minimap controls.
    """
    shift = get_basemap(basemap).shift
    centre, zoom = map_view()
    m = folium.Map(location=centre, zoom_start=zoom, tiles=None, prefer_canvas=True, control_scale=True)
    add_basemap(m, basemap, tile_keys=tile_keys or {})
    _add_zones(m, zones, lang=lang, shift=shift)
    _add_parcels(m, parcels, tracks=tracks, zones=zones, colour_by=colour_by, lang=lang, selected=selected,
                 shift=shift)
    _add_context(m, places=places, districts=districts, metro=metro, lang=lang, shift=shift,
                 places_on=get_basemap(basemap).tiles is None or basemap == CUSTOM)
    _fit_view(m, parcels, zones, selected=selected, shift=shift)
    if controls:
        _add_controls(m, basemap=basemap, lang=lang)
    folium.LayerControl(collapsed=True).add_to(m)
    return localise_assets(m, base=asset_base)


def _add_zones(m: folium.Map, zones: gpd.GeoDataFrame, *, lang: str, shift: str | None) -> None:
    """The parts of the plan's spatial structure as dashed outlines in their own colours."""
    z = _name_columns(zones, lang)
    z["_c"] = z["zone_id"].astype(str)
    GeoLayer(
        feature_collection(z, columns=["zone_id", "_name", "_c"], shift=shift),
        name=structure_name(lang), palette=dict(zip(zones["zone_id"], zones["color"], strict=True)),
        fields=[("_name", "", "", t("mapplan.unknown", lang))],
        style={"weight": 2, "fillOpacity": 0.08, "dashArray": "6 4"}, attribution=t("mapplan.indicative", lang),
    ).add_to(m)


def _add_parcels(
    m: folium.Map, parcels: gpd.GeoDataFrame, *, tracks: pd.DataFrame, zones: gpd.GeoDataFrame, colour_by: str,
    lang: str, selected: str | None, shift: str | None,
) -> None:
    """One layer of polygons per track (so the layer control can hide a track), and one of points."""
    unknown = t("mapplan.unknown", lang)
    p = _name_columns(parcels, lang)
    p["_c"] = colour_keys(p, by=colour_by)
    cols = ["project_id", "track_id", "zone_id", "_name", "declared_mu", "output_yi", "_c"]
    fields = [
        ("_name", "", "", unknown),
        ("declared_mu", t("mapplan.area", lang), " " + t("mapplan.mu", lang), unknown),
        ("output_yi", t("mapplan.output", lang), " " + t("mapplan.yi", lang), unknown),
    ]
    colours = palette(colour_by, tracks=tracks, zones=zones)
    is_point = p.geometry.geom_type == "Point"
    for _, track in tracks.iterrows():
        subset = p[(p["track_id"] == track["track_id"]) & ~is_point]
        label = f"{track['name_zh'] if lang == 'zh' else track['name_en']} {t('mapplan.parcels', lang)}"
        GeoLayer(
            feature_collection(subset, columns=cols, shift=shift), name=label, palette=colours,
            fields=fields, selected=selected, attribution=t("mapplan.indicative", lang),
        ).add_to(m)
    GeoLayer(
        feature_collection(p[is_point], columns=cols, shift=shift), name=t("mapplan.points", lang),
        palette=colours, fields=fields, selected=selected, style={"radius": 8, "fillOpacity": 0.8},
    ).add_to(m)


def _add_context(
    m: folium.Map, *, places: gpd.GeoDataFrame | None, districts: gpd.GeoDataFrame | None,
    metro: gpd.GeoDataFrame | None, lang: str, shift: str | None, places_on: bool = False,
) -> None:
    """Places, districts and metro lines, each a layer the user can switch.

    Places (towns, subdistricts) are off at first on public tiles, which name them; on at first with no
    basemap or the server's own tiles, where they are what places a parcel.
    """
    context = (
        (places, "places", {"color": "#333333", "radius": 3, "weight": 1, "fillOpacity": 0.9}, places_on),
        (districts, "districts", {"color": "#666666", "weight": 1, "fillOpacity": 0.0, "dashArray": "2 4"}, True),
        (metro, "metro", {"color": "#444444", "weight": 3, "dashArray": "8 6"}, True),
    )
    for frame, key, style, show in context:
        if frame is None or frame.empty:
            continue
        c = _name_columns(frame, lang)
        c["_c"] = key
        GeoLayer(
            feature_collection(c, columns=["_name", "_c"], shift=shift), name=t(f"mapplan.{key}", lang),
            palette={}, fields=[("_name", "", "", t("mapplan.unknown", lang))], style=style, show=show,
        ).add_to(m)


def _fit_view(
    m: folium.Map, parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, *, selected: str | None, shift: str | None
) -> None:
    """Centre on the selected project, else on the zones (in the basemap's datum)."""
    focus = parcels[parcels["project_id"] == selected] if selected else parcels.iloc[0:0]
    bounds_from = focus if not focus.empty else zones
    minx, miny, maxx, maxy = bounds_from.total_bounds
    if shift is not None:
        corners = shift_geometries(np.array([shapely.Point(minx, miny), shapely.Point(maxx, maxy)]), to=shift)
        minx, miny, maxx, maxy = shapely.total_bounds(corners)
    m.fit_bounds([[miny, minx], [maxy, maxx]], max_zoom=15)


def _add_controls(m: folium.Map, *, basemap: str, lang: str) -> None:
    """Measure (areas in mu), fullscreen and, when there are tiles, a minimap."""
    mu = {"factor": 1.0 / M2_PER_MU, "display": t("mapplan.mu", lang), "decimals": 1}
    folium.plugins.MeasureControl(
        position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
        primary_area_unit="mu", secondary_area_unit="hectares",
        units={"mu": mu}, localization="cn" if lang == "zh" else "en",
    ).add_to(m)
    folium.plugins.Fullscreen(position="topleft").add_to(m)
    tiles = get_basemap(basemap)
    if tiles.tiles is not None and tiles.key_name is None:
        minimap = folium.plugins.MiniMap(
            tile_layer=folium.TileLayer(
                tiles=tiles.tiles, attr=tiles.attribution, subdomains=tiles.subdomains or "abc"
            ),
            toggle_display=True, zoom_level_offset=-5,
        )
        minimap.add_to(m)
        _HideUnreachableMinimap(minimap).add_to(m)


class _HideUnreachableMinimap(folium.MacroElement):
    """Hide the minimap while its tiles fail and none has loaded (a tile server out of reach): no blank square."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (tiles, minimap) {
            var loaded = false;
            function show(on) { if (minimap._container) { minimap._container.style.display = on ? "" : "none"; } }
            tiles.on("tileload", function () { loaded = true; show(true); });
            tiles.on("tileerror", function () { if (!loaded) { show(false); } });
        })({{ this.minimap.tile_layer.get_name() }}, {{ this.minimap.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, minimap: folium.plugins.MiniMap) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HideUnreachableMinimap"
        self.minimap = minimap
