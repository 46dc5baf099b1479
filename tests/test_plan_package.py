"""Plan packages (issue 21, first step): data/ as a Frictionless Data Package, validated, compared, templated.

- the default package validates clean, and its tables load as the layers load them;
- each kind of bad input gives exactly one problem, with its file, row and field (API and CLI, exit 2);
- the descriptor's ``geo:plan`` metadata equals the constants the code used before it read them from the
  package (step 2): what the engine now reads from the package is exactly those old values;
- ``plan diff`` of a plan with itself is empty; with a copy where one project moved zone, one was removed
  and one's mu changed it reports exactly those three, and its totals equal pandas sums of the two CSVs;
- ``plan template`` writes a workbook with the six sheets and the headers.
"""

from __future__ import annotations

import importlib
import inspect
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from geo import crs
from geo.mapview import plan as mapview_plan
from geo.plan import notes
from geo.plan.diff import diff_plans
from geo.plan.package import (
    DESCRIPTOR,
    FORMAT_VERSION,
    PLAN_KEY,
    TEMPLATE_SHEETS,
    PackageError,
    Problem,
    load_package,
    validate_package,
)
from geo.plan.template import META_FIELDS
from layers import load_glossary, load_plan_info, load_projects
from layers.plan import plan_period
from tests.fixtures.cli import geo, one_line

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def default_package():
    return load_package(DATA)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of data/ to break."""
    target = tmp_path / "plan"
    shutil.copytree(DATA, target)
    return target


def edit_csv(folder: Path, rel: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = folder / rel
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def edit_meta(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / DESCRIPTOR
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor[PLAN_KEY])
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=1), encoding="utf-8")


def set_cell(rel: str, key: str, key_value: str, column: str, value: str):
    def apply(folder: Path) -> None:
        def change(frame: pd.DataFrame) -> pd.DataFrame:
            frame.loc[frame[key] == key_value, column] = value
            return frame
        edit_csv(folder, rel, change)
    return apply


def line_of(rel: str, key: str, key_value: str) -> int:
    """The CSV line (header = 1) of the row whose ``key`` is ``key_value`` in data/."""
    frame = pd.read_csv(DATA / rel, dtype=str, keep_default_na=False)
    return int(frame.index[frame[key] == key_value][0]) + 2


# --- the default package ------------------------------------------------------------------------------------------


def test_default_package_validates_clean():
    assert validate_package(DATA) == []


def test_every_csv_is_described():
    descriptor = json.loads((DATA / DESCRIPTOR).read_text(encoding="utf-8"))
    described = {r["path"] for r in descriptor["resources"]}
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.suffix in (".csv", ".geojson")}
    assert on_disk <= described
    assert "plan/plan_source.txt" in described


def test_tables_load_typed_as_the_layers_load_them(default_package):
    projects = default_package.table("projects")
    pd.testing.assert_frame_equal(projects, load_projects(), check_dtype=True)
    assert projects["declared_mu"].isna().sum() == 1  # 表5 row 2 is "——": unknown, not 0


def test_foreign_keys_and_enums_are_declared():
    descriptor = json.loads((DATA / DESCRIPTOR).read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in descriptor["resources"]}
    fks = {(fk["fields"][0], fk["reference"]["resource"]) for fk in by_name["projects"]["schema"]["foreignKeys"]}
    assert {("track_id", "tracks"), ("zone_id", "zones")} <= fks
    basis = next(f for f in by_name["projects"]["schema"]["fields"] if f["name"] == "zone_basis")
    assert basis["constraints"]["enum"] == ["stated", "inferred", "none"]
    mu = next(f for f in by_name["projects"]["schema"]["fields"] if f["name"] == "declared_mu")
    assert (mu["type"], mu["geo:unit"]) == ("number", "亩")
    for res in by_name.values():
        if "schema" in res and res["name"] != "plan":  # plan.csv is one row
            assert res["schema"].get("primaryKey"), res["name"]
            assert all(f.get("title") for f in res["schema"]["fields"]), res["name"]


# --- the metadata equals the code's constants ---------------------------------------------------------------------


def test_metadata_equals_the_codes_constants(default_package):
    meta = default_package.meta
    assert meta["format_version"] == FORMAT_VERSION == 1
    info = load_plan_info()
    assert (meta["title_zh"], meta["title_en"]) == (info["title_zh"], info["title_en"])
    assert (meta["period"]["start"], meta["period"]["end"]) == plan_period()
    glossary = load_glossary().set_index("key")
    assert meta["structure"]["zh"] == glossary.at[meta["structure"]["glossary_key"], "zh"] == "一核双圈两片"
    assert meta["structure"]["en"] == glossary.at["structure", "en"]
    # the local CRS: geo/crs.py, now read from the package; the old constants' values
    assert f"EPSG:{meta['crs']['local_epsg']}" == crs.local_crs() == "EPSG:4544"
    assert f"EPSG:{meta['crs']['local_zoned_epsg']}" == crs.local_zoned_crs() == "EPSG:4523"
    assert f"EPSG:{meta['crs']['storage_epsg']}" == crs.WGS84
    assert f"EPSG:{meta['crs']['geographic_epsg']}" == crs.CGCS2000
    assert (meta["map"]["area_centre"]["lon"], meta["map"]["area_centre"]["lat"]) == crs.plan_area_centre()
    assert crs.equal_area() == ("+proj=laea +lat_0=29.55 +lon_0=106.33 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs "
                                "+type=crs")  # the old EQUAL_AREA, now centred on the plan's area
    assert dict(crs.EXPORT_CRS) == OLD_EXPORT_CRS
    # the map's centre and zoom: geo/mapview/plan.py reads them (CENTRE is lat, lon)
    assert (meta["map"]["centre"]["lat"], meta["map"]["centre"]["lon"]) == mapview_plan.CENTRE == (29.58, 106.33)
    assert mapview_plan.map_view() == ((29.58, 106.33), 12) == ((29.58, 106.33), meta["map"]["zoom"])
    # the footnote: geo/plan/notes.py reads it
    assert meta["footnote"]["zh"] == notes.FOOTNOTE_ZH == "到2025年该产业平台全部完成开发、入驻饱和后的预计产值指标"
    assert meta["footnote"]["full_zh"] == notes.FOOTNOTE_FULL_ZH == (
        "表2中产值目标为到2025年该产业平台全部完成开发、入驻饱和后的预计产值指标，表3、表4、表5、表6同理。")
    assert meta["footnote"]["line"] == notes.FOOTNOTE_LINE == notes.footnote().line == 142
    assert meta["footnote"]["full_zh"].startswith(f"表{meta['footnote']['table']}中")


#: geo.crs.EXPORT_CRS before it was read from the package.
OLD_EXPORT_CRS = {
    "EPSG:4326": ("WGS84 经纬度", "WGS84 lon/lat"),
    "EPSG:4490": ("CGCS2000 经纬度", "CGCS2000 lon/lat"),
    "EPSG:4544": ("CGCS2000 高斯-克吕格 3度带 中央经线105°E", "CGCS2000 Gauss–Krüger 3° CM 105E"),
    "EPSG:4523": ("CGCS2000 高斯-克吕格 3度带 第35带（东坐标带号35）",
                  "CGCS2000 Gauss–Krüger 3° zone 35 (easting with prefix 35)"),
}


def test_table_numbering_equals_the_notes(default_package):
    tables = default_package.meta["tables"]
    row = {"table": 5, "row": 7, "name_en": "Creative Projects Expansion Area", "name_zh": "文创项目拓展区"}
    words = notes.project_name(row)
    assert words.en == tables["row_en"].format(**row) + ", " + row["name_en"]
    assert words.zh == tables["row_zh"].format(**row) + row["name_zh"]
    rows = pd.DataFrame({"table": [2, 2, 2], "row": [1, 2, 3], "name_en": ["a"] * 3, "name_zh": ["b"] * 3})
    listed = notes.table_rows(rows)
    assert listed.en == tables["rows_en"].format(table=2, rows="1–3")
    assert listed.zh == tables["rows_zh"].format(table=2, rows="1–3")
    projects = default_package.table("projects")
    tabled = projects[projects["table"].notna()]
    assert list(tabled["project_id"]) == [tables["project_id"].format(table=t, row=r)
                                          for t, r in zip(tabled["table"], tabled["row"], strict=True)]
    text_only = projects[projects["table"].isna()]
    assert list(text_only["project_id"]) == [tables["text_only_id"].format(n=n + 1) for n in range(len(text_only))]
    numbers = sorted(int(t.removeprefix("表")) for t in default_package.table("tracks")["table"].dropna())
    assert tables["numbers"] == numbers


def test_usable_land_rule_equals_the_reconciliation(default_package):
    rule = default_package.meta["usable_land"]
    reconcile = importlib.import_module("geo.plan.reconcile")  # geo.plan.reconcile is also a function
    marker = rule["marker_zh"]
    assert reconcile.usable_marker() == marker == "可用"  # the marker the reconciliation used as a constant
    source = inspect.getsource(reconcile)
    assert 'str.contains(usable_marker(), regex=False)' in source  # targets.quote holds the marker
    assert 'p.get("area_note") == usable_marker()' in source  # projects.area_note is the marker
    assert '"可用"' not in source
    assert rule["fields"] == ["projects.area_note", "targets.quote"]
    projects = default_package.table("projects")
    assert set(projects["area_note"].dropna()) == {marker}


# --- bad input: one problem each, with file, row and field --------------------------------------------------------


def _remove_file(folder: Path) -> None:
    (folder / "plan" / "targets.csv").unlink()


def _rename_column(folder: Path) -> None:
    edit_csv(folder, "plan/projects.csv", lambda f: f.rename(columns={"declared_mu": "area_mu"}))


def _duplicate_id(folder: Path) -> None:
    set_cell("plan/projects.csv", "project_id", "T2-2", "project_id", "T2-1")(folder)


def _newer(folder: Path) -> None:
    edit_meta(folder, lambda m: m.__setitem__("format_version", FORMAT_VERSION + 1))


def _unknown_epsg(folder: Path) -> None:
    edit_meta(folder, lambda m: m["crs"].__setitem__("local_epsg", 99999))


BAD: dict[str, tuple[Callable[[Path], None], str, int | None, str | None, str]] = {
    # name: (break it, file, row, field, words of the problem)
    "missing file": (_remove_file, "plan/targets.csv", None, None, "file is missing"),
    "column renamed": (_rename_column, "plan/projects.csv", 1, "declared_mu", "'area_mu'"),
    "track not defined": (set_cell("plan/projects.csv", "project_id", "T2-3", "track_id", "ai"),
                          "plan/projects.csv", line_of("plan/projects.csv", "project_id", "T2-3"), "track_id",
                          "'ai' is not defined in plan/tracks.csv"),
    "mu is text": (set_cell("plan/projects.csv", "project_id", "T3-1", "declared_mu", "三百"),
                   "plan/projects.csv", line_of("plan/projects.csv", "project_id", "T3-1"), "declared_mu",
                   "'三百' is not a number"),
    "duplicate id": (_duplicate_id, "plan/projects.csv", line_of("plan/projects.csv", "project_id", "T2-2"),
                     "project_id", "'T2-1' is used twice"),
    "coordinates outside China": (set_cell("context/places.csv", "name_zh", "曾家镇", "lon_wgs84", "6.29778"),
                                  "context/places.csv", line_of("context/places.csv", "name_zh", "曾家镇"),
                                  "lon_wgs84", "outside China"),
    "unknown EPSG": (_unknown_epsg, DESCRIPTOR, None, f"{PLAN_KEY}.crs.local_epsg", "EPSG:99999"),
    "newer format": (_newer, DESCRIPTOR, None, f"{PLAN_KEY}.format_version",
                     f"format version {FORMAT_VERSION + 1}"),
    "anchor not in the gazetteer": (set_cell("plan/projects.csv", "project_id", "T4-1", "anchor_zh", "火星基地"),
                                    "plan/projects.csv", line_of("plan/projects.csv", "project_id", "T4-1"),
                                    "anchor_zh", "'火星基地' is not in the gazetteer"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gives_one_problem(case: str, copy: Path):
    breaker, file, row, field, words = BAD[case]
    breaker(copy)
    problems = validate_package(copy)
    assert len(problems) == 1, [p.line() for p in problems]
    problem = problems[0]
    assert isinstance(problem, Problem)
    assert (problem.file, problem.row, problem.field) == (file, row, field)
    assert words in problem.message
    assert problem.fix


@pytest.mark.parametrize("case", ["missing file", "track not defined", "mu is text", "newer format"])
def test_validate_cli_one_line_exit_2(case: str, copy: Path, capsys, monkeypatch):
    breaker, file, row, field, words = BAD[case]
    breaker(copy)
    code, _, err = geo(capsys, monkeypatch, "plan", "validate", str(copy))
    assert code == 2
    one_line(err, words)
    line = err.strip()
    assert f"{copy}/{file}" in line
    if row is not None:
        assert f"row {row}" in line
    if field is not None:
        assert f"field {field}" in line


def test_validate_cli_clean_and_json(capsys, monkeypatch, copy: Path):
    code, out, err = geo(capsys, monkeypatch, "plan", "validate", str(DATA))
    assert (code, err) == (0, "") and "valid" in out
    _rename_column(copy)
    code, out, _ = geo(capsys, monkeypatch, "plan", "validate", str(copy), "--format", "json")
    assert code == 2
    assert json.loads(out) == [{"file": "plan/projects.csv", "row": 1, "field": "declared_mu",
                                "message": "the column is named 'area_mu', the schema names it 'declared_mu'",
                                "fix": "Rename the column to declared_mu (or change its name in datapackage.json)"}]


def test_validate_cli_says_problems_in_the_lang_given(capsys, monkeypatch, copy: Path):
    """English unless the command line gives --lang (as errors are printed); then the catalogue's words."""
    _rename_column(copy)
    code, _, err = geo(capsys, monkeypatch, "plan", "validate", str(copy), "--lang", "zh")
    assert code == 2
    assert err.strip() == (f"{copy}/plan/projects.csv，第 1 行，字段 declared_mu：该列名为 'area_mu'，表结构中的名称是 "
                           "'declared_mu'。请将该列重命名为 declared_mu（或在 datapackage.json 中修改其名称）")
    code, _, english = geo(capsys, monkeypatch, "plan", "validate", str(copy))
    assert code == 2 and english.strip() == (f"{copy}/plan/projects.csv, row 1, field declared_mu: the column is named "
                                             "'area_mu', the schema names it 'declared_mu'. Rename the column to "
                                             "declared_mu (or change its name in datapackage.json)")
    code, out, _ = geo(capsys, monkeypatch, "plan", "validate", str(DATA), "--lang", "zh")
    assert code == 0 and out.strip() == f"{DATA}：规划包有效。"


