"""geo.mapview.figure: the print map as PNG and PDF — size, content, fonts, scale bar, CRS, atomic writes."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import layers
from geo.errors import CRSError, ExportError, FontError, UsageError
from geo.mapview import fonts
from geo.mapview.figure import (
    Paper,
    _ground_factors,
    _km_formatter,
    _nice_length,
    _tokens,
    drawing_crs,
    gk_zone,
    plan_figure,
    source_note,
    tables_label,
    write_figure,
)

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def plan():
    return layers.load_plan_info()


def figure(plan, *, fmt: str = "png", lang: str = "zh", paper: Paper | None = None, parcels=None, crs="EPSG:4544",
           **kw) -> bytes:
    parcels = layers.load_parcels() if parcels is None else parcels
    return plan_figure(
        parcels, tracks=layers.load_tracks(), title=str(plan[f"title_{lang}"]), period=str(plan["period"]),
        zones=layers.load_zones(), districts=layers.load_districts(), metro=layers.load_metro(),
        total=26, lang=lang, paper=paper or Paper("A4", "landscape", 200), fmt=fmt, crs=crs, printed=DAY, **kw,
    )


@pytest.fixture(scope="module")
def a4_png(plan) -> bytes:
    return figure(plan)


@pytest.fixture(scope="module")
def a4_pdf(plan) -> bytes:
    return figure(plan, fmt="pdf")


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text layer: pdftotext (poppler-utils) where installed, else the PDF's ToUnicode-mapped strings."""
    path = tmp_path / "f.pdf"
    path.write_bytes(data)
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return _text_from_pdf_bytes(data)


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes (escapes and octal codes resolved)."""
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def _text_from_pdf_bytes(data: bytes) -> str:
    """The text our PDFs show (2-byte Identity-H codes mapped through ToUnicode), for when poppler is missing."""
    streams = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    cmap: dict[int, str] = {}

    def uni(hexstr: bytes) -> str:
        return bytes.fromhex(hexstr.decode()).decode("utf-16-be")

    for s in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                cmap[int(src, 16)] = uni(dst)
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", s, re.S):
            ranges = rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)"
            for lo, hi, rest in re.findall(ranges, block):
                codes = range(int(lo, 16), int(hi, 16) + 1)
                if rest.startswith(b"["):
                    for code, dst in zip(codes, re.findall(rb"<([0-9A-Fa-f]+)>", rest), strict=False):
                        cmap[code] = uni(dst)
                else:
                    start = ord(uni(rest.strip(b"<>")))
                    for i, code in enumerate(codes):
                        cmap[code] = chr(start + i)
    lines = []
    string = rb"\((?:\\.|[^\\)])*\)"
    for s in streams:
        for op in re.finditer(rb"\[((?:\s*(?:" + string + rb"|-?[\d.]+))*)\s*\]\s*TJ|(" + string + rb")\s*Tj", s, re.S):
            parts = re.findall(string, op.group(1) or op.group(2), re.S)
            raw = b"".join(_literal(p[1:-1]) for p in parts)
            lines.append("".join(cmap.get(int.from_bytes(raw[i:i + 2], "big"), "") for i in range(0, len(raw) - 1, 2)))
    return "\n".join(lines)


# --- PNG ---------------------------------------------------------------------

def test_a4_landscape_png_at_200_dpi_has_the_paper_size_in_pixels(a4_png):
    assert a4_png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(a4_png))
    assert image.size == (2339, 1654)  # 297 × 210 mm at 200 dpi
    assert Paper("A4", "landscape", 200).pixels == (2339, 1654)


@pytest.mark.parametrize("size,orientation,dpi,expected", [
    ("A4", "portrait", 200, (1654, 2339)), ("A3", "landscape", 150, (2480, 1754)),
])
def test_other_papers_have_their_pixel_size(plan, size, orientation, dpi, expected):
    data = figure(plan, paper=Paper(size, orientation, dpi), lang="en")
    assert Image.open(io.BytesIO(data)).size == expected


def test_png_is_not_blank_and_holds_every_track_colour(a4_png):
    pixels = np.asarray(Image.open(io.BytesIO(a4_png)).convert("RGB")).reshape(-1, 3)
    white = (pixels == 255).all(axis=1)
    assert 0.05 < 1 - white.mean() < 0.9  # ink on the page, not a solid block
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    found = {tuple(c): n for c, n in zip(colours.tolist(), counts.tolist(), strict=True)}
    for track in layers.load_tracks().itertuples():
        # each track's parcels are filled with its tracks.csv colour (plus its legend swatch)
        assert found.get(hex_rgb(track.color), 0) > 500, (track.track_id, track.color)


def test_png_of_a_filtered_view_shows_only_that_track(plan):
    parcels = layers.load_parcels()
    testing = parcels[parcels["track_id"] == "testing"]
    data = figure(plan, parcels=testing, filters="筛选：检验检测")
    pixels = {tuple(p) for p in np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).reshape(-1, 3).tolist()}
    tracks = layers.load_tracks().set_index("track_id")["color"]
    assert hex_rgb(tracks["testing"]) in pixels
    assert hex_rgb(tracks["digital"]) not in pixels and hex_rgb(tracks["rd"]) not in pixels  # nor in the legend


# --- PDF ---------------------------------------------------------------------

def test_pdf_embeds_a_chinese_truetype_font(a4_pdf, tmp_path):
    assert a4_pdf.startswith(b"%PDF-")
    names = set(re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", a4_pdf))
    assert any(b"NotoSansCJK" in n for n in names), names  # subset (ABCDEF+) of Noto Sans CJK
    assert b"/FontFile2" in a4_pdf and b"/CIDFontType2" in a4_pdf  # TrueType glyphs, embedded (Type 42)
    assert b"/FontFile3" not in a4_pdf  # no CFF declared as TrueType (matplotlib #20870)
    if shutil.which("pdffonts"):
        path = tmp_path / "f.pdf"
        path.write_bytes(a4_pdf)
        run = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
        rows = [r.split() for r in run.stdout.splitlines()[2:]]
        assert rows and all("TrueType" in " ".join(r) and r[-5] == "yes" for r in rows), run.stdout  # emb = yes
        assert "Mismatch" not in run.stderr, run.stderr


def test_pdf_text_layer_has_the_title_and_notes(a4_pdf, plan, tmp_path):
    text = re.sub(r"\s+", "", pdf_text(a4_pdf, tmp_path))
    assert f"《{plan['title_zh']}》" in text
    assert "数据来源：" in text and "表2–表5" in text and "几何为示意（indicative），非测绘成果" in text
    assert "EPSG:4544" in text and "打印日期：2025-03-01" in text
    for name in ("研发孵化", "软件信息", "检验检测", "数字文创", "科技金融", "金凤检验检测片区"):
        assert name in text


def test_pdf_fallback_text_parser_reads_our_pdf(a4_pdf, plan):
    # the parser used when poppler-utils is missing must itself find the title
    assert plan["title_zh"] in re.sub(r"\s+", "", _text_from_pdf_bytes(a4_pdf))


def test_english_pdf_keeps_chinese_track_names(plan, tmp_path):
    text = " ".join(pdf_text(figure(plan, fmt="pdf", lang="en"), tmp_path).split())
    assert "Chongqing High-tech Zone" in text and "Source:" in text and "geometry is indicative" in text
    assert "研发孵化" in text and "R&D and incubation" in text


# --- scale bar, CRS, north --------------------------------------------------------

def test_scale_is_metres_on_the_ground_in_gauss_kruger():
    proj = drawing_crs("EPSG:4544", centre_lonlat=(106.33, 29.55))
    assert proj.code == "EPSG:4544" and not proj.reason
    from geo.crs import transformer
    x, y = transformer("EPSG:4326", "EPSG:4544").transform(106.33, 29.55)
    per_unit, north = _ground_factors(proj, (x, y))
    # GK scale factor at 1.33° from CM 105E is 1 + ~1.5e-4: a map metre is slightly less than a ground metre
    assert 0.9997 < per_unit < 0.99995
    # true north leans west of grid north east of the central meridian (convergence ≈ Δλ·sin φ ≈ 0.66°)
    assert -0.7 < north < -0.6
    ex, ey = transformer("EPSG:4326", "EPSG:4544").transform(106.335, 29.55)
    from pyproj import Geod
    ground = Geod(ellps="GRS80").inv(106.33, 29.55, 106.335, 29.55)[2]
    assert abs(np.hypot(ex - x, ey - y) * per_unit - ground) < 0.01  # 485 m step: right to the centimetre


def test_web_mercator_scale_factor_is_corrected():
    proj = drawing_crs("EPSG:3857", centre_lonlat=(106.33, 29.55))
    from geo.crs import transformer
    centre = transformer("EPSG:4326", "EPSG:3857").transform(106.33, 29.55)
    per_unit, _ = _ground_factors(proj, centre)
    assert per_unit == pytest.approx(np.cos(np.radians(29.55)), rel=1e-3)  # 1 map metre = 0.87 ground metres


@pytest.mark.parametrize("code", ["EPSG:4326", "EPSG:4490"])
def test_geographic_crs_is_drawn_in_the_gauss_kruger_zone_and_says_so(code):
    proj = drawing_crs(code, centre_lonlat=(106.33, 29.55), lang="zh")
    assert proj.code == "EPSG:4544" and proj.requested == code
    assert "地理坐标系" in proj.reason and "EPSG:4544" in proj.reason


def test_gk_zones_and_utm_outside_china():
    assert gk_zone(106.33) == "EPSG:4544" and gk_zone(75.2) == "EPSG:4534" and gk_zone(120.0) == "EPSG:4549"
    assert gk_zone(10.0) is None
    assert drawing_crs("EPSG:4326", centre_lonlat=(10.0, 50.0)).code == "EPSG:32632"


@pytest.mark.parametrize("bad", ["EPSG:4978", "not a crs"])
def test_unusable_crs_is_refused(bad):
    with pytest.raises(CRSError):
        drawing_crs(bad, centre_lonlat=(106.33, 29.55))


def test_frame_tick_labels_have_the_decimals_their_step_needs():
    # 500 m steps: never "3,268 km" twice
    assert [_km_formatter(500)(v) for v in (3_268_000, 3_268_500)] == ["3,268.0 km", "3,268.5 km"]
    assert _km_formatter(2000)(626_000) == "626 km"


def test_nice_scale_lengths():
    assert [_nice_length(v) for v in (3400.0, 1999.0, 760.0, 12.0)] == [2000.0, 1000.0, 500.0, 10.0]


# --- texts -------------------------------------------------------------------

def test_line_breaks_keep_words_and_closing_punctuation():
    tokens = _tokens("坐标系：CGCS2000 / 3-degree（EPSG:4544）")
    assert "CGCS2000 " in tokens and "系：" in tokens and tokens[-1] == "（EPSG:4544）"
    assert all(not t.startswith(("）", "，", "。", "：")) for t in tokens)


def test_source_note_follows_the_geometry_basis(plan):
    parcels = layers.load_parcels()
    args = {"title": str(plan["title_zh"]), "period": "2021–2025", "tables": "表2–表5", "lang": "zh"}
    assert source_note(parcels=parcels, **args).endswith("；几何为示意（indicative），非测绘成果")
    mixed = parcels.assign(geometry_basis=["surveyed", "surveyed"] + ["indicative"] * (len(parcels) - 2))
    assert "2 个项目为测绘几何" in source_note(parcels=mixed, **args)
    assert tables_label(layers.load_tracks()["table"], "zh") == "表2–表5"


def test_unknown_paper_and_format_are_refused(plan):
    with pytest.raises(UsageError):
        Paper("A5")
    with pytest.raises(UsageError):
        Paper("A4", "sideways")
    with pytest.raises(UsageError):
        Paper("A4", "landscape", 10)
    with pytest.raises(UsageError):
        figure(plan, fmt="svg")


def test_nothing_to_draw_is_a_clear_error(plan):
    empty = layers.load_parcels().iloc[0:0]
    with pytest.raises(UsageError, match="nothing to draw"):
        plan_figure(empty, tracks=layers.load_tracks(), title="t", period="p", fmt="png")


# --- fonts -------------------------------------------------------------------

def test_no_chinese_font_is_a_font_error(monkeypatch):
    with pytest.raises(FontError, match="no Chinese font"):
        fonts.find_cjk_font(("No Such Family",))
    import matplotlib
    latin = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setenv(fonts.FONT_ENV, str(latin))
    with pytest.raises(FontError, match="cannot draw Chinese"):
        fonts.find_cjk_font()


def test_noto_sans_cjk_sc_is_found_and_subset_as_truetype(tmp_path):
    face = fonts.find_cjk_font()
    assert face.family == "Noto Sans CJK SC"
    path = fonts.font_file(face, "重庆高新区 abc", folder=tmp_path)
    from fontTools.ttLib import TTFont
    with TTFont(path) as font:
        assert "glyf" in font and "CFF " not in font
        assert {ord(c) for c in "重庆高新区abc"} <= set(font.getBestCmap())
        assert len(font.getGlyphOrder()) < 50
    again = fonts.font_file(face, "重庆高新区 abc", folder=tmp_path)
    assert again == path and len(list(tmp_path.iterdir())) == 1  # cached by content


# --- writing -----------------------------------------------------------------

def test_write_is_atomic_and_writes_through_symlinks_and_fifos(tmp_path):
    target = tmp_path / "map.png"
    target.write_bytes(b"old")
    write_figure(target, b"new")
    assert target.read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]

    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    link = tmp_path / "link.png"
    link.symlink_to(real)
    write_figure(link, b"through")
    assert link.is_symlink() and real.read_bytes() == b"through"  # the link is kept, its target written

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen([sys.executable, "-c", f"import sys; sys.stdout.write(open({str(fifo)!r}).read())"],
                              stdout=subprocess.PIPE, text=True)
    write_figure(fifo, b"piped")
    assert reader.communicate(timeout=30)[0] == "piped"
    assert fifo.exists() and not fifo.is_file()  # still a FIFO, not replaced by a file

    with pytest.raises(ExportError, match="folder does not exist"):
        write_figure(tmp_path / "missing" / "m.png", b"x")
    with pytest.raises(ExportError, match="is a folder"):
        write_figure(tmp_path, b"x")
