"""Add a :class:`~geo.raster.overlay.RasterOverlay` to a Folium map.

The image goes in its own Leaflet pane so the user can put it under the zones
and parcels (a scanned plan to compare against) or over them (imagery), is
listed in the layer control (on/off) and carries its opacity. A single-band
raster also gets a small colour-ramp legend drawn inside the map with inline
CSS (no external script: the map must work offline).
"""

from __future__ import annotations

from typing import Final

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo.crs import shift_geometries
from geo.errors import UsageError, said
from geo.raster.overlay import RasterOverlay

#: position -> z-index of the overlay's pane (tiles 200, vectors 400, markers 600).
PANES: Final[dict[str, int]] = {"below": 350, "above": 450}

_LEGEND = Template(
    """
{% macro script(this, kwargs) %}
(function() {
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function() {
        var div = L.DomUtil.create("div", "raster-legend");
        div.style.cssText = "background:rgba(255,255,255,.9);padding:6px 8px;border-radius:4px;font:12px sans-serif;";
        div.innerHTML = {{ this.html|tojson }};
        return div;
    };
    legend.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
"""
)


class RampLegendControl(MacroElement):
    """A colour-ramp legend (title, gradient, min and max) as a Leaflet control."""

    _template = _LEGEND

    def __init__(self, html: str) -> None:
        # branca's MacroElement.__init__ is unannotated, and mypy's untyped_calls_exclude
        # does not reach calls through super().
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "RampLegendControl"
        self.html = html


def legend_html(overlay: RasterOverlay, *, title: str) -> str | None:
    """HTML of the ramp legend, or ``None`` for palette/RGB rasters."""
    legend = overlay.legend
    if legend.kind != "ramp" or not legend.stops:
        return None
    gradient = ", ".join(colour for _, colour in legend.stops)
    return (
        f'<div style="font-weight:bold;margin-bottom:2px">{_escape(title)}</div>'
        f'<div style="width:160px;height:10px;background:linear-gradient(to right, {gradient})"></div>'
        f'<div style="display:flex;justify-content:space-between;width:160px">'
        f'<span class="raster-legend-min">{legend.vmin:.6g}</span>'
        f'<span class="raster-legend-max">{legend.vmax:.6g}</span></div>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shifted_bounds(overlay: RasterOverlay, shift: str | None) -> list[list[float]]:
    (south, west), (north, east) = overlay.bounds
    if shift is None:
        return [[south, west], [north, east]]
    corners = shift_geometries(np.array([shapely.Point(west, south), shapely.Point(east, north)]), to=shift)
    minx, miny, maxx, maxy = shapely.total_bounds(corners)
    return [[miny, minx], [maxy, maxx]]


def add_raster_overlay(
    fmap: folium.Map,
    overlay: RasterOverlay,
    *,
    name: str,
    opacity: float = 0.7,
    position: str = "below",
    shift: str | None = None,
    legend_title: str | None = None,
) -> folium.raster_layers.ImageOverlay:
    """Add ``overlay`` as a toggleable image layer (before the layer control).

    Parameters
    ----------
    fmap
        The map, e.g. from :func:`geo.mapview.build_map`.
    overlay
        From :func:`geo.raster.overlay.build_overlay`.
    name
        Name in the layer control.
    opacity
        0 (invisible) to 1 (opaque).
    position
        ``below`` or ``above`` the zones and parcels (:data:`PANES`).
    shift
        ``"gcj02"`` on Gaode tiles (``geo.mapview.basemaps.get_basemap(key).shift``):
        moves the image with the vector overlays. The GCJ-02 offset varies by
        well under a metre across a few kilometres, so shifting the corners is
        enough.
    legend_title
        Title of the ramp legend (defaults to ``name``); single-band only.
    """
    if not 0.0 <= opacity <= 1.0:
        raise UsageError(said("err.map.opacity", opacity=opacity), source="opacity", fix=said("err.map.opacity_fix"))
    z_index = PANES.get(position)
    if z_index is None:
        raise UsageError(said("err.map.position", position=position), source="position",
                         fix=said("err.map.position_fix", choices=", ".join(PANES)))
    pane = f"raster-{position}"
    folium.map.CustomPane(pane, z_index=z_index, pointer_events=False).add_to(fmap)
    layer = folium.raster_layers.ImageOverlay(
        image=overlay.data_url, bounds=_shifted_bounds(overlay, shift), opacity=opacity, name=name,
        overlay=True, control=True, show=True, interactive=False, cross_origin=False, pane=pane,
    )
    layer.add_to(fmap)
    html = legend_html(overlay, title=legend_title or name)
    if html is not None:
        RampLegendControl(html).add_to(fmap)
    _layer_control_last(fmap)
    return layer


def _layer_control_last(fmap: folium.Map) -> None:
    """Move layer controls after the new layer: the control's script names the layers it lists."""
    controls = [(key, child) for key, child in fmap._children.items() if isinstance(child, folium.LayerControl)]
    for key, child in controls:
        del fmap._children[key]
        fmap._children[key] = child
