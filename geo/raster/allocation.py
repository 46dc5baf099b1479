"""The land allocation as a raster, for analyses that want grids.

Parcels are burned into a north-up grid in the plan's own CGCS2000 / 3-degree
Gauss–Krüger zone (:func:`geo.crs.local_crs`) whose origin is snapped to a multiple of the cell size (so
grids of the same cell size line up). GDAL's rule is kept: a cell belongs to a
parcel when its **centre** lies inside the polygon.

Two Cloud-Optimised GeoTIFFs are written, because a GeoTIFF's bands must share
one data type and GDAL stores colour tables only for 8/16-bit bands:

* ``allocation.tif`` — track codes, UInt8, 0 = no parcel, with a colour table,
  a raster attribute table (GDAL ``.aux.xml``, read by ArcGIS and QGIS ≥ 3.30)
  naming each code, the codes also in the file's own metadata
  (``TRACK_<code>``), and ``allocation.qml``, a QGIS paletted style whose
  class labels are the tracks' Chinese names (``tracks.name_zh``): QGIS loads a
  ``.qml`` of the same name by default, and QGIS 3.22 does not show the
  ``.aux.xml`` table's names;
* ``allocation_output_per_mu.tif`` — output value per mu (万元/亩), Float32,
  NaN = no parcel or unknown (the plan's "——").

Area check
----------
With the centre rule every misclassified point lies within half a cell
diagonal (``cell/√2``) of the parcel's boundary, so for a parcel of area *A*
covered by *N* cells::

    |N × cell² − A|  ≤  area(buffer(boundary, cell/√2))  ≈  √2 × perimeter × cell

(*A* is the planar area in the plan's Gauss–Krüger zone, the grid's own plane.) The bound holds
for any polygon shape; overlapping parcels break it, since a cell goes to one
parcel only. :attr:`AllocationRaster.check` lists it per parcel.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypedDict
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio._err import CPLE_BaseError
from rasterio.errors import RasterioError
from rasterio.features import rasterize
from rasterio.io import MemoryFile
from rasterio.shutil import copy as gdal_copy

from geo.area import M2_PER_MU
from geo.atomic import place_file, write_output
from geo.crs import local_crs
from geo.errors import ExportError, GeometryError, UsageError, said
from geo.i18n import t, table_span
from geo.io.styles import raster_qml
from geo.plan.current import plan_meta
from geo.plan.projects import output_per_mu

DEFAULT_CELL_M: Final = 10.0
#: Cell sizes accepted (metres).
CELL_RANGE_M: Final = (0.5, 1000.0)
#: Most cells a grid may have (rows × columns); ~ 20 000 × 20 000.
MAX_CELLS: Final = 400_000_000
OUTPUT_SUFFIX: Final = "_output_per_mu"
COG_OPTIONS: Final = {"COMPRESS": "DEFLATE", "BLOCKSIZE": "256", "OVERVIEWS": "AUTO",
                "RESAMPLING": "NEAREST", "NUM_THREADS": "1"}


@dataclass(frozen=True)
class TrackClass:
    """One code of band 1."""

    code: int
    track_id: str
    name_zh: str
    name_en: str
    color: str


class AllocationSummary(TypedDict):
    """:meth:`AllocationRaster.summary`: areas in mu, and the parcels outside their bound."""

    raster_mu: float
    vector_mu: float
    max_difference_mu: float
    outside: tuple[str, ...]


@dataclass(frozen=True)
class AllocationRaster:
    """Rasterised parcels in the plan's Gauss–Krüger zone (:attr:`crs`), kept in memory until written."""

    codes: np.ndarray  # uint8 (rows, cols), 0 = no parcel
    output_per_mu: np.ndarray  # float32 (rows, cols), NaN = none/unknown
    transform: Affine
    cell: float
    classes: tuple[TrackClass, ...]
    check: pd.DataFrame  # project_id, track_id, code, cells, raster_mu, vector_mu, bound_mu, difference_mu, within
    skipped: tuple[str, ...]  # project ids without a polygon (unknown area)
    crs: str = field(default_factory=local_crs)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.codes.shape

    def summary(self) -> AllocationSummary:
        """Totals of :attr:`check`: raster and vector mu, largest difference, parcels outside their bound."""
        c = self.check
        return {"raster_mu": float(c["raster_mu"].sum()), "vector_mu": float(c["vector_mu"].sum()),
                "max_difference_mu": float(c["difference_mu"].abs().max()),
                "outside": tuple(c.loc[~c["within"], "project_id"])}


