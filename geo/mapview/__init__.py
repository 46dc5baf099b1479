"""Folium maps, the only part of ``geo`` that knows a map library.

- :mod:`geo.mapview.plan`: the explorer's map of the plan's layers (``build_map``,
  ``GeoLayer`` coloured in JS, basemaps and controls);
- :mod:`geo.mapview.assets`: Leaflet JS/CSS served by the app from ``static/vendor``
  (no public CDN);
- :mod:`geo.mapview.findings`: the Check page's map of findings for 10^5 parcels;
- :mod:`geo.mapview.raster`: a GeoTIFF overlay with opacity and legend.

None of them imports Streamlit: pages hand the map to the map element (``ui/map_element.py``).
"""

from geo.mapview.plan import COORD_GRID, GeoLayer, add_basemap, build_map, feature_collection

__all__ = ["COORD_GRID", "GeoLayer", "add_basemap", "build_map", "feature_collection"]
