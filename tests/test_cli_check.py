"""``python -m geo check``: run as a user runs it, in a subprocess, on files GDAL wrote."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely

from layers import load_parcels

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geo", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> Path:
    """T2-3 as planned, T2-4 scaled by 1.05 (+10.25 % area), a copy of T2-3; in EPSG:4544, names in Chinese."""
    plan = load_parcels().set_index("project_id")
    t23, t24 = plan.geometry["T2-3"], plan.geometry["T2-4"]
    layer = plan.loc[["T2-3", "T2-4", "T2-3"], ["name_zh"]].reset_index(drop=True).rename(columns={"name_zh": "名称"})
    layer = layer.set_geometry([t23, shapely.affinity.scale(t24, 1.05, 1.05), t23], crs="EPSG:4326").to_crs("EPSG:4544")
    path = tmp_path_factory.mktemp("cli") / "测绘成果.gpkg"
    pyogrio.write_dataframe(layer, path, driver="GPKG")
    return path


def test_json(survey):
    run = geo(str(survey), "--name-field", "名称", "--format", "json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    s = out["summary"]
    assert (s["file"], s["crs"], s["crs_basis"], s["features"], s["matched"], s["projects"]) == (
        "测绘成果.gpkg",
        "EPSG:4544",
        "file",
        3,
        3,
        2,
    )
    assert s["by_check"]["area_mismatch"] == 2 and s["by_check"]["duplicate"] == 1
    assert set(out["findings"][0]) == {"feature", "project_id", "check", "severity", "message", "message_zh", "value",
                                       "detail", "parcel_name", "parcel_name_en", "point", "ring", "x", "y",
                                       "fix_zh", "fix_en"}  # fields added for officials (issue 22), none renamed
    dup = [{k: f[k] for k in ("feature", "project_id", "check", "severity", "message", "message_zh", "value",
                              "detail")} for f in out["findings"] if f["check"] == "duplicate"]
    assert dup == [
        {
            "feature": 3,
            "project_id": "T2-3",
            "check": "duplicate",
            "severity": "error",
            "message": "same geometry as feature 1",
            "message_zh": "与要素 1 的几何完全相同",
            "value": 1.0,
            "detail": None,
        }
    ]
    t24 = next(f for f in out["findings"] if f["check"] == "area_mismatch" and f["project_id"] == "T2-4")
    assert t24["feature"] == 2 and "against 700.0 mu allocated (+10.25 %, tolerance 1 %)" in t24["message"]
    assert t24["message_zh"] == "实测 771.75 亩，规划分配 700 亩（+10.25%，容差 1%）"
    t23 = next(f for f in out["findings"] if f["check"] == "area_mismatch" and f["project_id"] == "T2-3")
    assert t23["feature"] is None and t23["message"].startswith("2 parcels together measure 1776.0")
    assert t23["message_zh"] == "同一项目的 2 个地块合计实测 1776 亩，规划分配 888 亩（+100%，容差 1%）"


def test_tolerance_option(survey):
    out = json.loads(geo(str(survey), "--name-field", "名称", "--format", "json", "--tolerance", "20").stdout)
    assert [f["project_id"] for f in out["findings"] if f["check"] == "area_mismatch"] == ["T2-3"]


def test_table_and_report(survey, tmp_path):
    report = tmp_path / "report.html"
    run = geo(str(survey), "--name-field", "名称", "-o", str(report))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "测绘成果.gpkg: geopackage, 3 features; CRS from the file: EPSG:4544"
    assert "3 findings on 2 features: 1 error, 2 warning, 0 info" in lines
    assert any("same geometry as feature 1" in line for line in lines)
    assert lines[-1] == f"report written to {report}"
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") == 1 and 'class="flag"' in html
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "same geometry as feature 1" in html and "测绘成果.gpkg" in html


def test_html_report_says_words_not_keys(survey, tmp_path):
    """The -o report's Chinese (and English) text names checks, severities and columns in words: no internal key."""
    report = tmp_path / "report.html"
    run = geo(str(survey), "--name-field", "名称", "-o", str(report))
    assert run.returncode == 0, run.stderr
    page = report.read_text(encoding="utf-8")
    text = re.sub(r"<style>.*?</style>|<svg.*?</svg>|<[^>]+>", " ", page, flags=re.S)
    keys = re.compile(r"area_mismatch|project_id|parcel_name|message_zh|fix_zh|measured_mu|[a-z]+_[a-z]+|"
                      r"Self-intersection|\bNone\b|\bnan\b|<NA>")
    assert not keys.search(html.unescape(text)), keys.search(html.unescape(text))
    for words in ("检查 / check", "级别 / severity", "地块 / parcel", "项目编号 / plan project",
                  "整改建议 / how to fix", "面积与规划不符\narea differs from allocation", "警告\nwarning",
                  "重复地块\nduplicate parcel"):
        assert words in text, words


