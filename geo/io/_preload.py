"""Imported once by the read worker's forkserver (:mod:`geo.io.limits`): warm GDAL, PROJ and pandas there.

GDAL registers its drivers and PROJ opens its database on first use, and the
first read of each format sets up more (SQLite, Arrow, the GeoJSON parser):
~40 ms a read. Done here, once, every worker forked from the forkserver starts
with all of it ready. The caller's main module, when it was started with
``python -m`` (``$GEO_PRELOAD_MAIN``), is imported here too and then dropped
from ``sys.modules``: each worker re-runs it as ``__mp_main__`` and finds its
imports done (dropped, so that runpy does not warn that it is already loaded).
"""

from __future__ import annotations

import importlib
import os
import sys

import geopandas as gpd
import openpyxl  # noqa: F401  (the 监测评估 template's reader, geo.monitor.template)
import pyogrio
import pyogrio.raw
import shapely

import geo.checks.upload  # a big upload is checked in a worker forked from here (geo.checks.upload)
import geo.io.readers  # noqa: F401  (the readers and what they import)
from geo.crs import parse_crs
from geo.io.limits import PRELOAD_MAIN_ENV
from geo.io.readers import _OGR_ERRORS
from geo.io.zbtxt import PARCEL_FIELDS


def _warm() -> None:
    """Write and read a one-feature layer in memory, in each format GDAL reads for us."""
    # any CGCS2000 Gauss–Krüger zone: loads PROJ's projected CRSs; a Chinese column name as surveyors' files have
    # (图幅号: 9 bytes, within a Shapefile's 10, so GDAL has nothing to launder or warn of)
    chinese = PARCEL_FIELDS[5]
    layer = gpd.GeoDataFrame({"n": [1], chinese: ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4534")
    parse_crs("EPSG:4534")
    for driver, name in (("GPKG", "warm.gpkg"), ("GeoJSON", "warm.geojson"), ("ESRI Shapefile", "warm.shp")):
        path = f"/vsimem/geo-warm/{name}"
        try:
            pyogrio.write_dataframe(layer, path, driver=driver)
            pyogrio.raw.read_arrow(path)
            pyogrio.raw.read(path)
            pyogrio.list_layers(path)
        except (OSError, *_OGR_ERRORS):  # warming is best effort; a real read reports real errors
            pass
    layer.to_crs("EPSG:4326")


def _main_imports() -> None:
    """Import the caller's ``-m`` main module; one that cannot be imported is skipped, as the forkserver
    skips its own preload modules (each worker re-runs the module anyway and reports what fails there)."""
    name = os.environ.get(PRELOAD_MAIN_ENV, "")
    if not name:
        return
    try:
        importlib.import_module(name)
    except ImportError:
        return
    sys.modules.pop(name, None)


_warm()
_main_imports()
