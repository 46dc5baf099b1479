"""Tables to and from rows, the same way for both backends.

A parcels layer is stored as one table per upload with a column per
attribute, typed by its *kind* (int, float, bool, text, datetime,
datetimetz, date), so QGIS reads a typed layer and a load gives back the
dtypes that were saved. Attribute names are made safe on save: names equal
to ours (``fid``, ``geom``, ``feature``), names equal but for case (SQLite's
names are case-insensitive) and names PostgreSQL would truncate (63 bytes) get
a suffix ``_2``, ``_3``… — :func:`attribute_columns` says which.

Also here: GeoPackage geometry blobs (header + WKB) for :mod:`geo.store.gpkg`.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import said
from geo.store.base import MAX_ATTRIBUTES, StoreError

RESERVED: Final = ("fid", "geom", "feature", "upload_id")
MAX_NAME_BYTES: Final = 63
KINDS: Final = ("int", "float", "bool", "text", "datetime", "datetimetz", "date")
SQLITE_TYPES: Final = {"int": "INTEGER", "float": "REAL", "bool": "BOOLEAN", "text": "TEXT",
                       "datetime": "DATETIME", "datetimetz": "DATETIME", "date": "DATE"}
PG_TYPES: Final = {"int": "bigint", "float": "double precision", "bool": "boolean", "text": "text",
                   "datetime": "timestamp", "datetimetz": "timestamptz", "date": "date"}


@dataclass(frozen=True)
class Column:
    """One attribute: its name in the layer, its name in the database, its kind."""

    name: str
    stored: str
    kind: str


def missing(value: object) -> bool:
    """None, NaN, NA or NaT (scalar test that never raises on odd values)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(math.isnan(value))
    return False


