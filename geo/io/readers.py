"""The table of format readers used by :mod:`geo.io.files`.

Each reader takes a local path (already vetted for size and sniffed by its
content), the user's file name for messages, an optional layer name and a
temporary folder it may unpack into; it returns the frame as GDAL read it
(CRS as declared, possibly none), the attribute encoding and notes for the user.
Zip and KMZ archives are opened through :mod:`geo.io.archive` only.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy.typing as npt
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely

from geo.crs import WGS84
from geo.errors import GeometryError, InputFileError, Said, said, tool_said
from geo.io import archive, columns
from geo.io.csvread import read_csv
from geo.io.jsondepth import check_json_depth
from geo.io.parquet import read_parquet
from geo.io.zbtxt import FORMAT_KEY as ZBTXT
from geo.io.zbtxt import LABEL as ZBTXT_LABEL
from geo.io.zbtxt import read_zbtxt

_OGR_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.FeatureError,
)
#: The fix of a file that GDAL or SQLite cannot read.
_FIX_REEXPORT: Final = said("err.io.fix_reexport")


@dataclass(frozen=True)
class Reader:
    """One format: its label and the function reading it from a local path."""

    label: str
    read: Callable[[Path, str, str | None, Path], tuple[pd.DataFrame, str | None, list[str]]]


# --- detection -----------------------------------------------------------------


def _ogr(
    path: Path, source: str, layer: str | None, *, encoding: str | None = None, what: str | None = None,
    arrow: bool = False,
) -> pd.DataFrame:
    """Read with GDAL. ``arrow`` (4x faster on a 100k GeoPackage) is not used for Shapefiles:
    through Arrow a truncated .dbf reads without an error (tests/test_io_hostile.py). ``what``: the format's name
    for the error of a damaged file (None: "the file").

    The frame is built here from pyogrio's raw read, not by ``read_dataframe``, so that
    attributes are renamed (:func:`geo.io.columns.safe_names`) before they become columns:
    ``read_dataframe`` would overwrite an attribute called ``geometry`` with the geometry.
    """
    try:
        with warnings.catch_warnings():  # NaN coordinates are reported by _check_finite, by feature
            warnings.simplefilter("ignore", RuntimeWarning)
            return (_ogr_arrow if arrow else _ogr_rows)(path, source, layer, encoding)
    except _OGR_ERRORS as exc:
        problem = (said("err.io.damaged", error=tool_said(exc)) if what is None
                   else said("err.io.format_damaged", what=what, error=tool_said(exc)))
        raise InputFileError(problem, source=source, fix=_FIX_REEXPORT) from None


def _frame(
    fields: list[str], values: Callable[[list[str]], pd.DataFrame], wkb: npt.NDArray[Any] | None, crs: Any,
    source: str,
) -> pd.DataFrame:
    """A GeoDataFrame of GDAL's fields (renamed where they collide) and WKB geometry; renames in ``attrs``."""
    columns.check_count(len(fields), source)
    names, renamed = columns.safe_names(fields, reserved=["geometry"])  # the rest: geo.io.files, as the caller says
    frame = values(names)
    if wkb is None:
        return frame
    gdf = gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb, on_invalid="ignore"), crs=crs)
    gdf.attrs[columns.RENAMED_ATTR] = renamed
    return gdf


def _ogr_arrow(path: Path, source: str, layer: str | None, encoding: str | None) -> pd.DataFrame:
    meta, table = pyogrio.raw.read_arrow(path, layer=layer, encoding=encoding)
    fields = [str(f) for f in meta["fields"]]
    geometry = meta["geometry_name"] or "wkb_geometry"
    has_geometry = len(table.column_names) > len(fields) and table.column_names[-1] == geometry
    wkb = table.column(len(fields)).to_numpy(zero_copy_only=False) if has_geometry else None

    def values(names: list[str]) -> pd.DataFrame:
        try:
            frame: pd.DataFrame = table.select(list(range(len(fields)))).rename_columns(names).to_pandas()
            return frame
        except UnicodeDecodeError:
            raise InputFileError(
                said("err.io.attributes_not_utf8"), source=source, fix=said("err.io.attributes_not_utf8_fix")
            ) from None

    return _frame(fields, values, wkb, meta["crs"], source)


