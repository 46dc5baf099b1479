"""Safe reading of users' surveyed parcel files.

Formats are recognised by their *content* (magic bytes, first characters) and
only then compared with the file name, so a GeoTIFF renamed ``.geojson`` is
refused as a raster and a CSV named ``.geojson`` is read as CSV with a warning.
Each format has one reader in :data:`geo.io.readers.READERS`; anything else is refused.
Archives are unpacked by :mod:`geo.io.archive` into a
:class:`tempfile.TemporaryDirectory`, which is always removed. The layer comes
back in WGS84 (EPSG:4326) with its features numbered from 1 as in the file, and
with the CRS the coordinates were in — read from the file, inferred by
:mod:`geo.io.crsguess` or set by the user — stated in :class:`ReadResult`.
The reader runs in a worker process limited in time and memory
(:mod:`geo.io.limits`); attributes named like the check's or the store's
columns are renamed (:mod:`geo.io.columns`); no message names the server's
temporary folders.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as _PyprojCRSError
from pyproj.exceptions import ProjError

from geo.crs import WGS84, example_crs, parse_crs
from geo.errors import (
    CRSError,
    FileTooLargeError,
    GeoError,
    GeometryError,
    InputFileError,
    Said,
    UnsupportedFormatError,
    said,
    tool_said,
    without_paths,
)
from geo.i18n import pair, t
from geo.io import columns, zbtxt
from geo.io.crsguess import CHINA_BOUNDS, guess_crs, looks_geographic
from geo.io.limits import run_limited
from geo.io.readers import READERS, read_format

#: Largest file accepted (bytes).
MAX_FILE_BYTES: Final = 200 * 1024 * 1024
_FIX_FORMATS: Final = said("err.io.fix_formats", label=zbtxt.LABEL)

#: Binary signatures we recognise only to refuse them by name, each with the error's words.
_REFUSED_MAGIC: Final[dict[bytes, Said]] = {
    b"II*\x00": said("err.io.file_tiff"),
    b"MM\x00*": said("err.io.file_tiff"),
    b"\x89PNG": said("err.io.file_png"),
    b"\xff\xd8\xff": said("err.io.file_jpeg"),
    b"%PDF": said("err.io.file_pdf"),
    b"\x1f\x8b": said("err.io.file_gzip"),
    b"Rar!": said("err.io.file_rar"),
    b"7z\xbc\xaf": said("err.io.file_7z"),
    b"\x00\x00\x27\x0a": said("err.io.file_lone_shp"),
    b"\xd0\xcf\x11\xe0": said("err.io.file_old_office"),
    b"AC10": said("err.io.file_dwg"),
}
_EXTENSIONS: Final[dict[str, set[str]]] = {
    ".zip": {"zip"},
    ".kmz": {"zip"},
    ".gpkg": {"geopackage"},
    ".parquet": {"parquet"},
    ".geojson": {"geojson"},
    ".json": {"geojson"},
    ".kml": {"kml"},
    ".csv": {"csv"},
    ".txt": {"csv", zbtxt.FORMAT_KEY},
}


@dataclass
class ReadResult:
    """A user's layer, read and placed in WGS84, and how that was done."""

    layer: gpd.GeoDataFrame
    source: str
    fmt: str
    crs: str
    crs_basis: str  # "file" | "inferred" | "override"
    crs_note: tuple[str, str]  # (zh, en)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # attributes renamed on read (geo.io.columns)

    @property
    def fields(self) -> list[str]:
        """Attribute columns a user may pick as the name/id field."""
        return [c for c in self.layer.columns if c != self.layer.geometry.name]


#: What may follow a leading ``[`` in JSON (an array); ``[属性描述]`` and other sections do not.
_JSON_ARRAY = re.compile(r"\[\s*([{\[\]\"\d-]|true|false|null|$)")


def _sniff_text(head: bytes, suffix: str) -> str | None:
    if zbtxt.sniff(head):  # before the JSON test: a 部标坐标txt starts with "[", GBK or UTF-8
        return zbtxt.FORMAT_KEY
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("{") or _JSON_ARRAY.match(text):
        return "geojson"
    if text.startswith("<") and "<kml" in text.lower():
        return "kml"
    first = text.splitlines()[0] if text else ""
    if any(d in first for d in (",", "\t", ";")) or (text and suffix in (".csv", ".txt")):
        return "csv"
    return None


