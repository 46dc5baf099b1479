"""``python -m geo figure``: run as a user runs it — files, sizes, fonts, notes, one-line errors."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely
from PIL import Image

from tests.fixtures.stores import created

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str, workspace: Path | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)} | ({"GEO_WORKSPACE": str(workspace)} if workspace else {})
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def pdf_words(path: Path) -> str:
    if not shutil.which("pdftotext"):
        from tests.test_figure import _text_from_pdf_bytes
        return re.sub(r"\s+", "", _text_from_pdf_bytes(path.read_bytes()))
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                             check=True).stdout)


def test_png_a4_landscape_by_default(tmp_path):
    out = tmp_path / "map.png"
    run = geo("figure", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"wrote {out} (png, A4 landscape, 2339 x 1654 px at 200 dpi; 26 parcels")
    assert Image.open(io.BytesIO(out.read_bytes())).size == (2339, 1654)
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary file left


def test_pdf_a3_portrait_in_wgs84_is_projected_and_says_so(tmp_path):
    out = tmp_path / "map.pdf"
    run = geo("figure", "-o", str(out), "--size", "A3", "--orientation", "portrait", "--crs", "EPSG:4326")
    assert run.returncode == 0, run.stderr
    assert "EPSG:4326 is geographic" in run.stderr and "EPSG:4544" in run.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"NotoSansCJK" in data
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert box and (round(float(box.group(1)) / 72 * 25.4), round(float(box.group(2)) / 72 * 25.4)) == (297, 420)
    words = pdf_words(out)
    assert "《重庆高新区“十四五”高技术服务业发展规划》" in words and "A3原大打印" in words
    assert "所选EPSG:4326为地理坐标系" in words


def test_surveyed_geometry_is_drawn_and_noted(tmp_path, parcels):
    survey = parcels[parcels["project_id"] == "T4-1"][["project_id", "geometry"]].copy()
    path = tmp_path / "survey.gpkg"
    pyogrio.write_dataframe(survey.set_geometry([shapely.affinity.scale(g, 1.1, 1.1) for g in survey.geometry])
                            .to_crs("EPSG:4544"), path, driver="GPKG")
    ws = created(tmp_path / "ws")
    assert geo("check", str(path), "--name-field", "project_id", "--save", "--use-surveyed",
               workspace=ws).returncode == 0
    out = tmp_path / "surveyed.pdf"
    run = geo("figure", "-o", str(out), "--surveyed", workspace=ws)
    assert run.returncode == 0, run.stderr
    assert "1个项目为测绘几何（surveyed）" in pdf_words(out)
    plain = tmp_path / "plain.pdf"
    assert geo("figure", "-o", str(plain), workspace=ws).returncode == 0
    assert "几何为示意（indicative），非测绘成果" in pdf_words(plain)


def test_a_user_error_exits_2_with_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "geo", "figure", "-o", "map.svg"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and run.stdout == "" and list(tmp_path.iterdir()) == []
    assert run.stderr == ("python -m geo figure: -o: cannot tell the format from 'map.svg'. "
                          "Name the file .png or .pdf, or give --format png|pdf\n")


@pytest.mark.parametrize(("args", "words"), [
    (["-o", "missing/map.png"], "the folder does not exist"),
    (["-o", "m.png", "--crs", "EPSG:4978"], "neither projected nor geographic"),
    (["-o", "m.png", "--crs", "nonsense"], "is not a coordinate reference system"),
    (["-o", "m.png", "--dpi", "5"], "outside 72–600"),
])
def test_user_errors_are_one_line(tmp_path, monkeypatch, capsys, args, words):
    from geo.cli import main  # in-process: the same code path as above, without a new interpreter per case
    monkeypatch.chdir(tmp_path)
    assert main(["figure", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and list(tmp_path.iterdir()) == []


def test_format_option_writes_through_a_fifo(tmp_path):
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    copy = f"import sys; sys.stdout.buffer.write(open({str(fifo)!r}, 'rb').read())"
    reader = subprocess.Popen([sys.executable, "-c", copy], stdout=subprocess.PIPE)
    run = geo("figure", "-o", str(fifo), "--format", "png", "--dpi", "72")
    data = reader.communicate(timeout=300)[0]
    assert run.returncode == 0, run.stderr
    assert data.startswith(b"\x89PNG") and Image.open(io.BytesIO(data)).size == (842, 595)  # A4 at 72 dpi
    assert not fifo.is_file()  # still the FIFO


def test_without_matplotlib_the_command_says_what_to_install(tmp_path, monkeypatch, capsys):
    from geo.cli import main
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed: import fails
    monkeypatch.delitem(sys.modules, "geo.mapview.figure", raising=False)
    assert main(["figure", "-o", str(tmp_path / "m.png")]) == 2
    err = capsys.readouterr().err
    assert "needs matplotlib, which is not installed" in err and "pip install -r requirements.txt" in err
    assert main(["reconcile", "--format", "json"]) == 0  # every other command still works


def test_the_projection_note_is_said_in_the_lang_the_command_line_gives(tmp_path):
    """The note on stderr follows --lang, as errors do (English when the command line gives none)."""
    run = geo("figure", "-o", str(tmp_path / "map.png"), "--crs", "EPSG:4326", "--lang", "zh")
    assert run.returncode == 0, run.stderr
    assert run.stderr.startswith("说明：所选 EPSG:4326 为地理坐标系（单位为度）") and "EPSG:4544" in run.stderr
    assert "is geographic" not in run.stderr