def _ogr_rows(path: Path, source: str, layer: str | None, encoding: str | None) -> pd.DataFrame:
    meta, _, wkb, data = pyogrio.raw.read(path, layer=layer, encoding=encoding)
    fields = [str(f) for f in meta["fields"]]
    return _frame(fields, lambda names: pd.DataFrame(dict(zip(names, data, strict=True)), columns=names), wkb,
                  meta["crs"], source)


def _pick_layer(path: Path, source: str, layer: str | None) -> tuple[str | None, list[str]]:
    try:
        layers = pyogrio.list_layers(path)
    except _OGR_ERRORS as exc:
        raise InputFileError(
            said("err.io.cannot_open", error=tool_said(exc)), source=source, fix=_FIX_REEXPORT
        ) from None
    spatial = [str(n) for n, g in layers if g is not None]
    if layer is not None:
        if layer not in [str(n) for n, _ in layers]:
            raise InputFileError(
                said("err.io.no_such_layer", layer=layer, layers=", ".join(map(str, layers[:, 0]))),
                source=source,
                fix=said("err.io.no_such_layer_fix"),
            )
        return layer, []
    if not spatial:
        raise GeometryError(said("err.io.no_spatial_layer"), source=source, fix=said("err.io.no_spatial_layer_fix"))
    note: list[str] = ([said("warn.io.layers", source=source, n=len(spatial), layer=spatial[0])]
                       if len(spatial) > 1 else [])
    return spatial[0], note


def _read_geojson(path: Path, source: str, layer: str | None, tmp: Path) -> tuple[pd.DataFrame, str | None, list[str]]:
    """GeoJSON through GDAL; Python's JSON parser runs only when GDAL fails, to say where the file breaks.

    (Parsing every file with ``json.load`` first cost 7 of 10 s for 100k parcels: bench/results.)
    """
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(
            said("err.io.geojson_not_utf8"), source=source, fix=said("err.io.geojson_not_utf8_fix")
        ) from None
    check_json_depth(path, source)  # before any parser recurses into 10,000 brackets
    try:
        return _ogr(path, source, None, arrow=True), "UTF-8", []
    except InputFileError:
        with open(path, encoding="utf-8-sig") as fh:
            try:
                json.load(fh, parse_int=str)  # a syntax check: an integer of 5,000 digits is no ValueError here
            except json.JSONDecodeError as exc:
                raise InputFileError(
                    said("err.io.invalid_json", error=exc.msg, line=exc.lineno, column=exc.colno),
                    source=source,
                    fix=said("err.io.invalid_json_fix"),
                ) from None
        raise


def refuse_views(path: Path, source: str) -> None:
    """Refuse a GeoPackage holding SQL views (or virtual tables other than GDAL's R-trees), before GDAL opens it.

    A view is a query GDAL would run on every read: ``WITH RECURSIVE`` can yield
    rows without end, a join can take hours. Parcels are exported as tables; a
    view is refused by name. Read with SQLite itself, read-only (``mode=ro``).
    """
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT type, name FROM sqlite_master WHERE type = 'view' OR "
                "(type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' AND sql NOT LIKE '%USING rtree%')"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise InputFileError(
            said("err.io.gpkg_cannot_open", error=tool_said(exc)), source=source, fix=_FIX_REEXPORT
        ) from None
    if rows:
        shown = ", ".join(repr(str(n)) for _, n in rows[:3])
        view = rows[0][0] == "view"
        problem = (said("err.io.gpkg_view" if view else "err.io.gpkg_virtual", shown=shown) if len(rows) <= 3
                   else said("err.io.gpkg_view_more" if view else "err.io.gpkg_virtual_more", shown=shown,
                             more=len(rows) - 3))
        raise InputFileError(problem, source=source, fix=said("err.io.gpkg_view_fix"))


