"""Convert a user's file from any format we read to any format we write.

One function does it for the command line (``python -m geo convert``) and
one for the Export page's uploads, so both give the same file: the input is
read by :func:`geo.io.files.read_file` (content-sniffed, CRS from the file,
inferred or chosen), reprojected and written by
:func:`geo.io.export.export_layers`. The output format is the one whose
suffix in :data:`geo.io.export.FORMATS` the output name ends with, so a format
added to the registry is found here without a change (``.zip`` is the
Shapefile). A GeoParquet output is written batch by batch
(:func:`convert_streamed`), so a layer of any size converts without being held
in memory whole — the way a 10^6-parcel GeoPackage becomes the GeoParquet that
``check`` reads fastest.

The CRS written is ``to_crs`` if given, else the input's own CRS when the
format can hold it, else the format's default (WGS84, or CGCS2000 GK zone 35
for a 部标坐标txt). Shapefile field names longer than a DBF holds (10 bytes)
are cut at a character boundary first (地块名称, 12 bytes in UTF-8, becomes
地块名): GDAL would cut them mid-character and the .dbf could not be read back.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np

from geo.atomic import place_file
from geo.crs import parse_crs
from geo.errors import UsageError
from geo.io.columns import FILE_RESERVED
from geo.io.export import FORMATS, crs_options, export_layers, left_out
from geo.io.files import ReadResult, read_bytes, read_file

#: When several formats end in the same suffix, the one meant (``.zip`` is the Shapefile, not a bundle).
PREFERRED: Final = {".zip": "shp"}
#: Output suffixes a format answers to besides its own: a ``.csv`` is written as the CSV
#: format's files (``.csv`` with its ``.prj`` and ``.csvt``) side by side, not zipped.
SIDE_BY_SIDE: Final = {".csv": "csv"}
#: DBF field names hold at most this many bytes.
DBF_NAME_BYTES: Final = 10


@dataclass(frozen=True)
class ConvertResult:
    """A conversion: what was written, in which format and CRS, and how the input was read."""

    path: Path
    fmt: str
    crs: str
    features: int
    read: ReadResult
    left_out: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        """Features written (all, less those the format cannot hold)."""
        return self.features - len(self.left_out)


def suffixes() -> dict[str, str]:
    """Output suffix → format key: :data:`geo.io.export.FORMATS`, first format per suffix, or :data:`PREFERRED`."""
    out: dict[str, str] = {}
    for key, spec in FORMATS.items():
        out.setdefault(spec.suffix.lower(), key)
    for suffix, key in PREFERRED.items():
        if key in FORMATS and FORMATS[key].suffix.lower() == suffix:
            out[suffix] = key
    for suffix, key in SIDE_BY_SIDE.items():
        if key in FORMATS:
            out.setdefault(suffix, key)
    return out


def known_suffixes() -> str:
    """The suffixes one may convert to, with their formats: ``.geojson (GeoJSON (RFC 7946)), …``."""
    return ", ".join(f"{s} ({FORMATS[k].label_en})" for s, k in suffixes().items())


def format_for(path: str | Path) -> str:
    """The format key for an output name, by its suffix; :class:`UsageError` listing the known ones otherwise."""
    suffix = Path(path).suffix.lower()
    found = suffixes().get(suffix)
    if found is None:
        said = f"the extension {suffix!r}" if suffix else "no extension"
        raise UsageError(
            f"{said} names no format we write",
            source=str(path),
            fix=f"End the output name in one of {known_suffixes()}",
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


def _export_side_by_side(layer: gpd.GeoDataFrame, dst: Path, *, fmt: str, crs: str) -> Path:
    """Export ``fmt`` (a bundle of files) and place its files beside ``dst`` as ``dst``'s stem + their suffix."""
    with tempfile.TemporaryDirectory(dir=dst.parent, prefix=".convert-") as tmp:
        bundle = export_layers({_layer_name(dst): layer}, fmt=fmt, crs=crs, path=Path(tmp) / dst.name)
        with zipfile.ZipFile(bundle) as zf:
            members = [m for m in zf.namelist() if not m.endswith("/")]
            for member in members:
                staged = Path(tmp) / f"member{Path(member).suffix}"
                staged.write_bytes(zf.read(member))
                place_file(staged, dst.with_suffix(Path(member).suffix))
    return dst


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
    if SIDE_BY_SIDE.get(dst.suffix.lower()) == fmt and FORMATS[fmt].suffix.lower() != dst.suffix.lower():
        path = _export_side_by_side(layer, dst, fmt=fmt, crs=target)
    else:
        path = export_layers({_layer_name(dst): layer}, fmt=fmt, crs=target, path=dst)
    return ConvertResult(path=path, fmt=fmt, crs=target, features=len(layer), read=read, left_out=left)


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
        raise UsageError("the output is the input file", source=str(dst), fix="Write to another name (-o OUTPUT)")
    return convert_read(read_file(src, crs=crs, layer=layer, reserved=FILE_RESERVED), dst, to_crs=to_crs)


def convert_bytes(
    data: bytes,
    name: str,
    *,
    fmt: str,
    to_crs: str | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> tuple[bytes, str, ConvertResult]:
    """Convert an upload's bytes to format ``fmt`` in memory (the Export page): bytes, file name, result.

    The file name is the upload's stem with the format's suffix. The copy of
    the upload and the output live in temporary folders that are removed.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", source="format", fix=f"Use one of {', '.join(FORMATS)}")
    read = read_bytes(data, name=name, crs=crs, layer=layer, reserved=FILE_RESERVED)
    with tempfile.TemporaryDirectory(prefix="geo-convert-") as tmp:
        out = Path(tmp) / (_layer_name(Path(name)) + FORMATS[fmt].suffix)
        result = convert_read(read, out, fmt=fmt, to_crs=to_crs)
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
                     crs: str | None = None) -> StreamedResult:
    """Convert ``src`` (any size, anything ``check`` reads) to GeoParquet at ``dst`` in batches, feature order kept.

    Feature order is kept so that findings number the features alike in both files.
    """
    from geo.io.chunks import open_layer
    from geo.io.parquet import ParquetStream

    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        raise UsageError("the output is the input file", source=str(dst), fix="Write to another name (-o OUTPUT)")
    if not dst.parent.is_dir():
        raise UsageError("the output folder does not exist", source=str(dst.parent), fix="Create it first")
    opened = open_layer(src, crs=crs, layer=layer, whole_below=0, reserved=FILE_RESERVED)
    target = parse_crs(to_crs or opened.crs, source="--to-crs" if to_crs else str(src))
    stream = ParquetStream(dst)
    for start in range(0, opened.n, BATCH):
        part = opened.read(np.arange(start, min(start + BATCH, opened.n)))
        stream.write(part.reset_index(drop=True).to_crs(target))
    path = stream.close()
    return StreamedResult(path, target.to_string(), opened.n, opened.source, opened.fmt, opened.crs)
