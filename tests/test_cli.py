"""``python -m geo``: what a user sees, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import rasterio
import shapely

from geo.area import M2_PER_MU, area_mu
from geo.store import parcels_in_use
from tests.fixtures.stores import created

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
    assert by[("track", "fintech", "land_mu")]["status"] == "text_only"
    assert by[("track", "rd", "output_yi")]["difference"] is None  # not comparable: no difference to quote
    assert by[("project", "T5-2", "land_mu")]["mapped_value"] is None  # a point has no area
    assert {r["scope"] for r in rows} == {"plan", "track", "zone", "project"}
    assert {r["metric"] for r in rows} == {"land_mu", "output_yi"}


def test_reconcile_table_lists_every_disagreement():
    out = geo("reconcile", "--lang", "en")
    assert out.returncode == 0
    assert "4 disagreement(s) between the tables and the text:" in out.stdout
    for fragment in ("- R&D and incubation · land: The table rows add up to 7,620 mu; the text gives 7,680 mu",
                     "the tables have 30 mu more", "the tables have 585 mu less", "the tables have 3,025 mu more"):
        assert fragment in out.stdout
    assert "  text_only       text only: Only the text gives this figure; no table has a row for it." in out.stdout
    assert "big_science" not in out.stdout and "T5-1 +" not in out.stdout


def test_reconcile_table_in_chinese():
    out = geo("reconcile", "--scope", "track", "--lang", "zh")
    assert out.returncode == 0
    assert "表与文本不一致 4 处：" in out.stdout
    assert "- 研发孵化 · 用地: 表中各行合计7620亩，文本为7680亩" in out.stdout
    assert "  not_comparable  不可比: 表中数与文本数口径不同（如产值与营收），不相减。" in out.stdout


def test_reconcile_csv_and_scope_filter():
    out = geo("reconcile", "--format", "csv", "--scope", "zone")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 12 and {r["scope"] for r in rows} == {"zone"}  # five units and "in none", land and output


def test_export_writes_a_file_gdal_reads(tmp_path):
    out = geo("export", "--layer", "parcels", "--format", "gpkg", "--crs", "EPSG:4544", "-o", str(tmp_path / "p"))
    assert out.returncode == 0, out.stderr
    assert "wrote" in out.stdout and "parcels 26" in out.stdout
    assert out.stderr == ("note: parcels: a GeoPackage 1.2 holds one geometry type per layer, so it is written as "
                          "2 layers: parcels (25 polygons), parcels_points (1 point)\n")
    info = pyogrio.read_info(tmp_path / "p.gpkg", layer="parcels")
    assert info["crs"] == "EPSG:4544" and info["features"] == 25 and info["geometry_type"] == "Polygon"
    assert pyogrio.read_info(tmp_path / "p.gpkg", layer="parcels_points")["features"] == 1


def test_export_dxf_to_a_folder_names_the_file(tmp_path):
    out = geo("export", "--layer", "parcels", "--format", "dxf", "-o", str(tmp_path))
    assert out.returncode == 0, out.stderr
    path = tmp_path / "parcels_EPSG4544_示意.dxf"
    assert f"wrote {path} (dxf, EPSG:4544" in out.stdout
    assert len(pyogrio.read_dataframe(path).query("Text.notna()")) == 26


@pytest.mark.parametrize("args,fragment", [
    (["bogus"], "invalid choice: 'bogus'"),
    (["reconcile", "--format", "xml"], "invalid choice: 'xml'"),
    (["export", "--format", "geojson", "--crs", "EPSG:4544", "-o", "x"], "GeoJSON (RFC 7946) is always WGS84"),
    (["export", "--format", "gpkg", "-o", "/nonexistent/dir/x"], "the output folder does not exist"),
    (["export", "--format", "shp"], "the following arguments are required: -o/--output"),
    (["export", "--format", "dxf", "--crs", "EPSG:4326", "-o", "x"], "DXF (AutoCAD, projected) has no coordinate"),
    (["export", "--format", "gpkg", "--encoding", "gbk", "-o", "x"], "always written in UTF-8, not gbk"),
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
    env_dir = created(tmp_path / "ws")

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
    exported = pyogrio.read_dataframe(tmp_path / "p.gpkg", layer="parcels").set_index("project_id")
    assert exported.at["T4-1", "geometry_basis"] == "surveyed"
    assert exported.at["T4-1", "measured_mu"] == pytest.approx(1011 * 1.21, rel=1e-3)  # not the indicative 1011
    assert run("check", str(path), "--use-surveyed").returncode == 2


def test_one_measured_mu_for_surveyed_projects_in_cli_and_app(tmp_path, parcels, monkeypatch):
    """check → save → use-surveyed → export → reconcile → rasterize, and the app's parcels, all agree.

    T2-3 is surveyed as two parcels (dissolved into one project), T4-1 as one
    parcel 10 % larger each way; every figure must be the ellipsoidal area of
    the dissolved surveyed geometry.
    """
    plan = parcels.set_index("project_id")
    t23 = plan.geometry["T2-3"]
    minx, miny, maxx, maxy = t23.bounds
    halves = [shapely.clip_by_rect(t23, minx, miny, (minx + maxx) / 2, maxy),
              shapely.clip_by_rect(t23, (minx + maxx) / 2, miny, maxx, maxy)]
    survey = gpd.GeoDataFrame(
        {"project_id": ["T2-3", "T2-3", "T4-1"]},
        geometry=[*halves, shapely.affinity.scale(plan.geometry["T4-1"], 1.1, 1.1)], crs="EPSG:4326",
    )
    path = tmp_path / "survey.geojson"
    pyogrio.write_dataframe(survey, path, driver="GeoJSON")
    expected = area_mu(survey.dissolve(by="project_id"), method="ellipsoidal")
    ws_dir = created(tmp_path / "ws")
    assert geo("check", str(path), "--name-field", "project_id", "--save", "--use-surveyed",
               workspace=ws_dir).returncode == 0
    out = geo("export", "--layer", "parcels", "--format", "gpkg", "--surveyed", "-o", str(tmp_path / "p"),
              workspace=ws_dir)
    assert out.returncode == 0, out.stderr
    exported = pyogrio.read_dataframe(tmp_path / "p.gpkg", layer="parcels").set_index("project_id")
    rows = {(r["scope"], r["key"], r["metric"]): r for r in json.loads(
        geo("reconcile", "--format", "json", "--surveyed", workspace=ws_dir).stdout)}
    monkeypatch.setenv("GEO_WORKSPACE", str(ws_dir))
    app = parcels_in_use(parcels).set_index("project_id")  # what ui.data.parcels() shows
    for pid in ("T2-3", "T4-1"):
        assert exported.at[pid, "geometry_basis"] == app.at[pid, "geometry_basis"] == "surveyed"
        for figure in (exported.at[pid, "measured_mu"], rows[("project", pid, "land_mu")]["mapped_value"],
                       app.at[pid, "measured_mu"]):
            assert figure == pytest.approx(expected[pid], rel=5e-4)
    assert expected["T2-3"] == pytest.approx(888, rel=1e-3)
    assert expected["T4-1"] == pytest.approx(1011 * 1.21, rel=1e-3)
    tif = tmp_path / "allocation.tif"
    out = geo("rasterize", "--cell", "5", "--surveyed", "-o", str(tif), workspace=ws_dir)
    assert out.returncode == 0, out.stderr
    with rasterio.open(tif) as src:
        codes = src.read(1)
        cell = src.res[0] * src.res[1]
    plain = tmp_path / "plain.tif"
    assert geo("rasterize", "--cell", "5", "-o", str(plain), workspace=ws_dir).returncode == 0
    with rasterio.open(plain) as src:
        grown = (codes > 0).sum() * cell - (src.read(1) > 0).sum() * src.res[0] * src.res[1]
    assert grown / M2_PER_MU == pytest.approx(1011 * 0.21, rel=0.02)  # T4-1's surveyed growth, in the raster


def test_verbose_adds_the_underlying_cause_one_line_each():
    quiet = geo("export", "--layer", "zones", "--format", "gpkg", "--crs", "EPSG:4326", "-o", "/nonexistent/dir/x")
    assert quiet.returncode == 2 and len(quiet.stderr.strip().splitlines()) == 1
    survey = ROOT / "data" / "parcels" / "zones.geojson"
    bad = geo("check", str(survey), "--crs", "EPSG:99999")
    loud = geo("--verbose", "check", str(survey), "--crs", "EPSG:99999")
    assert bad.returncode == loud.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    first, *causes = loud.stderr.strip().splitlines()
    assert first == bad.stderr.strip() and "EPSG:99999" in first
    assert causes and causes[0].startswith("  caused by CRSError: ")  # pyproj's own reason, kept
    assert "Traceback" not in loud.stderr