def _read_geopackage(
    path: Path, source: str, layer: str | None, tmp: Path
) -> tuple[pd.DataFrame, str | None, list[str]]:
    refuse_views(path, source)
    name, notes = _pick_layer(path, source, layer)
    with contextlib.suppress(*_OGR_ERRORS):  # a damaged schema: the read below says what is wrong
        # the schema alone (cheap in a GeoPackage): refuse 100,000 columns before reading their rows
        columns.check_count(len(pyogrio.read_info(path, layer=name)["fields"]), source)
    return _ogr(path, source, name, what="GeoPackage", arrow=True), None, notes


#: XML declarations a KML never needs, each with the error's words (what it would let the file do); in every
#: encoding GDAL reads.
_XML_REFUSED: Final[tuple[tuple[bytes, Said], ...]] = (
    (b"<!ENTITY", said("err.io.kml_entities")),
    (b"<!DOCTYPE", said("err.io.kml_dtd")),
)


def _refuse_xml_declarations(path: Path, source: str) -> None:
    """Refuse a KML with entity or DTD declarations before expat (in GDAL) expands them."""
    data = path.read_bytes()
    for token, problem in _XML_REFUSED:
        forms = (token, token.lower(), token.decode().encode("utf-16-le"), token.decode().encode("utf-16-be"))
        if any(f in data for f in forms):
            raise InputFileError(problem, source=source, fix=said("err.io.kml_plain_fix"))


def _read_kml(path: Path, source: str, layer: str | None, tmp: Path) -> tuple[pd.DataFrame, str | None, list[str]]:
    """A KML's layers (its folders) as one frame. Every read by GDAL parses the whole file, so the layers are read
    in one pass (:func:`_kml_layers_at_once`), not one read each: 2,000 folders once took 2,000 parses."""
    _refuse_xml_declarations(path, source)
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except _OGR_ERRORS as exc:
        raise InputFileError(
            said("err.io.format_damaged", what="KML", error=tool_said(exc)),
            source=source,
            fix=said("err.io.kml_damaged_fix"),
        ) from None
    if layer or len(names) <= 1:
        frames = [_ogr(path, source, n, what="KML") for n in ([layer] if layer else names)]
    else:
        frames = _kml_layers_at_once(path, source, names, tmp)
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else gpd.GeoDataFrame(geometry=[], crs=WGS84)
    empty = [c for c in _KML_FIELDS if c in out.columns and (out[c].isna() | (out[c].astype(str) == "")).all()]
    return out.drop(columns=empty), "UTF-8", []


#: The field of the union of a KML's layers that says which layer a row came from (dropped after the read).
_KML_LAYER_FIELD: Final = "geo_kml_layer_number"
#: A placemark's start tag (with or without a namespace prefix), counted to know whether every feature was read.
_PLACEMARK_TAG: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Placemark[\s>/]")


def _vrt_text(text: str) -> str:
    """``text`` inside GDAL's VRT XML: ASCII other than letters and digits as character references (markup,
    quotes, spaces and line breaks come back exactly), other characters as they are (UTF-8)."""
    return "".join(c if c.isalnum() or ord(c) > 127 else f"&#{ord(c)};" for c in text)


