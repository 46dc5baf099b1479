"""A user's attribute named like one of ours (``feature``, ``FID``, ``Geometry``, ``wkt``, ``_rank`` …) survives
the check, its HTML report, a save to the workspace (both backends) and every export, under a new name it is told.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.checks import CheckOptions, PlanLayers, check_file, html_report, save_run
from geo.checks.pipeline import saved_result
from geo.checks.report import findings_csv, flagged_geojson
from geo.io import FORMATS
from geo.io.columns import FILE_RESERVED, RESERVED
from geo.io.convert import convert_read
from layers import load_districts, load_parcels, load_zones

#: Every column name the code gives a column of its own: the read layer's index and geometry, the check's columns
#: (geo/checks/registry.py, report.py), the store's (geo/store/codec.py, gpkg.py, postgis.py), the exports'
#: (geo/io/writers_gis.py: GeoPackage fid/geom, CSV geometry_type/wkt; geo/io/parquet.py: bbox).
OURS = ("feature", "geometry", "project_id", "match_by", "measured_mu", "checks", "severity", "fid", "geom",
        "upload_id", "geometry_type", "wkt", "bbox")
#: (the user's column, the name it is read as): each of ours, its upper-case twin, and working columns (``_…``),
#: which the store does not keep.
CASES = ([(n, f"{n}_src") for n in OURS] + [(n.upper(), f"{n.upper()}_src") for n in OURS]
         + [("Geometry", "Geometry_src"), ("Fid", "Fid_src"), ("_feature", "src_feature"), ("_rank", "src_rank")])
VALUES = ["甲-1", "乙-2", "丙-3"]


def test_the_cases_cover_every_reserved_name():
    assert set(OURS) == {r for r in RESERVED if not r.endswith("*")} and set(FILE_RESERVED) < set(OURS)
    assert "_*" in RESERVED  # the check's working columns (_feature on Dask, _rank, _o) and the store's _private


@pytest.fixture(scope="module")
def plan() -> PlanLayers:
    return PlanLayers(parcels=load_parcels(), zones=load_zones(), districts=load_districts())


def _survey(plan: PlanLayers, column: str, folder: Path) -> Path:
    """Three of the plan's parcels as a surveyed GeoJSON, the third shrunk to half its area, with ``column``."""
    rows = plan.parcels[plan.parcels["project_id"].isin(["T2-3", "T3-1", "T4-1"])].sort_values("project_id")
    geoms = list(rows.geometry)
    geoms[2] = shapely.affinity.scale(geoms[2], xfact=0.5 ** 0.5, yfact=0.5 ** 0.5)  # an area finding
    features = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(g),
         "properties": {"pid": pid, "名称": name, column: value}}  # written by hand: `geometry` can be a property
        for g, pid, name, value in zip(geoms, rows["project_id"], rows["name_zh"], VALUES, strict=True)
    ]
    path = folder / "测绘.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def _read_back(path: Path, folder: Path) -> pd.DataFrame:
    """An export's attributes, read with GDAL (a Shapefile zip from its .shp, GeoParquet with pyarrow)."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            zf.extractall(folder / "unzipped")
        path = folder / "unzipped" / f"{path.stem}.shp"
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    if path.suffix == ".kmz":
        return pyogrio.read_dataframe(f"/vsizip/{path}/doc.kml")
    return pyogrio.read_dataframe(path, layer=path.stem if path.suffix == ".gpkg" else None)


@pytest.mark.parametrize(("column", "new"), CASES, ids=[c for c, _ in CASES])
def test_a_column_named_like_ours_survives_check_report_workspace_and_export(plan, backend, tmp_path, column, new):
    src = _survey(plan, column, tmp_path)
    run = check_file(src, plan, CheckOptions(name_field="pid"))
    said = f"{column} → {new}"

    # the check: the user's values under the new name, the feature numbers in `feature`, the rename told
    assert run.read.renamed == {column: new} and run.summary["renamed"] == {column: new}
    assert any(said in w for w in run.read.warnings)
    parcels = run.result.parcels
    assert parcels[new].tolist() == VALUES and parcels.index.tolist() == [1, 2, 3]
    assert parcels["project_id"].tolist() == ["T2-3", "T3-1", "T4-1"]  # the check's own column, the user's kept
    findings = run.result.findings
    assert findings[["feature", "project_id", "check"]].astype(object).values.tolist() == [
        [3, "T4-1", "area_mismatch"]]  # the shrunk parcel, numbered as in the file

    # the report: written, and it names the rename
    report = html_report(run.result, source=src.name, plan_parcels=plan.parcels, crs_note=run.read.crs_note[1])
    assert "改名的字段 / renamed columns" in report and said in report
    flagged = json.loads(flagged_geojson(run.result))
    assert [(f["properties"]["feature"], f["properties"][new]) for f in flagged["features"]] == [(3, VALUES[2])]
    assert findings_csv(run.result.findings, lang="zh").decode("utf-8-sig").startswith("序号/要素,")

    # the workspace (GeoPackage and PostGIS): saved and opened again, the values under the new name
    backend.store.init()
    uid = save_run(run, src.read_bytes())
    saved = saved_result(uid, tolerance_pct=1.0)
    assert saved.parcels[new].tolist() == VALUES and saved.parcels.index.tolist() == [1, 2, 3]
    pd.testing.assert_frame_equal(saved.findings[["feature", "check"]].reset_index(drop=True),
                                  findings[["feature", "check"]].reset_index(drop=True), check_dtype=False)
    assert said not in html_report(saved, source=src.name)  # a saved check knows only the new name: still written

    # every export format writes it; those holding attributes hold the values under the new name
    out = tmp_path / "out"
    out.mkdir()
    for fmt, spec in FORMATS.items():
        written = convert_read(run.read, out / f"parcels{spec.suffix}", fmt=fmt)
        assert written.path.is_file() and written.features == 3
        if fmt in ("dxf", "txt"):  # a drawing, a boundary-point text: no attribute table
            continue
        if fmt == "xlsx":
            frame = pd.read_excel(written.path)
            assert frame[new].tolist() == VALUES  # header = the column's name (no label for it)
            continue
        frame = _read_back(written.path, out)
        name = new.encode("utf-8")[:10].decode("utf-8", errors="ignore") if fmt == "shp" else new
        assert frame[name].tolist() == VALUES, fmt
