"""Large layers in spatially coherent chunks, read one chunk at a time.

:func:`open_layer` looks at a file once without holding its features: a
streamed pass over the geometry alone (pyogrio's Arrow batches for a
GeoPackage, row groups for GeoParquet) keeps each feature's bounding box, its
geometry type and whether its coordinates are finite — 48 bytes a feature.
The CRS is resolved from those bounds exactly as :func:`geo.io.files.read_file`
resolves it from the whole layer, so a chunk comes back as the same rows the
whole read would give: WGS84, features numbered from 1 in file order.

:func:`partition` cuts the features into chunks of about ``size`` features by
sort-tile-recursive tiling of their bounding-box centres (strips by x, cells
by y: contiguous, nearly square, equal counts). Each chunk *owns* its features
and has a *halo*: every other feature whose bounding box meets the owned
features' extent (plus a small margin). A pair of features that can overlap or
duplicate each other has intersecting boxes, so the chunk owning either one
holds both; the check reports a pair only in the chunk owning its first
feature, hence exactly once.

Formats other than GeoPackage and GeoParquet are read whole by
:func:`geo.io.files.read_file` and then cut the same way (the check's memory is
still bounded by the chunk size; the read is not).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.crs import WGS84, parse_crs
from geo.errors import FileTooLargeError, GeometryError, InputFileError, said, tool_said
from geo.io import columns, files
from geo.io.crsguess import guess_crs

__all__ = ["DEFAULT_CHUNK", "Chunk", "ChunkedLayer", "open_layer", "partition"]

#: Features per chunk by default: ~300 MB of working memory for the check.
DEFAULT_CHUNK: Final = 50_000
_BATCH: Final = 65_536
#: Below this size (bytes) a GeoPackage is read whole, then cut in memory: ~10^5 parcels, ~0.6 GB in memory.
WHOLE_BELOW: Final = 100 * 2**20


@dataclass(frozen=True)
class Chunk:
    """Positions (0-based, file order) of the features a chunk owns and of its halo."""

    number: int
    owned: npt.NDArray[np.int64]
    halo: npt.NDArray[np.int64]

    @property
    def positions(self) -> npt.NDArray[np.int64]:
        """Owned and halo positions together, sorted (file order)."""
        return np.union1d(self.owned, self.halo)


@dataclass
class ChunkedLayer:
    """A layer on disk, described by one light pass, read chunk by chunk (see :meth:`read`)."""

    path: Path
    source: str
    fmt: str
    layer: str | None
    n: int
    bounds: npt.NDArray[np.float64]  # (n, 4) in the file's coordinates; NaN for empty geometry
    crs: str
    crs_basis: str
    crs_note: tuple[str, str]
    encoding: str | None
    warnings: list[str]
    _crs_obj: Any = None
    _swap: bool = False
    _force_2d: bool = False
    _fids: npt.NDArray[np.int64] | None = None
    _whole: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _row_groups: npt.NDArray[np.int64] | None = None  # GeoParquet: first row of each row group
    renamed: dict[str, str] = field(default_factory=dict)  # attributes renamed on read (geo.io.columns)
    reserved: tuple[str, ...] = columns.RESERVED  # the names renamed

    def read(self, positions: npt.NDArray[np.int64], *, fids: npt.NDArray[np.int64] | None = None
             ) -> gpd.GeoDataFrame:
        """The features at ``positions`` (sorted), as :func:`geo.io.files.read_file` returns them.

        ``fids``: their GeoPackage feature ids, for a :meth:`light` copy that does not hold them all.
        """
        positions = np.asarray(positions, dtype=np.int64)
        if self._whole is not None:
            return self._whole.iloc[positions]
        if self.fmt == "parquet":
            frame = self._read_parquet(positions)
        else:
            import pyogrio

            if fids is None:
                assert self._fids is not None
                fids = self._fids[positions]
            frame = pyogrio.read_dataframe(self.path, layer=self.layer, fids=fids, use_arrow=True,
                                           on_invalid="ignore")
        gdf = self._place(frame, positions)
        files._check_in_china(gdf, self.source, self.crs)
        return gdf

    def _read_parquet(self, positions: npt.NDArray[np.int64]) -> gpd.GeoDataFrame:
        import pyarrow as pa
        import pyarrow.parquet as pq

        assert self._row_groups is not None
        pf = pq.ParquetFile(self.path)
        group = np.searchsorted(self._row_groups, positions, side="right") - 1
        tables = []
        for g in np.unique(group):
            rows = positions[group == g] - self._row_groups[g]
            tables.append(pf.read_row_group(int(g)).take(pa.array(rows)))
        from geo.io.parquet import table_to_frame

        return table_to_frame(pa.concat_tables(tables), pf.schema_arrow.metadata)

    def _place(self, frame: pd.DataFrame, positions: npt.NDArray[np.int64]) -> gpd.GeoDataFrame:
        frame, _, _ = columns.safe_frame(frame, self.source, reserved=self.reserved)  # as read_file renames them
        gdf = frame.reset_index(drop=True)
        assert isinstance(gdf, gpd.GeoDataFrame)
        gdf.index = pd.Index(positions + 1, name="feature")
        geoms = gdf.geometry.to_numpy()
        if self._force_2d:
            geoms = shapely.force_2d(geoms)
        if self._swap:
            geoms = shapely.transform(geoms, lambda c: c[:, ::-1])
        gdf = gdf.set_geometry(geoms, crs=self._crs_obj) if self._swap or self._force_2d else gdf.set_crs(
            self._crs_obj, allow_override=True)
        return gdf.to_crs(WGS84)

    def fids(self, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64] | None:
        """GeoPackage feature ids of ``positions`` (None for other formats)."""
        return None if self._fids is None else self._fids[positions]

    def light(self) -> ChunkedLayer:
        """A copy without the per-feature arrays, to send to other processes (pass ``fids`` to :meth:`read`)."""
        from dataclasses import replace

        return replace(self, bounds=np.zeros((0, 4)), _fids=None)

    def iter_chunks(self, size: int = DEFAULT_CHUNK, *, at_least: int = 1) -> Iterator[Chunk]:
        """The layer's chunks (see :func:`partition`)."""
        yield from partition(self.bounds, size=size, at_least=at_least)


