"""Making a plan package (issue 21, part 3): ``plan new DIR --from FILE.xlsx`` and what it writes.

A 示例 plan is written into the template by "another program" (openpyxl, cell by cell, by the field names of
row 1): 3 tracks (one with no projects), 4 spatial units (one with no projects), 8 projects (one whose mu is
“——”, one in no unit, anchors left empty for the placement rule to fill), a range target, places near
111°E so its Gauss–Krüger zone is CGCS2000 3° CM 111E (EPSG:4546, neither of the other plans' zones).

- ``plan new`` builds it; ``plan validate`` passes (exit 0);
- ``reconcile`` gives per-track and per-zone mu and output totals equal to sums of the rows written here;
- ``export`` to GeoPackage in EPSG:4546, read back with pyogrio: every parcel's planar area in its own zone
  and its ellipsoidal area equal its declared mu within 0.1 %;
- each kind of bad input (a missing sheet, a renamed column, an undefined track id, a mu that is text, a
  duplicate id, a place outside China, an unknown EPSG code, a file that is not a workbook, one too large,
  a sheet too long, a folder that is not empty) is one line, exit 2, and no folder is written.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from geo import cli
from geo.area import M2_PER_MU
from geo.plan import template as plan_template
from geo.plan.package import TEMPLATE_SHEETS, load_package
from geo.plan.template import template_workbook
from tests.fixtures.cli import geo, one_line

ROOT = Path(__file__).resolve().parents[1]
EPSG = 4546  # CGCS2000 / 3-degree Gauss-Kruger CM 111E
CGCS2000 = Geod(ellps="GRS80")  # CGCS2000's ellipsoid differs from GRS80 in the 12th digit of 1/f

PLAN = [{"title_zh": "示例市“十四五”产业发展规划", "title_en": "Example City Industry Plan (示例)",
         "period": "2021–2025", "source": "示例", "plan_id": "example-city-2021-2025", "structure_zh": "一核三片",
         "structure_en": "one core, three areas", "local_epsg": EPSG, "zoom": 12,
         "footnote_table": 1, "footnote_line": 9, "footnote_zh": "产值为全部建成后的预计值（示例）"}]
TRACKS = [
    {"track_id": "make", "name_zh": "示例制造", "name_en": "Example making", "table": "表1", "color": "#1f77b4"},
    {"track_id": "trade", "name_zh": "示例商贸", "name_en": "Example trade", "table": "表2", "color": "#d62728"},
    {"track_id": "culture", "name_zh": "示例文化", "name_en": "Example culture", "color": "#2ca02c"},
]
ZONES = [
    {"zone_id": "core", "name_zh": "示例核心区", "kind": "core", "structure_zh": "一核", "anchors_zh": "示例中镇"},
    {"zone_id": "north", "name_zh": "示例北片", "kind": "area", "structure_zh": "三片", "anchors_zh": "示例北镇"},
    {"zone_id": "east", "name_zh": "示例东片", "kind": "area", "structure_zh": "三片", "anchors_zh": "示例东镇"},
    {"zone_id": "west", "name_zh": "示例西片", "kind": "area", "structure_zh": "三片", "anchors_zh": "示例西镇"},
]
_P = ("project_id", "table", "row", "track_id", "name_zh", "region_zh", "declared_mu", "output_yi", "zone_id",
      "zone_basis")
PROJECTS = [dict(zip(_P, row, strict=True)) for row in [
    ("T1-1", 1, 1, "make", "示例中镇智造园", "示例中镇", 150, 20, "core", "stated"),
    ("T1-2", 1, 2, "make", "示例装备基地", "示例北镇", 96.5, 12.5, "north", "inferred"),
    ("T1-3", 1, 3, "make", "示例新材料园", "示例东镇", 230, 31, "east", "inferred"),
    ("T1-4", 1, 4, "make", "示例中试平台", "示例中镇", "——", 4, "core", "inferred"),  # mu unknown, never 0
    ("T2-1", 2, 1, "trade", "示例商贸城", "示例北镇", 80, 15, "north", "inferred"),
    ("T2-2", 2, 2, "trade", "示例物流港", "示例东镇", 320, None, "east", "inferred"),
    ("T2-3", 2, 3, "trade", "示例会展中心", "示例中镇", 45, 6, "core", "stated"),
    ("T2-4", 2, 4, "trade", "示例冷链园", "示例南镇", 60, 3.5, None, "none"),  # in no spatial unit
]]
TARGETS = [
    {"target_id": "L-1", "scope": "track", "key": "make", "metric": "land_mu", "name_zh": "示例制造用地",
     "value": 450, "value_max": 500, "unit": "亩", "comparator": "=", "quote": "示例制造用地450至500亩"},
    {"target_id": "L-2", "scope": "track", "key": "culture", "metric": "land_mu", "name_zh": "示例文化用地",
     "value": 60, "unit": "亩", "comparator": ">=", "quote": "示例文化用地不少于60亩"},
]
_PLACE = ("name_zh", "name_en", "kind", "lon_wgs84", "lat_wgs84", "district", "source", "confidence")
PLACES = [dict(zip(_PLACE, row, strict=True)) for row in [
    ("示例中镇", "Example Middle Town", "town", 111.05, 30.70, "示例市", "示例（测试用）", "estimate"),
    ("示例北镇", "Example North Town", "town", 111.08, 30.78, "示例市", "示例（测试用）", "estimate"),
    ("示例东镇", "Example East Town", "town", 111.16, 30.69, "示例市", "示例（测试用）", "estimate"),
    ("示例西镇", "Example West Town", "town", 110.95, 30.68, "示例市", "示例（测试用）", "estimate"),
    ("示例南镇", "Example South Town", "town", 111.04, 30.61, None, "示例（测试用）", "estimate"),
]]
ROWS: dict[str, list[dict[str, Any]]] = {"规划": PLAN, "赛道": TRACKS, "空间单元": ZONES, "项目": PROJECTS,
                                         "目标": TARGETS, "地名": PLACES}


def write_workbook(path: Path, change: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    """The template (headers only) filled cell by cell by field name, as another program would, then ``change``."""
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(load_package(ROOT / "data"))))
    for sheet_name, rows in ROWS.items():
        sheet = book[sheet_name]
        column = {cell.value: cell.column for cell in sheet[1]}
        for n, row in enumerate(rows, start=3):
            for name, value in row.items():
                sheet.cell(n, column[name], value)
    if change is not None:
        change(book)
    book.save(path)
    return path


def _sum(rows: list[dict[str, Any]], value: str, where: Callable[[dict[str, Any]], bool]) -> float | None:
    """The sum of ``value`` over the rows where ``where`` holds, “——”/None left out; None if none is known."""
    known = [float(r[value]) for r in rows if where(r) and isinstance(r.get(value), int | float)]
    return sum(known) if known else None


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("new")
    book = write_workbook(folder / "示例规划.xlsx")
    assert cli.main(["plan", "new", str(folder / "plan"), "--from", str(book)]) == 0
    return folder / "plan"


def test_it_validates_and_says_its_zone(made: Path, capsys, monkeypatch):
    code, _, err = geo(capsys, monkeypatch, "plan", "validate", str(made))
    assert code == 0, err
    meta = json.loads((made / "datapackage.json").read_text(encoding="utf-8"))["geo:plan"]
    assert meta["crs"]["local_epsg"] == EPSG and meta["crs"]["central_meridian"] == 111
    assert meta["crs"]["local_zoned_epsg"] == 4525 and meta["tables"]["numbers"] == [1, 2]
    assert meta["period"] == {"start": 2021, "end": 2025} and meta["id"] == "example-city-2021-2025"
    assert 110.9 < meta["map"]["centre"]["lon"] < 111.2  # the middle of the places: the sheet left it empty
    projects = pd.read_csv(made / "plan" / "projects.csv", dtype=str, keep_default_na=False)
    assert projects.set_index("project_id").loc["T1-4", "declared_mu"] == ""  # “——”: empty, never 0
    assert projects.set_index("project_id").loc["T2-2", "anchor_zh"] == "示例东镇"  # by the placement rule


def test_reconcile_totals_equal_sums_of_the_rows_written(made: Path, capsys, monkeypatch):
    code, out, err = geo(capsys, monkeypatch, "--plan", str(made), "reconcile", "--format", "json")
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out))
    scopes = (("track", "track_id", [t["track_id"] for t in TRACKS]),
              ("zone", "zone_id", [z["zone_id"] for z in ZONES]))
    for scope, column, keys in scopes:
        for metric, value in (("land_mu", "declared_mu"), ("output_yi", "output_yi")):
            got = rows[(rows["scope"] == scope) & (rows["metric"] == metric)].set_index("key")["table_value"]
            for key in keys:
                expected = _sum(PROJECTS, value, lambda r, c=column, k=key: r[c] == k)
                value_got = got[key]
                if expected is None:
                    assert value_got is None or pd.isna(value_got), (scope, key, metric, value_got)
                else:
                    assert math.isclose(value_got, expected, rel_tol=1e-12), (scope, key, metric, value_got, expected)
    land = rows[rows["metric"] == "land_mu"].set_index(["scope", "key"])["table_value"]
    assert land[("track", "make")] == 150 + 96.5 + 230  # T1-4's “——” is left out, not 0
    assert pd.isna(land[("track", "culture")]) and pd.isna(land[("zone", "west")])
    assert pd.isna(land[("project", "T1-4")])


def test_exported_parcels_have_their_declared_mu_in_their_own_zone(made: Path, capsys, monkeypatch, tmp_path):
    out = tmp_path / "parcels.gpkg"
    code, _, err = geo(capsys, monkeypatch, "--plan", str(made), "export", "--layer", "parcels", "--format", "gpkg",
                       "--crs", f"EPSG:{EPSG}", "-o", str(out))
    assert code == 0, err
    frames = [pyogrio.read_dataframe(out, layer=str(name)) for name, _ in pyogrio.list_layers(out)
              if name != "layer_styles"]
    assert all(f.crs is not None and f.crs.to_epsg() == EPSG for f in frames)
    parcels = pd.concat(frames, ignore_index=True)
    assert sorted(parcels["project_id"]) == sorted(p["project_id"] for p in PROJECTS)
    declared = {p["project_id"]: p["declared_mu"] for p in PROJECTS}
    polygons = parcels[parcels.geom_type.isin(["Polygon", "MultiPolygon"])]
    assert sorted(polygons["project_id"]) == sorted(k for k, v in declared.items() if isinstance(v, int | float))
    lonlat = polygons.to_crs(4326)
    for pid, local, geographic in zip(polygons["project_id"], polygons.geometry, lonlat.geometry, strict=True):
        want = float(declared[pid]) * M2_PER_MU
        gk = local.area  # planar, in the plan's own Gauss–Krüger zone
        ellipsoidal = abs(CGCS2000.geometry_area_perimeter(geographic)[0])
        assert abs(gk / want - 1) < 1e-3 and abs(ellipsoidal / want - 1) < 1e-3, (pid, gk, ellipsoidal, want)
    geoms = shapely.from_wkb(polygons.geometry.to_wkb())
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert all(i == j for i, j in zip(left, right, strict=True))  # no two parcels overlap: each meets only itself


# --- bad input: one line each, exit 2, nothing written -----------------------------------------------------------


def _cell(book: openpyxl.Workbook, sheet: str, row: int, name: str, value: Any) -> None:
    column = {cell.value: cell.column for cell in book[sheet][1]}
    book[sheet].cell(row, column[name], value)


def _rename(book: openpyxl.Workbook) -> None:
    column = {cell.value: cell.column for cell in book["项目"][1]}
    book["项目"].cell(1, column["declared_mu"], "area_mu")


BAD: dict[str, tuple[Callable[[openpyxl.Workbook], None], tuple[str, ...]]] = {
    "missing sheet": (lambda b: b.remove(b["赛道"]), ("sheet 赛道", "missing")),
    "renamed column": (_rename, ("sheet 项目", "row 1", "declared_mu", "area_mu")),
    "undefined track": (lambda b: _cell(b, "项目", 5, "track_id", "tourism"),
                        ("sheet 项目", "row 5", "track_id", "'tourism'", "sheet 赛道")),
    "mu as text": (lambda b: _cell(b, "项目", 4, "declared_mu", "约96亩"),
                   ("sheet 项目", "row 4", "declared_mu", "'约96亩'", "number")),
    "duplicate id": (lambda b: _cell(b, "项目", 10, "project_id", "T2-3"),
                     ("sheet 项目", "row 10", "project_id", "'T2-3'", "twice (also in row 9)")),
    "place outside China": (lambda b: _cell(b, "地名", 4, "lon_wgs84", 11.08),
                            ("sheet 地名", "row 4", "lon_wgs84", "outside China")),
    "unknown EPSG": (lambda b: _cell(b, "规划", 3, "local_epsg", 99999),
                     ("sheet 规划", "row 3", "local_epsg", "EPSG:99999")),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_workbook_is_one_line_and_writes_nothing(case: str, tmp_path: Path, capsys, monkeypatch):
    change, fragments = BAD[case]
    book = write_workbook(tmp_path / "plan.xlsx", change)
    target = tmp_path / "new"
    code, _, err = geo(capsys, monkeypatch, "plan", "new", str(target), "--from", str(book))
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"{book}, "), lines[0]
    assert all(f in lines[0] for f in fragments), (fragments, lines[0])
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]  # no temp folder left


def test_bad_workbook_in_the_lang_given(tmp_path: Path, capsys, monkeypatch):
    """``--lang zh``: the sheet, row, field, problem and fix in Chinese (the values as written)."""
    change, _ = BAD["duplicate id"]
    book = write_workbook(tmp_path / "plan.xlsx", change)
    code, _, err = geo(capsys, monkeypatch, "plan", "new", str(tmp_path / "new"), "--from", str(book), "--lang", "zh")
    assert code == 2, err
    assert err.strip() == (f"{book}，工作表 项目，第 10 行，字段 project_id："
                           "project_id 'T2-3' 重复使用（另见第 9 行）。请为每行填写不同的 project_id")


def test_not_a_workbook(tmp_path: Path, capsys, monkeypatch):
    fake = tmp_path / "plan.xlsx"
    fake.write_text("title_zh,title_en\n示例,example\n", encoding="utf-8")
    code, _, err = geo(capsys, monkeypatch, "plan", "new", str(tmp_path / "new"), "--from", str(fake))
    assert code == 2
    one_line(err, "not an Excel workbook")
    assert str(fake) in err and "plan template" in err and not (tmp_path / "new").exists()


def test_a_file_over_the_size_limit(tmp_path: Path, capsys, monkeypatch):
    book = write_workbook(tmp_path / "plan.xlsx")
    monkeypatch.setattr(plan_template, "MAX_FILE_BYTES", 1024)
    code, _, err = geo(capsys, monkeypatch, "plan", "new", str(tmp_path / "new"), "--from", str(book))
    assert code == 2
    one_line(err, "over the limit")
    assert str(book) in err and not (tmp_path / "new").exists()


def test_a_sheet_over_the_row_limit(tmp_path: Path, capsys, monkeypatch):
    book = write_workbook(tmp_path / "plan.xlsx")
    monkeypatch.setattr(plan_template, "MAX_ROWS", 6)
    code, _, err = geo(capsys, monkeypatch, "plan", "new", str(tmp_path / "new"), "--from", str(book))
    assert code == 2
    one_line(err, "sheet 项目 has")
    assert "over the limit of 6" in err and not (tmp_path / "new").exists()


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys, monkeypatch):
    book = write_workbook(tmp_path / "plan.xlsx")
    target = tmp_path / "new"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    code, _, err = geo(capsys, monkeypatch, "plan", "new", str(target), "--from", str(book))
    assert code == 2
    one_line(err, "not an empty folder")
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_the_template_names_every_sheet_it_reads():
    assert list(TEMPLATE_SHEETS) == list(ROWS)
