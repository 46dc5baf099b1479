"""The engine of the spatial-layout explorer; it knows nothing of Streamlit.

- plan and units: :mod:`geo.crs` (CRSs, GCJ-02), :mod:`geo.area` (mu, ellipsoidal),
  :mod:`geo.geojson` (RFC 7946), :mod:`geo.placement` (indicative parcels),
  :mod:`geo.reconcile` (tables vs text vs map), :mod:`geo.views`, :mod:`geo.summary`;
- export: :mod:`geo.export` (GeoJSON, GeoPackage, Shapefile, CSV),
  :mod:`geo.rasterize` (allocation raster, COG);
- users' files: :mod:`geo.io` with :mod:`geo.readers`, :mod:`geo.archive`,
  :mod:`geo.csvread`, :mod:`geo.crsguess`; :mod:`geo.raster_overlay` (GeoTIFF);
- checking: :mod:`geo.matching`, :mod:`geo.checks`, :mod:`geo.topology`,
  :mod:`geo.findings_text` (messages in Chinese and English), :mod:`geo.report`, :mod:`geo.workspace`;
- large layers: :mod:`geo.largelayer`; maps: :mod:`geo.mapview` (Folium),
  :mod:`geo.basemaps`;
- errors: :mod:`geo.errors`; command line: :mod:`geo.cli` and :mod:`geo.commands`.
"""

__version__ = "0.1.0"
