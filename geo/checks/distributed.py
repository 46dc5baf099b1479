"""The parcel check on a Dask cluster (``python -m geo check --engine dask``), for city-scale layers.

No shuffle: the partitions are cut once, on the client, from the light pass's
bounding boxes (:func:`geo.io.chunks.open_layer`), and each task reads its own
features from the file and checks them with :func:`geo.checks.chunked.check_piece`
— the local engine's chunk check — so a worker holds one partition and its halo,
never the layer:

- **Partitions**: the row groups of a spatially sorted GeoParquet (written so by
  ``python -m geo convert`` and ``export`` and by :mod:`bench.citysynth`: compact
  tiles, tight extents), each read whole by one task; otherwise (a GeoPackage, a
  GeoParquet in no spatial order) the local engine's sort-tile-recursive tiles
  (:func:`geo.io.chunks.partition`), read by feature id or from the row groups
  they touch.
- **Halo**: the features of other partitions whose boxes meet the partition's
  extent (plus the local engine's margin); only partitions whose own extents meet
  it are searched. A partition reports only what it owns, so pairs across
  partitions are found once and the findings are the local engine's, row for row
  (tests/test_distributed.py, tests/test_dask_cluster.py).
- **Combined** by :func:`geo.checks.chunked.combine`, the pieces in partition order.

The cluster: ``$GEO_DASK_SCHEDULER`` (``tcp://host:8786``) names an existing
scheduler; otherwise a :class:`distributed.LocalCluster` of one single-threaded
worker process per core (at most 4) is started and closed afterwards. On a
cluster the file must be readable at the same path on every worker, and the
scheduler and every worker must import this project (checked first: a
:class:`geo.errors.UsageError` naming what to install where). A task whose
worker dies is run again by Dask on another worker (up to its
``distributed.scheduler.allowed-failures``, 3 by default).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from geo.checks.chunked import CheckSpec, Piece, check_piece, combine
from geo.checks.registry import CheckResult
from geo.errors import UsageError, said
from geo.io.chunks import DEFAULT_CHUNK, Chunk, ChunkedLayer, partition

__all__ = ["SCHEDULER_ENV", "SORTED_HALO", "client", "partitions", "run_dask", "with_halos"]

#: Environment variable naming an existing scheduler, e.g. ``tcp://10.0.0.5:8786``.
SCHEDULER_ENV: Final = "GEO_DASK_SCHEDULER"
#: A GeoParquet's row groups are used as partitions when their halos together hold at most this share of the
#: layer (a file in no spatial order: each row group's halo is nearly the whole layer).
SORTED_HALO: Final = 1.0
#: What each Dask process must import: the check's code (the task functions and the layer's description).
_PROBE: Final = "__import__('geo.checks.chunked').__name__"
_INSTALL: Final = said("err.check.install_fix")


@contextmanager
def client(address: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: to ``address``/``$GEO_DASK_SCHEDULER``, else to a new local cluster."""
    import distributed

    client_cls: Any = distributed.Client
    cluster_cls: Any = distributed.LocalCluster
    address = address or os.environ.get(SCHEDULER_ENV) or None
    if address:
        try:
            c = client_cls(address, timeout="10s")
        except OSError as exc:
            raise UsageError(said("err.check.no_scheduler", address=address, error=str(exc)), source=SCHEDULER_ENV,
                             fix=said("err.check.no_scheduler_fix")) from None
        try:
            _probe(c, address)
            yield c
        finally:
            c.close()
        return
    import dask

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    # the workers' statistical profiler samples every thread 100 times a second: ~10 % of a core, for a dashboard
    # this cluster does not have
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = cluster_cls(n_workers=max(1, min(cores, 4)), threads_per_worker=1, processes=True,
                              dashboard_address=None, memory_limit="6GiB", silence_logs=40)
    with cluster, client_cls(cluster) as c:
        yield c


