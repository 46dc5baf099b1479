"""GeoParquet (1.1) in and out: the format large layers should travel in.

Columnar, compressed and typed (GeoPackage is ~3× larger for the same
parcels, GeoJSON ~6×): read with pyarrow in row groups, so
:mod:`geo.io.chunks` reads a chunk of a 10^6-parcel file without the rest.
Written by :func:`write_parquet` with WKB geometry, the CRS as PROJJSON in the
``geo`` metadata and a bounding-box covering column (GeoParquet 1.1), in row
groups of :data:`ROW_GROUP` features.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.errors import InputFileError, said, tool_said

__all__ = ["ROW_GROUP", "ParquetStream", "geo_metadata", "read_parquet", "table_to_frame", "write_parquet",
           "write_parquet_layer"]

#: Features per row group when writing.
ROW_GROUP: Final = 50_000
MAGIC: Final = b"PAR1"


def geo_metadata(metadata: dict[bytes, bytes] | None, source: str) -> dict[str, Any]:
    """The ``geo`` key of a Parquet schema's metadata, or a clear error when it is plain Parquet."""
    raw = (metadata or {}).get(b"geo")
    if raw is None:
        raise InputFileError(said("err.io.parquet_no_geo"), source=source, fix=said("err.io.parquet_no_geo_fix"))
    meta: dict[str, Any] = json.loads(raw)
    if meta.get("primary_column") not in meta.get("columns", {}):
        raise InputFileError(said("err.io.parquet_no_primary"), source=source,
                             fix=said("err.io.parquet_no_primary_fix"))
    return meta


def table_to_frame(table: Any, metadata: dict[bytes, bytes] | None, source: str = "GeoParquet") -> gpd.GeoDataFrame:
    """An Arrow table of a GeoParquet file as a GeoDataFrame (WKB decoded, CRS from the metadata)."""
    meta = geo_metadata(metadata, source)
    gcol = meta["primary_column"]
    covering = (meta["columns"][gcol].get("covering") or {}).get("bbox", {})
    drop = {v[0] for v in covering.values() if isinstance(v, list) and v}
    keep = [c for c in table.column_names if c not in drop]
    frame = table.select(keep).to_pandas()
    crs: Any = meta["columns"][gcol].get("crs", "OGC:CRS84")
    if crs == "OGC:CRS84" or (isinstance(crs, dict) and crs.get("id", {}).get("code") == "CRS84"):
        crs = "EPSG:4326"
    geometry = gpd.GeoSeries.from_wkb(frame.pop(gcol).to_numpy(), crs=crs)
    return gpd.GeoDataFrame(frame, geometry=geometry.values, crs=crs)


def read_parquet(path: Path, source: str, layer: str | None, tmp: Path) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Reader of :data:`geo.io.readers.READERS`: the whole GeoParquet file."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        table = pf.read()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
        raise InputFileError(
            said("err.io.parquet_damaged", error=tool_said(exc)), source=source, fix=said("err.io.parquet_damaged_fix")
        ) from None
    return table_to_frame(table, pf.schema_arrow.metadata, source), "UTF-8", []


def write_parquet(gdf: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write ``gdf`` as GeoParquet 1.1 (WKB, PROJJSON CRS, bbox covering column, zstd)."""
    path = Path(path)
    gdf.to_parquet(path, index=False, compression="zstd", write_covering_bbox=True, row_group_size=ROW_GROUP)
    return path


def write_parquet_layer(gdf: gpd.GeoDataFrame, name: str, folder: Path) -> list[Path]:
    """Writer of :data:`geo.io.export.FORMATS`: one layer as ``name.parquet``."""
    return [write_parquet(gdf, folder / f"{name}.parquet")]


class ParquetStream:
    """GeoParquet written batch by batch (:meth:`write`), for layers that do not fit in memory at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(f".part-{self.path.name}")
        self._writer: Any = None
        self.count = 0

    def write(self, gdf: gpd.GeoDataFrame) -> None:
        import pyarrow.parquet as pq
        from geopandas.io.arrow import _geopandas_to_arrow  # type: ignore[attr-defined]

        table = _geopandas_to_arrow(gdf, index=False, write_covering_bbox=True)
        if self._writer is None:
            meta = json.loads(table.schema.metadata[b"geo"])
            for col in meta["columns"].values():
                col.pop("bbox", None)  # the first batch's extent is not the file's
            schema = table.schema.with_metadata({**table.schema.metadata, b"geo": json.dumps(meta).encode()})
            self._schema = schema
            self._writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self._writer.write_table(table.cast(self._schema), row_group_size=ROW_GROUP)
        self.count += len(gdf)

    def close(self) -> Path:
        from geo.atomic import place_file

        if self._writer is None:
            write_parquet(gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), self.tmp)
        else:
            self._writer.close()
        return place_file(self.tmp, self.path)
