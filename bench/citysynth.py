"""City-scale synthetic parcel layers, streamed: 10^7 parcels as GeoParquet and GeoPackage in minutes.

:func:`bench.synth.make_parcels` builds the whole layer in memory from a
Voronoi diagram (~50 min and tens of GB at 10^7). This generator writes the
same kind of layer block by block, in bounded memory:

- **Cells** are the quadrilaterals of a jittered lattice: node ``(i, j)`` sits at
  ``(i, j) × side`` moved by an integer hash of ``(i, j)`` (±30 % of the side), so
  any block computes any node bit for bit alike and two neighbouring cells share
  their corners exactly. Every edge gets 0–5 extra vertices displaced sideways by an
  amount hashed from the edge's two node numbers, identical for both cells: a valid
  polygon coverage of 4–24 vertex parcels (median ~14, as the Voronoi layer's 15).
- **Layout**: the same region as :func:`bench.synth.make_parcels` — the five zones,
  or with ``mu_per_parcel`` a district grown around them (:func:`bench.synth._district`);
  a cell belongs to the layer when its centre lies in the region, and the surplus
  cells are dropped at random so that exactly ``n`` parcels remain.
- **Order**: blocks of :data:`BLOCK` × :data:`BLOCK` cells, in serpentine order,
  each written as one GeoParquet row group (small blocks at the region's edge are
  merged with the next): the file is spatially sorted and its row groups have tight
  extents (what ``--engine dask`` partitions by, :mod:`geo.checks.distributed`).
- **Defects** at the rates of :data:`bench.synth.DEFECT_RATES`, the same kinds
  (bow-tie, cell scaled 1.15, 40 m × 0.4 m sliver, empty, blank 项目编号, exact
  duplicate); a duplicate is written right after its block, so it stays near its
  original in the file too. Attributes as :func:`bench.synth.make_parcels` writes them.

Blocks are generated in worker processes (``workers``, default 2) and written by
this one as Arrow batches: GeoParquet through :class:`pyarrow.parquet.ParquetWriter`,
the GeoPackage through one :func:`pyogrio.write_arrow` stream (one GDAL session,
spatial index built once at the end).

``python -m bench.citysynth 10000000 /tmp/city --scale-mu 1`` writes
``/tmp/city/scale.parquet``, ``scale.gpkg`` and ``scale_manifest.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt

#: Cells along a block's side: 224² ≈ 50,000 cells, one GeoParquet row group.
BLOCK: Final = 224
#: Blocks with fewer parcels are merged with the next one (row groups of at least this many).
MERGE_BELOW: Final = 25_000
#: Extra vertices per edge at most.
MOST_INSERTED: Final = 5
_JITTER: Final = 0.3
_AMPLITUDE: Final = 0.12
_M64: Final = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: well-spread 64-bit hashes of integers (deterministic, vectorised)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _unit(*keys: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Numbers in [0, 1) hashed from integer arrays: the same integers give the same bits anywhere."""
    acc = np.zeros(np.shape(keys[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, k in enumerate(keys):
            acc = _mix(acc ^ (np.asarray(k).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15) * np.uint64(i + 1)))
    return (acc >> np.uint64(11)).astype(np.float64) / float(2**53)


@dataclass(frozen=True)
class Grid:
    """The jittered lattice over the region's bounding box (metres, equal-area projection)."""

    x0: float
    y0: float
    side: float
    nx: int  # cells along x
    ny: int  # cells along y
    block: int = BLOCK  # cells along a block's side

    def nodes(self, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Coordinates of lattice nodes ``(i, j)``: identical wherever they are computed."""
        jx = (_unit(i, j, np.full_like(i, 1)) - 0.5) * 2 * _JITTER
        jy = (_unit(i, j, np.full_like(i, 2)) - 0.5) * 2 * _JITTER
        return np.column_stack([self.x0 + (i + jx) * self.side, self.y0 + (j + jy) * self.side])

    def node_id(self, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return j * (self.nx + 1) + i

    def blocks(self) -> list[tuple[int, int]]:
        """Block origins (cell i, cell j) in serpentine order: rows of blocks, every other one reversed."""
        bx, by = -(-self.nx // self.block), -(-self.ny // self.block)
        out = []
        for r in range(by):
            cols = range(bx) if r % 2 == 0 else range(bx - 1, -1, -1)
            out += [(c * self.block, r * self.block) for c in cols]
        return out

    def block_cells(self, bi: int, bj: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Cell indices of one block, row by row."""
        ii, jj = np.meshgrid(np.arange(bi, min(bi + self.block, self.nx)),
                             np.arange(bj, min(bj + self.block, self.ny)))
        return ii.ravel().astype(np.int64), jj.ravel().astype(np.int64)

    def centres(self, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        c = self.nodes(i, j) + self.nodes(i + 1, j) + self.nodes(i + 1, j + 1) + self.nodes(i, j + 1)
        return c / 4


def _cells(grid: Grid, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """The wiggled quadrilaterals of cells ``(i, j)``: neighbours share every edge vertex exactly."""
    import shapely

    m = len(i)
    if m == 0:
        return np.empty(0, dtype=object)
    # ring order (counter-clockwise): (i,j) → (i+1,j) → (i+1,j+1) → (i,j+1)
    ci = np.stack([i, i + 1, i + 1, i], axis=1).ravel()
    cj = np.stack([j, j, j + 1, j + 1], axis=1).ravel()
    corner = grid.nodes(ci, cj)
    cid = grid.node_id(ci, cj)
    nxt = np.arange(4 * m).reshape(m, 4)[:, [1, 2, 3, 0]].ravel()
    pid, qid = cid, cid[nxt]
    p, q = corner, corner[nxt]
    swap = pid > qid
    a = np.where(swap[:, None], q, p)  # canonical end points (lower node id first)
    b = np.where(swap[:, None], p, q)
    lo, hi = np.minimum(pid, qid), np.maximum(pid, qid)
    k = np.minimum((_unit(lo, hi, np.full_like(lo, 3)) * (MOST_INSERTED + 1)).astype(np.int64), MOST_INSERTED)
    d = b - a
    normal = np.column_stack([-d[:, 1], d[:, 0]])
    total = len(p) + int(k.sum())
    out = np.empty((total, 2))
    ring = np.repeat(np.arange(m), 4)
    out_ring = np.empty(total, dtype=np.int64)
    start = np.r_[0, np.cumsum(k + 1)[:-1]]
    out[start], out_ring[start] = p, ring
    for s in range(MOST_INSERTED):  # a loop over slots, not features
        has = k > s
        kk = k[has]
        t = (s + 1) / (kk + 1)
        off = (_unit(lo[has], hi[has], np.full_like(kk, 10 + s)) - 0.5) * 2 * _AMPLITUDE / (kk + 1)
        pts = a[has] + d[has] * t[:, None] + normal[has] * off[:, None]
        slot = np.where(swap[has], kk - 1 - s, s)  # walk the edge in the ring's own direction
        out[start[has] + 1 + slot], out_ring[start[has] + 1 + slot] = pts, ring[has]
    return cast(npt.NDArray[Any], shapely.polygons(shapely.linearrings(out, indices=out_ring)))  # arrays in


@dataclass(frozen=True)
class Plan:
    """Everything a block worker needs: the lattice, the region, which cells and features carry what."""

    grid: Grid
    n: int
    seed: int
    district: bool
    block_first: npt.NDArray[np.int64]  # first feature number (0-based) of each block, +1 entry: the end
    block_inner: npt.NDArray[np.int64]  # inner cells before each block (rank of its first inner cell)
    dropped: npt.NDArray[np.int64]  # ranks of inner cells left out (surplus)
    slots: dict[str, npt.NDArray[np.int64]]  # planted defects: feature numbers (0-based, without duplicates)
    dup_of: npt.NDArray[np.int64]  # features copied as duplicates


_STATE: dict[str, Any] = {}


def _region() -> tuple[Any, Any, Any, Any]:
    """Plan parcels, zones, the zones' union (equal-area metres) — loaded once per process."""
    if "plan" not in _STATE:
        import shapely

        import layers
        from geo.crs import equal_area

        plan = layers.load_parcels()
        plan = plan[plan.geom_type != "Point"].to_crs(equal_area()).reset_index(drop=True)
        zones = layers.load_zones().to_crs(equal_area())
        in_zones = shapely.union_all(zones.geometry.to_numpy())
        shapely.prepare(in_zones)
        _STATE.update(plan=plan, zones=zones, in_zones=in_zones)
    return _STATE["plan"], _STATE["zones"], _STATE["in_zones"], _STATE.get("region")


def _inner(region: Any, grid: Grid, bi: int, bj: int) -> npt.NDArray[np.bool_]:
    import shapely

    i, j = grid.block_cells(bi, bj)
    c = grid.centres(i, j)
    return shapely.contains_xy(region, c[:, 0], c[:, 1])


def _count_block(args: tuple[Grid, int, int]) -> int:
    grid, bi, bj = args
    return int(_inner(_STATE["region"], grid, bi, bj).sum())


def _block(b: int) -> Any:
    """Block ``b`` as an Arrow table (WGS84 WKB, bbox covering column), features and their duplicates."""
    import geopandas as gpd
    import pandas as pd
    import shapely
    from geopandas.io.arrow import _geopandas_to_arrow  # type: ignore[attr-defined]

    from bench import synth
    from geo.crs import WGS84, equal_area

    plan_: Plan = _STATE["plan_spec"]
    plan, zones, in_zones, region = _region()
    grid = plan_.grid
    bi, bj = grid.blocks()[b]
    i, j = grid.block_cells(bi, bj)
    inner = _inner(region, grid, bi, bj)
    i, j = i[inner], j[inner]
    rank = plan_.block_inner[b] + np.arange(len(i))
    keep = ~np.isin(rank, plan_.dropped)
    i, j = i[keep], j[keep]
    first, stop = int(plan_.block_first[b]), int(plan_.block_first[b + 1])
    assert stop - first == len(i), (b, stop - first, len(i))
    if not len(i):
        return None, {}
    geoms = _cells(grid, i, j)
    invalid_before = int((~shapely.is_valid(geoms)).sum())
    feats = np.arange(first, stop)

    def local(key: str) -> npt.NDArray[np.int64]:
        s = plan_.slots[key]
        return s[(s >= first) & (s < stop)] - first

    for key, fn in (("invalid", synth._bowtie), ("overlap", lambda g: synth._scale(g, 1.15)),
                    ("sliver", synth._sliver)):
        at = local(key)
        if len(at):
            geoms[at] = fn(geoms[at])
    centres = shapely.centroid(geoms)
    nearest = synth._nearest_in_zone(centres, plan, zones)
    inside = shapely.contains_xy(in_zones, shapely.get_x(centres), shapely.get_y(centres))
    at = local("empty")
    geoms[at] = shapely.Polygon()
    d = plan_.dup_of[(plan_.dup_of >= first) & (plan_.dup_of < stop)] - first
    dup_before = int(np.searchsorted(plan_.dup_of, first))
    geoms = np.concatenate([geoms, geoms[d]])
    nearest = np.concatenate([nearest, nearest[d]])
    inside = np.concatenate([inside, inside[d]])
    blank = np.concatenate([np.isin(np.arange(len(feats)), local("blank_id")), np.zeros(len(d), bool)])
    m = len(geoms)
    # feature numbers in the file: the block's features, then its duplicates; earlier blocks' duplicates before
    number = first + dup_before + np.arange(m) + 1
    proj = plan.iloc[nearest].reset_index(drop=True)
    xmbh = proj["project_id"].astype(object).to_numpy().copy()
    xmbh[blank] = ""
    if plan_.district:
        xmbh[~inside] = ""
    track = proj["track_id"].astype(object)
    rng = np.random.default_rng([plan_.seed, b])
    owner = rng.integers(0, len(synth._OWNERS), m), rng.integers(0, len(synth._KINDS), m)
    area = shapely.area(geoms) / (10000 / 15)
    days = pd.Timestamp("2023-03-01") + pd.to_timedelta(rng.integers(0, 400, m), unit="D")
    dkbm = np.char.add("500107GX", np.char.zfill(number.astype(str), 7))
    gdf = gpd.GeoDataFrame({
        "DKBM": dkbm.astype(object),
        "XMBH": pd.array(xmbh, dtype="string"),
        "DKMC": proj["name_zh"].astype("string").to_numpy(),
        "YDDM": track.map({k: v[0] for k, v in synth.LAND_USE.items()}).to_numpy(),
        "YDLX": track.map({k: v[1] for k, v in synth.LAND_USE.items()}).to_numpy(),
        "QLR": np.char.add(np.char.add("重庆", np.asarray(synth._OWNERS)[owner[0]]),
                           np.asarray(synth._KINDS)[owner[1]]).astype(object),
        "SCMJ": np.round(area, 2), "DCRQ": days.strftime("%Y-%m-%d"),
        "track_id": proj["track_id"].astype("string").to_numpy(),
    }, geometry=geoms, crs=equal_area()).to_crs(WGS84)
    table = _geopandas_to_arrow(gdf, index=False, write_covering_bbox=True)
    nv = shapely.get_num_coordinates(geoms) - 1
    stats = {"invalid_before": invalid_before, "vertices": np.bincount(nv[nv > 0], minlength=64)[:64],
             "area_hist": np.bincount(np.clip((area * 100).astype(np.int64), 0, 100_000), minlength=100_001),
             "bounds": gdf.total_bounds}
    return table, stats


def _init(plan_spec: Plan | None, region: Any) -> None:
    _STATE["plan_spec"] = plan_spec
    _STATE["region"] = region
    if region is not None:
        import shapely

        shapely.prepare(region)


def _counts(n: int) -> dict[str, int]:
    """Planted defects per kind, as :func:`bench.synth.make_parcels` counts them."""
    from bench import synth

    return {k: max(1, round(n * r)) if n >= 1000 else round(n * r) for k, r in synth.DEFECT_RATES.items()}


def _plan(n: int, *, seed: int, region: Any, district: bool, pool: Any, block: int = BLOCK) -> Plan:
    """The lattice and which cells and features carry what (one counting pass over the blocks)."""
    counts = _counts(n)
    base = n - counts["duplicate"]
    minx, miny, maxx, maxy = region.bounds
    side = float(np.sqrt(region.area / base)) * 0.995
    while True:
        grid = Grid(minx - side, miny - side, side, int(np.ceil((maxx - minx) / side)) + 2,
                    int(np.ceil((maxy - miny) / side)) + 2, block)
        blocks = grid.blocks()
        inner = np.asarray(pool.map(_count_block, [(grid, bi, bj) for bi, bj in blocks], chunksize=4),
                           dtype=np.int64)
        if inner.sum() >= base:
            break
        side *= 0.995
    rng = np.random.default_rng(seed)
    dropped = np.sort(rng.choice(int(inner.sum()), int(inner.sum()) - base, replace=False)).astype(np.int64)
    block_inner = np.r_[0, np.cumsum(inner)[:-1]].astype(np.int64)
    kept = inner - np.diff(np.searchsorted(dropped, np.r_[block_inner, inner.sum()]))
    block_first = np.r_[0, np.cumsum(kept)].astype(np.int64)
    kinds = ("invalid", "overlap", "sliver", "empty", "blank_id")
    chosen = rng.choice(base, sum(counts[k] for k in kinds) + counts["duplicate"], replace=False)
    slots, pos = {}, 0
    for key in kinds:
        slots[key] = np.sort(chosen[pos:pos + counts[key]]).astype(np.int64)
        pos += counts[key]
    dup_of = np.sort(chosen[pos:pos + counts["duplicate"]]).astype(np.int64)  # clean: no other defect drawn there
    return Plan(grid, n, seed, district, block_first, block_inner, dropped, slots, dup_of)


def _merged(tables: Iterator[tuple[Any, dict[str, Any]]], least: int) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """Consecutive blocks joined until a row group holds at least ``least`` parcels.

    Only neighbours along the serpentine are joined: an empty block (outside the region) ends a row group,
    so a row group's extent stays compact.
    """
    import pyarrow as pa

    held: list[Any] = []
    stats: list[dict[str, Any]] = []
    for table, s in tables:
        if table is None:
            if held:
                yield pa.concat_tables(held), stats
                held, stats = [], []
            continue
        held.append(table)
        stats.append(s)
        if sum(len(t) for t in held) >= least:
            yield pa.concat_tables(held), stats
            held, stats = [], []
    if held:
        yield pa.concat_tables(held), stats


def generate(n: int, folder: Path, *, seed: int = 20210101, mu_per_parcel: float | None = 1.0,
             formats: tuple[str, ...] = ("parquet", "gpkg"), workers: int = 2, block: int = BLOCK
             ) -> dict[str, Any]:
    """Write ``n`` parcels to ``folder`` (``scale.parquet``/``scale.gpkg``) and ``scale_manifest.json``.

    ``block``: cells along a block's side (a row group holds one block, or several small ones joined
    up to half a full block's cells): smaller blocks give more row groups, as a test wants.
    Returns the manifest: parcels, planted defects, region, vertices, median parcel size, bytes, seconds.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench import synth
    from geo.io.parquet import ROW_GROUP

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"parquet": folder / "scale.parquet", "gpkg": folder / "scale.gpkg"}
    for p in paths.values():
        p.unlink(missing_ok=True)
    ctx = multiprocessing.get_context("fork")
    _, _, in_zones, _ = _region()  # loaded before the fork, shared by the workers
    region = synth._district(in_zones, n - _counts(n)["duplicate"], mu_per_parcel)
    with ctx.Pool(workers, initializer=_init, initargs=(None, region)) as pool:
        plan_spec = _plan(n, seed=seed, region=region, district=region is not in_zones, pool=pool, block=block)
    planned_s = time.perf_counter() - start
    _STATE["plan_spec"] = plan_spec
    vertices = np.zeros(64, dtype=np.int64)
    area_hist = np.zeros(100_001, dtype=np.int64)
    invalid_before = 0
    bounds = [np.inf, np.inf, -np.inf, -np.inf]
    row_groups = 0
    with ctx.Pool(workers, initializer=_init, initargs=(plan_spec, region)) as pool:
        merged = _merged(pool.imap(_block, range(len(plan_spec.grid.blocks()))),
                         min(MERGE_BELOW, block * block // 2))
        first_table, first_stats = next(merged)
        schema = first_table.schema
        meta = json.loads(schema.metadata[b"geo"])
        for col in meta["columns"].values():
            col.pop("bbox", None)
        schema = schema.with_metadata({**schema.metadata, b"geo": json.dumps(meta).encode()})
        writer = pq.ParquetWriter(paths["parquet"], schema, compression="zstd") if "parquet" in formats else None

        def batches() -> Iterator[Any]:
            nonlocal invalid_before, row_groups
            for table, stats in _chain(first_table, first_stats, merged):
                table = table.cast(schema)
                if writer is not None:
                    writer.write_table(table, row_group_size=max(ROW_GROUP, len(table)))  # one row group
                row_groups += 1
                for s in stats:
                    vertices[:] += s["vertices"]
                    area_hist[:] += s["area_hist"]
                    nonlocal_bounds(s["bounds"])
                    invalid_before += s["invalid_before"]
                yield from table.drop_columns(["bbox"]).to_batches()

        def nonlocal_bounds(b: npt.NDArray[np.float64]) -> None:
            if np.isfinite(b).all():
                bounds[0], bounds[1] = min(bounds[0], b[0]), min(bounds[1], b[1])
                bounds[2], bounds[3] = max(bounds[2], b[2]), max(bounds[3], b[3])

        if "gpkg" in formats:
            import pyogrio

            gschema = schema.remove(schema.get_field_index("bbox"))
            reader = pa.RecordBatchReader.from_batches(gschema, batches())
            pyogrio.write_arrow(reader, paths["gpkg"], layer="parcels", driver="GPKG", geometry_name="geometry",
                                geometry_type="Polygon", crs="EPSG:4326", encoding="UTF-8")
        else:
            for _ in batches():
                pass
        if writer is not None:
            writer.close()
    cum = np.cumsum(area_hist)
    median_mu = float(np.searchsorted(cum, cum[-1] / 2)) / 100
    nz = np.flatnonzero(vertices)
    cumv = np.cumsum(vertices)
    counts = {k: len(v) for k, v in plan_spec.slots.items()} | {"duplicate": len(plan_spec.dup_of)}
    manifest: dict[str, Any] = {
        "parcels": n, "seed": seed, "mu_per_parcel": mu_per_parcel, "generator": "bench.citysynth",
        "region_km2": round(region.area / 1e6, 1), "planted": counts, "unplanned_invalid": invalid_before,
        "vertices_per_parcel": {"min": int(nz.min()), "median": float(np.searchsorted(cumv, cumv[-1] / 2)),
                                "max": int(nz.max())},
        "mean_parcel_mu": round(median_mu, 2), "bounds_wgs84": [round(float(v), 6) for v in bounds],
        "row_groups": row_groups, "workers": workers,
        "seconds": {"plan": round(planned_s, 1), "total": round(time.perf_counter() - start, 1)},
        "bytes": {k: p.stat().st_size for k, p in paths.items() if k in formats},
    }
    (folder / "scale_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _chain(first: Any, first_stats: list[dict[str, Any]], rest: Iterator[tuple[Any, list[dict[str, Any]]]]
           ) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    yield first, first_stats
    yield from rest


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.citysynth N FOLDER [--scale-mu 1] [--formats parquet gpkg] [--workers 2]``."""
    ap = argparse.ArgumentParser(prog="python -m bench.citysynth", description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--scale-mu", type=float, default=1.0, help="median parcel size in mu (0: the zones only)")
    ap.add_argument("--formats", nargs="+", default=["parquet", "gpkg"], choices=["parquet", "gpkg"])
    ap.add_argument("--workers", type=int, default=min(2, len(os.sched_getaffinity(0))))
    ap.add_argument("--seed", type=int, default=20210101)
    args = ap.parse_args(argv)
    manifest = generate(args.n, args.folder, seed=args.seed, mu_per_parcel=args.scale_mu or None,
                        formats=tuple(args.formats), workers=args.workers)
    print(json.dumps(manifest, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
