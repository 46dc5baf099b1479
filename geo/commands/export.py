"""``python -m geo export``: write layers for QGIS/ArcGIS."""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd

from geo.crs import EXPORT_CRS, WGS84
from geo.io import FORMATS, export_bytes, outpath
from geo.io.export import output_suffix
from geo.store import parcels_in_use
from layers import load_districts, load_metro, load_parcels, load_places, load_zones

NAME = "export"
HELP = ("Export layers as GeoJSON (RFC 7946), GeoPackage, Shapefile (zip) or CSV (WKT), "
        "in WGS84, CGCS2000 or CGCS2000 GK.")

#: The layers one can export, by name (``all`` = every one).
LAYERS = {"parcels": load_parcels, "zones": load_zones, "places": load_places,
          "districts": load_districts, "metro": load_metro}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("--layer", choices=[*LAYERS, "all"], default="all", help="layer to export (default: all)")
    parser.add_argument("--format", choices=list(FORMATS), required=True, help="file format")
    parser.add_argument("--crs", choices=list(EXPORT_CRS), default=WGS84, help="coordinate system (default: EPSG:4326)")
    parser.add_argument("-o", "--output", required=True, type=Path,
                        help="output path (suffix is set by the format; - for stdout; a FIFO or device is written to)")
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
    """Write the file (through :mod:`geo.io.outpath`) and say where."""
    layers = selected(args.layer, surveyed=args.surveyed)
    target = outpath.target_for(args.output, output_suffix(args.format, len(layers)))  # -o layers → layers.gpkg
    outpath.check_target(target)
    data, _ = export_bytes(layers, fmt=args.format, crs=args.crs, name=Path(args.output).name or "export")
    path = outpath.write_output(target, data)
    counts = ", ".join(f"{name} {len(gdf)}" for name, gdf in layers.items())
    print(f"wrote {path} ({args.format}, {args.crs}; features: {counts})")
    return 0
