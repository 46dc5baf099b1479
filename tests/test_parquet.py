"""GeoParquet: read by content like every format, written by export and convert (streamed), same check findings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely

from geo.errors import InputFileError
from geo.io import export_layers, read_file
from layers import load_parcels

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)


def test_export_parquet_round_trip(tmp_path):
    parcels = load_parcels()
    path = export_layers({"parcels": parcels}, fmt="parquet", crs="EPSG:4544", path=tmp_path / "p")
    assert path.suffix == ".parquet" and path.read_bytes()[:4] == b"PAR1"
    read = read_file(path)
    assert (read.fmt, read.crs, read.crs_basis) == ("parquet", "EPSG:4544", "file")
    assert len(read.layer) == len(parcels) and list(read.layer.index[:2]) == [1, 2]
    assert read.layer["project_id_src"].tolist() == parcels["project_id"].tolist()  # renamed: the check adds its own
    back = read.layer.geometry.to_numpy()
    assert shapely.equals_exact(back, parcels.geometry.to_numpy(), tolerance=1e-7).all()


def test_parquet_detected_by_content_and_plain_parquet_refused(tmp_path):
    parcels = load_parcels()
    path = export_layers({"parcels": parcels}, fmt="parquet", path=tmp_path / "p")
    renamed = tmp_path / "parcels.geojson"
    renamed.write_bytes(path.read_bytes())
    read = read_file(renamed)
    assert read.fmt == "parquet" and "the content is GeoParquet" in read.warnings[0]
    plain = tmp_path / "table.parquet"
    parcels.drop(columns="geometry").to_parquet(plain)
    with pytest.raises(InputFileError, match="no GeoParquet metadata"):
        read_file(plain)


def test_convert_gpkg_to_parquet_and_back_keeps_the_findings(tmp_path):
    from tests.fixtures import synthetic as syn

    layer = syn.plan_survey().to_crs("EPSG:4544")
    src = tmp_path / "survey.gpkg"
    pyogrio.write_dataframe(layer, src, driver="GPKG")
    run = geo("convert", str(src), "-o", str(tmp_path / "survey.parquet"))
    assert run.returncode == 0, run.stderr
    assert "2 features from survey.gpkg" in run.stdout
    run = geo("convert", str(tmp_path / "survey.parquet"), "-o", str(tmp_path / "again.gpkg"))
    assert run.returncode == 0, run.stderr
    docs = []
    for name in ("survey.gpkg", "survey.parquet", "again.gpkg"):
        out = geo("check", str(tmp_path / name), "--name-field", "名称", "--format", "json")
        assert out.returncode == 0, out.stderr
        docs.append(json.loads(out.stdout))
    assert docs[0]["findings"] == docs[1]["findings"] == docs[2]["findings"] and docs[0]["findings"]
    assert geo("convert", str(src), "-o", str(tmp_path / "x.shx")).returncode == 2  # no format's suffix
