"""``python -m geo export``: write layers for QGIS, ArcGIS, AutoCAD, Google Earth/奥维 and Excel."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd

from geo import atomic
from geo.crs import EXPORT_CRS
from geo.io import FORMATS, export_bytes, export_layers
from geo.io.export import crs_options, left_out, split_geometry_types
from geo.store import parcels_in_use
from layers import export_options, load_districts, load_metro, load_parcels, load_places, load_zones

NAME = "export"
HELP = ("Export layers as GeoJSON, GeoPackage 1.2, Shapefile, CSV, KML/KMZ, DXF, XLSX or 部标坐标txt, "
        "in WGS84, CGCS2000 or CGCS2000 GK, styled by track.")

#: The layers one can export, by name (``all`` = every one).
LAYERS = {"parcels": load_parcels, "zones": load_zones, "places": load_places,
          "districts": load_districts, "metro": load_metro}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("--layer", choices=[*LAYERS, "all"], default="all", help="layer to export (default: all)")
    parser.add_argument("--format", choices=list(FORMATS), required=True, help="file format")
    parser.add_argument("--crs", choices=list(EXPORT_CRS), default=None,
                        help="coordinate system (default: the format's own: EPSG:4326; EPSG:4544 for dxf, which "
                             "refuses degrees; EPSG:4523, zone 35 with prefix, for txt)")
    parser.add_argument("-o", "--output", required=True, type=Path,
                        help="output path (suffix is set by the format), or a folder: the file is then named by "
                             "layers, CRS and 示意, e.g. parcels_EPSG4544_示意.gpkg; - for stdout; "
                             "a FIFO or device is written to, a symlink followed")
    parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8",
                        help="text encoding of Shapefile .dbf (gbk for old ArcMap; default utf-8)")
    parser.add_argument("--surveyed", action="store_true",
                        help="use surveyed geometry switched on in the workspace (see `check`) "
                             "in place of indicative parcels")


def selected(layer: str, *, surveyed: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """The layers named by ``--layer``; parcels with the workspace's surveyed geometry if asked."""
    names = list(LAYERS) if layer == "all" else [layer]
    out = {name: LAYERS[name]() for name in names}
    if surveyed and "parcels" in out:
        out["parcels"] = parcels_in_use(out["parcels"])
    return out


def run(args: argparse.Namespace) -> int:
    """Write the file and say where, in which CRS, and how mixed layers were split.

    A 部标坐标txt holds polygons only: what it cannot hold is listed on stderr.
    """
    layers = selected(args.layer, surveyed=args.surveyed)
    crs = args.crs or crs_options(args.format)[0]
    left = {name: left_out(args.format, gdf) for name, gdf in layers.items()}
    if FORMATS[args.format].left_out is not None:
        for name in [n for n, gdf in layers.items() if len(left[n]) == len(gdf) and len(layers) > 1]:
            del layers[name]
            print(f"left out layer {name}: it has no polygon", file=sys.stderr)
        for name in layers:
            if left[name]:
                print(f"left out of {name} ({len(left[name])}, not polygons): {'; '.join(left[name])}",
                      file=sys.stderr)
    if str(args.output) == atomic.STDOUT:
        data, _ = export_bytes(layers, fmt=args.format, crs=crs, options=export_options(), encoding=args.encoding)
        path: object = atomic.write_output(atomic.STDOUT, data)
    else:
        path = export_layers(layers, fmt=args.format, crs=crs, path=args.output, options=export_options(),
                             encoding=args.encoding)
    counts = ", ".join(f"{name} {len(gdf) - len(left[name])}" for name, gdf in layers.items())
    print(f"wrote {path} ({args.format}, {crs}; features: {counts})")
    if FORMATS[args.format].one_geometry_type:
        for name, gdf in layers.items():
            parts = split_geometry_types(name, gdf)
            if len(parts) > 1:
                print(f"  {name}: one geometry type per layer: " + ", ".join(f"{n} {len(p)}" for n, p in parts))
    return 0