def detect_format(path: Path, *, source: str) -> str:
    """Key of :data:`geo.io.readers.READERS` for the file at ``path``, judged by its content."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise InputFileError(said("err.io.empty_file"), source=source, fix=said("err.io.empty_file_fix"))
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "geopackage"
    if head.startswith(b"PAR1"):
        return "parquet"
    for magic, what in _REFUSED_MAGIC.items():
        if head.startswith(magic):
            raise UnsupportedFormatError(what, source=source, fix=_FIX_FORMATS)
    fmt = None if b"\x00" in head else _sniff_text(head, Path(source).suffix.lower())
    if fmt is None:
        raise UnsupportedFormatError(said("err.io.unrecognised"), source=source, fix=_FIX_FORMATS)
    return fmt


# --- after reading: geometry sanity and CRS --------------------------------------


def in_features(key: str, idx: np.ndarray, **values: object) -> Said:
    """The message ``key`` about the features at positions ``idx`` (numbered from 1), the first five ``shown``:
    ``key`` says "features 2, 5", ``key_one`` "feature 2", ``key_more`` "features 1, 2, 3, 4, 5 and ``more`` more"."""
    shown = ", ".join(str(int(i) + 1) for i in idx[:5])
    if len(idx) == 1:
        return said(f"{key}_one", shown=shown, **values)
    if len(idx) > 5:
        return said(f"{key}_more", shown=shown, more=len(idx) - 5, **values)
    return said(key, shown=shown, **values)


def _as_geodataframe(frame: pd.DataFrame, source: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise GeometryError(said("err.io.no_geometry_column"), source=source, fix=said("err.io.no_geometry_column_fix"))
    if len(frame) == 0:
        raise InputFileError(said("err.io.no_features"), source=source, fix=said("err.io.no_features_fix"))
    gdf = frame.reset_index(drop=True)
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="feature")
    geoms = gdf.geometry.to_numpy()
    if shapely.is_missing(geoms).all():
        raise GeometryError(
            said("err.io.no_geometries", n=len(gdf)), source=source, fix=said("err.io.no_geometries_fix")
        )
    if shapely.has_z(geoms).any():
        gdf = gdf.set_geometry(shapely.force_2d(geoms), crs=gdf.crs)
    return gdf


def _check_finite(gdf: gpd.GeoDataFrame, source: str) -> None:
    coords, index = shapely.get_coordinates(gdf.geometry.to_numpy(), return_index=True)
    bad = np.unique(index[~np.isfinite(coords).all(axis=1)])
    if len(bad):
        raise GeometryError(in_features("err.io.nonfinite", bad), source=source, fix=said("err.io.nonfinite_fix"))


def _is_undefined(crs: CRS) -> bool:
    """GeoPackage's SRS ids 0 and -1 ("Undefined geographic/Cartesian SRS"): no CRS, as without a .prj."""
    return crs.name.lower().startswith("undefined")


def _is_local(crs: CRS) -> bool:
    """An engineering CRS (``LOCAL_CS[...]``, a site grid, GeoPackage's undefined Cartesian SRS):
    its coordinates are tied to no datum, so no transformation to WGS84 exists."""
    return bool(crs.is_engineering) or crs.type_name.startswith("Engineering")


def _to_wgs84(gdf: gpd.GeoDataFrame, source: str, crs_label: str) -> gpd.GeoDataFrame:
    """``gdf`` in WGS84, or a :class:`CRSError` when PROJ has no transformation from its CRS."""
    try:
        return gdf.to_crs(WGS84)
    except (ProjError, _PyprojCRSError) as exc:
        raise CRSError(
            said("err.io.not_transformable", crs=crs_label, error=tool_said(exc, 120)),
            source=source,
            fix=said("err.io.fix_choose_crs", example=example_crs()),
        ) from None


