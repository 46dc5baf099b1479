"""geo.io limits: what a user's file may make the server do (depth, columns, time, memory).

Each limit ends in one clear error (file, problem, fix) — never a traceback, a
hang or runaway memory.
"""

from __future__ import annotations

import json
import sqlite3
import time
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import InputFileError
from geo.io.columns import MAX_COLUMNS
from geo.io.files import read_file
from geo.io.jsondepth import MAX_JSON_DEPTH, json_depth
from geo.io.limits import READ_MEMORY_MB, READ_SECONDS, run_limited
from tests.fixtures.io_sandbox import assert_clear, sandbox_fixture, write_layer  # noqa: F401 (autouse fixture)
from tests.fixtures.synthetic import clean_survey

# --- JSON nesting ----------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_10000_deep_is_refused_before_parsing(sandbox, opener):
    closer = "]" if opener == "[" else "}"
    path = sandbox / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [' + opener * 10_000 + "1" + closer * 10_000 + "]}")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "deep.geojson", f"too deeply nested (more than {MAX_JSON_DEPTH} levels")
    assert "RecursionError" not in str(exc.value)


def test_json_depth_skips_brackets_in_strings(sandbox):
    path = sandbox / "s.json"
    value = {"a": ['x"]]]\\', "[[[[{{{{", "\\\\"], "b": [[[1]]], 'c"[': {"d": "\\\"[["}}
    path.write_text(json.dumps(value))
    assert json_depth(path) == 4  # {"b": [[[1]]]}


def test_a_normal_geojson_is_not_too_deep(sandbox):
    path = write_layer(clean_survey(), sandbox, "geojson")
    assert json_depth(path) < 10
    assert len(read_file(path).layer) == 2


# --- columns ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "csv", "zip"])
def test_more_than_max_columns_is_refused(sandbox, fmt):
    """GeoJSON and CSV after reading; a Shapefile from its .dbf header, before its records are read."""
    ring = [[106.3, 29.5], [106.31, 29.5], [106.31, 29.51], [106.3, 29.5]]
    props = {f"c{i}": i for i in range(MAX_COLUMNS + 1)}
    path = sandbox / f"wide.{fmt}"
    if fmt == "zip":
        shp = sandbox / "p.shp"
        wide = gpd.GeoDataFrame(pd.DataFrame({k: [v] for k, v in props.items()}),
                                geometry=[shapely.Polygon(ring)], crs="EPSG:4326")
        with warnings.catch_warnings():  # "some DBF readers might only support 255 fields"
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(wide, shp, driver="ESRI Shapefile")
        with zipfile.ZipFile(path, "w") as zf:
            for ext in (".shp", ".shx", ".dbf", ".prj"):
                zf.write(shp.with_suffix(ext), f"p{ext}")
    elif fmt == "geojson":
        feature = {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    else:
        values = [*map(str, props.values()), "106.3", "29.5"]
        path.write_text(",".join([*props, "lon", "lat"]) + "\n" + ",".join(values))
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, f"wide.{fmt}", f"the layer has {MAX_COLUMNS + 1:,} attribute columns, more than the 2,000")


def test_max_columns_is_accepted(sandbox):
    path = sandbox / "wide.csv"
    names = [f"c{i}" for i in range(MAX_COLUMNS)]
    path.write_text(",".join([*names, "lon", "lat"]) + "\n" + ",".join(["1"] * MAX_COLUMNS + ["106.3", "29.5"]))
    assert len(read_file(path).fields) == MAX_COLUMNS


# --- GeoPackage views; the worker's time and memory limits -------------------------------

_ENDLESS = (
    "CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
    "SELECT i AS fid, (SELECT geom FROM p LIMIT 1) AS geom FROM n"
)
_SLOW = (
    "CREATE VIEW slow AS SELECT a.fid AS fid, a.geom AS geom FROM p a, p b, p c, p d, p e, p f, p g, p h "
    "WHERE length(randomblob(1000000)) > 0"
)


def _gpkg_with_view(folder: Path, sql: str, name: str) -> Path:
    """A GeoPackage whose layer ``name`` is the SQL view ``sql``, registered as a feature layer as GDAL does."""
    path = folder / f"{name}.gpkg"
    pyogrio.write_dataframe(clean_survey().to_crs("EPSG:4544"), path, layer="p", driver="GPKG")
    with sqlite3.connect(path) as con:
        con.execute(sql)
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, 4544)",
            (name, name),
        )
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POLYGON', 4544, 0, 0)", (name,))
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'p'")  # the view is the only layer
    con.close()
    return path


@pytest.mark.parametrize(("sql", "name"), [(_ENDLESS, "endless"), (_SLOW, "slow")])
def test_geopackage_view_is_refused_before_gdal(sandbox, sql, name):
    path = _gpkg_with_view(sandbox, sql, name)
    start = time.perf_counter()
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert time.perf_counter() - start < 10
    assert_clear(exc, f"{name}.gpkg", f"holds a SQL view ('{name}'); views are refused")


def test_geopackage_view_in_a_zip_is_refused(sandbox):
    gpkg = _gpkg_with_view(sandbox, _ENDLESS, "endless")
    path = sandbox / "view.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(gpkg, "endless.gpkg")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "view.zip", "holds a SQL view ('endless')")


