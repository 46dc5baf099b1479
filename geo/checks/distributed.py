"""The parcel check on a Dask cluster (``python -m geo check --engine dask``), for city-scale layers.

The layer becomes a dask-geopandas GeoDataFrame, one partition per range of
features read by the workers themselves (:meth:`geo.io.chunks.ChunkedLayer.read`:
GeoPackage by feature id, GeoParquet by row group, so each worker reads only
its part of the file), then is shuffled into spatially coherent partitions
along a Hilbert curve (``spatial_shuffle``). Each partition is checked with its
halo — the features of other partitions whose bounding boxes meet its extent —
by the same :func:`geo.checks.chunked.check_piece` as the local engine, and
the pieces are combined by :func:`geo.checks.chunked.combine`: the findings are
those of the local engine, row for row (tests/test_distributed.py).

The cluster: ``$GEO_DASK_SCHEDULER`` (``tcp://host:8786``) names an existing
scheduler; otherwise a :class:`distributed.LocalCluster` of one single-threaded
worker process per core is started and closed afterwards. On a cluster the
file must be readable at the same path on every worker (a shared folder).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.checks.chunked import CheckSpec, Piece, check_piece, combine
from geo.checks.registry import CheckResult
from geo.errors import UsageError
from geo.io.chunks import DEFAULT_CHUNK, ChunkedLayer

__all__ = ["SCHEDULER_ENV", "client", "run_dask"]

#: Environment variable naming an existing scheduler, e.g. ``tcp://10.0.0.5:8786``.
SCHEDULER_ENV: Final = "GEO_DASK_SCHEDULER"
_FEATURE: Final = "_feature"


@contextmanager
def client(address: str | None = None) -> Any:
    """A ``distributed.Client``: to ``address``/``$GEO_DASK_SCHEDULER``, else to a new local cluster."""
    import distributed

    client_cls: Any = distributed.Client
    cluster_cls: Any = distributed.LocalCluster
    address = address or os.environ.get(SCHEDULER_ENV) or None
    if address:
        try:
            c = client_cls(address, timeout="10s")
        except OSError as exc:
            raise UsageError(f"no Dask scheduler answers at {address} ({exc})", source=SCHEDULER_ENV,
                             fix="Start one (`dask scheduler`, `dask worker tcp://…:8786`) or unset the variable "
                                 "to use a local cluster") from None
        try:
            yield c
        finally:
            c.close()
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    cluster = cluster_cls(n_workers=max(1, min(cores, 4)), threads_per_worker=1, processes=True,
                          dashboard_address=None, memory_limit="6GiB", silence_logs=40)
    with cluster, client_cls(cluster) as c:
        yield c


def _read_range(reader: ChunkedLayer, start: int, stop: int, fids: npt.NDArray[np.int64] | None) -> gpd.GeoDataFrame:
    """One input partition: features ``start``..``stop`` (0-based), read on the worker."""
    gdf = reader.read(np.arange(start, stop, dtype=np.int64), fids=fids)
    return gdf.assign(**{_FEATURE: gdf.index.to_numpy()})


def _extent(part: gpd.GeoDataFrame) -> list[float]:
    """Extent of a partition's bounding boxes (NaN when it has no geometry)."""
    b = part.geometry.bounds.to_numpy()
    b = b[~np.isnan(b).any(axis=1)]
    if not len(b):
        return [np.nan] * 4
    return [float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())]


def _halo(part: gpd.GeoDataFrame, extent: list[float]) -> gpd.GeoDataFrame:
    """The features of ``part`` whose bounding boxes meet ``extent``."""
    b = part.geometry.bounds.to_numpy()
    x0, y0, x1, y1 = extent
    meets = (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)
    return part[meets]