def test_several_problems_are_all_reported(copy: Path):
    _remove_file(copy)
    set_cell("plan/projects.csv", "project_id", "T3-1", "declared_mu", "三百")(copy)
    _unknown_epsg(copy)
    assert {(p.file, p.field) for p in validate_package(copy)} == {
        ("plan/targets.csv", None), ("plan/projects.csv", "declared_mu"), (DESCRIPTOR, f"{PLAN_KEY}.crs.local_epsg")}


def test_a_package_that_cannot_be_loaded(tmp_path: Path, copy: Path, capsys, monkeypatch):
    with pytest.raises(PackageError, match=r"has no datapackage\.json"):
        load_package(tmp_path)
    (copy / DESCRIPTOR).write_text("{not json", encoding="utf-8")
    with pytest.raises(PackageError, match="not valid UTF-8 JSON"):
        load_package(copy)
    assert [p.file for p in validate_package(copy)] == [DESCRIPTOR]
    code, _, err = geo(capsys, monkeypatch, "plan", "diff", str(DATA), str(tmp_path / "nowhere"))
    assert code == 2
    one_line(err, "is not a folder")


def test_load_refuses_a_bad_cell_and_points_to_validate(copy: Path):
    set_cell("plan/projects.csv", "project_id", "T3-1", "declared_mu", "三百")(copy)
    with pytest.raises(PackageError, match="plan validate"):
        load_package(copy)


