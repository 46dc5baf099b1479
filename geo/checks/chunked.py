"""The parcel check of a layer of any size, chunk by chunk, with the findings of the whole-layer check.

:func:`check_piece` runs every per-feature and per-pair check of
:mod:`geo.checks.registry` on one chunk with its halo (:mod:`geo.io.chunks`)
and keeps what the chunk owns: findings of its own features, overlap pairs
whose first feature it owns (the halo holds the second), duplicates whose copy
it owns (the halo holds the original). What needs the whole layer is
aggregated afterwards by :func:`combine`: area against allocation per project
(areas of each chunk's matched parcels, summed in feature order, as the
whole-layer check sums them), the one ``unmatched`` summary line, the counts.
So :func:`run_chunked` returns the same rows, in the same order, with the same
values as :func:`geo.checks.registry.run_checks` on the whole layer
(tests/test_chunked.py) while holding only one chunk's geometry per worker.

Chunks run in worker processes (:class:`Workers`, forked: before the light pass
over a layer read in chunks, after the read of a layer read whole) or in this
process; :mod:`geo.checks.distributed` runs the same
:func:`check_piece` on a Dask cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.checks import registry
from geo.checks.registry import CheckResult
from geo.checks.topology import make_valid_layer
from geo.io.chunks import DEFAULT_CHUNK, Chunk, ChunkedLayer

__all__ = ["FLAGGED_CAP", "CheckSpec", "Piece", "Workers", "check_piece", "combine", "run_chunked"]

#: Flagged parcels kept (worst first) for the report's map; the rest are counted.
FLAGGED_CAP: Final = 5_000
_RANK: Final = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class CheckSpec:
    """Everything a chunk's check needs besides its features (picklable for a Dask worker)."""

    plan_parcels: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame | None = None
    districts: gpd.GeoDataFrame | None = None
    name_field: str | None = None
    tolerance_pct: float = 1.0
    make_valid: bool = False
    each_unmatched: bool | None = None
    keep_unmatched: bool = False  # return the unmatched parcels (for --list-unmatched)
    keep_flagged: bool = False  # return flagged parcels (for the HTML report's map)

    @property
    def limits(self) -> registry._Limits:
        return registry._Limits(self.tolerance_pct, 0.1, 0.05, 0.01)

    @property
    def each(self) -> bool:
        return self.name_field is not None if self.each_unmatched is None else self.each_unmatched


@dataclass
class Piece:
    """What one chunk contributes: its owned findings and the figures aggregated over chunks."""

    findings: pd.DataFrame
    areas: pd.DataFrame  # feature, project_id, area of owned matched parcels (for area vs allocation)
    features: int
    matched: int
    unmatched_ok: int  # polygonal, not empty, no project: the summary line's count
    projects: set[str]
    measured_mu: float
    unmatched_layer: gpd.GeoDataFrame | None = None
    flagged_layer: gpd.GeoDataFrame | None = None
    seconds: float = 0.0
    chunk_features: int = 0  # owned + halo


_STEPS: Final = tuple(s for s in registry.STEPS if s is not registry._allocation_checks)


def check_piece(layer: gpd.GeoDataFrame, owned: npt.NDArray[np.bool_], spec: CheckSpec) -> Piece:
    """Check a chunk (owned features and their halo, index = feature number, sorted) and keep what it owns."""
    import time

    start = time.perf_counter()
    if spec.make_valid:
        layer = make_valid_layer(layer)
    p = registry._prepare(layer, spec.plan_parcels, name_field=spec.name_field)
    ctx = registry.make_context(layer, spec.plan_parcels, spec.zones, spec.districts, spec.name_field, spec.limits,
                                spec.each)
    mine = set(p.feature[owned].tolist()) if not owned.all() else None
    parts = []
    for step in _STEPS:
        for frame in step(p, ctx):
            if len(frame) and mine is not None:
                frame = frame[frame["feature"].isin(mine).to_numpy(dtype=bool)]
            parts.append(frame)
    findings = pd.concat([f for f in parts if len(f)] or [parts[0].iloc[:0]], ignore_index=True) if parts else \
        pd.DataFrame(columns=list(registry.FINDING_COLUMNS))
    ok = p.ok & owned
    has = ok & ~pd.isna(p.project)
    projects = p.project[owned]
    areas = pd.DataFrame({"feature": p.feature[has], "project_id": p.project[has], "area": p.area[has]})
    lost = ok & pd.isna(p.project)
    piece = Piece(
        findings=findings,
        areas=areas,
        features=int(owned.sum()),
        matched=int((~pd.isna(projects)).sum()),
        unmatched_ok=int(lost.sum()),
        projects={str(v) for v in projects[~pd.isna(projects)]},
        measured_mu=float(np.nansum(p.area[owned])),
        chunk_features=len(layer),
    )
    if spec.keep_unmatched and lost.any():
        piece.unmatched_layer = layer[lost].assign(measured_mu=p.area[lost])
    if spec.keep_flagged and len(findings):
        piece.flagged_layer = _flagged(layer, findings, p.project)
    piece.seconds = time.perf_counter() - start
    return piece