def _probe(c: Any, address: str) -> None:
    """Refuse a cluster whose scheduler or workers cannot import this project, or that has no worker.

    Without it the first task graph fails on the scheduler with a traceback ("Error during
    deserialization of the task graph"). ``eval`` travels by reference, so the probe itself
    needs nothing installed.
    """
    try:
        c.wait_for_workers(1, timeout=30)
    except (TimeoutError, OSError):
        raise UsageError(said("err.check.no_worker", address=address), source=SCHEDULER_ENV,
                         fix=said("err.check.no_worker_fix", address=address)) from None
    try:
        c.run_on_scheduler(eval, _PROBE)
    except Exception as exc:  # the scheduler's own ImportError, raised again here
        raise UsageError(said("err.check.scheduler_import", address=address, error=str(exc)), source=SCHEDULER_ENV,
                         fix=_INSTALL) from None
    failed = {w: r for w, r in c.run(eval, _PROBE, on_error="return").items() if isinstance(r, BaseException)}
    if failed:
        worker, error = next(iter(failed.items()))
        raise UsageError(said("err.check.workers_import", n=len(failed), worker=worker, error=str(error)),
                         source=SCHEDULER_ENV, fix=_INSTALL)


def _margin(bounds: npt.NDArray[np.float64]) -> float:
    """The local engine's halo margin (:func:`geo.io.chunks.partition`): 1e-6 of the largest coordinate."""
    finite = bounds[~np.isnan(bounds).any(axis=1)]
    return 1e-6 * max(float(np.abs(finite).max()) if len(finite) else 1.0, 1.0)


