"""``python -m geo figure -o map.png``: the plan's map for print (PNG or PDF, A4/A3).

Example::

    python -m geo figure -o map.pdf --size A3 --orientation portrait --lang zh

draws every project's parcel by track with zones, districts, metro lines,
legend, scale bar, north arrow and notes (:func:`geo.mapview.figure.plan_figure`,
the function behind the Map page's download button), and writes the file
atomically. The format follows the suffix (``.png``/``.pdf``) unless
``--format`` is given (e.g. for ``-o /dev/stdout``). A geographic ``--crs``
(EPSG:4326, EPSG:4490) is drawn in a projected CRS, because a scale bar needs
one; the command says which.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Final

from geo.commands import h, out, said_lang
from geo.crs import local_crs
from geo.errors import ExportError, UsageError, said
from geo.i18n import DEFAULT_LANG, LANGS, t
from geo.mapview.paper import FORMATS, ORIENTATIONS, PAPER_MM, Paper
from geo.store import parcels_in_use
from layers import load_districts, load_metro, load_parcels, load_plan_info, load_tracks, load_zones

NAME: Final = "figure"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the command."""
    parser.add_argument("-o", "--output", required=True, metavar="MAP.png|MAP.pdf", help=h("help.figure.output"))
    parser.add_argument("--format", choices=list(FORMATS), help=h("help.figure.format"))
    parser.add_argument("--size", choices=list(PAPER_MM), default="A4", help=h("help.figure.size"))
    parser.add_argument("--orientation", choices=list(ORIENTATIONS), default="landscape",
                        help=h("help.figure.orientation"))
    parser.add_argument("--dpi", type=int, default=200, help=h("help.figure.dpi"))
    parser.add_argument("--crs", default=None, help=h("help.figure.crs"))
    parser.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help=h("help.figure.lang", default=DEFAULT_LANG))
    parser.add_argument("--surveyed", action="store_true", help=h("help.figure.surveyed"))


def output_format(output: str, fmt: str | None) -> str:
    """``png`` or ``pdf``: ``fmt`` if given, else the suffix of ``output``."""
    if fmt:
        return fmt
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(said("err.cmd.figure.format_unknown", output=output), source="-o",
                         fix=said("err.cmd.figure.format_unknown_fix"))
    return suffix


def _engine() -> ModuleType:
    """:mod:`geo.mapview.figure`, imported only when a map is drawn (matplotlib is slow to import)."""
    try:
        return importlib.import_module("geo.mapview.figure")
    except ImportError as exc:
        raise ExportError(said("err.cmd.figure.needs_module", module=exc.name or "matplotlib"), source="figure",
                          fix=said("err.cmd.figure.needs_module_fix")) from None


def run(args: argparse.Namespace) -> int:
    """Check the options, draw the page, write it, say what was written."""
    fmt = output_format(args.output, args.format)
    paper = Paper(args.size, args.orientation, args.dpi)
    folder = Path(args.output).parent
    if not folder.is_dir():
        raise ExportError(said("err.cmd.figure.no_folder"), source=args.output,
                          fix=said("err.cmd.figure.no_folder_fix"))
    figure = _engine()
    plan = load_plan_info()
    parcels = parcels_in_use(load_parcels()) if args.surveyed else load_parcels()
    lon, lat = parcels.to_crs("EPSG:4326").total_bounds.reshape(2, 2).mean(axis=0)
    crs = args.crs or local_crs()  # the plan in use's, read now (--plan)
    drawn = figure.drawing_crs(crs, centre_lonlat=(float(lon), float(lat)), lang=said_lang(args))
    if drawn.reason:  # in --lang when the command line gives one, else English (as errors: geo.cli)
        out(args, said("cli.note", text=drawn.reason), file=sys.stderr)
    data = figure.plan_figure(
        parcels, tracks=load_tracks(), title=str(plan[f"title_{args.lang}"]), period=str(plan["period"]),
        zones=load_zones(), districts=load_districts(), metro=load_metro(), total=len(parcels), lang=args.lang,
        paper=paper, crs=crs, fmt=fmt,
    )
    path = figure.write_figure(args.output, data)
    lang = said_lang(args)
    w, h = paper.mm
    page = (t("cmd.figure.page_png", lang, w=paper.pixels[0], h=paper.pixels[1], dpi=paper.dpi) if fmt == "png"
            else t("cmd.figure.page_pdf", lang, w=w, h=h))
    orientation = t(f"cmd.figure.orientation.{paper.orientation}", lang)
    out(args, said("cmd.figure.wrote", path=path, fmt=fmt, size=paper.size, orientation=orientation, page=page,
                   parcels=len(parcels), code=drawn.code, nbytes=len(data)))
    return 0