def _flagged(layer: gpd.GeoDataFrame, findings: pd.DataFrame, project: npt.NDArray[Any]) -> gpd.GeoDataFrame:
    """Flagged features of a chunk with their worst severity, at most :data:`FLAGGED_CAP` (worst first)."""
    rank = findings["severity"].map(_RANK)
    worst = rank.groupby(findings["feature"].to_numpy(dtype=float)).min()
    worst = worst[worst.index.notna()]
    ids = worst.index.to_numpy().astype(np.int64)
    pick = layer.index.get_indexer(pd.Index(ids))
    out = layer.iloc[pick][[layer.geometry.name]].assign(
        project_id=pd.Series(project[pick], index=layer.index[pick], dtype="string"), _rank=worst.to_numpy())
    return out.sort_values("_rank", kind="stable").head(FLAGGED_CAP)


@dataclass
class ChunkedRun:
    """The combined result and how the work was split."""

    result: CheckResult
    chunks: int
    halo: int
    seconds: list[float] = field(default_factory=list)
    unmatched_layers: list[gpd.GeoDataFrame] = field(default_factory=list)


def combine(pieces: Iterable[Piece], spec: CheckSpec, *, on_unmatched: Callable[[gpd.GeoDataFrame], None] | None = None
            ) -> tuple[CheckResult, list[float], int]:
    """The whole layer's findings and summary from its pieces (area per project, unmatched line, counts)."""
    parts, areas, flagged = [], [], []
    n = matched = lost = 0
    projects: set[str] = set()
    measured = 0.0
    seconds: list[float] = []
    halo = 0
    for piece in pieces:
        parts.append(piece.findings)
        areas.append(piece.areas)
        n += piece.features
        matched += piece.matched
        lost += piece.unmatched_ok
        projects |= piece.projects
        measured += piece.measured_mu
        seconds.append(piece.seconds)
        halo += piece.chunk_features - piece.features
        if piece.flagged_layer is not None:
            flagged.append(piece.flagged_layer)
        if piece.unmatched_layer is not None and on_unmatched is not None:
            on_unmatched(piece.unmatched_layer)
    frame = pd.concat(areas, ignore_index=True).sort_values("feature", kind="stable") if areas else None
    plan = spec.plan_parcels.drop_duplicates("project_id").set_index("project_id")
    if frame is not None and len(frame):
        parts += registry._area_findings(frame["feature"].to_numpy(), frame["project_id"].to_numpy(dtype=object),
                                         frame["area"].to_numpy(), plan, spec.tolerance_pct)
    if not spec.each:
        parts.append(registry.unmatched_summary(lost))
    findings = registry.order_findings(parts)
    summary = summary_of(findings, features=n, matched=matched, projects=len(projects), measured_mu=measured,
                         tolerance_pct=spec.tolerance_pct)
    empty = gpd.GeoDataFrame({"project_id": pd.array([], dtype="string")}, geometry=[], crs="EPSG:4326")
    layer = (pd.concat(flagged).sort_values("_rank", kind="stable").head(FLAGGED_CAP).drop(columns="_rank")
             if flagged else empty)
    if "measured_mu" not in layer.columns:
        layer = layer.assign(measured_mu=np.nan)
    return CheckResult(findings=findings, summary=summary, parcels=layer.sort_index()), seconds, halo