def test_references_and_unknown_types_are_refused_without_fetching(copy: Path):
    descriptor = json.loads((copy / DESCRIPTOR).read_text(encoding="utf-8"))
    zones = next(r for r in descriptor["resources"] if r["name"] == "zones")
    zones["schema"] = "https://example.invalid/zones-schema.json"
    (copy / DESCRIPTOR).write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    problems = validate_package(copy)
    assert [(p.file, p.field) for p in problems] == [(DESCRIPTOR, "resources.zones.schema")]
    with pytest.raises(PackageError, match="not written inline"):
        load_package(copy)
    projects = next(r for r in descriptor["resources"] if r["name"] == "projects")
    next(f for f in projects["schema"]["fields"] if f["name"] == "declared_mu")["type"] = "numbr"
    zones["path"] = "../../outside.csv"
    zones["schema"] = {"fields": []}
    (copy / DESCRIPTOR).write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PackageError, match="outside the package folder"):
        load_package(copy)
    fields = {p.field for p in validate_package(copy)}
    assert "resources.zones.path" in fields and any("numbr" in p.message for p in validate_package(copy))


# --- plan diff ----------------------------------------------------------------------------------------------------


def test_diff_with_itself_is_empty(default_package, capsys, monkeypatch):
    result = diff_plans(default_package, default_package)
    assert result.is_empty()
    assert not (result.added or result.removed or result.changed or result.metadata)
    assert (result.zones["mu_diff"].fillna(0) == 0).all() and (result.tracks["mu_diff"].fillna(0) == 0).all()
    code, out, _ = geo(capsys, monkeypatch, "plan", "diff", str(DATA), str(DATA), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["empty"] and data["added"] == data["removed"] == data["changed"] == []
    code, out, _ = geo(capsys, monkeypatch, "plan", "diff", str(DATA), str(DATA))
    assert code == 0 and "No differences" in out


MOVED, REMOVED, RESIZED = "T2-2", "T5-3", "T3-1"


@pytest.fixture
def edited(copy: Path) -> Path:
    """data/ with T2-2 moved to 金凤, T5-3 removed and T3-1's mu changed to 500."""
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame["project_id"] == MOVED, "zone_id"] = "jinfeng"
        frame.loc[frame["project_id"] == RESIZED, "declared_mu"] = "500"
        return frame[frame["project_id"] != REMOVED]
    edit_csv(copy, "plan/projects.csv", change)
    return copy


