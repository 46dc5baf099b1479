"""Serve the map's JavaScript and CSS from the app, not from public CDNs.

Folium links Leaflet, jQuery, Bootstrap, awesome-markers, Font Awesome and
its plugins (measure, fullscreen, minimap) from jsDelivr, cdnjs and others.
Government intranets and mainland networks often block those hosts, and the
map's script needs every one of them loaded first: one blocked CDN means no
map at all. The few files the map really needs are vendored in
``static/vendor/`` (origins and licences in its README) and Streamlit serves
them at ``/app/static/vendor/``, where the app's map element
(``ui/map_element.js``) loads them once per page.

:func:`localise_assets` rewrites every element of a map to use them and
drops what the map does not use (jQuery, Bootstrap, awesome-markers, Font
Awesome, glyphicons), so no request leaves the app to draw the map.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

import branca.colormap
import folium
from folium.elements import JSCSSMixin

from geo.errors import UsageError, said

#: Where the vendored files live on disk (``static/vendor`` next to ``app.py``).
VENDOR_DIR: Final = Path(__file__).resolve().parents[2] / "static" / "vendor"

#: URL of ``static/vendor`` on the app's server. The app draws maps in the page
#: itself (``ui/map_element.py``), which passes the path under ``server.baseUrlPath``.
ASSET_BASE: Final = "/app/static/vendor"

#: Files (relative to ``static/vendor``) each Folium element needs, as
#: ``(js, css)``. Elements not listed here need nothing beyond Leaflet.
ASSETS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "Map": (("leaflet/leaflet.js",), ("leaflet/leaflet.css",)),
    "MeasureControl": (("leaflet-measure/leaflet-measure.min.js",), ("leaflet-measure/leaflet-measure.css",)),
    "Fullscreen": (("leaflet.fullscreen/Control.FullScreen.js",), ("leaflet.fullscreen/Control.FullScreen.css",)),
    "MiniMap": (("leaflet-minimap/Control.MiniMap.min.js",), ("leaflet-minimap/Control.MiniMap.min.css",)),
}


def _walk(element: object) -> Iterator[object]:
    """``element`` and all its descendants (branca's ``_children``), depth first."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localise_assets(m: folium.Map, *, base: str = ASSET_BASE) -> folium.Map:
    """Point every JS/CSS link of ``m`` at the vendored copies in ``static/vendor``.

    Parameters
    ----------
    m
        A finished map (call this after adding every layer and plugin).
    base
        URL prefix under which ``static/vendor`` is served.

    Returns
    -------
    folium.Map
        The same map, modified in place.

    Raises
    ------
    UsageError
        If the map holds an element whose assets are not vendored (a new
        plugin, or a branca colormap, which would pull d3 from a CDN), or a
        vendored file is missing on disk.
    """
    base = base.rstrip("/")
    for element in _walk(m):
        if isinstance(element, branca.colormap.ColorMap):
            raise UsageError(
                said("err.assets.colormap_cdn"),
                source=type(element).__name__,
                fix=said("err.assets.colormap_cdn_fix"),
            )
        if not isinstance(element, JSCSSMixin):
            continue
        kind = type(element).__name__
        if kind not in ASSETS:
            raise UsageError(
                said("err.assets.not_vendored", kind=kind),
                source="geo.mapview.assets.ASSETS",
                fix=said("err.assets.not_vendored_fix"),
            )
        js, css = ASSETS[kind]
        for rel in js + css:
            if not (VENDOR_DIR / rel).is_file():
                raise UsageError(
                    said("err.assets.vendored_missing", rel=rel),
                    source=str(VENDOR_DIR),
                    fix=said("err.assets.vendored_missing_fix"),
                )
        # Instance attributes shadow Folium's class-level CDN lists.
        element.default_js = [(f"{kind}_js_{i}", f"{base}/{rel}") for i, rel in enumerate(js)]
        element.default_css = [(f"{kind}_css_{i}", f"{base}/{rel}") for i, rel in enumerate(css)]
    return m


def asset_links(m: folium.Map) -> tuple[list[str], list[str]]:
    """All JS and CSS links the map's elements ask for, in order (for tests and checks)."""
    js: list[str] = []
    css: list[str] = []
    for element in _walk(m):
        js += [src for _, src in getattr(element, "default_js", [])]
        css += [href for _, href in getattr(element, "default_css", [])]
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))
