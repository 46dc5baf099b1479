"""Map pages for the benchmark, and the time Chromium needs to draw them.

Three ways to put a parcel layer on a Folium map are compared:

- ``plain``: ``folium.GeoJson(gdf, style_function=…, tooltip=…)``, the common
  recipe: every vertex goes to the browser, styled per feature;
- ``overview``: :func:`geo.mapview.largelayer.overview_image` as an ``ImageOverlay``
  (what the page shows at low zoom);
- ``detail``: the overview plus :func:`geo.mapview.largelayer.features_in_view` for a
  street-level view (~2 × 1.3 km), drawn with the app's
  :class:`geo.mapview.GeoLayer` (colour in JS, canvas).

and the plan's own layers (:func:`geo.mapview.build_map`). Pages are written
as local HTML files whose JS/CSS come from ``static/vendor`` (no network), and
loaded in headless Debian Chromium. "Drawn" is the moment, measured from
navigation start, when the page has loaded, the overlay image is decoded and
the vector layer has painted (two animation frames after the layer exists:
Leaflet's canvas renderer paints on the next frame). Afterwards the painted
pixels are counted, so a blank map cannot pass for a fast one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import folium
import geopandas as gpd
import shapely

import layers
from geo.mapview import GeoLayer, build_map, largelayer
from geo.mapview.assets import VENDOR_DIR, localise_assets

if TYPE_CHECKING:  # playwright is imported only when a browser is started
    from playwright.sync_api import ViewportSize

CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_ARGS: Final = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu",
]
VIEWPORT: Final[ViewportSize] = {"width": 1200, "height": 800}
#: Street-level view for the ``detail`` page: degrees of longitude × latitude around the layer's centre.
DETAIL_SPAN: Final = (0.02, 0.012)
INDEX_COLUMNS: Final = ("DKBM", "XMBH", "_c")

_DRAWN_JS: Final = """
([image, vectors]) => {
    const img = document.querySelector('img.leaflet-image-layer');
    if (image && !(img && img.complete && img.naturalWidth > 0)) return false;
    if (!vectors) return true;
    const pane = document.querySelector('.leaflet-overlay-pane');
    return !!pane && (pane.querySelector('canvas') !== null || pane.querySelectorAll('path').length > 0);
}
"""
_FRAMES_JS: Final = (
    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
)
_PAINTED_JS: Final = """
() => {
    let painted = 0;
    document.querySelectorAll('.leaflet-overlay-pane canvas').forEach(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) painted++; }
    });
    const paths = document.querySelectorAll('.leaflet-overlay-pane path').length;
    const img = document.querySelector('img.leaflet-image-layer');
    return {canvas_pixels: painted, svg_paths: paths, image_px: img ? img.naturalWidth * img.naturalHeight : 0};
}
"""


def _vendor() -> str:
    return VENDOR_DIR.as_uri()


def _palette() -> dict[str, str]:
    tracks = layers.load_tracks()
    return dict(zip(tracks["track_id"], tracks["color"], strict=True))


def _base_map(bounds: list[list[float]]) -> folium.Map:
    m = folium.Map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2], zoom_start=12,
                   tiles=None, prefer_canvas=True, control_scale=True)
    m.fit_bounds(bounds)
    return m


def plain_page(gdf: gpd.GeoDataFrame) -> str:
    """The common recipe: all features as GeoJSON, a per-feature style function and a tooltip."""
    pal = _palette()
    b = gdf.total_bounds
    m = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=12, tiles=None)
    folium.GeoJson(
        gdf[["DKBM", "XMBH", "track_id", "geometry"]],
        style_function=lambda f: {
            "color": pal.get(f["properties"]["track_id"], "#888888"), "weight": 1, "fillOpacity": 0.5,
        },
        tooltip=folium.GeoJsonTooltip(["DKBM", "XMBH"]),
    ).add_to(m)
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    return localise_assets(m, base=_vendor()).get_root().render()


def overview(gdf: gpd.GeoDataFrame) -> largelayer.Overview:
    """The layer's overview image coloured by track."""
    return largelayer.overview_image(gdf, column="track_id", palette=_palette())


def index(gdf: gpd.GeoDataFrame) -> largelayer.LayerIndex:
    """The view/click index with the columns the detail page ships."""
    return largelayer.build_index(gdf.assign(_c=gdf["track_id"]), columns=INDEX_COLUMNS)


def detail_bounds(idx: largelayer.LayerIndex) -> dict[str, dict[str, float]]:
    """Map-element-style bounds of the street-level view around the parcel nearest the layer's centre.

    Centred on a parcel, not on the bare centre: the layer's parcels lie in the
    plan's spatial units, and the centre of their extent may fall between them.
    """
    v = largelayer.layer_view(idx)
    centre = shapely.Point((v.west + v.east) / 2, (v.south + v.north) / 2)
    nearest = idx.geoms[int(idx.tree.nearest(centre))]
    cx, cy = shapely.get_coordinates(shapely.point_on_surface(nearest))[0]
    dx, dy = DETAIL_SPAN[0] / 2, DETAIL_SPAN[1] / 2
    return {"_southWest": {"lat": cy - dy, "lng": cx - dx}, "_northEast": {"lat": cy + dy, "lng": cx + dx}}


def largelayer_page(ov: largelayer.Overview, view: largelayer.ViewFeatures | None,
                    bounds: dict[str, dict[str, float]] | None) -> str:
    """Overview image, plus the features in view when given (the high-zoom page)."""
    m = _base_map(ov.bounds)
    folium.raster_layers.ImageOverlay(image=ov.data_url(), bounds=ov.bounds, opacity=0.85, name="overview",
                                      interactive=False).add_to(m)
    if view is not None and bounds is not None:
        GeoLayer(json.loads(view.geojson), name="parcels", palette=_palette(),
                 fields=[("DKBM", "", "", ""), ("XMBH", "", "", "")], style={"weight": 1}).add_to(m)
        m.fit_bounds([[bounds["_southWest"]["lat"], bounds["_southWest"]["lng"]],
                      [bounds["_northEast"]["lat"], bounds["_northEast"]["lng"]]])
    return localise_assets(m, base=_vendor()).get_root().render()


def plan_page() -> str:
    """The explorer's own map of the plan's layers (offline basemap)."""
    m = build_map(parcels=layers.load_parcels(), zones=layers.load_zones(), tracks=layers.load_tracks(),
                  places=layers.load_places(), districts=layers.load_districts(), metro=layers.load_metro(),
                  basemap="none", asset_base=_vendor(), controls=True)
    return m.get_root().render()


def write_page(html: str, path: Path) -> int:
    """Write a page; return its size in bytes (what the browser receives, JS/CSS excluded)."""
    data = html.encode("utf-8")
    path.write_bytes(data)
    return len(data)


class Browser:
    """One headless Chromium for all measurements of a run (use as a context manager)."""

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._browser.close()
        self._pw.stop()

    def draw_ms(self, path: Path, *, image: bool, vectors: bool, timeout_s: float,
                ) -> tuple[float | None, dict[str, Any]]:
        """Milliseconds from navigation start until drawn (None on timeout), and what was painted."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        context = self._browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)[:200]))
        try:
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
            page.wait_for_function(_DRAWN_JS, arg=[image, vectors], polling="raf", timeout=timeout_s * 1000)
            drawn = float(page.evaluate(_FRAMES_JS))
            painted = page.evaluate(_PAINTED_JS)
        except PlaywrightTimeout:
            return None, {"timeout_s": timeout_s, "errors": errors}
        finally:
            context.close()
        painted["errors"] = errors
        return drawn, painted
