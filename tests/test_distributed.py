"""``--engine dask``: the check on dask-geopandas partitions of a LocalCluster equals the local engine's, row by row."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest

import layers
from bench import synth
from geo.checks.chunked import CheckSpec, run_chunked
from geo.checks.distributed import SCHEDULER_ENV, run_dask
from geo.checks.registry import run_checks
from geo.errors import UsageError
from geo.io.chunks import open_layer
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
    pd.testing.assert_frame_equal(result.findings, local.findings)
    pd.testing.assert_frame_equal(result.findings, whole.findings)
    assert result.summary == local.summary == whole.summary
    assert result.summary["by_check"]["overlap"] > 0 and result.summary["by_check"]["duplicate"] > 0


def test_unreachable_scheduler_is_one_clear_error(gpkg, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:9")
    parcels = layers.load_parcels()
    with pytest.raises(UsageError, match=r"no Dask scheduler answers at tcp://127\.0\.0\.1:9"):
        run_dask(open_layer(gpkg), CheckSpec(parcels), chunk_size=5000)