def _resolve_crs(
    gdf: gpd.GeoDataFrame, source: str, override: str | None
) -> tuple[gpd.GeoDataFrame, str, str, tuple[str, str]]:
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    bounds = (minx, miny, maxx, maxy)
    if override is not None:
        crs = parse_crs(override, source=f"{source} (chosen CRS)")
        label = crs.to_string()
        return (
            gdf.set_crs(crs, allow_override=True),
            label,
            "override",
            pair("io.crs_override", label=label),
        )
    declared = None if gdf.crs is None or _is_undefined(gdf.crs) else gdf.crs
    if declared is not None and _is_local(declared):
        raise CRSError(
            said("err.io.crs_local", name=declared.name),
            source=source,
            fix=said("err.io.fix_choose_crs", example=example_crs()),
        )
    if declared is not None and (not declared.is_geographic or looks_geographic(bounds)):
        label = declared.to_string() if declared.to_epsg() is None else f"EPSG:{declared.to_epsg()}"
        return gdf, label, "file", pair("io.crs_file", label=label)
    guess = guess_crs(bounds)
    if guess is None:
        extent = {"minx": minx, "maxx": maxx, "miny": miny, "maxy": maxy}
        raise CRSError(
            said("err.io.crs_not_inferred", **extent) if declared is None
            else said("err.io.crs_not_inferred_declared", declared=declared.to_string(), **extent),
            source=source,
            fix=said("err.io.fix_choose_crs_yourself", example=example_crs()),
        )
    if guess.swap:
        gdf = gdf.set_geometry(shapely.transform(gdf.geometry.to_numpy(), lambda c: c[:, ::-1]), crs=None)
    gdf = gdf.set_crs(guess.crs, allow_override=True)
    return (
        gdf,
        guess.crs,
        "inferred",
        (t("io.crs_inferred", "zh", name=guess.zh, crs=guess.crs),
         t("io.crs_inferred", "en", name=guess.en, crs=guess.crs)),
    )


def _check_in_china(gdf: gpd.GeoDataFrame, source: str, crs_label: str) -> None:
    b = shapely.bounds(gdf.geometry.to_numpy())
    minx, miny, maxx, maxy = CHINA_BOUNDS
    ok = np.isnan(b).any(axis=1) | ((b[:, 0] >= minx) & (b[:, 2] <= maxx) & (b[:, 1] >= miny) & (b[:, 3] <= maxy))
    bad = np.flatnonzero(~ok)
    if len(bad):
        x, y = b[bad[0], 0], b[bad[0], 1]
        raise GeometryError(
            in_features("err.io.outside_china", bad, x=x, y=y, crs=crs_label),
            source=source,
            fix=said("err.io.outside_china_fix"),
        )


def _geometry_warnings(gdf: gpd.GeoDataFrame, source: str) -> list[str]:
    types = gdf.geometry.geom_type.dropna().value_counts()  # missing geometry is reported as "empty"
    if len(types) > 1:
        counts = ", ".join(f"{n} {t}" for t, n in types.items())
        return [said("warn.io.mixed_types", source=source, counts=counts)]
    return []


# --- public entry points ----------------------------------------------------------


def read_file(
    path: str | Path,
    *,
    name: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    reserved: Iterable[str] = columns.RESERVED,
    limited: bool = True,
) -> ReadResult:
    """Read a user's parcel file safely and return it in WGS84.

    Parameters
    ----------
    path
        The file (zip, KMZ, GeoPackage, GeoJSON, KML or CSV).
    name
        Name to show in messages (the uploaded file's name); default the file name.
    crs
        The CRS the coordinates are in, overriding the file's and the inferred one.
    layer
        Layer to read from a GeoPackage/KML, or Shapefile stem in a zip.
    max_bytes
        Files larger than this are refused before being opened.
    reserved
        Attribute names renamed on read (with a warning; see :mod:`geo.io.columns`).
    limited
        Read in the time- and memory-limited worker (:mod:`geo.io.limits`). Only the CLI's check of a
        GeoPackage or GeoParquet file the user named turns it off (views are refused before GDAL opens
        the file either way): the worker's transfer of 10^5 parcels costs more than the check saves.

    Returns
    -------
    ReadResult
        The layer (EPSG:4326, index ``feature`` numbered from 1), format, CRS
        and how it was found, attribute encoding and warnings.

    Raises
    ------
    InputFileError
        Or a subclass, naming the file, the problem and the fix.
    """
    path = Path(path)
    source = name or path.name
    try:
        return _read_file(path, source, crs=crs, layer=layer, max_bytes=max_bytes, reserved=tuple(reserved),
                          limited=limited)
    except GeoError as exc:
        _without_server_paths(exc, path, source)
        raise  # as it was, its cause (shown by --verbose) kept