def partition(bounds: npt.NDArray[np.float64], *, size: int = DEFAULT_CHUNK, at_least: int = 1,
              halos: bool = True) -> list[Chunk]:
    """Cut features with these bounding boxes into spatially coherent chunks of about ``size`` (see the module).

    ``halos=False``: the tiles only (no halo searched), e.g. to write a layer in spatial order.
    """
    n = len(bounds)
    k = max(1, math.ceil(n / max(size, 1)), min(at_least, n))
    if k == 1:
        return [Chunk(0, np.arange(n, dtype=np.int64), np.array([], dtype=np.int64))]
    empty = np.isnan(bounds).any(axis=1)
    valid = np.flatnonzero(~empty)
    cx = (bounds[valid, 0] + bounds[valid, 2]) / 2
    cy = (bounds[valid, 1] + bounds[valid, 3]) / 2
    strips = max(1, round(math.sqrt(k)))
    per_strip = [len(s) for s in np.array_split(np.arange(k), strips)]
    owned: list[npt.NDArray[np.int64]] = []
    by_x = valid[np.argsort(cx, kind="stable")]
    cy_of = np.full(n, np.nan)
    cy_of[valid] = cy
    for strip, cells in zip(np.array_split(by_x, strips), per_strip, strict=True):
        by_y = strip[np.argsort(cy_of[strip], kind="stable")]
        owned += [np.sort(c) for c in np.array_split(by_y, cells)]
    if len(np.flatnonzero(empty)):
        owned[0] = np.sort(np.concatenate([owned[0], np.flatnonzero(empty)]))
    finite = bounds[valid]
    scale = float(np.nanmax(np.abs(finite))) if len(finite) else 1.0
    margin = 1e-6 * max(scale, 1.0)
    if not halos:
        return [Chunk(i, own.astype(np.int64), np.array([], dtype=np.int64)) for i, own in enumerate(owned)]
    chunks = []
    for i, own in enumerate(owned):
        b = bounds[own]
        b = b[~np.isnan(b).any(axis=1)]
        if not len(b):
            chunks.append(Chunk(i, own.astype(np.int64), np.array([], dtype=np.int64)))
            continue
        x0, y0 = b[:, 0].min() - margin, b[:, 1].min() - margin
        x1, y1 = b[:, 2].max() + margin, b[:, 3].max() + margin
        meets = (bounds[:, 0] <= x1) & (bounds[:, 2] >= x0) & (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0)
        meets[own] = False
        chunks.append(Chunk(i, own.astype(np.int64), np.flatnonzero(meets).astype(np.int64)))
    return chunks