def _kml_layers_at_once(path: Path, source: str, names: list[str], tmp: Path) -> list[pd.DataFrame]:
    """Every layer of a KML in one read: a VRT union of its layers, all from one shared opening of the file.

    GDAL parses a KML when it opens it; reading N folders one by one took N
    parses (a 2,000-folder KML: minutes). The union (``OGRVRTUnionLayer``, the
    sources ``shared``) opens it once and reads the layers in order, in time
    linear in their number (bench/hostile.py). Two cases are read layer by
    layer instead, as before:

    - a union field typed by the file (a ``<Schema>`` of ints or doubles, as
      GDAL and QGIS write; Google Earth's and Ovital's ``<Data>`` are text): the
      union gives a field the type of the first layer holding it, and would turn
      another layer's text ``x7`` into 0;
    - layers the union does not resolve (an empty name), which it skips
      without a word: when fewer rows are read than the file has placemarks,
      the layers that gave none are read on their own.
    """
    src = _vrt_text(str(path.resolve()))
    layers = "".join(
        f'<OGRVRTLayer name="{i}"><SrcDataSource shared="1">{src}</SrcDataSource>'
        f"<SrcLayer>{_vrt_text(name)}</SrcLayer></OGRVRTLayer>"
        for i, name in enumerate(names)
    )
    vrt = tmp / "geo-kml-layers.vrt"  # only .shp, .kml … members are unpacked here: no member has this name
    vrt.write_text(
        f'<OGRVRTDataSource><OGRVRTUnionLayer name="kml"><SourceLayerFieldName>{_KML_LAYER_FIELD}'
        f"</SourceLayerFieldName>{layers}</OGRVRTUnionLayer></OGRVRTDataSource>",
        encoding="utf-8",
    )
    try:
        frame = _ogr(vrt, source, None, what="KML", arrow=True)  # the union counts no features: rows would read none
    finally:
        vrt.unlink()
    if _KML_LAYER_FIELD not in frame.columns or _kml_typed_fields(frame):
        return [_ogr(path, source, n, what="KML") for n in names]
    numbers = pd.to_numeric(frame.pop(_KML_LAYER_FIELD), errors="coerce")
    unread = sorted(set(range(len(names))) - set(numbers.dropna().astype(int)))
    if not unread or len(_PLACEMARK_TAG.findall(path.read_bytes())) <= len(frame):
        return [frame]
    extra = [(i, _ogr(path, source, names[i], what="KML")) for i in unread]
    order = pd.concat([numbers, *(pd.Series([i] * len(f), dtype=float) for i, f in extra)], ignore_index=True)
    return [pd.concat([frame, *(f for _, f in extra)], ignore_index=True).iloc[order.argsort(kind="stable")]]


def _kml_typed_fields(frame: pd.DataFrame) -> list[str]:
    """The fields of the union, other than LIBKML's own, that hold values other than text."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [
        str(c)
        for c in frame.columns
        if c not in (*_KML_FIELDS, _KML_LAYER_FIELD, geometry)
        and not pd.api.types.is_string_dtype(frame[c])
        and not frame[c].isna().all()
    ]


#: Fields LIBKML adds to every layer; dropped when they hold nothing.
_KML_FIELDS: Final = (
    "id",
    "Name",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
)


def _dbf_encoding(dbf: Path) -> str:
    """UTF-8 if the .dbf's records decode as UTF-8, else GBK (common without .cpg)."""
    data = dbf.read_bytes()
    header = int.from_bytes(data[8:10], "little") if len(data) > 10 else 0
    try:
        data[header:].decode("utf-8")
    except UnicodeDecodeError:
        return "GBK"
    return "UTF-8"