def _extent(bounds: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    b = bounds[~np.isnan(bounds).any(axis=1)]
    if not len(b):
        return np.full(4, np.nan)
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


def with_halos(bounds: npt.NDArray[np.float64], owned: list[npt.NDArray[np.int64]]) -> list[Chunk]:
    """Chunks owning ``owned``, each with its halo: other features whose boxes meet its extent (+ margin).

    Only partitions whose extents meet the grown extent are searched: with tight partitions a
    few neighbours, not the layer.
    """
    margin = _margin(bounds)
    ext = np.array([_extent(bounds[o]) for o in owned]).reshape(-1, 4)
    chunks = []
    for i, own in enumerate(owned):
        e = ext[i]
        if np.isnan(e).any():
            chunks.append(Chunk(i, own, np.array([], dtype=np.int64)))
            continue
        x0, y0, x1, y1 = e[0] - margin, e[1] - margin, e[2] + margin, e[3] + margin
        near = np.flatnonzero((ext[:, 0] <= x1) & (ext[:, 2] >= x0) & (ext[:, 1] <= y1) & (ext[:, 3] >= y0))
        cand = np.concatenate([owned[j] for j in near if j != i] or [np.array([], dtype=np.int64)])
        b = bounds[cand]
        meets = (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)
        chunks.append(Chunk(i, own, np.sort(cand[meets]).astype(np.int64)))
    return chunks


def _row_group_chunks(layer: ChunkedLayer, size: int) -> list[Chunk] | None:
    """The GeoParquet's row groups as partitions, if the file is spatially sorted; None if not.

    A row group is a partition; row groups much smaller than ``size`` are taken a few consecutive ones
    together (about ``size`` features). Sorted means compact: the partitions' extents cover the layer's
    extent about once (in a file in no spatial order each spans the whole layer) and their halos
    together hold at most :data:`SORTED_HALO` of the features.
    """
    if layer._whole is not None or layer.fmt != "parquet" or layer._row_groups is None or not layer.n:
        return None
    starts = np.r_[layer._row_groups, layer.n].astype(np.int64)
    per = max(1, round(size / max(float(np.median(np.diff(starts))), 1.0)))
    cuts = starts[::per] if (len(starts) - 1) % per == 0 else np.r_[starts[:-1:per], layer.n]
    owned = []
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        rows = np.arange(a, b, dtype=np.int64)
        if b - a > 1.25 * size:  # a large row group: its own tiles, so no task is much longer than the others
            owned += [rows[c.owned] for c in partition(layer.bounds[rows], size=size)]
        elif b > a:
            owned.append(rows)
    ext = np.array([_extent(layer.bounds[o]) for o in owned]).reshape(-1, 4)
    ext = ext[~np.isnan(ext).any(axis=1)]
    whole = _extent(layer.bounds)
    if not len(ext) or np.isnan(whole).any():
        return None
    area = float(((ext[:, 2] - ext[:, 0]) * (ext[:, 3] - ext[:, 1])).sum())
    if area > 3 * max(float((whole[2] - whole[0]) * (whole[3] - whole[1])), 1e-300):
        return None  # row groups overlapping each other: not spatially sorted
    chunks = with_halos(layer.bounds, owned)
    if sum(len(c.halo) for c in chunks) > SORTED_HALO * layer.n:
        return None
    return chunks


def partitions(layer: ChunkedLayer, size: int = DEFAULT_CHUNK, *, at_least: int = 1) -> tuple[list[Chunk], str]:
    """The partitions of ``layer`` and what they are: ``"row groups"`` or ``"tiles"`` (see the module)."""
    chunks = _row_group_chunks(layer, size)
    if chunks is not None and len(chunks) >= min(at_least, max(1, layer.n // 1000)):
        return chunks, "row groups"
    return partition(layer.bounds, size=size, at_least=at_least), "tiles"


def _check_chunk(light: ChunkedLayer, spec: CheckSpec, chunk: Chunk, fids: npt.NDArray[np.int64] | None) -> Piece:
    """One partition on a worker: read its features and its halo from the file, check them."""
    positions = chunk.positions
    return check_piece(light.read(positions, fids=fids), np.isin(positions, chunk.owned), spec)


def _check_frame(layer: gpd.GeoDataFrame, owned: npt.NDArray[np.bool_], spec: CheckSpec) -> Piece:
    """One partition of a layer read whole on the client, sent with its task."""
    return check_piece(layer, owned, spec)


def _on_disk(layer: ChunkedLayer) -> ChunkedLayer:
    """A layer read whole, described again for reading by partition from its file (one light pass)."""
    from geo.io.chunks import open_layer

    return open_layer(layer.path, name=layer.source, crs=layer.crs if layer.crs_basis == "override" else None,
                      layer=layer.layer, whole_below=0, reserved=layer.reserved)


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

    import distributed

    as_completed: Any = distributed.as_completed
    killed: Any = distributed.KilledWorker
    if layer._whole is not None and layer.fmt in ("parquet", "geopackage"):
        layer = _on_disk(layer)  # the workers read their partitions from the file, whatever its size
    with client(address) as c:
        start = time.perf_counter()
        workers = len(c.scheduler_info().get("workers", {})) or 1
        warm = [c.submit(eval, _PROBE, workers=[w], pure=False, allow_other_workers=False)
                for w in c.scheduler_info().get("workers", {})]  # imports start while the partitions are cut
        at_least = workers if layer.n >= 1000 * workers else 1
        chunks, kind = partitions(layer, chunk_size, at_least=at_least)
        spec_f = c.scatter(spec, broadcast=True, hash=False)
        futures = []
        chunks = sorted(chunks, key=lambda ch: -len(ch.owned) - len(ch.halo))  # longest first: no long tail
        if layer._whole is not None:
            whole = layer._whole
            for ch in chunks:
                positions = ch.positions
                futures.append(c.submit(_check_frame, whole.iloc[positions], np.isin(positions, ch.owned), spec_f,
                                        pure=False, key=f"geo-check-{ch.number}-{os.urandom(4).hex()}"))
        else:
            light = layer.light()
            for ch in chunks:
                futures.append(c.submit(_check_chunk, light, spec_f, ch, layer.fids(ch.positions), pure=False,
                                        key=f"geo-check-{ch.number}-{os.urandom(4).hex()}"))
        number = {f.key: ch.number for f, ch in zip(futures, chunks, strict=True)}
        pieces: list[Piece | None] = [None] * len(futures)
        try:
            for f in as_completed(futures):
                pieces[number[f.key]] = f.result()
                f.release()
        except killed as exc:
            raise UsageError(said("err.check.workers_died", error=str(exc)), source=SCHEDULER_ENV,
                             fix=said("err.check.workers_died_fix")) from None
        del warm
        result, seconds, halo = combine((p for p in pieces if p is not None), spec, on_unmatched=on_unmatched)
        if stats is not None:
            stats.update(partitions=len(chunks), partitioned_by=kind, workers=workers, halo_features=halo,
                         piece_seconds=seconds, wall_s=time.perf_counter() - start)
    return result
