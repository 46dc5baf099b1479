"""The engine of the spatial-layout explorer; it knows nothing of Streamlit.

Packages, each a room with its public names in ``__all__``:

- :mod:`geo.io`: users' files read safely; every export format written;
- :mod:`geo.checks`: the parcel check (pipeline, registry of checks, matching,
  topology, messages in Chinese and English, reports);
- :mod:`geo.plan`: reconciliation of tables, text and map; indicative placement;
  what pages show (filters, per-mu figures, summaries);
- :mod:`geo.raster`: the allocation raster and GeoTIFF overlays;
- :mod:`geo.store`: the workspace (accounts, uploads, findings, audit; GeoPackage or PostGIS),
  who may change what, and the parcels in use;
- :mod:`geo.mapview`: everything Folium (maps, basemaps, large layers).

Modules at the top: :mod:`geo.crs` (CRSs, GCJ-02), :mod:`geo.area` (mu,
ellipsoidal), :mod:`geo.geojson` (RFC 7946), :mod:`geo.errors`, and the command
line :mod:`geo.cli` with :mod:`geo.commands`.
"""

__version__ = "0.2.0"
