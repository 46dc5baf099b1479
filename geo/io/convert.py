"""Convert a user's file from any format we read to any format we write.

One function does it for the command line (``python -m geo convert``) and
one for the Export page's uploads, so both give the same file: the input is
read by :func:`geo.io.files.read_file` (content-sniffed, CRS from the file,
inferred or chosen), reprojected and written by
:func:`geo.io.export.export_files`, so the output is the file named, as for
``export``: ``parcels.geojson`` is one GeoJSON file whatever geometry types
it mixes, ``parcels.csv`` a CSV with its ``parcels.prj`` and ``parcels.csvt``
beside it. The output format is the one whose suffix (or alias: ``.json``,
``.shp`` for a Shapefile unzipped) in :data:`geo.io.export.FORMATS` the output
name ends with, so a format added to the registry is found here without a
change (``.zip`` is the zipped Shapefile). What a format splits or leaves out
is in :attr:`ConvertResult.notes`. A GeoParquet output is written batch by batch
(:func:`convert_streamed`), so a layer of any size converts without being held
in memory whole — the way a 10^6-parcel GeoPackage becomes the GeoParquet that
``check`` reads fastest.

The CRS written is ``to_crs`` if given, else the input's own CRS when the
format can hold it, else the format's default (WGS84, or CGCS2000 GK, the plan's zone
for a 部标坐标txt). Shapefile field names longer than a DBF holds (10 bytes)
are cut at a character boundary first (地块名称, 12 bytes in UTF-8, becomes
地块名): GDAL would cut them mid-character and the .dbf could not be read back.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np

from geo.crs import parse_crs
from geo.errors import UsageError, said
from geo.io.columns import FILE_RESERVED
from geo.io.export import FORMATS, Note, bundle_bytes, crs_options, export_files, left_out
from geo.io.files import ReadResult, read_bytes, read_file

#: When several formats end in the same suffix, the one meant (``.zip`` is the Shapefile, not a bundle).
PREFERRED: Final = {".zip": "shp"}
#: DBF field names hold at most this many bytes.
DBF_NAME_BYTES: Final = 10


@dataclass(frozen=True)
class ConvertResult:
    """A conversion: what was written (the file named, and ``files``: it and its sidecars), in which format
    and CRS, how the input was read, and what the format split or left out (``notes``)."""

    path: Path
    fmt: str
    crs: str
    features: int
    read: ReadResult
    left_out: list[str] = field(default_factory=list)
    files: tuple[Path, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def written(self) -> int:
        """Features written (all, less those the format cannot hold)."""
        return self.features - len(self.left_out)


def suffixes() -> dict[str, str]:
    """Output suffix → format key: :data:`geo.io.export.FORMATS` (suffixes, then aliases), first format per
    suffix, or :data:`PREFERRED`."""
    out: dict[str, str] = {}
    for key, spec in FORMATS.items():
        out.setdefault(spec.suffix.lower(), key)
    for suffix, key in PREFERRED.items():
        if key in FORMATS and FORMATS[key].suffix.lower() == suffix:
            out[suffix] = key
    for key, spec in FORMATS.items():
        for alias in spec.aliases:
            out.setdefault(alias.lower(), key)
    return out


def known_suffixes() -> str:
    """The suffixes one may convert to, with their formats: ``.geojson (GeoJSON (RFC 7946)), …``."""
    return ", ".join(f"{s} ({FORMATS[k].label_en})" for s, k in suffixes().items())


def format_for(path: str | Path) -> str:
    """The format key for an output name, by its suffix; :class:`UsageError` listing the known ones otherwise."""
    suffix = Path(path).suffix.lower()
    found = suffixes().get(suffix)
    if found is None:
        raise UsageError(
            said("err.convert.unknown_extension", suffix=suffix) if suffix else said("err.convert.no_extension"),
            source=str(path),
            fix=said("err.convert.extension_fix", suffixes=known_suffixes()),
        )
    return found


def default_crs(fmt: str, source_crs: str | None = None) -> str:
    """The CRS a conversion to ``fmt`` writes when none is asked: the source's if ``fmt`` can hold it,
    else the format's default (the first of :func:`geo.io.export.crs_options`)."""
    allowed = crs_options(fmt)
    return source_crs if source_crs in allowed else allowed[0]


def _dbf_safe(columns: list[str]) -> dict[str, str]:
    """New names for columns longer than 10 UTF-8 bytes: cut at a character boundary, kept unique."""
    out: dict[str, str] = {}
    taken = {c for c in columns if len(c.encode("utf-8")) <= DBF_NAME_BYTES}
    for c in columns:
        if c in taken or c == "geometry":
            continue
        cut = c.encode("utf-8")[:DBF_NAME_BYTES].decode("utf-8", errors="ignore")
        name, n = cut, 1
        while name in taken:
            tail = str(n)
            name = cut.encode("utf-8")[: DBF_NAME_BYTES - len(tail)].decode("utf-8", errors="ignore") + tail
            n += 1
        taken.add(name)
        out[c] = name
    return out


def _layer_name(path: Path) -> str:
    stem = re.sub(r"[^\w\-]+", "_", path.stem).strip("_")
    return stem or "layer"