def kind_of(series: pd.Series) -> str:
    """The kind a column is stored as."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "datetimetz"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    values = [v for v in series if not missing(v)]
    if values and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values):
        return "date"
    return "text"


def _safe_name(name: object) -> str:
    text = str(name).replace("\x00", "").strip() or "field"
    raw = text.encode("utf-8")[:MAX_NAME_BYTES]
    return raw.decode("utf-8", errors="ignore")


def attribute_columns(
    frame: pd.DataFrame, *, skip: Iterable[str] = (), reserved: Iterable[str] = RESERVED
) -> list[Column]:
    """The attributes of ``frame`` to store (not ``skip``, not ``_private``), with safe unique names.

    A name in ``reserved`` (case-insensitively), a name repeated but for case and a
    name over 63 bytes are stored with a suffix ``_2``, ``_3``…
    """
    taken = {r.lower() for r in reserved}
    out: list[Column] = []
    skipped = set(skip)
    for name in frame.columns:
        if name in skipped or str(name).startswith("_"):
            continue
        base = _safe_name(name)
        stored, n = base, 1
        while stored.lower() in taken:
            n += 1
            suffix = f"_{n}"
            stored = base.encode("utf-8")[: MAX_NAME_BYTES - len(suffix)].decode("utf-8", errors="ignore") + suffix
        taken.add(stored.lower())
        column = frame[name]
        if isinstance(column, pd.DataFrame):  # duplicate labels: pandas returns both
            raise StoreError(said("err.store.column_twice", name=str(name)), source="workspace",
                             fix=said("err.store.column_twice_fix"))
        out.append(Column(str(name), stored, kind_of(column)))
    if len(out) > MAX_ATTRIBUTES:
        raise StoreError(said("err.store.too_many_columns", n=len(out), max=MAX_ATTRIBUTES), source="workspace",
                         fix=said("err.store.too_many_columns_fix"))
    return out


def encode(series: pd.Series, kind: str) -> list[Any]:
    """A column as Python values for the database (None for missing)."""
    values = series.tolist()
    if kind == "int":
        return [None if missing(v) else int(v) for v in values]
    if kind == "float":
        return [None if missing(v) else float(v) for v in values]
    if kind == "bool":
        return [None if missing(v) else bool(v) for v in values]
    if kind in ("datetime", "datetimetz", "date"):
        return [None if missing(v) else v.isoformat() for v in values]
    return [None if missing(v) else (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
            for v in values]


def decode(values: Sequence[Any], kind: str, name: str) -> pd.Series:
    """Values read back from the database as a column of its kind."""
    if kind == "int":
        has_null = any(v is None for v in values)
        return pd.Series(values, name=name, dtype="Int64" if has_null else "int64")
    if kind == "float":
        return pd.Series([np.nan if v is None else float(v) for v in values], name=name, dtype="float64")
    if kind == "bool":
        has_null = any(v is None for v in values)
        return pd.Series([None if v is None else bool(v) for v in values], name=name,
                         dtype="boolean" if has_null else bool)
    if kind in ("datetime", "datetimetz"):
        try:
            return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601"), name=name)
        except (ValueError, TypeError):
            return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", utc=True), name=name)
    if kind == "date":
        return pd.Series([v if v is None or isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
                          for v in values], name=name, dtype=object)
    return pd.Series(values, name=name, dtype="str")


def kind_from_sqlite(declared: str) -> str:
    """The kind of a GeoPackage column from its declared type (ours or GDAL's)."""
    d = declared.upper()
    if d.startswith("BOOL"):
        return "bool"
    if "INT" in d:
        return "int"
    if d.startswith(("REAL", "FLOAT", "DOUBLE", "NUMERIC")):
        return "float"
    if d == "DATETIME":
        return "datetime"
    if d == "DATE":
        return "date"
    return "text"


def kind_from_pg(type_name: str) -> str:
    """The kind of a PostgreSQL column from its type name."""
    return {"bigint": "int", "integer": "int", "smallint": "int", "double precision": "float", "real": "float",
            "numeric": "float", "boolean": "bool", "timestamp without time zone": "datetime",
            "timestamp with time zone": "datetimetz", "date": "date"}.get(type_name, "text")


def frame_from_columns(columns: dict[str, pd.Series], index: pd.Series | None = None) -> pd.DataFrame:
    """A DataFrame from decoded columns (in order), optionally indexed."""
    frame = pd.DataFrame(columns)
    if index is not None:
        frame.index = pd.Index(index.to_numpy(), name=index.name)
    return frame


def compatible(parcels: gpd.GeoDataFrame, findings: pd.DataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A loaded upload as checks make it today, also when an earlier version saved it."""
    parcels = parcels.rename(columns={"area_mu": "measured_mu"})  # saved before the column was renamed
    if "feature" in findings.columns:
        findings["feature"] = findings["feature"].astype("Int64")
    if "message" in findings.columns:
        if "message_zh" not in findings.columns:  # saved before the findings had Chinese messages
            findings.insert(list(findings.columns).index("message") + 1, "message_zh", findings["message"])
        findings["message_zh"] = findings["message_zh"].fillna(findings["message"])
        if "detail" not in findings.columns:  # saved before findings kept GEOS's own words
            findings["detail"] = pd.NA
    return parcels, findings


def feature_numbers(index: pd.Index) -> list[int]:
    """Feature numbers of a layer's index (1… when the index is not integer)."""
    try:
        return [int(v) for v in index]
    except (TypeError, ValueError):
        return list(range(1, len(index) + 1))


# -- GeoPackage geometry blobs ------------------------------------------------------------------

_ENVELOPE_BYTES: Final = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_blobs(geoms: np.ndarray, srs_id: int) -> list[bytes | None]:
    """GeoPackage binary geometries (little-endian header with an XY envelope, then WKB)."""
    wkbs = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
    bounds = shapely.bounds(geoms)
    empty = shapely.is_empty(geoms)
    out: list[bytes | None] = []
    for wkb, (minx, miny, maxx, maxy), is_empty in zip(wkbs, bounds, empty, strict=True):
        if wkb is None:
            out.append(None)
        elif is_empty:
            out.append(b"GP\x00\x11" + struct.pack("<i", srs_id) + wkb)
        else:
            out.append(b"GP\x00\x03" + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + wkb)
    return out


def geoms_from_gpkg(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries from GeoPackage blobs (ours or GDAL's); None stays None."""
    wkbs: list[bytes | None] = []
    for blob in blobs:
        if blob is None:
            wkbs.append(None)
            continue
        data = bytes(blob)
        if data[:2] != b"GP":
            raise StoreError(said("err.store.not_gpkg_blob"), source="workspace",
                             fix=said("err.store.not_gpkg_blob_fix"))
        envelope = (data[3] >> 1) & 0x07
        wkbs.append(data[8 + _ENVELOPE_BYTES.get(envelope, 0):])
    return np.asarray(shapely.from_wkb(wkbs))


def geodataframe(attributes: pd.DataFrame, geoms: np.ndarray, crs: str) -> gpd.GeoDataFrame:
    """Attributes and geometry as a GeoDataFrame (geometry column ``geometry``)."""
    return gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(geoms, index=attributes.index, crs=crs), crs=crs)