def _without_server_paths(exc: GeoError, path: Path, source: str) -> None:
    """Take the server's paths out of ``exc``'s problem and fix (the file's own path named as the user
    named it): a library's message may name the temporary folder a file was unpacked in."""

    def named(text: str) -> str:
        text = without_paths(text.replace(str(path), source))
        if path.name != source:  # read_bytes' copy, named upload.<ext>
            text = re.sub(rf"(?<![\w.-]){re.escape(path.name)}(?![\w.-])", source, text)
        return text

    for attr in ("problem", "fix"):
        text = getattr(exc, attr)
        if text:
            setattr(exc, attr, named(text))
    for attr in ("said", "said_fix"):  # the values of its words in other languages (a library's message …)
        words = getattr(exc, attr)
        if words is not None:
            setattr(exc, attr, Said(words.key, {k: named(v) if isinstance(v, str) else v
                                                for k, v in words.values.items()}))
    exc.args = (exc.message,)


def _read_file(
    path: Path, source: str, *, crs: str | None, layer: str | None, max_bytes: int, reserved: tuple[str, ...],
    limited: bool = True,
) -> ReadResult:
    """:func:`read_file`, its errors still holding what libraries said."""
    if crs is not None:  # a CRS that is refused (names a file, unknown) costs no read
        parse_crs(crs, source=f"{source} (chosen CRS)")
    if not path.is_file():
        raise InputFileError(said("err.io.no_such_file"), source=source, fix=said("err.io.no_such_file_fix"))
    size = path.stat().st_size
    if size > max_bytes:
        raise _too_large(size, max_bytes, source)
    fmt = detect_format(path, source=source)
    warnings: list[str] = []
    expected = _EXTENSIONS.get(Path(source).suffix.lower())
    if expected is not None and fmt not in expected:
        warnings.append(said("warn.io.ext_mismatch", source=source, suffix=Path(source).suffix,
                             label=READERS[fmt].label))
    with tempfile.TemporaryDirectory(prefix="geo-upload-") as tmp:
        if limited:
            frame, encoding, notes = run_limited(read_format, fmt, path, source, layer, Path(tmp), source=source)
        else:
            frame, encoding, notes = read_format(fmt, path, source, layer, Path(tmp))
    warnings += notes
    frame, renamed, renames = columns.safe_frame(frame, source, reserved=reserved)
    warnings += renames
    gdf = _as_geodataframe(frame, source)
    _check_finite(gdf, source)
    gdf, crs_label, basis, note = _resolve_crs(gdf, source, crs)
    gdf = _to_wgs84(gdf, source, crs_label)
    _check_in_china(gdf, source, crs_label)
    warnings += _geometry_warnings(gdf, source)
    return ReadResult(
        layer=gdf,
        source=source,
        fmt=fmt,
        crs=crs_label,
        crs_basis=basis,
        crs_note=note,
        encoding=encoding,
        warnings=warnings,
        renamed=renamed,
    )


def _too_large(size: int, max_bytes: int, source: str) -> FileTooLargeError:
    """The error of a file of ``size`` bytes over ``max_bytes``."""
    return FileTooLargeError(
        said("err.io.too_large", size=size / 2**20, limit=max_bytes / 2**20),
        source=source,
        fix=said("err.io.too_large_fix"),
    )


@contextmanager
def upload_copy(data: bytes, *, name: str, max_bytes: int = MAX_FILE_BYTES) -> Iterator[Path]:
    """An uploaded file's bytes as a file in a temporary folder (removed after), named by its suffix only.

    Raises :class:`FileTooLargeError` over ``max_bytes``, before anything is written.
    """
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes, name)
    suffix = "".join(c for c in Path(name).suffix if c.isalnum() or c == ".")[:10]
    with tempfile.TemporaryDirectory(prefix="geo-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        yield path


def read_bytes(
    data: bytes,
    *,
    name: str,
    crs: str | None = None,
    layer: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    reserved: Iterable[str] = columns.RESERVED,
) -> ReadResult:
    """Read an uploaded file's bytes (see :func:`read_file`); the copy lives in a temporary folder."""
    with upload_copy(data, name=name, max_bytes=max_bytes) as path:
        return read_file(path, name=name, crs=crs, layer=layer, max_bytes=max_bytes, reserved=reserved)