def _geometry_pass(geoms: npt.NDArray[Any]) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any],
                                                     npt.NDArray[np.bool_], bool]:
    """Bounds, type ids, finite coordinates and whether any has Z, for one batch."""
    bounds = shapely.bounds(geoms)
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    bad = np.zeros(len(geoms), dtype=bool)
    bad[idx[~np.isfinite(coords).all(axis=1)]] = True
    return bounds, shapely.get_type_id(geoms), bad, bool(shapely.has_z(geoms).any())


def _resolve(layer: ChunkedLayer, declared: Any, override: str | None, types: npt.NDArray[np.int64],
             bad: npt.NDArray[np.bool_], has_z: bool) -> ChunkedLayer:
    """CRS, warnings and sanity as read_file decides them, from the light pass."""
    source = layer.source
    if layer.n == 0:
        raise InputFileError(said("err.chunks.empty"), source=source, fix=said("err.chunks.empty_fix"))
    if (types < 0).all():
        raise GeometryError(
            said("err.chunks.no_geometry", n=layer.n), source=source, fix=said("err.chunks.no_geometry_fix")
        )
    if bad.any():
        raise GeometryError(
            files.in_features("err.chunks.not_finite", np.flatnonzero(bad)),
            source=source,
            fix=said("err.chunks.not_finite_fix"),
        )
    total = (float(np.nanmin(layer.bounds[:, 0])), float(np.nanmin(layer.bounds[:, 1])),
             float(np.nanmax(layer.bounds[:, 2])), float(np.nanmax(layer.bounds[:, 3])))
    probe = gpd.GeoDataFrame(geometry=[shapely.box(*total)], crs=declared)
    placed, label, basis, note = files._resolve_crs(probe, source, override)
    layer._crs_obj = placed.crs
    layer._swap = basis == "inferred" and bool(getattr(guess_crs(total), "swap", False))
    layer._force_2d = has_z
    layer.crs, layer.crs_basis, layer.crs_note = label, basis, note
    names = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
             6: "MultiPolygon", 7: "GeometryCollection"}
    kinds = pd.Series(types[types >= 0]).map(names).value_counts()
    if len(kinds) > 1:
        counts = ", ".join(f"{c} {t}" for t, c in kinds.items())
        layer.warnings.append(said("warn.io.mixed_types", source=source, counts=counts))
    return layer


def _check_size(path: Path, source: str, max_bytes: int | None) -> None:
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise FileTooLargeError(
            said("err.chunks.too_large", size=size / 2**20, limit=max_bytes / 2**20),
            source=source,
            fix=said("err.chunks.too_large_fix"),
        )


