"""``--engine dask``: the check on a LocalCluster equals the local engine's, row by row (tiles and row groups)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest

import layers
from bench import citysynth, synth
from geo.checks.chunked import CheckSpec, run_chunked
from geo.checks.distributed import SCHEDULER_ENV, partitions, run_dask
from geo.checks.registry import run_checks
from geo.errors import UsageError
from geo.io.chunks import open_layer
from geo.io.convert import convert_streamed
from geo.io.files import read_file

N = 10_000


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "parcels.gpkg"
    gdf, _ = synth.make_parcels(N)
    pyogrio.write_dataframe(gdf, path, driver="GPKG", layer="parcels")
    return path


def test_dask_findings_equal_the_local_engine_at_10k(gpkg, monkeypatch):
    from distributed import LocalCluster

    parcels, zones, districts = layers.load_parcels(), layers.load_zones(), layers.load_districts()
    spec = CheckSpec(parcels, zones, districts, name_field="XMBH")
    whole = run_checks(read_file(gpkg).layer, plan_parcels=parcels, zones=zones, districts=districts,
                       name_field="XMBH")
    local = run_chunked(open_layer(gpkg), spec, chunk_size=2500, workers=1).result
    stats: dict = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster:
        monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)  # as a bureau points it at its cluster
        result = run_dask(open_layer(gpkg, whole_below=0), spec, chunk_size=2500, stats=stats)
    assert stats["partitions"] >= 4 and stats["workers"] == 2 and stats["halo_features"] > 0
    assert stats["partitioned_by"] == "tiles"  # a GeoPackage: the local engine's tiles, read by feature id
    pd.testing.assert_frame_equal(result.findings, local.findings)
    pd.testing.assert_frame_equal(result.findings, whole.findings)
    assert result.summary == local.summary == whole.summary
    assert result.summary["by_check"]["overlap"] > 0 and result.summary["by_check"]["duplicate"] > 0


@pytest.fixture(scope="module")
def sorted_parquet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sorted")
    citysynth.generate(N, folder, formats=("parquet",), block=24)  # ~20 compact row groups
    return folder / "scale.parquet"


def test_a_sorted_geoparquet_is_partitioned_by_its_row_groups_with_tight_halos(sorted_parquet, tmp_path):
    layer = open_layer(sorted_parquet, whole_below=0)
    chunks, kind = partitions(layer, 1500, at_least=2)
    assert kind == "row groups" and len(chunks) >= 4
    assert np.array_equal(np.sort(np.concatenate([c.owned for c in chunks])), np.arange(N))  # each feature once
    assert sum(len(c.halo) for c in chunks) < N
    # the same features in no spatial order: its row groups span the layer, so it is cut in tiles
    table = pq.read_table(sorted_parquet)
    shuffled = tmp_path / "shuffled.parquet"
    pq.write_table(table.take(np.random.default_rng(1).permutation(N)), shuffled, row_group_size=500)
    assert partitions(open_layer(shuffled, whole_below=0), 1500, at_least=2)[1] == "tiles"


def test_convert_spatial_sort_writes_row_groups_the_dask_engine_partitions_by(sorted_parquet, tmp_path, monkeypatch):
    table = pq.read_table(sorted_parquet)
    shuffled = tmp_path / "shuffled.parquet"
    pq.write_table(table.take(np.random.default_rng(2).permutation(N)), shuffled, row_group_size=500)
    monkeypatch.setattr("geo.io.parquet.ROW_GROUP", 1000)  # tiles (and row groups) of 1,000 features
    out = convert_streamed(shuffled, tmp_path / "sorted.parquet", spatial_sort=True)
    assert out.features == N
    layer = open_layer(out.path, whole_below=0)
    chunks, kind = partitions(layer, 1000, at_least=2)
    assert kind == "row groups" and len(chunks) == pq.ParquetFile(out.path).num_row_groups >= 8
    assert sorted(pq.read_table(out.path)["DKBM"].to_pylist()) == sorted(table["DKBM"].to_pylist())


def test_dask_on_row_groups_equals_the_local_engine(sorted_parquet, monkeypatch):
    from distributed import LocalCluster

    parcels, zones, districts = layers.load_parcels(), layers.load_zones(), layers.load_districts()
    spec = CheckSpec(parcels, zones, districts)
    local = run_chunked(open_layer(sorted_parquet), spec, chunk_size=2500, workers=1).result
    stats: dict = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster:
        monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
        result = run_dask(open_layer(sorted_parquet), spec, chunk_size=1500, stats=stats)
    assert stats["partitioned_by"] == "row groups" and stats["partitions"] >= 4 and stats["halo_features"] > 0
    pd.testing.assert_frame_equal(result.findings, local.findings)
    assert result.summary == local.summary
    assert result.summary["by_check"]["overlap"] > 0 and result.summary["by_check"]["duplicate"] > 0


def test_unreachable_scheduler_is_one_clear_error(gpkg, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:9")
    parcels = layers.load_parcels()
    with pytest.raises(UsageError, match=r"no Dask scheduler answers at tcp://127\.0\.0\.1:9"):
        run_dask(open_layer(gpkg), CheckSpec(parcels), chunk_size=5000)
