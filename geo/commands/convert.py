"""``python -m geo convert INPUT -o OUTPUT``: any format ``check`` reads to any format ``export`` writes.

The output format is named by the suffix of OUTPUT (``.geojson``/``.json``,
``.gpkg``, ``.zip`` for a zipped Shapefile or ``.shp`` for its files unzipped,
``.csv`` (its ``.prj``/``.csvt`` written beside it), ``.txt`` for a 部标坐标txt,
and any format added to :data:`geo.io.export.FORMATS`), and OUTPUT is the file
written: mixed geometry types stay in it where the format allows. Example::

    python -m geo convert 测绘成果.zip -o parcels.txt --to-crs EPSG:<code>

A ``.parquet`` OUTPUT (GeoParquet) is written batch by batch, so a layer of
any size converts — the way to bring a district layer to the format ``check``
reads fastest. ``--spatial-sort`` writes it tile by tile: row groups that
``check --engine dask`` takes as its partitions (see geo.checks.distributed).

Exit 0 printing what was written (read warnings, and what a format splits or
leaves out, go to stderr as ``warning:`` lines); 2 with one line for any error
a user can cause.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

from geo.commands import add_lang, h, out, warn
from geo.errors import UsageError, said
from geo.io.convert import convert_file, convert_streamed, known_suffixes
from geo.io.export import FORMATS
from geo.io.readers import READERS
from geo.io.zbtxt import LABEL as ZBTXT

NAME: Final = "convert"
#: The values of its one-line help, ``help.convert``.
HELP_VALUES: Final = {"zbtxt": ZBTXT}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: INPUT, ``-o/--output`` (suffix = format), ``--to-crs``, ``--layer``, ``--crs``."""
    parser.add_argument("input", metavar="INPUT", type=Path, help=h("help.convert.input"))
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUTPUT",
                        help=h("help.convert.output", suffixes=known_suffixes()))
    parser.add_argument("--to-crs", metavar="EPSG:n", help=h("help.convert.to_crs"))
    parser.add_argument("--layer", help=h("help.convert.layer"))
    parser.add_argument("--crs", help=h("help.convert.crs"))
    parser.add_argument("--spatial-sort", action="store_true", help=h("help.convert.spatial_sort"))
    add_lang(parser)


def run(args: argparse.Namespace) -> int:
    """Convert, print the file written; warnings and left-out features on stderr."""
    is_parquet = args.output.suffix.lower() == FORMATS["parquet"].suffix
    if args.spatial_sort and not is_parquet:
        raise UsageError(said("err.cmd.convert.spatial_sort"), source="--spatial-sort",
                         fix=said("err.cmd.convert.spatial_sort_fix"))
    if is_parquet:
        streamed = convert_streamed(args.input, args.output, to_crs=args.to_crs, layer=args.layer, crs=args.crs,
                                    spatial_sort=args.spatial_sort)
        n = streamed.features
        out(args, said("cmd.convert.wrote", path=streamed.path, fmt=FORMATS["parquet"].label_en, crs=streamed.crs,
                       written=n, features=n, source=streamed.source, read_as=READERS[streamed.read_as].label,
                       read_crs=streamed.read_crs))
        return 0
    result = convert_file(args.input, args.output, to_crs=args.to_crs, layer=args.layer, crs=args.crs)
    read = result.read
    for warning in read.warnings:  # English unless the command line gives --lang (as errors: geo.cli)
        warn(args, warning)
    for note in result.notes:
        out(args, said("cli.warning" if note.warning else "cli.note", text=note), file=sys.stderr)
    out(args, said("cmd.convert.wrote", path=result.path, fmt=FORMATS[result.fmt].label_en, crs=result.crs,
                   written=result.written, features=result.features, source=read.source,
                   read_as=READERS[read.fmt].label, read_crs=read.crs))
    beside = [f.name for f in result.files if f != result.path]
    if beside:
        out(args, said("cmd.convert.beside", files=", ".join(beside)))
    return 0
