"""``python -m geo rasterize``: the land allocation as Cloud-Optimised GeoTIFFs.

Example::

    python -m geo rasterize --cell 10 -o allocation.tif

writes ``allocation.tif`` (track codes, colour table), its attribute table
``allocation.tif.aux.xml`` and ``allocation_output_per_mu.tif`` (万元/亩), all
in the plan's Gauss–Krüger zone (``geo:plan.crs.local_epsg``), and prints the
area check (cells × cell² against each parcel's
vector area, with the bound the cell size allows).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Final

from geo import atomic
from geo.commands import add_lang, h, out, said_lang
from geo.errors import AreaError, said, say
from geo.i18n import t
from geo.raster import DEFAULT_CELL_M, check_output_path, rasterize_parcels, write_allocation
from geo.raster.allocation import AllocationRaster
from geo.store import parcels_in_use
from layers import load_parcels, load_tracks

NAME: Final = "rasterize"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--cell`` (metres), ``-o/--output`` (.tif), ``--surveyed``."""
    parser.add_argument("--cell", type=float, default=DEFAULT_CELL_M,
                        help=h("help.rasterize.cell", cell=f"{DEFAULT_CELL_M:g}"))
    parser.add_argument("-o", "--output", required=True, help=h("help.rasterize.output"))
    parser.add_argument("--surveyed", action="store_true", help=h("help.rasterize.surveyed"))
    add_lang(parser)


def _write(raster: AllocationRaster, target: str, *, special: bool, lang: str = "en") -> list[str]:
    """The COGs, the attribute table and the QGIS style, written through to what ``-o`` names.

    Each file follows its own symbolic link (:func:`geo.raster.write_allocation`);
    stdout, a FIFO or a device gets the track-code COG only (its companions need
    file names of their own).
    """
    if not special:
        return [str(p) for p in write_allocation(raster, target)]
    with tempfile.TemporaryDirectory(prefix="geo-rasterize-") as tmp:
        built = write_allocation(raster, Path(tmp) / "allocation.tif")
        print(t("cli.note", lang, text=say(said("note.raster.stdout_only"), lang)), file=sys.stderr)
        return [atomic.copy_to_output(target, built[0])]


def run(args: argparse.Namespace) -> int:
    """Rasterise the plan's parcels, write the files, print the area check.

    Returns 0, or 1 (files written, with a warning on stderr) if a parcel's
    raster area falls outside the stated bound (overlapping parcels). Raises
    :class:`geo.errors.GeoError` (the CLI prints it, exit 2) on a bad cell
    size or output path.
    """
    special = atomic.is_special(args.output)
    if not special:
        check_output_path(args.output)
        atomic.check_target(args.output)
    parcels = parcels_in_use(load_parcels()) if args.surveyed else load_parcels()
    raster = rasterize_parcels(parcels, load_tracks(), cell=args.cell)
    lang = said_lang(args)  # English unless the command line gives --lang (as errors: geo.cli)
    files = _write(raster, args.output, special=special, lang=lang)
    summary = raster.summary()
    rows, cols = raster.shape
    out(args, said("cmd.rasterize.grid", cols=cols, rows=rows, cell=raster.cell, crs=raster.crs))
    for file in files:
        out(args, said("cmd.rasterize.wrote", file=file))
    skipped = t("cmd.rasterize.sep", lang).join(raster.skipped) or t("cmd.rasterize.none", lang)
    out(args, said("cmd.rasterize.parcels", n=len(raster.check), skipped=skipped))
    out(args, said("cmd.rasterize.area", raster_mu=summary["raster_mu"], vector_mu=summary["vector_mu"],
                   max_difference_mu=summary["max_difference_mu"],
                   within=said("cmd.rasterize.no" if summary["outside"] else "cmd.rasterize.yes")))
    if summary["outside"]:
        warning = AreaError(said("err.cmd.rasterize.area_outside", parcels=", ".join(summary["outside"])),
                            source=str(args.output), fix=said("err.cmd.rasterize.area_outside_fix"))
        out(args, said("cli.warning", text=warning), file=sys.stderr)
        return 1
    return 0