def track_classes(tracks: pd.DataFrame) -> tuple[TrackClass, ...]:
    """Codes 1..n in the order of ``tracks`` (the plan's order: 表2, 表3 ...)."""
    return tuple(
        TrackClass(i + 1, str(r.track_id), str(r.name_zh), str(r.name_en), str(r.color))
        for i, r in enumerate(tracks.itertuples(index=False))
    )


def _check_cell(cell: float) -> float:
    lo, hi = CELL_RANGE_M
    if not (isinstance(cell, (int, float)) and math.isfinite(cell) and lo <= cell <= hi):
        raise UsageError(said("err.allocation.cell_range", cell=cell, lo=lo, hi=hi), source="--cell",
                         fix=said("err.allocation.cell_range_fix", default=DEFAULT_CELL_M))
    return float(cell)


def area_bound_m2(geoms: np.ndarray, cell: float) -> np.ndarray:
    """Largest possible |cells × cell² − area| per polygon (see module docstring)."""
    return shapely.area(shapely.buffer(shapely.boundary(geoms), cell / math.sqrt(2)))


def rasterize_parcels(
    parcels: gpd.GeoDataFrame,
    tracks: pd.DataFrame,
    *,
    cell: float = DEFAULT_CELL_M,
    max_cells: int = MAX_CELLS,
) -> AllocationRaster:
    """Burn parcels into track-code and output-per-mu grids in the plan's Gauss–Krüger zone (:func:`local_crs`).

    Parameters
    ----------
    parcels
        Columns ``project_id, track_id, declared_mu, output_yi`` and polygon
        geometry, any CRS. Points (unknown area) are skipped and listed.
    tracks
        ``track_id, name_zh, name_en, color``; row order gives the codes.
    cell
        Cell size in metres.
    max_cells
        Refuse grids with more cells than this (memory).

    Returns
    -------
    AllocationRaster
    """
    cell = _check_cell(cell)
    if parcels.crs is None:
        raise GeometryError(said("err.allocation.no_crs"), source="parcels", fix=said("err.allocation.no_crs_fix"))
    classes = track_classes(tracks)
    code_of = {c.track_id: c.code for c in classes}
    unknown = sorted(set(parcels["track_id"].dropna()) - set(code_of))
    if unknown:
        raise UsageError(said("err.allocation.unknown_tracks", ids=unknown), source="parcels.track_id",
                         fix=said("err.allocation.unknown_tracks_fix", known=", ".join(code_of)))
    grid_crs = local_crs()
    geoms = parcels.geometry.to_crs(grid_crs).values
    is_poly = shapely.get_type_id(geoms) == 3
    is_poly |= shapely.get_type_id(geoms) == 6
    polys = parcels.loc[is_poly]
    poly_geoms = geoms[is_poly]
    if len(polys) == 0:
        raise GeometryError(said("err.allocation.no_polygon"), source="parcels",
                            fix=said("err.allocation.no_polygon_fix"))
    minx, miny, maxx, maxy = shapely.total_bounds(poly_geoms)
    left, top = math.floor(minx / cell) * cell, math.ceil(maxy / cell) * cell
    cols, rows = math.ceil((maxx - left) / cell), math.ceil((top - miny) / cell)
    if rows * cols > max_cells:
        need = math.sqrt((maxx - minx) * (maxy - miny) / max_cells)
        raise UsageError(said("err.allocation.too_many_cells", cell=cell, cells=rows * cols, limit=max_cells),
                         source="--cell", fix=said("err.allocation.too_many_cells_fix", need=math.ceil(need)))
    transform = Affine(cell, 0, left, 0, -cell, top)
    index = rasterize(zip(poly_geoms, range(1, len(polys) + 1), strict=True), out_shape=(rows, cols),
                      transform=transform, fill=0, dtype="int32", all_touched=False)
    codes_lut = np.concatenate([[0], polys["track_id"].map(code_of).fillna(0).to_numpy(dtype="uint8")])
    value_lut = np.concatenate([[np.nan], output_per_mu(polys).to_numpy(dtype="float64", na_value=np.nan)])
    counts = np.bincount(index.ravel(), minlength=len(polys) + 1)[1:]
    raster_mu = counts * cell * cell / M2_PER_MU
    vector_mu = shapely.area(poly_geoms) / M2_PER_MU
    bound_mu = area_bound_m2(poly_geoms, cell) / M2_PER_MU
    check = pd.DataFrame({
        "project_id": polys["project_id"].astype(str).to_numpy(),
        "track_id": polys["track_id"].astype(str).to_numpy(),
        "code": codes_lut[1:], "cells": counts, "raster_mu": raster_mu, "vector_mu": vector_mu,
        "bound_mu": bound_mu, "difference_mu": raster_mu - vector_mu,
    })
    check["within"] = check["difference_mu"].abs() <= check["bound_mu"]
    return AllocationRaster(
        codes=codes_lut[index].astype(np.uint8), output_per_mu=value_lut[index].astype(np.float32),
        transform=transform, cell=cell, classes=classes, check=check,
        skipped=tuple(parcels.loc[~is_poly, "project_id"].astype(str)), crs=grid_crs,
    )


