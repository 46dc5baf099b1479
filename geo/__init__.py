"""The engine of the spatial-layout explorer.

``geo`` knows nothing of Streamlit pages: it holds coordinate systems
(:mod:`geo.crs`), area in mu (:mod:`geo.area`), reconciliation of the plan's
tables and text (:mod:`geo.reconcile`), export (:mod:`geo.export`), the map
builder (:mod:`geo.mapview`) and the command line (:mod:`geo.cli`).
"""

__version__ = "0.1.0"
