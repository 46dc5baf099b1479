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
from geo.commands import h
from geo.errors import AreaError, said, say
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
        print(f"note: {say(said('note.raster.stdout_only'), lang)}", file=sys.stderr)
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
    files = _write(raster, args.output, special=special, lang=getattr(args, "said_lang", "en"))
    summary = raster.summary()
    rows, cols = raster.shape
    out = sys.stdout
    print(f"grid: {cols} x {rows} cells of {raster.cell:g} m, {raster.crs}", file=out)
    for file in files:
        print(f"wrote {file}", file=out)
    print(f"parcels rasterised: {len(raster.check)}; skipped (no polygon, area unknown): "
          f"{', '.join(raster.skipped) or 'none'}", file=out)
    print(f"area: raster {summary['raster_mu']:,.2f} mu vs vector {summary['vector_mu']:,.2f} mu; "
          f"largest parcel difference {summary['max_difference_mu']:.2f} mu; "
          f"every parcel within its bound (area within cell/sqrt(2) of its boundary): "
          f"{'no' if summary['outside'] else 'yes'}", file=out)
    if summary["outside"]:
        warning = AreaError(said("err.cmd.rasterize.area_outside", parcels=", ".join(summary["outside"])),
                            source=str(args.output), fix=said("err.cmd.rasterize.area_outside_fix"))
        print(f"warning: {warning.text(getattr(args, 'said_lang', 'en'))}", file=sys.stderr)
        return 1
    return 0
