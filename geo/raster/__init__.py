"""Rasters: the allocation raster we write, and users' GeoTIFFs we overlay.

- :mod:`geo.raster.allocation`: parcels burned into COGs in the plan's Gauss–Krüger zone (track
  codes, output per mu) with a stated, tested area bound;
- :mod:`geo.raster.overlay`: a user's GeoTIFF of any size, read decimated and
  reprojected to an image for the map.
"""

from geo.raster.allocation import (
    CELL_RANGE_M,
    DEFAULT_CELL_M,
    allocation_zip,
    check_output_path,
    rasterize_parcels,
    write_allocation,
)
from geo.raster.overlay import RasterOverlay, overlay_from_upload

__all__ = [
    "CELL_RANGE_M", "DEFAULT_CELL_M", "RasterOverlay", "allocation_zip", "check_output_path",
    "overlay_from_upload", "rasterize_parcels", "write_allocation",
]
