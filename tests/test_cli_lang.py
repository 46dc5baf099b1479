"""Every command prints its lines in the language the command line's ``--lang`` gives, else English."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fixtures.cli import geo as geo_in  # in-process (capsys); `backend` is conftest's

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_rasterize_prints_in_the_lang_given(tmp_path: Path) -> None:
    """``rasterize``: English lines without --lang, Chinese ones with ``--lang zh``."""
    en = geo("rasterize", "--cell", "50", "-o", str(tmp_path / "en.tif"))
    assert en.returncode == 0, en.stderr
    assert en.stdout.startswith("grid: 207 x 261 cells of 50 m, EPSG:4544\n")
    assert f"wrote {tmp_path / 'en.tif'}\n" in en.stdout
    assert "parcels rasterised: 25; skipped (no polygon, area unknown): T5-2\n" in en.stdout
    zh = geo("rasterize", "--cell", "50", "-o", str(tmp_path / "zh.tif"), "--lang", "zh")
    assert zh.returncode == 0, zh.stderr
    assert zh.stdout.startswith("栅格：207 x 261 个像元，像元大小 50 米，EPSG:4544\n")
    assert f"已写入 {tmp_path / 'zh.tif'}\n" in zh.stdout
    assert "已栅格化地块：25；跳过（无多边形，面积未知）：T5-2\n" in zh.stdout
    assert "（面积误差在边界 cell/sqrt(2) 范围内）：是\n" in zh.stdout


def test_export_prints_in_the_lang_given(tmp_path: Path) -> None:
    """``export``: the line on what was written, and the layers' names in it, follow --lang."""
    en = geo("export", "--layer", "districts", "--format", "geojson", "-o", str(tmp_path / "d.geojson"))
    assert en.returncode == 0, en.stderr
    assert en.stdout == f"wrote {tmp_path / 'd.geojson'} (geojson, EPSG:4326; features: districts 7)\n"
    zh = geo("export", "--layer", "districts", "--format", "geojson", "-o", str(tmp_path / "d.geojson"),
             "--lang", "zh")
    assert zh.returncode == 0, zh.stderr
    assert zh.stdout == f"已写入 {tmp_path / 'd.geojson'}（geojson，EPSG:4326；要素：行政区 7）\n"


def test_check_prints_in_the_lang_given(tmp_path: Path) -> None:
    """``check``: the summary lines, the severities and the checks' names follow --lang."""
    import pyogrio

    from layers import load_parcels

    survey = tmp_path / "测绘成果.gpkg"
    plan = load_parcels().set_index("project_id")
    layer = plan.loc[["T2-3", "T2-3"], ["name_zh"]].reset_index(drop=True).rename(columns={"name_zh": "名称"})
    pyogrio.write_dataframe(layer.set_geometry(list(plan.geometry[["T2-3", "T2-3"]]), crs="EPSG:4326"),
                            survey, driver="GPKG")
    csv = tmp_path / "findings.csv"
    en = geo("check", str(survey), "--name-field", "名称", "--findings-csv", str(csv))
    assert en.returncode == 0, en.stderr
    assert en.stdout.startswith("测绘成果.gpkg: geopackage, 2 features; CRS ")
    assert "\nmatched 2 of 2 features to 1 projects; measured " in en.stdout
    assert "findings on " in en.stdout and " error, " in en.stdout
    assert "  duplicate               1  duplicate parcel\n" in en.stdout
    assert en.stdout.endswith(f"findings CSV written to {csv}\n")
    zh = geo("check", str(survey), "--name-field", "名称", "--findings-csv", str(csv), "--lang", "zh")
    assert zh.returncode == 0, zh.stderr
    assert zh.stdout.startswith("测绘成果.gpkg：geopackage，2 个要素；坐标系（")
    assert "\n2 个要素中 2 个匹配到 1 个项目；实测 " in zh.stdout
    assert "条问题：错误 " in zh.stdout
    assert "  duplicate               1  重复地块\n" in zh.stdout
    assert zh.stdout.endswith(f"问题清单 CSV 已写入 {csv}\n")



def test_users_lines_in_each_language(backend, capsys, monkeypatch):
    code, out, err = geo_in(capsys, monkeypatch, "users", "list")
    assert code == 0, err
    assert out == ("no accounts: the app runs single-user on this machine only (localhost); served to other "
                   "computers it waits for the first administrator: `users add NAME --role admin`\n")
    code, out, err = geo_in(capsys, monkeypatch, "users", "list", "--lang", "zh")
    assert code == 0, err
    assert out == ("没有账户：应用仅在本机（localhost）以单用户方式运行；提供给其他计算机访问时，需先添加第一位管理员："
                   "`users add NAME --role admin`\n")
    code, out, err = geo_in(capsys, monkeypatch, "users", "add", "alice", "--role", "checker", "--lang", "zh",
                         stdin="alice-Secret-1\n")
    assert (code, out) == (0, "已添加 alice（checker）\n"), err
    code, out, err = geo_in(capsys, monkeypatch, "users", "add", "bob", "--role", "viewer", stdin="bob-Secret-22\n")
    assert (code, out) == (0, "added bob (viewer)\n"), err
    assert geo_in(capsys, monkeypatch, "users", "disable", "bob", "--lang", "zh")[1] == "bob：已停用\n"
    assert geo_in(capsys, monkeypatch, "users", "enable", "bob")[1] == "bob: enabled\n"
    code, out, _ = geo_in(capsys, monkeypatch, "users", "set-role", "bob", "checker", "--lang", "zh")
    assert out == "bob：角色 checker\n"


def test_workspace_lines_in_each_language(backend, capsys, monkeypatch):
    assert geo_in(capsys, monkeypatch, "workspace", "list")[1] == "no saved uploads\n"
    assert geo_in(capsys, monkeypatch, "workspace", "list", "--lang", "zh")[1] == "没有保存的上传\n"
    assert geo_in(capsys, monkeypatch, "workspace", "list", "--deleted")[1] == "no deleted uploads\n"
    assert geo_in(capsys, monkeypatch, "workspace", "list", "--deleted", "--lang", "zh")[1] == "没有已删除的上传\n"


def test_draft_lines_in_each_language(backend, capsys, monkeypatch):
    assert geo_in(capsys, monkeypatch, "draft", "list")[1] == "no drafts\n"
    assert geo_in(capsys, monkeypatch, "draft", "list", "--lang", "zh")[1] == "没有草稿\n"
    assert geo_in(capsys, monkeypatch, "draft", "unuse")[1] == "no draft is in use for the plan\n"
    assert geo_in(capsys, monkeypatch, "draft", "unuse", "--lang", "zh")[1] == "规划未使用任何草稿\n"