def convert_read(
    read: ReadResult, dst: str | Path, *, fmt: str | None = None, to_crs: str | None = None
) -> ConvertResult:
    """Write a layer already read to ``dst`` in ``fmt`` (default: the format its suffix names); see the module."""
    dst = Path(dst)
    fmt = fmt or format_for(dst)
    target = parse_crs(to_crs, source="--to-crs").to_string() if to_crs else default_crs(fmt, read.crs)
    layer: gpd.GeoDataFrame = read.layer
    if fmt == PREFERRED[".zip"]:
        layer = layer.rename(columns=_dbf_safe([str(c) for c in layer.columns]))
    left = left_out(fmt, layer)
    out = export_files({_layer_name(dst): layer}, fmt=fmt, crs=target, path=dst)
    return ConvertResult(path=out.path, fmt=fmt, crs=target, features=len(layer), read=read, left_out=left,
                         files=out.files, notes=out.notes)


def convert_file(
    src: str | Path,
    dst: str | Path,
    *,
    to_crs: str | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> ConvertResult:
    """Convert the file ``src`` to ``dst``, its format chosen by the suffix of ``dst``.

    Parameters
    ----------
    src
        Anything :func:`geo.io.files.read_file` reads (content-sniffed).
    dst
        Output path; its suffix picks the format (:func:`format_for`).
    to_crs
        CRS to write (one of :data:`geo.crs.EXPORT_CRS` the format accepts); default see :func:`default_crs`.
    layer
        Layer of a GeoPackage/KML, or Shapefile stem in a zip, to read.
    crs
        The CRS the input's coordinates are in, overriding the file's.

    Returns
    -------
    ConvertResult

    Raises
    ------
    UsageError
        Unknown output suffix, output equal to the input, or a CRS the format cannot hold.
    InputFileError
        The input cannot be read (:mod:`geo.io.files`).
    ExportError
        The output cannot be written.
    """
    src, dst = Path(src), Path(dst)
    format_for(dst)  # an unknown suffix is refused before the input is read
    if dst.resolve() == src.resolve():
        raise UsageError(said("err.convert.same_file"), source=str(dst), fix=said("err.convert.same_file_fix"))
    return convert_read(read_file(src, crs=crs, layer=layer, reserved=FILE_RESERVED), dst, to_crs=to_crs)


def convert_bytes(
    data: bytes,
    name: str,
    *,
    fmt: str,
    to_crs: str | None = None,
    layer: str | None = None,
    crs: str | None = None,
    sidecars: bool = False,
) -> tuple[bytes, str, ConvertResult]:
    """Convert an upload's bytes to format ``fmt`` in memory (the Export page): bytes, file name, result.

    The file name is the upload's stem with the format's suffix: the one file
    written — a CSV's ``.csv`` alone, or with ``sidecars`` a zip (the stem's)
    of it and its ``.csvt`` and ``.prj``. The copy of the upload and the
    output live in temporary folders that are removed.
    """
    if fmt not in FORMATS:
        raise UsageError(said("err.convert.unknown_format", fmt=fmt), source="format",
                         fix=said("err.convert.unknown_format_fix", formats=", ".join(FORMATS)))
    read = read_bytes(data, name=name, crs=crs, layer=layer, reserved=FILE_RESERVED)
    with tempfile.TemporaryDirectory(prefix="geo-convert-") as tmp:
        out = Path(tmp) / (_layer_name(Path(name)) + FORMATS[fmt].suffix)
        result = convert_read(read, out, fmt=fmt, to_crs=to_crs)
        if sidecars and len(result.files) > 1:
            return bundle_bytes(list(result.files)), f"{out.stem}.zip", result
        return result.path.read_bytes(), result.path.name, result


#: Features per batch of :func:`convert_streamed`.
BATCH: Final = 100_000


@dataclass(frozen=True)
class StreamedResult:
    """A streamed conversion: the file written, its CRS, the features and how the input was read."""

    path: Path
    crs: str
    features: int
    source: str
    read_as: str
    read_crs: str


def convert_streamed(src: str | Path, dst: str | Path, *, to_crs: str | None = None, layer: str | None = None,
                     crs: str | None = None, spatial_sort: bool = False) -> StreamedResult:
    """Convert ``src`` (any size, anything ``check`` reads) to GeoParquet at ``dst`` in batches, feature order kept.

    Feature order is kept so that findings number the features alike in both files. With
    ``spatial_sort`` the features are written tile by tile instead (the local engine's
    sort-tile-recursive tiles of :func:`geo.io.chunks.partition`, one row group each): a spatially
    sorted file whose row groups ``--engine dask`` checks as its partitions, each with a tight halo
    (:mod:`geo.checks.distributed`); findings then number the features in the sorted file's order.
    """
    from geo.io.chunks import open_layer
    from geo.io.parquet import ParquetStream

    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        raise UsageError(said("err.convert.same_file"), source=str(dst), fix=said("err.convert.same_file_fix"))
    if not dst.parent.is_dir():
        raise UsageError(said("err.convert.no_folder"), source=str(dst.parent), fix=said("err.convert.no_folder_fix"))
    opened = open_layer(src, crs=crs, layer=layer, whole_below=0, reserved=FILE_RESERVED)
    target = parse_crs(to_crs or opened.crs, source="--to-crs" if to_crs else str(src))
    stream = ParquetStream(dst)
    if spatial_sort:
        from geo.io.chunks import partition
        from geo.io.parquet import ROW_GROUP

        batches = [c.owned for c in partition(opened.bounds, size=ROW_GROUP, halos=False)]
    else:
        batches = [np.arange(start, min(start + BATCH, opened.n)) for start in range(0, opened.n, BATCH)]
    for positions in batches:
        part = opened.read(positions)
        stream.write(part.reset_index(drop=True).to_crs(target))
    path = stream.close()
    return StreamedResult(path, target.to_string(), opened.n, opened.source, opened.fmt, opened.crs)