def test_findings_csv_in_chinese_and_english(survey, tmp_path):
    zh, en = tmp_path / "问题清单.csv", tmp_path / "findings.csv"
    run = geo(str(survey), "--name-field", "名称", "--findings-csv", str(zh))  # Chinese by default
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == f"findings CSV written to {zh}"
    assert zh.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(zh, encoding="utf-8-sig")
    assert back.columns.tolist() == ["序号/要素", "项目编号", "检查项", "严重程度", "说明", "数值", "单位",
                                     "地块", "界址点号", "圈号", "X", "Y", "整改建议"]  # parcels named as in the file
    assert "科学谷前沿科技孵化片区" in back["地块"].tolist() and back["整改建议"].notna().all()
    rows = back.set_index("检查项")
    assert rows.at["重复地块", "单位"] == "要素序号" and rows.at["重复地块", "数值"] == 1
    mismatch = back[back["检查项"] == "面积与规划不符"]
    assert mismatch["单位"].unique().tolist() == ["亩"] and mismatch["严重程度"].unique().tolist() == ["警告"]
    assert all(round(v, 3) == v for v in mismatch["数值"])  # mu to 3 decimals
    assert "实测" in mismatch["说明"].iloc[0]
    run = geo(str(survey), "--name-field", "名称", "--format", "json", "--findings-csv", str(en), "--csv-lang", "en")
    assert run.returncode == 0, run.stderr
    json.loads(run.stdout)  # stdout stays pure JSON
    english = pd.read_csv(en, encoding="utf-8-sig")
    assert english.columns.tolist()[6:9] == ["value", "detail", "unit"] and "message_zh" in english.columns
    assert english.columns.tolist()[9:] == ["parcel_name", "parcel_name_en", "point", "ring", "x", "y", "fix_zh",
                                            "fix_en"]  # added after the columns the CSV always had
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([zh.name, en.name])  # no temporary files left
    run = geo(str(survey), "--findings-csv", str(tmp_path / "missing" / "f.csv"))
    assert run.returncode == 2 and "the output folder does not exist" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b'{"type": "FeatureCollection", "features": [', "broken.geojson", "not valid JSON"),
        (b"II*\x00" + b"\x00" * 64, "image.geojson", "TIFF/GeoTIFF raster"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(tmp_path, content, name, words):
    path = tmp_path / name
    path.write_bytes(content)
    run = geo(str(path), "--format", "json")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"python -m geo check: {name}: ") and words in run.stderr


def test_missing_file_and_wrong_crs(survey, tmp_path):
    run = geo(str(tmp_path / "nope.zip"))
    assert (run.returncode, run.stderr) == (
        2,
        "python -m geo check: nope.zip: the file does not exist. Check the path\n",
    )
    run = geo(str(survey), "--crs", "EPSG:32631")
    assert run.returncode == 2 and "far outside China" in run.stderr
    run = geo(str(survey), "--crs", "EPSG:999999")
    assert run.returncode == 2 and "is not a coordinate reference system" in run.stderr


def test_a_read_warning_is_said_in_the_lang_the_command_line_gives(survey, tmp_path):
    """A reader's warning (catalogue words) prints in English, as before, unless the command line gives --lang."""
    named = tmp_path / "测绘成果.geojson"  # a GeoPackage under a GeoJSON name: read, with a warning
    named.write_bytes(survey.read_bytes())
    en = geo(str(named))
    assert en.returncode == 0
    assert "warning: 测绘成果.geojson: the name says .geojson but the content is GeoPackage; read as GeoPackage\n" \
        in en.stdout
    zh = geo(str(named), "--lang", "zh")
    assert zh.returncode == 0
    assert "警告：测绘成果.geojson：文件名后缀为 .geojson，但内容是 GeoPackage；已按 GeoPackage 读取\n" in zh.stdout
    assert "the name says" not in zh.stdout