def _sums(path: Path, key: str) -> pd.Series:
    frame = pd.read_csv(path, dtype={"zone_id": str, "track_id": str})
    return frame.assign(k=frame[key].fillna("none")).groupby("k")["declared_mu"].sum()


def test_diff_reports_exactly_the_three_edits(edited: Path, capsys, monkeypatch):
    code, out, _ = geo(capsys, monkeypatch, "plan", "diff", str(DATA), str(edited), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["added"] == []
    assert [r["project_id"] for r in data["removed"]] == [REMOVED]
    changed = {c["project_id"]: c["changes"] for c in data["changed"]}
    assert changed == {MOVED: {"zone_id": ["xiyong", "jinfeng"]}, RESIZED: {"declared_mu": [17.0, 500.0]}}
    assert {c["matched_by"] for c in data["changed"]} == {"id"}
    for key, section in (("zone_id", "zones"), ("track_id", "tracks")):
        a = _sums(DATA / "plan" / "projects.csv", key)
        b = _sums(edited / "plan" / "projects.csv", key)
        expected = b.reindex(a.index.union(b.index), fill_value=0) - a.reindex(a.index.union(b.index), fill_value=0)
        got = {r["key"]: r["mu_diff"] for r in data[section]}
        assert set(got) == set(expected.index)
        for k, diff in expected.items():
            assert got[k] == pytest.approx(float(diff)), (section, k)
        assert {r["key"]: r["mu_b"] for r in data[section]} == pytest.approx(b.to_dict())
    code, out, _ = geo(capsys, monkeypatch, "plan", "diff", str(DATA), str(edited))
    assert code == 0
    assert "Removed (only in A): 1" in out and "Changed: 2" in out and "Added (only in B): 0" in out
    assert "zone_id xiyong → jinfeng" in out and "declared_mu 17 → 500" in out


def test_diff_matches_a_renumbered_project_by_name(default_package, copy: Path):
    set_cell("plan/projects.csv", "project_id", "T4-3", "project_id", "T4-9")(copy)
    result = diff_plans(default_package, load_package(copy))
    assert not result.added and not result.removed
    assert [(c.project_id, c.project_id_b, c.matched_by, c.changes) for c in result.changed] == [
        ("T4-3", "T4-9", "name", {"project_id": ("T4-3", "T4-9")})]


# --- plan template ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("filled", [False, True])
def test_template_workbook(filled: bool, tmp_path: Path, capsys, monkeypatch, default_package):
    out = tmp_path / "规划模板.xlsx"
    code, _, err = geo(capsys, monkeypatch, "plan", "template", "-o", str(out), *(["--filled"] if filled else []))
    assert code == 0, err
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["规划", "赛道", "空间单元", "项目", "目标", "地名"] == list(TEMPLATE_SHEETS)
    for sheet_name, res_name in TEMPLATE_SHEETS.items():
        fields = default_package.resource(res_name)["schema"]["fields"]
        rows = list(book[sheet_name].iter_rows(values_only=True))
        meta = META_FIELDS if sheet_name == "规划" else ()  # 规划 also holds the plan's metadata (geo:plan)
        assert list(rows[0]) == [f["name"] for f in fields] + [m.name for m in meta]
        assert list(rows[1]) == [f["title"] for f in fields] + [m.title for m in meta]
        assert len(rows) - 2 == (len(default_package.table(res_name)) if filled else 0)
    if filled:
        projects = list(book["项目"].iter_rows(min_row=3, values_only=True))
        header = [f["name"] for f in default_package.resource("projects")["schema"]["fields"]]
        t23 = dict(zip(header, next(r for r in projects if r[0] == "T2-3"), strict=True))
        assert (t23["declared_mu"], t23["output_yi"], t23["table"]) == (888, 80, 2)
        t52 = dict(zip(header, next(r for r in projects if r[0] == "T5-2"), strict=True))
        assert t52["declared_mu"] is None  # "——": an empty cell, never 0


def test_template_refuses_another_suffix(tmp_path: Path, capsys, monkeypatch):
    code, _, err = geo(capsys, monkeypatch, "plan", "template", "-o", str(tmp_path / "plan.csv"))
    assert code == 2
    one_line(err, ".xlsx")


def test_diff_lists_changed_metadata(default_package, copy: Path):
    edit_meta(copy, lambda m: m["map"].__setitem__("zoom", 13))
    result = diff_plans(default_package, load_package(copy))
    assert result.metadata == {"map.zoom": (12, 13)}
    assert not (result.added or result.removed or result.changed) and not result.is_empty()


def test_validate_without_a_folder_checks_the_plan_in_use_even_a_broken_one(capsys, monkeypatch, copy: Path):
    _rename_column(copy)
    monkeypatch.setenv("GEO_PLAN", str(copy))
    code, _, err = geo(capsys, monkeypatch, "plan", "validate")
    assert code == 2 and f"{copy}/plan/projects.csv" in err and "area_mu" in err  # its problems, not a refusal
    monkeypatch.delenv("GEO_PLAN")
    code, out, _ = geo(capsys, monkeypatch, "plan", "validate")
    assert code == 0 and str(DATA) in out
