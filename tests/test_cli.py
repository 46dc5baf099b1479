"""``python -m geo``: what a user sees, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str, cwd: Path = ROOT, workspace: Path | None = None) -> subprocess.CompletedProcess:
    env = os.environ | ({"GEO_WORKSPACE": str(workspace)} if workspace else {})
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def test_reconcile_json_rows():
    out = geo("reconcile", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    keys = {"scope", "key", "metric", "table_value", "stated_value", "mapped_value", "difference", "status", "note",
            "source"}
    assert keys <= set(rows[0])
    by = {(r["scope"], r["key"], r["metric"]): r for r in rows}
    assert by[("track", "software", "land_mu")]["difference"] == 30
    assert by[("track", "fintech", "land_mu")]["table_value"] is None  # unknown, not 0
    assert {r["scope"] for r in rows} == {"plan", "track", "zone", "project"}
    assert {r["metric"] for r in rows} == {"land_mu", "output_yi"}


def test_reconcile_table_lists_every_disagreement():
    out = geo("reconcile")
    assert out.returncode == 0
    assert "4 disagreement(s) between the tables and the text" in out.stdout
    for fragment in ("track rd land_mu", "−60", "+30", "−585", "+3,025"):
        assert fragment in out.stdout


def test_reconcile_csv_and_scope_filter():
    out = geo("reconcile", "--format", "csv", "--scope", "zone")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 10 and {r["scope"] for r in rows} == {"zone"}


def test_export_writes_a_file_gdal_reads(tmp_path):
    out = geo("export", "--layer", "parcels", "--format", "gpkg", "--crs", "EPSG:4544", "-o", str(tmp_path / "p"))
    assert out.returncode == 0, out.stderr
    assert "wrote" in out.stdout and "parcels 26" in out.stdout
    info = pyogrio.read_info(tmp_path / "p.gpkg")
    assert info["crs"] == "EPSG:4544" and info["features"] == 26


@pytest.mark.parametrize("args,fragment", [
    (["bogus"], "invalid choice: 'bogus'"),
    (["reconcile", "--format", "xml"], "invalid choice: 'xml'"),
    (["export", "--format", "geojson", "--crs", "EPSG:4544", "-o", "x"], "GeoJSON (RFC 7946) is always WGS84"),
    (["export", "--format", "gpkg", "-o", "/nonexistent/dir/x"], "the output folder does not exist"),
    (["export", "--format", "shp"], "the following arguments are required: -o/--output"),
])
def test_user_errors_exit_2_with_one_line(tmp_path, args, fragment):
    out = geo(*args, cwd=ROOT)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in out.stderr
    assert not (ROOT / "x.geojson").exists()


def test_surveyed_geometry_flows_from_check_to_reconcile_and_export(tmp_path, parcels):
    """`check --save --use-surveyed`, then `reconcile/export --surveyed` measure the surveyed parcel."""
    survey = parcels[parcels["project_id"] == "T4-1"][["project_id", "geometry"]].copy()
    survey["geometry"] = [shapely.affinity.scale(g, 1.1, 1.1) for g in survey.geometry]  # 21 % larger
    path = tmp_path / "survey.gpkg"
    pyogrio.write_dataframe(survey.to_crs("EPSG:4544"), path, driver="GPKG")
    env_dir = tmp_path / "ws"

    def run(*args: str) -> subprocess.CompletedProcess:
        return geo(*args, workspace=env_dir)

    out = run("check", str(path), "--name-field", "project_id", "--save", "--use-surveyed")
    assert out.returncode == 0, out.stderr
    assert "(in use)" in out.stderr and (env_dir / "workspace.gpkg").exists()
    surveyed = json.loads(run("reconcile", "--format", "json", "--surveyed").stdout)
    rows = {(r["scope"], r["key"], r["metric"]): r for r in surveyed}
    assert rows[("project", "T4-1", "land_mu")]["mapped_value"] == pytest.approx(1011 * 1.21, rel=1e-3)
    plain = {(r["scope"], r["key"], r["metric"]): r for r in json.loads(run("reconcile", "--format", "json").stdout)}
    assert plain[("project", "T4-1", "land_mu")]["mapped_value"] == pytest.approx(1011, abs=0.5)
    out = run("export", "--layer", "parcels", "--format", "gpkg", "--surveyed", "-o", str(tmp_path / "p"))
    exported = pyogrio.read_dataframe(tmp_path / "p.gpkg")
    assert exported.set_index("project_id").at["T4-1", "geometry_basis"] == "surveyed"
    assert run("check", str(path), "--use-surveyed").returncode == 2