# --- writing ------------------------------------------------------------------

def _rgba(colour: str) -> tuple[int, int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), 255


def rat_xml(classes: tuple[TrackClass, ...]) -> str:
    """GDAL PAM ``.aux.xml`` with a thematic raster attribute table for band 1.

    Columns: Value (MinMax), track_id, name_zh, name_en (Name), Red, Green, Blue.
    """
    fields = [("Value", 0, 5), ("track_id", 2, 0), ("name_zh", 2, 0), ("name_en", 2, 2),
              ("Red", 0, 6), ("Green", 0, 7), ("Blue", 0, 8)]
    defs = "".join(f'<FieldDefn index="{i}"><Name>{n}</Name><Type>{t}</Type><Usage>{u}</Usage></FieldDefn>'
                   for i, (n, t, u) in enumerate(fields))
    rows = "".join(
        f'<Row index="{i}">' + "".join(f"<F>{escape(str(v))}</F>" for v in
                                      (c.code, c.track_id, c.name_zh, c.name_en, *_rgba(c.color)[:3])) + "</Row>"
        for i, c in enumerate(classes))
    return ('<PAMDataset><PAMRasterBand band="1"><GDALRasterAttributeTable tableType="thematic">'
            f"{defs}{rows}</GDALRasterAttributeTable></PAMRasterBand></PAMDataset>\n")