def open_layer(
    path: str | Path,
    *,
    name: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    max_bytes: int | None = None,
    whole_below: int = WHOLE_BELOW,
    reserved: tuple[str, ...] = columns.RESERVED,
    before_pass: Callable[[], None] | None = None,
) -> ChunkedLayer:
    """Describe a layer for chunked reading (see the module); errors as :func:`geo.io.files.read_file` raises them.

    Files under ``whole_below`` bytes (a third of it for GeoParquet, which is denser) are read whole
    once — one sequential read is faster than chunk reads, and the chunks are then cut in memory.
    ``reserved``: attribute names renamed on read (:mod:`geo.io.columns`). ``before_pass`` is called
    just before the light pass over a layer read in chunks (the local engine forks its workers then,
    :class:`geo.checks.chunked.Workers`), never for a layer read whole.
    """
    path = Path(path)
    source = name or path.name
    if not path.is_file():
        raise InputFileError(said("err.chunks.missing"), source=source, fix=said("err.chunks.missing_fix"))
    _check_size(path, source, max_bytes)
    fmt = files.detect_format(path, source=source)
    size = path.stat().st_size
    streamed = (fmt == "geopackage" and size > whole_below) or (fmt == "parquet" and size > whole_below // 3)
    if streamed and before_pass is not None:
        before_pass()
    if fmt == "geopackage" and streamed:
        return _open_gpkg(path, source, crs, layer, reserved)
    if streamed:
        out = _open_parquet(path, source, crs)
        out.reserved = reserved
        return out
    read = files.read_file(path, name=source, crs=crs, layer=layer, max_bytes=max_bytes or 2**62, reserved=reserved,
                           limited=fmt not in ("geopackage", "parquet"))  # read in this process, as chunks are
    whole = read.layer
    bounds = shapely.bounds(whole.geometry.to_numpy())
    return ChunkedLayer(path, source, read.fmt, layer, len(whole), bounds, read.crs, read.crs_basis, read.crs_note,
                        read.encoding, list(read.warnings), _whole=whole, renamed=dict(read.renamed),
                        reserved=reserved)


def _open_gpkg(path: Path, source: str, crs: str | None, layer: str | None, reserved: tuple[str, ...]
               ) -> ChunkedLayer:
    import pyogrio

    from geo.io.readers import _OGR_ERRORS, _pick_layer, refuse_views

    refuse_views(path, source)
    name, notes = _pick_layer(path, source, layer)
    fids, bounds, types, bad, has_z = [], [], [], [], False
    try:
        info = pyogrio.read_info(path, layer=name)
        with pyogrio.open_arrow(path, layer=name, columns=[], return_fids=True, batch_size=_BATCH,
                                use_pyarrow=True) as (meta, reader):
            gcol, fcol = meta["geometry_name"] or "wkb_geometry", meta["fid_column"] or "OGC_FID"
            for batch in reader:
                wkb = batch.column(batch.schema.get_field_index(gcol)).to_numpy(zero_copy_only=False)
                b, t, bd, z = _geometry_pass(shapely.from_wkb(wkb, on_invalid="ignore"))
                fids.append(batch.column(batch.schema.get_field_index(fcol)).to_numpy().astype(np.int64))
                bounds.append(b)
                types.append(t)
                bad.append(bd)
                has_z = has_z or z
    except _OGR_ERRORS as exc:
        raise InputFileError(
            said("err.chunks.gpkg_damaged", error=tool_said(exc)),
            source=source,
            fix=said("err.chunks.gpkg_damaged_fix"),
        ) from None
    def cat(parts: list[Any], dt: Any, w: int) -> Any:
        return np.concatenate(parts) if parts else np.zeros((0, w) if w else 0, dtype=dt)

    out = ChunkedLayer(path, source, "geopackage", name, int(sum(len(f) for f in fids)),
                       cat(bounds, float, 4), "", "", ("", ""), None, list(notes), _fids=cat(fids, np.int64, 0))
    _, out.renamed = columns.safe_names([str(f) for f in info["fields"]], reserved=reserved)
    out.reserved = reserved
    out.warnings += columns.renamed_warning(source, out.renamed)
    declared = info.get("crs")
    return _resolve(out, declared, crs, cat(types, np.int64, 0), cat(bad, bool, 0), has_z)


def _open_parquet(path: Path, source: str, crs: str | None) -> ChunkedLayer:
    import pyarrow.parquet as pq

    from geo.io.parquet import geo_metadata

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
        raise InputFileError(
            said("err.chunks.parquet_damaged", error=tool_said(exc)),
            source=source,
            fix=said("err.chunks.parquet_damaged_fix"),
        ) from None
    meta = geo_metadata(pf.schema_arrow.metadata, source)
    gcol = meta["primary_column"]
    starts, bounds, types, bad, has_z = [], [], [], [], False
    row = 0
    for g in range(pf.num_row_groups):
        starts.append(row)
        col = pf.read_row_group(g, columns=[gcol]).column(0).to_numpy(zero_copy_only=False)
        b, t, bd, z = _geometry_pass(shapely.from_wkb(col, on_invalid="ignore"))
        bounds.append(b)
        types.append(t)
        bad.append(bd)
        has_z = has_z or z
        row += len(col)
    declared = meta["columns"][gcol].get("crs", "OGC:CRS84")
    declared_crs = parse_crs("EPSG:4326" if declared is None else declared, source=source) if declared != "" else None
    out = ChunkedLayer(path, source, "parquet", None, row,
                       np.concatenate(bounds) if bounds else np.zeros((0, 4)), "", "", ("", ""), None, [],
                       _row_groups=np.asarray(starts, dtype=np.int64))
    return _resolve(out, declared_crs, crs, np.concatenate(types) if types else np.zeros(0, np.int64),
                    np.concatenate(bad) if bad else np.zeros(0, bool), has_z)