def read_view_with_gdal(path: Path) -> int:
    """GDAL reading the view directly, as it would without :func:`geo.io.readers.refuse_views` (run in the worker)."""
    return len(pyogrio.read_dataframe(path, layer="endless"))


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_worker_stops_gdal_reading_an_endless_view(sandbox, monkeypatch, start):
    """The backstop: GDAL on a recursive view is stopped in seconds, the caller gets one clear line."""
    monkeypatch.setenv("GEO_READ_START", start)
    path = _gpkg_with_view(sandbox, _ENDLESS, "endless")
    start = time.perf_counter()
    with pytest.raises(InputFileError) as exc:
        run_limited(read_view_with_gdal, path, source="endless.gpkg", seconds=3, memory_mb=768)
    assert time.perf_counter() - start < 30
    assert_clear(exc, "endless.gpkg", "and was stopped; the file may contain a view")
    assert "took longer than 3 s" in str(exc.value) or "used more than 768 MB" in str(exc.value)


def test_read_time_limit_from_the_environment(sandbox, monkeypatch):
    path = write_layer(clean_survey(), sandbox, "gpkg")
    monkeypatch.setenv("GEO_READ_SECONDS", "0.001")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "p.gpkg", "reading the file took longer than 0.001 s and was stopped")


def test_read_memory_limit_from_the_environment(sandbox, monkeypatch):
    path = write_layer(clean_survey(), sandbox, "geojson")
    monkeypatch.setenv("GEO_READ_MEMORY_MB", "1")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert_clear(exc, "p.geojson", "reading the file used more than 1 MB and was stopped")


@pytest.mark.parametrize("start", ["fork", "forkserver"])
@pytest.mark.parametrize("fmt", ["gpkg", "shp", "csv-wkt"])
def test_limits_are_named_constants_and_a_normal_read_passes(sandbox, monkeypatch, start, fmt):
    assert (READ_SECONDS, READ_MEMORY_MB) == (45.0, 1536)
    assert READ_SECONDS < 60 and READ_MEMORY_MB < 2048
    monkeypatch.setenv("GEO_READ_START", start)
    result = read_file(write_layer(clean_survey(), sandbox, fmt))
    assert result.layer["名称"].tolist() == ["科学谷(第一期)", "金凤实验室"]


def test_a_geo_error_in_the_worker_is_raised_as_itself(sandbox, monkeypatch):
    monkeypatch.setenv("GEO_READ_START", "forkserver")
    path = sandbox / "bad.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature",', encoding="utf-8")
    with pytest.raises(InputFileError) as exc:
        read_file(path)
    assert type(exc.value) is InputFileError
    assert_clear(exc, "bad.geojson", "not valid JSON", "line 1")


def allocate_mb(mb: int) -> int:
    """Hold ``mb`` megabytes, written to (run in the worker)."""
    blocks = [bytearray(b"x" * 2**20) for _ in range(mb)]
    return len(blocks)


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_worker_memory_cap_stops_a_runaway_read(sandbox, monkeypatch, start):
    """4 GB asked for under a 256 MB cap: stopped, one clear line, the caller's memory untouched."""
    monkeypatch.setenv("GEO_READ_START", start)
    assert run_limited(allocate_mb, 16, source="small.gpkg", memory_mb=512) == 16
    start_time = time.perf_counter()
    with pytest.raises(InputFileError) as exc:
        run_limited(allocate_mb, 4096, source="huge.gpkg", memory_mb=256)
    assert time.perf_counter() - start_time < 30
    assert_clear(exc, "huge.gpkg", "reading the file used more than 256 MB and was stopped")


def test_the_cli_reads_a_geopackage_in_its_own_process_and_still_refuses_views(sandbox, monkeypatch):
    """``limited=False`` (the CLI's check of a GeoPackage it was named) skips the worker, not the view check."""
    import geo.io.files as files

    path = sandbox / "survey.gpkg"
    pyogrio.write_dataframe(clean_survey().to_crs("EPSG:4544"), path, driver="GPKG")

    def no_worker(*args: object, **kwargs: object) -> None:
        raise AssertionError("the read went to the worker")

    monkeypatch.setattr(files, "run_limited", no_worker)
    assert len(read_file(path, limited=False).layer) == len(clean_survey())
    with pytest.raises(AssertionError, match="went to the worker"):
        read_file(path)
    view = _gpkg_with_view(sandbox, _ENDLESS, "endless")
    with pytest.raises(InputFileError) as exc:
        read_file(view, limited=False)
    assert_clear(exc, "endless.gpkg", "holds a SQL view ('endless'); views are refused")


def test_a_main_module_run_with_dash_m_is_imported_once_by_the_forkserver_not_by_every_read(sandbox):
    """``python -m bench.run`` once paid ~250 ms of imports in every read: each forkserver worker re-runs a
    ``-m`` main module. Preloaded by the forkserver, its imports run in two processes (the caller and the
    server), not once more in each of the three read workers."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    log = sandbox / "imports.log"
    path = write_layer(clean_survey(), sandbox, "gpkg")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(root), "MAIN_PROBE_LOG": str(log),
           "GEO_READ_START": "forkserver"}
    run = subprocess.run([sys.executable, "-m", "tests.fixtures.main_probe", str(path)], cwd=root, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr  # runpy does not find the module loaded already
    pids = log.read_text(encoding="ascii").split()
    assert run.stdout.strip() in pids and len(set(pids)) == len(pids) == 2


def exit_at_once(code: int) -> None:
    """End the worker without a word (run in the worker)."""
    import os

    os._exit(code)


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_a_worker_that_dies_without_a_word_is_a_crash_not_a_memory_error(sandbox, monkeypatch, start):
    monkeypatch.setenv("GEO_READ_START", start)
    with pytest.raises(InputFileError) as exc:
        run_limited(exit_at_once, 1, source="odd.gpkg")
    assert_clear(exc, "odd.gpkg", "the file made the reader crash (exit code 1)")
