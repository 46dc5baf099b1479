"""``python -m geo export``: write layers for QGIS, ArcGIS, AutoCAD, Google Earth/奥维 and Excel."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd

from geo import atomic
from geo.commands import add_lang, h, out, said_lang, warn
from geo.crs import EXPORT_CRS
from geo.errors import said
from geo.i18n import t
from geo.io import FORMATS, export_bytes, export_files
from geo.io.export import INDICATIVE, crs_options, left_layer_note, left_out, notes
from geo.io.zbtxt import LABEL as ZBTXT
from geo.store import parcels_in_use
from layers import export_options, load_districts, load_metro, load_parcels, load_places, load_zones

NAME = "export"
#: The values of its one-line help, ``help.export``.
HELP_VALUES = {"zbtxt": ZBTXT}

#: The layers one can export, by name (``all`` = every one).
LAYERS = {"parcels": load_parcels, "zones": load_zones, "places": load_places,
          "districts": load_districts, "metro": load_metro}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("--layer", choices=[*LAYERS, "all"], default="all", help=h("help.export.layer"))
    parser.add_argument("--format", choices=list(FORMATS), required=True, help=h("help.export.format"))
    parser.add_argument("--crs", choices=list(EXPORT_CRS), default=None, help=h("help.export.crs"))
    parser.add_argument("-o", "--output", required=True, type=Path,
                        help=h("help.export.output", indicative=INDICATIVE))
    parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help=h("help.export.encoding"))
    parser.add_argument("--surveyed", action="store_true", help=h("help.export.surveyed"))
    add_lang(parser)


def selected(layer: str, *, surveyed: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """The layers named by ``--layer``; parcels with the workspace's surveyed geometry if asked."""
    names = list(LAYERS) if layer == "all" else [layer]
    out = {name: LAYERS[name]() for name in names}
    if surveyed and "parcels" in out:
        out["parcels"] = parcels_in_use(out["parcels"])
    return out


def run(args: argparse.Namespace) -> int:
    """Write the file named, and say where, in which CRS, and what the format split or left out.

    ``-o NAME.EXT`` is written exactly (a CSV's ``.prj``/``.csvt`` beside it);
    a folder gets files named by layers, CRS and 示意. What a format splits
    (Shapefile, GeoPackage) or leaves out (部标坐标txt, DXF) is said on stderr,
    one ``warning:`` (or ``note:``) line each.
    """
    layers = selected(args.layer, surveyed=args.surveyed)
    lang = said_lang(args)  # what it prints: English unless the command line gives --lang (as errors: geo.cli)
    crs = args.crs or crs_options(args.format)[0]
    left = {name: left_out(args.format, gdf) for name, gdf in layers.items()}
    if FORMATS[args.format].left_out is not None:
        for name in [n for n, gdf in layers.items() if len(left[n]) == len(gdf) and len(layers) > 1]:
            del layers[name]
            out(args, said("cli.warning", text=left_layer_note(args.format, name, len(left[name]))), file=sys.stderr)
    if str(args.output) == atomic.STDOUT:
        data, _ = export_bytes(layers, fmt=args.format, crs=crs, options=export_options(), encoding=args.encoding,
                               bundle=False)
        written: list[Path | str] = [atomic.write_output(atomic.STDOUT, data)]
        told = notes(args.format, layers)
        main = ""
        if FORMATS[args.format].sidecars:
            stdout_only = said("note.export.stdout_only", suffix=FORMATS[args.format].suffix,
                               sidecars="/".join(FORMATS[args.format].sidecars))
            warn(args, stdout_only, kind="note")
    else:
        made = export_files(layers, fmt=args.format, crs=crs, path=args.output, options=export_options(),
                            encoding=args.encoding)
        written, told, main = list(made.files), list(made.notes), made.path.suffix
    for note in told:
        out(args, said("cli.warning" if note.warning else "cli.note", text=note), file=sys.stderr)
    counts = t("cmd.export.sep", lang).join(
        t("cmd.export.count", lang, layer=t(f"cmd.export.layer.{name}", lang), n=len(gdf) - len(left[name]))
        for name, gdf in layers.items())
    mains = [w for w in written if not isinstance(w, Path) or w.suffix == main]  # the files, not their companions
    out(args, said("cmd.export.wrote", files=", ".join(map(str, mains)), fmt=args.format, crs=crs, counts=counts))
    beside = [w.name for w in written if isinstance(w, Path) and w not in mains]
    if beside:
        out(args, said("cmd.export.beside", files=", ".join(beside)))
    return 0