def _check_partition(part: gpd.GeoDataFrame, halos: list[gpd.GeoDataFrame], spec: CheckSpec) -> Piece:
    """A shuffled partition with its halo, checked as one chunk; feature numbers restored as the index."""
    owned_features = part[_FEATURE].to_numpy()
    frames = [part, *[h for h in halos if len(h)]]
    layer = pd.concat(frames) if len(frames) > 1 else part
    layer = layer.set_index(_FEATURE).sort_index()
    layer.index.name = "feature"
    assert isinstance(layer, gpd.GeoDataFrame)
    owned = np.isin(layer.index.to_numpy(), owned_features)
    return check_piece(layer, owned, spec)


def _margin(extents: npt.NDArray[np.float64]) -> float:
    finite = extents[~np.isnan(extents).any(axis=1)]
    return 1e-6 * max(float(np.abs(finite).max()) if len(finite) else 1.0, 1.0)


def run_dask(
    layer: ChunkedLayer,
    spec: CheckSpec,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    address: str | None = None,
    on_unmatched: Callable[[gpd.GeoDataFrame], None] | None = None,
    stats: dict[str, Any] | None = None,
) -> CheckResult:
    """Check ``layer`` on a Dask cluster (see the module); ``stats`` receives partitions, halo and timings."""
    import time

    import dask.dataframe
    import dask_geopandas
    import distributed

    delayed: Any = dask.delayed  # type: ignore[attr-defined]
    from_map: Any = dask.dataframe.from_map
    as_completed: Any = distributed.as_completed

    n = layer.n
    k = max(1, -(-n // chunk_size))
    with client(address) as c:
        start = time.perf_counter()
        workers = len(c.scheduler_info().get("workers", {})) or 1
        k = max(k, min(workers, -(-n // 1000)))
        bounds = np.linspace(0, n, k + 1).astype(np.int64)
        ranges = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
        if layer._whole is not None:
            whole = layer._whole
            ddf = dask_geopandas.from_geopandas(whole.assign(**{_FEATURE: whole.index.to_numpy()}), npartitions=k)
        else:
            reader = layer.light()
            meta = _read_range(layer, 0, min(n, 1), layer.fids(np.arange(min(n, 1)))).iloc[:0]
            ddf = from_map(_read_range, [reader] * k, [r[0] for r in ranges], [r[1] for r in ranges],
                              [layer.fids(np.arange(a, b)) for a, b in ranges], meta=meta, enforce_metadata=False)
        ddf = dask_geopandas.from_dask_dataframe(ddf) if not isinstance(ddf, dask_geopandas.GeoDataFrame) else ddf
        empty = ddf.geometry.is_empty | ddf.geometry.isna()
        shuffled = ddf[~empty].spatial_shuffle(by="hilbert", npartitions=k, calculate_partitions=False)
        parts = [*shuffled.to_delayed(), ddf[empty].repartition(npartitions=1).to_delayed()[0]]
        parts = c.persist(parts)
        extents = np.asarray(c.gather(c.compute([delayed(_extent)(p) for p in parts])), dtype=np.float64).reshape(-1, 4)
        margin = _margin(extents)
        spec_f = c.scatter(spec, broadcast=True)
        tasks, halo_pieces = [], 0
        for i, part in enumerate(parts):
            e = extents[i]
            if np.isnan(e).any():
                tasks.append(delayed(_check_partition)(part, [], spec_f))
                continue
            grown = [e[0] - margin, e[1] - margin, e[2] + margin, e[3] + margin]
            near = [j for j in range(len(parts)) if j != i and not np.isnan(extents[j]).any()
                    and extents[j][0] <= grown[2] and extents[j][2] >= grown[0]
                    and extents[j][1] <= grown[3] and extents[j][3] >= grown[1]]
            halo_pieces += len(near)
            tasks.append(delayed(_check_partition)(part, [delayed(_halo)(parts[j], grown) for j in near],
                                                        spec_f))
        futures = c.compute(tasks)
        pieces = [f.result() for f in as_completed(futures)]
        result, seconds, halo = combine(pieces, spec, on_unmatched=on_unmatched)
        if stats is not None:
            stats.update(partitions=len(parts), workers=workers, halo_features=halo, halo_pieces=halo_pieces,
                         piece_seconds=seconds, wall_s=time.perf_counter() - start)
    return result