def _write_cog(path: Path, array: np.ndarray, raster: AllocationRaster, *, nodata: float, description: str,
               tags: dict[str, str], colormap: dict[int, tuple[int, int, int, int]] | None) -> None:
    rows, cols = array.shape
    profile = {"driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": array.dtype.name,
               "crs": raster.crs, "transform": raster.transform, "nodata": nodata}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with MemoryFile() as mem:
            with mem.open(**profile) as ds:
                ds.write(array, 1)
                ds.set_band_description(1, description)
                ds.update_tags(**tags)
                if colormap:
                    ds.write_colormap(1, colormap)
            with mem.open() as ds:
                gdal_copy(ds, tmp, driver="COG", **COG_OPTIONS)
        place_file(tmp, path)
    except (RasterioError, CPLE_BaseError, OSError) as exc:
        raise ExportError(said("err.allocation.write_failed", error=str(exc)), source=str(path),
                          fix=said("err.allocation.write_failed_fix")) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def output_path_for(path: str | os.PathLike[str]) -> Path:
    """Where the output-per-mu companion of ``path`` is written."""
    path = Path(path)
    return path.with_name(f"{path.stem}{OUTPUT_SUFFIX}{path.suffix or '.tif'}")


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Refuse an output that is not ``.tif`` or whose folder does not exist."""
    path = Path(path)
    if path.suffix.lower() not in (".tif", ".tiff"):
        raise UsageError(said("err.allocation.not_tif", name=path.name), source="--output",
                         fix=said("err.allocation.not_tif_fix"))
    if not path.parent.is_dir():
        raise ExportError(said("err.allocation.no_folder"), source=str(path.parent),
                          fix=said("err.allocation.no_folder_fix"))
    return path


def output_units() -> str:
    """The unit of the output-per-mu raster (its ``UNITS`` tag and description): 万元 per mu, in both languages."""
    return t("allocation.output_units", "zh")


def allocation_qml(classes: tuple[TrackClass, ...]) -> str:
    """The QGIS style of band 1: one palette entry per track code, labelled with its Chinese name."""
    return raster_qml((c.code, c.name_zh, c.color) for c in classes)


def _source() -> str:
    """The plan in use and its project tables: ``<title_en>, 表2–表5``."""
    meta = plan_meta()
    numbers = [int(n) for n in (meta.get("tables") or {}).get("numbers") or []]
    tables = table_span(sorted(numbers), "zh")
    return ", ".join(s for s in (str(meta.get("title_en", "")), tables) if s)


def write_allocation(raster: AllocationRaster, path: str | os.PathLike[str]) -> list[Path]:
    """Write the two COGs, the attribute table and the QGIS style; return the files written.

    Each file is written to a temporary name in the target folder and renamed
    into place, so a failure leaves no half-written file.
    """
    path = check_output_path(path)
    common = {"AREA_OR_POINT": "Area", "CELL_SIZE_M": f"{raster.cell:g}",
              "GEOMETRY_BASIS": "indicative unless the parcels were surveyed",
              "SOURCE": _source()}
    names = {f"TRACK_{c.code}": f"{c.track_id}|{c.name_zh}|{c.name_en}" for c in raster.classes}
    cmap = {0: (0, 0, 0, 0), **{c.code: _rgba(c.color) for c in raster.classes}}
    _write_cog(path, raster.codes, raster, nodata=0, description="track code (0 = no parcel)",
               tags={**common, **names, "TRACK_0": "no parcel"}, colormap=cmap)
    aux, qml = path.with_name(path.name + ".aux.xml"), path.with_suffix(".qml")
    write_output(aux, rat_xml(raster.classes))
    write_output(qml, allocation_qml(raster.classes))
    companion = output_path_for(path)
    _write_cog(companion, raster.output_per_mu, raster, nodata=float("nan"),
               description=f"output value per mu, {output_units()}; NaN = no parcel or unknown",
               tags={**common, "UNITS": output_units()}, colormap=None)
    return [path, aux, companion, qml]


def allocation_zip(raster: AllocationRaster, *, stem: str = "allocation") -> bytes:
    """The files of :func:`write_allocation` in one zip (for a download button).

    Written in a private temporary folder that is always removed.
    """
    with tempfile.TemporaryDirectory(prefix="geo-rasterize-") as tmp:
        files = write_allocation(raster, Path(tmp) / f"{stem}.tif")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for file in files:
                zf.write(file, arcname=file.name)
        return buffer.getvalue()