def _members_by_ext(names: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n in names:
        out.setdefault(Path(n).suffix.lower(), []).append(n)
    return out


def _check_shp_length(shp: Path, source: str) -> None:
    """Refuse a .shp shorter than its header says: GDAL would read its last features as empty."""
    with open(shp, "rb") as fh:
        header = fh.read(100)
    declared = int.from_bytes(header[24:28], "big") * 2 if len(header) == 100 else -1
    actual = shp.stat().st_size
    if declared != actual:
        raise InputFileError(
            said("err.io.shp_truncated", name=shp.name, actual=actual, declared=max(declared, 0)),
            source=source,
            fix=said("err.io.shp_truncated_fix"),
        )


def _read_shapefile(root: Path, shp: str, names: list[str], source: str) -> tuple[pd.DataFrame, str | None, list[str]]:
    stem = shp[: -len(Path(shp).suffix)]
    siblings = {Path(n).suffix.lower(): n for n in names if n[: -len(Path(n).suffix)] == stem}
    missing = [e for e in (".shx", ".dbf") if e not in siblings]
    if missing:
        problem = (said("err.io.shp_missing", name=Path(shp).name, missing=missing[0]) if len(missing) == 1
                   else said("err.io.shp_missing_two", name=Path(shp).name, first=missing[0], second=missing[1]))
        raise InputFileError(problem, source=source, fix=said("err.io.shp_missing_fix"))
    notes = (
        []
        if ".prj" in siblings
        else [said("warn.io.no_prj", source=source)]
    )
    _check_shp_length(root / shp, source)
    with open(root / siblings[".dbf"], "rb") as fh:  # fields from the .dbf header: 32 bytes each after 32
        head = fh.read(10)
    columns.check_count(max(int.from_bytes(head[8:10], "little") - 33, 0) // 32 if len(head) == 10 else 0, source)
    cpg = root / siblings[".cpg"] if ".cpg" in siblings else None
    encoding, note = _shapefile_encoding(root / siblings[".dbf"], cpg, source)
    frame = _ogr(root / shp, source, None, encoding=encoding, what="Shapefile")
    return frame, encoding or "from .cpg", notes + note


#: What a .cpg says when it says UTF-8.
_CPG_UTF8: Final = {"utf-8", "utf8", "65001", "cp65001"}


def _shapefile_encoding(dbf: Path, cpg: Path | None, source: str) -> tuple[str | None, list[str]]:
    """The .dbf's encoding (None: as its .cpg says) and a note when the .cpg is wrong.

    Without a .cpg the records are tested (UTF-8, else GBK). A .cpg saying UTF-8
    over GBK records (ArcGIS and QGIS write one whatever the data) would make GDAL
    return garbage or fail, so such records are read as GBK, with a warning.
    """
    if cpg is None:
        return _dbf_encoding(dbf), []
    declared = cpg.read_bytes()[:64].decode("ascii", errors="replace").strip().lower()
    if declared in _CPG_UTF8 and _dbf_encoding(dbf) == "GBK":
        return "GBK", [said("warn.io.cpg_gbk", source=source)]
    return None, []


def _read_zip(path: Path, source: str, layer: str | None, tmp: Path) -> tuple[pd.DataFrame, str | None, list[str]]:
    with archive.open_zip(path, source=source) as zf:
        names = archive.member_names(zf, source=source)
        by_ext = _members_by_ext(names)
        wanted = [
            n
            for n in names
            if Path(n).suffix.lower() in {".shp", ".shx", ".dbf", ".prj", ".cpg", ".kml", ".gpkg", ".geojson", ".json"}
        ]
        if not any(e in by_ext for e in (".shp", ".kml", ".gpkg", ".geojson", ".json")):
            raise InputFileError(
                said("err.io.zip_no_layer", shown=", ".join(names[:6])) if names else said("err.io.zip_no_layer_empty"),
                source=source,
                fix=said("err.io.zip_no_layer_fix"),
            )
        archive.extract_members(zf, wanted, tmp, source=source)
    if ".shp" in by_ext:
        shps = by_ext[".shp"]
        chosen = next((s for s in shps if Path(s).stem == layer), shps[0])
        frame, enc, notes = _read_shapefile(tmp, chosen, names, source)
        if len(shps) > 1:
            notes.append(said("warn.io.shapefiles", source=source, n=len(shps), layer=chosen))
        return frame, enc, notes
    if ".kml" in by_ext:
        return _read_kml(tmp / by_ext[".kml"][0], source, layer, tmp)
    if ".gpkg" in by_ext:
        return _read_geopackage(tmp / by_ext[".gpkg"][0], source, layer, tmp)
    member = (by_ext.get(".geojson") or by_ext[".json"])[0]
    return _read_geojson(tmp / member, source, layer, tmp)


def read_format(
    fmt: str, path: Path, source: str, layer: str | None, tmp: Path
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """``READERS[fmt].read(...)``: a module-level function, so that :mod:`geo.io.limits` can run it in a worker."""
    return READERS[fmt].read(path, source, layer, tmp)


#: The table of readers; detection gives a key, a key gives a reader.
READERS: Final[dict[str, Reader]] = {
    "zip": Reader("Shapefile / KMZ (zip)", _read_zip),
    "geopackage": Reader("GeoPackage", _read_geopackage),
    "geojson": Reader("GeoJSON", _read_geojson),
    "kml": Reader("KML", _read_kml),
    "csv": Reader("CSV (WKT or lon/lat)", read_csv),
    ZBTXT: Reader(ZBTXT_LABEL, read_zbtxt),
    "parquet": Reader("GeoParquet", read_parquet),
}