def summary_of(findings: pd.DataFrame, *, features: int, matched: int, projects: int, measured_mu: float,
               tolerance_pct: float) -> dict[str, Any]:
    """:func:`geo.checks.registry.summarise` from counts instead of the whole layer."""
    by_check = {c: int(k) for c, k in findings["check"].value_counts().items()}
    return {
        "features": int(features),
        "matched": int(matched),
        "unmatched": int(features - matched),
        "projects": int(projects),
        "measured_mu": round(float(measured_mu), 3),
        "area_method": "equal_area",
        "tolerance_pct": float(tolerance_pct),
        "findings": len(findings),
        "flagged_features": int(findings["feature"].dropna().nunique()),
        "by_severity": {s: int((findings["severity"] == s).sum()) for s in registry.SEVERITIES},
        "by_check": {c: by_check.get(c, 0) for c in registry.CHECKS},
    }


# --- running the chunks ------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _work(chunk: Chunk) -> Piece:
    """One chunk in a worker forked after the layer was opened: read it, check it."""
    layer: ChunkedLayer = _STATE["layer"]
    spec: CheckSpec = _STATE["spec"]
    positions = chunk.positions
    gdf = layer.read(positions)
    return check_piece(gdf, np.isin(positions, chunk.owned), spec)


def _work_sent(task: tuple[ChunkedLayer, CheckSpec, Chunk, npt.NDArray[np.int64] | None]) -> Piece:
    """One chunk in a worker forked before the layer was opened: the layer's light copy comes with it."""
    light, spec, chunk, fids = task
    positions = chunk.positions
    return check_piece(light.read(positions, fids=fids), np.isin(positions, chunk.owned), spec)


def default_workers() -> int:
    """Worker processes by default: the cores this process may use, at most 2 (a shared machine)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


class Workers:
    """The local engine's worker processes, forked when :meth:`start` is called (or by :func:`run_chunked`).

    A forked worker holds, and counts in its resident memory, every page its parent had at the fork.
    The light pass over a 10^6-parcel GeoPackage leaves ~300 MB in the parent (its arrays and the
    allocator pages it keeps), so workers forked after it hold 3 × that between them. Started just
    before the light pass (``open_layer(..., before_pass=workers.start)``), a worker holds only the
    imports and the plan layers, and each chunk travels to it with the layer's light copy and its
    feature ids. A layer read whole cannot travel so: its workers are forked after the read, as before.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.pool: Any = None

    def start(self) -> None:
        """Fork the workers now (no-op for one worker, or when already started)."""
        if self.n > 1 and self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=self.n, mp_context=multiprocessing.get_context("fork"))
            self.pool.submit(int).result()  # a fork-context pool forks all its workers at the first task

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _then_close(pieces: Iterable[Piece], pool: Workers) -> Iterator[Piece]:
    """The pieces, then the workers closed: they exit before :func:`combine` orders the findings."""
    yield from pieces
    pool.close()


def run_chunked(
    layer: ChunkedLayer,
    spec: CheckSpec,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int | Workers = 1,
    on_unmatched: Callable[[gpd.GeoDataFrame], None] | None = None,
) -> ChunkedRun:
    """Check ``layer`` chunk by chunk (in worker processes when more than one); the whole layer's findings.

    ``workers``: a number of processes to fork now, or :class:`Workers` (started before the layer was
    opened, for a layer read in chunks; see there).
    """
    pool = Workers(workers) if isinstance(workers, int) else workers
    at_least = pool.n if layer.n >= 10_000 * pool.n else 1
    chunk_list = list(layer.iter_chunks(chunk_size, at_least=at_least))
    _STATE.update(layer=layer, spec=spec)
    try:
        if pool.n < 2 or len(chunk_list) < 2:
            pieces: Iterable[Piece] = map(_work, chunk_list)
        elif pool.pool is not None and layer._whole is None:
            light = layer.light()
            pieces = pool.pool.map(_work_sent, [(light, spec, c, layer.fids(c.positions)) for c in chunk_list])
        else:
            pool.close()  # workers forked before a whole read would not hold the layer
            pool.start()
            pieces = pool.pool.map(_work, chunk_list)
        result, seconds, halo = combine(_then_close(pieces, pool), spec, on_unmatched=on_unmatched)
    finally:
        _STATE.clear()
        pool.close()  # on an error too; closing twice is a no-op
    return ChunkedRun(result=result, chunks=len(chunk_list), halo=halo, seconds=seconds)
