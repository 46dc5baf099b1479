"""``python -m geo rasterize``, run as a user runs it (a subprocess), files read back with GDAL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio

from geo.area import M2_PER_MU
from layers import load_parcels

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_help_lists_the_command() -> None:
    result = geo("--help")
    assert result.returncode == 0 and "rasterize" in result.stdout
    sub = geo("rasterize", "--help")
    assert "--cell" in sub.stdout and "default 10" in sub.stdout


def test_rasterize_default_cell(tmp_path: Path) -> None:
    out = tmp_path / "allocation.tif"
    result = geo("rasterize", "--cell", "10", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("grid: ") and lines[0].endswith("cells of 10 m, EPSG:4544")
    assert f"wrote {out}" in lines
    assert "every parcel within its bound" in result.stdout and result.stdout.rstrip().endswith("yes")
    parcels = load_parcels()
    points = sorted(parcels.loc[parcels.geom_type == "Point", "project_id"])
    assert f"skipped (no polygon, area unknown): {', '.join(points)}" in result.stdout
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 4544 and src.res == (10.0, 10.0)
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        codes = src.read(1)
        cmap = src.colormap(1)
    assert set(np.unique(codes)) == {0, 1, 2, 3, 4, 5}
    assert cmap[1][:3] == (0x1F, 0x77, 0xB4)  # rd's colour in data/plan/tracks.csv
    # total raster area ~ total parcel area (planar 4544) within 0.1 %
    polygons = parcels[parcels.geom_type == "Polygon"].to_crs("EPSG:4544")
    vector_mu = polygons.area.sum() / M2_PER_MU
    assert (codes > 0).sum() * 100 / M2_PER_MU == pytest.approx(vector_mu, rel=1e-3)
    with rasterio.open(tmp_path / "allocation_output_per_mu.tif") as src:
        values = src.read(1)
    assert np.isfinite(values[codes > 0]).any() and np.isnan(values[codes == 0]).all()
    assert (tmp_path / "allocation.tif.aux.xml").read_text(encoding="utf-8").count("<Row ") == 5


def test_cell_size_changes_the_grid(tmp_path: Path) -> None:
    out = tmp_path / "coarse.tif"
    assert geo("rasterize", "--cell", "50", "-o", str(out)).returncode == 0
    with rasterio.open(out) as src:
        assert src.res == (50.0, 50.0)


@pytest.mark.parametrize(("args", "message"), [
    (["--cell", "0"], "--cell: cell size 0.0 m is outside 0.5–1000 m. Give a cell size in metres"),
    (["--cell", "ten"], "argument --cell: invalid float value: 'ten'"),
    (["-o", "{tmp}/allocation.png"], "--output: 'allocation.png' does not end in .tif"),
    (["-o", "{tmp}/missing/allocation.tif"], "missing: folder does not exist"),
])
def test_bad_arguments_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "a.tif")]
    result = geo("rasterize", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
