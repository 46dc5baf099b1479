"""The benchmark suite runs end to end at its smallest size (so it cannot rot).

This is not a timed test: it proves every measurement still runs, that the
map pages really draw in Chromium, and that the report is written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # it draws the map pages in Chromium

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_runs_at_1000_parcels(tmp_path):
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "1000", "--repeats", "1", "--out", str(out),
         "--work", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    size = results["sizes"]["1000"]
    assert size["manifest"]["parcels"] == 1000
    assert set(size["manifest"]["bytes"]) == {"geojson", "gpkg", "shp"}
    for op in ("read_gpkg", "read_geojson", "read_shp", "check", "area_equal_area", "area_ellipsoidal", "reconcile",
               "export_geojson", "export_gpkg", "export_shp", "export_csv", "plain_geopandas"):
        assert size["ops"][op]["median"] > 0 and size["ops"][op]["ratio"] > 0, op
    # the planted defects are found
    planted, found = size["manifest"]["planted"], size["findings"]
    assert found["empty"] == planted["empty"] and found["duplicate"] == planted["duplicate"]
    assert found["invalid"] == planted["invalid"] and found["missing_attribute"] == planted["blank_id"]
    assert found["overlap"] >= planted["overlap"]
    assert size["area_equal_vs_ellipsoidal_max_rel"] < 1e-5
    assert size["memory"]["peak_mb"] > size["memory"]["before_read_mb"] > 0
    drawn = size["map"]
    assert drawn["plain"]["painted"]["svg_paths"] >= 990 and drawn["plain"]["drawn_s"]["median"] > 0
    assert drawn["overview"]["painted"]["image_px"] > 1_000_000 and drawn["overview"]["drawn_s"]["median"] > 0
    assert drawn["detail"]["painted"]["canvas_pixels"] > 0 and drawn["detail"]["painted"]["errors"] == []
    assert drawn["detail"]["bytes"] < drawn["plain"]["bytes"]
    assert results["plan_map"]["painted"]["canvas_pixels"] > 0
    md = (out / "results.md").read_text(encoding="utf-8")
    assert "| **full check** (geo.checks.registry) |" in md and "## Targets at 1,000 parcels" in md
    assert results["machine"]["cores"] >= 1 and results["machine"]["versions"]["shapely"]
    # whole processes: python -m geo check (local and dask engines, GeoParquet input) against the plain recipe
    scale = results["scale"]["1000"]
    assert scale["ours"]["wall_s"] > 0 and scale["plain"]["wall_s"] > 0 and scale["ratio"] > 0
    assert scale["ours"]["peak_rss_mib"] > 50 and scale["plain_counts"]["features"] == 1000
    assert 0 < scale["ours"]["peak_pss_mib"] <= scale["ours"]["peak_rss_mib"]  # shared pages counted once
    assert scale["dask_same_counts"] and scale["parquet_same_counts"]
    assert scale["findings"]["unmatched"] == 1  # one summary line, not one warning per parcel
    assert "## Whole process: `python -m geo check` against the plain GeoPandas recipe" in md


def test_app_open_benchmark_draws_the_plan_map_and_a_bare_page(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bench.app_open", "--repeats", "1", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "app_open.json").read_text(encoding="utf-8"))
    assert result["painted"] > 1000  # the plan's parcels, not an empty map
    assert result["map_median_s"] > 0 and result["bare_median_s"] > 0
    assert result["ratio"] == pytest.approx(result["map_median_s"] / result["bare_median_s"], abs=0.011)
    assert result["map_only_median_s"] > 0  # the map element on a page of its own drew the map too
    assert "Map drawn ÷ bare page:" in (tmp_path / "app_open.md").read_text(encoding="utf-8")
