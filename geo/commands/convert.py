"""``python -m geo convert IN OUT``: a surveyed layer of any size into GeoParquet (or GeoPackage).

The input is read as ``check`` reads it (any format, CRS from the file,
inferred or ``--crs``) in batches of features in file order, so a 10^6-parcel
GeoPackage becomes GeoParquet without being held in memory whole; feature
order is kept, so findings number the features alike in both files. The output format follows OUT's suffix:
``.parquet`` (GeoParquet 1.1, zstd, bbox covering column) or ``.gpkg``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

NAME = "convert"
HELP = "Convert a surveyed layer (any format check reads, any size) to GeoParquet (.parquet) or GeoPackage (.gpkg)."
BATCH = 100_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("input", metavar="IN", help="the layer to convert")
    parser.add_argument("output", metavar="OUT", type=Path, help="OUT.parquet or OUT.gpkg")
    parser.add_argument("--crs", help="CRS of the input's coordinates (default: from the file, else inferred)")
    parser.add_argument("--to-crs", default="EPSG:4326", help="CRS of the output (default: EPSG:4326)")
    parser.add_argument("--layer", help="layer of a GeoPackage/KML, or Shapefile name in a zip")


def run(args: argparse.Namespace) -> int:
    """Convert batch by batch and say what was written."""
    import os

    import pyogrio

    from geo.crs import parse_crs
    from geo.errors import UsageError
    from geo.io.chunks import open_layer
    from geo.io.parquet import ParquetStream

    out: Path = args.output
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".gpkg"):
        raise UsageError(f"cannot tell the format from {out.name!r}", source="OUT",
                         fix="Name the output .parquet (GeoParquet) or .gpkg (GeoPackage)")
    if not out.parent.is_dir():
        raise UsageError("the output folder does not exist", source=str(out.parent), fix="Create it first")
    target = parse_crs(args.to_crs, source="--to-crs")
    layer = open_layer(args.input, crs=args.crs, layer=args.layer, whole_below=0)
    if suffix == ".parquet":
        stream = ParquetStream(out)
        for start in range(0, layer.n, BATCH):
            part = layer.read(np.arange(start, min(start + BATCH, layer.n)))
            stream.write(part.reset_index(drop=True).to_crs(target))
        stream.close()
    else:
        tmp = out.with_name(f".part-{out.name}")
        tmp.unlink(missing_ok=True)
        for start in range(0, layer.n, BATCH):
            part = layer.read(np.arange(start, min(start + BATCH, layer.n))).reset_index().to_crs(target)
            pyogrio.write_dataframe(part, tmp, layer=Path(layer.source).stem or "parcels", driver="GPKG",
                                    append=start > 0, geometry_type="Unknown")
        os.replace(tmp, out)
    print(f"wrote {out} ({'GeoParquet' if suffix == '.parquet' else 'GeoPackage'}, {target.to_string()}; "
          f"{layer.n} features from {layer.source}, {layer.fmt}, CRS {layer.crs_note[1]})")
    return 0
